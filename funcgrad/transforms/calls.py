"""What the call constructs (``checkpoint``, ``custom_vjp``, ``custom_jvp``) share.

``CallSite`` splits a call's arguments into static ones and traced leaves; ``handle``
registers how each kind of trace handles a ``CallPrimitive`` (graph tracing always records
it as one equation that holds the function's own graph); the rest are helpers for the
handlers: cotangents by reverse mode, batching a flat function, naming closed-over values.
Imports core, tree and the other transformations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.avals import typeof
from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.graph import Graph
from ..core.primitive import CallPrimitive, Primitive
from ..core.rules import BATCH, JVP, VJP
from ..core.trace import Tracer, find_top_trace, is_traced
from ..tree import flatten, unflatten
from . import batching, reverse
from ._common import fun_name, substitute
from .batching import BatchTrace
from .forward import JVPTrace
from .graph import trace as graph_trace
from .graph.trace import GraphTrace
from .reverse import ReverseTrace


class CallSite:
    """A call ``fun(*args)``: the static arguments and the flat leaves of the others."""

    def __init__(
        self,
        fun: Callable,
        args: tuple,
        static: Sequence[int],
        who: str,
        argnums: str = "static_argnums",
    ) -> None:
        self.fun = fun
        self.args = args
        self.who = who
        self.name = fun_name(fun)
        positions, self.dynamic = _static_split(args, tuple(static), who, self.name, argnums)
        self.static_values = [args[i] for i in positions]
        self.flat, self.in_tree = flatten([args[i] for i in self.dynamic])

    @property
    def traced(self) -> bool:
        return find_top_trace(self.flat) is not None

    def full(self, dynamic: Sequence[Any]) -> list:
        """The whole argument list with the traced arguments replaced by ``dynamic``."""
        return substitute(self.args, self.dynamic, dynamic)

    def from_leaves(self, leaves: Sequence[Any]) -> list:
        """The whole argument list rebuilt from flat leaves of the traced arguments."""
        return self.full(unflatten(self.in_tree, leaves))


def handle(
    prim: CallPrimitive,
    *,
    reverse: Callable,
    forward: Callable,
    batching: Callable,
    hoist: bool = False,
) -> None:
    """Register how each kind of trace handles the call ``prim`` (graphs record it; with
    ``hoist`` the recorded call may take the traced values its function closes over as
    extra leading inputs, else such a call is inlined)."""
    ReverseTrace.call_handlers[prim] = reverse
    JVPTrace.call_handlers[prim] = forward
    BatchTrace.call_handlers[prim] = batching
    GraphTrace.call_handlers[prim] = record_in_graph(prim, hoist)


def _static_split(
    args: tuple, static: tuple[int, ...], who: str, name: str, argnums: str
) -> tuple[list, list[int]]:
    """The positions of ``args`` that are traced inputs (not in ``static``, the positions
    given as the argument named ``argnums``)."""
    n = len(args)
    for i in static:
        if not -n <= i < n:
            where = f"0..{n - 1} (or -{n}..-1 from the end)" if n else "none: it takes none"
            raise FuncgradValueError(
                f"{who} `{name}`: argument number {i} is out of range for a call with "
                f"{n} arguments ({argnums}={static!r}); the positions are {where}"
            )
    static = tuple(i % n for i in static) if args else ()
    for i in static:
        if is_traced(flatten(args[i])[0]):
            raise FuncgradTypeError(
                f"{who} `{name}`: argument {i} is declared static ({argnums}) but holds a "
                f"traced array; pass traced values as ordinary arguments (drop {i} from "
                f"{argnums})"
            )
    return list(static), [i for i in range(len(args)) if i not in static]


def vjp_of(
    flat_fun: Callable,
    vals: list,
    out_bar: list,
    wrt: Sequence[int] | None = None,
    trace: Any = None,
) -> list:
    """Cotangents of ``flat_fun`` at ``vals`` for the positions ``wrt`` (default: every
    float input; None elsewhere); ``trace``: the fresh ``ReverseTrace`` to record on (None:
    a plain one)."""
    diff = float_positions(vals) if wrt is None else list(wrt)

    def over_diff(*tracers: Any) -> tuple[list, None]:
        return flat_fun(*substitute(vals, diff, tracers)), None

    _, pullback, _ = reverse.vjp_flat(over_diff, [vals[i] for i in diff], trace)
    result: list = [None] * len(vals)
    for i, g in zip(diff, pullback(out_bar), strict=True):
        result[i] = g
    return result


def float_positions(vals: Sequence[Any]) -> list[int]:
    """Positions of the values that carry derivatives (real and complex float arrays)."""
    return [i for i, v in enumerate(vals) if np.dtype(getattr(v, "dtype", object)).kind in "fc"]


def closure_error(who: str, name: str, fun: Callable, vals: list, trace: Any) -> Exception:
    """The error for a custom rule whose function closes over values of ``trace``."""
    try:  # which closed-over values: trace the function; they are its traced constants
        probe = graph_trace.trace_flat(
            fun, [typeof(v) for v in vals], [concrete_or_none(v) for v in vals]
        )
        consts = probe.graph.consts
    except Exception:
        consts = []
    shapes = [str(c.aval) for c in consts if isinstance(c, Tracer) and _belongs_to(c, trace)]
    what = ", ".join(shapes) if shapes else "a value computed from one"
    return FuncgradTypeError(
        f"{who} `{name}` closes over a traced value ({what}) that the transformation being "
        "applied differentiates, and its rule cannot give that value's derivative. Pass the "
        f"value to `{name}` as an argument (and return its cotangent from the rule)."
    )


def untraced_call(site: CallSite) -> Any:
    """A custom-rule function called on untraced arguments: a plain call, unless its
    result carries a derivative it closed over (which its rule cannot account for)."""
    out = site.fun(*site.args)
    for leaf in flatten(out)[0]:
        if isinstance(leaf, Tracer) and leaf.carries_derivative:
            probe = lambda: flatten(site.fun(*site.args))[0]  # noqa: E731
            raise closure_error(site.who, site.name, probe, [], leaf._trace)
    return out


def _belongs_to(t: Tracer, trace: Any) -> bool:
    while isinstance(t, Tracer):
        if t._trace is trace:
            return True
        t = t.lower()[0]
    return False


def owns(outs: Sequence[Any], trace: Any) -> bool:
    return any(isinstance(o, Tracer) and o._trace is trace for o in outs)


def batched(fun: Callable, dims: list, size: int) -> Callable:
    """``fun`` over flat leaves, vmapped with ``dims``; every output batched on axis 0."""
    return lambda *xs: batching.vmap(fun, in_axes=tuple(dims), out_axes=0, axis_size=size)(*xs)


def record_in_graph(prim: CallPrimitive, hoist: bool) -> Callable:
    """Graph tracing of a call: one equation holding the function's own graph."""

    def handler(trace: Any, fun: Callable, args: Sequence[Any], params: dict) -> Any:
        pairs = [trace.atom(a) for a in args]
        atoms = [a for a, _ in pairs]
        known = [k for _, k in pairs]
        avals = [a.aval for a in atoms]
        inner = graph_trace.trace_flat(fun, avals, known, differentiated=trace.differentiated)
        graph = inner.graph
        closed = [i for i, c in enumerate(graph.consts) if isinstance(c, Tracer)]
        if closed:
            if not hoist:  # the rule's functions take the call's arguments only: inline
                return _inlined_rule(prim, params, fun(*args), graph.consts, closed)
            lifted = [graph.constvars[i] for i in closed]
            keep = [i for i in range(len(graph.consts)) if i not in closed]
            graph = Graph(
                [*lifted, *graph.invars],
                [graph.constvars[i] for i in keep],
                [graph.consts[i] for i in keep],
                graph.eqns,
                graph.outvars,
            )
            extra = [trace.atom(inner.graph.consts[i])[0] for i in closed]
            atoms = [*extra, *atoms]
        trace.guards.extend(inner.guards)
        out_avals = [a.aval for a in graph.outvars]
        eqn_params = {**params, "graph": graph}
        return list(trace.emit(prim, atoms, eqn_params, out_avals, inner.outs))

    return handler


