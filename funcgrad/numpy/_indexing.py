"""funcgrad.numpy indexing: ``x[idx]``, the functional updates ``x.at[idx]``, take, choose,
select, and the index-returning functions (nonzero, argwhere, ...).

Outside transformations each function calls numpy itself (bitwise-equal results). Imports
core and the primitives layer only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.errors import (
    FuncgradIndexError,
    FuncgradNotImplementedError,
    FuncgradTypeError,
    FuncgradValueError,
)
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, indexing as _ix
from ..primitives._axes import normalize_axis
from ..primitives._index import index_layout, normalize_index
from ..primitives._literals import ClipMode
from ..primitives.shape import broadcast_to, reshape
from ._convert import as_array, as_arrays


def _index_traced(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(i, Tracer) for i in items)


def _concrete(x: Any, name: str) -> Any:
    """The numpy value of ``x``; a clear error when it is not known (under vmap, jit)."""
    if not isinstance(x, Tracer):
        return x
    try:
        return x.concrete()
    except TypeError:
        raise FuncgradTypeError(
            f"{name}: the result's shape depends on the values of a traced array ({x.aval}), "
            f"which are not known under {type(x._trace).__name__}. Use a fixed-size form "
            "instead, e.g. fnp.where(condition, x, 0)."
        ) from None


def _dtype(x: Any) -> Any:
    return x.dtype if isinstance(x, Tracer) else np.result_type(x)


# --- reading: x[idx] -------------------------------------------------------------------


def _getitem(x: Any, idx: Any) -> Any:
    """``x[idx]`` with numpy's indexing (``Tracer.__getitem__`` calls this).

    Differentiable in ``x``. Integer index arrays may be traced (e.g. under vmap); a boolean
    mask must be concrete, since the result's shape depends on it.
    """
    if not isinstance(x, Tracer) and not _index_traced(idx):
        return (x if isinstance(x, np.ndarray) else np.asarray(x))[idx]
    idx, arrays, unique = normalize_index(np.shape(x), idx, "getitem")
    return _ix.gather(x, arrays, idx, unique)


# --- functional updates: x.at[idx].set(v) ----------------------------------------------


class _IndexUpdateRef:
    """``x.at[idx]``: the functional updates of ``x`` at ``idx`` (never in place)."""

    __slots__ = ("array", "index")

    def __init__(self, array: Any, index: Any) -> None:
        self.array = array
        self.index = index

    def __repr__(self) -> str:
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, **hints: Any) -> Any:
        """``x[idx]``."""
        _check_hints("get", hints)
        return _getitem(self.array, self.index)

    def set(self, values: Any, **hints: Any) -> Any:
        """A copy of ``x`` with ``x[idx] = values``; with repeated indices the last wins."""
        _check_hints("set", hints)
        return self._update("set", values)

    def add(self, values: Any, **hints: Any) -> Any:
        """A copy of ``x`` with ``values`` added at ``idx``; repeats accumulate (np.add.at)."""
        _check_hints("add", hints)
        return self._update("add", values)

    def multiply(self, values: Any, **hints: Any) -> Any:
        """A copy of ``x`` multiplied by ``values`` at ``idx``; repeats multiply each time
        (np.multiply.at). With repeated indices the derivative in ``values`` divides by them
        (undefined where such a value is 0)."""
        _check_hints("multiply", hints)
        return self._update("multiply", values)

    def divide(self, values: Any, **hints: Any) -> Any:
        """A copy of ``x`` divided by ``values`` at ``idx``; repeats divide each time
        (np.divide.at)."""
        _check_hints("divide", hints)
        return self._in_rounds("divide", _ew.divide, values)

    def power(self, values: Any, **hints: Any) -> Any:
        """A copy of ``x`` raised to ``values`` at ``idx``; repeats raise each time
        (np.power.at)."""
        _check_hints("power", hints)
        return self._in_rounds("power", _ew.power, values)

    def min(self, values: Any, **hints: Any) -> Any:
        """A copy of ``x`` with ``minimum(x[idx], values)`` at ``idx``; repeats take the
        minimum of all their values (np.minimum.at). Ties share the derivative."""
        _check_hints("min", hints)
        return self._in_rounds("minimum", _ew.minimum, values)

    def max(self, values: Any, **hints: Any) -> Any:
        """A copy of ``x`` with ``maximum(x[idx], values)`` at ``idx`` (np.maximum.at)."""
        _check_hints("max", hints)
        return self._in_rounds("maximum", _ew.maximum, values)

    def apply(self, func: Callable[[Any], Any], **hints: Any) -> Any:
        """A copy of ``x`` with the unary ``func`` applied at ``idx``, once per occurrence
        of an index (``ufunc.at(x, idx)``); ``func`` is a funcgrad.numpy function (or a
        numpy ufunc outside transformations)."""
        _check_hints("apply", hints)
        x, idx = self.array, self.index
        if not is_traced((x,)) and not _index_traced(idx) and isinstance(func, np.ufunc):
            out = np.array(x, copy=True)
            func.at(out, idx)
            return out
        flat, rounds, _ = _occurrences(x, idx, None, "at[...].apply")
        for positions, _ in rounds:
            flat = _IndexUpdateRef(flat, positions).set(func(_getitem(flat, positions)))
        return reshape(flat, np.shape(x))

    def _update(self, kind: str, values: Any) -> Any:
        x, idx = self.array, self.index
        values = as_array(values)
        if not is_traced((x, values)) and not _index_traced(idx):
            out = np.array(x, copy=True)
            if kind == "set":
                out[idx] = values
            else:
                getattr(np, kind).at(out, idx, values)
            return out
        if not isinstance(x, Tracer):
            x = np.asarray(x)
        if not isinstance(values, Tracer):
            values = np.asarray(values)
        name = f"at[...].{kind}"
        nidx, arrays, unique = normalize_index(x.shape, idx, name)
        shape, _ = index_layout(x.shape, nidx, [np.shape(a) for a in arrays])
        try:
            ok = np.broadcast_shapes(values.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise FuncgradValueError(
                f"{name}: values of shape {values.shape} cannot be broadcast to the indexed "
                f"shape {shape}"
            )
        return _ix.index_update(kind, x, nidx, arrays, values, unique)

    def _in_rounds(self, ufunc: str, op: Callable[[Any, Any], Any], values: Any) -> Any:
        """``getattr(np, ufunc).at(x, idx, values)``: under transformations, one round of
        unique indices per repetition, applying ``op`` in index order as numpy does."""
        x, idx = self.array, self.index
        values = as_array(values)
        if not is_traced((x, values)) and not _index_traced(idx):
            out = np.array(x, copy=True)
            getattr(np, ufunc).at(out, idx, values)
            return out
        flat, rounds, v = _occurrences(x, idx, values, f"at[...].{ufunc}")
        for positions, picks in rounds:
            new = op(_getitem(flat, positions), _getitem(v, picks))
            flat = _IndexUpdateRef(flat, positions).set(new)
        return reshape(flat, np.shape(x))


_HINTS = ("indices_are_sorted", "unique_indices", "mode", "fill_value")


def _check_hints(name: str, hints: dict) -> None:
    """JAX's keyword hints: the sorted/unique ones are accepted (ignored); ``mode`` must be
    None or "promise_in_bounds" (indices are checked as numpy does)."""
    bad = [k for k in hints if k not in _HINTS]
    if bad:
        raise FuncgradTypeError(f"at[...].{name}() got unexpected keyword arguments {bad}")
    mode = hints.get("mode")
    if mode not in (None, "promise_in_bounds"):
        raise FuncgradValueError(
            f"at[...].{name}: mode={mode!r} is not supported; out-of-bounds indices raise "
            "IndexError as in numpy (use mode=None)"
        )


def _occurrences(x: Any, idx: Any, values: Any, name: str) -> tuple[Any, list, Any]:
    """``x`` flattened, the rounds ``(positions, picks)`` of an update at ``idx`` (round k:
    the k-th occurrence of every repeated position, so positions are unique within a
    round), and ``values`` broadcast to ``x[idx]``'s shape and flattened."""
    if _index_traced(idx):
        raise FuncgradTypeError(
            f"{name}: the index must be concrete (it decides which entries repeat); traced "
            "index arrays work with .set, .add and .multiply"
        )
    shape = np.shape(x)
    targets = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[idx]
    flat_targets = np.ravel(targets)
    order = np.argsort(flat_targets, kind="stable")
    sorted_t = flat_targets[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_t)) + 1] if sorted_t.size else sorted_t
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    rounds = []
    for k in range(int(rank.max()) + 1 if rank.size else 0):
        picks = np.flatnonzero(rank == k)
        rounds.append((flat_targets[picks], picks))
    v = None
    if values is not None:
        vs = np.shape(values)
        try:
            ok = np.broadcast_shapes(vs, targets.shape) == targets.shape
        except ValueError:
            ok = False
        if not ok:
            raise FuncgradValueError(
                f"{name}: values of shape {vs} cannot be broadcast to the indexed shape "
                f"{targets.shape}"
            )
        v = reshape(broadcast_to(values, targets.shape), (targets.size,))
    return reshape(x, (int(np.prod(shape, dtype=np.int64)),)), rounds, v


