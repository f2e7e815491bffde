"""funcgrad.numpy shape functions: reshaping, axes, joining, at-least-n-d, shape queries.

Outside transformations each function calls numpy itself (bitwise-equal results); traced
arguments go through the shape family (``primitives/shape.py``). Shape errors raise
``ValueError`` naming the function and the shapes, traced or not. Imports core and the
primitives layer only.
"""

from __future__ import annotations

import operator
from typing import Any, NoReturn

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, loops as _loops, shape as _s
from ..primitives._axes import normalize_axes, normalize_axis
from ..primitives._literals import Casting, OrderACF, OrderKACF
from ._convert import as_array, as_arrays


def _arr(a: Any) -> Any:
    """A tracer as is; anything else as an array (nested lists may hold tracers)."""
    if isinstance(a, Tracer):
        return a
    from ._creation import asarray

    return asarray(a)


def _shape_text(a: Any) -> str:
    try:
        return str(np.shape(a))
    except ValueError:
        return "(ragged)"


def _fail(name: str, e: Exception, *arrays: Any) -> NoReturn:
    if isinstance(e, np.exceptions.AxisError):  # already names the axis and the rank
        raise e
    shapes = ", ".join(_shape_text(a) for a in arrays)
    raise FuncgradValueError(f"{name}: {e} (input shapes: {shapes})") from e


def _index(v: Any, name: str, what: str) -> int:
    try:
        return operator.index(v)
    except TypeError:
        raise FuncgradTypeError(
            f"{name}: {what} must be integers, got {v!r} ({type(v).__name__})"
        ) from None


# --- reshaping -------------------------------------------------------------------------


