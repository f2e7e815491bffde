"""Exact references for the accuracy sweep: each elementwise function and its partial
derivatives, per element, with Python's ``math`` (correctly rounded or within an ulp or
two), written in forms that do not cancel or overflow where the true value is finite.

``EXACT[name]`` is the ``Exact`` of the table row ``name``; the rows pick them up in
``table_elementwise.py``.
"""

from __future__ import annotations

import math

from .spec import Exact

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_DEG = math.pi / 180.0
ALL = (-1000.0, 1000.0)
POSITIVE = (0.0, 1000.0)
UNIT = (-1.0, 1.0)


def _sigmoid(d: float) -> float:
    if d >= 0:
        return 1.0 / (1.0 + math.exp(-d))
    e = math.exp(d)
    return e / (1.0 + e)


def _sinc(x: float) -> float:
    u = math.pi * x
    return math.sin(u) / u


def _sinc_deriv(x: float) -> float:
    # d/dx sin(u)/u = pi (u cos u - sin u) / u^2; the series sum_n (-1)^n 2n u^(2n-1) /
    # (2n+1)! for |u| < 1, where the closed form cancels
    u = math.pi * x
    if abs(u) < 1.0:
        terms = [
            (-1) ** n * 2 * n * u ** (2 * n - 1) / math.factorial(2 * n + 1) for n in range(1, 25)
        ]
        return math.pi * math.fsum(terms)
    return math.pi * (u * math.cos(u) - math.sin(u)) / (u * u)


def _share(x: float, y: float, x_wins: bool) -> float:
    """maximum/minimum: 1 to the winner, 1/2 each at a tie (JAX)."""
    return 0.5 if x == y else float(x_wins)


def _log_add_exp(x: float, y: float) -> float:
    return max(x, y) + math.log1p(math.exp(-abs(x - y)))


def _log_add_exp2(x: float, y: float) -> float:
    return max(x, y) + math.log1p(2.0 ** -abs(x - y)) / _LN2


def _exact(value, *derivs, domain=(ALL,), **tol) -> Exact:
    return Exact(value, derivs, domain, **tol)


_SIGN = lambda x: math.copysign(1.0, x)  # noqa: E731 - x != 0 on the grid
_ONE = lambda *xs: 1.0  # noqa: E731
_MINUS_ONE = lambda *xs: -1.0  # noqa: E731

