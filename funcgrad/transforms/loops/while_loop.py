"""``while_p``: loop a body graph while a condition graph holds, and its rules.

Arguments ``(*cond_consts, *body_consts, *init)``; params ``cond`` (``consts, carry ->
pred``), ``body`` (``consts, carry -> carry``), ``n_cond``, ``n_body``. Forward mode
carries the tangents in the loop (the condition reads the primal values); ``vmap`` with a
batched condition loops while any element's holds and keeps the finished ones with
``where``; reverse mode is refused (the number of steps is only known at run time), as in
JAX: use ``scan`` or ``fori_loop`` with concrete bounds. Graph tracing records one
equation; code generation writes a Python ``while``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.errors import FuncgradTypeError
from ...core.graph import Graph, eval_graph
from ...core.rules import VJP
from ...primitives.elementwise import where
from ...primitives.reductions import any_
from ...primitives.shape import move_axis, reshape, zeros_like
from .._common import unwrap
from ..batching import BatchTrace, BatchTracer
from ..forward import JVPTrace
from ..graph.ad import batch_graph, jvp_graph
from ..graph.codegen import EMITTERS, Emitter
from ..graph.trace import GraphTrace
from ..reverse import ReverseTrace
from ._common import (
    LoopPrimitive,
    aval_of,
    batched_front,
    compiled,
    reorder,
    strong,
    trace_body,
)


def _while_loop(*args, cond, body, n_cond, n_body):
    cond_consts, body_consts = args[:n_cond], args[n_cond : n_cond + n_body]
    carry = list(args[n_cond + n_body :])
    test, step = compiled(cond), compiled(body)
    while bool(np.asarray(test(*cond_consts, *carry)[0])):
        carry = list(step(*body_consts, *carry))
    return [np.asarray(c) for c in carry]


while_p = LoopPrimitive("while", _while_loop)


def bind_while(cond_consts, body_consts, init, cond: Graph, body: Graph) -> list:
    return while_p.bind_loop(
        *cond_consts, *body_consts, *init,
        cond=cond, body=body, n_cond=len(cond_consts), n_body=len(body_consts),
    )  # fmt: skip


def _split(args: Sequence[Any], n_cond: int, n_body: int) -> tuple[list, list, list]:
    args = list(args)
    return args[:n_cond], args[n_cond : n_cond + n_body], args[n_cond + n_body :]


def _while_reverse(trace, fun, args, params):
    raise FuncgradTypeError(
        "while_loop cannot be differentiated in reverse mode (grad, vjp, jacrev): its number "
        "of steps is known only when it runs, so nothing can be stored for the backward "
        "pass (JAX refuses too). Use fg.scan, or fg.fori_loop with concrete bounds, or "
        "forward mode (jvp, jacfwd)."
    )


VJP.define_zero(while_p)  # never used: the reverse handler refuses first


def _while_forward(trace: JVPTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    vals, tangents = unwrap(trace, args)
    n_c, n_b = params["n_cond"], params["n_body"]
    cond, body = params["cond"], params["body"]
    cc, bc, init = _split(vals, n_c, n_b)
    _, bct, init_t = _split(tangents, n_c, n_b)
    key = "jvp"
    if key not in body.cache:
        graph, diff_in, diff_out = jvp_graph(body)
        n_in = len(body.invars)
        t = {i: n_in + k for k, i in enumerate(diff_in)}
        # (body consts, their tangents; carry, its tangents) -> (carry, its tangents)
        ins = [*range(n_b), *(t[i] for i in diff_in if i < n_b),
               *range(n_b, n_in), *(t[i] for i in diff_in if i >= n_b)]  # fmt: skip
        body.cache[key] = (reorder(graph, ins, range(len(graph.outvars))), diff_in, diff_out)
    jbody, diff_in, diff_out = body.cache[key]
    full, full_t = [*bc, *init], [*bct, *init_t]
    dots = {i: zeros_like(full[i]) if full_t[i] is None else full_t[i] for i in diff_in}
    c_dots = [dots[i] for i in diff_in if i < n_b]
    h_dots = [dots[i] for i in diff_in if i >= n_b]
    n_h = len(init)
    # the condition reads only the primal carry: it ignores the tangents that follow
    jcond = _ignoring_tangents(cond, len(h_dots))
    outs = bind_while(cc, [*bc, *c_dots], [*init, *h_dots], jcond, jbody)
    by_out = dict(zip(diff_out, outs[n_h:], strict=True))
    return [trace.wrap(o, by_out.get(j)) for j, o in enumerate(outs[:n_h])]


def _ignoring_tangents(cond: Graph, n_extra: int) -> Graph:
    key = ("ignore", n_extra)
    if key not in cond.cache:
        avals = [*cond.in_avals, *(strong(v.aval) for v in cond.invars[-n_extra:] if n_extra)]
        n = len(cond.invars)
        body = trace_body(lambda *xs: eval_graph(cond, cond.consts, xs[:n]), avals[: n + n_extra])
        cond.cache[key] = body.graph
    return cond.cache[key]


def _while_batch(trace: BatchTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    # Every element loops while any element's condition holds; finished ones keep their
    # carry (a select on their own condition), so each gets the result of its own loop.
    del fun
    n_c, n_b, size = params["n_cond"], params["n_body"], trace.axis_size
    cond, body = params["cond"], params["body"]
    vals, dims = unwrap(trace, args)
    cc, bc, init = _split(vals, n_c, n_b)
    ccd, bcd, hd = _split(dims, n_c, n_b)
    cc = [c if d is None else move_axis(c, d, 0) for c, d in zip(cc, ccd, strict=True)]
    bc = [c if d is None else move_axis(c, d, 0) for c, d in zip(bc, bcd, strict=True)]
    init = [batched_front(h, d, size) for h, d in zip(init, hd, strict=True)]
    c_dims = [None if d is None else 0 for d in ccd]
    b_dims = [None if d is None else 0 for d in bcd]
    n_h = len(init)
    bcond = batch_graph(cond, [*c_dims, *([0] * n_h)], size)
    bbody = batch_graph(body, [*b_dims, *([0] * n_h)], size)
    c_avals, b_avals, h_avals = ([aval_of(x) for x in group] for group in (cc, bc, init))

    def any_pred(*xs: Any) -> list:
        per = eval_graph(bcond, bcond.consts, xs)[0]
        return [any_(per, tuple(range(np.ndim(per))))]

    def step(*xs: Any) -> list:
        c_consts, b_consts, carry = xs[:n_c], xs[n_c : n_c + n_b], xs[n_c + n_b :]
        go = eval_graph(bcond, bcond.consts, [*c_consts, *carry])[0]
        new = eval_graph(bbody, bbody.consts, [*b_consts, *carry])
        return [
            where(_expand(go, n), a, b) for a, b, n in zip(new, carry, _ranks(carry), strict=True)
        ]

    test = trace_body(any_pred, [*c_avals, *h_avals]).graph
    loop = trace_body(step, [*c_avals, *b_avals, *h_avals]).graph
    outs = bind_while(cc, [*cc, *bc], init, test, loop)
    return [BatchTracer(trace, o, 0) for o in outs]


def _expand(pred: Any, rank: int) -> Any:
    """``pred`` of shape (B,) against a carry of rank 1 + ``rank`` - 1 (batch first)."""
    extra = rank - np.ndim(pred)
    return reshape(pred, (*np.shape(pred), *([1] * extra))) if extra > 0 else pred


def _ranks(carry: Sequence[Any]) -> list[int]:
    return [len(aval_of(c).shape) for c in carry]


def _while_record(trace: GraphTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    pairs = [trace.atom(a) for a in args]
    atoms, known = [a for a, _ in pairs], [k for _, k in pairs]
    avals = [strong(v.aval) for v in params["body"].outvars]
    outs: list[Any] = [None] * len(avals)
    if all(k is not None for k in known):
        outs = fun(*known)
    return list(trace.emit(while_p, atoms, dict(params), avals, outs))


def _emit_while(em: Emitter, eqn: Any) -> None:
    p = eqn.params
    test = em.const(compiled(p["cond"]), "while_cond")
    step = em.const(compiled(p["body"]), "while_body")
    ins = [em.use(a) for a in eqn.inputs]
    cc, bc, init = _split(ins, p["n_cond"], p["n_body"])
    carry = [em.var(v) for v in eqn.outputs]
    for c, i in zip(carry, init, strict=True):
        em.line(f"{c} = {i}")
    lhs = ", ".join(carry) + ("," if len(carry) == 1 else "")
    em.line(f"while {test}({', '.join([*cc, *carry])})[0]:")
    em.line(f"    {lhs} = {step}({', '.join([*bc, *carry])})")
    for c in carry:
        em.line(f"{c} = np.asarray({c})")


ReverseTrace.call_handlers[while_p] = _while_reverse
JVPTrace.call_handlers[while_p] = _while_forward
BatchTrace.call_handlers[while_p] = _while_batch
GraphTrace.call_handlers[while_p] = _while_record
EMITTERS[while_p] = _emit_while
