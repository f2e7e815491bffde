"""Small numeric helpers shared by the optimizer modules (private).

Hyperparameter casting, the int32 step counter, and optax's treatment of complex leaves
(``abs_sq``, norms, real-valued accumulators, moving averages). Imports only numpy and
``funcgrad.numpy``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import funcgrad.numpy as fnp

Numeric = Any
"""A scalar or array: a Python number, a numpy array or scalar, or a funcgrad tracer."""


def dtype_of(x: Numeric) -> np.dtype:
    """The dtype of a leaf; Python numbers count as numpy does (float -> float64)."""
    dtype = getattr(x, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.result_type(x)


def shape_of(x: Numeric) -> tuple[int, ...]:
    """The shape of a leaf (``()`` for Python numbers), without converting tracers."""
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def real_dtype(dtype: Any) -> np.dtype:
    """``float64`` for ``complex128``, ``float32`` for ``complex64``; other dtypes as they are."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return np.finfo(dtype).dtype
    return dtype


def is_complex(x: Numeric) -> bool:
    """Whether the leaf ``x`` has a complex dtype."""
    return dtype_of(x).kind == "c"


def cast_like(value: Numeric, x: Numeric) -> Numeric:
    """``value`` (a real hyperparameter) in the real dtype of the leaf ``x``.

    Python numbers are returned as they are: numpy treats them as weak, so ``0.9 * m``
    keeps ``m``'s dtype. Arrays and tracers (a float64 schedule output, a learning rate
    under ``vmap``) are cast, so they never promote float32 leaves to float64. For a
    complex leaf the cast is to its real counterpart (``float32`` for ``complex64``):
    hyperparameters are real, and a real scalar times a complex array stays complex.
    """
    if type(value) in (int, float):  # not isinstance: numpy's float64 subclasses float
        return value
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return value
    if not hasattr(value, "astype"):
        value = fnp.asarray(value)
    return value.astype(real_dtype(dtype))


def abs_sq(x: Numeric) -> Numeric:
    """``|x|**2`` elementwise, real: ``real(conj(x) * x)`` for complex ``x``, ``x * x`` else.

    This is optax's ``numerics.abs_sq``: every second moment and every norm in
    ``funcgrad.optim`` uses it, so complex leaves behave like pairs of real numbers.
    """
    if is_complex(x):
        return fnp.real(fnp.conj(x) * x)
    return fnp.square(x)


def zeros_real_like(x: Numeric) -> Numeric:
    """Zeros of ``x``'s shape in its real dtype: the initial value of a second moment."""
    return fnp.zeros_like(x, dtype=real_dtype(dtype_of(x)))


def full_real_like(x: Numeric, value: Numeric) -> Numeric:
    """``value`` in ``x``'s shape and real dtype."""
    return fnp.full_like(x, value, dtype=real_dtype(dtype_of(x)))


def safe_norm(x: Numeric, min_norm: Numeric) -> Numeric:
    """``max(sqrt(sum |x|**2), min_norm)`` with a finite derivative at ``x == 0``.

    As optax's ``numerics.safe_norm``: where the norm is at most ``min_norm``, the norm
    is recomputed on ones, so the discarded branch never takes the root of zero.
    """
    norm = fnp.sqrt(fnp.sum(abs_sq(x)))
    small = norm <= min_norm
    masked = fnp.where(small, fnp.ones_like(x), x)
    return fnp.where(small, min_norm, fnp.sqrt(fnp.sum(abs_sq(masked))))


def safe_root_mean_squares(x: Numeric, min_rms: Numeric) -> Numeric:
    """``max(sqrt(mean |x|**2), min_rms)`` with a finite derivative at ``x == 0``."""
    rms = fnp.sqrt(fnp.mean(abs_sq(x)))
    small = rms <= min_rms
    masked = fnp.where(small, fnp.ones_like(x), x)
    return fnp.where(small, min_rms, fnp.sqrt(fnp.mean(abs_sq(masked))))


def update_moment(x: Numeric, average: Numeric, decay: Numeric) -> Numeric:
    """One step of an exponential moving average: ``(1 - decay) * x + decay * average``."""
    decay = cast_like(decay, x)
    return (1 - decay) * x + decay * average


def bias_correction(average: Numeric, decay: Numeric, count: Numeric) -> Numeric:
    """``average / (1 - decay**count)``: the debiased moving average (optax's form)."""
    # 1 - decay**t is computed in float64 (a Python float to an int32 power), then cast
    # like optax does, so that a float32 state does not round it at small t.
    return average / cast_like(1 - fnp.power(decay, count), average)


def zero_count() -> Numeric:
    """The initial step count of a state: an int32 zero, as in optax."""
    return fnp.zeros((), dtype=fnp.int32)


_MAX_INT32 = 2**31 - 1


def increment(count: Numeric) -> Numeric:
    """``count + 1`` for an int32 step counter, saturating instead of overflowing."""
    return fnp.where(count < _MAX_INT32, count + 1, count)