class _IndexUpdateHelper:
    """``x.at``: index it (``x.at[idx]``) to get the functional updates."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __getitem__(self, idx: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, idx)


def at(x: Any) -> _IndexUpdateHelper:
    """Functional updates ``at(x)[idx].set(v)``, as JAX's ``x.at[idx]``.

    The updates are ``.set``, ``.add``, ``.multiply``, ``.divide``, ``.power``, ``.min``,
    ``.max``, ``.apply(func)`` and ``.get()``; ``x.at`` on traced arrays is the same. Each
    returns a new array and never mutates ``x``; differentiable in ``x`` and ``v``. With
    repeated integer indices every update but ``set`` applies once per occurrence, in index
    order, like numpy's ``ufunc.at`` (``set`` keeps the last value). JAX's keyword hints
    (``unique_indices``, ``indices_are_sorted``, ``mode=None``) are accepted.

    Example:
      >>> at(np.array([1.0, 5.0, 3.0]))[np.array([1, 1])].min(np.array([4.0, 2.0]))
      array([1., 2., 3.])
    """
    x = as_array(x)
    return _IndexUpdateHelper(x)


# --- take, take_along_axis, choose, select ----------------------------------------------


def take(a: Any, indices: Any, axis: Any = None, mode: ClipMode = "raise") -> Any:
    """Take elements along an axis (numpy.take); differentiable in ``a``.

    On traced arrays only ``mode="raise"`` is supported.
    """
    a, indices = as_array(a), as_array(indices)
    if not is_traced((a, indices)):
        return np.take(a, indices, axis=axis, mode=mode)
    if mode != "raise":
        raise FuncgradNotImplementedError(
            f"take: mode={mode!r} is not supported on traced arrays; use mode='raise' (clip "
            "the indices with fnp.clip, or wrap them with %, first)"
        )
    if axis is None:
        a = reshape(a, (int(np.prod(np.shape(a), dtype=np.int64)),))
        axis = 0
    axis = normalize_axis(axis, np.ndim(a), op="take")
    idx, arrays, unique = normalize_index(np.shape(a), (slice(None),) * axis + (indices,), "take")
    return _ix.gather(a, arrays, idx, unique)


def take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> Any:
    """Pick values along ``axis`` by ``indices`` (numpy.take_along_axis); differentiable."""
    arr, indices = as_array(arr), as_array(indices)
    if not is_traced((arr, indices)):
        return np.take_along_axis(arr, indices, axis=axis)
    if not isinstance(indices, Tracer):
        indices = np.asarray(indices)
    if not np.issubdtype(indices.dtype, np.integer):
        raise FuncgradIndexError(
            f"take_along_axis: `indices` must be an integer array, got dtype {indices.dtype}; "
            "convert it with indices.astype(int)"
        )
    if axis is None:
        if indices.ndim != 1:
            raise FuncgradValueError(
                "take_along_axis: when axis=None, `indices` must have a single dimension, got "
                f"shape {indices.shape}"
            )
        arr = reshape(arr, (int(np.prod(np.shape(arr), dtype=np.int64)),))
        axis = 0
    ndim = np.ndim(arr)
    if indices.ndim != ndim:
        raise FuncgradValueError(
            "take_along_axis: `indices` and `arr` must have the same number of dimensions "
            f"(got shapes {indices.shape} and {np.shape(arr)}); add length-1 axes to indices"
        )
    axis = normalize_axis(axis, ndim, op="take_along_axis")
    _, fancy = _ix.along_axis_index(np.shape(arr), indices, axis)
    idx, arrays, _ = normalize_index(np.shape(arr), tuple(fancy), "take_along_axis")
    return _ix.gather(arr, arrays, idx, False)


def choose(a: Any, choices: Any, mode: ClipMode = "raise") -> Any:
    """``choices[a[i]][i]`` with broadcasting (numpy.choose); differentiable in ``choices``."""
    a = as_array(a)
    choices = as_arrays(choices)
    choices = list(choices)
    if not is_traced((a, *choices)):
        return np.choose(a, choices, mode=mode)
    if mode != "raise":
        raise FuncgradNotImplementedError(
            f"choose: mode={mode!r} is not supported on traced arrays; use mode='raise'"
        )
    if not isinstance(a, Tracer):
        a = np.asarray(a)
        if a.size and (a.min() < 0 or a.max() >= len(choices)):
            raise FuncgradValueError(
                f"choose: invalid entry in choice array: entries must lie in 0..{len(choices) - 1}"
                f" (one per choice), got {a.min()}..{a.max()}"
            )
    shape = np.broadcast_shapes(np.shape(a), *(np.shape(c) for c in choices))
    out = choices[0]
    for k in range(1, len(choices)):
        out = _ew.where(_ew.equal(a, k), choices[k], out)
    dtype = np.result_type(*(_dtype(c) for c in choices))
    return broadcast_to(_ew.astype(out, dtype), shape)


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """The choice of the first true condition, elementwise (numpy.select).

    Differentiable in the choices and ``default``; conditions must be boolean.
    """
    default = as_array(default)
    condlist = as_arrays(condlist)
    choicelist = as_arrays(choicelist)
    condlist, choicelist = list(condlist), list(choicelist)
    if not is_traced((*condlist, *choicelist, default)):
        return np.select(condlist, choicelist, default)
    if len(condlist) != len(choicelist):
        raise FuncgradValueError(
            f"select: list of cases must be same length as list of conditions (got "
            f"{len(choicelist)} choices and {len(condlist)} conditions)"
        )
    if not condlist:
        raise FuncgradValueError("select with an empty condition list is not possible")
    for i, c in enumerate(condlist):
        if _dtype(c) != np.bool_:
            raise FuncgradTypeError(
                f"select: invalid entry {i} in condlist: should be boolean ndarray, got dtype "
                f"{_dtype(c)}; compare it (e.g. c > 0)"
            )
    dtype = np.result_type(
        *(c if type(c) in (int, float, complex) else _dtype(c) for c in (*choicelist, default))
    )
    shape = np.broadcast_shapes(*(np.shape(c) for c in (*condlist, *choicelist, default)))
    out = default
    for cond, choice in zip(condlist[::-1], choicelist[::-1], strict=True):
        out = _ew.where(cond, choice, out)
    return broadcast_to(_ew.astype(out, dtype), shape)


def compress(condition: Any, a: Any, axis: Any = None) -> Any:
    """Slices of ``a`` where ``condition`` is true (numpy.compress).

    Differentiable in ``a``; ``condition`` must be concrete (its values fix the shape).
    """
    condition, a = as_array(condition), as_array(a)
    if not is_traced((condition, a)):
        return np.compress(condition, a, axis=axis)
    cond = np.asarray(_concrete(condition, "compress"))
    if cond.ndim != 1:
        raise FuncgradValueError(
            f"compress: condition must be a 1-d array, got shape {cond.shape}; flatten it or "
            "use fnp.extract"
        )
    return take(a, np.flatnonzero(cond), axis=axis)


def extract(condition: Any, arr: Any) -> Any:
    """The elements of ``arr`` where ``condition`` is true, flattened (numpy.extract).

    Differentiable in ``arr``; ``condition`` must be concrete (its values fix the shape).
    """
    condition, arr = as_array(condition), as_array(arr)
    if not is_traced((condition, arr)):
        return np.extract(condition, arr)
    cond = np.asarray(_concrete(condition, "extract"))
    return take(arr, np.flatnonzero(cond))


# --- index-returning functions: concrete inputs only, zero derivative --------------------


def nonzero(a: Any) -> tuple:
    """Indices of the non-zero elements (numpy.nonzero); ``a`` must be concrete."""
    a = as_array(a)
    return np.nonzero(_concrete(a, "nonzero"))


def flatnonzero(a: Any) -> Any:
    """Indices of the non-zero elements of the flattened ``a`` (numpy.flatnonzero)."""
    a = as_array(a)
    return np.flatnonzero(_concrete(a, "flatnonzero"))


def argwhere(a: Any) -> Any:
    """Indices of the non-zero elements, one row each (numpy.argwhere); concrete only."""
    a = as_array(a)
    return np.argwhere(_concrete(a, "argwhere"))
