"""Buffer reuse: an elementwise ufunc writes its result into a dead temporary input.

An equation whose ``impl`` is an elementwise ``np.ufunc`` with one output gets
``out_buffer = a`` (code generation then emits ``impl(..., out=a)``) for its first input
``a`` that is

- a **temporary**: the output of an earlier equation of this graph whose ``impl`` always
  returns a fresh array (a ufunc, or ``matmul``), never a graph input, a constant, a
  graph output or a ``keep`` (guard) variable;
- **dead afterwards**: this equation is the last use of ``a`` and of every value that may
  be a view of it (outputs of any other equation, e.g. ``reshape``, ``transpose``,
  ``broadcast_to``, indexing and calls, may share memory with their inputs), and no
  such view is a graph output or a ``keep`` variable;
- **the result's exact array**: the output's shape and dtype, and ``ndim >= 1`` (for 0-d
  results numpy returns scalars, not arrays).

Writing into an input an elementwise ufunc reads at the same positions is what numpy
computes anyway (same inner loop, same dtype), so results are bitwise-identical. Complex
results are left alone: numpy's complex loops may round differently when the output
aliases an input. Every
buffer is allocated within the call (it is a temporary of this call), so results
returned by a jitted function are never overwritten by a later call. Evaluation
(``eval_graph``) ignores ``out_buffer``. Sub-graphs of call equations get their own
decisions. Run it last: a later rewrite would make the decisions stale (this pass
recomputes them all). Imports core and code generation (its emitter table).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ....core.graph import Equation, Graph, Var
from ..codegen import EMITTERS
from ._rewrite import each_level, rebuild


def reuse_buffers(graph: Graph, keep: Iterable[Var] = ()) -> Graph:
    """``graph`` with ``Equation.out_buffer`` set where a dead temporary can hold the result.

    Args:
      graph: the graph (not modified).
      keep: variables that must not be overwritten (guards test them).

    Returns:
      A new ``Graph`` (or ``graph`` itself when no decision changes).
    """
    return each_level(graph, keep, _buffers)


def _fresh(eqn: Equation) -> bool:
    """``eqn``'s generated call returns new arrays (no views of its inputs)."""
    prim = eqn.prim
    return isinstance(prim.impl, np.ufunc) and not prim.is_call and prim not in EMITTERS


def _receives(eqn: Equation) -> bool:
    """``eqn`` may be emitted as ``impl(..., out=buffer)``."""
    impl = eqn.prim.impl
    return (
        _fresh(eqn)
        and impl.signature is None  # elementwise (matmul, a gufunc, reads whole rows)
        and impl.nout == 1
        and len(eqn.outputs) == 1
        and not eqn.prim.multiple_results
        and "out" not in eqn.params
        and eqn.outputs[0].aval.ndim >= 1
        # complex: numpy's complex loops with an aliased output can round differently
        and eqn.outputs[0].aval.dtype.kind in "biuf"
    )


def _buffers(graph: Graph, keep: frozenset[Var]) -> Graph:
    # roots[v]: the temporaries whose memory v may be (itself, for a fresh output)
    roots: dict[Var, tuple[Var, ...]] = {}
    last_use: dict[Var, int] = {}
    for i, eqn in enumerate(graph.eqns):
        used: set[Var] = set()
        for a in eqn.inputs:
            if isinstance(a, Var):
                used.update(roots.get(a, ()))
        for r in used:
            last_use[r] = i
        for o in eqn.outputs:
            roots[o] = (o,) if _fresh(eqn) else tuple(used)
    pinned: set[Var] = set()
    for v in [*graph.outvars, *keep]:
        if isinstance(v, Var):
            pinned.update(roots.get(v, ()))

    eqns, edited = [], False
    for i, eqn in enumerate(graph.eqns):
        buffer = None
        if _receives(eqn):
            out = eqn.outputs[0].aval
            for a in eqn.inputs:
                if (
                    isinstance(a, Var)
                    and roots.get(a) == (a,)
                    and a not in pinned
                    and last_use[a] == i
                    and a.aval.shape == out.shape
                    and a.aval.dtype == out.dtype
                ):
                    buffer = a
                    break
        if buffer is not eqn.out_buffer:
            eqn = Equation(eqn.prim, eqn.inputs, eqn.params, eqn.outputs, eqn.source, buffer)
            edited = True
        eqns.append(eqn)
    return rebuild(graph, eqns) if edited else graph
