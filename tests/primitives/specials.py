"""Special points of the table's rows (zeros, ties, domain bounds) with JAX's derivatives.

``SPECIAL[name]`` holds the ``Special`` points of the row ``name``: the gradient of
``sum(cotangent * fun(*args))`` that JAX 0.10 computes there (``jax_enable_x64``; looked
up once, JAX is not imported by the tests), or, where a ``note`` says so, funcgrad's
deliberate choice. ``attach`` puts them, and the accuracy references of ``exact.py``,
on a family's rows.
"""

from __future__ import annotations

import math

import attrs

from .exact import EXACT
from .spec import OpSpec, Special

nan, inf = math.nan, math.inf
PI2_3 = math.pi**2 / 3
POWER_X = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, -2.0]
POWER_Y = [2.0, 1.0, 0.0, 0.5, 3.0, -1.0, 0.0, 2.0]
POWER_GRADS = (
    [0.0, 1.0, 0.0, inf, 0.0, -inf, 0.0, -4.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, nan, math.log(2.0), nan],
)
POWER_NOTE = "d/dx at x = 0, y = 0 is 0 (numpy's x**0 == 1 is constant; JAX gives nan)"
TIE = ([1.0, 0.0, nan], [1.0, 0.0, 1.0])  # a tie, a tie at 0, NaN against a number
ZEROS3 = ([0.0, 0.0, 0.0],)
ALL = {"axis": None, "keepdims": False}


def _s(*args, grads, **kw) -> Special:
    return Special(args, grads, **kw)


