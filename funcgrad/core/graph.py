"""The graph IR: a traced program as equations over typed variables.

A ``Graph`` has input variables, hoisted constants (variables bound to values captured
from outside: arrays, and tracers of enclosing transformations), a list of
``Equation``s (primitive, input atoms, params, output variables) in execution order, and
output atoms. An atom is a ``Var`` (with its ``ShapedArray``) or a ``Literal`` (a Python
scalar written into the program). Loop primitives carry body graphs in their params, which
is why the IR lives in the core: primitives may not import transformations.

``str(graph)`` prints one equation per line, like a jaxpr; ``to_dot()`` gives Graphviz
text; ``eval_graph`` runs a graph by binding its primitives (so it runs under any
transformation). Imports core only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .avals import ShapedArray
from .errors import Site


class Var:
    """A variable of a graph: one array value with a shape and dtype (identity-hashed)."""

    __slots__ = ("aval", "hint")

    def __init__(self, aval: ShapedArray, hint: str = "") -> None:
        self.aval = aval
        self.hint = hint  # an optional readable name (e.g. an argument's), for printing

    def __repr__(self) -> str:
        return f"Var({self.aval})"


class Literal:
    """A Python scalar (or None) written directly into an equation's inputs."""

    __slots__ = ("aval", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.aval = ShapedArray((), np.asarray(value).dtype) if value is not None else None

    def __repr__(self) -> str:
        return f"Literal({self.value!r})"


Atom = Var | Literal


class Equation:
    """``outputs = prim(*inputs, **params)``; ``source`` is the user's line (a ``Site``).

    ``out_buffer``: an input variable whose array the generated code may overwrite with
    the result (``impl(..., out=buffer)``); set only by the buffer-reuse pass, read only by
    code generation (evaluation ignores it).
    """

    __slots__ = ("inputs", "out_buffer", "outputs", "params", "prim", "source")

    def __init__(
        self,
        prim: Any,
        inputs: Sequence[Atom],
        params: dict[str, Any],
        outputs: Sequence[Var],
        source: Site | None = None,
        out_buffer: Var | None = None,
    ) -> None:
        self.prim = prim
        self.inputs = tuple(inputs)
        self.params = params
        self.outputs = tuple(outputs)
        self.source = source
        self.out_buffer = out_buffer

    def __repr__(self) -> str:
        return f"Equation({self.prim.name}, {len(self.inputs)} in, {len(self.outputs)} out)"


class Graph:
    """A traced program: ``outvars = f(*invars)`` with ``constvars`` bound to ``consts``.

    ``in_tree``/``out_tree`` (optional) record the pytree structures of the traced
    function's arguments and result.
    """

    __slots__ = (
        "cache",
        "consts",
        "constvars",
        "eqns",
        "guards",
        "in_tree",
        "invars",
        "out_tree",
        "outvars",
    )

    def __init__(
        self,
        invars: Sequence[Var],
        constvars: Sequence[Var],
        consts: Sequence[Any],
        eqns: Sequence[Equation],
        outvars: Sequence[Atom],
        in_tree: Any = None,
        out_tree: Any = None,
    ) -> None:
        self.invars = list(invars)
        self.constvars = list(constvars)
        self.consts = list(consts)
        self.eqns = list(eqns)
        self.outvars = list(outvars)
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.guards: list[Any] = []  # Python decisions made while tracing (graph/trace.py)
        self.cache: dict[Any, Any] = {}  # what is derived from this graph: compiled code, ...

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        """The outputs' shapes and dtypes (outputs are pytree leaves: never a literal None)."""
        avals = []
        for v in self.outvars:
            if v.aval is None:
                raise TypeError(f"{self!r}: output {v!r} has no shape and dtype")
            avals.append(v.aval)
        return avals

    def __repr__(self) -> str:
        return (
            f"Graph({len(self.invars)} inputs, {len(self.constvars)} constants, "
            f"{len(self.eqns)} equations, {len(self.outvars)} outputs)"
        )

    def __str__(self) -> str:
        return "\n".join(_format(self, _Namer(), indent=0))

    def to_dot(self, name: str = "graph", values: bool = False) -> str:
        """Graphviz DOT text: a box per equation, an edge per variable use.

        ``values``: label each edge with the variable's value too, where the graph was
        traced with values (``make_graph`` on arrays); ``fg.show`` adds gradients.
        """
        label = None
        if values:
            known = self.cache.get("values", {})

            def label(v: Var) -> str:
                return f"{v.aval}\n{_summary(known.get(v))}"

        return _to_dot(self, name, label)


# --- evaluation ----------------------------------------------------------------------


def eval_graph(graph: Graph, consts: Sequence[Any], args: Sequence[Any]) -> list[Any]:
    """Run ``graph`` on ``args`` (its constants bound to ``consts``) by binding each
    primitive, so that the enclosing transformations see every step. Returns the outputs."""
    env: dict[Var, Any] = {}
    for v, x in zip(graph.constvars, consts, strict=True):
        env[v] = x
    for v, x in zip(graph.invars, args, strict=True):
        env[v] = x

    def read(a: Atom) -> Any:
        return a.value if isinstance(a, Literal) else env[a]

    for eqn in graph.eqns:
        params = eqn.params
        if getattr(eqn.prim, "is_call", False):
            params = eqn.prim.call_params(params)  # the call's function, from its graph(s)
        out = eqn.prim.bind(*(read(a) for a in eqn.inputs), **params)
        if eqn.prim.multiple_results:
            for v, o in zip(eqn.outputs, out, strict=True):
                env[v] = o
        else:
            env[eqn.outputs[0]] = out
    return [read(a) for a in graph.outvars]


def graph_function(graph: Graph) -> Callable[..., list[Any]]:
    """``graph`` as a function of its inputs (its constants bound)."""
    return lambda *args: eval_graph(graph, graph.consts, args)


def graph_vars(graph: Graph) -> Iterator[Var]:
    """Every variable of ``graph`` (inputs, constants, equation outputs), in order."""
    yield from graph.invars
    yield from graph.constvars
    for eqn in graph.eqns:
        yield from eqn.outputs


# --- printing ------------------------------------------------------------------------


class _Namer:
    """Short names for variables in order of appearance: a, b, ..., z, ba, bb, ..."""

    def __init__(self) -> None:
        self.names: dict[Var, str] = {}

    def __call__(self, v: Atom) -> str:
        if isinstance(v, Literal):
            return repr(v.value)
        name = self.names.get(v)
        if name is None:
            n, name = len(self.names), ""
            while True:
                name = chr(ord("a") + n % 26) + name
                n = n // 26
                if n == 0:
                    break
            self.names[v] = name
        return name

    def typed(self, v: Var) -> str:
        return f"{self(v)}:{v.aval}"


def _format_param(value: Any, namer: _Namer, indent: int) -> list[str]:
    if isinstance(value, Graph):
        return _format(value, namer, indent + 4)
    if callable(value) and hasattr(value, "__name__"):
        return [value.__name__]
    if isinstance(value, np.dtype):
        return [value.name]
    text = repr(value)
    return [text if len(text) <= 60 else text[:57] + "..."]


def _format(graph: Graph, namer: _Namer, indent: int) -> list[str]:
    pad = " " * indent
    consts = " ".join(namer.typed(v) for v in graph.constvars)
    ins = " ".join(namer.typed(v) for v in graph.invars)
    lines = [f"{pad}{{ lambda {consts + ' ' if consts else ''}; {ins}. let"]
    for eqn in graph.eqns:
        outs = " ".join(namer.typed(v) for v in eqn.outputs)
        params, nested = [], []
        for k, v in eqn.params.items():
            text = _format_param(v, namer, indent)
            if isinstance(v, Graph):
                params.append(f"{k}=<graph>")
                nested.append((k, text))
            else:
                params.append(f"{k}={text[0]}")
        pstr = f"[{' '.join(params)}]" if params else ""
        args = " ".join(namer(a) for a in eqn.inputs)
        lines.append(f"{pad}    {outs} = {eqn.prim.name}{pstr} {args}")
        for k, text in nested:
            lines.append(f"{pad}      {k}=")
            lines.extend(text)
    outs = " ".join(namer(a) for a in graph.outvars)
    lines.append(f"{pad}  in ({outs}{',' if len(graph.outvars) == 1 else ''}) }}")
    return lines


def _summary(x: Any) -> str:
    if x is None:
        return "?"
    a = np.asarray(x)
    if a.dtype.kind not in "biufc":
        return str(a.dtype)
    if a.size <= 4:
        return np.array2string(a, precision=4, separator=", ").replace("\n", "")
    return f"{a.min():.3g}/{a.mean():.3g}/{a.max():.3g}"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _to_dot(graph: Graph, name: str, label: Callable[[Var], str] | None = None) -> str:
    namer = _Namer()
    lines = [f'digraph "{_dot_escape(name)}" {{', "  rankdir=TB;"]
    lines.append('  node [fontname="Helvetica"];')
    producer: dict[Var, str] = {}
    for i, v in enumerate(graph.invars):
        node = f"in{i}"
        producer[v] = node
        lines.append(f'  {node} [shape=ellipse, label="{namer(v)}: {v.aval}", style=bold];')
    for i, v in enumerate(graph.constvars):
        node = f"const{i}"
        producer[v] = node
        lines.append(f'  {node} [shape=ellipse, label="{namer(v)}: {v.aval}", style=dashed];')
    for i, eqn in enumerate(graph.eqns):
        node = f"eq{i}"
        lines.append(f'  {node} [shape=box, label="{_dot_escape(eqn.prim.name)}"];')
        for a in eqn.inputs:
            if isinstance(a, Literal):
                continue
            src = producer.get(a)
            if src is not None:
                text = label(a) if label else f"{namer(a)}: {a.aval}"
                lines.append(f'  {src} -> {node} [label="{_dot_escape(text)}"];')
        for v in eqn.outputs:
            producer[v] = node
    for i, a in enumerate(graph.outvars):
        node = f"out{i}"
        lines.append(f'  {node} [shape=doublecircle, label="out {i}"];')
        if isinstance(a, Var) and a in producer:
            lines.append(f'  {producer[a]} -> {node} [label="{namer(a)}: {a.aval}"];')
    lines.append("}")
    return "\n".join(lines)