def concrete_or_none(x: Any) -> Any:
    """``x``'s value where known (no guard recorded), else None."""
    return graph_trace.peek(x)


# --- a custom rule inlined by graph tracing --------------------------------------------
# A custom_vjp/custom_jvp function that closes over a graph tracer (a value computed
# inside a jitted function) is recorded as its primal code, since its rule's functions
# take the call's arguments only. Its outputs pass through ``custom_rule_inlined`` (the
# identity), whose derivative rules refuse: differentiating the graph later
# (grad(jit(f))) would otherwise use the primal code's derivative instead of the rule,
# silently. The error is eager mode's: pass the value as an argument.


def _refuse(*args: Any, message: str, **params: Any) -> Any:
    raise FuncgradTypeError(message)


def _inlined_batch(axis_size: int, args: Sequence[Any], dims: Sequence[Any], *, message: str):
    del axis_size
    return list(inlined_rule_p.bind(*args, message=message)), list(dims)


inlined_rule_p = Primitive(
    "custom_rule_inlined",
    lambda *xs, message: list(xs),
    lambda *avals, message: list(avals),
    multiple_results=True,
)
VJP.define_joint(inlined_rule_p, _refuse)
JVP.define_joint(inlined_rule_p, _refuse)
BATCH.define(inlined_rule_p, _inlined_batch)


def _inlined_rule(prim: CallPrimitive, params: dict, outs: Any, consts: list, closed: list):
    who = "custom_jvp function" if prim.name.startswith("custom_jvp") else "custom_vjp function"
    name = params.get("name", "f")
    shapes = ", ".join(str(consts[i].aval) for i in closed)
    message = (
        f"{who} `{name}` closes over a value computed inside a jitted function ({shapes}), "
        "and its rule cannot give that value's derivative, so it cannot be differentiated "
        f"through `jit`. Pass the value to `{name}` as an argument (and return its "
        "cotangent from the rule)."
    )
    return list(inlined_rule_p.bind(*outs, message=message))
