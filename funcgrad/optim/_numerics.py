"""Small numeric helpers shared by the optimizer modules (private).

Hyperparameter casting and the int32 step counter. Imports only ``funcgrad.numpy``.
"""

from __future__ import annotations

from typing import Any

import funcgrad.numpy as fnp

Numeric = Any
"""A scalar or array: a Python number, a numpy array or scalar, or a funcgrad tracer."""


def cast_like(value: Numeric, x: Numeric) -> Numeric:
    """``value`` (a hyperparameter) in the dtype of the leaf ``x``.

    Python numbers are returned as they are: numpy treats them as weak, so ``0.9 * m``
    keeps ``m``'s dtype. Arrays and tracers (a float64 schedule output, a learning rate
    under ``vmap``) are cast, so they never promote float32 leaves to float64.
    """
    if type(value) in (int, float):  # not isinstance: numpy's float64 subclasses float
        return value
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return value
    if not hasattr(value, "astype"):
        value = fnp.asarray(value)
    return value.astype(dtype)


def zero_count() -> Numeric:
    """The initial step count of a state: an int32 zero, as in optax."""
    return fnp.zeros((), dtype=fnp.int32)


_MAX_INT32 = 2**31 - 1


def increment(count: Numeric) -> Numeric:
    """``count + 1`` for an int32 step counter, saturating instead of overflowing."""
    return fnp.where(count < _MAX_INT32, count + 1, count)
