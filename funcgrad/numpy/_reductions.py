"""Reductions and scans of funcgrad.numpy: sum, mean, var, max, prod, cumsum, diff, ...

numpy's signatures (``axis`` None, int, negative or tuple; ``keepdims``; ``dtype`` and
``ddof`` where numpy has them). Outside transformations each calls numpy itself with the
user's arguments (bitwise-equal results); under a transformation it normalises the axes and
binds the reduction primitives, composing the rest (mean, var, std, average, ptp, nansum,
nanmean, count_nonzero) from them. Imports core and the primitives layer only.
"""

from __future__ import annotations

import builtins
import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import (
    FuncgradAxisError,
    FuncgradNotImplementedError,
    FuncgradTypeError,
    FuncgradValueError,
)
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, reductions as _red
from ..primitives._axes import normalize_axes, normalize_axis, reduced_shape
from ..primitives.shape import broadcast_to, reshape, transpose
from ._convert import as_array

_NoValue = np._NoValue


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return math.prod(shape[i] for i in axes)


def _as_dtype(a: Any, dtype: Any) -> Any:
    return a if dtype is None else _ew.astype(a, dtype)


def _as_float(a: Any, dtype: Any) -> Any:
    """``a`` cast to ``dtype``, or to float64 if it is an integer or boolean array."""
    if dtype is None and not np.issubdtype(a.dtype, np.inexact):
        dtype = np.float64
    return _as_dtype(a, dtype)


# --- sums and means --------------------------------------------------------------------


