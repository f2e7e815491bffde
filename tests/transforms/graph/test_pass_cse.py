"""Common-subexpression elimination: repeated computations are done once, bitwise."""

import collections

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import add_p, multiply_p, sin_p
from funcgrad.primitives.loops import unstack_p
from funcgrad.primitives.reductions import sum_p
from funcgrad.primitives.shape import full_like_p
from funcgrad.transforms.graph.passes import eliminate_common_subexpressions as cse
from funcgrad.transforms.graph.passes.cse import value_key

from ._build import Builder, assert_same, prims, run


def test_repeated_equation_reuses_the_first_outputs():
    g = fg.make_graph(lambda x: fnp.sin(x) * fnp.sin(x) + fnp.sin(x))(np.arange(3.0))
    assert prims(g).count("sin") == 3
    c = cse(g)
    assert prims(c) == ["sin", "multiply", "add"]
    (s,) = c.eqns[0].outputs
    assert c.eqns[1].inputs == (s, s) and c.eqns[2].inputs[1] is s
    x = np.linspace(-1, 1, 3)
    assert_same(run(c, x)[0], run(g, x)[0])


def test_chains_of_repeats_merge_in_one_pass_and_outputs_are_renamed():
    b = Builder()
    x = b.input((2,))
    a1 = b.eqn(sin_p, x)
    a2 = b.eqn(sin_p, x)
    c1 = b.eqn(add_p, a1, 1.0)
    c2 = b.eqn(add_p, a2, 1.0)
    g = b.graph(c1, c2, a2)
    c = cse(g)
    assert prims(c) == ["sin", "add"]
    assert c.outvars == [c1, c1, a1]


def test_literals_differ_by_type_and_bits():
    b = Builder()
    x = b.input((2,))
    outs = [b.eqn(add_p, x, v) for v in (0.0, -0.0, 1, True, 1.0, 1.0)]
    c = cse(b.graph(*outs))
    assert len(c.eqns) == 5  # only the two 1.0 merge
    assert c.outvars[5] is c.outvars[4]


def test_params_compare_by_value():
    b = Builder()
    x = b.input((2, 3))
    s0 = b.eqn(sum_p, x, axis=(0,), keepdims=False)
    s0_again = b.eqn(sum_p, x, axis=(0,), keepdims=False)
    s1 = b.eqn(sum_p, x, axis=(1,), keepdims=False)
    s0_keep = b.eqn(sum_p, x, axis=(0,), keepdims=True)
    c = cse(b.graph(s0, s0_again, s1, s0_keep))
    assert len(c.eqns) == 3
    assert c.outvars[1] is s0


def test_unhashable_params_compare_by_identity():
    dtype = np.dtype(np.float64)
    a, same_values = np.arange(2.0), np.arange(2.0)
    assert value_key(a) == value_key(a) and value_key(a) != value_key(same_values)
    assert value_key([1]) != value_key([1])  # a list: identity
    assert value_key((1, 2.0)) == value_key((1, 2.0))
    pair = collections.namedtuple("pair", "a b")
    assert value_key(pair(1, 2)) == value_key(pair(1, 2)) != value_key((1, 2))
    assert value_key(-0.0) != value_key(0.0) and value_key(1) != value_key(True)
    assert value_key(np.float32(1)) != value_key(np.float64(1))
    assert value_key(slice(0, 2)) == value_key(slice(0, 2)) != value_key(slice(0, 3))
    assert value_key(dtype) == value_key(np.dtype("float64"))


def test_different_inputs_or_primitives_stay():
    b = Builder()
    x, y = b.input((2,)), b.input((2,))
    outs = [b.eqn(add_p, x, y), b.eqn(add_p, y, x), b.eqn(multiply_p, x, y)]
    c = cse(b.graph(*outs))
    assert len(c.eqns) == 3  # add(y, x) is another call: kept


def test_multiple_outputs_merge_together():
    b = Builder()
    x = b.input((2, 2))
    r1 = b.eqn(unstack_p, x, axis=0)
    r2 = b.eqn(unstack_p, x, axis=0)
    g = b.graph(b.eqn(add_p, r1[0], r2[1]), r2[0])
    c = cse(g)
    assert prims(c) == ["unstack", "add"]
    assert c.eqns[1].inputs == (r1[0], r1[1]) and c.outvars[1] is r1[0]


def test_equations_defining_keep_variables_stay():
    b = Builder()
    x = b.input((2,))
    s1 = b.eqn(sin_p, x)
    s2 = b.eqn(sin_p, x)
    g = b.graph(b.eqn(add_p, s1, s2))
    assert prims(cse(g, keep=[s2])) == ["sin", "sin", "add"]


def test_literal_inputs_of_equal_value_merge():
    b = Builder()
    x = b.input((2,))
    f1 = b.eqn(full_like_p, x, 2.0)
    f2 = b.eqn(full_like_p, x, 2.0)
    c = cse(b.graph(f1, f2))
    assert len(c.eqns) == 1 and c.outvars == [f1, f1]


def test_calls_merge_only_with_the_same_sub_graph_object():
    def inner(x):
        return fnp.cos(x) + 1.0

    step = fg.checkpoint(inner)
    g = fg.make_graph(lambda x: step(x) * step(x))(np.ones(2))
    call1, call2, _ = g.eqns
    sub = call1.params["graph"]
    assert call2.params["graph"] is not sub
    assert len(cse(g).eqns) == 3  # equal programs, different objects: kept apart
    call2.params["graph"] = sub  # the same sub-graph object: the same computation
    merged = cse(g)
    assert prims(merged) == ["checkpoint", "multiply"]
    assert_same(run(merged, np.ones(2))[0], (np.cos(np.ones(2)) + 1.0) ** 2)
