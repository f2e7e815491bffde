"""Dead-code elimination: what it removes, and what it must keep."""

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import cos_p, exp_p, sin_p
from funcgrad.primitives.loops import unstack_p
from funcgrad.transforms.graph.passes import eliminate_dead_code

from ._build import Builder, assert_same, prims, run


def test_unused_equations_and_constants_go():
    b = Builder()
    x = b.input((3,))
    k = b.const(np.arange(3.0))
    b.eqn(exp_p, k)  # unused, and so is the constant it reads
    b.eqn(cos_p, b.eqn(sin_p, x))  # an unused chain
    out = b.eqn(sin_p, x)
    g = b.graph(out)
    d = eliminate_dead_code(g)
    assert prims(d) == ["sin"]
    assert d.constvars == [] and d.consts == []
    assert len(g.eqns) == 4  # the input graph is not modified
    assert_same(run(d, np.ones(3))[0], np.sin(np.ones(3)))


def test_nothing_dead_returns_the_graph_itself():
    g = fg.make_graph(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
    assert eliminate_dead_code(g) is g


def test_multiple_output_equation_stays_while_one_output_is_used():
    b = Builder()
    x = b.input((3, 2))
    rows = b.eqn(unstack_p, x, axis=0)
    unused = b.eqn(unstack_p, x, axis=1)
    g = b.graph(b.eqn(sin_p, rows[2]))
    d = eliminate_dead_code(g)
    assert [e.outputs for e in d.eqns[:1]] == [rows]
    assert all(e.outputs != unused for e in d.eqns)
    assert prims(d) == ["unstack", "sin"]


def test_keep_variables_survive():
    b = Builder()
    x = b.input((3,))
    guarded = b.eqn(cos_p, x)
    g = b.graph(b.eqn(sin_p, x))
    assert prims(eliminate_dead_code(g)) == ["sin"]
    kept = eliminate_dead_code(g, keep=[guarded])
    assert prims(kept) == ["cos", "sin"]


def test_guards_of_jit_keep_their_values():
    def f(x):
        s = fnp.sum(x)  # tested by Python, then unused
        return x * 2.0 if s > 0 else x * 3.0

    jitted = fg.jit(f)
    assert_same(jitted(np.ones(2)), np.ones(2) * 2.0)
    assert_same(jitted(-np.ones(2)), -np.ones(2) * 3.0)
    assert "sum" in jitted.lower(np.ones(2)).source


def test_sub_graphs_of_calls_are_cleaned():
    def inner(x):
        fnp.sin(x)  # dead inside the call
        return fnp.cos(x)

    g = fg.make_graph(fg.checkpoint(inner))(np.ones(3))
    (call,) = g.eqns
    assert prims(call.params["graph"]) == ["sin", "cos"]
    d = eliminate_dead_code(g)
    sub = d.eqns[0].params["graph"]
    assert prims(sub) == ["cos"]
    assert len(sub.invars) == 1 and len(sub.outvars) == 1  # the call's signature stays
    assert prims(call.params["graph"]) == ["sin", "cos"]  # not modified in place
    assert_same(run(d, np.ones(3))[0], np.cos(np.ones(3)))