EXACT = {
    "negative": _exact(lambda x: -x, _MINUS_ONE),
    "abs": _exact(abs, _SIGN),
    "absolute": _exact(abs, _SIGN),
    "fabs": _exact(abs, _SIGN),
    "positive": _exact(lambda x: x, _ONE),
    "real": _exact(lambda x: x, _ONE),
    "conj": _exact(lambda x: x, _ONE),
    "conjugate": _exact(lambda x: x, _ONE),
    "nan_to_num": _exact(lambda x: x, _ONE),
    "exp": _exact(math.exp, math.exp),
    "exp2": _exact(lambda x: 2.0**x, lambda x: 2.0**x * _LN2),
    "expm1": _exact(math.expm1, math.exp),
    "log": _exact(math.log, lambda x: 1.0 / x, domain=(POSITIVE,)),
    "log2": _exact(math.log2, lambda x: 1.0 / (x * _LN2), domain=(POSITIVE,)),
    "log10": _exact(math.log10, lambda x: 1.0 / (x * _LN10), domain=(POSITIVE,)),
    "log1p": _exact(math.log1p, lambda x: 1.0 / (1.0 + x), domain=((-1.0, 1000.0),)),
    "sqrt": _exact(math.sqrt, lambda x: 0.5 / math.sqrt(x), domain=(POSITIVE,)),
    "cbrt": _exact(math.cbrt, lambda x: 1.0 / (3.0 * math.cbrt(x) ** 2)),
    "square": _exact(lambda x: x * x, lambda x: 2.0 * x),
    "reciprocal": _exact(lambda x: 1.0 / x, lambda x: -1.0 / (x * x)),
    "sin": _exact(math.sin, math.cos),
    "cos": _exact(math.cos, lambda x: -math.sin(x)),
    "tan": _exact(math.tan, lambda x: 1.0 / math.cos(x) ** 2),
    "arcsin": _exact(math.asin, lambda x: 1.0 / math.sqrt((1 - x) * (1 + x)), domain=(UNIT,)),
    "arccos": _exact(math.acos, lambda x: -1.0 / math.sqrt((1 - x) * (1 + x)), domain=(UNIT,)),
    "arctan": _exact(math.atan, lambda x: 1.0 / (1.0 + x * x)),
    "sinh": _exact(math.sinh, math.cosh),
    "cosh": _exact(math.cosh, math.sinh),
    "tanh": _exact(math.tanh, lambda x: 1.0 / math.cosh(x) ** 2),
    "arcsinh": _exact(math.asinh, lambda x: 1.0 / math.hypot(1.0, x)),
    "arccosh": _exact(
        math.acosh,
        lambda x: 1.0 / (math.sqrt(x - 1.0) * math.sqrt(x + 1.0)),
        domain=((1.0, 1000.0),),
    ),
    "arctanh": _exact(math.atanh, lambda x: 1.0 / ((1 - x) * (1 + x)), domain=(UNIT,)),
    "deg2rad": _exact(lambda x: x * _DEG, lambda x: _DEG),
    "radians": _exact(lambda x: x * _DEG, lambda x: _DEG),
    "rad2deg": _exact(lambda x: x / _DEG, lambda x: 1.0 / _DEG),
    "degrees": _exact(lambda x: x / _DEG, lambda x: 1.0 / _DEG),
    # numpy's float32 sinc rounds pi * x in float32: near the zeros of sin(pi x) only the
    # sensitivity-relative error is meaningful (the rules compute the same way)
    "sinc": _exact(_sinc, _sinc_deriv, conditioned=("float32",)),
    "clip": _exact(
        lambda x: min(max(x, -1.0), 1.0),
        lambda x: 0.5 if abs(x) == 1.0 else float(abs(x) < 1.0),
    ),
    "power_constant_exponent": _exact(
        lambda x: x**3 + x**2 + 1.0 + x**1.5,
        lambda x: 3.0 * x * x + 2.0 * x + 1.5 * math.sqrt(x),
        domain=(POSITIVE,),
    ),
    # binary
    "add": _exact(lambda x, y: x + y, _ONE, _ONE, domain=(ALL, ALL)),
    "subtract": _exact(lambda x, y: x - y, _ONE, _MINUS_ONE, domain=(ALL, ALL)),
    "multiply": _exact(lambda x, y: x * y, lambda x, y: y, lambda x, y: x, domain=(ALL, ALL)),
    "divide": _exact(
        lambda x, y: x / y, lambda x, y: 1.0 / y, lambda x, y: -(x / y) / y, domain=(ALL, ALL)
    ),
    "true_divide": _exact(
        lambda x, y: x / y, lambda x, y: 1.0 / y, lambda x, y: -(x / y) / y, domain=(ALL, ALL)
    ),
    "power": _exact(
        math.pow,
        lambda x, y: y * math.pow(x, y - 1.0),
        lambda x, y: math.pow(x, y) * math.log(x),
        domain=(POSITIVE, ALL),
    ),
    "float_power": _exact(
        math.pow,
        lambda x, y: y * math.pow(x, y - 1.0),
        lambda x, y: math.pow(x, y) * math.log(x),
        domain=(POSITIVE, ALL),
    ),
    "maximum": _exact(
        max, lambda x, y: _share(x, y, x > y), lambda x, y: _share(x, y, y > x), domain=(ALL, ALL)
    ),
    "minimum": _exact(
        min, lambda x, y: _share(x, y, x < y), lambda x, y: _share(x, y, y < x), domain=(ALL, ALL)
    ),
    "fmax": _exact(  # a tie goes to y (JAX)
        max, lambda x, y: float(x > y), lambda x, y: float(x <= y), domain=(ALL, ALL)
    ),
    "fmin": _exact(min, lambda x, y: float(x < y), lambda x, y: float(x >= y), domain=(ALL, ALL)),
    "arctan2": _exact(
        math.atan2,
        lambda x, y: (y / math.hypot(x, y)) / math.hypot(x, y),
        lambda x, y: (-x / math.hypot(x, y)) / math.hypot(x, y),
        domain=(ALL, ALL),
    ),
    "hypot": _exact(
        math.hypot,
        lambda x, y: x / math.hypot(x, y),
        lambda x, y: y / math.hypot(x, y),
        domain=(ALL, ALL),
    ),
    "logaddexp": _exact(
        _log_add_exp,
        lambda x, y: _sigmoid(x - y),
        lambda x, y: _sigmoid(y - x),
        domain=(ALL, ALL),
    ),
    "logaddexp2": _exact(  # x - y rounds in float32: its derivative is 2^-|x - y|-sensitive
        _log_add_exp2,
        lambda x, y: _sigmoid((x - y) * _LN2),
        lambda x, y: _sigmoid((y - x) * _LN2),
        domain=(ALL, ALL),
        conditioned=("float32",),
    ),
    "mod": _exact(lambda x, y: x % y, _ONE, lambda x, y: -divmod(x, y)[0], domain=(ALL, ALL)),
    "remainder": _exact(
        lambda x, y: x % y, _ONE, lambda x, y: -divmod(x, y)[0], domain=(ALL, ALL)
    ),
    "fmod": _exact(
        math.fmod,
        _ONE,
        lambda x, y: -float(round((x - math.fmod(x, y)) / y)),  # the exact integer quotient
        domain=(ALL, ALL),
    ),
    "copysign": _exact(
        math.copysign,
        lambda x, y: math.copysign(1.0, x) * math.copysign(1.0, y),
        lambda x, y: 0.0,
        domain=(ALL, ALL),
    ),
}
