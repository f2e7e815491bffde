"""Reductions and scans: sum, max, min, prod, argmax, argmin, any, all, cumsum, cumprod, diff.

Also ``unbroadcast``, the one place broadcasting is undone. Each primitive is followed by its
registration block; family wrappers (``sum_``, ``max_``, ``cumprod``, ...) close each section.
Axes arrive normalised (sorted tuples of non-negative ints; ``axis`` of a scan is one
non-negative int). Derivatives at zeros of ``prod``/``cumprod`` and at ties of ``max``/``min``
are handled exactly. Imports core, ``_axes``, ``_families`` and the shape and elementwise
families.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from ._axes import Axes, shift_axes
from .elementwise import astype, equal, where
from .shape import _bdim_front, broadcast_to, expand_dims, move_axis, reshape, transpose


def _reduce_batch(prim: Primitive):
    """Batching rule of a reduction with params ``axis`` (tuple) and ``keepdims``."""

    def rule(axis_size, args, dims, *, axis, keepdims):
        del axis_size
        (x,), (d,) = args, dims
        return prim.bind(_bdim_front(x, d), axis=shift_axes(axis), keepdims=keepdims), 0

    return rule


def _scan_batch(prim: Primitive):
    """Batching rule of a primitive along one axis ``axis`` (other params passed through)."""

    def rule(axis_size, args, dims, *, axis, **params):
        del axis_size
        (x,), (d,) = args, dims
        return prim.bind(_bdim_front(x, d), axis=axis + 1, **params), 0

    return rule


def _kept(x_bar: Any, axis: Axes, keepdims: bool) -> Any:
    """A reduction's output-side value with the reduced axes present (as length 1)."""
    return x_bar if keepdims else expand_dims(x_bar, axis)


# --- sum -----------------------------------------------------------------------------


def _sum_vjp(out_bar, out, x, *, axis, keepdims):
    del out
    if type(out_bar) is np.ndarray:  # nothing traced: the same numpy calls, fewer frames
        shape = np.shape(x)
        if not keepdims:
            out_bar = out_bar.reshape([1 if i in axis else d for i, d in enumerate(shape)])
        return out_bar if out_bar.shape == shape else np.broadcast_to(out_bar, shape)
    return broadcast_to(_kept(out_bar, axis, keepdims), x.shape)


def _sum_batch(axis_size, args, dims, *, axis, keepdims):
    del axis_size
    (x,), (d,) = args, dims
    x = _bdim_front(x, d)
    return sum_(x, axis=shift_axes(axis), keepdims=keepdims), 0


# np.add.reduce is what np.sum calls (same bits, same types), without its Python wrapper.
def _sum_impl(x, *, axis, keepdims):
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


sum_p = Primitive("sum", _sum_impl)
VJP.define(sum_p, _sum_vjp)
JVP.define_linear(sum_p)
BATCH.define(sum_p, _sum_batch)


def sum_(x: Any, axis: Axes, keepdims: bool = False) -> Any:
    """Sum over ``axis`` (a sorted tuple of non-negative ints)."""
    if type(x) is np.ndarray:  # nothing traced: what np.sum calls for an ndarray
        # numpy's stubs overload on keepdims as Literal[True] or [False]; a bool is neither
        return np.add.reduce(x, axis=tuple(axis), keepdims=keepdims)  # type: ignore[call-overload]
    return sum_p.bind(x, axis=tuple(axis), keepdims=keepdims)


