"""Shape primitives: reshape, transpose, broadcast_to, the array constructors *_like,
static slices and their transpose (zero padding), concatenate and flip.

Each primitive is followed by its registration block. Imports core and ``_axes`` only (the
elementwise and reduction families import this module; ``rearrange`` holds the shape
primitives that need them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradValueError
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP


def _bdim_front(x: Any, bdim: int | None) -> Any:
    """Move the batch axis of ``x`` to the front."""
    return x if bdim in (None, 0) else move_axis(x, bdim, 0)


# --- reshape -------------------------------------------------------------------------


def _reshape_vjp(out_bar, out, x, *, shape):
    del out, shape
    return reshape(out_bar, x.shape)


def _reshape_batch(axis_size, args, dims, *, shape):
    (x,), (d,) = args, dims
    x = _bdim_front(x, d)
    return reshape(x, (axis_size, *shape)), 0


reshape_p = Primitive("reshape", lambda x, *, shape: np.reshape(x, shape))
VJP.define(reshape_p, _reshape_vjp)
JVP.define_linear(reshape_p)
BATCH.define(reshape_p, _reshape_batch)


def reshape(x: Any, shape: tuple[int, ...]) -> Any:
    """Reshape to ``shape`` (a tuple of non-negative ints; no -1 at this level)."""
    if type(x) is np.ndarray:  # nothing traced (the backward at level 0): numpy's view
        return x if x.shape == shape else x.reshape(shape)
    shape = tuple(int(d) for d in shape)
    if np.shape(x) == shape:
        return x
    return reshape_p.bind(x, shape=shape)


# --- transpose -----------------------------------------------------------------------


def _transpose_vjp(out_bar, out, x, *, axes):
    del out, x
    return transpose(out_bar, tuple(int(i) for i in np.argsort(axes)))


def _transpose_batch(axis_size, args, dims, *, axes):
    (x,), (d,) = args, dims
    x = _bdim_front(x, d)
    return transpose(x, (0, *(a + 1 for a in axes))), 0


transpose_p = Primitive("transpose", lambda x, *, axes: np.transpose(x, axes))
VJP.define(transpose_p, _transpose_vjp)
JVP.define_linear(transpose_p)
BATCH.define(transpose_p, _transpose_batch)


def transpose(x: Any, axes: tuple[int, ...]) -> Any:
    """Permute the axes of ``x`` (``axes`` a full permutation of non-negative ints)."""
    if type(x) is np.ndarray:  # nothing traced: numpy's view, as the impl makes
        return x.transpose(axes)
    axes = tuple(int(a) for a in axes)
    if axes == tuple(range(len(axes))):
        return x
    return transpose_p.bind(x, axes=axes)


def move_axis(x: Any, src: int, dst: int) -> Any:
    """Move axis ``src`` of ``x`` to position ``dst`` (both non-negative)."""
    if src == dst:
        return x
    perm = [i for i in range(np.ndim(x)) if i != src]
    perm.insert(dst, src)
    return transpose(x, tuple(perm))


# --- broadcast_to --------------------------------------------------------------------


def _broadcast_to_vjp(out_bar, out, x, *, shape):
    del out, x, shape
    return out_bar  # the tape sums it back to x's shape


def _broadcast_to_batch(axis_size, args, dims, *, shape):
    (x,), (d,) = args, dims
    x = _bdim_front(x, d)
    core = x.shape[1:]
    x = reshape(x, (axis_size,) + (1,) * (len(shape) - len(core)) + core)
    return broadcast_to(x, (axis_size, *shape)), 0


broadcast_to_p = Primitive("broadcast_to", lambda x, *, shape: np.broadcast_to(x, shape))
VJP.define(broadcast_to_p, _broadcast_to_vjp)
JVP.define_linear(broadcast_to_p)
BATCH.define(broadcast_to_p, _broadcast_to_batch)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast ``x`` to ``shape`` (numpy's rules); the result is read-only outside traces."""
    shape = tuple(int(d) for d in shape)
    if np.shape(x) == shape:
        return x
    return broadcast_to_p.bind(x, shape=shape)


