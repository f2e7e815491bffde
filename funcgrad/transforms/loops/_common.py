"""What the loop primitives share: the primitive class, compiled bodies, body tracing with
closure conversion, and graph reordering."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...core.avals import ShapedArray, typeof
from ...core.graph import Graph
from ...core.primitive import CallPrimitive
from ...core.trace import Tracer, trace_stack
from ..graph.codegen import compile_graph
from ..graph.passes import optimize
from ..graph.trace import GraphTrace, trace_flat


class LoopPrimitive(CallPrimitive):
    """A call whose function is a loop over body graphs held in its params.

    ``loop(*args, **params)`` runs the loop on arrays (the ``fun`` of every bind);
    ``call_params`` rebuilds that ``fun`` from a recorded equation's params.
    """

    __slots__ = ("loop",)

    def __init__(self, name: str, loop: Callable[..., list]) -> None:
        super().__init__(name)
        self.loop = loop

    def call_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "fun": self.fun(dict(params))}

    def fun(self, params: dict[str, Any]) -> Callable[..., list]:
        """The loop as a function of the call's arguments, for these params."""
        loop = self.loop
        return lambda *args: loop(*args, **params)

    def bind_loop(self, *args: Any, **params: Any) -> list:
        """Bind with the loop as the function: what user-facing loops and rules call."""
        return list(self.bind(*args, fun=self.fun(params), **params))


def compiled(graph: Graph) -> Callable[..., tuple]:
    """``graph``'s compiled function (its constants bound), made once per graph."""
    fn = graph.cache.get("compiled")
    if fn is None:
        fn = graph.cache["compiled"] = compile_graph(graph, name="body").fn
    return fn


def graph_mode() -> bool:
    """True while a graph is being traced (jit, make_graph, checkpoint): loops stay loops."""
    return any(isinstance(t, GraphTrace) for t in trace_stack())


class Body:
    """A traced body: its graph with traced constants hoisted to explicit inputs.

    ``graph.invars`` are ``[*hoisted, *inputs]``; ``hoisted`` are the values (tracers of
    enclosing transformations) the body closed over, to pass as the loop's constants.
    """

    __slots__ = ("graph", "hoisted")

    def __init__(self, graph: Graph, hoisted: list[Any]) -> None:
        self.graph = graph
        self.hoisted = hoisted


def trace_body(flat_fun: Callable[..., list], avals: Sequence[ShapedArray]) -> Body:
    """Trace a loop body abstractly; closed-over tracers become leading inputs."""
    graph = trace_flat(flat_fun, list(avals)).graph
    keep_vars, keep_vals, hoist_vars, hoisted = [], [], [], []
    for v, c in zip(graph.constvars, graph.consts, strict=True):
        if isinstance(c, Tracer):
            hoist_vars.append(v)
            hoisted.append(c)
        else:
            keep_vars.append(v)
            keep_vals.append(c)
    body = Graph([*hoist_vars, *graph.invars], keep_vars, keep_vals, graph.eqns, graph.outvars)
    return Body(optimize(body), hoisted)


def reorder(graph: Graph, inputs: Sequence[int], outputs: Sequence[int]) -> Graph:
    """``graph`` with its inputs and outputs permuted (new positions list old ones)."""
    return Graph(
        [graph.invars[i] for i in inputs],
        graph.constvars,
        graph.consts,
        graph.eqns,
        [graph.outvars[j] for j in outputs],
    )


def aval_of(x: Any) -> ShapedArray:
    return x.aval if isinstance(x, Tracer) else typeof(x)


def strong(a: ShapedArray) -> ShapedArray:
    return ShapedArray(a.shape, a.dtype)


def batched_front(x: Any, d: int | None, size: int) -> Any:
    """``x`` with its batch axis ``d`` in front (broadcast to ``size`` if unbatched)."""
    from ...primitives.shape import broadcast_to, expand_dims, move_axis

    if d is None:
        shape = tuple(aval_of(x).shape)
        return broadcast_to(expand_dims(x, 0), (size, *shape))
    return move_axis(x, d, 0)
