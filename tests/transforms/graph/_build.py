"""Hand-built graphs for the pass tests: a few lines per graph, avals from the primitives."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcgrad.core.avals import ShapedArray, typeof
from funcgrad.core.graph import Equation, Graph, Literal, Var, eval_graph
from funcgrad.transforms.graph.codegen import compile_graph


class Builder:
    """``b.input(shape)``, ``b.const(value)``, ``b.eqn(prim, *inputs, **params)``,
    ``b.graph(*outputs)``; a Python scalar input becomes a literal."""

    def __init__(self) -> None:
        self.invars: list[Var] = []
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self.eqns: list[Equation] = []

    def input(self, shape=(), dtype=np.float64, weak=False) -> Var:
        v = Var(ShapedArray(shape, dtype, weak))
        self.invars.append(v)
        return v

    def const(self, value: Any) -> Var:
        v = Var(typeof(value))
        self.constvars.append(v)
        self.consts.append(value)
        return v

    def eqn(self, prim, *inputs, **params):
        atoms = [a if isinstance(a, Var) else Literal(a) for a in inputs]
        avals = [a.value if isinstance(a, Literal) else a.aval for a in atoms]
        aval = prim.abstract_eval(*avals, **params)
        avals_out = list(aval) if prim.multiple_results else [aval]
        outs = [Var(a) for a in avals_out]
        self.eqns.append(Equation(prim, atoms, params, outs))
        return tuple(outs) if prim.multiple_results else outs[0]

    def graph(self, *outvars) -> Graph:
        outs = [a if isinstance(a, Var) else Literal(a) for a in outvars]
        return Graph(self.invars, self.constvars, self.consts, self.eqns, outs)


def run(graph: Graph, *args: Any) -> list:
    """``graph`` evaluated (primitive by primitive) on ``args``."""
    return eval_graph(graph, graph.consts, args)


def run_compiled(graph: Graph, *args: Any) -> tuple:
    """``graph`` compiled to Python source and called on ``args``."""
    return compile_graph(graph).fn(*args)


def prims(graph: Graph) -> list[str]:
    """The primitive names of ``graph``'s equations, in order."""
    return [e.prim.name for e in graph.eqns]


def assert_same(got: Any, expected: Any) -> None:
    """Equal shapes, dtypes and bits (NaNs equal)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected, strict=True)
    assert got.tobytes() == expected.tobytes()
