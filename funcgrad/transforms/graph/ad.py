"""Transformations of whole graphs: their VJP split into forward and backward, their JVP,
and their batched form.

Each traces the transformation applied to ``eval_graph`` (so the primitives' own rules
do the work) into a new graph. ``vjp_graph`` then splits the traced forward-and-backward
program by dependence on the cotangents: equations that do not depend on them form the
forward graph, which also returns the **residuals** (the values the backward equations
read); the rest form the backward graph, a function of the residuals and the cotangents.
This is how ``grad(jit(f))`` runs a compiled forward and a compiled backward, and how the
VJP of a loop is a reverse loop over its body's backward graph.
Imports core, tree and the other transformations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...core.avals import ShapedArray
from ...core.graph import Graph, Literal, Var, eval_graph
from .._common import substitute
from ..batching import vmap
from ..forward import jvp_flat
from ..reverse import vjp_flat
from .passes import optimize
from .trace import trace_flat


def float_positions(avals: Sequence[ShapedArray | None]) -> list[int]:
    """Positions of the avals that carry derivatives (real and complex floats)."""
    return [i for i, a in enumerate(avals) if a is not None and a.dtype.kind in "fc"]


def _strong(a: ShapedArray) -> ShapedArray:
    return ShapedArray(a.shape, a.dtype)


class SplitVJP:
    """``forward(*inputs) -> (*outputs, *residuals)`` and
    ``backward(*residuals, *out_bars) -> in_bars``.

    ``diff_in``: the inputs that get a cotangent (float ones), in order; ``diff_out``: the
    outputs whose cotangents ``backward`` takes; ``n_out``, ``n_res``: counts.
    """

    __slots__ = ("backward", "diff_in", "diff_out", "forward", "n_out", "n_res")

    def __init__(self, forward: Graph, backward: Graph, diff_in: list[int],
                 diff_out: list[int], n_out: int, n_res: int) -> None:  # fmt: skip
        self.forward, self.backward = forward, backward
        self.diff_in, self.diff_out = diff_in, diff_out
        self.n_out, self.n_res = n_out, n_res


def vjp_graph(graph: Graph) -> SplitVJP:
    """The VJP of ``graph``, split into a forward graph with residuals and a backward graph."""
    n_in, n_out = len(graph.invars), len(graph.outvars)
    diff_in = float_positions(graph.in_avals)
    diff_out = float_positions(graph.out_avals)

    def combined(*xs: Any) -> list:
        primals, cts = xs[:n_in], xs[n_in:]

        def of_diff(*d: Any) -> tuple[list, None]:
            return eval_graph(graph, graph.consts, substitute(primals, diff_in, d)), None

        outs, pullback, _ = vjp_flat(of_diff, [primals[i] for i in diff_in])
        full: list[Any] = [None] * n_out
        for j, c in zip(diff_out, cts, strict=True):
            full[j] = c
        bars = pullback(full)
        return list(outs) + [
            _zeros(graph.invars[i].aval) if b is None else b
            for i, b in zip(diff_in, bars, strict=True)
        ]

    out_avals = graph.out_avals
    ct_avals = [_strong(out_avals[j]) for j in diff_out]
    joint = trace_flat(combined, [*graph.in_avals, *ct_avals]).graph
    primal_in, ct_in = joint.invars[:n_in], joint.invars[n_in:]

    depends = set(ct_in)
    forward_eqns, backward_eqns = [], []
    for eqn in joint.eqns:
        if any(isinstance(a, Var) and a in depends for a in eqn.inputs):
            backward_eqns.append(eqn)
            depends.update(eqn.outputs)
        else:
            forward_eqns.append(eqn)
    outs, bars = joint.outvars[:n_out], joint.outvars[n_out:]
    consts = set(joint.constvars)
    residuals: list[Var] = []
    seen: set[Var] = set()
    for a in [a for e in backward_eqns for a in e.inputs] + list(bars):
        if isinstance(a, Var) and a not in depends and a not in consts and a not in seen:
            seen.add(a)
            residuals.append(a)
    forward = Graph(primal_in, joint.constvars, joint.consts, forward_eqns, [*outs, *residuals])
    backward = Graph(
        [*residuals, *ct_in], joint.constvars, joint.consts, backward_eqns, list(bars)
    )
    return SplitVJP(
        optimize(forward), optimize(backward), diff_in, diff_out, n_out, len(residuals)
    )


def jvp_graph(graph: Graph) -> tuple[Graph, list[int], list[int]]:
    """``(J, diff_in, diff_out)``: ``J(*inputs, *tangents) -> (*outputs, *out_tangents)``
    with tangents for the float inputs ``diff_in`` and out-tangents for ``diff_out``."""
    n_in = len(graph.invars)
    diff_in = float_positions(graph.in_avals)
    diff_out = float_positions(graph.out_avals)

    def combined(*xs: Any) -> list:
        primals, tangents = xs[:n_in], xs[n_in:]

        def of_diff(*d: Any) -> list:
            return eval_graph(graph, graph.consts, substitute(primals, diff_in, d))

        outs, out_dots = jvp_flat(of_diff, [primals[i] for i in diff_in], list(tangents))
        return list(outs) + [out_dots[j] for j in diff_out]

    t_avals = [_strong(graph.invars[i].aval) for i in diff_in]
    traced = trace_flat(combined, [*graph.in_avals, *t_avals]).graph
    return optimize(traced), diff_in, diff_out


def batch_graph(graph: Graph, dims: Sequence[int | None], size: int) -> Graph:
    """``graph`` over inputs batched along ``dims`` (None: unbatched); every output is
    batched along axis 0."""
    avals = []
    for a, d in zip(graph.in_avals, dims, strict=True):
        if d is None:
            avals.append(a)
        else:
            shape = list(a.shape)
            shape.insert(d, size)
            avals.append(ShapedArray(shape, a.dtype))

    def combined(*xs: Any) -> list:
        def one(*ys: Any) -> list:
            return eval_graph(graph, graph.consts, ys)

        return list(vmap(one, in_axes=tuple(dims), out_axes=0, axis_size=size)(*xs))

    return optimize(trace_flat(combined, avals).graph)


def _zeros(aval: ShapedArray) -> Any:
    return np.zeros(aval.shape, aval.dtype)


def is_literal(a: Any) -> bool:
    return isinstance(a, Literal)
