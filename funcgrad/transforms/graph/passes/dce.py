"""Dead-code elimination: drop equations whose outputs nothing uses.

Walks the equations backwards from the outputs (and the variables in ``keep``, which
guards test); every primitive is pure, so an equation none of whose outputs is live can
go (an equation with several outputs stays while any one of them is used). Constants
nothing reads are dropped too. Sub-graphs of call equations are cleaned the same way
(their inputs and outputs stay: the call passes and receives them by position).
Imports core only.
"""

from __future__ import annotations

from collections.abc import Iterable

from ....core.graph import Graph, Literal, Var
from ._rewrite import each_level, rebuild


def eliminate_dead_code(graph: Graph, keep: Iterable[Var] = ()) -> Graph:
    """``graph`` without the equations whose results are never used.

    Args:
      graph: the graph (not modified).
      keep: variables that must stay computed although no output uses them (guards).

    Returns:
      A new ``Graph`` (or ``graph`` itself when nothing is dead).
    """
    return each_level(graph, keep, _dce)


def _dce(graph: Graph, keep: frozenset[Var]) -> Graph:
    live = {a for a in graph.outvars if isinstance(a, Var)}
    live.update(keep)
    kept = []
    for eqn in reversed(graph.eqns):
        if not any(v in live for v in eqn.outputs):
            continue
        kept.append(eqn)
        live.update(a for a in eqn.inputs if not isinstance(a, Literal))
    kept.reverse()
    if len(kept) == len(graph.eqns) and all(v in live for v in graph.constvars):
        return graph
    constvars, consts = [], []
    for v, c in zip(graph.constvars, graph.consts, strict=True):
        if v in live:
            constvars.append(v)
            consts.append(c)
    return rebuild(graph, kept, constvars=constvars, consts=consts)
