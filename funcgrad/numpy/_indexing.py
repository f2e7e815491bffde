"""funcgrad.numpy indexing: ``x[idx]``, the functional updates ``x.at[idx]``, take, choose,
select, and the index-returning functions (nonzero, argwhere, ...).

Outside transformations each function calls numpy itself (bitwise-equal results). Imports
core and the primitives layer only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, indexing as _ix
from ..primitives._axes import normalize_axis
from ..primitives._index import index_layout, normalize_index
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

    def get(self) -> Any:
        """``x[idx]``."""
        return _getitem(self.array, self.index)

    def set(self, values: Any) -> Any:
        """A copy of ``x`` with ``x[idx] = values``; with repeated indices the last wins."""
        return self._update("set", values)

    def add(self, values: Any) -> Any:
        """A copy of ``x`` with ``values`` added at ``idx``; repeats accumulate (np.add.at)."""
        return self._update("add", values)

    def multiply(self, values: Any) -> Any:
        """A copy of ``x`` multiplied by ``values`` at ``idx``; repeats multiply each time
        (np.multiply.at). With repeated indices the derivative in ``values`` divides by them
        (undefined where such a value is 0)."""
        return self._update("multiply", values)

    def _update(self, kind: str, values: Any) -> Any:
        x, idx = self.array, self.index
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


class _IndexUpdateHelper:
    """``x.at``: index it (``x.at[idx]``) to get the functional updates."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __getitem__(self, idx: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, idx)


def at(x: Any) -> _IndexUpdateHelper:
    """Functional updates ``at(x)[idx].set(v)``, ``.add(v)``, ``.multiply(v)``, ``.get()``.

    ``x.at`` on traced arrays is the same. Each returns a new array and never mutates ``x``;
    differentiable in ``x`` and ``v``. With repeated integer indices ``add`` accumulates and
    ``multiply`` multiplies every time (like ``np.add.at``), ``set`` keeps the last value.
    """
    x = as_array(x)
    return _IndexUpdateHelper(x)


# --- take, take_along_axis, choose, select ----------------------------------------------


def take(a: Any, indices: Any, axis: Any = None, mode: str = "raise") -> Any:
    """Take elements along an axis (numpy.take); differentiable in ``a``.

    On traced arrays only ``mode="raise"`` is supported.
    """
    a, indices = as_array(a), as_array(indices)
    if not is_traced((a, indices)):
        return np.take(a, indices, axis=axis, mode=mode)
    if mode != "raise":
        raise NotImplementedError(f"take: mode={mode!r} is not supported on traced arrays")
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
        raise IndexError("take_along_axis: `indices` must be an integer array")
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(
                "take_along_axis: when axis=None, `indices` must have a single dimension."
            )
        arr = reshape(arr, (int(np.prod(np.shape(arr), dtype=np.int64)),))
        axis = 0
    ndim = np.ndim(arr)
    if indices.ndim != ndim:
        raise ValueError(
            "take_along_axis: `indices` and `arr` must have the same number of dimensions "
            f"(got {indices.ndim} and {ndim})"
        )
    axis = normalize_axis(axis, ndim, op="take_along_axis")
    _, fancy = _ix.along_axis_index(np.shape(arr), indices, axis)
    idx, arrays, _ = normalize_index(np.shape(arr), tuple(fancy), "take_along_axis")
    return _ix.gather(arr, arrays, idx, False)


def choose(a: Any, choices: Any, mode: str = "raise") -> Any:
    """``choices[a[i]][i]`` with broadcasting (numpy.choose); differentiable in ``choices``."""
    a = as_array(a)
    choices = as_arrays(choices)
    choices = list(choices)
    if not is_traced((a, *choices)):
        return np.choose(a, choices, mode=mode)
    if mode != "raise":
        raise NotImplementedError(f"choose: mode={mode!r} is not supported on traced arrays")
    if not isinstance(a, Tracer):
        a = np.asarray(a)
        if a.size and (a.min() < 0 or a.max() >= len(choices)):
            raise ValueError("choose: invalid entry in choice array")
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
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    for i, c in enumerate(condlist):
        if _dtype(c) != np.bool_:
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray")
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
        raise ValueError("compress: condition must be a 1-d array")
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
