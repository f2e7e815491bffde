"""The control family: ``unstack`` and ``stack``, the split along an axis that ``scan``
iterates over and the join of its per-step outputs.

``scan`` (transforms/control_flow.py) is a Python loop of ordinary primitives. What it needs from
this layer is one primitive that splits an array into all its slices at once: a single
node whose VJP stacks the slice cotangents once (O(size)), where T separate index
operations would each build a full-size, zero-padded cotangent (O(T * size) for a
sequence of length T). ``stack`` is its transpose, also one node: the T outputs of an
eager scan join in one primitive (not T reshapes and a concatenate), and the VJP of each
is the other. Imports core and the shape family only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .shape import _bdim_front, broadcast_to

# --- unstack -------------------------------------------------------------------------


def _unstack_impl(x, *, axis):
    return tuple(np.moveaxis(x, axis, 0) if axis else x)  # views, no copies


def _unstack_vjp(out_bar, out, x, *, axis):
    del out, x
    return [stack(out_bar, axis)]


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


# --- stack ---------------------------------------------------------------------------


def _stack_vjp(out_bar, out, *xs, axis):
    del out, xs
    return list(unstack(out_bar, axis))


def _stack_batch(axis_size, args, dims, *, axis):
    xs = [
        broadcast_to(x, (axis_size, *np.shape(x))) if d is None else _bdim_front(x, d)
        for x, d in zip(args, dims, strict=True)
    ]
    return stack_p.bind(*xs, axis=axis + 1), 0


stack_p = Primitive("stack", lambda *xs, axis: np.stack(xs, axis=axis))
VJP.define_joint(stack_p, _stack_vjp)
JVP.define_linear(stack_p)
BATCH.define(stack_p, _stack_batch)


def stack(xs: Any, axis: int = 0) -> Any:
    """Join arrays of one shape and dtype along a new axis ``axis`` (non-negative)."""
    return stack_p.bind(*xs, axis=int(axis))
