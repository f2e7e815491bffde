"""The control family: ``unstack``, the split along an axis that ``scan`` iterates over.

``scan`` (transforms/control_flow.py) is a Python loop of ordinary primitives. What it needs from
this layer is one primitive that splits an array into all its slices at once: a single
node whose VJP stacks the slice cotangents once (O(size)), where T separate index
operations would each build a full-size, zero-padded cotangent (O(T * size) for a
sequence of length T). Imports core and the shape family only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .shape import concatenate, expand_dims

# --- unstack -------------------------------------------------------------------------


def _unstack_impl(x, *, axis):
    return tuple(np.moveaxis(x, axis, 0) if axis else x)  # views, no copies


def _unstack_vjp(out_bar, out, x, *, axis):
    del out, x
    return [concatenate([expand_dims(c, axis) for c in out_bar], axis)]


def _unstack_batch(axis_size, args, dims, *, axis):
    (x,), (d,) = args, dims
    a = axis + 1 if d <= axis else axis  # the split axis in the batched array
    outs = unstack_p.bind(x, axis=a)
    return outs, [d if d < a else d - 1] * len(outs)


unstack_p = Primitive("unstack", _unstack_impl, multiple_results=True)
VJP.define_joint(unstack_p, _unstack_vjp)
JVP.define_linear(unstack_p)
BATCH.define(unstack_p, _unstack_batch)


def unstack(x: Any, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis`` (non-negative), as a tuple, from one node."""
    if np.shape(x)[axis] == 0:
        return ()
    return tuple(unstack_p.bind(x, axis=int(axis)))
