"""Shape primitives: reshape, transpose, broadcast_to, and the array constructors *_like.

Each primitive is followed by its registration block. Imports core and ``_axes`` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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


zeros_like_p = Primitive("zeros_like", lambda x, *, dtype=None: np.zeros_like(x, dtype=dtype))
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
