"""Norms of funcgrad.numpy.linalg: ``norm``, ``vector_norm``, ``matrix_norm``.

Compositions of elementwise operations, reductions and singular values, following
numpy.linalg's case analysis; outside transformations numpy itself is called. The 2-norm is
``sqrt(sum(x * x))``, whose derivative ``x / norm`` is exact wherever the norm is nonzero
(at zero it is NaN, as in JAX). Imports core and the primitives layer.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, reductions as _red, shape as _shape, spectral as _spec
from ..primitives._axes import normalize_axes, normalize_axis
from ._convert import as_array


def _float(x: Any) -> Any:
    x = x if isinstance(x, Tracer) else np.asarray(x)
    if not np.issubdtype(x.dtype, np.inexact):
        x = _ew.astype(x, np.float64)
    return x


def _vector(x: Any, ord: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """The ``ord``-norm of the vectors along ``axes`` (numpy's vector cases)."""
    if ord is None or ord == 2:
        return _ew.sqrt(_red.sum_(x * x, axes, keepdims))
    if isinstance(ord, str):
        raise FuncgradValueError(f"norm: Invalid norm order '{ord}' for vectors")
    if ord == np.inf:
        return _red.max_(_ew.abs(x), axes, keepdims)
    if ord == -np.inf:
        return _red.min_(_ew.abs(x), axes, keepdims)
    if ord == 0:  # the number of nonzero entries: zero derivative
        return _red.sum_(_ew.astype(_ew.not_equal_p.bind(x, 0), x.dtype), axes, keepdims)
    if ord == 1:
        return _red.sum_(_ew.abs(x), axes, keepdims)
    total = _red.sum_(_ew.power(_ew.abs(x), ord), axes, keepdims)
    return _ew.power(total, 1.0 / ord)


def _matrix(x: Any, ord: Any, row: int, col: int) -> Any:
    """The ``ord``-norm of the matrices on axes ``(row, col)`` (keepdims=False)."""
    if ord in (2, -2, "nuc"):
        s = _spec.svdvals_p.bind(_shape.transpose(x, _to_end(x.ndim, row, col)))
        last = (s.ndim - 1,)
        if ord == "nuc":
            return _red.sum_(s, last)
        return _red.max_(s, last) if ord == 2 else _red.min_(s, last)
    if ord in (1, -1):
        reduce = _red.max_ if ord == 1 else _red.min_
        sums = _red.sum_(_ew.abs(x), (row,))
        return reduce(sums, (col - 1 if col > row else col,))
    if ord in (np.inf, -np.inf):
        reduce = _red.max_ if ord == np.inf else _red.min_
        sums = _red.sum_(_ew.abs(x), (col,))
        return reduce(sums, (row - 1 if row > col else row,))
    if ord in (None, "fro", "f"):
        return _ew.sqrt(_red.sum_(x * x, tuple(sorted((row, col)))))
    raise FuncgradValueError("norm: Invalid norm order for matrices.")


def _to_end(ndim: int, row: int, col: int) -> tuple[int, ...]:
    return (*(i for i in range(ndim) if i not in (row, col)), row, col)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Matrix or vector norm (numpy.linalg.norm).

    Vector orders: None/2, 1, inf, -inf, 0 (a count: zero derivative), any other p.
    Matrix orders: None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf. The 2-norm's derivative is
    ``x / norm`` (undefined at 0); ``ord=2``/``-2``/``'nuc'`` of matrices go through
    singular values (derivatives need distinct largest/smallest ones for 2/-2).
    """
    x = as_array(x)
    if not is_traced((x,)):
        return np.linalg.norm(x, ord, axis, keepdims)
    x = _float(x)
    nd = x.ndim
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            out = _ew.sqrt(_red.sum_(x * x, tuple(range(nd))))
            return _shape.reshape(out, (1,) * nd) if keepdims else out
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = (operator.index(axis),)
        except TypeError as e:
            raise FuncgradTypeError(
                f"norm: 'axis' must be None, an integer or a tuple of integers, got {axis!r}"
            ) from e
    if len(axis) == 1:
        return _vector(x, ord, normalize_axes(axis, nd, "norm"), keepdims)
    if len(axis) == 2:
        row, col = (normalize_axis(a, nd, op="norm") for a in axis)
        if row == col:
            raise FuncgradValueError("norm: Duplicate axes given.")
        out = _matrix(x, ord, row, col)
        if keepdims:
            shape = list(x.shape)
            shape[row] = shape[col] = 1
            out = _shape.reshape(out, tuple(shape))
        return out
    raise FuncgradValueError("norm: Improper number of dimensions to norm.")


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """Vector norm over ``axis`` (None: all entries) (numpy.linalg.vector_norm)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    x = _float(x)
    axes = normalize_axes(axis, x.ndim, "vector_norm")
    if ord is None:
        ord = 2
    return _vector(x, ord, axes, keepdims)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """Norm of the matrices on the last two axes (numpy.linalg.matrix_norm)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord)
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
