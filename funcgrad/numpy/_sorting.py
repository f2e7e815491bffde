"""funcgrad.numpy sorting and order statistics: sort, argsort, partition, argpartition,
searchsorted, median, quantile, percentile, unique.

Outside transformations each function calls numpy itself (bitwise-equal results). Imports
core and the primitives layer only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradNotImplementedError, FuncgradTypeError, FuncgradValueError
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, indexing as _ix, sorting as _so
from ..primitives._axes import normalize_axes, normalize_axis
from ..primitives._index import normalize_index
from ..primitives._literals import PartitionKind, QuantileMethod, SortSide
from ..primitives.shape import reshape, transpose
from ._convert import as_array
from ._indexing import _concrete, take


def _flat(a: Any) -> Any:
    return reshape(a, (int(np.prod(np.shape(a), dtype=np.int64)),))


def sort(a: Any, axis: Any = -1, kind: Any = None, *, stable: Any = None) -> Any:
    """Sorted copy of ``a`` along ``axis`` (numpy.sort; None: flattened).

    Differentiable: the cotangent of each sorted value goes back to where it came from
    (ties get one of the valid choices).
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.sort(a, axis=axis, kind=kind, stable=stable)
    if axis is None:
        a, axis = _flat(a), 0
    return _so.sort(a, normalize_axis(axis, np.ndim(a), op="sort"), kind, stable)


def argsort(a: Any, axis: Any = -1, kind: Any = None, *, stable: Any = None) -> Any:
    """Indices that sort ``a`` along ``axis`` (numpy.argsort); zero derivative."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.argsort(a, axis=axis, kind=kind, stable=stable)
    if axis is None:
        a, axis = _flat(a), 0
    return _so.argsort(a, normalize_axis(axis, np.ndim(a), op="argsort"), kind, stable)


def _kth(kth: Any, n: int, name: str) -> tuple[int, ...]:
    ks = np.atleast_1d(np.asarray(kth))
    if not np.issubdtype(ks.dtype, np.integer):
        raise FuncgradTypeError(
            f"{name}: kth must be an integer or a sequence of integers, got dtype {ks.dtype}"
        )
    for k in ks:
        if not -n <= k < n:
            raise FuncgradValueError(f"{name}: kth(={int(k)}) out of bounds ({n})")
    # order and repeats kept: numpy's selection (so its untraced result) depends on them
    return tuple(int(k) % n for k in ks)


def partition(a: Any, kth: Any, axis: Any = -1, kind: PartitionKind = "introselect") -> Any:
    """Partially sorted copy of ``a`` (numpy.partition); differentiable like ``sort``."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.partition(a, kth, axis=axis, kind=kind)
    if axis is None:
        a, axis = _flat(a), 0
    axis = normalize_axis(axis, np.ndim(a), op="partition")
    return _so.partition(a, _kth(kth, np.shape(a)[axis], "partition"), axis, kind)


