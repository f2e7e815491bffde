"""Constant folding: bitwise what run time computes, bounded in size, never unsafe."""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.graph import Equation, Graph, Var
from funcgrad.primitives.elementwise import (
    add_p,
    divide_p,
    exp_p,
    multiply_p,
    sin_p,
    stop_gradient_p,
)
from funcgrad.primitives.loops import unstack_p
from funcgrad.primitives.shape import broadcast_to_p, reshape_p
from funcgrad.transforms._common import fresh_outputs
from funcgrad.transforms.graph.passes import fold_constants
from funcgrad.transforms.graph.passes.fold import FOLD_MAX_SIZE

from ._build import Builder, assert_same, prims, run, run_compiled


def _fold_graph():
    b = Builder()
    x = b.input((3,))
    k = b.const(np.array([0.1, 0.2, 0.3]))
    e = b.eqn(exp_p, k)
    s = b.eqn(sin_p, b.eqn(multiply_p, e, 3.0))  # a chain of constants
    return b.graph(b.eqn(add_p, x, s))


def test_chains_of_constants_fold_bitwise():
    g = _fold_graph()
    f = fold_constants(g)
    assert prims(f) == ["add"]
    expected = np.sin(np.multiply(np.exp(k_value := g.consts[0]), 3.0))
    folded = f.consts[-1]
    assert_same(folded, expected)
    assert not folded.flags.writeable  # a constant cannot be mutated through an output
    assert k_value.flags.writeable  # the captured array itself is untouched
    x = np.array([1.0, -2.0, 0.5])
    assert_same(run(f, x)[0], run(g, x)[0])
    assert_same(run_compiled(f, x)[0], run(g, x)[0])


def test_literal_only_equations_fold_to_strong_numpy_values():
    b = Builder()
    x = b.input((2,), np.float32)
    two = b.eqn(add_p, 1.0, 1.0)  # np.float64 at run time: promotes float32 to float64
    g = b.graph(b.eqn(multiply_p, x, two))
    f = fold_constants(g)
    assert prims(f) == ["multiply"]
    assert type(f.consts[-1]) is np.float64
    x = np.ones(2, np.float32)
    assert run(f, x)[0].dtype == np.float64
    assert_same(run_compiled(f, x)[0], run(g, x)[0])


def test_huge_results_of_small_inputs_are_not_materialised():
    b = Builder()
    s = b.const(np.float64(2.0))
    small = b.eqn(broadcast_to_p, s, shape=(4, 4))
    big = b.eqn(broadcast_to_p, s, shape=(1000, 1000))
    g = b.graph(small, big)
    f = fold_constants(g)
    assert prims(f) == ["broadcast_to"] and f.eqns[0].outputs == (big,)
    assert 16 <= FOLD_MAX_SIZE < 10**6


def test_results_as_large_as_their_inputs_fold():
    b = Builder()
    k = b.const(np.arange(6000.0))  # bigger than FOLD_MAX_SIZE
    r = b.eqn(reshape_p, b.eqn(sin_p, k), shape=(60, 100))
    g = b.graph(r)
    f = fold_constants(g)
    assert f.eqns == [] and f.outvars == [r]
    assert_same(run(f)[0], np.sin(np.arange(6000.0)).reshape(60, 100))


def test_floating_point_errors_stay_at_run_time():
    b = Builder()
    zero = b.const(np.zeros(2))
    g = b.graph(b.eqn(divide_p, 1.0, zero))
    assert prims(fold_constants(g)) == ["divide"]
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        run(g)


def test_non_numpy_constants_are_not_folded():
    b = Builder()
    k = b.const(np.ones(2))
    g = b.graph(b.eqn(sin_p, k))
    g.consts[0] = object()  # what a tracer of an enclosing transformation would be
    assert fold_constants(g) is g


def test_keep_variables_and_calls_are_not_folded():
    b = Builder()
    k = b.const(np.ones(2))
    guarded = b.eqn(sin_p, k)
    g = b.graph(guarded)
    assert prims(fold_constants(g, keep=[guarded])) == ["sin"]
    (call,) = fg.make_graph(fg.checkpoint(fnp.cos))(np.ones(2)).eqns
    k = Var(call.inputs[0].aval)
    on_constant = Equation(call.prim, [k], call.params, call.outputs)
    g = Graph([], [k], [np.ones(2)], [on_constant], list(call.outputs))
    assert fold_constants(g) is g


def test_multiple_outputs_and_identity_impls_fold_without_touching_inputs():
    b = Builder()
    k = b.const(np.arange(4.0).reshape(2, 2))
    rows = b.eqn(unstack_p, k, axis=0)
    same = b.eqn(stop_gradient_p, k)  # impl returns its input object
    g = b.graph(rows[1], same)
    f = fold_constants(g)
    assert f.eqns == []
    assert_same(run(f)[0], np.array([2.0, 3.0]))
    assert g.consts[0].flags.writeable and f.consts[-1] is not g.consts[0]


def test_folded_outputs_are_copied_before_jit_returns_them():
    b = Builder()
    k = b.const(np.array([1.0, 2.0]))
    g = b.graph(b.eqn(exp_p, k))
    f = fold_constants(g)
    assert f.eqns == []
    (first,) = fresh_outputs(run_compiled(f))  # what jit does with the outputs
    first[:] = -1.0  # the caller owns what it gets
    (second,) = fresh_outputs(run_compiled(f))
    assert_same(second, np.exp([1.0, 2.0]))
