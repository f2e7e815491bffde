"""Pure-Python axis helpers shared by the families (no primitives here)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from ..core.errors import FuncgradAxisError, FuncgradTypeError, FuncgradValueError

Axes = tuple[int, ...]


def normalize_axis(axis: Any, ndim: int, name: str = "axis", op: str = "") -> int:
    """Return ``axis`` as a non-negative int; a ValueError naming it if out of range."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise FuncgradTypeError(
            f"{op or 'funcgrad'}: {name} must be an integer, got {axis!r} "
            f"({type(axis).__name__}); pass an int such as 0 or -1"
        ) from None
    if not -ndim <= axis < max(ndim, 1):
        raise FuncgradAxisError(
            f"{op or 'funcgrad'}: {name} {axis} is out of bounds for an array of dimension {ndim}"
            f" (valid: {-max(ndim, 1)} to {max(ndim, 1) - 1})"
        )
    return axis % ndim if ndim else 0


def normalize_axes(axis: Any, ndim: int, op: str = "") -> Axes:
    """``axis`` (None, int or sequence of ints) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Sequence):
        axes = tuple(normalize_axis(a, ndim, op=op) for a in axis)
        if len(set(axes)) != len(axes):
            raise FuncgradValueError(f"{op or 'funcgrad'}: repeated axis in {tuple(axis)}")
        return tuple(sorted(axes))
    return (normalize_axis(axis, ndim, op=op),)


def reduced_shape(shape: Sequence[int], axes: Axes, keepdims: bool) -> tuple[int, ...]:
    """The shape of a reduction of ``shape`` over ``axes``."""
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def shift_axes(axes: Axes, by: int = 1) -> Axes:
    """Every axis moved ``by`` places (after inserting a batch axis in front)."""
    return tuple(a + by for a in axes)
