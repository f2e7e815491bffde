"""Factories for the elementwise families: write a derivative once, get VJP, JVP, batching.

``define_unary(name, impl, deriv)`` and ``define_binary(name, impl, d_x, d_y)`` take the
partial derivatives as functions of the primal inputs and output; a derivative may also be
the constant ``1`` or ``-1`` (no multiply) or ``None`` (zero: piecewise constant or not
differentiable). Complex values follow JAX's convention: the VJP is the transpose of the
JVP, so both multiply by the same derivative (no conjugation; ``grad`` of a real function
of ``z`` is ``dL/dRe - i dL/dIm``). Imports core and the shape family.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .shape import move_axis, reshape

Deriv = Callable[..., Any] | int | None


def elementwise_batch(prim: Primitive) -> Callable[..., tuple[Any, int]]:
    """Batching rule for an elementwise primitive of any arity (numpy broadcasting)."""

    def rule(axis_size: int, args: list, dims: list, **params: Any) -> tuple[Any, int]:
        del axis_size
        if len(args) == 1:
            return prim.bind(args[0], **params), dims[0]
        ndims = [np.ndim(a) - (d is not None) for a, d in zip(args, dims, strict=True)]
        rank = max(ndims)
        moved = []
        for a, d, n in zip(args, dims, ndims, strict=True):
            if d is None:
                moved.append(a)
                continue
            if d != 0:
                a = move_axis(a, d, 0)
            if n < rank:
                shape = a.shape
                a = reshape(a, (shape[0],) + (1,) * (rank - n) + tuple(shape[1:]))
            moved.append(a)
        return prim.bind(*moved, **params), 0

    return rule


def _times(d: Deriv, arity: int) -> Callable[..., Any]:
    """A rule multiplying the linear input by the derivative ``d`` (fixed arity: fast).

    The same rule serves as VJP and JVP: elementwise multiplication is its own transpose
    under JAX's complex convention.
    """
    if d == 1:
        return lambda lin, out, *args, **params: lin
    if d == -1:
        return lambda lin, out, *args, **params: -lin
    assert callable(d)
    if arity == 1:
        return lambda lin, out, x: lin * d(x, out)
    return lambda lin, out, x, y: lin * d(x, y, out)


def zero_rule(lin: Any, out: Any, *args: Any, **params: Any) -> None:
    """A per-input rule for an input whose derivative is identically zero."""
    del lin, out, args, params


def define_unary(name: str, impl: Callable[..., Any], deriv: Deriv) -> Primitive:
    """An elementwise primitive of one array; ``deriv(x, out)`` is d out / d x."""
    prim = Primitive(name, impl)
    if deriv is None:
        VJP.define_zero(prim)
        JVP.define_zero(prim)
    else:
        rule = _times(deriv, 1)
        VJP.define(prim, rule)
        JVP.define(prim, rule)
    BATCH.define(prim, elementwise_batch(prim))
    return prim


def define_binary(name: str, impl: Callable[..., Any], d_x: Deriv, d_y: Deriv) -> Primitive:
    """An elementwise (broadcasting) primitive of two arrays; ``d_x(x, y, out)`` etc."""
    prim = Primitive(name, impl)
    if d_x is None and d_y is None:
        VJP.define_zero(prim)
        JVP.define_zero(prim)
    else:
        rules = tuple(zero_rule if d is None else _times(d, 2) for d in (d_x, d_y))
        VJP.define(prim, *rules)
        JVP.define(prim, *rules)
    BATCH.define(prim, elementwise_batch(prim))
    return prim
