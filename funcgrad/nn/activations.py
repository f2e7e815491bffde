"""Activation functions and log-sum-exp, numerically stable for large |x|.

Written with funcgrad.numpy, so every derivative order, vmap and jit work. Public face:
imports funcgrad.numpy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp

_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_INV_SQRT_2 = float(1.0 / np.sqrt(2.0))  # Python floats keep float32 inputs float32


def relu(x: Any) -> Any:
    """max(x, 0); derivative 1 for x > 0 and 0 elsewhere (0 at the kink, as in JAX)."""
    return fnp.where(x > 0, x, 0.0 * x)


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), computed as (tanh(x/2) + 1) / 2: no overflow for any x."""
    return 0.5 * (fnp.tanh(0.5 * x) + 1.0)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return fnp.tanh(x)


def softplus(x: Any) -> Any:
    """log(1 + exp(x)), stable for large |x| (logaddexp(x, 0))."""
    return fnp.logaddexp(x, 0.0)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x for x >= 0, ``negative_slope * x`` below."""
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """x for x > 0, ``alpha * (exp(x) - 1)`` below (exp of min(x, 0): no overflow)."""
    return fnp.where(x > 0, x, alpha * fnp.expm1(fnp.minimum(x, 0.0)))


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit: the tanh approximation, or the exact erf form."""
    if approximate:
        return 0.5 * x * (1.0 + fnp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    from ..primitives.elementwise import erf

    return 0.5 * x * (1.0 + erf(x * _INV_SQRT_2))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) over ``axis``, stable: the maximum is shifted out first."""
    m = fnp.max(x, axis=axis, keepdims=True)
    m = fnp.stop_gradient(fnp.where(fnp.isfinite(m), m, 0.0))
    out = fnp.log(fnp.sum(fnp.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())
    return out


def log_softmax(x: Any, axis: int = -1) -> Any:
    """x - logsumexp(x) along ``axis``."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) / sum(exp(x)) along ``axis``, with the maximum shifted out."""
    e = fnp.exp(x - fnp.stop_gradient(fnp.max(x, axis=axis, keepdims=True)))
    return e / fnp.sum(e, axis=axis, keepdims=True)
