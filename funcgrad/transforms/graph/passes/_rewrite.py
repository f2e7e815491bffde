"""What the passes share: rebuilding graphs, renaming inputs, and recursion into sub-graphs.

Passes never mutate a graph or an equation: they build new ones, and reuse an unchanged
``Equation`` object as it is, so ``changed`` (identity of the equations) tells whether a
pass did anything. A pass written for one level of a graph becomes a pass over a graph and
the sub-graphs of its call equations with ``each_level``. Imports core only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ....core.graph import Atom, Equation, Graph, Var

LevelPass = Callable[[Graph, "frozenset[Var]"], Graph]


def rebuild(
    graph: Graph,
    eqns: Sequence[Equation],
    outvars: Sequence[Atom] | None = None,
    constvars: Sequence[Var] | None = None,
    consts: Sequence[Any] | None = None,
) -> Graph:
    """A copy of ``graph`` with new equations (and optionally outputs and constants)."""
    out = Graph(
        graph.invars,
        graph.constvars if constvars is None else constvars,
        graph.consts if consts is None else consts,
        eqns,
        graph.outvars if outvars is None else outvars,
        graph.in_tree,
        graph.out_tree,
    )
    out.guards = list(graph.guards)
    return out


def renamed(eqn: Equation, env: dict[Var, Atom]) -> Equation:
    """``eqn`` reading ``env[v]`` for each input ``v`` renamed there (itself if none is)."""
    if not env:
        return eqn
    inputs = tuple(env.get(a, a) if isinstance(a, Var) else a for a in eqn.inputs)
    if all(x is y for x, y in zip(inputs, eqn.inputs, strict=True)):
        return eqn
    return Equation(eqn.prim, inputs, eqn.params, eqn.outputs, eqn.source)


def renamed_atoms(atoms: Iterable[Atom], env: dict[Var, Atom]) -> list[Atom]:
    return [env.get(a, a) if isinstance(a, Var) else a for a in atoms]


def changed(before: Graph, after: Graph) -> bool:
    """True when ``after`` differs from ``before`` (other equations, outputs or constants)."""
    if len(before.eqns) != len(after.eqns) or len(before.constvars) != len(after.constvars):
        return True
    if any(a is not b for a, b in zip(before.eqns, after.eqns, strict=True)):
        return True
    return any(a is not b for a, b in zip(before.outvars, after.outvars, strict=True))


def subgraph(eqn: Equation) -> Graph | None:
    """The sub-graph a call equation holds (``params["graph"]``), or None."""
    if eqn.prim.is_call:
        g = eqn.params.get("graph")
        if isinstance(g, Graph):
            return g
    return None


def each_level(graph: Graph, keep: Iterable[Var], level_pass: LevelPass) -> Graph:
    """Apply ``level_pass(graph, keep)`` to the sub-graphs of call equations (innermost
    first; a sub-graph shared by several equations is done once and stays shared) and
    then to ``graph`` itself. ``keep``: variables (of any level) that must survive."""
    kept = frozenset(keep)
    done: dict[int, Graph] = {}

    def run(g: Graph) -> Graph:
        if not any(eqn.prim.is_call for eqn in g.eqns):
            return level_pass(g, kept)
        eqns = []
        for eqn in g.eqns:
            sub = subgraph(eqn)
            if sub is not None:
                new = done.get(id(sub))
                if new is None:
                    new = done[id(sub)] = run(sub)
                if new is not sub:
                    params = {**eqn.params, "graph": new}
                    eqn = Equation(eqn.prim, eqn.inputs, params, eqn.outputs, eqn.source)
            eqns.append(eqn)
        if any(a is not b for a, b in zip(eqns, g.eqns, strict=True)):
            g = rebuild(g, eqns)
        return level_pass(g, kept)

    return run(graph)
