"""Code generation: a ``Graph`` as a Python function of direct numpy calls.

``compile_graph(graph, guards)`` writes the source of ``def f(consts..., inputs...)``: one
line per equation calling the primitive's numpy implementation (a ufunc or numpy function
called directly; params written as keyword literals), guard checks right after the value
they test (a failed guard returns ``None``: the caller retraces), and ``return`` of the
outputs. The source is compiled with ``compile()`` and registered with ``linecache`` so
tracebacks show the generated line; ``Compiled.source`` shows what runs. Calls of
sub-graphs (checkpoint, custom rules, nested jit) become calls of their compiled graphs;
loop primitives register their own emitters (a Python ``for``/``while`` over the compiled
body) in ``EMITTERS``. Imports core only.
"""

from __future__ import annotations

import itertools
import linecache
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.graph import Atom, Equation, Graph, Literal, Var
from ...tree import PyTreeDef
from ...tree.registry import node_kind

_counter = itertools.count()


class Emitter:
    """Builds one generated function: names for variables, constants in a namespace."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"np": np}
        self.names: dict[Var, str] = {}
        self.bound: dict[int, str] = {}
        self.indent = 1

    def var(self, v: Var) -> str:
        """A new Python name for ``v`` (its definition)."""
        name = f"v{len(self.names)}"
        self.names[v] = name
        return name

    def use(self, a: Atom) -> str:
        """The expression for atom ``a``: its name, or a literal."""
        if isinstance(a, Literal):
            return self.literal(a.value)
        return self.names[a]

    def literal(self, value: Any) -> str:
        if value is None or isinstance(value, (bool, str)):
            return repr(value)
        if isinstance(value, int):
            return repr(value)
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return self.const(value, "lit")

    def const(self, value: Any, hint: str = "c", readable: bool = False) -> str:
        """A namespace name bound to ``value`` (one per object); ``readable``: ``hint``
        itself where it is free (function names: ``tanh(v3)``)."""
        name = self.bound.get(id(value))
        if name is None:
            name = f"_{hint}{len(self.bound)}"
            if readable and hint.isidentifier() and hint not in self.namespace:
                name = hint
            self.bound[id(value)] = name
            self.namespace[name] = value
        return name

    def param(self, value: Any) -> str:
        """A static parameter as source: a literal where it is one, else a bound constant."""
        if _is_literal(value):
            return repr(value)
        return self.const(value, "p")

    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def assign(self, outputs: Sequence[Var], expr: str, multiple: bool) -> None:
        names = [self.var(v) for v in outputs]
        if not multiple:
            self.line(f"{names[0]} = {expr}")
        elif not names:
            self.line(expr)
        else:
            self.line(f"{', '.join(names)}{',' if len(names) == 1 else ''} = {expr}")


def _is_literal(value: Any) -> bool:
    if value is None or type(value) in (bool, int, str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if type(value) is tuple:  # not a namedtuple: its repr names its class
        return all(_is_literal(v) for v in value)
    return False


def emit_call(em: Emitter, eqn: Equation) -> None:
    """The default: ``outs = impl(*inputs, **params)``; a sub-graph call for a CallPrimitive."""
    args = [em.use(a) for a in eqn.inputs]
    if getattr(eqn.prim, "is_call", False):
        fn = em.const(compile_graph(eqn.params["graph"]).fn, eqn.prim.name)
        em.assign(eqn.outputs, f"{fn}({', '.join(args)})", multiple=True)
        return
    fn = em.const(eqn.prim.impl, eqn.prim.name, readable=True)
    kwargs = [f"{k}={em.param(v)}" for k, v in eqn.params.items()]
    if eqn.out_buffer is not None:  # the buffer pass found a dead temporary to write into
        kwargs.append(f"out={em.use(eqn.out_buffer)}")
    em.assign(eqn.outputs, f"{fn}({', '.join(args + kwargs)})", eqn.prim.multiple_results)


# primitive -> emitter(em, eqn), for primitives that generate more than a call (loops)
EMITTERS: dict[Any, Callable[[Emitter, Equation], None]] = {}


class Compiled:
    """A compiled graph: ``fn(*consts, *inputs)`` returns the outputs (None on a guard miss)."""

    __slots__ = ("fn", "graph", "source")

    def __init__(self, fn: Callable[..., Any], source: str, graph: Graph) -> None:
        self.fn = fn
        self.source = source
        self.graph = graph

    def __repr__(self) -> str:
        return f"Compiled({len(self.graph.eqns)} equations)\n{self.source}"


class GuardMiss:
    """What a compiled function returns when a guard fails: ``index`` names the guard."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def compile_graph(
    graph: Graph,
    guards: Sequence[Any] = (),
    name: str = "compiled",
    bind_consts: bool = True,
    out_tree: PyTreeDef | None = None,
) -> Compiled:
    """Generate, compile and return the function of ``graph``.

    With ``bind_consts`` the graph's constants are bound in the function's namespace and
    it takes only the inputs; otherwise the constants come first among its arguments.
    ``guards`` (``Guard``s of graph variables) are checked right after their variable; a
    failed one returns a ``GuardMiss``. Temporaries are deleted after their last use.
    Without ``out_tree`` the function returns the tuple of outputs; with it, the output
    pytree itself, every array fresh (copied where it could alias an input, a constant,
    another output or a view).
    """
    em = Emitter()
    if bind_consts:
        for v, value in zip(graph.constvars, graph.consts, strict=True):
            em.names[v] = em.const(value, "k")
        params = [em.var(v) for v in graph.invars]
    else:
        params = [em.var(v) for v in graph.constvars + graph.invars]
    by_var: dict[Var, list[Any]] = {}
    for g in guards:
        by_var.setdefault(g.var, []).append(g)
    misses = {id(g): em.const(GuardMiss(k), "miss") for k, g in enumerate(guards)}
    for v in [*graph.constvars, *graph.invars]:
        _emit_guards(em, by_var.get(v, ()), misses)
    dead_after = _last_uses(graph, set(by_var))
    for i, eqn in enumerate(graph.eqns):
        EMITTERS.get(eqn.prim, emit_call)(em, eqn)
        for v in eqn.outputs:
            _emit_guards(em, by_var.get(v, ()), misses)
        dead = [em.names[v] for v in dead_after.get(i, ())]
        if dead:
            em.line(f"del {', '.join(dead)}")
    if out_tree is None:
        outs = [em.use(a) for a in graph.outvars]
        em.line(f"return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    else:
        outs = _fresh_outputs(em, graph)
        em.line(f"return {_tree_expr(em, out_tree, iter(outs))}")
    fname = f"{_identifier(name)}_{next(_counter)}"
    source = f"def {fname}({', '.join(params)}):\n" + "\n".join(em.lines) + "\n"
    filename = f"<funcgrad.jit {fname}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), em.namespace)  # our own source, written above
    return Compiled(em.namespace[fname], source, graph)


def _last_uses(graph: Graph, guarded: set[Var]) -> dict[int, list[Var]]:
    """Equation index -> the temporaries whose last use it is (to ``del`` after it)."""
    keep = {a for a in graph.outvars if isinstance(a, Var)} | guarded
    keep.update(graph.invars, graph.constvars)
    last: dict[Var, int] = {}
    for i, eqn in enumerate(graph.eqns):
        for a in eqn.inputs:
            if isinstance(a, Var):
                last[a] = i
        if eqn.out_buffer is not None:
            last[eqn.out_buffer] = i
        for v in eqn.outputs:
            last.setdefault(v, i)  # an output nothing reads dies where it is made
    dead: dict[int, list[Var]] = {}
    for v, i in last.items():
        if v not in keep:
            dead.setdefault(i, []).append(v)
    return dead


# primitives whose numpy implementation always returns a new array of its own
_FRESH_IMPLS = (np.ufunc,)


def _fresh_outputs(em: Emitter, graph: Graph) -> list[str]:
    """Output expressions that are arrays the caller owns."""
    producer = {v: eqn for eqn in graph.eqns for v in eqn.outputs}
    seen: set[Var] = set()
    outs = []
    fresh = em.const(_fresh, "fresh", readable=True)
    for a in graph.outvars:
        if isinstance(a, Literal):
            outs.append(f"np.asarray({em.use(a)})")
            continue
        eqn = producer.get(a)
        owned = (
            eqn is not None
            and a not in seen
            and isinstance(eqn.prim.impl, _FRESH_IMPLS)
            and len(a.aval.shape) > 0
        )
        name = em.use(a)
        if a in seen or eqn is None:  # an input, a constant or a repeated output: copy
            outs.append(f"np.array({name})")
        else:
            outs.append(name if owned else f"{fresh}({name})")
        seen.add(a)
    return outs


def _fresh(x: Any) -> np.ndarray:
    """``x`` as an array of its own (copied if it is a view, read-only or a scalar)."""
    if type(x) is np.ndarray and x.base is None and x.flags.writeable and x.flags.c_contiguous:
        return x
    return np.array(x)


def _tree_expr(em: Emitter, treedef: PyTreeDef, leaves: Any) -> str:
    """Source that builds a pytree of ``treedef`` from leaf expressions."""
    kind_type = treedef.kind_type
    if kind_type is None:  # a leaf
        return next(leaves)
    kids = [_tree_expr(em, c, leaves) for c in treedef.children]
    if kind_type is tuple:
        return f"({', '.join(kids)}{',' if len(kids) == 1 else ''})"
    if kind_type is list:
        return f"[{', '.join(kids)}]"
    if kind_type is type(None):
        return "None"
    if kind_type is dict:
        items = [f"{em.param(k)}: {v}" for k, v in zip(treedef.aux, kids, strict=True)]
        return "{" + ", ".join(items) + "}"
    kind = node_kind(kind_type)
    assert kind is not None
    build = em.const(kind.unflatten, "unflatten")
    return f"{build}({em.const(treedef.aux, 'aux')}, [{', '.join(kids)}])"


def _same_value(a: Any, expected: np.ndarray) -> bool:
    a = np.asarray(a)
    if a.shape != expected.shape or a.dtype != expected.dtype:
        return False
    return bool(np.array_equal(a, expected, equal_nan=a.dtype.kind in "fc"))


def _emit_guards(em: Emitter, guards: Sequence[Any], misses: dict) -> None:
    for g in guards:
        value = em.use(g.var)
        if g.kind == "value":
            same = em.const(_same_value, "same_value", readable=True)
            test = f"not {same}({value}, {em.const(g.expected, 'g')})"
        else:
            test = f"{g.kind}({value}) != {em.literal(g.expected)}"
        em.line(f"if {test}:")
        em.line(f"    return {misses[id(g)]}  # guard from " + str(g.source).replace("\n", " "))


def _identifier(name: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in name) or "f"
    return out if not out[0].isdigit() else "_" + out
