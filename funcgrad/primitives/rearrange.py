"""Shape primitives that need the elementwise and reduction families: diagonal and its
transpose ``diag_embed``, repeat and its transpose ``segment_sum``; and the compositions
built on the shape primitives: ``take_static``, ``roll``, ``tile``, ``pad`` (modes),
``triu``/``tril``.

Each primitive is followed by its registration block. Imports core and the shape,
elementwise and reduction families; never funcgrad.numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradNotImplementedError
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from ._literals import PadMode
from .elementwise import where
from .reductions import sum_
from .shape import (
    _bdim_front,
    _slice,
    broadcast_to,
    concatenate,
    flip,
    pad_zeros,
    reshape,
)

# --- diagonal ------------------------------------------------------------------------


def _diagonal_vjp(out_bar, out, x, *, offset, axis1, axis2):
    del out
    return diag_embed(out_bar, offset, axis1, axis2, x.shape[axis1], x.shape[axis2])


def _diagonal_batch(axis_size, args, dims, *, offset, axis1, axis2):
    del axis_size
    (x,), (d,) = args, dims
    return diagonal(_bdim_front(x, d), offset, axis1 + 1, axis2 + 1), 0


diagonal_p = Primitive(
    "diagonal", lambda x, *, offset, axis1, axis2: np.diagonal(x, offset, axis1, axis2)
)
VJP.define(diagonal_p, _diagonal_vjp)
JVP.define_linear(diagonal_p)
BATCH.define(diagonal_p, _diagonal_batch)


def diagonal(x: Any, offset: int, axis1: int, axis2: int) -> Any:
    """The ``offset`` diagonal over axes ``axis1``, ``axis2`` (distinct, non-negative),
    as numpy's: those axes removed, the diagonal appended last."""
    return diagonal_p.bind(x, offset=int(offset), axis1=int(axis1), axis2=int(axis2))


# --- diag_embed: a stack of vectors put on the diagonals of zero matrices --------------


def _diag_embed_impl(v, *, offset, axis1, axis2, size1, size2):
    v = np.asarray(v)
    out = np.zeros((*v.shape[:-1], size1, size2), v.dtype)
    i = np.arange(v.shape[-1])
    out[..., i + max(-offset, 0), i + max(offset, 0)] = v
    return np.moveaxis(out, (-2, -1), (axis1, axis2))


def _diag_embed_vjp(out_bar, out, v, *, offset, axis1, axis2, size1, size2):
    del out, v, size1, size2
    return diagonal(out_bar, offset, axis1, axis2)


def _diag_embed_batch(axis_size, args, dims, *, offset, axis1, axis2, size1, size2):
    del axis_size
    (v,), (d,) = args, dims
    v = _bdim_front(v, d)
    return diag_embed(v, offset, axis1 + 1, axis2 + 1, size1, size2), 0


diag_embed_p = Primitive("diag_embed", _diag_embed_impl)
VJP.define(diag_embed_p, _diag_embed_vjp)
JVP.define_linear(diag_embed_p)
BATCH.define(diag_embed_p, _diag_embed_batch)


def diag_embed(v: Any, offset: int, axis1: int, axis2: int, size1: int, size2: int) -> Any:
    """Zeros with ``v``'s last axis on the ``offset`` diagonal over the new axes
    ``axis1`` (length ``size1``) and ``axis2`` (length ``size2``): the transpose of
    ``diagonal``."""
    return diag_embed_p.bind(
        v, offset=int(offset), axis1=int(axis1), axis2=int(axis2), size1=size1, size2=size2
    )


# --- repeat and its transpose, segment_sum ------------------------------------------


def _repeat_vjp(out_bar, out, x, *, repeats, axis):
    del out, x
    return segment_sum(out_bar, repeats, axis)


def _repeat_batch(axis_size, args, dims, *, repeats, axis):
    del axis_size
    (x,), (d,) = args, dims
    return repeat(_bdim_front(x, d), repeats, axis + 1), 0


repeat_p = Primitive("repeat", lambda x, *, repeats, axis: np.repeat(x, repeats, axis))
VJP.define(repeat_p, _repeat_vjp)
JVP.define_linear(repeat_p)
BATCH.define(repeat_p, _repeat_batch)


def repeat(x: Any, repeats: tuple[int, ...], axis: int) -> Any:
    """Repeat element ``i`` along ``axis`` ``repeats[i]`` times (one count per element)."""
    repeats = tuple(int(r) for r in repeats)
    if all(r == 1 for r in repeats):
        return x
    return repeat_p.bind(x, repeats=repeats, axis=int(axis))


def _segment_sum_impl(y, *, repeats, axis):
    y = np.asarray(y)
    r = np.asarray(repeats, dtype=np.intp)
    shape = list(y.shape)
    shape[axis] = len(r)
    out = np.zeros(shape, y.dtype)
    nonempty = r > 0
    if nonempty.any():
        where_ = [slice(None)] * y.ndim
        where_[axis] = nonempty
        starts = (np.cumsum(r) - r)[nonempty]
        out[tuple(where_)] = np.add.reduceat(y, starts, axis=axis)
    return out


def _segment_sum_vjp(out_bar, out, y, *, repeats, axis):
    del out, y
    return repeat(out_bar, repeats, axis)


def _segment_sum_batch(axis_size, args, dims, *, repeats, axis):
    del axis_size
    (y,), (d,) = args, dims
    return segment_sum(_bdim_front(y, d), repeats, axis + 1), 0


segment_sum_p = Primitive("segment_sum", _segment_sum_impl)
VJP.define(segment_sum_p, _segment_sum_vjp)
JVP.define_linear(segment_sum_p)
BATCH.define(segment_sum_p, _segment_sum_batch)


