"""Argument promotion shared by the distributions. Imports core's tracer type only."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.trace import Tracer


def promote(*args: Any) -> tuple[Any, ...]:
    """The arguments, non-traced ones as arrays of their common float dtype.

    The dtype is that of the float arguments, with Python scalars weak (numpy's rule) and
    integer arrays not counted (JAX's rule: integer counts ``k`` with float32 ``mu`` give
    float32); float64 if no argument is a float array. Traced arguments stay as they are.
    """
    dtypes = [np.asarray(a).dtype if isinstance(a, (list, tuple)) else a for a in args]
    dtypes = [getattr(d, "dtype", d) for d in dtypes]
    floats = [np.empty((), d) for d in dtypes if isinstance(d, np.dtype) and d.kind in "fc"]
    dtype = np.result_type(*floats, 0.0) if floats else np.dtype(np.float64)
    return tuple(a if isinstance(a, Tracer) else np.asarray(a, dtype=dtype) for a in args)