def _resolve_shape(old: tuple[int, ...], shape: Any, name: str) -> tuple[int, ...]:
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    shape = tuple(_index(d, name, "shape entries") for d in shape)
    size = int(np.prod(old, dtype=np.int64))
    unknown = [i for i, d in enumerate(shape) if d == -1]
    known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
    ok = len(unknown) <= 1 and all(d >= -1 for d in shape)
    if ok and unknown:
        ok = known != 0 and size % known == 0
        if ok:
            shape = tuple(size // known if d == -1 else d for d in shape)
    if not ok or int(np.prod(shape, dtype=np.int64)) != size:
        raise FuncgradValueError(
            f"{name}: cannot reshape array of shape {old} (size {size}) into shape {shape}"
        )
    return shape


def _reshape(a: Any, shape: Any, order: str, name: str) -> Any:
    new = _resolve_shape(np.shape(a), shape, name)
    if order == "C":
        return _s.reshape(a, new)
    if order == "F":  # column-major: reverse the axes, reshape row-major, reverse back
        rev_in = tuple(range(np.ndim(a)))[::-1]
        rev_out = tuple(range(len(new)))[::-1]
        return _s.transpose(_s.reshape(_s.transpose(a, rev_in), new[::-1]), rev_out)
    raise FuncgradValueError(
        f"{name}: order={order!r} depends on memory layout, which traced arrays do not "
        "have; use order='C' or 'F'"
    )


def reshape(a: Any, /, shape: Any, order: OrderACF = "C", *, copy: bool | None = None) -> Any:
    """Give ``a`` a new shape; one entry may be -1 (numpy.reshape).

    Traced arrays support ``order`` "C" and "F".
    """
    a = as_array(a)
    if not is_traced((a,)):
        try:
            return np.reshape(a, shape, order=order, copy=copy)
        except ValueError as e:
            _fail("reshape", e, a)
    return _reshape(a, shape, order, "reshape")


def ravel(a: Any, order: OrderKACF = "C") -> Any:
    """Flatten to 1-d (numpy.ravel); traced arrays support ``order`` "C" and "F"."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.ravel(a, order=order)
    return _reshape(a, (-1,), order, "ravel")


def transpose(a: Any, axes: Any = None) -> Any:
    """Permute the axes; reverse them when ``axes`` is None (numpy.transpose)."""
    a = as_array(a)
    if not is_traced((a,)):
        try:
            return np.transpose(a, axes)
        except ValueError as e:
            _fail("transpose", e, a)
    ndim = np.ndim(a)
    if axes is None:
        return _s.transpose(a, tuple(range(ndim))[::-1])
    perm = tuple(normalize_axis(ax, ndim, op="transpose") for ax in axes)
    if sorted(perm) != list(range(ndim)):
        raise FuncgradValueError(
            f"transpose: axes {tuple(axes)} are not a permutation of the axes of an array of "
            f"shape {np.shape(a)}"
        )
    return _s.transpose(a, perm)


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """Interchange two axes (numpy.swapaxes)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.swapaxes(a, axis1, axis2)
    ndim = np.ndim(a)
    perm = list(range(ndim))
    i, j = normalize_axis(axis1, ndim, op="swapaxes"), normalize_axis(axis2, ndim, op="swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return _s.transpose(a, tuple(perm))


def _axis_list(axis: Any, ndim: int, name: str) -> list[int]:
    axes = [axis] if np.ndim(axis) == 0 else list(axis)
    out = [normalize_axis(ax, ndim, op=name) for ax in axes]
    if len(set(out)) != len(out):
        raise FuncgradValueError(f"{name}: repeated axis in {tuple(axes)}")
    return out


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """Move axes to new positions, the others keeping their order (numpy.moveaxis)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.moveaxis(a, source, destination)
    ndim = np.ndim(a)
    src = _axis_list(source, ndim, "moveaxis")
    dst = _axis_list(destination, ndim, "moveaxis")
    if len(src) != len(dst):
        raise FuncgradValueError(
            "moveaxis: `source` and `destination` arguments must have the same number of "
            f"elements, got {source!r} and {destination!r}"
        )
    order = [n for n in range(ndim) if n not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return _s.transpose(a, tuple(order))


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Roll ``axis`` backwards until it lies before ``start`` (numpy.rollaxis)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.rollaxis(a, axis, start)
    n = np.ndim(a)
    axis = normalize_axis(axis, n, op="rollaxis")
    start = _index(start, "rollaxis", "start")
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise FuncgradValueError(f"rollaxis: start {start} is out of range for {n} axes")
    if axis < start:
        start -= 1
    perm = [i for i in range(n) if i != axis]
    perm.insert(start, axis)
    return _s.transpose(a, tuple(perm))


def expand_dims(a: Any, axis: Any) -> Any:
    """Insert length-1 axes at positions ``axis`` of the result (numpy.expand_dims)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.expand_dims(a, axis)
    n_new = 1 if np.ndim(axis) == 0 else len(axis)
    return _s.expand_dims(a, tuple(_axis_list(axis, np.ndim(a) + n_new, "expand_dims")))


def squeeze(a: Any, axis: Any = None) -> Any:
    """Remove length-1 axes: all of them, or those in ``axis`` (numpy.squeeze)."""
    a = as_array(a)
    if not is_traced((a,)):
        try:
            return np.squeeze(a, axis)
        except ValueError as e:
            _fail("squeeze", e, a)
    shape = np.shape(a)
    if axis is None:
        return _s.squeeze(a, tuple(i for i, d in enumerate(shape) if d == 1))
    axes = normalize_axes(axis, len(shape), op="squeeze")
    if any(shape[i] != 1 for i in axes):
        raise FuncgradValueError(
            f"squeeze: cannot select an axis to squeeze out which has size not equal to one "
            f"(axis {axis!r}, shape {shape})"
        )
    return _s.squeeze(a, axes)


def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    """Broadcast to ``shape`` (numpy.broadcast_to; untraced: a read-only view)."""
    array = as_array(array)
    if not is_traced((array,)):
        try:
            return np.broadcast_to(array, shape, subok=subok)
        except ValueError as e:
            _fail("broadcast_to", e, array)
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    old = np.shape(array)
    padded = (1,) * (len(shape) - len(old)) + old
    if len(old) > len(shape) or any(o not in (1, n) for o, n in zip(padded, shape, strict=True)):
        raise FuncgradValueError(f"broadcast_to: cannot broadcast shape {old} to shape {shape}")
    return _s.broadcast_to(array, shape)


def broadcast_arrays(*args: Any, subok: bool = False) -> Any:
    """Broadcast arrays against each other; a tuple (numpy.broadcast_arrays)."""
    args = tuple(as_arrays(args))
    if not is_traced(args):
        return np.broadcast_arrays(*args, subok=subok)
    arrays = [_arr(a) for a in args]
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    except ValueError as e:
        _fail("broadcast_arrays", e, *arrays)
    return tuple(_s.broadcast_to(a, shape) for a in arrays)


# --- joining ---------------------------------------------------------------------------


def _cast(arrays: list, dtype: Any) -> list:
    return arrays if dtype is None else [_ew.astype(a, dtype) for a in arrays]


def concatenate(
    arrays: Any, /, axis: int | None = 0, *, dtype: Any = None, casting: Casting = "same_kind"
) -> Any:
    """Join arrays along an existing axis; ``axis=None`` flattens first (numpy.concatenate)."""
    arrays = as_arrays(arrays)
    if not is_traced(arrays):
        try:
            return np.concatenate(arrays, axis=axis, dtype=dtype, casting=casting)
        except ValueError as e:
            _fail("concatenate", e, *arrays)
    xs = _cast([_arr(a) for a in arrays], dtype)
    if axis is None:
        return _s.concatenate([_s.reshape(x, (-1,)) for x in xs], 0)
    if not xs:
        raise FuncgradValueError("concatenate: need at least one array to concatenate")
    if np.ndim(xs[0]) == 0:
        raise FuncgradValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    return _s.concatenate(xs, normalize_axis(axis, np.ndim(xs[0]), op="concatenate"))


def stack(arrays: Any, axis: int = 0, *, dtype: Any = None, casting: Casting = "same_kind") -> Any:
    """Join arrays of equal shapes along a new axis (numpy.stack)."""
    arrays = as_arrays(arrays)
    if not is_traced(arrays):
        try:
            return np.stack(arrays, axis=axis, dtype=dtype, casting=casting)
        except ValueError as e:
            _fail("stack", e, *arrays)
    xs = _cast([_arr(a) for a in arrays], dtype)
    if not xs:
        raise FuncgradValueError("stack: need at least one array to stack")
    shapes = {np.shape(x) for x in xs}
    if len(shapes) != 1:
        raise FuncgradValueError(
            f"stack: all input arrays must have the same shape, got {[x.shape for x in xs]}"
        )
    axis = normalize_axis(axis, np.ndim(xs[0]) + 1, op="stack")
    return _loops.stack(xs, axis)


def hstack(tup: Any, *, dtype: Any = None, casting: Casting = "same_kind") -> Any:
    """Join arrays column-wise: along axis 1, or 0 for 1-d arrays (numpy.hstack)."""
    tup = as_arrays(tup)
    if not is_traced(tup):
        return np.hstack(tup, dtype=dtype, casting=casting)
    xs = [atleast_1d(x) for x in tup]
    return concatenate(xs, 0 if xs and np.ndim(xs[0]) == 1 else 1, dtype=dtype)


def vstack(tup: Any, *, dtype: Any = None, casting: Casting = "same_kind") -> Any:
    """Join arrays row-wise, 1-d arrays as rows (numpy.vstack)."""
    tup = as_arrays(tup)
    if not is_traced(tup):
        return np.vstack(tup, dtype=dtype, casting=casting)
    return concatenate([atleast_2d(x) for x in tup], 0, dtype=dtype)


def dstack(tup: Any) -> Any:
    """Join arrays along the third axis (numpy.dstack)."""
    tup = as_arrays(tup)
    if not is_traced(tup):
        return np.dstack(tup)
    return concatenate([atleast_3d(x) for x in tup], 2)


def column_stack(tup: Any) -> Any:
    """Join 1-d arrays as columns (and 2-d arrays as they are) (numpy.column_stack)."""
    tup = as_arrays(tup)
    if not is_traced(tup):
        return np.column_stack(tup)
    xs = [_arr(x) for x in tup]
    xs = [_s.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x for x in xs]
    return concatenate(xs, 1)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to ``arr`` (flattened when ``axis`` is None) (numpy.append)."""
    arr, values = as_array(arr), as_array(values)
    if not is_traced((arr, values)):
        return np.append(arr, values, axis=axis)
    arr, values = _arr(arr), _arr(values)
    if axis is None:
        arr = arr if np.ndim(arr) == 1 else ravel(arr)
        return concatenate((arr, ravel(values)), np.ndim(arr) - 1)
    return concatenate((arr, values), axis)


# --- at least n-d ----------------------------------------------------------------------


def _atleast(arys: tuple, fun: Any, pad: Any) -> Any:
    if not is_traced(arys):
        return fun(*arys)
    res = []
    for a in arys:
        if isinstance(a, Tracer):
            shape = np.shape(a)
            res.append(_s.reshape(a, pad(shape)) if len(pad(shape)) > len(shape) else a)
        else:
            res.append(fun(a))
    return res[0] if len(res) == 1 else tuple(res)


def atleast_1d(*arys: Any) -> Any:
    """Arrays as at least 1-d; one array or a tuple (numpy.atleast_1d)."""
    arys = tuple(as_arrays(arys))
    return _atleast(arys, np.atleast_1d, lambda s: s or (1,))


def atleast_2d(*arys: Any) -> Any:
    """Arrays as at least 2-d, 1-d arrays as rows (numpy.atleast_2d)."""
    arys = tuple(as_arrays(arys))
    return _atleast(arys, np.atleast_2d, lambda s: ((1,) * (2 - len(s)) + s)[-max(2, len(s)) :])


def atleast_3d(*arys: Any) -> Any:
    """Arrays as at least 3-d: (N,) -> (1, N, 1), (M, N) -> (M, N, 1) (numpy.atleast_3d)."""
    arys = tuple(as_arrays(arys))

    def pad(s: tuple) -> tuple:
        return {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}.get(len(s), s)

    return _atleast(arys, np.atleast_3d, pad)


# --- copies and shape queries ----------------------------------------------------------


def copy(a: Any, order: OrderKACF = "K") -> Any:
    """A copy of ``a`` (numpy.copy); traced values are immutable, so ``a`` itself."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.copy(a, order=order)
    return a


def shape(a: Any) -> tuple[int, ...]:
    """The shape of ``a`` (numpy.shape); works on traced values, no derivative."""
    return np.shape(a)


def ndim(a: Any) -> int:
    """The number of axes of ``a`` (numpy.ndim); works on traced values."""
    return np.ndim(a)


def size(a: Any, axis: int | None = None) -> int:
    """The number of elements of ``a``, or along ``axis`` (numpy.size)."""
    return np.size(a, axis)
