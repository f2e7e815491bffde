"""``show``: the computation as the circuit diagrams of backpropagation draw it.

Every wire carries its forward value and its gradient (the cotangent of the output with
respect to it); every gate is a primitive. The function is traced once with its real
arguments (``make_graph``), then its graph is run under reverse mode keeping every
cotangent. Gates are grouped by the user function and ``funcgrad.nn`` layer that made
them (a scan is one gate), and large graphs collapse each group into one box, so a
three-layer MLP is a readable picture. ``Circuit`` prints as text; ``to_dot()`` gives
Graphviz text; ``render(path)`` runs Graphviz's ``dot`` (Debian package ``graphviz``).
Public face: imports the transformations.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.graph import Graph, Literal, Var
from ..core.trace import new_trace
from ..transforms.graph.trace import make_graph
from ..transforms.reverse import ReverseTrace, ReverseTracer, backward
from ..tree import flatten_with_path, keystr

_SYMBOLS = {
    "add": "+",
    "subtract": "\u2212",  # minus sign
    "multiply": "\u00d7",  # multiplication sign
    "divide": "\u00f7",
    "negative": "\u2212x",
    "matmul": "@",
    "power": "^",
    "maximum": "max",
    "minimum": "min",
}


def summarize(x: Any, small: int = 4) -> str:
    """A value as text: itself when it has at most ``small`` elements, else min/mean/max."""
    if x is None:
        return "?"
    a = np.asarray(x)
    if a.dtype.kind not in "biufc":
        return f"{a.dtype}{list(a.shape)}"
    if a.size <= small:
        text = np.array2string(a, precision=4, separator=", ", suppress_small=True)
        return text.replace("\n", "")
    if a.dtype.kind == "c":
        return f"|z| {np.abs(a).min():.3g}/{np.abs(a).mean():.3g}/{np.abs(a).max():.3g}"
    with np.errstate(all="ignore"):
        return f"{a.min():.3g}/{a.mean():.3g}/{a.max():.3g}"


class Wire:
    """A value of the circuit: its name, aval, forward value and gradient."""

    __slots__ = ("aval", "grad", "name", "value")

    def __init__(self, name: str, aval: Any, value: Any, grad: Any) -> None:
        self.name, self.aval, self.value, self.grad = name, aval, value, grad


class Gate:
    """A primitive of the circuit: its inputs and outputs (``Wire``s), where it came from,
    and its group (the layer or user function that made it)."""

    __slots__ = ("group", "inputs", "outputs", "prim", "site")

    def __init__(self, prim: str, inputs: list, outputs: list, site: Any, group: str) -> None:
        self.prim, self.inputs, self.outputs, self.site = prim, inputs, outputs, site
        self.group = group


class _Groups:
    """Group names: ``Dense 1``, ``Dense 2`` for two layers of a class, else the function."""

    def __init__(self) -> None:
        self.layers: dict[int, str] = {}
        self.count: dict[str, int] = {}

    def __call__(self, site: Any) -> str:
        if site is None:
            return ""
        if site.layer is None:
            return site.function
        if site.layer_id not in self.layers:
            n = self.count[site.layer] = self.count.get(site.layer, 0) + 1
            self.layers[site.layer_id] = f"{site.layer} {n}"
        return self.layers[site.layer_id]


class Circuit:
    """The traced computation with every wire's value and gradient.

    ``inputs``: the input wires (named after the arguments); ``gates``: the primitives in
    order; ``outputs``: the output wires. ``str()`` is a table; ``to_dot()`` Graphviz text;
    ``render(path)`` a picture (``.svg``/``.png``/``.pdf``).
    """

    def __init__(self, name: str, inputs: list, gates: list, outputs: list) -> None:
        self.name, self.inputs, self.gates, self.outputs = name, inputs, gates, outputs

    def wire(self, name: str) -> Wire:
        """The wire called ``name``."""
        for w in [*self.inputs, *(o for g in self.gates for o in g.outputs)]:
            if w.name == name:
                return w
        raise FuncgradValueError(f"show: no wire named {name!r}")

    def __str__(self) -> str:
        rows = [("wire", "made by", "value", "gradient", "where")]
        for w in self.inputs:
            rows.append((w.name, "input", summarize(w.value), summarize(w.grad), ""))
        outs = {id(w) for w in self.outputs}
        for g in self.gates:
            args = ", ".join(w.name if isinstance(w, Wire) else repr(w) for w in g.inputs)
            for w in g.outputs:
                where = f"{g.site}" + (f" ({g.group})" if g.group else "") if g.site else ""
                mark = "  <- output" if id(w) in outs else ""
                rows.append(
                    (w.name, f"{g.prim}({args})", summarize(w.value), summarize(w.grad),
                     where + mark)
                )  # fmt: skip
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [f"circuit of {self.name}: {len(self.gates)} operations"]
        for r in rows:
            lines.append(
                "  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:4])) + "  " + r[4]
            )
        return "\n".join(lines)

    def to_dot(self, collapse: bool | None = None) -> str:
        """Graphviz DOT text: gates as nodes, wires as edges labelled value (green) and
        gradient (red). ``collapse`` (default: more than 60 gates) draws each group of gates
        (user function or layer) as one box."""
        if collapse is None:
            collapse = len(self.gates) > 60
        return _dot(self, collapse)

    def render(self, path: str, collapse: bool | None = None, timeout: float = 30.0) -> str:
        """Draw the circuit to ``path`` with Graphviz's ``dot``; the format is the suffix.

        Raises:
          RuntimeError: the ``dot`` program is not installed (``apt-get install graphviz``),
            or it failed.
        """
        dot = shutil.which("dot")
        if dot is None:
            raise FuncgradTypeError(
                "show(...).render needs Graphviz's `dot` program, which is not installed "
                "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz). "
                "str(circuit) is a text view, and circuit.to_dot() the Graphviz text."
            )
        fmt = path.rsplit(".", 1)[-1] if "." in path else "svg"
        subprocess.run(
            [dot, f"-T{fmt}", "-o", path],
            input=self.to_dot(collapse).encode(),
            check=True,
            timeout=timeout,
            capture_output=True,
        )
        return path

    def _repr_svg_(self) -> str | None:  # notebooks
        dot = shutil.which("dot")
        if dot is None:
            return None
        run = subprocess.run([dot, "-Tsvg"], input=self.to_dot().encode(), capture_output=True,
                             timeout=30.0, check=False)  # fmt: skip
        return run.stdout.decode() if run.returncode == 0 else None


def show(fun: Callable, *args: Any, **kwargs: Any) -> Circuit:
    """Trace ``fun(*args)`` and return its circuit: every value with its gradient.

    Gradients are those of ``fun``'s output (of the sum of its float outputs, if it is not
    a scalar) with respect to every wire, as backpropagation computes them.

    Example:
      >>> c = show(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0)
      >>> [summarize(w.grad) for w in c.inputs]
      ['-4.', '-4.', '3.']
    """
    graph = make_graph(fun)(*args, **kwargs)
    values: dict = graph.cache.get("values", {})
    names = _input_names(fun, args, kwargs)
    grads = _cotangents(graph, values)
    namer = _Names(names)
    inputs = [Wire(namer(v), v.aval, values.get(v), grads.get(v)) for v in graph.invars]
    for v, c in zip(graph.constvars, graph.consts, strict=True):
        namer.names[v] = f"const{len(namer.names)}"
        values.setdefault(v, c)
    gates = []
    group_of = _Groups()
    wires: dict[Var, Wire] = {v: w for v, w in zip(graph.invars, inputs, strict=True)}
    for eqn in graph.eqns:
        ins: list[Any] = []
        for a in eqn.inputs:
            if isinstance(a, Literal):
                ins.append(a.value)
            elif a in wires:
                ins.append(wires[a])
            else:  # a constant
                w = wires[a] = Wire(namer(a), a.aval, values.get(a), grads.get(a))
                ins.append(w)
        outs = []
        for v in eqn.outputs:
            w = wires[v] = Wire(namer(v), v.aval, values.get(v), grads.get(v))
            outs.append(w)
        gates.append(Gate(eqn.prim.name, ins, outs, eqn.source, group_of(eqn.source)))
    outputs = [wires[a] for a in graph.outvars if isinstance(a, Var) and a in wires]
    return Circuit(getattr(fun, "__name__", "function"), inputs, gates, outputs)


class _Names:
    def __init__(self, inputs: list[str]) -> None:
        self.inputs = iter(inputs)
        self.names: dict[Var, str] = {}
        self.count = 0

    def __call__(self, v: Var) -> str:
        if v not in self.names:
            name = next(self.inputs, None)
            if name is None:
                name = _letters(self.count)
                self.count += 1
            self.names[v] = name
        return self.names[v]


def _letters(n: int) -> str:
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return "v_" + out


def _input_names(fun: Callable, args: tuple, kwargs: dict) -> list[str]:
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    for i, a in enumerate(args):
        base = params[i] if i < len(params) else f"arg{i}"
        pairs, _ = flatten_with_path(a)
        names.extend(base + keystr(p) for p, _ in pairs)
    for k, v in sorted(kwargs.items()):
        pairs, _ = flatten_with_path(v)
        names.extend(k + keystr(p) for p, _ in pairs)
    return names


def _cotangents(graph: Graph, values: dict) -> dict[Var, Any]:
    """Every variable's cotangent: the graph run under reverse mode, all cotangents kept."""
    float_out = [a for a in graph.outvars if isinstance(a, Var) and a.aval.dtype.kind == "f"]
    if not float_out or any(values.get(v) is None for v in graph.invars):
        return {}
    refs: dict[Var, tuple[int, int]] = {}
    with new_trace(ReverseTrace()) as trace:
        env: dict[Var, Any] = {}
        for v in graph.invars:
            x = values[v]
            if np.asarray(x).dtype.kind in "fc":
                t = trace.new_input(np.asarray(x))
                refs[v] = (t.node, t.index)
                env[v] = t
            else:
                env[v] = x
        env.update(zip(graph.constvars, graph.consts, strict=True))
        for eqn in graph.eqns:
            ins = [a.value if isinstance(a, Literal) else env[a] for a in eqn.inputs]
            params = eqn.prim.call_params(eqn.params) if eqn.prim.is_call else eqn.params
            out = eqn.prim.bind(*ins, **params)
            outs = list(out) if eqn.prim.multiple_results else [out]
            for v, o in zip(eqn.outputs, outs, strict=True):
                env[v] = o
                if type(o) is ReverseTracer and o._trace is trace:
                    refs[v] = (o.node, o.index)
        seeds = [(*refs[a], np.ones(a.aval.shape, a.aval.dtype)) for a in float_out if a in refs]
    kept: dict[int, Any] = {}
    backward(trace.tape, seeds, keep=kept)
    grads: dict[Var, Any] = {}
    for v, (node, index) in refs.items():
        ct = kept.get(node)
        if ct is not None and index >= 0:
            ct = ct[index]
        grads[v] = np.zeros(v.aval.shape, v.aval.dtype) if ct is None else np.asarray(ct)
    return grads


