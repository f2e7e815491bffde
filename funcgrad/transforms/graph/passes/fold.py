"""Constant folding: an equation of constants only is computed once, when compiling.

An equation whose inputs are all constants (``constvars`` bound to numpy values) or
literals is evaluated with its primitive's ``impl`` on exactly the values the generated
code would pass, so the folded constant is bitwise what the program would compute; its
output variables become constants of the graph. Not folded:

- results much bigger than their inputs: an output of more than
  ``max(largest input size, FOLD_MAX_SIZE)`` elements (``broadcast_to`` of a scalar, a
  ``zeros`` of a large shape) would cost memory for a cheap, fast runtime step;
- equations that fail or raise a floating-point error (``1 / 0``, ``log(-1)``): they run
  at run time as before, warning there as numpy would;
- calls and loops (equations holding graphs), constants that are not numpy values
  (tracers of enclosing transformations), and definitions of ``keep`` variables.

Folded arrays are made read-only (a read-only view where ``impl`` returned its input),
so a folded constant that is also an output is copied before it is returned, never
handed to the caller to mutate. Imports core only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ....core.avals import typeof
from ....core.graph import Equation, Graph, Literal, Var
from ._rewrite import each_level, rebuild

FOLD_MAX_SIZE = 1024  # elements a folded result may have however small its inputs are


def fold_constants(graph: Graph, keep: Iterable[Var] = ()) -> Graph:
    """``graph`` with equations over constants replaced by their (precomputed) values.

    Args:
      graph: the graph (not modified).
      keep: variables whose defining equations must stay (guards test them).

    Returns:
      A new ``Graph`` whose folded outputs are constants (or ``graph`` itself).
    """
    return each_level(graph, keep, _fold)


def _fold(graph: Graph, keep: frozenset[Var]) -> Graph:
    values: dict[Var, Any] = {
        v: c
        for v, c in zip(graph.constvars, graph.consts, strict=True)
        if isinstance(c, (np.ndarray, np.generic))
    }
    if not values and not any(all(isinstance(a, Literal) for a in e.inputs) for e in graph.eqns):
        return graph
    constvars, consts = list(graph.constvars), list(graph.consts)
    eqns: list[Equation] = []
    for eqn in graph.eqns:
        outs = _evaluate(eqn, values, keep)
        if outs is None:
            eqns.append(eqn)
            continue
        for v, o in zip(eqn.outputs, outs, strict=True):
            values[v] = o
            constvars.append(v)
            consts.append(o)
    if len(eqns) == len(graph.eqns):
        return graph
    return rebuild(graph, eqns, constvars=constvars, consts=consts)


def _evaluate(eqn: Equation, values: dict[Var, Any], keep: frozenset[Var]) -> list | None:
    """The outputs of ``eqn`` if it can and should be folded, else None."""
    args = []
    for a in eqn.inputs:
        if isinstance(a, Literal):
            args.append(a.value)
        elif a in values:
            args.append(values[a])
        else:
            return None
    if any(isinstance(p, Graph) for p in eqn.params.values()) or eqn.prim.is_call:
        return None
    if any(v in keep for v in eqn.outputs):
        return None
    try:
        with np.errstate(all="raise"):
            out = eqn.prim.impl(*args, **eqn.params)
    except Exception:  # an error (or FP error) stays where it happens: at run time
        return None
    outs = list(out) if eqn.prim.multiple_results else [out]
    if len(outs) != len(eqn.outputs):
        return None
    limit = max([FOLD_MAX_SIZE, *(np.size(x) for x in args)])
    result = []
    for v, o in zip(eqn.outputs, outs, strict=True):
        if not isinstance(o, (np.ndarray, np.generic)) or o.size > limit:
            return None
        aval = typeof(o)
        if aval.shape != v.aval.shape or aval.dtype != v.aval.dtype:
            return None
        if isinstance(o, np.ndarray):
            o = o.view()  # never changes flags of an input the impl returned as it was
            o.flags.writeable = False
        result.append(o)
    return result