def unbroadcast(x_bar: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``x_bar`` over the axes that broadcasting added or stretched to reach ``shape``."""
    xs = x_bar.shape
    lead = len(xs) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and xs[i + lead] != 1
    )
    if axes:
        x_bar = sum_(x_bar, axes)
    return reshape(x_bar, shape)


# --- max, min ------------------------------------------------------------------------
# The derivative is shared equally among tied extrema (autograd's grad_chooser, JAX).


def _extremum_mask(x, out, axis, keepdims):
    """(1.0 where x attains the extremum, else 0.0; the number of such places)."""
    mask = astype(equal(x, _kept(out, axis, keepdims)), x.dtype)
    return mask, sum_(mask, axis, keepdims=True)


def _extremum_vjp(out_bar, out, x, *, axis, keepdims):
    mask, count = _extremum_mask(x, out, axis, keepdims)
    return _kept(out_bar, axis, keepdims) * (mask / count)


def _extremum_jvp(x_dot, out, x, *, axis, keepdims):
    mask, count = _extremum_mask(x, out, axis, keepdims)
    return sum_(x_dot * (mask / count), axis, keepdims)


max_p = Primitive("max", lambda x, *, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims))
VJP.define(max_p, _extremum_vjp)
JVP.define(max_p, _extremum_jvp)
BATCH.define(max_p, _reduce_batch(max_p))

min_p = Primitive("min", lambda x, *, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims))
VJP.define(min_p, _extremum_vjp)
JVP.define(min_p, _extremum_jvp)
BATCH.define(min_p, _reduce_batch(min_p))


def max_(x: Any, axis: Axes, keepdims: bool = False) -> Any:
    """Maximum over ``axis`` (a sorted tuple of non-negative ints)."""
    return max_p.bind(x, axis=tuple(axis), keepdims=keepdims)


def min_(x: Any, axis: Axes, keepdims: bool = False) -> Any:
    """Minimum over ``axis`` (a sorted tuple of non-negative ints)."""
    return min_p.bind(x, axis=tuple(axis), keepdims=keepdims)


# --- prod ----------------------------------------------------------------------------


def _prod_of_others(x, axis):
    """For each entry, the product of the other entries of its reduced block.

    Exclusive cumulative products from the left and from the right along the flattened
    reduced axes: exact when entries are zero (unlike ``out / x``), O(size) work.
    """
    kept = [i for i in range(x.ndim) if i not in axis]
    perm = (*kept, *axis)
    xt = transpose(x, perm)
    lead = xt.shape[: len(kept)]
    flat = reshape(xt, (*lead, math.prod(xt.shape[len(kept) :])))
    last = len(kept)
    left = cumprod(flat, last, exclusive=True)
    right = cumprod(flat, last, reverse=True, exclusive=True)
    others = reshape(left * right, xt.shape)
    return transpose(others, tuple(int(i) for i in np.argsort(perm)))


def _prod_vjp(out_bar, out, x, *, axis, keepdims):
    del out
    return _kept(out_bar, axis, keepdims) * _prod_of_others(x, axis)


def _prod_jvp(x_dot, out, x, *, axis, keepdims):
    del out
    return sum_(x_dot * _prod_of_others(x, axis), axis, keepdims)


prod_p = Primitive("prod", lambda x, *, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims))
VJP.define(prod_p, _prod_vjp)
JVP.define(prod_p, _prod_jvp)
BATCH.define(prod_p, _reduce_batch(prod_p))


def prod(x: Any, axis: Axes, keepdims: bool = False) -> Any:
    """Product over ``axis`` (a sorted tuple of non-negative ints)."""
    return prod_p.bind(x, axis=tuple(axis), keepdims=keepdims)


# --- argmax, argmin: integer results, zero derivative ----------------------------------


def _arg_batch(prim: Primitive):
    def rule(axis_size, args, dims, *, axis, keepdims):
        (x,), (d,) = args, dims
        x = _bdim_front(x, d)
        if axis is not None:
            return prim.bind(x, axis=axis + 1, keepdims=keepdims), 0
        flat = reshape(x, (axis_size, math.prod(x.shape[1:])))
        out = prim.bind(flat, axis=1, keepdims=False)
        return (reshape(out, (axis_size,) + (1,) * (x.ndim - 1)) if keepdims else out), 0

    return rule


argmax_p = Primitive(
    "argmax", lambda x, *, axis, keepdims: np.argmax(x, axis=axis, keepdims=keepdims)
)
VJP.define_zero(argmax_p)
JVP.define_zero(argmax_p)
BATCH.define(argmax_p, _arg_batch(argmax_p))

argmin_p = Primitive(
    "argmin", lambda x, *, axis, keepdims: np.argmin(x, axis=axis, keepdims=keepdims)
)
VJP.define_zero(argmin_p)
JVP.define_zero(argmin_p)
BATCH.define(argmin_p, _arg_batch(argmin_p))


def argmax(x: Any, axis: int | None, keepdims: bool = False) -> Any:
    """Index of the maximum along ``axis`` (non-negative int, or None: flattened)."""
    return argmax_p.bind(x, axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None, keepdims: bool = False) -> Any:
    """Index of the minimum along ``axis`` (non-negative int, or None: flattened)."""
    return argmin_p.bind(x, axis=axis, keepdims=keepdims)


# --- any, all: boolean results, zero derivative ---------------------------------------

any_p = Primitive("any", lambda x, *, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims))
VJP.define_zero(any_p)
JVP.define_zero(any_p)
BATCH.define(any_p, _reduce_batch(any_p))

all_p = Primitive("all", lambda x, *, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims))
VJP.define_zero(all_p)
JVP.define_zero(all_p)
BATCH.define(all_p, _reduce_batch(all_p))


def any_(x: Any, axis: Axes, keepdims: bool = False) -> Any:
    """Whether any entry is nonzero, over ``axis`` (a sorted tuple)."""
    return any_p.bind(x, axis=tuple(axis), keepdims=keepdims)


def all_(x: Any, axis: Axes, keepdims: bool = False) -> Any:
    """Whether every entry is nonzero, over ``axis`` (a sorted tuple)."""
    return all_p.bind(x, axis=tuple(axis), keepdims=keepdims)


# --- cumsum, cumprod: inclusive scans, optionally reversed (and exclusive for cumprod) ----


def _along(x, axis):
    """Index tuple of slices ``[:-1]`` and ``[1:]`` along ``axis`` (numpy-side helper)."""
    head = [slice(None)] * np.ndim(x)
    tail = list(head)
    head[axis], tail[axis] = slice(None, -1), slice(1, None)
    return tuple(head), tuple(tail)


def _cumsum_impl(x, *, axis, reverse=False):
    if not reverse:
        return np.cumsum(x, axis=axis)
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


def _cumprod_impl(x, *, axis, reverse=False, exclusive=False):
    x = np.flip(x, axis) if reverse else np.asarray(x)
    out = np.cumprod(x, axis=axis)
    if exclusive and out.shape[axis]:  # shift by one: out[i] = prod of x[j], j < i
        head, _ = _along(out, axis)
        ones = np.ones((*out.shape[:axis], 1, *out.shape[axis + 1 :]), out.dtype)
        out = np.concatenate([ones, out[head]], axis=axis)
    return np.flip(out, axis) if reverse else out


def _cumsum_vjp(out_bar, out, x, *, axis, reverse):
    del out, x
    return cumsum(out_bar, axis, reverse=not reverse)


cumsum_p = Primitive("cumsum", _cumsum_impl)
VJP.define(cumsum_p, _cumsum_vjp)
JVP.define_linear(cumsum_p)
BATCH.define(cumsum_p, _scan_batch(cumsum_p))


def _cumprod_jacobian(x, axis, reverse, exclusive):
    """J[..., k, i] = d out[i] / d x[k], with ``axis`` moved last (O(n^2), zero-safe).

    Row k is the same scan of x with x[k] replaced by 1, masked to the i that depend on k.
    """
    n = x.shape[axis]
    xl = move_axis(x, axis, x.ndim - 1)
    rows = where(np.eye(n, dtype=bool), 1.0, expand_dims(xl, xl.ndim - 1))
    scans = cumprod(rows, rows.ndim - 1, reverse=reverse, exclusive=exclusive)
    k, i = np.indices((n, n))
    depends = (k > i if exclusive else k >= i) if reverse else (k < i if exclusive else k <= i)
    return where(depends, scans, 0.0)


def _cumprod_vjp(out_bar, out, x, *, axis, reverse, exclusive):
    del out
    jac = _cumprod_jacobian(x, axis, reverse, exclusive)
    ob = move_axis(out_bar, axis, x.ndim - 1)
    x_bar = sum_(jac * expand_dims(ob, x.ndim - 1), (x.ndim,))
    return move_axis(x_bar, x.ndim - 1, axis)


def _cumprod_jvp(x_dot, out, x, *, axis, reverse, exclusive):
    del out
    jac = _cumprod_jacobian(x, axis, reverse, exclusive)
    xd = move_axis(broadcast_to(x_dot, x.shape), axis, x.ndim - 1)
    out_dot = sum_(jac * expand_dims(xd, x.ndim), (x.ndim - 1,))
    return move_axis(out_dot, x.ndim - 1, axis)


cumprod_p = Primitive("cumprod", _cumprod_impl)
VJP.define(cumprod_p, _cumprod_vjp)
JVP.define(cumprod_p, _cumprod_jvp)
BATCH.define(cumprod_p, _scan_batch(cumprod_p))


def cumsum(x: Any, axis: int, reverse: bool = False) -> Any:
    """Cumulative sum along ``axis`` (non-negative int); from the end when ``reverse``."""
    return cumsum_p.bind(x, axis=axis, reverse=reverse)


def cumprod(x: Any, axis: int, reverse: bool = False, exclusive: bool = False) -> Any:
    """Cumulative product along ``axis``; ``exclusive``: out[i] omits x[i] (starts at 1)."""
    return cumprod_p.bind(x, axis=axis, reverse=reverse, exclusive=exclusive)


# --- diff (first difference) and its transpose ------------------------------------------


def _diff_transpose_impl(g, *, axis):
    # [-g0, g0 - g1, ..., g[n-2] - g[n-1], g[n-1]]: the adjoint of out[i] = x[i+1] - x[i]
    pad = [(0, 0)] * np.ndim(g)
    pad[axis] = (1, 1)
    p = np.pad(g, pad)
    head, tail = _along(p, axis)
    return p[head] - p[tail]


def _diff_vjp(out_bar, out, x, *, axis):
    del out
    return diff_transpose(out_bar, axis) if x.shape[axis] else None  # empty in, empty out


diff_p = Primitive("diff", lambda x, *, axis: np.diff(x, axis=axis))
VJP.define(diff_p, _diff_vjp)
JVP.define_linear(diff_p)
BATCH.define(diff_p, _scan_batch(diff_p))

diff_transpose_p = Primitive("diff_transpose", _diff_transpose_impl)
VJP.define(diff_transpose_p, lambda out_bar, out, g, *, axis: diff(out_bar, axis))
JVP.define_linear(diff_transpose_p)
BATCH.define(diff_transpose_p, _scan_batch(diff_transpose_p))


def diff(x: Any, axis: int) -> Any:
    """First difference ``x[i+1] - x[i]`` along ``axis`` (non-negative int)."""
    return diff_p.bind(x, axis=axis)


def diff_transpose(g: Any, axis: int) -> Any:
    """The transpose (adjoint) of ``diff``: one longer along ``axis``."""
    return diff_transpose_p.bind(g, axis=axis)
