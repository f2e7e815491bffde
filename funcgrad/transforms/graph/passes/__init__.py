"""Graph passes: each a function ``Graph -> Graph`` in its own module; ``optimize`` runs
them in order. Every pass keeps the outputs bitwise-equal where it makes the same numpy
calls, and equal to float rounding where it changes the arithmetic."""

from __future__ import annotations

from collections.abc import Sequence

from ....core.graph import Graph, Var
from .dce import eliminate_dead_code


def optimize(graph: Graph, keep: Sequence[Var] = ()) -> Graph:
    """The passes in order; ``keep`` are variables that must survive (guards test them)."""
    return eliminate_dead_code(graph, keep)
