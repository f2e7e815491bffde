"""Pure-Python index normalisation for the indexing family (no primitives here).

An index is normalised once (``normalize_index``) into a hashable tuple of ints, ``Slice``s,
``None``s and ``ARRAY`` slots; the integer arrays of the slots are returned apart. Boolean
masks become their ``nonzero()`` arrays, which is numpy's own definition. Imports core only.
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

import numpy as np

from ..core.errors import FuncgradIndexError
from ..core.trace import Tracer


class Slice(NamedTuple):
    """A hashable ``slice`` (Python < 3.12 slices are unhashable)."""

    start: int | None
    stop: int | None
    step: int | None


class _ArraySlot:
    """Marks the place of an integer index array (a positional argument) in an index."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ARRAY"

    def __reduce__(self) -> str:
        return "ARRAY"


ARRAY = _ArraySlot()
FULL = Slice(None, None, None)

_BAD_INDEX = (
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or "
    "boolean arrays are valid indices"
)


def _concrete_mask(m: Tracer, name: str) -> np.ndarray:
    try:
        return np.asarray(m.concrete())
    except TypeError:
        raise FuncgradIndexError(
            f"{name}: a boolean mask that is itself traced ({m.aval}, under "
            f"{type(m._trace).__name__}) cannot index an array: the result's shape would "
            "depend on the mask's values. Use fnp.where(mask, x, 0) (fixed shape) instead."
        ) from None


def _norm_slice(s: slice, n: int) -> Slice:
    start, stop, step = s.indices(n)
    length = len(range(start, stop, step))
    if step == 1 and start == 0 and length == n:
        return FULL
    if length == 0:
        return Slice(0, 0, None)
    last = start + (length - 1) * step
    if step > 0:
        return Slice(start, last + 1, None if step == 1 else step)
    return Slice(start, None if last == 0 else last - 1, step)


_SCALAR_BOOL = (
    "{name}: a scalar boolean index (x[True]) is not supported on traced arrays; use "
    "fnp.where(condition, x, y) or x[None] for a new axis"
)


def _classify(item: Any, name: str) -> Any:
    """One user index item as None, Ellipsis, slice, int, ("mask", arr) or ("array", arr)."""
    if item is None or item is Ellipsis or isinstance(item, slice):
        return item
    if isinstance(item, (bool, np.bool_)):
        raise FuncgradIndexError(_SCALAR_BOOL.format(name=name))
    if isinstance(item, (int, np.integer)):
        return operator.index(item)
    if isinstance(item, Tracer):
        if item.dtype == np.bool_:
            return _classify(_concrete_mask(item, name), name)
        if not np.issubdtype(item.dtype, np.integer):
            raise FuncgradIndexError(f"{name}: {_BAD_INDEX}; got an array of dtype {item.dtype}")
        return ("array", item)
    arr = np.asarray(item)
    if arr.size == 0 and arr.dtype.kind == "f":  # numpy reads [] as an empty int index
        arr = arr.astype(np.intp)
    if arr.dtype == np.bool_:
        if arr.ndim == 0:
            raise FuncgradIndexError(_SCALAR_BOOL.format(name=name))
        return ("mask", arr)
    if not np.issubdtype(arr.dtype, np.integer):
        raise FuncgradIndexError(f"{name}: {_BAD_INDEX}; got {item!r}")
    return int(arr) if arr.ndim == 0 else ("array", arr)


def normalize_index(
    shape: tuple[int, ...], idx: Any, name: str = "getitem"
) -> tuple[tuple, list, bool]:
    """Normalise a numpy index for an array of ``shape``: ``(idx, arrays, unique)``.

    Raises numpy's IndexError (prefixed with ``name``) for out-of-bounds integers, too many
    indices, mismatched masks and index arrays that do not broadcast.
    """
    if type(idx) is int and shape:  # the common x[i]
        n = shape[0]
        if -n <= idx < n:
            return (idx % n,), [], True
    sig = _basic_signature(idx)
    if sig is not None:  # ints, slices of ints, None, ...: the same result for the same shape
        known = _BASIC.get((shape, sig))
        if known is not None:
            return known, [], True
    out_idx, arrays, unique = _normalize(shape, idx, name)
    if sig is not None:
        if len(_BASIC) >= _CACHE_SIZE:
            _BASIC.clear()
        _BASIC[(shape, sig)] = out_idx
    return out_idx, arrays, unique


# Normalised basic indices by (shape, index) and numpy keys by normalised index: a
# recurrent cell's gate slices are the same four at every step (bounded; cleared when full).
_CACHE_SIZE = 1024
_BASIC: dict[tuple, tuple] = {}
_KEYS: dict[tuple, tuple] = {}
_INT_OR_NONE = (int, type(None))


def _basic_signature(idx: Any) -> tuple | None:
    """A hashable form of an index of Python ints, int slices, None and Ellipsis, or None."""
    items = idx if type(idx) is tuple else (idx,)
    sig: list[Any] = []
    for i in items:
        t = type(i)
        if t is slice:
            ends = (i.start, i.stop, i.step)
            if any(type(e) not in _INT_OR_NONE for e in ends):
                return None
            sig.append(ends)
        elif t is int or i is None or i is Ellipsis:
            sig.append(i)
        else:
            return None
    return tuple(sig)


