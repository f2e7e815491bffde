"""``checkpoint``: rematerialisation, a ``CallPrimitive`` that runs its function again in
the backward pass.

Reverse mode stores only the call's inputs and calls the function again in the backward
pass. A function that closes over values the reverse trace follows (model parameters
captured by a closure) is traced to a graph instead, and those values become explicit
inputs of the call (closure conversion), so it rematerialises whatever it closes over.
Forward mode runs it inline; ``vmap`` batches it and keeps the call; graph tracing records
one equation. Imports core, tree and the other transformations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from ..core.avals import typeof
from ..core.graph import eval_graph
from ..core.primitive import CallPrimitive
from ..core.rules import VJP
from ..core.trace import trace_stack
from ..tree import unflatten
from . import batching, reverse
from ._common import flatten_fun, unwrap
from .calls import CallSite, batched, handle, owns, vjp_of
from .graph import trace as graph_trace

# --- checkpoint ----------------------------------------------------------------------

checkpoint_p = CallPrimitive("checkpoint")


def _checkpoint_vjp(out_bar, out, *args, policy=None, name="", fun):
    del out, policy, name
    return vjp_of(fun, list(args), list(out_bar))  # recompute: nothing was stored


VJP.define_joint(checkpoint_p, _checkpoint_vjp)
_CHECKPOINT_RULE = VJP.lookup(checkpoint_p)


def _checkpoint_reverse(trace: reverse.ReverseTrace, fun, args, params):
    vals, parents = reverse.parents_of(trace, args)
    start = len(trace.tape)
    outs = fun(*vals)  # on the values one level down: nothing lands on this tape ...
    if len(trace.tape) == start and not owns(outs, trace):
        return trace.record(checkpoint_p, _CHECKPOINT_RULE, {**params, "fun": fun}, vals,
                            list(outs), parents)  # fmt: skip
    # ... unless fun closes over values this trace follows: convert the closure, they
    # become inputs of the call (the ops computing them from one another stay recorded)
    del trace.tape[start:]
    traced = graph_trace.trace_flat(
        fun, [typeof(v) for v in vals], [graph_trace.peek(v) for v in vals], differentiated=True
    )
    graph = traced.graph
    n = len(graph.consts)
    converted = lambda *xs: eval_graph(graph, xs[:n], xs[n:])  # noqa: E731
    vals, parents = reverse.parents_of(trace, [*graph.consts, *args])
    known = traced.outs
    outs = known if trace.level == 0 and all(o is not None for o in known) else converted(*vals)
    return trace.record(checkpoint_p, _CHECKPOINT_RULE, {**params, "fun": converted}, vals,
                        list(outs), parents)  # fmt: skip


def _checkpoint_batch(trace: batching.BatchTrace, fun, args, params):
    vals, dims = unwrap(trace, args)
    outs = checkpoint_p.bind(*vals, fun=batched(fun, dims, trace.axis_size), **params)
    return [batching.BatchTracer(trace, o, 0) for o in outs]


def _checkpoint_inline(trace, fun, args, params):
    del trace, params
    return fun(*args)


handle(
    checkpoint_p,
    hoist=True,  # its function is its graph: closed-over tracers can become inputs
    reverse=_checkpoint_reverse,
    forward=_checkpoint_inline,
    batching=_checkpoint_batch,
)


def checkpoint(
    fun: Callable, static_argnums: int | Sequence[int] = (), policy: Any = None
) -> Callable:
    """The same function; under reverse mode its intermediates are recomputed, not stored.

    Only the inputs of ``fun`` are kept for the backward pass, where ``fun``'s traced
    program runs again: memory for compute, e.g. per layer of a deep network or per step of
    a long ``scan``. Traced values ``fun`` closes over (model parameters) become inputs of
    the rematerialised call, so they are differentiated too. ``static_argnums`` name
    arguments that are not arrays (flags, sizes): they are passed through unchanged.
    ``policy`` is reserved for saving chosen intermediates (None: save nothing).
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def remat(*args: Any) -> Any:
        site = CallSite(fun, args, static, "checkpoint")
        if not trace_stack():
            return fun(*args)  # nothing to differentiate, here or in a closure
        flat_fun, out_tree = flatten_fun(lambda *dyn: fun(*site.full(dyn)), site.in_tree)
        params = {"policy": policy, "name": site.name}
        if site.traced:
            outs = checkpoint_p.bind(*site.flat, fun=flat_fun, **params)
        else:  # nothing traced among the arguments: only a closure can be differentiated
            top = trace_stack()[-1]
            if not isinstance(top, reverse.ReverseTrace):
                return fun(*args)
            outs = top.process_call(checkpoint_p, flat_fun, site.flat, params)
        return unflatten(out_tree(), list(outs))

    return remat
