"""Graph passes: each a function ``(graph, keep=()) -> Graph`` in its own module, applied to
a graph and the sub-graphs of its call equations; ``optimize`` runs them in order.

Every pass keeps the outputs' shapes and dtypes, keeps the results bitwise-equal where it
makes the same numpy calls and equal to float rounding where it changes the arithmetic
(each module's text says which of its rules does which), never mutates the graph it is
given, and leaves alone the variables in ``keep`` (guards test them).
Imports core, the primitive families and code generation.
"""

from __future__ import annotations

from collections.abc import Iterable

from ....core.graph import Graph, Var
from ._rewrite import changed
from .buffers import reuse_buffers as reuse_buffers
from .cse import eliminate_common_subexpressions as eliminate_common_subexpressions
from .dce import eliminate_dead_code as eliminate_dead_code
from .fold import fold_constants as fold_constants
from .simplify import simplify as simplify

MAX_ROUNDS = 4  # simplify/fold/cse rounds; derivative programs settle in one or two


def optimize(graph: Graph, keep: Iterable[Var] = ()) -> Graph:
    """The passes in order: simplify, fold, CSE (again while folding makes new constants,
    at most ``MAX_ROUNDS`` times), dead code, then buffer reuse.

    CSE merges values without making new constants or new producers, so it enables no
    further simplification or folding; folding can (a folded constant may be all ones).

    Args:
      graph: a traced graph (not modified).
      keep: variables that must survive (guards test them), of the graph or of its
        sub-graphs.

    Returns:
      The optimised ``Graph``: same inputs, outputs of the same shapes and dtypes.

    Example:
      >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
      >>> g = fg.make_graph(lambda x: fnp.exp(-(-x) * 1.0) + 2.0)(np.ones(3))
      >>> print(optimize(g))
      { lambda ; a:float64[3]. let
          b:float64[3] = exp a
          c:float64[3] = add b 2.0
        in (c,) }
    """
    keep = frozenset(keep)
    for _ in range(MAX_ROUNDS):
        graph = simplify(graph, keep)  # one walk rewrites chains too: idempotent
        folded = fold_constants(graph, keep)
        again = changed(graph, folded)  # new constants may be ones, zeros, uniform
        graph = eliminate_common_subexpressions(folded, keep)
        if not again:
            break
    graph = eliminate_dead_code(graph, keep)
    return reuse_buffers(graph, keep)
