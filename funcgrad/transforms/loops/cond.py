"""``cond_p``: choose one of two branch graphs by a predicate, and its rules.

Arguments ``(pred, *operands)``; param ``branches = (true_graph, false_graph)``, both
functions of all the operands with the same output avals (the front end makes the
branches' closed-over values operands of both). Rules: forward mode chooses between the
branches' JVPs; reverse mode records the choice and its VJP chooses between the branches'
full VJPs (the chosen branch runs again in the backward pass); ``vmap`` with a batched
predicate runs both branches and selects with ``where``, with an unbatched one it chooses
between the batched branches; graph tracing records one equation, and code generation
writes a Python ``if``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.graph import Graph, eval_graph
from ...core.rules import VJP
from ...primitives.elementwise import where
from ...primitives.shape import zeros_like
from .._common import substitute, unwrap
from ..batching import BatchTrace, BatchTracer
from ..forward import JVPTrace
from ..graph.ad import batch_graph, float_positions, jvp_graph
from ..graph.codegen import EMITTERS, Emitter
from ..graph.passes import optimize
from ..graph.trace import GraphTrace, trace_flat
from ..reverse import ReverseTrace, parents_of, vjp_flat
from ._common import LoopPrimitive, compiled, strong


def _cond_loop(pred, *operands, branches):
    chosen = branches[0] if bool(np.asarray(pred)) else branches[1]
    return [np.asarray(o) for o in compiled(chosen)(*operands)]


cond_p = LoopPrimitive("cond", _cond_loop)


def bind_cond(pred: Any, operands: Sequence[Any], branches: Sequence[Graph]) -> list:
    return cond_p.bind_loop(pred, *operands, branches=tuple(branches))


def _cond_forward(trace: JVPTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    (pred, *ops), (_, *tangents) = unwrap(trace, args)
    jvps = [jvp_graph(b) for b in params["branches"]]
    diff_in, diff_out = jvps[0][1], jvps[0][2]
    dots = [zeros_like(ops[i]) if tangents[i] is None else tangents[i] for i in diff_in]
    outs = bind_cond(pred, [*ops, *dots], [j[0] for j in jvps])
    n_out = len(params["branches"][0].outvars)
    by_out = dict(zip(diff_out, outs[n_out:], strict=True))
    return [trace.wrap(o, by_out.get(j)) for j, o in enumerate(outs[:n_out])]


def _cond_reverse(trace: ReverseTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    vals, parents = parents_of(trace, args)
    outs = bind_cond(vals[0], vals[1:], params["branches"])
    return trace.record(cond_p, _COND_RULE, dict(params), vals, outs, parents)


def _full_vjp_graph(branch: Graph) -> tuple[Graph, list[int], list[int]]:
    """``(*operands, *cts) -> bars`` of a branch (its forward recomputed)."""
    if "full_vjp" in branch.cache:
        return branch.cache["full_vjp"]
    n_in = len(branch.invars)
    diff_in, diff_out = float_positions(branch.in_avals), float_positions(branch.out_avals)

    def full(*xs: Any) -> list:
        primals, cts = xs[:n_in], xs[n_in:]

        def of_diff(*d: Any) -> tuple[list, None]:
            return eval_graph(branch, branch.consts, substitute(primals, diff_in, d)), None

        _, pullback, _ = vjp_flat(of_diff, [primals[i] for i in diff_in])
        ct_full: list[Any] = [None] * len(branch.outvars)
        for j, c in zip(diff_out, cts, strict=True):
            ct_full[j] = c
        return [
            np.zeros(branch.invars[i].aval.shape, branch.invars[i].aval.dtype) if b is None else b
            for i, b in zip(diff_in, pullback(ct_full), strict=True)
        ]

    out_avals = branch.out_avals
    ct_avals = [strong(out_avals[j]) for j in diff_out]
    graph = optimize(trace_flat(full, [*branch.in_avals, *ct_avals]).graph)
    branch.cache["full_vjp"] = (graph, diff_in, diff_out)
    return branch.cache["full_vjp"]


def _cond_vjp(out_bar, out, pred, *ops, branches):
    del out
    vjps = [_full_vjp_graph(b) for b in branches]
    diff_in, diff_out = vjps[0][1], vjps[0][2]
    bars = bind_cond(pred, [*ops, *(out_bar[j] for j in diff_out)], [v[0] for v in vjps])
    result: list[Any] = [None] * (1 + len(ops))
    for i, b in zip(diff_in, bars, strict=True):
        result[1 + i] = b
    return result


VJP.define_joint(cond_p, _cond_vjp)
_COND_RULE = VJP.lookup(cond_p)


def _cond_batch(trace: BatchTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    branches = params["branches"]
    (pred, *ops), (pred_dim, *dims) = unwrap(trace, args)
    if pred_dim is not None:  # a batched choice: both branches, then a select
        operands = args[1:]
        t = eval_graph(branches[0], branches[0].consts, operands)
        f = eval_graph(branches[1], branches[1].consts, operands)
        return [where(args[0], a, b) for a, b in zip(t, f, strict=True)]
    size = trace.axis_size
    key = ("batch", tuple(dims), size)
    batched = []
    for b in branches:
        if key not in b.cache:
            b.cache[key] = batch_graph(b, dims, size)
        batched.append(b.cache[key])
    return [BatchTracer(trace, o, 0) for o in bind_cond(pred, ops, batched)]


def _cond_record(trace: GraphTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    pairs = [trace.atom(a) for a in args]
    atoms, known = [a for a, _ in pairs], [k for _, k in pairs]
    avals = [strong(v.aval) for v in params["branches"][0].outvars]
    outs: list[Any] = [None] * len(avals)
    if all(k is not None for k in known):
        outs = fun(*known)
    return list(trace.emit(cond_p, atoms, dict(params), avals, outs))


def _emit_cond(em: Emitter, eqn: Any) -> None:
    true_fn, false_fn = (em.const(compiled(b), "branch") for b in eqn.params["branches"])
    pred, *ops = (em.use(a) for a in eqn.inputs)
    outs = [em.var(v) for v in eqn.outputs]
    lhs = ", ".join(outs) + ("," if len(outs) == 1 else "")
    args = ", ".join(ops)
    em.line(f"if {pred}:")
    em.line(f"    {lhs} = {true_fn}({args})")
    em.line("else:")
    em.line(f"    {lhs} = {false_fn}({args})")


ReverseTrace.call_handlers[cond_p] = _cond_reverse
JVPTrace.call_handlers[cond_p] = _cond_forward
BatchTrace.call_handlers[cond_p] = _cond_batch
GraphTrace.call_handlers[cond_p] = _cond_record
EMITTERS[cond_p] = _emit_cond
