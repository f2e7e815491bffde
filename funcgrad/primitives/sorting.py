"""Sorting primitives: sort, argsort, partition, argpartition, searchsorted.

``sort`` and ``partition`` are differentiable: their outputs are a permutation of the input
along ``axis``, so the VJP puts each cotangent back where its element came from (a scatter
by the permutation, recomputed with ``argsort``/``argpartition``) and the JVP gathers the
tangent the same way. The others have integer outputs and zero derivative. Imports core,
the shape, elementwise, reductions and indexing families.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .elementwise import astype, isnan, less, less_equal_p, logical_and, logical_not, logical_or
from .indexing import scatter_along_axis, take_along_axis
from .reductions import sum_
from .shape import _bdim_front, broadcast_to, expand_dims, reshape


def _axis_batch(prim):
    """Batching of a primitive acting along ``axis``: batch in front, axis shifted."""

    def rule(axis_size, args, dims, *, axis, **params):
        del axis_size
        (x,), (d,) = args, dims
        return prim.bind(_bdim_front(x, d), axis=axis + 1, **params), 0

    return rule


# --- argsort, argpartition (zero derivative) -----------------------------------------

argsort_p = Primitive(
    "argsort",
    lambda x, *, axis, kind, stable: np.argsort(x, axis=axis, kind=kind, stable=stable),
)
VJP.define_zero(argsort_p)
JVP.define_zero(argsort_p)
BATCH.define(argsort_p, _axis_batch(argsort_p))


def argsort(x: Any, axis: int, kind: Any = None, stable: Any = None) -> Any:
    """Indices that sort ``x`` along ``axis`` (non-negative)."""
    return argsort_p.bind(x, axis=axis, kind=kind, stable=stable)


argpartition_p = Primitive(
    "argpartition",
    lambda x, *, kth, axis, kind: np.argpartition(x, kth, axis=axis, kind=kind),
)
VJP.define_zero(argpartition_p)
JVP.define_zero(argpartition_p)
BATCH.define(argpartition_p, _axis_batch(argpartition_p))


def argpartition(x: Any, kth: tuple[int, ...], axis: int, kind: str = "introselect") -> Any:
    """Indices that partition ``x`` along ``axis`` around the (non-negative) ``kth``."""
    return argpartition_p.bind(x, kth=tuple(kth), axis=axis, kind=kind)


# --- sort ----------------------------------------------------------------------------


def _sort_vjp(out_bar, out, x, *, axis, kind, stable):
    del out
    perm = argsort(x, axis, kind, stable)
    return scatter_along_axis(out_bar, perm, axis, x.shape, unique=True)


def _sort_jvp(x_dot, out, x, *, axis, kind, stable):
    del out
    return take_along_axis(x_dot, argsort(x, axis, kind, stable), axis, unique=True)


sort_p = Primitive(
    "sort", lambda x, *, axis, kind, stable: np.sort(x, axis=axis, kind=kind, stable=stable)
)
VJP.define(sort_p, _sort_vjp)
JVP.define(sort_p, _sort_jvp)
BATCH.define(sort_p, _axis_batch(sort_p))


def sort(x: Any, axis: int, kind: Any = None, stable: Any = None) -> Any:
    """``x`` sorted along ``axis`` (non-negative); differentiable (a permutation)."""
    return sort_p.bind(x, axis=axis, kind=kind, stable=stable)


# --- partition -----------------------------------------------------------------------


def _partition_vjp(out_bar, out, x, *, kth, axis, kind):
    del out
    perm = argpartition(x, kth, axis, kind)
    return scatter_along_axis(out_bar, perm, axis, x.shape, unique=True)


def _partition_jvp(x_dot, out, x, *, kth, axis, kind):
    del out
    return take_along_axis(x_dot, argpartition(x, kth, axis, kind), axis, unique=True)


# numpy's partition and argpartition run the same selection, so x[argpartition] equals
# partition elementwise (ties aside, where either order is a valid derivative).
partition_p = Primitive(
    "partition", lambda x, *, kth, axis, kind: np.partition(x, kth, axis=axis, kind=kind)
)
VJP.define(partition_p, _partition_vjp)
JVP.define(partition_p, _partition_jvp)
BATCH.define(partition_p, _axis_batch(partition_p))


def partition(x: Any, kth: tuple[int, ...], axis: int, kind: str = "introselect") -> Any:
    """``x`` partitioned along ``axis`` around ``kth``; differentiable (a permutation)."""
    return partition_p.bind(x, kth=tuple(kth), axis=axis, kind=kind)


# --- searchsorted (zero derivative) --------------------------------------------------


def _searchsorted_batch(axis_size, args, dims, *, side):
    (a, v), (ad, vd) = args, dims
    if ad is None:  # one sorted array: numpy handles any shape of v
        return searchsorted_p.bind(a, v, side=side), vd
    # One sorted row per example: count the entries before each v in numpy's sort order
    # (NaN last), which is what the binary search returns for sorted rows.
    a = _bdim_front(a, ad)
    v = _bdim_front(v, vd) if vd is not None else broadcast_to(v, (axis_size, *np.shape(v)))
    vs = v.shape[1:]
    a = reshape(a, (axis_size, *(1,) * len(vs), a.shape[1]))
    v = expand_dims(v, v.ndim)
    if side == "left":
        before = logical_or(less(a, v), logical_and(isnan(v), logical_not(isnan(a))))
    else:
        before = logical_or(less_equal_p.bind(a, v), isnan(v))
    return sum_(astype(before, np.intp), (len(vs) + 1,)), 0


searchsorted_p = Primitive("searchsorted", lambda a, v, *, side: np.searchsorted(a, v, side=side))
VJP.define_zero(searchsorted_p)
JVP.define_zero(searchsorted_p)
BATCH.define(searchsorted_p, _searchsorted_batch)


def searchsorted(a: Any, v: Any, side: str = "left") -> Any:
    """Indices where ``v`` would be inserted into the sorted 1-d ``a``; zero derivative."""
    return searchsorted_p.bind(a, v, side=side)