def expand_dims(x: Any, axis: int | tuple[int, ...]) -> Any:
    """Insert length-1 axes at the (non-negative, output-numbered) positions ``axis``."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    shape = list(np.shape(x))
    for a in sorted(axes):
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def squeeze(x: Any, axis: tuple[int, ...]) -> Any:
    """Drop the length-1 axes ``axis`` (non-negative)."""
    return reshape(x, tuple(d for i, d in enumerate(np.shape(x)) if i not in axis))


# --- zeros_like, ones_like, full_like -----------------------------------------------


def _like_batch(prim: Primitive):
    def rule(axis_size, args, dims, **params):
        x, *rest = args
        d = dims[0]
        if d is None:  # only the fill value is batched
            fill = _bdim_front(rest[0], dims[1])
            fill = reshape(fill, (axis_size,) + (1,) * np.ndim(x))
            return prim.bind(broadcast_to(x, (axis_size, *np.shape(x))), fill, **params), 0
        if rest and dims[1] is not None:
            fill = _bdim_front(rest[0], dims[1])
            x = _bdim_front(x, d)
            fill = reshape(fill, (axis_size,) + (1,) * (np.ndim(x) - 1))
            return prim.bind(x, fill, **params), 0
        return prim.bind(x, *rest, **params), d

    return rule


def _zeros_like_impl(x, *, dtype=None):
    if type(x) is np.ndarray:  # np.zeros: C order, and a quarter of zeros_like's cost
        return np.zeros(x.shape, x.dtype if dtype is None else dtype)
    return np.zeros_like(x, dtype=dtype)


zeros_like_p = Primitive("zeros_like", _zeros_like_impl)
VJP.define_zero(zeros_like_p)
JVP.define_zero(zeros_like_p)
BATCH.define(zeros_like_p, _like_batch(zeros_like_p))

ones_like_p = Primitive("ones_like", lambda x, *, dtype=None: np.ones_like(x, dtype=dtype))
VJP.define_zero(ones_like_p)
JVP.define_zero(ones_like_p)
BATCH.define(ones_like_p, _like_batch(ones_like_p))


def _full_like_impl(x, fill_value, *, dtype=None):
    out = np.empty_like(x, dtype=dtype)
    out[...] = fill_value
    return out


full_like_p = Primitive("full_like", _full_like_impl)
VJP.define(full_like_p, None, lambda out_bar, out, x, fill, **_: out_bar)
JVP.define(full_like_p, None, lambda fill_dot, out, x, fill, **_: fill_dot)
BATCH.define(full_like_p, _like_batch(full_like_p))


def zeros_like(x: Any, dtype: Any = None) -> Any:
    """Zeros with the shape (and dtype, unless given) of ``x``; zero derivative."""
    return zeros_like_p.bind(x, dtype=dtype)


def ones_like(x: Any, dtype: Any = None) -> Any:
    """Ones with the shape (and dtype, unless given) of ``x``; zero derivative."""
    return ones_like_p.bind(x, dtype=dtype)


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``x``'s shape filled with ``fill_value`` (differentiable in ``fill_value``)."""
    return full_like_p.bind(x, fill_value, dtype=dtype)


# --- slice: static strided slices (positive steps) ----------------------------------


