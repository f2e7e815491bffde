"""Indexing primitives: ``gather`` (numpy indexing) and the scatters that transpose it.

Indices arrive normalised by ``_index.normalize_index``: a hashable tuple of ints, ``Slice``s,
``None``s and ``ARRAY`` slots (the ``idx`` param); the integer arrays of the slots travel as
extra positional arguments (so they may be traced under ``vmap``/``jit``) and never carry a
derivative. ``unique`` says that no two index positions name the same element (true unless
the user gave integer arrays), so scatters may assign instead of accumulating. Imports core,
``_index``, shape and elementwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.avals import ShapedArray
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from ._index import ARRAY, FULL, Slice, adjacent, index_key, index_layout
from .elementwise import equal, where
from .shape import (
    _bdim_front,
    broadcast_to,
    expand_dims,
    move_axis,
    ones_like,
    reshape,
    zeros_like as _zeros_like,
)

# --- batching helpers shared by gather and the scatters ------------------------------


def _batch_index(axis_size, arrays, adims, idx, shape, operand_batched):
    """Rewrite ``idx`` for a batched operand (or an unbatched one, with batched arrays).

    Returns ``(arrays, idx, operand_axis, out_dim, rank)``: the new index, where the
    operand's batch axis must sit for it, the batch axis of the result of indexing, and
    the rank of the unbatched result (to place updates). Unbatched index arrays: a full
    slice in front. Batched ones: a broadcast ``arange`` over the batch joins the advanced
    indices, just before the first, so the advanced block keeps its place (numpy's rule).
    """
    shapes = [
        np.shape(a) if d is None else np.shape(a)[:d] + np.shape(a)[d + 1 :]
        for a, d in zip(arrays, adims, strict=True)
    ]
    res_shape, pos = index_layout(shape, idx, shapes)
    rank = len(res_shape)
    if all(d is None for d in adims):
        # The batch axis stays in front unless the advanced block moves there.
        out_dim = 0 if pos is None or adjacent(idx) else len(np.broadcast_shapes(*shapes))
        return list(arrays), (FULL, *idx), 0, out_dim, rank
    r = len(np.broadcast_shapes(*shapes))
    new = []
    for a, d, s in zip(arrays, adims, shapes, strict=True):
        if d is None:
            new.append(a)
        else:
            new.append(reshape(_bdim_front(a, d), (axis_size, *(1,) * (r - len(s)), *s)))
    if not operand_batched:
        return new, idx, None, pos, rank
    j = next(k for k, c in enumerate(idx) if c is ARRAY or type(c) is int)
    operand_axis = sum(type(c) is Slice for c in idx[:j])
    batch_ix = np.arange(axis_size).reshape((axis_size,) + (1,) * r)
    return [batch_ix, *new], (*idx[:j], ARRAY, *idx[j:]), operand_axis, pos, rank


def _place_updates(axis_size, v, vd, out_dim, rank):
    """Updates ``v`` (batched along ``vd`` or not) reshaped to broadcast against a batched
    indexing result of rank ``rank + 1`` whose batch axis is ``out_dim``."""
    if vd is None:
        s = np.shape(v)
        s = s[max(len(s) - rank, 0) :]
        return expand_dims(reshape(v, (1,) * (rank - len(s)) + s), out_dim)
    v = _bdim_front(v, vd)
    s = v.shape[1:]
    s = s[max(len(s) - rank, 0) :]
    v = reshape(v, (axis_size, *(1,) * (rank - len(s)), *s))
    return move_axis(v, 0, out_dim)


def _batched_at(axis_size, x, xd, axis):
    """``x`` with its batch axis at ``axis`` (broadcast along a new one if unbatched)."""
    if xd is None:
        return broadcast_to(
            expand_dims(x, axis), (*np.shape(x)[:axis], axis_size, *np.shape(x)[axis:])
        )
    return move_axis(x, xd, axis)


# --- gather --------------------------------------------------------------------------


def _gather_aval(x, *arrays, idx, unique):
    del unique
    shape, _ = index_layout(x.shape, idx, [a.shape for a in arrays])
    return ShapedArray(shape, x.dtype)


def _gather_vjp(out_bar, out, x, *arrays, idx, unique):
    del out
    return (scatter(out_bar, arrays, idx, x.shape, unique), *(None,) * len(arrays))


def _gather_jvp(x_dots, out, x, *arrays, idx, unique):
    del out, x
    if x_dots[0] is None:
        return None
    return gather_p.bind(x_dots[0], *arrays, idx=idx, unique=unique)


def _gather_batch(axis_size, args, dims, *, idx, unique):
    x, *arrays = args
    xd, *adims = dims
    shape = np.shape(x) if xd is None else np.shape(x)[:xd] + np.shape(x)[xd + 1 :]
    arrays, idx, x_axis, out_dim, _ = _batch_index(
        axis_size, arrays, adims, idx, shape, xd is not None
    )
    if xd is not None:
        x = move_axis(x, xd, x_axis)
    return gather_p.bind(x, *arrays, idx=idx, unique=unique), out_dim


gather_p = Primitive(
    "gather", lambda x, *arrays, idx, unique: x[index_key(idx, arrays)], abstract_eval=_gather_aval
)
VJP.define_joint(gather_p, _gather_vjp)
JVP.define_joint(gather_p, _gather_jvp)
BATCH.define(gather_p, _gather_batch)


def gather(x: Any, arrays: Any, idx: tuple, unique: bool) -> Any:
    """``x[idx]`` for a normalised index (``arrays`` fill its ARRAY slots)."""
    return gather_p.bind(x, *arrays, idx=idx, unique=unique)


# --- scatter: zeros of ``shape`` with ``v`` added at ``idx`` (gather's transpose) ---------


def _scatter_impl(v, *arrays, idx, shape, unique):
    out = np.zeros(shape, np.result_type(v))
    key = index_key(idx, arrays)
    if unique:
        out[key] = v
    else:
        np.add.at(out, key, v)
    return out


def _scatter_vjp(out_bar, out, v, *arrays, idx, shape, unique):
    del out, v, shape
    return (gather(out_bar, arrays, idx, unique), *(None,) * len(arrays))


def _scatter_jvp(v_dots, out, v, *arrays, idx, shape, unique):
    del out, v
    if v_dots[0] is None:
        return None
    return scatter(v_dots[0], arrays, idx, shape, unique)


def _scatter_batch(axis_size, args, dims, *, idx, shape, unique):
    v, *arrays = args
    vd, *adims = dims
    arrays, new_idx, axis, out_dim, rank = _batch_index(axis_size, arrays, adims, idx, shape, True)
    v = _place_updates(axis_size, v, vd, out_dim, rank)
    return scatter(v, arrays, new_idx, (*shape[:axis], axis_size, *shape[axis:]), unique), axis


scatter_p = Primitive(
    "scatter",
    _scatter_impl,
    abstract_eval=lambda v, *arrays, idx, shape, unique: ShapedArray(shape, v.dtype),
)
VJP.define_joint(scatter_p, _scatter_vjp)
JVP.define_joint(scatter_p, _scatter_jvp)
BATCH.define(scatter_p, _scatter_batch)


def scatter(v: Any, arrays: Any, idx: tuple, shape: tuple[int, ...], unique: bool) -> Any:
    """Zeros of ``shape`` (``v``'s dtype) with ``v`` added at ``idx`` (repeats accumulate)."""
    return scatter_p.bind(v, *arrays, idx=idx, shape=tuple(shape), unique=unique)


# --- scatter_add, scatter_set, scatter_mul: the functional updates x.at[idx] ----------


def _update_impl(ufunc):
    def impl(x, v, *arrays, idx, unique):
        out = np.array(x, copy=True)
        key = index_key(idx, arrays)
        if ufunc is None:
            out[key] = v
        elif unique:
            part = out[key]  # a view for basic indices: update it in place
            if arrays or not isinstance(part, np.ndarray):
                out[key] = ufunc(part, v)
            else:
                ufunc(part, v, out=part, casting="unsafe")
        else:
            ufunc.at(out, key, v)
        return out

    return impl


def _update_batch(prim):
    def rule(axis_size, args, dims, *, idx, unique):
        x, v, *arrays = args
        xd, vd, *adims = dims
        shape = np.shape(x) if xd is None else np.shape(x)[:xd] + np.shape(x)[xd + 1 :]
        arrays, new_idx, axis, out_dim, rank = _batch_index(
            axis_size, arrays, adims, idx, shape, True
        )
        x = _batched_at(axis_size, x, xd, axis)
        v = _place_updates(axis_size, v, vd, out_dim, rank)
        return prim.bind(x, v, *arrays, idx=new_idx, unique=unique), axis

    return rule


def _update_aval(x, v, *arrays, idx, unique):
    return ShapedArray(x.shape, x.dtype)


def _scatter_add_vjp(out_bar, out, x, v, *arrays, idx, unique):
    del out, x, v
    return (out_bar, gather(out_bar, arrays, idx, unique), *(None,) * len(arrays))


def _scatter_add_jvp(dots, out, x, v, *arrays, idx, unique):
    x_dot, v_dot = dots[0], dots[1]
    if v_dot is None:
        return x_dot
    if x_dot is None:
        return scatter(v_dot, arrays, idx, out.shape, unique)
    return scatter_add_p.bind(x_dot, v_dot, *arrays, idx=idx, unique=unique)


scatter_add_p = Primitive("scatter_add", _update_impl(np.add), abstract_eval=_update_aval)
VJP.define_joint(scatter_add_p, _scatter_add_vjp)
JVP.define_joint(scatter_add_p, _scatter_add_jvp)
BATCH.define(scatter_add_p, _update_batch(scatter_add_p))


def _winners(x, arrays, idx):
    """True where an update is the one a repeated-index assignment keeps (the last)."""
    shape, _ = index_layout(np.shape(x), idx, [np.shape(a) for a in arrays])
    ids = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    w = scatter_set_p.bind(np.full(np.shape(x), -1), ids, *arrays, idx=idx, unique=False)
    return equal(gather(w, arrays, idx, False), ids)


def _scatter_set_vjp(out_bar, out, x, v, *arrays, idx, unique):
    del out
    zero = np.zeros((), out_bar.dtype)
    x_bar = scatter_set_p.bind(out_bar, zero, *arrays, idx=idx, unique=unique)
    v_bar = gather(out_bar, arrays, idx, unique)
    if not unique:
        v_bar = where(_winners(x, arrays, idx), v_bar, zero)
    return (x_bar, v_bar, *(None,) * len(arrays))


def _scatter_set_jvp(dots, out, x, v, *arrays, idx, unique):
    x_dot, v_dot = dots[0], dots[1]
    if x_dot is None and v_dot is None:
        return None
    x_dot = _zeros_like(out) if x_dot is None else x_dot
    v_dot = np.zeros((), x_dot.dtype) if v_dot is None else v_dot
    return scatter_set_p.bind(x_dot, v_dot, *arrays, idx=idx, unique=unique)


scatter_set_p = Primitive("scatter_set", _update_impl(None), abstract_eval=_update_aval)
VJP.define_joint(scatter_set_p, _scatter_set_vjp)
JVP.define_joint(scatter_set_p, _scatter_set_jvp)
BATCH.define(scatter_set_p, _update_batch(scatter_set_p))


def _scatter_mul_vjp(out_bar, out, x, v, *arrays, idx, unique):
    # out = x * M with M = ones.at[idx].multiply(v); with repeated indices each v_i enters
    # a product, and d out / d v_i = out / v_i (undefined where such a v_i is 0).
    factor = scatter_mul_p.bind(ones_like(x), v, *arrays, idx=idx, unique=unique)
    x_bar = out_bar * factor
    if unique:
        v_bar = gather(out_bar * x, arrays, idx, unique)
    else:
        v_bar = gather(out_bar * out, arrays, idx, unique) / v
    return (x_bar, v_bar, *(None,) * len(arrays))


def _scatter_mul_jvp(dots, out, x, v, *arrays, idx, unique):
    x_dot, v_dot = dots[0], dots[1]
    out_dot = None
    if x_dot is not None:
        out_dot = scatter_mul_p.bind(x_dot, v, *arrays, idx=idx, unique=unique)
    if v_dot is not None:
        if unique:
            t = scatter(gather(x, arrays, idx, unique) * v_dot, arrays, idx, out.shape, unique)
        else:
            t = out * scatter(v_dot / v, arrays, idx, out.shape, unique)
        out_dot = t if out_dot is None else out_dot + t
    return out_dot


scatter_mul_p = Primitive("scatter_mul", _update_impl(np.multiply), abstract_eval=_update_aval)
VJP.define_joint(scatter_mul_p, _scatter_mul_vjp)
JVP.define_joint(scatter_mul_p, _scatter_mul_jvp)
BATCH.define(scatter_mul_p, _update_batch(scatter_mul_p))

_UPDATES = {"set": scatter_set_p, "add": scatter_add_p, "multiply": scatter_mul_p}


def index_update(kind: str, x: Any, idx: tuple, arrays: Any, v: Any, unique: bool) -> Any:
    """``x.at[idx].<kind>(v)`` for a normalised index; kind is set, add or multiply."""
    return _UPDATES[kind].bind(x, v, *arrays, idx=idx, unique=unique)


# --- along an axis: the index of take_along_axis -------------------------------------


def along_axis_index(shape: tuple[int, ...], indices: Any, axis: int) -> tuple[tuple, list]:
    """The normalised index (all ARRAY slots) of ``take_along_axis(x, indices, axis)``."""
    nd = len(shape)
    arrays = [
        indices if i == axis else np.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - i - 1))
        for i, n in enumerate(shape)
    ]
    return (ARRAY,) * nd, arrays


def take_along_axis(x: Any, indices: Any, axis: int, unique: bool = False) -> Any:
    """``numpy.take_along_axis`` (``unique``: ``indices`` is a permutation along ``axis``)."""
    idx, arrays = along_axis_index(np.shape(x), indices, axis)
    return gather(x, arrays, idx, unique)


def scatter_along_axis(
    v: Any, indices: Any, axis: int, shape: tuple[int, ...], unique: bool = False
) -> Any:
    """The transpose of ``take_along_axis``: zeros of ``shape`` with ``v`` added back."""
    idx, arrays = along_axis_index(shape, indices, axis)
    return scatter(v, arrays, idx, shape, unique)
