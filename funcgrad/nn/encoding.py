"""Label encodings: ``one_hot``. Imports funcgrad.numpy and core's errors."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..core.errors import FuncgradTypeError, FuncgradValueError


def one_hot(x: Any, num_classes: int, dtype: Any = float, axis: int = -1) -> Any:
    """One-hot encoding of the integers ``x``, with the classes on a new axis ``axis``.

    As ``jax.nn.one_hot``: the result has ``x``'s shape with ``num_classes`` inserted at
    ``axis`` (of the result); entries outside ``[0, num_classes)`` give all-zero rows. The
    result has zero derivative (it is a constant of ``x``).

    Raises:
      FuncgradTypeError: if ``num_classes`` is not an integer.
      FuncgradValueError: if ``num_classes`` is negative or ``axis`` is out of range.

    Example:
      >>> one_hot(np.array([0, 2, 5]), 3)
      array([[1., 0., 0.],
             [0., 0., 1.],
             [0., 0., 0.]])
    """
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise FuncgradTypeError(
            f"one_hot: num_classes must be an int, got {type(num_classes).__name__} "
            f"{num_classes!r}"
        ) from None
    if num_classes < 0:
        raise FuncgradValueError(f"one_hot: num_classes must be >= 0, got {num_classes}")
    ndim = fnp.ndim(x) + 1
    if not -ndim <= axis < ndim:
        raise FuncgradValueError(
            f"one_hot: axis {axis} is out of range for a result of {ndim} dimensions "
            f"(x has shape {fnp.shape(x)}); use -{ndim} <= axis < {ndim}"
        )
    axis = axis % ndim
    classes = np.arange(num_classes).reshape((num_classes,) + (1,) * (ndim - 1 - axis))
    hot = fnp.expand_dims(x, axis) == classes
    return fnp.where(hot, np.ones((), dtype), np.zeros((), dtype))
