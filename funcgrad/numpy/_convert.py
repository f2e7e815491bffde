"""Argument conversion shared by every funcgrad.numpy function: numpy's array_like.

numpy accepts nested lists and tuples wherever it takes an array; so does funcgrad.numpy,
also when the lists hold traced values (``fnp.mean([a, b])`` inside ``grad``): ``as_array``
stacks them differentiably. Anything else passes through unchanged, so with no tracer in
sight numpy still receives the user's own argument (bitwise-equal results). Imports core
and the shape family only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.trace import Tracer
from ..primitives import elementwise as _ew, shape as _shape


def contains_tracer(obj: Any) -> bool:
    """True if ``obj`` is a tracer or a (nested) list/tuple holding one."""
    if isinstance(obj, Tracer):
        return True
    if type(obj) is list or type(obj) is tuple:
        return any(contains_tracer(o) for o in obj)
    return False


def build(obj: Any, dtype: Any = None) -> Any:
    """``obj`` (nested lists/tuples of arrays, scalars and tracers) as one stacked array."""
    if type(obj) is list or type(obj) is tuple:
        parts = [build(o, dtype) for o in obj]
        if not parts:
            return np.asarray(obj, dtype=dtype)
        shapes = {np.shape(p) for p in parts}
        if len(shapes) != 1:
            from ..core.errors import FuncgradValueError

            raise FuncgradValueError(
                "setting an array element with a sequence: the nested sequence is ragged "
                f"(element shapes {sorted(shapes)}); give every element the same shape"
            )
        if not any(isinstance(p, Tracer) for p in parts):
            return np.asarray(parts, dtype=dtype)
        dt = np.result_type(*(p.dtype for p in parts)) if dtype is None else np.dtype(dtype)
        parts = [_ew.astype(p, dt) for p in parts]
        return _shape.concatenate([_shape.expand_dims(p, (0,)) for p in parts], 0)
    if isinstance(obj, Tracer):
        return obj if dtype is None else _ew.astype(obj, dtype)
    return np.asarray(obj, dtype=dtype)


def as_array(x: Any) -> Any:
    """``x`` unchanged, unless it is a list/tuple holding tracers: then stacked (traced)."""
    if (type(x) is list or type(x) is tuple) and contains_tracer(x):
        return build(x)
    return x


def as_arrays(seq: Any) -> Any:
    """A sequence of array arguments (``concatenate``'s ``arrays``), each ``as_array``."""
    if (type(seq) is list or type(seq) is tuple) and contains_tracer(seq):
        return [as_array(x) for x in seq]
    return seq
