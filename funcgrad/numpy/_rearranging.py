"""funcgrad.numpy splitting and rearranging functions: split and friends, tile, repeat,
pad, flips and rotations, roll, diagonals and triangles.

Outside transformations each function calls numpy itself (bitwise-equal results); traced
arguments go through ``primitives/shape.py`` and ``primitives/rearrange.py``. Imports core
and the primitives layer only.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.errors import FuncgradNotImplementedError, FuncgradTypeError, FuncgradValueError
from ..core.trace import is_traced
from ..primitives import elementwise as _ew, rearrange as _so, shape as _s
from ..primitives._axes import normalize_axes, normalize_axis
from ..primitives._literals import PadMode
from ._convert import as_array
from ._reshaping import _arr, _fail, _index, ravel


def _static(v: Any, name: str, what: str) -> Any:
    if is_traced((v,)) or (isinstance(v, (list, tuple)) and is_traced(v)):
        raise FuncgradTypeError(
            f"{name}: {what} must be concrete (not traced): it decides the result's shape"
        )
    return v


# --- splitting -------------------------------------------------------------------------


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Split into sub-arrays, sections may differ in size by one (numpy.array_split)."""
    ary = as_array(ary)
    if not is_traced((ary,)):
        return np.array_split(ary, indices_or_sections, axis=axis)
    return _split(ary, indices_or_sections, axis, "array_split")


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Split into equal sections or at the given indices along ``axis`` (numpy.split)."""
    ary = as_array(ary)
    if not is_traced((ary,)):
        try:
            return np.split(ary, indices_or_sections, axis=axis)
        except ValueError as e:
            _fail("split", e, ary)
    return _split(ary, indices_or_sections, axis, "split")


def _split(ary: Any, ios: Any, axis: int, name: str) -> list:
    shape = np.shape(ary)
    axis = normalize_axis(axis, len(shape), op=name)
    total = shape[axis]
    if np.ndim(ios) == 0:
        sections = _index(ios, name, "sections")
        if sections <= 0:
            raise FuncgradValueError(f"{name}: number sections must be larger than 0")
        if name == "split" and total % sections:
            raise FuncgradValueError(
                f"split: array split does not result in an equal division ({total} elements "
                f"along axis {axis} of shape {shape} into {sections} sections)"
            )
        each, extras = divmod(total, sections)
        sizes = [0] + extras * [each + 1] + (sections - extras) * [each]
        points = np.cumsum(sizes).tolist()
    else:
        points = [0, *(_index(i, name, "indices") for i in ios), total]
    lead = (None,) * axis
    return [_s.slice_(ary, (*lead, a), (*lead, b)) for a, b in itertools.pairwise(points)]


def _split_nd(ary: Any, ios: Any, min_ndim: int, axis: int, name: str) -> list:
    if not is_traced((ary,)):
        return getattr(np, name)(ary, ios)
    if np.ndim(ary) < min_ndim:
        raise FuncgradValueError(
            f"{name} only works on arrays of {min_ndim} or more dimensions, got shape "
            f"{np.shape(ary)}"
        )
    return _split(ary, ios, axis, "split")


def hsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split column-wise: along axis 1, or 0 for 1-d arrays (numpy.hsplit)."""
    ary = as_array(ary)
    return _split_nd(ary, indices_or_sections, 1, 1 if np.ndim(ary) > 1 else 0, "hsplit")


def vsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split row-wise, along axis 0 of an array of at least 2 dimensions (numpy.vsplit)."""
    ary = as_array(ary)
    return _split_nd(ary, indices_or_sections, 2, 0, "vsplit")


def dsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split along the third axis (numpy.dsplit)."""
    ary = as_array(ary)
    return _split_nd(ary, indices_or_sections, 3, 2, "dsplit")


# --- tiling, repeating, padding ---------------------------------------------------


def tile(A: Any, reps: Any) -> Any:
    """Repeat the whole array ``reps`` times along each axis (numpy.tile)."""
    A = as_array(A)
    if not is_traced((A,)):
        try:
            return np.tile(A, reps)
        except ValueError as e:
            _fail("tile", e, A)
    _static(reps, "tile", "reps")
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    reps = tuple(_index(r, "tile", "reps") for r in reps)
    if any(r < 0 for r in reps):
        raise FuncgradValueError(f"tile: reps {reps} must be non-negative")
    return _so.tile(A, reps)


