"""Activation functions and log-sum-exp, accurate for every x (|x| up to 1000 and beyond).

Accurate means *relative* accuracy of the value and of the first derivative, to a few
roundings, in float64 and float32: no overflow, no NaN, no cancellation (``1 + tanh(u)``
becomes ``2 sigmoid(2u)``, ``log(1 + tiny)`` becomes ``log1p``). Piecewise functions are
``where`` splits whose every branch stays finite (so a derivative never meets ``0 * inf``);
the derivative at each kink is JAX's, and each docstring says which. Written with
funcgrad.numpy and the special-function primitives, so every derivative order, vmap and jit
work. Public face: imports funcgrad.numpy and primitives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..core.errors import FuncgradValueError
from ..primitives.special import erfc, logistic

_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_INV_SQRT_2 = float(1.0 / np.sqrt(2.0))  # Python floats keep float32 inputs float32


def relu(x: Any) -> Any:
    """max(x, 0); derivative 1 for x > 0, and 0 for x <= 0 (0 at the kink, as JAX)."""
    return fnp.where(x > 0, x, fnp.zeros_like(x))


def relu6(x: Any) -> Any:
    """min(max(x, 0), 6); derivative 1 on (0, 6), 0 elsewhere (0 at both kinks, as JAX)."""
    inner = fnp.where(x < 6, x, fnp.zeros_like(x) + 6)
    return fnp.where(x > 0, inner, fnp.zeros_like(x))


def hard_tanh(x: Any) -> Any:
    """x clipped to [-1, 1]; derivative 1 on [-1, 1] (1 at both kinks, as JAX), 0 outside."""
    inner = fnp.where(x < -1, fnp.zeros_like(x) - 1, x)
    return fnp.where(x > 1, fnp.ones_like(x), inner)


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), the logistic function; relative accuracy for every x.

    One primitive: ``exp(-|x|)`` per branch, so nothing overflows, and the derivative is
    ``sigmoid(x) * sigmoid(-x)`` (no ``1 - s`` cancellation for large x).

    Example:
      >>> f"{sigmoid(-30.0):.12e}"  # 1 / (1 + e**30); 0.5 * (tanh(-15) + 1) gives 9.3592e-14
      '9.357622968839e-14'
    """
    return logistic(x)


def log_sigmoid(x: Any) -> Any:
    """log(sigmoid(x)) = -softplus(-x): about x for x << 0, about -exp(-x) for x >> 0."""
    return -softplus(-x)


def silu(x: Any) -> Any:
    """x * sigmoid(x), the SiLU, also exported as ``swish`` (as in JAX)."""
    return x * logistic(x)


swish = silu  # the same function under its other name, as jax.nn.swish


def tanh(x: Any) -> Any:
    """Hyperbolic tangent, with a relatively accurate derivative for large |x|.

    ``fnp.tanh`` for |x| < 1/2; beyond, ``sign(x) (1 - e) / (1 + e)`` with
    ``e = exp(-2|x|)``, whose derivative ``4 e / (1 + e)**2`` stays exact where
    ``1 - tanh(x)**2`` rounds to 0 (|x| > 19 in float64). Both branches are finite for
    every x.
    """
    e = fnp.exp(fnp.where(x >= 0, -2.0 * x, 2.0 * x))  # exp(-2|x|) <= 1
    far = (1.0 - e) / (1.0 + e)
    return fnp.where(fnp.abs(x) < 0.5, fnp.tanh(x), fnp.where(x >= 0, far, -far))


def softplus(x: Any) -> Any:
    """log(1 + exp(x)), stable for large |x| (logaddexp(x, 0)); derivative sigmoid(x)."""
    return fnp.logaddexp(x, 0.0)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x for x >= 0, ``negative_slope * x`` below; derivative 1 at 0 (as JAX)."""
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """x for x > 0, ``alpha * (exp(x) - 1)`` below; derivative ``alpha`` at 0 (as JAX).

    The exponential sees ``x`` only where x <= 0, so it never overflows; ``expm1`` keeps
    the value accurate near 0, and below -1 ``exp(x) - 1`` keeps the derivative
    ``alpha * exp(x)`` accurate (expm1's derivative, ``expm1(x) + 1``, rounds to 0 there).
    """
    neg = fnp.where(x > 0, 0.0, x)
    below = fnp.where(neg > -1, fnp.expm1(neg), fnp.exp(neg) - 1.0)
    return fnp.where(x > 0, x, alpha * below)


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit ``x * Phi(x)``: the tanh approximation, or exact.

    The tanh form ``0.5 x (1 + tanh(u))`` is computed as ``x * sigmoid(2u)`` and the exact
    form ``0.5 x (1 + erf(x / sqrt 2))`` as ``0.5 x erfc(-x / sqrt 2)``: the same values,
    without the cancellation of ``1 + (-1 + tiny)`` in the left tail.
    """
    if approximate:
        return x * logistic(2.0 * _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    return 0.5 * x * erfc(-x * _INV_SQRT_2)


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves of ``x`` on ``axis``.

    Raises:
      FuncgradValueError: if ``x.shape[axis]`` is odd.
    """
    shape = fnp.shape(x)
    size = shape[axis] if shape else 0
    if size % 2 or not shape:
        raise FuncgradValueError(
            f"glu: x has shape {shape}, whose axis {axis} has odd size {size}; glu splits "
            "that axis into two halves, so it must have even size (pick another `axis`)"
        )
    a, b = fnp.split(x, 2, axis=axis)
    return a * logistic(b)


def _lse_parts(x: Any, axis: Any) -> tuple[Any, Any, Any]:
    """``(m, d, r)`` with ``d = x - m`` and ``logsumexp(x) = m + r``, reductions kept as
    size-1 axes; ``m`` is the (constant) maximum and ``r = log1p(sum of the rest)``.

    Every maximal entry contributes 1 to the sum; keeping those ones out of the rounded
    sum makes ``r`` (and ``log_softmax`` of a dominant entry) relatively accurate when the
    other terms are tiny. They enter as ``expm1(d)`` (0 at d = 0, derivative 1), so the
    derivative is the softmax at every order.
    """
    top = fnp.max(x, axis=axis, keepdims=True)
    m = fnp.stop_gradient(fnp.where(fnp.isfinite(top), top, 0.0))
    d = x - m
    is_max = x == top
    ties = fnp.sum(is_max, axis=axis, keepdims=True) - 1
    terms = fnp.where(is_max, fnp.expm1(d), fnp.exp(d))
    rest = fnp.sum(terms, axis=axis, keepdims=True) + ties.astype(terms.dtype)
    empty = top == -np.inf  # all terms -inf: rest is -1, log1p(-1) = -inf without a warning
    return m, d, fnp.where(empty, -np.inf, fnp.log1p(fnp.where(empty, 0.0, rest)))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) over ``axis`` (int, tuple or None: all), stable and accurate.

    The maximum is shifted out first and the rest enters through ``log1p`` (see
    ``_lse_parts``); ``-inf`` entries contribute nothing.
    """
    m, _, r = _lse_parts(x, axis)
    out = m + r
    if not keepdims:
        out = fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())
    return out


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """x - logsumexp(x) along ``axis``, accurate also for the dominant entry (near 0)."""
    _, d, r = _lse_parts(x, axis)
    return d - r


def softmax(x: Any, axis: Any = -1) -> Any:
    """exp(x) / sum(exp(x)) along ``axis``, with the maximum shifted out."""
    e = fnp.exp(x - fnp.stop_gradient(fnp.max(x, axis=axis, keepdims=True)))
    return e / fnp.sum(e, axis=axis, keepdims=True)
