"""Reductions: sum (and ``unbroadcast``, the one place broadcasting is undone).

Each primitive is followed by its registration block. Imports core, ``_axes`` and the
shape family.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from ._axes import Axes, shift_axes
from .shape import _bdim_front, broadcast_to, expand_dims, reshape

# --- sum -----------------------------------------------------------------------------


def _sum_vjp(out_bar, out, x, *, axis, keepdims):
    del out
    if not keepdims:
        out_bar = expand_dims(out_bar, axis)
    return broadcast_to(out_bar, x.shape)


def _sum_batch(axis_size, args, dims, *, axis, keepdims):
    del axis_size
    (x,), (d,) = args, dims
    x = _bdim_front(x, d)
    return sum_(x, axis=shift_axes(axis), keepdims=keepdims), 0


sum_p = Primitive("sum", lambda x, *, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims))
VJP.define(sum_p, _sum_vjp)
JVP.define_linear(sum_p)
BATCH.define(sum_p, _sum_batch)


def sum_(x: Any, axis: Axes, keepdims: bool = False) -> Any:
    """Sum over ``axis`` (a sorted tuple of non-negative ints)."""
    return sum_p.bind(x, axis=tuple(axis), keepdims=keepdims)


def unbroadcast(x_bar: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``x_bar`` over the axes that broadcasting added or stretched to reach ``shape``."""
    xs = x_bar.shape
    lead = len(xs) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and xs[i + lead] != 1
    )
    if axes:
        x_bar = sum_(x_bar, axes)
    return reshape(x_bar, shape)
