"""Common-subexpression elimination: an equation that repeats an earlier one reuses its
outputs.

Two equations are the same computation when they have the same primitive, the same input
atoms (the same ``Var`` objects; literals of the same type and bit pattern, so ``0.0`` and
``-0.0``, ``1`` and ``True`` stay apart) and equal params: by value where a param is
hashable (floats and numpy scalars by bit pattern, tuples and slices element by element),
by identity otherwise (arrays, functions, sub-graphs). Every primitive is pure, so the
later equation's outputs are the earlier one's, bitwise. An equation defining a variable
in ``keep`` stays (a guard tests it). Sub-graphs of call equations are cleaned first.
Imports core only.
"""

from __future__ import annotations

import struct
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np

from ....core.graph import Atom, Equation, Graph, Literal, Var
from ._rewrite import each_level, rebuild, renamed, renamed_atoms


def eliminate_common_subexpressions(graph: Graph, keep: Iterable[Var] = ()) -> Graph:
    """``graph`` with repeated computations done once.

    Args:
      graph: the graph (not modified).
      keep: variables whose defining equations must stay (guards test them).

    Returns:
      A new ``Graph`` (or ``graph`` itself when nothing repeats); the removed equations'
      uses read the first equation's outputs.
    """
    return each_level(graph, keep, _cse)


def _cse(graph: Graph, keep: frozenset[Var]) -> Graph:
    env: dict[Var, Atom] = {}
    seen: dict[Hashable, tuple[Var, ...]] = {}
    eqns: list[Equation] = []
    for eqn in graph.eqns:
        eqn = renamed(eqn, env)
        key = equation_key(eqn)
        first = seen.get(key)
        if (
            first is not None
            and not any(v in keep for v in eqn.outputs)
            and all(a.aval == b.aval for a, b in zip(first, eqn.outputs, strict=True))
        ):
            env.update(zip(eqn.outputs, first, strict=True))
            continue
        seen.setdefault(key, eqn.outputs)
        eqns.append(eqn)
    if not env:
        return graph
    return rebuild(graph, eqns, outvars=renamed_atoms(graph.outvars, env))


def equation_key(eqn: Equation) -> Hashable:
    """What identifies the computation of ``eqn``: primitive, inputs, params."""
    inputs = tuple(_atom_key(a) for a in eqn.inputs)
    if not eqn.params:
        return (eqn.prim, len(eqn.outputs), inputs)
    params = tuple((k, value_key(v)) for k, v in sorted(eqn.params.items()))
    return (eqn.prim, len(eqn.outputs), inputs, params)


def _atom_key(a: Atom) -> Hashable:
    if type(a) is Var:
        return a  # by identity
    assert isinstance(a, Literal)
    return ("literal", value_key(a.value))


def value_key(value: Any) -> Hashable:
    """A hashable key, equal for params that give the same computation."""
    if type(value) is int or type(value) is bool or value is None:  # the common case: fast
        return (type(value), value)
    if isinstance(value, float):  # numpy float64 too: by bits (-0.0 is not 0.0)
        return (type(value), struct.pack("<d", value))
    if isinstance(value, complex):
        return (type(value), struct.pack("<dd", value.real, value.imag))
    if isinstance(value, np.generic):
        return (type(value), value.tobytes())
    if isinstance(value, tuple):
        return (type(value), tuple(value_key(v) for v in value))  # a namedtuple is not a tuple
    if isinstance(value, slice):
        return ("slice", value_key(value.start), value_key(value.stop), value_key(value.step))
    if isinstance(value, (np.ndarray, Graph)):
        return _identity(value)
    try:
        hash(value)
    except TypeError:
        return _identity(value)
    return (type(value), value)


def _identity(value: Any) -> Hashable:
    # Every param object is alive while its equation is, so its id is not reused meanwhile.
    return ("id", id(value))
