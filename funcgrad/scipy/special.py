"""funcgrad.scipy.special: differentiable special functions, as ``jax.scipy.special``.

scipy's names and signatures; every function is differentiable to any order in its real
arguments (``polygamma``'s order ``n`` is an integer and carries no derivative), works
under ``vmap`` and ``jit``, keeps float32 float32, and is accurate to a few roundings in
float64 (the exceptions are in each docstring). The elementwise work is done by the
primitives of ``funcgrad.primitives.special``; this module adds scipy's signatures,
argument checks and the compositions (``logsumexp``, ``logit``, ``ndtr``, ``log_ndtr``,
``betaln``). Public face: imports funcgrad.numpy, nn and the primitives.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import numpy as fnp
from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.namespace import public_namespace
from ..core.trace import Tracer
from ..nn.activations import logsumexp as _nn_logsumexp
from ..primitives import special as _sp
from ..primitives.elementwise import erf as _erf

__all__ = [
    "betaln",
    "digamma",
    "erf",
    "erfc",
    "expit",
    "gamma",
    "gammaln",
    "log_ndtr",
    "logit",
    "logsumexp",
    "ndtr",
    "polygamma",
    "xlog1py",
    "xlogy",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_INV_SQRT_2 = float(1.0 / np.sqrt(2.0))
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def expit(x: Any) -> Any:
    """The logistic sigmoid 1 / (1 + exp(-x)), relatively accurate for every x.

    Example:
      >>> f"{expit(-40.0):.10e}"
      '4.2483542553e-18'
    """
    return _sp.logistic(x)


def logit(p: Any) -> Any:
    """log(p / (1 - p)), the inverse of ``expit``; -inf at 0, inf at 1, nan outside [0, 1].

    ``2 arctanh(2p - 1)`` near 1/2 (where the result is near 0) and
    ``log(p) - log1p(-p)`` elsewhere: relative accuracy everywhere.
    """
    p = fnp.asarray(p) if not isinstance(p, Tracer) else p
    mid = fnp.abs(p - 0.5) < 0.25
    near = 2.0 * fnp.arctanh(fnp.where(mid, 2.0 * p - 1.0, 0.0))
    far_p = fnp.where(mid, 0.1, p)
    return fnp.where(mid, near, fnp.log(far_p) - fnp.log1p(-far_p))


def erf(x: Any) -> Any:
    """The error function (math.erf per element)."""
    return _erf(x)


def erfc(x: Any) -> Any:
    """1 - erf(x), relatively accurate in the right tail (math.erfc per element).

    Example:
      >>> f"{erfc(10.0):.10e}"
      '2.0884875838e-45'
    """
    return _sp.erfc(x)


def gamma(x: Any) -> Any:
    """The gamma function; inf beyond 171.6, nan at negative integers, +-inf at +-0."""
    return _sp.gamma(x)


def gammaln(x: Any) -> Any:
    """log|Gamma(x)|; inf at 0, -1, -2, ... Derivative: ``digamma``.

    Relatively accurate to ~1e-15 for x > 0 (a series replaces math.lgamma beside the
    zeros at 1 and 2); near the zeros on the negative axis the error is absolute (~1e-16).
    """
    return _sp.gammaln(x)


def digamma(x: Any) -> Any:
    """psi(x) = d/dx log Gamma(x); -inf at +0, nan at negative integers.

    Recurrence to x >= 12 and the asymptotic series; a Taylor series about the positive
    zero (1.4616...); reflection for negative x (there the error near psi's zeros is
    absolute, ~1e-16 |psi(1 - x)|, as in scipy). Derivative: ``polygamma(1, x)``.

    Example:
      >>> f"{digamma(1.0):.15f}"  # minus the Euler-Mascheroni constant
      '-0.577215664901533'
    """
    return _sp.digamma(x)


def polygamma(n: Any, x: Any) -> Any:
    """psi^(n)(x), the n-th derivative of digamma, for integers ``n >= 0``.

    ``(-1)^(n+1) n! zeta(n + 1, x)`` for n >= 1, the Hurwitz zeta by Euler-Maclaurin
    summation (negative non-integer x too); ``polygamma(0, x) = digamma(x)``. Derivative in
    x: ``polygamma(n + 1, x)``; ``n`` has none.

    Raises:
      FuncgradValueError: if ``n`` is negative or not integer-valued.
      FuncgradTypeError: if ``n`` is a traced float (it cannot be differentiated).

    Example:
      >>> float(polygamma(1, 1.0))  # pi**2 / 6
      1.6449340668482264
    """
    if isinstance(n, Tracer):
        if n.dtype.kind not in "iu":
            raise FuncgradTypeError(
                f"polygamma: the order n is a traced {n.dtype} value; it must be an integer "
                "(polygamma is not differentiable in n): pass n as a constant or an int array"
            )
    else:
        n_arr = np.asarray(n)
        if n_arr.dtype.kind not in "iub" and not np.all(n_arr == np.floor(n_arr)):
            raise FuncgradValueError(f"polygamma: n must be integers, got {n!r}")
        if np.any(n_arr < 0):
            raise FuncgradValueError(f"polygamma: n must be >= 0, got {n!r}")
        n = n_arr.astype(np.int64)[()] if n_arr.ndim else int(n_arr)
    return _sp.polygamma(n, x)


def xlogy(x: Any, y: Any) -> Any:
    """x * log(y), and 0 where x == 0 (also for y == 0).

    Derivatives as JAX's: ``log(y)`` in x, ``x / y`` in y, except that at x == 0 the
    y-derivative is 0 (the function is identically 0 there) rather than NaN at y == 0.
    """
    return _sp.xlogy(x, y)


def xlog1py(x: Any, y: Any) -> Any:
    """x * log1p(y), and 0 where x == 0; derivatives as ``xlogy``'s."""
    return _sp.xlog1py(x, y)