def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Repeat each element ``repeats`` times (an int, or one count per element) along
    ``axis``, or of the flattened array when ``axis`` is None (numpy.repeat)."""
    a = as_array(a)
    if not is_traced((a,)):
        try:
            return np.repeat(a, repeats, axis)
        except ValueError as e:
            _fail("repeat", e, a)
    r = np.asarray(_static(repeats, "repeat", "repeats"))
    if r.dtype.kind not in "iub" or r.ndim > 1:
        raise FuncgradTypeError(f"repeat: repeats must be an int or 1-d ints, got {repeats!r}")
    if axis is None:
        a, axis = ravel(a), 0
    shape = np.shape(a)
    axis = normalize_axis(axis, len(shape), op="repeat")
    n = shape[axis]
    if r.size == 1:
        r = np.broadcast_to(r.reshape(()), (n,))
    if r.shape != (n,) or (r < 0).any():
        raise FuncgradValueError(
            f"repeat: repeats {repeats!r} must be non-negative, one per element along axis "
            f"{axis} of shape {shape} (or a single count)"
        )
    return _so.repeat(a, tuple(r.tolist()), axis)


def pad(
    array: Any, pad_width: Any, mode: PadMode | Callable[..., Any] = "constant", **kwargs: Any
) -> Any:
    """Pad an array (numpy.pad).

    Traced arrays support the modes "constant" (with ``constant_values``), "empty",
    "edge", "reflect", "symmetric" and "wrap" (``reflect_type="even"``); pad widths and
    constant values are static, the derivative is with respect to ``array``.
    """
    array = as_array(array)
    if not is_traced((array,)):
        return np.pad(array, pad_width, mode, **kwargs)
    if callable(mode):  # numpy calls it on concrete vectors
        raise FuncgradNotImplementedError(
            f"pad: a callable mode ({mode!r}) is not supported for traced arrays; use a named mode"
        )
    ndim = np.ndim(array)
    try:
        widths = np.broadcast_to(np.round(np.asarray(pad_width)).astype(np.intp), (ndim, 2))
    except ValueError as e:
        _fail("pad", e, array)
    if (widths < 0).any():
        raise FuncgradValueError(f"pad: pad_width {pad_width!r} can't contain negative values")
    allowed = {"constant": {"constant_values"}, "reflect": {"reflect_type"}}
    allowed["symmetric"] = allowed["reflect"]
    extra = set(kwargs) - allowed.get(mode, set())
    if extra or kwargs.get("reflect_type", "even") != "even":
        raise FuncgradValueError(
            f"pad: unsupported keyword arguments for mode {mode!r} on traced arrays: {kwargs}"
        )
    values = _static(kwargs.get("constant_values", 0), "pad", "constant_values")
    return _so.pad(array, tuple(map(tuple, widths.tolist())), mode, values)


# --- flips and rotations -------------------------------------------------------------


def flip(m: Any, axis: Any = None) -> Any:
    """Reverse the order of elements along ``axis`` (all axes if None) (numpy.flip)."""
    m = as_array(m)
    if not is_traced((m,)):
        return np.flip(m, axis)
    return _s.flip(m, normalize_axes(axis, np.ndim(m), op="flip"))


def fliplr(m: Any) -> Any:
    """Reverse along axis 1 (numpy.fliplr)."""
    m = as_array(m)
    if not is_traced((m,)):
        return np.fliplr(m)
    if np.ndim(m) < 2:
        raise FuncgradValueError(f"fliplr: input must be >= 2-d, got shape {np.shape(m)}")
    return _s.flip(m, (1,))


def flipud(m: Any) -> Any:
    """Reverse along axis 0 (numpy.flipud)."""
    m = as_array(m)
    if not is_traced((m,)):
        return np.flipud(m)
    if np.ndim(m) < 1:
        raise FuncgradValueError("flipud: input must be >= 1-d, got a 0-d array")
    return _s.flip(m, (0,))


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (numpy.rot90)."""
    m = as_array(m)
    if not is_traced((m,)):
        return np.rot90(m, k, axes)
    axes = tuple(axes)
    ndim = np.ndim(m)
    if len(axes) != 2:
        raise FuncgradValueError("rot90: len(axes) must be 2.")
    a0, a1 = (normalize_axis(a, ndim, op="rot90") for a in axes)
    if a0 == a1:
        raise FuncgradValueError(f"rot90: axes must be different, got {axes}")
    k = _index(k, "rot90", "k") % 4
    if k == 0:
        return m
    if k == 2:
        return _s.flip(m, (a0, a1))
    perm = list(range(ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return _s.transpose(_s.flip(m, (a1,)), tuple(perm))
    return _s.flip(_s.transpose(m, tuple(perm)), (a1,))


def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """Roll elements along ``axis`` (the flattened array if None) by ``shift`` (numpy.roll)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.roll(a, shift, axis)
    _static(shift, "roll", "shift")
    if axis is None:
        return _s.reshape(roll(ravel(a), shift, 0), np.shape(a))
    b = np.broadcast(shift, axis)
    if b.ndim > 1:
        raise FuncgradValueError("roll: 'shift' and 'axis' should be scalars or 1D sequences")
    shifts, axes = zip(*b, strict=True) if b.size else ((), ())
    ndim = np.ndim(a)
    axes = tuple(normalize_axis(int(x), ndim, op="roll") for x in axes)
    return _so.roll(a, tuple(int(s) for s in shifts), axes)


# --- diagonals and triangles ---------------------------------------------------------


def _diagonal_args(a: Any, offset: Any, axis1: Any, axis2: Any, name: str) -> tuple:
    ndim = np.ndim(a)
    if ndim < 2:
        raise FuncgradValueError(
            f"{name} requires an array of at least two dimensions, got shape {np.shape(a)}"
        )
    ax1 = normalize_axis(axis1, ndim, "axis1", op=name)
    ax2 = normalize_axis(axis2, ndim, "axis2", op=name)
    if ax1 == ax2:
        raise FuncgradValueError(f"{name}: axis1 and axis2 cannot be the same ({axis1})")
    return _index(offset, name, "offset"), ax1, ax2


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset`` diagonal over ``axis1``, ``axis2``, appended as the last axis
    (numpy.diagonal)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.diagonal(a, offset, axis1, axis2)
    return _so.diagonal(a, *_diagonal_args(a, offset, axis1, axis2, "diagonal"))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Any:
    """Sum along the ``offset`` diagonal (numpy.trace)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.trace(a, offset, axis1, axis2, dtype)
    out = _so.trace(a, *_diagonal_args(a, offset, axis1, axis2, "trace"))
    return out if dtype is None else _ew.astype(out, dtype)


def diag(v: Any, k: int = 0) -> Any:
    """A 1-d ``v`` on the ``k``-th diagonal of a square matrix, or the ``k``-th diagonal of
    a 2-d ``v`` (numpy.diag)."""
    v = as_array(v)
    if not is_traced((v,)):
        return np.diag(v, k)
    k = _index(k, "diag", "k")
    if np.ndim(v) == 1:
        n = np.shape(v)[0] + abs(k)
        return _so.diag_embed(v, k, 0, 1, n, n)
    if np.ndim(v) == 2:
        return _so.diagonal(v, k, 0, 1)
    raise FuncgradValueError(f"diag: input must be 1- or 2-d, got shape {np.shape(v)}")


def diagflat(v: Any, k: int = 0) -> Any:
    """The flattened input on the ``k``-th diagonal of a square matrix (numpy.diagflat)."""
    v = as_array(v)
    if not is_traced((v,)):
        return np.diagflat(v, k)
    return diag(ravel(v), k)


def _tri(m: Any, k: int, name: str, fun: Any) -> Any:
    if not is_traced((m,)):
        return getattr(np, name)(m, k)
    m = _arr(m)
    if np.ndim(m) < 1:
        raise FuncgradValueError(f"{name}: input must be at least 1-d, got a 0-d array")
    return fun(m, _index(k, name, "k"))


def triu(m: Any, k: int = 0) -> Any:
    """Zero the elements below the ``k``-th diagonal of the last two axes; a 1-d input is
    broadcast to a square matrix (numpy.triu)."""
    m = as_array(m)
    return _tri(m, k, "triu", _so.triu)


def tril(m: Any, k: int = 0) -> Any:
    """Zero the elements above the ``k``-th diagonal of the last two axes (numpy.tril)."""
    m = as_array(m)
    return _tri(m, k, "tril", _so.tril)
