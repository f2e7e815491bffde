"""``gradient``: numpy's second-order finite differences, differentiable.

Central differences inside, one-sided ones of order ``edge_order`` (1 or 2) at the ends,
with uniform spacings (scalars) or coordinates (1-d arrays) per axis, numpy's formulas
term for term. Outside transformations numpy computes it (bitwise); traced values (the
array, the spacings or the coordinates) go through funcgrad operations. Imports core and
the primitives layer, and the indexing and joining functions of funcgrad.numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, shape as _s
from ..primitives._axes import normalize_axes
from ..primitives._literals import EdgeOrder
from ._convert import as_array
from ._indexing import _getitem
from ._reshaping import concatenate


def _along(x: Any, axis: int, index: Any) -> Any:
    """``x[..., index, ...]`` with ``index`` (a slice) at ``axis``."""
    return _getitem(x, (slice(None),) * axis + (index,))


def _spacings(f: Any, axes: tuple[int, ...], varargs: tuple) -> list[tuple[Any, bool]]:
    """Per axis: (spacing, uniform): a scalar, or the differences of the coordinates."""
    n = len(varargs)
    if n == 0:
        return [(1.0, True)] * len(axes)
    if n == 1 and np.ndim(varargs[0]) == 0:
        return [(varargs[0], True)] * len(axes)
    if n != len(axes):
        raise FuncgradTypeError(
            f"gradient: invalid number of spacing arguments ({n}) for {len(axes)} axes; give "
            "none, one scalar, or one scalar or coordinate array per axis"
        )
    out = []
    for ax, spacing in zip(axes, varargs, strict=True):
        spacing = as_array(spacing)
        if np.ndim(spacing) == 0:
            out.append((spacing, True))
            continue
        if np.ndim(spacing) != 1:
            raise FuncgradValueError("gradient: distances must be either scalars or 1d")
        if len(spacing) != f.shape[ax]:
            raise FuncgradValueError(
                f"gradient: when 1d, distances must match the length of the corresponding "
                f"dimension (axis {ax} has {f.shape[ax]}, the coordinates {len(spacing)})"
            )
        if not isinstance(spacing, Tracer):
            spacing = np.asarray(spacing)
            if np.issubdtype(spacing.dtype, np.integer):
                spacing = spacing.astype(np.float64)
        d = spacing[1:] - spacing[:-1]
        concrete = d if not isinstance(d, Tracer) else _maybe_concrete(d)
        if concrete is not None and np.ptp(concrete) == 0:
            out.append((d[0], True))
        else:
            out.append((d, False))
    return out


def _maybe_concrete(x: Tracer) -> Any:
    try:
        return x.concrete()
    except TypeError:
        return None


def _column(d: Any, ndim: int, axis: int) -> Any:
    """A 1-d array of per-position coefficients, shaped to broadcast along ``axis``."""
    return _s.reshape(d, tuple(-1 if i == axis else 1 for i in range(ndim))) if ndim > 1 else d


def _one_axis(f: Any, axis: int, dx: Any, uniform: bool, edge_order: int) -> Any:
    nd = f.ndim

    def at(index):
        return _along(f, axis, index)

    if uniform:
        inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * dx)
    else:
        dx1, dx2 = dx[:-1], dx[1:]
        a = -dx2 / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        a, b, c = (_column(v, nd, axis) for v in (a, b, c))
        inner = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
    f0, f1, f2 = at(slice(0, 1)), at(slice(1, 2)), at(slice(2, 3))
    g3, g2, g1 = at(slice(-3, -2)), at(slice(-2, -1)), at(slice(-1, None))
    if edge_order == 1:
        d0, dn = (dx, dx) if uniform else (dx[0], dx[-1])
        first, last = (f1 - f0) / d0, (g1 - g2) / dn
    elif uniform:
        first = (-1.5 / dx) * f0 + (2.0 / dx) * f1 + (-0.5 / dx) * f2
        last = (0.5 / dx) * g3 + (-2.0 / dx) * g2 + (1.5 / dx) * g1
    else:
        dx1, dx2 = dx[0], dx[1]
        a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
        b = (dx1 + dx2) / (dx1 * dx2)
        c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * f0 + b * f1 + c * f2
        dx1, dx2 = dx[-2], dx[-1]
        a = dx2 / (dx1 * (dx1 + dx2))
        b = -(dx2 + dx1) / (dx1 * dx2)
        c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * g3 + b * g2 + c * g1
    # numpy writes into an array of f's dtype: a float32 f keeps float32
    return concatenate([_ew.astype(p, f.dtype) for p in (first, inner, last)], axis=axis)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: EdgeOrder = 1) -> Any:
    """The gradient of sampled values ``f`` by second-order differences (numpy.gradient).

    Args:
      f: an array of at least one axis; integer arrays are differentiated as float64.
      varargs: the spacing: none (1), one scalar for every axis, or one scalar or 1-d
        coordinate array (of that axis's length) per axis in ``axis``.
      axis: None (every axis), an int or a tuple of ints.
      edge_order: 1 or 2, the order of the one-sided differences at the boundaries.

    Returns:
      One array with ``f``'s shape per axis: the array itself for one axis, else a tuple.
      Differentiable in ``f`` and in traced spacings or coordinates.

    Raises:
      ValueError: ``edge_order`` not 1 or 2, or an axis shorter than ``edge_order + 1``.
      TypeError: a wrong number of spacing arguments.

    Example:
      >>> gradient(np.array([1.0, 2.0, 4.0, 7.0]))
      array([1. , 1.5, 2.5, 3. ])
    """
    f = as_array(f)
    varargs = tuple(as_array(v) for v in varargs)
    if not is_traced((f, *varargs)):
        return np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    if not isinstance(f, Tracer):
        f = np.asarray(f)
    if not np.issubdtype(f.dtype, np.inexact):
        f = _ew.astype(f, np.float64)
    if f.ndim == 0:
        raise FuncgradValueError("gradient: f must have at least one axis (got a 0-d array)")
    if edge_order not in (1, 2):
        raise FuncgradValueError(
            f"gradient: edge_order must be 1 or 2, got {edge_order!r} ('edge_order' greater "
            "than 2 not supported)"
        )
    axes = normalize_axes(axis, f.ndim, "gradient")
    if axis is not None and np.ndim(axis) == 0:
        axes = (axes[0],)
    elif axis is not None:
        axes = tuple(a % f.ndim for a in axis)
    for ax in axes:
        if f.shape[ax] < edge_order + 1:
            raise FuncgradValueError(
                f"gradient: shape of array too small to calculate a numerical gradient along "
                f"axis {ax} (length {f.shape[ax]}); at least edge_order + 1 = "
                f"{edge_order + 1} elements are required"
            )
    outs = [
        _one_axis(f, ax, dx, uniform, edge_order)
        for ax, (dx, uniform) in zip(axes, _spacings(f, axes, varargs), strict=True)
    ]
    return outs[0] if len(outs) == 1 else tuple(outs)