def _normalize(shape: tuple[int, ...], idx: Any, name: str) -> tuple[tuple, list, bool]:
    items = [_classify(i, name) for i in (idx if isinstance(idx, tuple) else (idx,))]
    ndim = len(shape)
    consumed = 0
    n_ellipsis = 0
    for it in items:
        if it is Ellipsis:
            n_ellipsis += 1
        elif it is not None:
            consumed += it[1].ndim if isinstance(it, tuple) and it[0] == "mask" else 1
    if n_ellipsis > 1:
        raise FuncgradIndexError(f"{name}: an index can only have a single ellipsis ('...')")
    if consumed > ndim:
        raise FuncgradIndexError(
            f"{name}: too many indices for array: array is {ndim}-dimensional, but "
            f"{consumed} were indexed"
        )
    out: list[Any] = []
    arrays: list[Any] = []
    unique = True
    dim = 0
    for it in items:
        if it is None:
            out.append(None)
        elif it is Ellipsis:
            # an empty Ellipsis stays: it still separates advanced indices (numpy's rule)
            out.extend([FULL] * (ndim - consumed) if ndim > consumed else [Ellipsis])
            dim += ndim - consumed
        elif isinstance(it, slice):
            out.append(_norm_slice(it, shape[dim]))
            dim += 1
        elif isinstance(it, int):
            n = shape[dim]
            if not -n <= it < n:
                raise FuncgradIndexError(
                    f"{name}: index {it} is out of bounds for axis {dim} with size {n}"
                )
            out.append(it % n)
            dim += 1
        elif it[0] == "mask":
            m = it[1]
            for k, (a, b) in enumerate(zip(shape[dim : dim + m.ndim], m.shape, strict=True)):
                if a != b:
                    raise FuncgradIndexError(
                        f"{name}: boolean index did not match indexed array along axis "
                        f"{dim + k}; size of axis is {a} but size of corresponding boolean "
                        f"axis is {b}"
                    )
            out.extend([ARRAY] * m.ndim)
            arrays.extend(m.nonzero())
            dim += m.ndim
        else:
            arr = it[1]
            n = shape[dim]
            if isinstance(arr, np.ndarray) and arr.size:
                lo, hi = int(arr.min()), int(arr.max())
                if lo < -n or hi >= n:
                    raise FuncgradIndexError(
                        f"{name}: index {hi if hi >= n else lo} is out of bounds for axis "
                        f"{dim} with size {n}"
                    )
            out.append(ARRAY)
            arrays.append(arr)
            unique = False
            dim += 1
    if arrays:
        try:
            np.broadcast_shapes(*(np.shape(a) for a in arrays))
        except ValueError:
            listing = " ".join(str(np.shape(a)) for a in arrays)
            raise FuncgradIndexError(
                f"{name}: shape mismatch: indexing arrays could not be broadcast together "
                f"with shapes {listing}"
            ) from None
    return tuple(out), arrays, unique


def index_layout(
    shape: tuple[int, ...], idx: tuple, array_shapes: list
) -> tuple[tuple[int, ...], int | None]:
    """The shape of ``x[idx]`` and where its block of advanced-index axes starts (or None).

    numpy's rule: the advanced axes replace the indexed ones if all advanced indices (index
    arrays, and integers when arrays are present) are adjacent, else they go first.
    """
    has_adv = ARRAY in idx
    out: list[int] = []
    dim = 0
    first = None
    positions: list[int] = []
    for k, c in enumerate(idx):
        if c is None:
            out.append(1)
        elif c is Ellipsis:
            pass
        elif type(c) is Slice:
            out.append(len(range(*slice(*c).indices(shape[dim]))))
            dim += 1
        else:  # an int or an ARRAY slot
            if has_adv:
                positions.append(k)
                if first is None:
                    first = len(out)
            dim += 1
    out.extend(shape[dim:])
    if not has_adv:
        return tuple(out), None
    pos = first if positions[-1] - positions[0] == len(positions) - 1 else 0
    out[pos:pos] = np.broadcast_shapes(*array_shapes)
    return tuple(out), pos


def index_key(idx: tuple, arrays: Any) -> tuple:
    """The numpy index for a normalised ``idx`` whose ARRAY slots ``arrays`` fill."""
    if not arrays:
        key = _KEYS.get(idx)
        if key is None:
            if len(_KEYS) >= _CACHE_SIZE:
                _KEYS.clear()
            key = _KEYS[idx] = tuple(slice(*c) if type(c) is Slice else c for c in idx)
        return key
    it = iter(arrays)
    return tuple(next(it) if c is ARRAY else slice(*c) if type(c) is Slice else c for c in idx)


def adjacent(idx: tuple) -> bool:
    has_adv = ARRAY in idx
    pos = [k for k, c in enumerate(idx) if c is ARRAY or (has_adv and type(c) is int)]
    return pos[-1] - pos[0] == len(pos) - 1