SPECIAL: dict[str, tuple[Special, ...]] = {
    # elementwise: kinks, ties, poles and bounds
    "abs": (_s([0.0, -0.0], grads=([1.0, 1.0],)),),
    "absolute": (_s([0.0, -0.0], grads=([1.0, 1.0],)),),
    "fabs": (_s([0.0, -0.0], grads=([1.0, 1.0],)),),
    "sqrt": (_s([0.0], grads=([inf],)),),
    "cbrt": (_s([0.0], grads=([inf],)),),
    "square": (_s([0.0], grads=([0.0],)),),
    "reciprocal": (_s([0.0], grads=([-inf],)),),
    "log": (_s([0.0], grads=([inf],)),),
    "log2": (_s([0.0], grads=([inf],)),),
    "log10": (_s([0.0], grads=([inf],)),),
    "log1p": (_s([-1.0], grads=([inf],)),),
    "arcsin": (_s([1.0, -1.0], grads=([inf, inf],)),),
    "arccos": (_s([1.0, -1.0], grads=([-inf, -inf],)),),
    "arctanh": (_s([1.0, -1.0], grads=([inf, inf],)),),
    "arccosh": (_s([1.0], grads=([inf],)),),
    "exp2": (_s([0.0], grads=([math.log(2.0)],)),),
    "expm1": (_s([0.0], grads=([1.0],)),),
    "tan": (_s([0.0], grads=([1.0],)),),
    "arcsinh": (_s([0.0], grads=([1.0],)),),
    "sinc": (
        _s([0.0], grads=([0.0],)),
        _s([0.0], grads=([-PI2_3],), order=2),
        _s([0.0], grads=([0.0],), order=3),
    ),
    "maximum": (_s(*TIE, grads=([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])),),
    "minimum": (_s(*TIE, grads=([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])),),
    "fmax": (_s([1.0, nan, 1.0], [1.0, 1.0, nan], grads=([0.0, 0.0, 1.0], [1.0, 1.0, 0.0])),),
    "fmin": (_s([1.0, nan, 1.0], [1.0, 1.0, nan], grads=([0.0, 0.0, 1.0], [1.0, 1.0, 0.0])),),
    "clip": (_s([-1.0, 1.0, -2.0, 0.0], grads=([0.5, 0.5, 0.0, 1.0],)),),
    "clip_traced_bounds": (
        _s([-1.0, 1.0], [-1.0, -1.0], [1.0, 1.0], grads=([0.5, 0.5], [0.5, 0.0], [0.0, 0.5])),
    ),
    "power": (_s(POWER_X, POWER_Y, grads=POWER_GRADS, note=POWER_NOTE),),
    "float_power": (_s(POWER_X, POWER_Y, grads=POWER_GRADS, note=POWER_NOTE),),
    "power_constant_exponent": (_s([0.0], grads=([0.0],)),),
    "arctan2": (_s([0.0, 0.0], [0.0, 1.0], grads=([nan, 1.0], [nan, -0.0])),),
    "hypot": (_s([0.0], [0.0], grads=([0.5], [0.5])),),
    "logaddexp": (
        _s(
            [1.0, -inf],
            [1.0, -inf],
            grads=([0.5, nan], [0.5, nan]),
            note="exactly 1/2 at a tie (JAX: 0.49999999999999994)",
        ),
    ),
    "logaddexp2": (_s([1.0, -inf], [1.0, -inf], grads=([0.5, nan], [0.5, nan])),),
    "copysign": (_s([0.0, 0.0, -0.0], [1.0, -1.0, 1.0], grads=([1.0, -1.0, 1.0], [0.0] * 3)),),
    "mod": (_s([2.0, -2.0], [1.0, 1.0], grads=([1.0, 1.0], [-2.0, 2.0])),),
    "remainder": (_s([2.0, -2.0], [1.0, 1.0], grads=([1.0, 1.0], [-2.0, 2.0])),),
    "fmod": (_s([2.0, -2.0], [1.0, 1.0], grads=([1.0, 1.0], [-2.0, 2.0])),),
    "divide": (_s([1.0], [0.0], grads=([inf], [-inf])),),
    "true_divide": (_s([1.0], [0.0], grads=([inf], [-inf])),),
    "where": (
        _s([1.0, -1.0], [2.0, 3.0], [4.0, 5.0], grads=([0.0, 0.0], [1.0, 0.0], [0.0, 1.0])),
    ),
    "nan_to_num": (_s([nan, inf, -inf], grads=([0.0, 0.0, 0.0],)),),
    "angle": (_s([0.0], [0.0], grads=([nan], [nan])),),
    # reductions: ties share the derivative, zeros of products are exact
    "max": (_s([1.0, 3.0, 3.0], grads=([0.0, 0.5, 0.5],)),),
    "amax": (_s([1.0, 3.0, 3.0], grads=([0.0, 0.5, 0.5],)),),
    "min": (_s([1.0, 1.0, 3.0], grads=([0.5, 0.5, 0.0],)),),
    "amin": (_s([1.0, 1.0, 3.0], grads=([0.5, 0.5, 0.0],)),),
    "ptp": (_s([1.0, 1.0, 3.0, 3.0], grads=([-0.5, -0.5, 0.5, 0.5],)),),
    "prod_with_zeros": (
        _s([0.0, 2.0, 3.0], grads=([6.0, 0.0, 0.0],)),
        _s([0.0, 0.0, 3.0], grads=([0.0, 0.0, 0.0],)),
    ),
    "cumprod": (
        _s([2.0, 0.0, 3.0], cotangent=[1.0, 2.0, 3.0], grads=([1.0, 22.0, 0.0],)),
        _s([0.0, 0.0, 3.0], cotangent=[1.0, 2.0, 3.0], grads=([1.0, 0.0, 0.0],)),
    ),
    "mean": (_s([[], []], params={"axis": 1}, grads=([[], []],)),),
    "var": (
        _s([2.0], grads=([0.0],)),
        _s(2.0, grads=(0.0,)),
        _s(
            [2.0],
            params={"ddof": 1},
            grads=([nan],),
            note="0 / 0: JAX's VJP is nan (its JVP 0)",
        ),
    ),
    "std": (
        _s([2.0], grads=([nan],)),
        _s(2.0, grads=(nan,)),
        _s([2.0, 2.0], grads=([nan, nan],)),
        _s([2.0], params={"ddof": 1}, grads=([nan],)),
    ),
    # order statistics: ties resolved by the stable sort, as JAX
    "sort": (
        _s(
            [2.0, 1.0, 2.0],
            params={"axis": -1},
            cotangent=[1.0, 2.0, 3.0],
            grads=([2.0, 1.0, 3.0],),
        ),
    ),
    "median": (
        _s(
            [1.0, 2.0, 2.0, 3.0],
            params=ALL,
            grads=([0.0, 0.5, 0.5, 0.0],),
        ),
        _s([1.0, 2.0, 2.0], params=ALL, grads=([0.0, 1.0, 0.0],)),
        _s([2.0] * 4, params=ALL, grads=([0.0, 0.5, 0.5, 0.0],)),
    ),
    # norms at zero
    "linalg.norm_default": (_s(*ZEROS3, params={"keepdims": False}, grads=([nan] * 3,)),),
    "linalg.norm_vector": (
        _s(*ZEROS3, params={**ALL, "ord": 1}, grads=([1.0] * 3,)),
        _s(
            *ZEROS3,
            params={**ALL, "ord": inf},
            grads=([1 / 3] * 3,),
            note="max |x|: ties share, abs'(0) = 1 (JAX's norm gives 1/6, its max(abs) 1/3)",
        ),
        _s(*ZEROS3, params={**ALL, "ord": -inf}, grads=([1 / 3] * 3,)),
        _s([0.0, 1.0], params={**ALL, "ord": 0}, grads=([0.0, 0.0],)),
        _s(
            [0.0, 3.0, 4.0],
            params={**ALL, "ord": 2},
            grads=([0.0, 0.6, 0.8],),
        ),
    ),
}


def attach(rows: list[OpSpec]) -> list[OpSpec]:
    """``rows`` with their special points and accuracy references filled in."""
    out = []
    for s in rows:
        extra = {}
        if s.name in SPECIAL:
            extra["special"] = SPECIAL[s.name]
        if s.name in EXACT:
            extra["exact"] = EXACT[s.name]
        out.append(attrs.evolve(s, **extra) if extra else s)
    return out
