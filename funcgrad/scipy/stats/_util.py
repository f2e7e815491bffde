"""Argument promotion shared by the distributions. Imports core's tracer type only."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.trace import Tracer


def promote(*args: Any) -> tuple[Any, ...]:
    """The arguments, non-traced ones as arrays of their common float dtype.

    numpy's rule with Python scalars weak: float32 arrays with scalar ``loc=0, scale=1``
    stay float32; integer inputs become float64. Traced arguments are left as they are.
    """
    probes = [np.empty((), a.dtype) if hasattr(a, "dtype") else a for a in args]
    probes = [np.asarray(p) if isinstance(p, (list, tuple)) else p for p in probes]
    dtype = np.result_type(*probes, 0.0)
    return tuple(a if isinstance(a, Tracer) else np.asarray(a, dtype=dtype) for a in args)
