"""Array creation in funcgrad.numpy: constants (zero derivative) and ``array``/``asarray``,
which stack traced elements differentiably.

Imports core and the primitives layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import FuncgradNotImplementedError
from ..core.trace import is_traced
from ..primitives import shape as _shape
from ..primitives._literals import MeshIndexing
from ._convert import as_array, as_arrays, build, contains_tracer


def array(object: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    """Create an array (numpy.array); nested lists may hold traced values (stacked)."""
    if not contains_tracer(object):
        return np.array(object, dtype=dtype, copy=copy, ndmin=ndmin)
    out = build(object, dtype)
    if out.ndim < ndmin:
        out = _shape.reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def asarray(a: Any, dtype: Any = None) -> Any:
    """Convert to an array without copying (numpy.asarray); traced values pass through."""
    if not contains_tracer(a):
        return np.asarray(a, dtype=dtype)
    return build(a, dtype)


def zeros_like(a: Any, dtype: Any = None) -> Any:
    """Zeros with the shape (and dtype) of ``a`` (numpy.zeros_like); zero derivative."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.zeros_like(a, dtype=dtype)
    return _shape.zeros_like(a, dtype)


def ones_like(a: Any, dtype: Any = None) -> Any:
    """Ones with the shape (and dtype) of ``a`` (numpy.ones_like); zero derivative."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.ones_like(a, dtype=dtype)
    return _shape.ones_like(a, dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``a``'s shape filled with ``fill_value`` (numpy.full_like); differentiable in it."""
    a, fill_value = as_array(a), as_array(fill_value)
    if not is_traced((a, fill_value)):
        return np.full_like(a, fill_value, dtype=dtype)
    return _shape.full_like(a, fill_value, dtype)


def zeros(shape: Any, dtype: Any = float) -> np.ndarray:
    """Zeros of ``shape`` (numpy.zeros)."""
    return np.zeros(shape, dtype=dtype)


def ones(shape: Any, dtype: Any = float) -> np.ndarray:
    """Ones of ``shape`` (numpy.ones)."""
    return np.ones(shape, dtype=dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``shape`` filled with ``fill_value`` (numpy.full); differentiable in ``fill_value``."""
    if not is_traced((fill_value,)):
        return np.full(shape, fill_value, dtype=dtype)
    return _shape.full_like(np.zeros(shape, dtype=dtype or fill_value.dtype), fill_value)


def empty(shape: Any, dtype: Any = float) -> np.ndarray:
    """An uninitialised array (numpy.empty); funcgrad never writes into it."""
    return np.empty(shape, dtype=dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float) -> np.ndarray:
    """Ones on the ``k``-th diagonal (numpy.eye)."""
    return np.eye(N, M, k, dtype=dtype)


def identity(n: int, dtype: Any = float) -> np.ndarray:
    """The ``n`` x ``n`` identity (numpy.identity)."""
    return np.identity(n, dtype=dtype)


def arange(*args: Any, **kwargs: Any) -> np.ndarray:
    """Evenly spaced values in an interval (numpy.arange); zero derivative."""
    return np.arange(*args, **kwargs)


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (numpy.linspace)."""
    start, stop = as_array(start), as_array(stop)
    if not is_traced((start, stop)):
        # numpy's stubs overload on ``retstep`` as Literal[True] or [False]; a bool is neither
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)  # type: ignore[call-overload]
    if retstep or axis != 0 or np.ndim(start) or np.ndim(stop):
        raise FuncgradNotImplementedError(
            "linspace with traced endpoints supports scalar start/stop, axis=0 and "
            f"retstep=False (got start shape {np.shape(start)}, stop shape {np.shape(stop)}, "
            f"axis={axis}, retstep={retstep}); build other forms as start + (stop - start) * t"
        )
    div = (num - 1) if endpoint else num
    dt = np.result_type(*(getattr(v, "dtype", np.float64) for v in (start, stop)), 1.0)
    steps = (np.arange(num, dtype=float) / (div if div > 0 else 1)).astype(dt)
    out = start + (stop - start) * steps
    return out if dtype is None else out.astype(dtype)


def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10.0,
    dtype: Any = None,
    axis: int = 0,
) -> np.ndarray:
    """Numbers spaced evenly on a log scale (numpy.logspace); zero derivative."""
    return np.logspace(start, stop, num, endpoint, base, dtype, axis)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = float) -> np.ndarray:
    """Ones at and below the ``k``-th diagonal (numpy.tri)."""
    return np.tri(N, M, k, dtype=dtype)


def meshgrid(*xi: Any, indexing: MeshIndexing = "xy") -> Sequence[Any]:
    """Coordinate matrices from coordinate vectors (numpy.meshgrid, copy semantics).

    Untraced, numpy's own result (a tuple since numpy 2); traced, a list.
    """
    xi = tuple(as_arrays(xi))
    if not is_traced(xi):
        return np.meshgrid(*xi, indexing=indexing)
    n = len(xi)
    shapes = [np.size(x) for x in xi]
    if indexing == "xy" and n >= 2:
        shapes[0], shapes[1] = shapes[1], shapes[0]
    out = []
    for i, x in enumerate(xi):
        shape = [1] * n
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        shape[pos] = np.size(x)
        out.append(_shape.broadcast_to(_shape.reshape(x, tuple(shape)), tuple(shapes)))
    return out