def argpartition(a: Any, kth: Any, axis: Any = -1, kind: PartitionKind = "introselect") -> Any:
    """Indices that partition ``a`` (numpy.argpartition); zero derivative."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.argpartition(a, kth, axis=axis, kind=kind)
    if axis is None:
        a, axis = _flat(a), 0
    axis = normalize_axis(axis, np.ndim(a), op="argpartition")
    return _so.argpartition(a, _kth(kth, np.shape(a)[axis], "argpartition"), axis, kind)


def searchsorted(a: Any, v: Any, side: SortSide = "left", sorter: Any = None) -> Any:
    """Insertion indices of ``v`` into the sorted 1-d ``a`` (numpy.searchsorted).

    Zero derivative.
    """
    a, v = as_array(a), as_array(v)
    if not is_traced((a, v, sorter)):
        return np.searchsorted(a, v, side=side, sorter=sorter)
    if side not in ("left", "right"):
        raise FuncgradValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if np.ndim(a) != 1:
        raise FuncgradValueError(f"searchsorted: a must be 1-d, got shape {np.shape(a)}")
    if sorter is not None:
        a = take(a, sorter)
    return _so.searchsorted(a, v, side)


# --- order statistics: sorted along the reduced axes, then interpolated ------------------


def _sorted_front(a: Any, axis: Any, name: str) -> tuple[Any, tuple, tuple]:
    """``a`` with the reduced ``axis`` merged into one sorted leading axis."""
    shape = np.shape(a)
    axes = normalize_axes(axis, len(shape), op=name)
    keep = tuple(i for i in range(len(shape)) if i not in axes)
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    x = reshape(transpose(a, axes + keep), (n, *(shape[i] for i in keep)))
    return _so.sort(x, 0), axes, keep


def _pick(s: Any, k: Any) -> Any:
    idx, arrays, unique = normalize_index(np.shape(s), (k,), "quantile")
    return _ix.gather(s, arrays, idx, unique)


def _finish(s: Any, out: Any, lead: tuple, a_shape: tuple, axes: tuple, keepdims: bool) -> Any:
    # numpy returns NaN for a slice with a NaN (sorted last).
    last = _pick(s, -1)
    out = _ew.where(_ew.isnan(last), last, out)
    if keepdims:
        out = reshape(out, lead + tuple(1 if i in axes else d for i, d in enumerate(a_shape)))
    return out


def median(a: Any, axis: Any = None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """Median along ``axis`` (numpy.median); differentiable through the sort."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.median(a, axis=axis, overwrite_input=overwrite_input, keepdims=keepdims)
    dtype = np.median(np.zeros(1, a.dtype)).dtype
    s, axes, _ = _sorted_front(a, axis, "median")
    n = np.shape(s)[0]
    out = _pick(s, n // 2)
    if n % 2 == 0:
        out = (_pick(s, n // 2 - 1) + out) / 2.0
    out = _finish(s, out, (), np.shape(a), axes, keepdims)
    return _ew.astype(out, dtype)


def _quantile(a: Any, q: Any, axis: Any, method: str, keepdims: bool, name: str) -> Any:
    weak_q = type(q) in (int, float)
    if method != "linear":
        raise FuncgradNotImplementedError(
            f"{name}: only method='linear' is supported on traced arrays, got {method!r}"
        )
    if isinstance(q, Tracer):
        raise FuncgradTypeError(
            f"{name}: q must be concrete (it is not differentiated), got a traced {q.aval}; "
            "pass it as a constant (e.g. fg.stop_gradient does not help: use a numpy array)"
        )
    q = np.asarray(q)
    dtype = np.quantile(np.zeros(1, a.dtype), q if not weak_q else q.item()).dtype
    s, axes, _ = _sorted_front(a, axis, name)
    n = np.shape(s)[0]
    vi = np.asarray((n - 1) * q)
    if np.issubdtype(vi.dtype, np.integer):
        out = _pick(s, vi)
    else:
        prev = np.array(np.floor(vi))
        nxt = np.array(prev + 1)
        above = vi >= n - 1
        prev[above], nxt[above] = -1, -1
        below = vi < 0
        prev[below], nxt[below] = 0, 0
        gamma = np.asarray(vi - prev, dtype=vi.dtype)
        t = float(gamma) if weak_q else gamma.reshape(q.shape + (1,) * (np.ndim(s) - 1))
        lo, hi = _pick(s, prev.astype(np.intp)), _pick(s, nxt.astype(np.intp))
        d = hi - lo
        out = _ew.where(np.asarray(t) >= 0.5, hi - d * (1 - t), lo + d * t)
    out = _finish(s, out, q.shape, np.shape(a), axes, keepdims)
    return _ew.astype(out, dtype)


def quantile(
    a: Any,
    q: Any,
    axis: Any = None,
    overwrite_input: bool = False,
    method: QuantileMethod = "linear",
    keepdims: bool = False,
) -> Any:
    """The ``q``-th quantiles along ``axis`` (numpy.quantile); differentiable in ``a``.

    On traced arrays only ``method="linear"`` is supported and ``q`` must be concrete.
    """
    a, q = as_array(a), as_array(q)
    if not is_traced((a, q)):
        return np.quantile(
            a, q, axis=axis, overwrite_input=overwrite_input, method=method, keepdims=keepdims
        )
    if not np.all((np.asarray(q) >= 0) & (np.asarray(q) <= 1)):
        raise FuncgradValueError("quantile: Quantiles must be in the range [0, 1]")
    return _quantile(a, q, axis, method, keepdims, "quantile")


def percentile(
    a: Any,
    q: Any,
    axis: Any = None,
    overwrite_input: bool = False,
    method: QuantileMethod = "linear",
    keepdims: bool = False,
) -> Any:
    """The ``q``-th percentiles along ``axis`` (numpy.percentile); differentiable in ``a``.

    On traced arrays only ``method="linear"`` is supported and ``q`` must be concrete.
    """
    a, q = as_array(a), as_array(q)
    if not is_traced((a, q)):
        return np.percentile(
            a, q, axis=axis, overwrite_input=overwrite_input, method=method, keepdims=keepdims
        )
    if isinstance(q, Tracer):
        raise FuncgradTypeError(
            f"percentile: q must be concrete (it is not differentiated), got a traced {q.aval}"
        )
    weak = type(q) in (int, float)
    q = np.true_divide(q, 100)
    if not np.all((q >= 0) & (q <= 1)):
        raise FuncgradValueError("percentile: Percentiles must be in the range [0, 100]")
    return _quantile(a, float(q) if weak else q, axis, method, keepdims, "percentile")


def unique(
    ar: Any,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: Any = None,
    *,
    equal_nan: bool = True,
    sorted: bool = True,
) -> Any:
    """The sorted unique elements (numpy.unique); ``ar`` must be concrete, zero derivative."""
    ar = as_array(ar)
    # numpy's stubs overload on each ``return_*`` as Literal[True] or [False]; bools are neither
    return np.unique(  # type: ignore[call-overload]
        _concrete(ar, "unique"),
        return_index=return_index,
        return_inverse=return_inverse,
        return_counts=return_counts,
        axis=axis,
        equal_nan=equal_nan,
        sorted=sorted,
    )
