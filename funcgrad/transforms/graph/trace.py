"""Graph tracing: ``GraphTrace`` records a function as a ``core.graph.Graph``; ``make_graph``.

Each primitive applied to a ``GraphTracer`` appends an ``Equation``. Values captured from
outside (numpy arrays, and tracers of enclosing transformations: closure conversion) become
the graph's constants; Python scalars become literals. Where the inputs' values are known
(tracing a call on real arrays, as ``jit`` and ``make_graph`` do) every equation is also
computed, so Python control flow on traced values works: ``bool``/``int`` of a tracer
returns the value and records a **guard** (the graph is valid only while it holds).
Without values (abstract inputs, ``vmap``'s batched values) shapes come from
``abstract_eval``, and Python control flow on traced values raises.
Imports core and tree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ...core.avals import ShapedArray, typeof
from ...core.errors import ConcretizationError, call_site, user_location
from ...core.graph import Atom, Equation, Graph, Literal, Var
from ...core.primitive import Primitive
from ...core.trace import Trace, Tracer, new_trace
from ...tree import flatten, unflatten

_SCALARS = (bool, int, float, complex)


class Guard:
    """A Python decision on a traced value made while tracing: ``kind(var) == expected``."""

    __slots__ = ("expected", "kind", "source", "var")

    def __init__(self, var: Var, kind: str, expected: Any, source: str | None) -> None:
        self.var = var
        self.kind = kind  # "bool", "int" or "float"
        self.expected = expected
        self.source = source

    def __repr__(self) -> str:
        return f"Guard({self.kind}(...) == {self.expected!r} at {self.source})"


class GraphTracer(Tracer):
    """A value of the traced program: its variable and, where known, its value."""

    __slots__ = ("graph_var", "known")

    def __init__(self, trace: GraphTrace, var: Var, known: Any) -> None:
        self._trace = trace
        self.graph_var = var
        self.known = known

    @property
    def shape(self) -> tuple[int, ...]:
        return self.graph_var.aval.shape

    @property
    def dtype(self) -> Any:
        return self.graph_var.aval.dtype

    @property
    def carries_derivative(self) -> bool:  # type: ignore[override]
        return self._trace.differentiated

    def lower(self) -> tuple[Any, Var]:
        return self.known, self.graph_var

    def concrete(self) -> Any:
        """The value, where known; the graph is then valid only for this value (a guard)."""
        value = self.peek()
        self._trace.guard_value(self)
        return value

    def peek(self) -> Any:
        """The value, where known, without recording a guard (for funcgrad's own use)."""
        if self.known is None:
            raise ConcretizationError(
                f"the value of a traced array ({self.aval}) is needed here (Python control "
                "flow, bool(), int() or float()), but it is not known while tracing this "
                "graph (abstract inputs, or batched by vmap). Use fnp.where or fg.cond for "
                "data-dependent choices, or pass the value as a static argument "
                "(static_argnums)."
            )
        return self.known

    def __repr__(self) -> str:
        if self.known is None:
            return f"GraphTracer<{self.aval}>"
        text = np.array2string(np.asarray(self.known), separator=", ", threshold=20)
        return f"GraphTracer<{self.aval}>(value={text})"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return self._trace.decide(self, "bool", bool)

    def __int__(self) -> int:
        return self._trace.decide(self, "int", int)

    def __index__(self) -> int:
        return self._trace.decide(self, "int", int)

    def __float__(self) -> float:
        self._refuse_to_drop_derivative("float()")
        return self._trace.decide(self, "float", float)


class GraphTrace(Trace):
    """Records equations; collects constants and guards.

    ``differentiated``: the traced values carry derivatives of an enclosing reverse or
    forward transformation (then ``float()`` of a tracer is refused, as there).
    """

    __slots__ = (
        "const_index", "consts", "constvars", "differentiated", "eqns", "guards", "values"
    )  # fmt: skip
    call_handlers: ClassVar[dict[Any, Any]] = {}  # filled by transforms.calls.handle

    def __init__(self, differentiated: bool = False) -> None:
        super().__init__()
        self.eqns: list[Equation] = []
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self.const_index: dict[int, Var] = {}
        self.guards: list[Guard] = []
        self.differentiated = differentiated
        self.values: dict[Var, Any] | None = None  # var -> known value, when recorded

    def new_input(self, aval: ShapedArray, known: Any = None, hint: str = "") -> GraphTracer:
        return GraphTracer(self, Var(aval, hint), known)

    def const(self, value: Any) -> Var:
        """The constant variable bound to ``value`` (one per object)."""
        var = self.const_index.get(id(value))
        if var is None:
            var = Var(typeof(value))
            self.const_index[id(value)] = var
            self.constvars.append(var)
            self.consts.append(value)
        return var

    def atom(self, x: Any) -> tuple[Atom, Any]:
        """The atom standing for argument ``x`` and its value (None where unknown)."""
        if type(x) is GraphTracer and x._trace is self:
            return x.graph_var, x.known
        if x is None or isinstance(x, _SCALARS):
            return Literal(x), x
        known = x
        if isinstance(x, Tracer):  # a value of an enclosing transformation: a constant
            known = peek(x)
        elif not isinstance(x, (np.ndarray, np.generic)):
            x = known = np.asarray(x)
        return self.const(x), known

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        atoms, known = [], []
        for a in args:
            atom, value = self.atom(a)
            atoms.append(atom)
            known.append(value)
        if all(k is not None or type(a) is Literal for a, k in zip(atoms, known, strict=True)):
            out = prim.impl(*known, **params)
            outs = list(out) if prim.multiple_results else [out]
            avals = [typeof(o) for o in outs]
        else:
            abstract = [a.value if type(a) is Literal else a.aval for a in atoms]
            aval = prim.abstract_eval(*abstract, **params)
            avals = list(aval) if prim.multiple_results else [aval]
            outs = [None] * len(avals)
        return self.emit(prim, atoms, params, avals, outs)

    def emit(self, prim: Primitive, atoms: list, params: dict, avals: list, outs: list) -> Any:
        """Append ``prim(*atoms, **params)``; its output tracer(s) with known values."""
        out_vars = [Var(a) for a in avals]
        # the user's line of each equation is kept where values are (make_graph, show):
        # walking the stack per equation would slow jit's and checkpoint's tracing
        site = call_site() if self.values is not None else None
        self.eqns.append(Equation(prim, atoms, params, out_vars, site))
        if self.values is not None:
            self.values.update(zip(out_vars, outs, strict=True))
        tracers = [GraphTracer(self, v, o) for v, o in zip(out_vars, outs, strict=True)]
        return tuple(tracers) if prim.multiple_results else tracers[0]

    def decide(self, tracer: GraphTracer, kind: str, convert: Callable[[Any], Any]) -> Any:
        """Python control flow on a traced value: its value, recorded as a guard."""
        value = convert(tracer.peek())
        self.guards.append(Guard(tracer.graph_var, kind, value, user_location()))
        return value

    def guard_value(self, tracer: GraphTracer) -> None:
        """The whole value of ``tracer`` was used as data (a mask, a size): guard it."""
        var = tracer.graph_var
        if not any(g.var is var and g.kind == "value" for g in self.guards):
            expected = np.array(tracer.known, copy=True)
            self.guards.append(Guard(var, "value", expected, user_location()))

    def output_atom(self, x: Any) -> Atom:
        return self.atom(x)[0]


def peek(x: Any) -> Any:
    """The concrete value behind a tracer where one is known (None otherwise), without
    recording guards: through reverse and forward tracers, not through batched ones."""
    while isinstance(x, Tracer):
        if isinstance(x, GraphTracer):
            return x.known
        if not x.carries_derivative:  # a batched value has no single concrete value
            return None
        x = x.lower()[0]
    return x


class Traced:
    """The result of tracing a flat function: its graph, known outputs and guards."""

    __slots__ = ("graph", "guards", "outs")

    def __init__(self, graph: Graph, outs: list, guards: list[Guard]) -> None:
        self.graph = graph
        self.outs = outs
        self.guards = guards


def trace_flat(
    flat_fun: Callable[..., list],
    avals: Sequence[ShapedArray],
    known: Sequence[Any] | None = None,
    hints: Sequence[str] | None = None,
    differentiated: bool = False,
    weak_scalars: bool = False,
    record_values: bool = False,
) -> Traced:
    """Trace ``flat_fun(*leaves) -> list of leaves`` on inputs of ``avals`` (with values
    ``known`` where given) into a ``Graph``.

    A Python scalar among ``known`` is passed to ``flat_fun`` as itself (a literal of the
    graph; its input variable stays unused), unless ``weak_scalars``: then it is a traced
    input with a weak ``ShapedArray`` (numpy promotes it as a Python scalar), as ``jit``
    needs for scalars whose value changes between calls.
    """
    known = list(known) if known is not None else [None] * len(avals)
    hints = list(hints) if hints is not None else [""] * len(avals)
    with new_trace(GraphTrace(differentiated)) as trace:
        tracers = [trace.new_input(a, k, h) for a, k, h in zip(avals, known, hints, strict=True)]
        if record_values:
            trace.values = {t.graph_var: k for t, k in zip(tracers, known, strict=True)}
        if weak_scalars:
            args: list[Any] = list(tracers)
        else:
            args = [
                k if isinstance(k, _SCALARS) else t for t, k in zip(tracers, known, strict=True)
            ]
        outs = flat_fun(*args)
        out_atoms, out_known = [], []
        for o in outs:
            atom, value = trace.atom(o)
            out_atoms.append(atom)
            out_known.append(value)
    graph = Graph(
        [t.graph_var for t in tracers], trace.constvars, trace.consts, trace.eqns, out_atoms
    )
    if trace.values is not None:
        trace.values.update(zip(trace.constvars, trace.consts, strict=True))
        graph.cache["values"] = trace.values
    return Traced(graph, out_known, trace.guards)


def input_aval(x: Any) -> ShapedArray:
    """The ``ShapedArray`` a traced input has: weak for Python scalars."""
    if isinstance(x, ShapedArray):
        return x
    if isinstance(x, _SCALARS):
        return ShapedArray((), np.asarray(x).dtype, weak=True)
    return typeof(x)


def make_graph(fun: Callable, static_argnums: int | Sequence[int] = ()) -> Callable[..., Graph]:
    """Return a function that traces ``fun`` on its arguments and returns the ``Graph``.

    Arguments may be arrays (the graph is traced with their values, so Python control
    flow works and is recorded in ``graph.guards``) or ``fg.ShapedArray(shape, dtype)``
    (abstract: shapes only). ``static_argnums`` name arguments passed to ``fun`` as they
    are (flags, sizes). ``str(graph)`` prints one equation per line; ``graph.to_dot()``
    is Graphviz text. ``make_graph(fg.grad(f))`` shows the derivative program itself.

    Example:
      >>> import numpy as np, funcgrad.numpy as fnp
      >>> print(make_graph(lambda x: fnp.sum(fnp.sin(x)))(np.zeros(3)))
      { lambda ; a:float64[3]. let
          b:float64[3] = sin a
          c:float64[] = sum[axis=(0,) keepdims=False] b
        in (c,) }
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    def traced(*args: Any, **kwargs: Any) -> Graph:
        n = len(args)
        static_pos = {i % n for i in static} if n else set()
        dynamic = [i for i in range(n) if i not in static_pos]
        leaves, in_tree = flatten(([args[i] for i in dynamic], kwargs))

        def flat_fun(*xs: Any) -> list:
            dyn, kw = unflatten(in_tree, xs)
            full = list(args)
            for i, v in zip(dynamic, dyn, strict=True):
                full[i] = v
            out = fun(*full, **kw)
            out_leaves, out_tree = flatten(out)
            box.append(out_tree)
            return out_leaves

        box: list[Any] = []
        known = [None if isinstance(x, ShapedArray) else x for x in leaves]
        result = trace_flat(
            flat_fun, [input_aval(x) for x in leaves], known, weak_scalars=True, record_values=True
        )
        graph = result.graph
        graph.in_tree, graph.out_tree = in_tree, box[0]
        graph.guards = result.guards
        return graph

    return traced