def betaln(a: Any, b: Any) -> Any:
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b).

    Accurate to ~1e-16 * max(gammaln) absolutely: when one argument is much larger than
    the other (a = 1e10, b = 2) the relative error grows with their ratio.
    """
    return _sp.gammaln(a) + _sp.gammaln(b) - _sp.gammaln(a + b)


def ndtr(x: Any) -> Any:
    """The standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2, relatively accurate in
    both tails (it underflows to 0 below x = -38.5)."""
    return 0.5 * _sp.erfc(-x * _INV_SQRT_2)


# log Phi(x) ~ -x^2/2 - log(-x) - log(2 pi)/2 + log(sum_k (-1)^k (2k-1)!! / x^2k) for
# x <= _TAIL: 20 terms leave an error below 1e-17 there (the terms shrink until k ~ x^2/2).
_TAIL = -10.0
_TAIL_TERMS = 20


def _log_ndtr_tail(x: Any) -> Any:
    inv2 = 1.0 / (x * x)
    coef = [float((-1) ** k * math.prod(range(1, 2 * k, 2))) for k in range(_TAIL_TERMS + 1)]
    series = coef[-1] * inv2
    for c in reversed(coef[1:-1]):
        series = (series + c) * inv2
    return -0.5 * x * x - fnp.log(-x) - _HALF_LOG_2PI + fnp.log1p(series)


def log_ndtr(x: Any) -> Any:
    """log Phi(x), accurate for every x: log_ndtr(-40) = -804.6084420137538.

    ``log(ndtr(x))`` for -10 < x <= 0, ``log1p(-ndtr(-x))`` for x > 0 (relative accuracy
    of the tiny negative values), and the asymptotic series below -10 (where
    ``ndtr`` would underflow). Each branch sees only its own arguments, so every
    derivative is finite: d/dx log Phi(x) = phi(x) / Phi(x), about -x in the left tail.

    Example:
      >>> float(log_ndtr(-40.0))
      -804.6084420137538
    """
    x = fnp.asarray(x) if not isinstance(x, Tracer) else x
    tail = x <= _TAIL
    right = x > 0
    x_tail = fnp.where(tail, x, _TAIL)
    x_mid = fnp.where(tail | right, -1.0, x)
    x_right = fnp.where(right, x, 1.0)
    mid = fnp.log(ndtr(x_mid))
    far_right = fnp.log1p(-ndtr(-x_right))
    return fnp.where(tail, _log_ndtr_tail(x_tail), fnp.where(right, far_right, mid))


def logsumexp(
    a: Any,
    axis: Any = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    """log(sum(b * exp(a))) over ``axis``, stable (scipy's signature and results).

    Without ``b`` this is ``funcgrad.nn.logsumexp`` (the maximum shifted out, the rest
    through ``log1p``). With ``b`` (broadcast against ``a``; entries where ``b == 0`` are
    dropped) the sum may be negative: ``return_sign=True`` returns ``(log|sum|, sign)``,
    otherwise a negative sum gives nan, as in scipy. The sign has zero derivative.

    Example:
      >>> float(logsumexp(np.array([1000.0, 1000.0])))  # 1000 + log 2
      1000.6931471805599
    """
    if b is None:
        out = _nn_logsumexp(a, axis=axis, keepdims=keepdims)
        if not return_sign:
            return out
        return out, (out > -np.inf).astype(out.dtype)  # 0 for an empty (all -inf) sum
    b = b if isinstance(b, Tracer) else fnp.asarray(b)
    a = fnp.where(b != 0, a, -np.inf)
    top = fnp.max(a, axis=axis, keepdims=True)
    m = fnp.stop_gradient(fnp.where(fnp.isfinite(top), top, 0.0))
    total = fnp.sum(b * fnp.exp(a - m), axis=axis, keepdims=True)
    sign = fnp.stop_gradient(fnp.sign(total))
    out = fnp.log(fnp.abs(total)) + m
    if not keepdims:
        out = fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())
        sign = fnp.squeeze(sign, axis=axis) if axis is not None else fnp.reshape(sign, ())
    if return_sign:
        return out, sign
    return fnp.where(sign < 0, np.nan, out)