def segment_sum(y: Any, repeats: tuple[int, ...], axis: int) -> Any:
    """Sums of consecutive runs of ``repeats[i]`` elements along ``axis``: the transpose
    of ``repeat``."""
    if all(r == 1 for r in repeats):
        return y
    return segment_sum_p.bind(y, repeats=tuple(repeats), axis=int(axis))


# --- compositions ----------------------------------------------------------------------


def _axis_slice(x: Any, axis: int, start: int, stop: int) -> Any:
    shape = np.shape(x)
    starts = tuple(start if i == axis else 0 for i in range(len(shape)))
    stops = tuple(stop if i == axis else n for i, n in enumerate(shape))
    return _slice(x, starts, stops, (1,) * len(shape))


def take_static(x: Any, indices: Any, axis: int) -> Any:
    """``x`` gathered along ``axis`` at static integer ``indices`` (non-negative, 1-d).

    Built from slices, broadcasts, flips and one concatenate, one piece per run of
    indices stepping by -1, 0 or +1; meant for index maps with few runs (padding modes).
    """
    idx = [int(i) for i in indices]
    pieces = []
    i = 0
    while i < len(idx):
        j = i + 1
        step = idx[j] - idx[i] if j < len(idx) else 1
        step = step if step in (-1, 0, 1) else 1
        while j < len(idx) and idx[j] - idx[j - 1] == step:
            j += 1
        a, length = idx[i], j - i
        if step == 0:
            piece = _axis_slice(x, axis, a, a + 1)
            shape = list(np.shape(piece))
            shape[axis] = length
            piece = broadcast_to(piece, tuple(shape))
        elif step == 1:
            piece = _axis_slice(x, axis, a, a + length)
        else:
            piece = flip(_axis_slice(x, axis, a - length + 1, a + 1), (axis,))
        pieces.append(piece)
        i = j
    if not pieces:
        return _axis_slice(x, axis, 0, 0)
    return concatenate(pieces, axis)


def roll(x: Any, shifts: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """Roll ``x`` by ``shifts[i]`` along ``axes[i]`` (non-negative; repeats add up)."""
    shape = np.shape(x)
    total = dict.fromkeys(axes, 0)
    for s, a in zip(shifts, axes, strict=True):
        total[a] += int(s)
    for a, s in total.items():
        n = shape[a]
        s = s % n if n else 0
        if s:
            x = concatenate((_axis_slice(x, a, n - s, n), _axis_slice(x, a, 0, n - s)), a)
    return x


def tile(x: Any, reps: tuple[int, ...]) -> Any:
    """numpy's ``tile`` with ``reps`` a tuple of non-negative ints."""
    d = max(len(reps), np.ndim(x))
    reps = (1,) * (d - len(reps)) + tuple(reps)
    shape = (1,) * (d - np.ndim(x)) + tuple(np.shape(x))
    if all(r == 1 for r in reps):
        return reshape(x, shape)
    x = reshape(x, tuple(v for n in shape for v in (1, n)))
    x = broadcast_to(x, tuple(v for n, r in zip(shape, reps, strict=True) for v in (r, n)))
    return reshape(x, tuple(n * r for n, r in zip(shape, reps, strict=True)))


_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(x: Any, widths: tuple, mode: PadMode = "constant", constant_values: Any = 0) -> Any:
    """numpy's ``pad`` with ``widths`` ((before, after) per axis, non-negative ints).

    Modes: "constant" (static ``constant_values`` as numpy accepts them), "empty" (zeros
    here), and the index maps "edge", "reflect", "symmetric", "wrap" (``reflect_type``
    "even").
    """
    widths = tuple((int(lo), int(hi)) for lo, hi in widths)
    if not any(lo or hi for lo, hi in widths):
        return x
    if mode in ("constant", "empty"):
        out = pad_zeros(x, widths)
        if mode == "constant":
            fill = np.pad(np.zeros(np.shape(x), x.dtype), widths, constant_values=constant_values)
            if fill.any():
                out = out + fill
        return out
    if mode not in _INDEX_MODES:
        raise FuncgradNotImplementedError(
            f"pad: mode {mode!r} is not supported for traced arrays; use one of "
            f"'constant', 'empty', {', '.join(map(repr, _INDEX_MODES))}"
        )
    for axis, (n, w) in enumerate(zip(np.shape(x), widths, strict=True)):
        if w != (0, 0):
            x = take_static(x, np.pad(np.arange(n), w, mode=mode), axis)
    return x


def _matrix_shape(x: Any) -> tuple[int, int]:
    """The sizes of the last two axes; a 1-d ``x`` is a square's row (numpy's triu/tril)."""
    shape = np.shape(x)
    return (shape[-2] if len(shape) > 1 else shape[-1]), shape[-1]


def triu(x: Any, k: int) -> Any:
    """Zero the elements below the ``k``-th diagonal of the last two axes (numpy.triu)."""
    mask = np.tri(*_matrix_shape(x), k=k - 1, dtype=bool)
    return where(mask, np.zeros(1, x.dtype), x)


def tril(x: Any, k: int) -> Any:
    """Zero the elements above the ``k``-th diagonal of the last two axes (numpy.tril)."""
    mask = np.tri(*_matrix_shape(x), k=k, dtype=bool)
    return where(mask, x, np.zeros(1, x.dtype))


def trace(x: Any, offset: int, axis1: int, axis2: int) -> Any:
    """Sum of the ``offset`` diagonal over ``axis1``, ``axis2`` (numpy.trace)."""
    d = diagonal(x, offset, axis1, axis2)
    return sum_(d, (np.ndim(d) - 1,))