def _dot(c: Circuit, collapse: bool) -> str:
    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def label(w: Wire) -> str:
        value, grad = esc(summarize(w.value)), esc(summarize(w.grad))
        return (f'<<font color="darkgreen">{value}</font><br/>'
                f'<font color="red">{grad}</font>>')  # fmt: skip

    lines = [
        f'digraph "{esc(c.name)}" {{',
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    producer: dict[int, str] = {}
    for i, w in enumerate(c.inputs):
        node = f"in{i}"
        producer[id(w)] = node
        lines.append(f'  {node} [shape=plaintext, label="{esc(w.name)}"];')
    if collapse:
        groups: dict[str, list[Gate]] = {}
        for g in c.gates:
            groups.setdefault(g.group or "(top level)", []).append(g)
        node_of_gate = {}
        for k, (name, gates) in enumerate(groups.items()):
            node = f"grp{k}"
            last = gates[-1].outputs[-1]
            text = f"{name}\\n{len(gates)} operations\\nout {last.aval}"
            lines.append(f'  {node} [shape=box, style=rounded, label="{esc(text)}"];')
            for g in gates:
                node_of_gate[id(g)] = node
                for w in g.outputs:
                    producer[id(w)] = node
        edges = set()
        for g in c.gates:
            dst = node_of_gate[id(g)]
            for w in g.inputs:
                src = producer.get(id(w)) if isinstance(w, Wire) else None
                if src is not None and src != dst and (src, dst) not in edges:
                    edges.add((src, dst))
                    lines.append(f"  {src} -> {dst} [label={label(w)}];")
    else:
        clusters: dict[str, list[str]] = {}
        for i, g in enumerate(c.gates):
            node = f"g{i}"
            symbol = _SYMBOLS.get(g.prim, g.prim)
            shape = "circle" if g.prim in _SYMBOLS else "box"
            lines.append(f'  {node} [shape={shape}, label="{esc(symbol)}"];')
            clusters.setdefault(g.group, []).append(node)
            for w in g.inputs:
                if isinstance(w, Wire) and id(w) in producer:
                    lines.append(f"  {producer[id(w)]} -> {node} [label={label(w)}];")
            for w in g.outputs:
                producer[id(w)] = node
        for k, (name, nodes) in enumerate(clusters.items()):
            if name and len(clusters) > 1:
                lines.append(f'  subgraph cluster_{k} {{ label="{esc(name)}"; style=dashed; '
                             f'{"; ".join(nodes)}; }}')  # fmt: skip
    for i, w in enumerate(c.outputs):
        node = f"out{i}"
        lines.append(f'  {node} [shape=doublecircle, label="out"];')
        if id(w) in producer:
            lines.append(f"  {producer[id(w)]} -> {node} [label={label(w)}];")
    lines.append("}")
    return "\n".join(lines)
