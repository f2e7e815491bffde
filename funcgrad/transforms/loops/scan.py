"""``scan_p``: a loop over a leading axis with a carried state, its body a graph.

Arguments ``(*consts, *init, *xs)``; params ``body`` (``consts, carry, x -> carry, y``),
``n_consts``, ``n_carry``, ``length``, ``reverse``; results ``(*final_carry, *ys)`` with
``ys`` stacked on a new leading axis (``ys[t]`` belongs to step ``t`` also when
``reverse``). Rules, as handlers per trace:

* reverse: the body's VJP is split (``ad.vjp_graph``) into a forward body that also
  returns residuals and a backward body; the forward scan stacks the residuals that vary
  by step (residuals that are constants or slices of ``xs`` are not stacked again, and
  those computed from the constants alone are computed again by the backward body) and
  the VJP is a scan in the opposite direction over the backward body, carrying the
  carry's cotangent and the constants' accumulated cotangents;
* forward: a scan over the body's JVP (tangents travel in the carry);
* batching: a scan over the batched body (carry batched, ``xs`` batched on axis 1);
* graph tracing: the work that needs no loop leaves it (``scan_split``: loop-invariant
  equations before it, batched over time; what no carry needs and the accumulators'
  contributions after it), and the recurrence is one equation; code generation: a Python
  ``for`` over the compiled body.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.avals import ShapedArray
from ...core.graph import Graph, Var, eval_graph
from ...core.rules import VJP
from ...primitives.shape import move_axis, zeros_like
from .._common import unwrap
from ..batching import BatchTrace, BatchTracer
from ..forward import JVPTrace
from ..graph.ad import batch_graph, jvp_graph, vjp_graph
from ..graph.codegen import EMITTERS, Emitter
from ..graph.passes import optimize
from ..graph.trace import GraphTrace, trace_flat
from ..reverse import ReverseTrace, parents_of
from ._common import LoopPrimitive, batched_front, compiled, reorder, strong
from .scan_split import NO_SPLIT, plan_split


def _scan_loop(*args, body, n_consts, n_carry, length, reverse):
    fn = compiled(body)
    consts = args[:n_consts]
    carry = args[n_consts : n_consts + n_carry]
    xs = args[n_consts + n_carry :]
    n_y = len(body.outvars) - n_carry
    y_avals = [body.outvars[n_carry + j].aval for j in range(n_y)]
    ys = [np.empty((length, *a.shape), a.dtype) for a in y_avals]
    steps = range(length - 1, -1, -1) if reverse else range(length)
    for t in steps:
        out = fn(*consts, *carry, *[x[t] for x in xs])
        carry = out[:n_carry]
        for y, v in zip(ys, out[n_carry:], strict=True):
            y[t] = v
    return [*(np.asarray(c) if not isinstance(c, np.ndarray) else c for c in carry), *ys]


scan_p = LoopPrimitive("scan", _scan_loop)


def bind_scan(consts, init, xs, body: Graph, length: int, reverse: bool) -> list:
    return scan_p.bind_loop(
        *consts,
        *init,
        *xs,
        body=body,
        n_consts=len(consts),
        n_carry=len(init),
        length=length,
        reverse=reverse,
    )


def _split(args: Sequence[Any], n_consts: int, n_carry: int) -> tuple[list, list, list]:
    return (
        list(args[:n_consts]),
        list(args[n_consts : n_consts + n_carry]),
        list(args[n_consts + n_carry :]),
    )


# --- reverse ---------------------------------------------------------------------------


def _scan_reverse(trace: ReverseTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    body, n_c, n_h = params["body"], params["n_consts"], params["n_carry"]
    plan = body.cache.get("vjp")
    if plan is None:
        plan = body.cache["vjp"] = _ScanVJP(body, n_c, n_h)
    vals, parents = parents_of(trace, args)
    consts, init, xs = _split(vals, n_c, n_h)
    outs = bind_scan(consts, init, xs, plan.forward, params["length"], params["reverse"])
    n_out = len(body.outvars)
    primal_outs, stacked = outs[:n_out], outs[n_out:]
    node_params = {
        "plan": plan,
        "consts": consts,
        "xs": xs,
        "stacked": stacked,
        "length": params["length"],
        "reverse": params["reverse"],
    }
    return trace.record(scan_p, _SCAN_RULE, node_params, vals, primal_outs, parents)


class _ScanVJP:
    """The forward body (with stacked residuals) and the backward body of a scan."""

    def __init__(self, body: Graph, n_c: int, n_h: int) -> None:
        split = vjp_graph(body)
        n_in, n_out = len(body.invars), len(body.outvars)
        fwd = split.forward
        invars = fwd.invars
        residuals = fwd.outvars[n_out:]
        position = {v: i for i, v in enumerate(invars)}
        self.derived = _derived_graph(fwd, n_c, residuals)
        derived = {v: j for j, v in enumerate(self.derived.outvars)}
        # a residual is a constant, a slice of xs, computed from the constants alone (the
        # backward body computes it again: once before its loop), or varies by step
        self.res_kind: list[tuple[str, int]] = []
        n_stacked = 0
        stacked_vars = []
        for r in residuals:
            i = position.get(r) if isinstance(r, Var) else None
            if i is not None and i < n_c:
                self.res_kind.append(("const", i))
            elif i is not None and i >= n_c + n_h:
                self.res_kind.append(("x", i - n_c - n_h))
            elif r in derived:
                self.res_kind.append(("derived", derived[r]))
            else:
                self.res_kind.append(("stacked", n_stacked))
                stacked_vars.append(r)
                n_stacked += 1
        read = {a for e in self.derived.eqns for a in e.inputs if isinstance(a, Var)}
        self.const_used = sorted(
            {i for k, i in self.res_kind if k == "const"}
            | {i for i, v in enumerate(invars[:n_c]) if v in read}
        )
        self.forward = optimize(
            Graph(
                invars, fwd.constvars, fwd.consts, fwd.eqns, [*fwd.outvars[:n_out], *stacked_vars]
            )
        )
        self.n_c, self.n_h, self.n_in, self.n_out = n_c, n_h, n_in, n_out
        self.diff_in, self.diff_out = split.diff_in, split.diff_out
        self.backward_graph = split.backward
        self.res_avals = fwd.out_avals[n_out:]
        out_avals = body.out_avals
        self.ct_avals = [strong(out_avals[j]) for j in split.diff_out]
        self.backward = self._backward_body()

    def _backward_body(self) -> Graph:
        """``(consts_used, ct_carry, ct_consts_acc, x_res, stacked_res, ct_y) ->
        (ct_carry_prev, ct_consts_acc', ct_x)`` as one scan body."""
        n_c, n_h = self.n_c, self.n_h
        diff_in, diff_out = self.diff_in, self.diff_out
        c_diff = [i for i in diff_in if i < n_c]
        h_diff = [i for i in diff_in if n_c <= i < n_c + n_h]
        x_diff = [i for i in diff_in if i >= n_c + n_h]
        h_out = [j for j in diff_out if j < n_h]  # carry outputs with cotangents
        y_out = [j for j in diff_out if j >= n_h]
        kinds = self.res_kind
        const_used = self.const_used
        n_x_res = sum(k == "x" for k, _ in kinds)
        n_stacked = sum(k == "stacked" for k, _ in kinds)
        self.layout = (c_diff, h_diff, x_diff, h_out, y_out)
        res_avals = self.res_avals
        const_avals = [self.forward.invars[i].aval for i in const_used]
        x_res_avals = [res_avals[r] for r, (k, _) in enumerate(kinds) if k == "x"]
        stacked_avals = [res_avals[r] for r, (k, _) in enumerate(kinds) if k == "stacked"]
        ct_h_avals = [self.ct_avals[diff_out.index(j)] for j in h_out]
        ct_y_avals = [self.ct_avals[diff_out.index(j)] for j in y_out]
        acc_avals = [self.forward.invars[i].aval for i in c_diff]
        backward, derived_graph = self.backward_graph, self.derived

        def step(*xs: Any) -> list:
            it = iter(xs)
            consts = dict(zip(const_used, it, strict=False))
            ct_h = [next(it) for _ in h_out]
            acc = [next(it) for _ in c_diff]
            pools: dict[str, Any] = {  # each indexed by a residual's position in its pool
                "const": consts,
                "x": [next(it) for _ in range(n_x_res)],
                "stacked": [next(it) for _ in range(n_stacked)],
            }
            ct_y = [next(it) for _ in y_out]
            if derived_graph.outvars:
                args = [consts.get(i) for i in range(n_c)]
                pools["derived"] = eval_graph(derived_graph, derived_graph.consts, args)
            x_res = iter(pools["x"])
            residuals = [next(x_res) if k == "x" else pools[k][i] for k, i in kinds]
            cts = dict(zip(h_out, ct_h, strict=True))
            cts.update(zip(y_out, ct_y, strict=True))
            bars = eval_graph(backward, backward.consts, [*residuals, *(cts[j] for j in diff_out)])
            by_input = dict(zip(diff_in, bars, strict=True))
            ct_h_prev = [by_input[i] for i in h_diff]
            new_acc = [a + by_input[i] for a, i in zip(acc, c_diff, strict=True)]
            return [*ct_h_prev, *new_acc, *(by_input[i] for i in x_diff)]

        avals = [
            *const_avals,
            *ct_h_avals,
            *acc_avals,
            *x_res_avals,
            *stacked_avals,
            *ct_y_avals,
        ]
        return optimize(trace_flat(step, avals).graph)


def _derived_graph(fwd: Graph, n_c: int, residuals: Sequence[Any]) -> Graph:
    """``consts -> residuals computed from the constants alone`` (not constants themselves),
    from the equations of the forward body ``fwd``."""
    const_only = set(fwd.invars[:n_c]) | set(fwd.constvars)
    producer = {}
    for eqn in fwd.eqns:
        if all(not isinstance(a, Var) or a in const_only for a in eqn.inputs):
            const_only.update(eqn.outputs)
            for v in eqn.outputs:
                producer[v] = eqn
    outs = [r for r in residuals if isinstance(r, Var) and r in producer]
    needed: set[int] = set()
    todo = list(outs)
    while todo:
        made_by = producer.get(todo.pop())
        if made_by is not None and id(made_by) not in needed:
            needed.add(id(made_by))
            todo.extend(a for a in made_by.inputs if isinstance(a, Var))
    eqns = [e for e in fwd.eqns if id(e) in needed]
    return Graph(fwd.invars[:n_c], fwd.constvars, fwd.consts, eqns, _unique_vars(outs))


def _unique_vars(vs: Sequence[Var]) -> list[Var]:
    return list(dict.fromkeys(vs))


def _scan_vjp(out_bar, out, *args, plan, consts, xs, stacked, length, reverse):
    del out
    c_diff, h_diff, x_diff, h_out, y_out = plan.layout
    const_res = [consts[i] for i in plan.const_used]
    x_res = [xs[i] for k, i in plan.res_kind if k == "x"]
    ct_h = [out_bar[j] for j in h_out]
    acc = [zeros_like(consts[i]) for i in c_diff]
    ct_y = [out_bar[j] for j in y_out]
    outs = bind_scan(
        const_res, [*ct_h, *acc], [*x_res, *stacked, *ct_y], plan.backward, length, not reverse
    )
    n_h = len(h_diff)
    result: list[Any] = [None] * len(args)
    for i, c in zip(h_diff, outs[:n_h], strict=True):
        result[i] = c
    for i, c in zip(c_diff, outs[n_h : n_h + len(c_diff)], strict=True):
        result[i] = c
    for i, c in zip(x_diff, outs[n_h + len(c_diff) :], strict=True):
        result[i] = c
    return result


VJP.define_joint(scan_p, _scan_vjp)
_SCAN_RULE = VJP.lookup(scan_p)


# --- forward ---------------------------------------------------------------------------


def _scan_forward(trace: JVPTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    body, n_c, n_h = params["body"], params["n_consts"], params["n_carry"]
    jbody, diff_in, diff_out = _jvp_body(body, n_c, n_h)
    primals, tangents = unwrap(trace, args)
    dots = {i: zeros_like(primals[i]) if tangents[i] is None else tangents[i] for i in diff_in}
    consts, init, xs = _split(primals, n_c, n_h)
    c_d = [dots[i] for i in diff_in if i < n_c]
    h_d = [dots[i] for i in diff_in if n_c <= i < n_c + n_h]
    x_d = [dots[i] for i in diff_in if i >= n_c + n_h]
    outs = bind_scan(
        [*consts, *c_d], [*init, *h_d], [*xs, *x_d], jbody, params["length"], params["reverse"]
    )
    n_hd = len(h_d)
    carry, carry_dots = outs[:n_h], outs[n_h : n_h + n_hd]
    rest = outs[n_h + n_hd :]
    n_y = len(body.outvars) - n_h
    ys, y_dots = rest[:n_y], rest[n_y:]
    by_out = dict(zip([j for j in diff_out if j < n_h], carry_dots, strict=True))
    by_out.update(zip([j for j in diff_out if j >= n_h], y_dots, strict=True))
    return [trace.wrap(o, by_out.get(j)) for j, o in enumerate([*carry, *ys])]


def _jvp_body(body: Graph, n_c: int, n_h: int) -> tuple[Graph, list[int], list[int]]:
    key = "jvp"
    if key not in body.cache:
        graph, diff_in, diff_out = jvp_graph(body)
        n_in, n_out = len(body.invars), len(body.outvars)
        t = {i: n_in + k for k, i in enumerate(diff_in)}
        u = {j: n_out + k for k, j in enumerate(diff_out)}
        ins = [
            *range(n_c), *(t[i] for i in diff_in if i < n_c),
            *range(n_c, n_c + n_h), *(t[i] for i in diff_in if n_c <= i < n_c + n_h),
            *range(n_c + n_h, n_in), *(t[i] for i in diff_in if i >= n_c + n_h),
        ]  # fmt: skip
        outs = [
            *range(n_h), *(u[j] for j in diff_out if j < n_h),
            *range(n_h, n_out), *(u[j] for j in diff_out if j >= n_h),
        ]  # fmt: skip
        body.cache[key] = (reorder(graph, ins, outs), diff_in, diff_out)
    return body.cache[key]


# --- batching ---------------------------------------------------------------------------


def _scan_batch(trace: BatchTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    body, n_c, n_h = params["body"], params["n_consts"], params["n_carry"]
    size = trace.axis_size
    vals, dims = unwrap(trace, args)
    consts, init, xs = _split(vals, n_c, n_h)
    c_dims, h_dims, x_dims = _split(dims, n_c, n_h)
    consts = [c if d is None else move_axis(c, d, 0) for c, d in zip(consts, c_dims, strict=True)]
    init = [batched_front(h, d, size) for h, d in zip(init, h_dims, strict=True)]
    xs = [x if d is None else move_axis(x, d, 1) for x, d in zip(xs, x_dims, strict=True)]
    body_dims = (
        *(None if d is None else 0 for d in c_dims),
        *([0] * n_h),
        *(None if d is None else 0 for d in x_dims),
    )
    key = ("batch", body_dims, size)
    if key not in body.cache:
        body.cache[key] = batch_graph(body, body_dims, size)
    outs = bind_scan(consts, init, xs, body.cache[key], params["length"], params["reverse"])
    return [BatchTracer(trace, o, 0 if k < n_h else 1) for k, o in enumerate(outs)]


# --- graph tracing and code generation ----------------------------------------------------


def _scan_record(trace: GraphTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    body, n_c, n_h, length = (
        params["body"],
        params["n_consts"],
        params["n_carry"],
        params["length"],
    )
    split = body.cache.get(("split", length))
    if split is None:
        split = body.cache["split", length] = plan_split(body, n_c, n_h, length) or NO_SPLIT
    if split is not NO_SPLIT:  # the loop-invariant and after-the-loop work leave the loop
        consts, init, xs = _split(args, n_c, n_h)
        return split.apply(consts, init, xs, params["reverse"], bind_scan)
    pairs = [trace.atom(a) for a in args]
    atoms, known = [a for a, _ in pairs], [k for _, k in pairs]
    body, length = params["body"], params["length"]
    n_h = params["n_carry"]
    avals = [strong(a.aval) for a in body.outvars[:n_h]] + [
        ShapedArray((length, *a.aval.shape), a.aval.dtype) for a in body.outvars[n_h:]
    ]
    outs: list[Any] = [None] * len(avals)
    if all(k is not None for k in known):
        outs = fun(*known)
    return list(trace.emit(scan_p, atoms, dict(params), avals, outs))


def _emit_scan(em: Emitter, eqn: Any) -> None:
    p = eqn.params
    body, n_c, n_h, length = p["body"], p["n_consts"], p["n_carry"], p["length"]
    fn = em.const(compiled(body), "scan_body")
    ins = [em.use(a) for a in eqn.inputs]
    consts, init, xs = ins[:n_c], ins[n_c : n_c + n_h], ins[n_c + n_h :]
    outs = [em.var(v) for v in eqn.outputs]
    carry, ys = outs[:n_h], outs[n_h:]
    for c, i in zip(carry, init, strict=True):
        em.line(f"{c} = {i}")
    for y, v in zip(ys, eqn.outputs[n_h:], strict=True):
        em.line(f"{y} = np.empty({v.aval.shape!r}, {em.const(v.aval.dtype, 'dt')})")
    steps = f"range({length - 1}, -1, -1)" if p["reverse"] else f"range({length})"
    step_outs = [*carry, *(f"_y{k}" for k in range(len(ys)))]
    em.line(f"for _t in {steps}:")
    call = f"{fn}({', '.join([*consts, *carry, *(f'{x}[_t]' for x in xs)])})"
    em.line(f"    {', '.join(step_outs)}{',' if len(step_outs) == 1 else ''} = {call}")
    for k, y in enumerate(ys):
        em.line(f"    {y}[_t] = _y{k}")
    for c in carry:  # a 0-d carry may be a numpy scalar after a step
        em.line(f"{c} = np.asarray({c})")


ReverseTrace.call_handlers[scan_p] = _scan_reverse
JVPTrace.call_handlers[scan_p] = _scan_forward
BatchTrace.call_handlers[scan_p] = _scan_batch
GraphTrace.call_handlers[scan_p] = _scan_record
EMITTERS[scan_p] = _emit_scan
