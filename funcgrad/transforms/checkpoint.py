"""``checkpoint``: rematerialisation, a ``CallPrimitive`` that replays its traced graph.

``checkpoint(fun)`` traces ``fun`` to a graph first: traced values it closes over become
explicit inputs of the call (closure conversion), so it rematerialises whatever it closes
over. Reverse mode stores only the call's inputs and runs the graph again in the backward
pass; forward mode runs it inline; ``vmap`` batches the graph and keeps the call.
Imports core, tree and the other transformations.
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
from .calls import CallSite, batched, concrete_or_none, handle, vjp_of
from .graph import trace as graph_trace

# --- checkpoint ----------------------------------------------------------------------

checkpoint_p = CallPrimitive("checkpoint")


def _checkpoint_vjp(out_bar, out, *args, policy=None, name="", fun):
    del out, policy, name
    return vjp_of(fun, list(args), list(out_bar))  # recompute: nothing was stored


VJP.define_joint(checkpoint_p, _checkpoint_vjp)
_CHECKPOINT_RULE = VJP.lookup(checkpoint_p)


def _checkpoint_reverse(trace: reverse.ReverseTrace, fun, args, params):
    known = params.pop("known", None)
    vals, parents = reverse.parents_of(trace, args)
    # The forward values were computed while tracing the graph; at level 0 they are these.
    outs = known if known is not None and trace.level == 0 else fun(*vals)
    return trace.record(
        checkpoint_p, _CHECKPOINT_RULE, {**params, "fun": fun}, vals, outs, parents
    )


def _checkpoint_batch(trace: batching.BatchTrace, fun, args, params):
    params.pop("known", None)
    vals, dims = unwrap(trace, args)
    outs = checkpoint_p.bind(*vals, fun=batched(fun, dims, trace.axis_size), **params)
    return [batching.BatchTracer(trace, o, 0) for o in outs]


def _checkpoint_inline(trace, fun, args, params):
    del trace, params
    return fun(*args)


handle(
    checkpoint_p,
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
        traced = graph_trace.trace_flat(
            flat_fun,
            [typeof(x) for x in site.flat],
            [concrete_or_none(x) for x in site.flat],
            differentiated=True,
        )
        graph = traced.graph
        n_consts = len(graph.consts)
        outs = checkpoint_p.bind(
            *graph.consts,
            *site.flat,
            fun=lambda *xs: eval_graph(graph, xs[:n_consts], xs[n_consts:]),
            policy=policy,
            name=site.name,
            known=traced.outs if all(o is not None for o in traced.outs) else None,
        )
        return unflatten(out_tree(), list(outs))

    return remat
