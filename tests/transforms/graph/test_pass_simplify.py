"""Algebraic simplification: each rule, and the cases it must leave alone."""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import (
    add_p,
    divide_p,
    multiply_p,
    negative_p,
    power_p,
    subtract_p,
)
from funcgrad.primitives.shape import broadcast_to_p, reshape_p, transpose_p
from funcgrad.transforms.graph.passes import eliminate_dead_code, simplify

from ._build import Builder, assert_same, prims, run, run_compiled

X = np.array([1.5, -0.0, np.inf, np.nan, -2.0])

IDENTITIES = [
    (multiply_p, "x", 1.0),
    (multiply_p, 1, "x"),
    (multiply_p, "x", True),
    (divide_p, "x", 1.0),
    (add_p, "x", 0.0),
    (add_p, -0.0, "x"),
    (subtract_p, "x", 0),
]


@pytest.mark.parametrize(("prim", "a", "b"), IDENTITIES, ids=lambda v: str(v))
def test_units_vanish_with_literals_and_uniform_constants(prim, a, b):
    for unit in ("literal", "constant"):
        bld = Builder()
        x = bld.input((5,))

        def atom(v, bld=bld, x=x, unit=unit):
            if v == "x":
                return x
            return v if unit == "literal" else bld.const(np.full((5,), v))

        g = bld.graph(bld.eqn(prim, atom(a), atom(b)))
        s = simplify(g)
        assert s.eqns == [] and s.outvars == [x], unit
        np.testing.assert_array_equal(run(s, X)[0], run(g, X)[0])  # -0.0 + 0.0 may be +0


def _binary(prim, x_aval, other, swap=False):
    """``prim(x, other)`` (``prim(other, x)`` with ``swap``) for an input ``x`` of ``x_aval``;
    ``other`` a literal or a constant array; returns the graph and ``x``."""
    b = Builder()
    x = b.input(*x_aval)
    y = b.const(other) if isinstance(other, np.ndarray) else other
    return b.graph(b.eqn(prim, *((y, x) if swap else (x, y)))), x