def _slice_len(start: int, stop: int, step: int) -> int:
    return max(0, -(-(stop - start) // step))


def _slice_impl(x, *, starts, stops, steps):
    return x[tuple(map(slice, starts, stops, steps))]


def _slice_vjp(out_bar, out, x, *, starts, stops, steps):
    del out
    widths = []  # pad widths putting the slice's elements back in place
    for n, a, b, c in zip(x.shape, starts, stops, steps, strict=True):
        m = _slice_len(a, b, c)
        end = a + (m - 1) * c + 1 if m else a
        widths.append((a, n - end, c - 1))
    return _pad(out_bar, tuple(widths))


def _slice_batch(axis_size, args, dims, *, starts, stops, steps):
    (x,), (d,) = args, dims
    x = _bdim_front(x, d)
    return _slice(x, (0, *starts), (axis_size, *stops), (1, *steps)), 0


slice_p = Primitive("slice", _slice_impl)
VJP.define(slice_p, _slice_vjp)
JVP.define_linear(slice_p)
BATCH.define(slice_p, _slice_batch)


def _slice(x: Any, starts: tuple, stops: tuple, steps: tuple) -> Any:
    """Bind ``slice_p`` (normalised: 0 <= start <= stop <= size, step >= 1)."""
    if all(
        a == 0 and b == n and (c == 1 or n <= 1)
        for n, a, b, c in zip(np.shape(x), starts, stops, steps, strict=True)
    ):
        return x
    return slice_p.bind(x, starts=tuple(starts), stops=tuple(stops), steps=tuple(steps))


def slice_(x: Any, starts: Any, stops: Any, steps: Any = None) -> Any:
    """``x[start0:stop0:step0, start1:stop1:step1, ...]`` with Python's slice semantics.

    ``starts``/``stops``/``steps`` hold one int or None per leading axis (shorter sequences
    leave the remaining axes whole); negative values count from the end, and a negative
    step reverses (a positive-step slice followed by ``flip``).
    """
    shape = np.shape(x)
    k = len(starts)
    steps = (None,) * k if steps is None else tuple(steps)
    if not len(stops) == len(steps) == k <= len(shape):
        raise FuncgradValueError(
            f"slice_: starts, stops and steps need one entry per axis (at most {len(shape)} "
            f"for shape {shape}), got {len(starts)}, {len(stops)}, {len(steps)}"
        )
    lo, hi, st, rev = [], [], [], []
    for ax, n in enumerate(shape):
        a, b, c = slice(starts[ax], stops[ax], steps[ax]).indices(n) if ax < k else (0, n, 1)
        m = len(range(a, b, c))
        if c < 0:
            a, b, c = (a + (m - 1) * c, a + 1, -c) if m else (0, 0, 1)
            rev.append(ax)
        lo.append(a)
        hi.append(max(a, b))
        st.append(c)
    return flip(_slice(x, tuple(lo), tuple(hi), tuple(st)), tuple(rev))


# --- pad: zeros before, after and between the elements --------------------------------


def _pad_impl(x, *, widths):
    x = np.asarray(x)
    shape = tuple(
        lo + hi + n + max(n - 1, 0) * i for n, (lo, hi, i) in zip(x.shape, widths, strict=True)
    )
    out = np.zeros(shape, x.dtype)
    out[_pad_slices(x.shape, widths)] = x
    return out


def _pad_slices(shape, widths):
    return tuple(
        slice(lo, lo + n + max(n - 1, 0) * i, i + 1)
        for n, (lo, _, i) in zip(shape, widths, strict=True)
    )


def _pad_vjp(out_bar, out, x, *, widths):
    del out
    s = _pad_slices(np.shape(x), widths)
    return _slice(out_bar, *zip(*((t.start, t.stop, t.step) for t in s), strict=True))


def _pad_batch(axis_size, args, dims, *, widths):
    del axis_size
    (x,), (d,) = args, dims
    return _pad(_bdim_front(x, d), ((0, 0, 0), *widths)), 0


pad_p = Primitive("pad", _pad_impl)
VJP.define(pad_p, _pad_vjp)
JVP.define_linear(pad_p)
BATCH.define(pad_p, _pad_batch)


def _pad(x: Any, widths: tuple) -> Any:
    if all(
        w == (0, 0, 0) or (w[:2] == (0, 0) and n <= 1)
        for n, w in zip(np.shape(x), widths, strict=True)
    ):
        return x
    return pad_p.bind(x, widths=widths)


def pad_zeros(x: Any, widths: Any) -> Any:
    """Pad ``x`` with zeros: ``widths`` has one ``(before, after)`` or
    ``(before, after, interior)`` entry of non-negative ints per axis; ``interior`` zeros
    go between neighbouring elements. The transpose of ``slice_``."""
    shape = np.shape(x)
    norm = tuple((int(w[0]), int(w[1]), int(w[2]) if len(w) > 2 else 0) for w in widths)
    if len(norm) != len(shape) or any(v < 0 for w in norm for v in w):
        raise FuncgradValueError(
            f"pad_zeros: widths {tuple(widths)} must give non-negative (before, after[, "
            f"interior]) for each of the {len(shape)} axes of shape {shape}"
        )
    return _pad(x, norm)


# --- concatenate ---------------------------------------------------------------------


def _concatenate_vjp(out_bar, out, *xs, axis):
    del out
    x_bars, start = [], 0
    starts, stops = [0] * out_bar.ndim, list(out_bar.shape)
    for x in xs:
        n = np.shape(x)[axis]
        starts[axis], stops[axis] = start, start + n
        x_bars.append(_slice(out_bar, tuple(starts), tuple(stops), (1,) * out_bar.ndim))
        start += n
    return x_bars


def _concatenate_batch(axis_size, args, dims, *, axis):
    xs = [
        broadcast_to(expand_dims(x, 0), (axis_size, *np.shape(x)))
        if d is None
        else _bdim_front(x, d)
        for x, d in zip(args, dims, strict=True)
    ]
    return concatenate_p.bind(*xs, axis=axis + 1), 0


concatenate_p = Primitive("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis))
VJP.define_joint(concatenate_p, _concatenate_vjp)
JVP.define_linear(concatenate_p)
BATCH.define(concatenate_p, _concatenate_batch)


def concatenate(xs: Any, axis: int) -> Any:
    """Join arrays (at least 1-d, equal shapes but along ``axis``, non-negative)."""
    xs = tuple(xs)
    shapes = [np.shape(x) for x in xs]
    if not xs or not shapes[0] or axis >= len(shapes[0]):
        raise FuncgradValueError(
            f"concatenate: cannot join arrays of shapes {shapes} along axis {axis}"
        )
    ref = shapes[0][:axis] + shapes[0][axis + 1 :]
    if any(len(s) != len(shapes[0]) or s[:axis] + s[axis + 1 :] != ref for s in shapes):
        raise FuncgradValueError(
            f"concatenate: the input shapes {shapes} must match except along axis {axis}"
        )
    if len(xs) == 1:
        return xs[0]
    return concatenate_p.bind(*xs, axis=int(axis))


# --- flip ----------------------------------------------------------------------------


def _flip_vjp(out_bar, out, x, *, axes):
    del out, x
    return flip(out_bar, axes)


def _flip_batch(axis_size, args, dims, *, axes):
    del axis_size
    (x,), (d,) = args, dims
    return flip(_bdim_front(x, d), tuple(a + 1 for a in axes)), 0


flip_p = Primitive("flip", lambda x, *, axes: np.flip(x, axes))
VJP.define(flip_p, _flip_vjp)
JVP.define_linear(flip_p)
BATCH.define(flip_p, _flip_batch)


def flip(x: Any, axes: tuple[int, ...]) -> Any:
    """Reverse ``x`` along ``axes`` (non-negative ints)."""
    shape = np.shape(x)
    axes = tuple(sorted(int(a) for a in axes if shape[a] > 1))
    if not axes:
        return x
    return flip_p.bind(x, axes=axes)
