"""Dead-code elimination: drop equations whose outputs nothing uses.

Walks the equations backwards from the outputs (and the variables in ``keep``, which
guards test); every primitive is pure, so an equation none of whose outputs is live can
go. Sub-graphs of call equations are cleaned too. Imports core only.
"""

from __future__ import annotations

from collections.abc import Sequence

from ....core.graph import Graph, Literal, Var


def eliminate_dead_code(graph: Graph, keep: Sequence[Var] = ()) -> Graph:
    """``graph`` without the equations whose results are never used."""
    live = {a for a in graph.outvars if isinstance(a, Var)} | set(keep)
    kept = []
    for eqn in reversed(graph.eqns):
        if not any(v in live for v in eqn.outputs):
            continue
        kept.append(eqn)
        live.update(a for a in eqn.inputs if not isinstance(a, Literal))
    kept.reverse()
    constvars, consts = [], []
    for v, c in zip(graph.constvars, graph.consts, strict=True):
        if v in live:
            constvars.append(v)
            consts.append(c)
    out = Graph(
        graph.invars, constvars, consts, kept, graph.outvars, graph.in_tree, graph.out_tree
    )
    out.guards = list(graph.guards)
    return out