def sum(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Sum of array elements over ``axis`` (numpy.sum)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    axes = normalize_axes(axis, a.ndim, "sum")
    return _red.sum_(_as_dtype(a, dtype), axes, keepdims)


def mean(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over ``axis`` (numpy.mean); integer input gives float64."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    axes = normalize_axes(axis, a.ndim, "mean")
    return _red.sum_(_as_float(a, dtype), axes, keepdims) / _count(a.shape, axes)


def var(a: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance over ``axis``, divided by ``N - ddof`` (numpy.var)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    axes = normalize_axes(axis, a.ndim, "var")
    a = _as_float(a, dtype)
    n = _count(a.shape, axes)
    dev = a - _red.sum_(a, axes, keepdims=True) / n
    sq = _ew.real(dev * _ew.conj(dev)) if dev.dtype.kind == "c" else dev * dev
    return _red.sum_(sq, axes, keepdims) / builtins.max(n - ddof, 0)


def std(a: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation over ``axis`` (numpy.std); its derivative is NaN where it is 0."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.std(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    return _ew.sqrt(var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims=False
) -> Any:
    """Weighted average over ``axis`` (numpy.average); differentiable in ``a`` and ``weights``.

    ``weights`` has ``a``'s shape, or the shape of ``a`` along ``axis`` (in that order).
    With ``returned``, also returns the sum of the weights (broadcast to the result).
    """
    a, weights = as_array(a), as_array(weights)
    if not is_traced((a, weights)):
        # numpy's stubs overload on ``returned`` as Literal[True] or [False]; a bool is neither
        return np.average(  # type: ignore[call-overload]
            a, axis=axis, weights=weights, returned=returned, keepdims=keepdims
        )
    a = a if isinstance(a, Tracer) else np.asarray(a)
    axes = normalize_axes(axis, a.ndim, "average")
    if weights is None:
        avg = mean(a, axis=axes, keepdims=keepdims)
        scl = np.full(avg.shape, a.size / avg.size, avg.dtype)
        return (avg, scl) if returned else avg
    w = weights if isinstance(weights, Tracer) else np.asarray(weights)
    if w.shape != a.shape:
        if axis is None:
            raise FuncgradTypeError(
                "average: axis must be specified when shapes of a and weights differ "
                f"(a {a.shape}, weights {w.shape}); pass the axis the weights run along"
            )
        given = tuple(normalize_axis(ax, a.ndim, op="average") for ax in _as_seq(axis))
        if w.shape != tuple(a.shape[ax] for ax in given):
            raise FuncgradValueError(
                f"average: shape of weights {w.shape} must be consistent with shape of a "
                f"{a.shape} along axis {axis}"
            )
        w = transpose(w, tuple(int(i) for i in np.argsort(given)))
        w = reshape(w, tuple(s if i in axes else 1 for i, s in enumerate(a.shape)))
    if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        result_dtype = np.result_type(a.dtype, w.dtype, "f8")
    else:
        result_dtype = np.result_type(a.dtype, w.dtype)
    a, w = _ew.astype(a, result_dtype), _ew.astype(w, result_dtype)
    scl = _red.sum_(w, axes, keepdims)
    avg = _red.sum_(a * w, axes, keepdims) / scl
    if returned:
        return avg, broadcast_to(scl, avg.shape)
    return avg


def _as_seq(axis: Any) -> Sequence[Any]:
    return axis if isinstance(axis, Sequence) else (axis,)


def nansum(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Sum treating NaNs as zero (numpy.nansum); zero derivative at the NaNs."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.nansum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if np.issubdtype(a.dtype, np.inexact):
        a = _ew.where(_ew.isnan(a), 0, a)
    return sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Mean ignoring NaNs (numpy.nanmean); zero derivative at the NaNs."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.nanmean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if not np.issubdtype(a.dtype, np.inexact):
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    axes = normalize_axes(axis, a.ndim, "nanmean")
    nan = _ew.isnan(a)
    total = _red.sum_(_as_dtype(_ew.where(nan, 0, a), dtype), axes, keepdims)
    count = _red.sum_(_ew.logical_not(nan), axes, keepdims)
    return total / _ew.astype(count, total.dtype)


# --- products --------------------------------------------------------------------------


def prod(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Product over ``axis`` (numpy.prod); its derivative is exact where entries are zero."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.prod(a, axis=axis, dtype=dtype, keepdims=keepdims)
    axes = normalize_axes(axis, a.ndim, "prod")
    return _red.prod(_as_dtype(a, dtype), axes, keepdims)


# --- extrema ---------------------------------------------------------------------------


def max(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum over ``axis`` (numpy.max); tied maxima share the derivative equally."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.max(a, axis=axis, keepdims=keepdims)
    return _red.max_(a, normalize_axes(axis, a.ndim, "max"), keepdims)


def min(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum over ``axis`` (numpy.min); tied minima share the derivative equally."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.min(a, axis=axis, keepdims=keepdims)
    return _red.min_(a, normalize_axes(axis, a.ndim, "min"), keepdims)


def amax(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum over ``axis`` (numpy.amax, the same as max)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.amax(a, axis=axis, keepdims=keepdims)
    return max(a, axis=axis, keepdims=keepdims)


def amin(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum over ``axis`` (numpy.amin, the same as min)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.amin(a, axis=axis, keepdims=keepdims)
    return min(a, axis=axis, keepdims=keepdims)


def ptp(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Range ``max - min`` over ``axis`` (numpy.ptp)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.ptp(a, axis=axis, keepdims=keepdims)
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def argmax(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the maximum along ``axis``, or of the flattened array (numpy.argmax)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.argmax(a, axis=axis, keepdims=keepdims)
    ax = None if axis is None else normalize_axis(axis, a.ndim, op="argmax")
    return _red.argmax(a, ax, keepdims)


def argmin(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the minimum along ``axis``, or of the flattened array (numpy.argmin)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.argmin(a, axis=axis, keepdims=keepdims)
    ax = None if axis is None else normalize_axis(axis, a.ndim, op="argmin")
    return _red.argmin(a, ax, keepdims)


# --- logical ---------------------------------------------------------------------------


def all(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Whether all elements along ``axis`` are nonzero (numpy.all)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.all(a, axis=axis, keepdims=keepdims)
    return _red.all_(a, normalize_axes(axis, a.ndim, "all"), keepdims)


def any(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Whether any element along ``axis`` is nonzero (numpy.any)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.any(a, axis=axis, keepdims=keepdims)
    return _red.any_(a, normalize_axes(axis, a.ndim, "any"), keepdims)


def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """Number of nonzero entries along ``axis`` (numpy.count_nonzero).

    Under a transformation the result is an int64 array (a 0-d one for ``axis=None``).
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.count_nonzero(a, axis=axis, keepdims=keepdims)
    axes = normalize_axes(axis, a.ndim, "count_nonzero")
    return _red.sum_(_ew.not_equal_p.bind(a, 0), axes, keepdims)


# --- scans -----------------------------------------------------------------------------


def _scan_axis(a: Any, axis: Any, op: str) -> tuple[Any, int]:
    if axis is None:  # numpy flattens
        return reshape(a, (a.size,)), 0
    if a.ndim == 0:
        raise FuncgradAxisError(
            f"{op}: axis {axis} is out of bounds for a 0-d array; use axis=None"
        )
    return a, normalize_axis(axis, a.ndim, op=op)


def cumsum(a: Any, axis: Any = None, dtype: Any = None) -> Any:
    """Cumulative sum along ``axis`` (numpy.cumsum); ``axis=None`` flattens first."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.cumsum(a, axis=axis, dtype=dtype)
    a, ax = _scan_axis(_as_dtype(a, dtype), axis, "cumsum")
    return _red.cumsum(a, ax)


def cumprod(a: Any, axis: Any = None, dtype: Any = None) -> Any:
    """Cumulative product along ``axis`` (numpy.cumprod); exact derivative at zeros.

    The derivative costs O(n^2) along ``axis`` (n its length).
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.cumprod(a, axis=axis, dtype=dtype)
    a, ax = _scan_axis(_as_dtype(a, dtype), axis, "cumprod")
    return _red.cumprod(a, ax)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = _NoValue, append: Any = _NoValue):
    """The ``n``-th discrete difference along ``axis`` (numpy.diff)."""
    a, prepend, append = as_array(a), as_array(prepend), as_array(append)
    if not is_traced((a, prepend, append)):
        kw = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not _NoValue}
        return np.diff(a, n=n, axis=axis, **kw)
    if n == 0:
        return a
    if n < 0:
        raise FuncgradValueError(f"diff: order must be non-negative but got n={n!r}")
    a = a if isinstance(a, Tracer) else np.asarray(a)
    if a.ndim == 0:
        raise FuncgradValueError(
            "diff requires input that is at least one dimensional (got a 0-d array)"
        )
    ax = normalize_axis(axis, a.ndim, op="diff")
    if prepend is not _NoValue or append is not _NoValue:
        a = _pad_ends(a, ax, prepend, append)
    for _ in range(n):
        a = _red.diff(a, ax)
    return a


def _pad_ends(a: Any, ax: int, prepend: Any, append: Any) -> Any:
    concatenate = getattr(sys.modules[__package__], "concatenate", None)
    if concatenate is None:
        raise FuncgradNotImplementedError(
            "diff: prepend/append under a transformation need funcgrad.numpy.concatenate"
        )
    parts = [a]
    for value, at_end in ((prepend, False), (append, True)):
        if value is _NoValue:
            continue
        if not isinstance(value, Tracer):
            value = np.asarray(value)
        if value.ndim == 0:
            value = broadcast_to(value, reduced_shape(a.shape, (ax,), True))
        parts.insert(len(parts) if at_end else 0, value)
    return concatenate(parts, axis=ax)