KEPT = {
    "int_times_float_one": (multiply_p, ((3,), np.int64), 1.0),
    "float32_times_float64_ones": (multiply_p, ((3,), np.float32), np.ones(3)),
    "broadcast_by_ones": (multiply_p, ((3,),), np.ones((2, 3))),
    "weak_scalar_times_one": (multiply_p, ((), np.float64, True), 1.0),
    "int_divided_by_one": (divide_p, ((3,), np.int64), 1),
    "times_zero": (multiply_p, ((3,),), 0.0),
    "times_two": (multiply_p, ((3,),), 2.0),
    "complex_times_one": (multiply_p, ((3,), np.complex128), 1.0),
    "complex_plus_zero": (add_p, ((3,), np.complex128), 0.0),
    "non_uniform_constant": (multiply_p, ((3,),), np.array([1, 1, 2.0])),
    "one_divided_by": (divide_p, ((3,),), 1.0, True),
    "zero_minus": (subtract_p, ((3,),), np.zeros(3), True),
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_rewrites_that_would_change_dtype_shape_or_values_are_not_made(case):
    g, x = _binary(*KEPT[case])
    s = simplify(g)
    assert prims(s) == prims(g) and s.outvars[0] is not x


def test_multiply_by_zero_keeps_nan_of_inf_and_nan():
    with np.errstate(invalid="ignore"):
        g = fg.make_graph(lambda x: x * 0.0)(X)
        s = simplify(g)
        assert prims(s) == ["multiply"]
        assert_same(run(s, X)[0], X * 0.0)
        assert np.isnan(run(s, X)[0][2:4]).all()


def test_double_negation_vanishes_and_single_stays():
    neg = fnp.negative
    g = fg.make_graph(lambda x: (neg(neg(x)), neg(neg(neg(x)))))(X)
    s = eliminate_dead_code(simplify(g))
    assert s.outvars[0] is s.invars[0]
    assert prims(s) == ["negative"]  # -(-(-x)) is -x
    for got, want in zip(run(s, X), (X, -X), strict=True):
        assert_same(got, want)
    b = Builder()
    u = b.input((3,), np.uint8)
    g = b.graph(b.eqn(negative_p, b.eqn(negative_p, u)))
    assert simplify(g).outvars == [u]  # wraps around twice: exact


def test_reshape_and_broadcast_to_own_shape_vanish():
    b = Builder()
    x = b.input((2, 3))
    r = b.eqn(reshape_p, x, shape=(2, 3))
    c = b.eqn(broadcast_to_p, r, shape=(2, 3))
    wider = b.eqn(broadcast_to_p, x, shape=(4, 2, 3))
    s = eliminate_dead_code(simplify(b.graph(c, wider)))
    assert s.outvars[0] is x and prims(s) == ["broadcast_to"]


def test_reshape_of_reshape_is_one_reshape():
    b = Builder()
    x = b.input((2, 3))
    r = b.eqn(reshape_p, b.eqn(reshape_p, x, shape=(3, 2)), shape=(6,))
    back = b.eqn(reshape_p, b.eqn(reshape_p, x, shape=(6,)), shape=(2, 3))
    s = simplify(b.graph(r, back))
    assert s.outvars[1] is x
    (used,) = [e for e in s.eqns if e.outputs == (r,)]
    assert used.inputs == (x,) and used.params == {"shape": (6,)}
    v = np.arange(6.0).reshape(2, 3)
    assert_same(run(s, v)[0], v.reshape(6))


def test_transpose_of_transpose_composes_or_vanishes():
    b = Builder()
    x = b.input((2, 3, 4))
    t1 = b.eqn(transpose_p, x, axes=(1, 2, 0))
    t2 = b.eqn(transpose_p, t1, axes=(2, 0, 1))  # the inverse permutation
    t3 = b.eqn(transpose_p, t1, axes=(1, 0, 2))
    g = b.graph(t2, t3)
    s = simplify(g)
    assert s.outvars[0] is x
    (composed,) = [e for e in s.eqns if e.outputs == (t3,)]
    assert composed.inputs == (x,)
    v = np.arange(24.0).reshape(2, 3, 4)
    assert_same(run(s, v)[1], np.transpose(np.transpose(v, (1, 2, 0)), (1, 0, 2)))


def test_mean_vjp_constant_becomes_a_strong_numpy_scalar():
    for dtype in (np.float64, np.float32):
        x = np.linspace(-1, 1, 12, dtype=dtype).reshape(3, 4)
        g = fg.make_graph(fg.grad(lambda x: fnp.mean(x * x)))(x)
        (big,) = [c for c in g.consts if np.ndim(c) == 2]
        s = eliminate_dead_code(simplify(g))
        assert not any(np.ndim(c) == 2 for c in s.consts)  # no (3, 4) array of 1/12
        scalars = [c for c in s.consts if np.ndim(c) == 0]
        assert scalars and all(type(c) is type(big.flat[0]) for c in scalars)
        assert not any(type(c) is float for c in s.consts)
        assert_same(run(s, x)[0], run(g, x)[0])
        assert_same(run_compiled(s, x)[0], fg.grad(lambda x: fnp.mean(x * x))(x))


def test_uniform_float64_constant_with_float32_operand_keeps_float64():
    b = Builder()
    x = b.input((3,), np.float32)
    g = b.graph(b.eqn(multiply_p, x, b.const(np.full(3, 0.1))))
    s = simplify(g)
    (scalar,) = [c for c in s.consts if np.ndim(c) == 0]
    assert type(scalar) is np.float64
    v = np.array([1, 2, 3], np.float32)
    assert_same(run(s, v)[0], v * np.full(3, 0.1))


def test_uniform_means_the_same_bits():
    b = Builder()
    x = b.input((2,))
    signed_zeros = b.const(np.array([0.0, -0.0]))
    nans = b.const(np.full(2, np.nan))
    g = b.graph(b.eqn(divide_p, x, signed_zeros), b.eqn(add_p, x, nans))
    s = simplify(g)
    assert s.eqns[0].inputs[1] is signed_zeros  # 1/0.0 is inf, 1/-0.0 is -inf
    assert np.ndim(s.consts[s.constvars.index(s.eqns[1].inputs[1])]) == 0


def test_constant_scalars_only_where_the_other_operand_has_the_output_shape():
    b = Builder()
    x = b.input((3,))
    k = b.const(np.full((2, 3), 0.5))
    g = b.graph(b.eqn(power_p, x, k))  # the constant gives the output its shape
    assert simplify(g) is g


def test_keep_variables_are_not_replaced():
    b = Builder()
    x = b.input((3,))
    guarded = b.eqn(multiply_p, x, 1.0)
    g = b.graph(b.eqn(add_p, guarded, 2.0))
    assert prims(simplify(g, keep=[guarded])) == ["multiply", "add"]
    assert prims(simplify(g)) == ["add"]


def test_sub_graphs_are_simplified_and_the_input_graph_is_not_modified():
    g = fg.make_graph(fg.checkpoint(lambda x: fnp.negative(fnp.negative(x)) * 1.0 + 2.0))(
        np.ones(2)
    )
    before = prims(g.eqns[0].params["graph"])
    s = eliminate_dead_code(simplify(g))
    assert prims(s.eqns[0].params["graph"]) == ["add"]
    assert prims(g.eqns[0].params["graph"]) == before
    assert_same(run(s, X)[0], X + 2.0)
