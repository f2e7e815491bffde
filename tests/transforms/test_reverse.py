"""Reverse mode: ``grad``, ``value_and_grad`` and ``vjp`` as transformations.

Per-primitive derivatives are the table tests' job; these tests cover what the tape itself
promises: argnums, has_aux, pytrees in and out, output types and dtypes, closures,
constant outputs, higher derivatives, fan-out, deep graphs, stop_gradient and skipped
zero cotangents.
"""

from __future__ import annotations

import collections

import attrs
import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import strategies as fst
from funcgrad.tree import static_field

Point = collections.namedtuple("Point", ["x", "y"])


@attrs.frozen
class Model:
    w: np.ndarray
    b: np.ndarray
    scale: float = static_field(default=2.0)


def _assert_close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# --- the seed circuit and sigmoid ----------------------------------------------------


def test_seed_circuit_value_and_grads():
    def f(x, y, z):
        return (x + y) * z

    value, grads = fg.value_and_grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    assert value == -12.0
    assert [float(g) for g in grads] == [-4.0, -4.0, 3.0]


def _sigmoid(x):
    return 1.0 / (1.0 + fnp.exp(-x))


@given(fst.arrays(min_value=-6.0, max_value=6.0))
def test_sigmoid_derivative_is_s_times_one_minus_s(x):
    s = 1.0 / (1.0 + np.exp(-x))
    out, pullback = fg.vjp(_sigmoid, x)
    (g,) = pullback(np.ones_like(out))
    _assert_close(out, s)
    _assert_close(g, s * (1.0 - s))


@given(st.floats(-6.0, 6.0))
def test_grad_of_sigmoid_scalar(x):
    s = 1.0 / (1.0 + np.exp(-x))
    _assert_close(fg.grad(_sigmoid)(x), s * (1.0 - s))


# --- argnums -------------------------------------------------------------------------


def _f3(x, y, z):
    return x * y * y + fnp.sin(z)


def test_argnums_int_selects_one_argument():
    assert fg.grad(_f3)(2.0, 3.0, 0.5) == 9.0
    assert fg.grad(_f3, argnums=1)(2.0, 3.0, 0.5) == 12.0


def test_argnums_tuple_gives_a_tuple_in_that_order():
    g = fg.grad(_f3, argnums=(2, 0))(2.0, 3.0, 0.5)
    assert isinstance(g, tuple)
    assert len(g) == 2
    _assert_close(g[0], np.cos(0.5))
    _assert_close(g[1], 9.0)
    (single,) = fg.grad(_f3, argnums=(1,))(2.0, 3.0, 0.5)
    assert single == 12.0


def test_negative_argnums_count_from_the_end():
    _assert_close(fg.grad(_f3, argnums=-1)(2.0, 3.0, 0.5), np.cos(0.5))
    g = fg.grad(_f3, argnums=(-3, -2))(2.0, 3.0, 0.5)
    assert [float(v) for v in g] == [9.0, 12.0]


@pytest.mark.parametrize("argnums", [3, -4, (0, 3)])
def test_argnums_out_of_range_is_an_error(argnums):
    with pytest.raises(ValueError, match="argnums"):
        fg.grad(_f3, argnums=argnums)(2.0, 3.0, 0.5)


def test_keyword_arguments_pass_through_undifferentiated():
    def f(x, *, power):
        return x**power

    assert fg.grad(f)(2.0, power=3.0) == 12.0


# --- has_aux -------------------------------------------------------------------------


def test_has_aux_returns_aux_untouched_and_not_differentiated():
    def loss(x, y):
        hidden = fnp.sin(x) * y
        return hidden * hidden, {"hidden": hidden, "tag": "run-1"}

    g, aux = fg.grad(loss, has_aux=True)(0.3, 2.0)
    h = np.sin(0.3) * 2.0
    _assert_close(g, 2 * h * np.cos(0.3) * 2.0)
    assert aux["tag"] == "run-1"
    assert type(aux["hidden"]) is np.ndarray  # traced intermediates come out as arrays
    _assert_close(aux["hidden"], h)

    (value, aux2), g2 = fg.value_and_grad(loss, argnums=(0, 1), has_aux=True)(0.3, 2.0)
    _assert_close(value, h * h)
    _assert_close(aux2["hidden"], h)
    _assert_close(g2[0], g)
    _assert_close(g2[1], 2 * h * np.sin(0.3))


def test_has_aux_requires_a_pair():
    with pytest.raises(TypeError, match="pair"):
        fg.grad(lambda x: x * x, has_aux=True)(1.0)


def test_vjp_has_aux():
    out, pullback, aux = fg.vjp(
        lambda x: (fnp.sin(x), x * 2.0), np.array([0.1, 0.2]), has_aux=True
    )
    _assert_close(aux, [0.2, 0.4])
    (g,) = pullback(np.ones(2))
    _assert_close(g, np.cos([0.1, 0.2]))
    _assert_close(out, np.sin([0.1, 0.2]))


# --- pytrees in and out --------------------------------------------------------------


def test_gradients_of_every_container_kind():
    def f(d, lst, tup, pt, m):
        return (
            d["a"] * d["b"]
            + lst[0] * lst[1]
            + fnp.sin(tup[0])
            + pt.x * pt.y * pt.y
            + m.w * m.b * m.scale
        )

    args = (
        {"b": np.array(2.0), "a": np.array(3.0)},
        [np.array(1.0), np.array(4.0)],
        (np.array(0.5),),
        Point(np.array(1.5), np.array(2.5)),
        Model(np.array(0.5), np.array(-1.0), scale=3.0),
    )
    g = fg.grad(f, argnums=(0, 1, 2, 3, 4))(*args)
    for got, arg in zip(g, args, strict=True):
        assert fg.tree.structure(got) == fg.tree.structure(arg)
    assert list(g[0]) == ["a", "b"]
    _assert_close(g[0]["a"], 2.0)
    _assert_close(g[0]["b"], 3.0)
    assert isinstance(g[1], list)
    _assert_close(g[1][0], 4.0)
    _assert_close(g[2][0], np.cos(0.5))
    assert isinstance(g[3], Point)
    _assert_close(g[3].x, 2.5 * 2.5)
    _assert_close(g[3].y, 2 * 1.5 * 2.5)
    assert isinstance(g[4], Model)
    assert g[4].scale == 3.0  # static: carried, not differentiated
    _assert_close(g[4].w, -1.0 * 3.0)
    _assert_close(g[4].b, 0.5 * 3.0)


@given(fst.pytrees(leaves=st.one_of(fst.arrays(), fst.arrays(dtype=np.float32))))
def test_grads_have_the_structure_shapes_and_dtypes_of_the_args(tree):
    def f(t):
        total = 0.0
        for leaf in fg.tree.leaves(t):
            total = total + fnp.sum(fnp.sin(leaf) * leaf)
        return total

    g = fg.grad(f)(tree)
    assert fg.tree.structure(g) == fg.tree.structure(tree)
    for gl, xl in zip(fg.tree.leaves(g), fg.tree.leaves(tree), strict=True):
        assert type(gl) is np.ndarray
        assert gl.shape == xl.shape
        assert gl.dtype == xl.dtype
        tol = 1e-5 if xl.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(gl, np.sin(xl) + xl * np.cos(xl), rtol=tol, atol=tol)


@given(fst.pytrees(max_leaves=4))
def test_vjp_with_pytree_output_and_cotangent(tree):
    def f(t):
        return {"sq": fg.tree.map(lambda x: x * x, t), "sin": [fg.tree.map(fnp.sin, t)]}

    out, pullback = fg.vjp(f, tree)
    assert fg.tree.structure(out) == fg.tree.structure(f(tree))
    ct = fg.tree.map(lambda o: np.full(np.shape(o), 0.5), out)
    (g,) = pullback(ct)
    assert fg.tree.structure(g) == fg.tree.structure(tree)
    expected = fg.tree.map(lambda x: 0.5 * 2 * x + 0.5 * np.cos(x), tree)
    fg.tree.map(_assert_close, g, expected)


def test_vjp_rejects_a_cotangent_of_the_wrong_structure_or_shape():
    _, pullback = fg.vjp(lambda x: {"a": x, "b": x * 2.0}, np.ones(3))
    with pytest.raises(ValueError, match="structure"):
        pullback({"a": np.ones(3)})
    with pytest.raises(ValueError, match=r"\(2,\)"):
        pullback({"a": np.ones(3), "b": np.ones(2)})


@pytest.mark.parametrize(
    "x",
    [2.0, np.float64(2.0), np.float32(2.0), np.array(2.0), np.array(2.0, np.float32)],
    ids=["python float", "np.float64", "np.float32", "0-d f64", "0-d f32"],
)
def test_scalar_grads_are_0d_ndarrays_of_the_input_dtype(x):
    g = fg.grad(lambda v: v * v * 3.0)(x)
    assert type(g) is np.ndarray
    assert g.shape == ()
    assert g.dtype == np.asarray(x).dtype
    assert g == 12.0
    value, g2 = fg.value_and_grad(lambda v: v * v * 3.0)(x)
    assert type(value) is np.ndarray
    assert type(g2) is np.ndarray


def test_float32_stays_float32_with_float64_constants():
    x = np.array([0.5, 1.5], np.float32)
    g = fg.grad(lambda v: fnp.sum(v * np.array([2.0, 3.0])))(x)
    assert g.dtype == np.float32
    _assert_close(g, [2.0, 3.0])


# --- closures, constants -------------------------------------------------------------


def test_closure_over_outer_arrays():
    w = np.array([1.0, -2.0, 3.0])

    def f(x):
        return fnp.sum(fnp.sin(x * w))

    x = np.array([0.1, 0.2, 0.3])
    _assert_close(fg.grad(f)(x), w * np.cos(x * w))


def test_closure_over_an_outer_tracer_keeps_perturbations_apart():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (perturbation confusion would give 2).
    def outer(x):
        return x * fg.grad(lambda y: x + y)(1.0)

    assert fg.grad(outer)(2.0) == 1.0

    # d/dx [d/dy (x * y * y) at y=1] = d/dx [2 x] = 2
    assert fg.grad(lambda x: fg.grad(lambda y: x * y * y)(1.0))(5.0) == 2.0


def test_constant_outputs_give_zeros_of_the_args_shapes():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    g = fg.grad(lambda v: 3.0)(x)
    assert type(g) is np.ndarray
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.zeros(3))
    gx, gy = fg.grad(lambda a, b: fnp.sin(b), argnums=(0, 1))(np.ones((2, 2)), 0.5)
    np.testing.assert_array_equal(gx, np.zeros((2, 2)))
    _assert_close(gy, np.cos(0.5))
    _, pullback = fg.vjp(lambda v: {"c": np.ones(2)}, {"p": np.ones(3)})
    (g,) = pullback({"c": np.ones(2)})
    np.testing.assert_array_equal(g["p"], np.zeros(3))


# --- higher derivatives, fan-out, deep graphs ----------------------------------------


def _d4(f):
    return fg.grad(fg.grad(fg.grad(fg.grad(f))))


def _tanh_d4(x):
    t = np.tanh(x)
    return 8 * t * (1 - t * t) * (2 - 3 * t * t)


@pytest.mark.parametrize(
    ("f", "d4", "lo", "hi"),
    [
        (fnp.tanh, _tanh_d4, -2.0, 2.0),
        (fnp.sin, np.sin, -3.0, 3.0),
        (fnp.exp, np.exp, -2.0, 2.0),
        (fnp.log, lambda x: -6.0 / x**4, 0.3, 3.0),
    ],
    ids=["tanh", "sin", "exp", "log"],
)
@given(data=st.data())
def test_fourth_derivatives_match_closed_forms(f, d4, lo, hi, data):
    x = data.draw(st.floats(lo, hi), label="x")
    _assert_close(_d4(f)(x), d4(x), rtol=1e-9, atol=1e-9)


@given(st.floats(-3.0, 3.0))
def test_a_value_used_twice_accumulates_both_paths(x):
    def f(v):
        y = fnp.sin(v)
        return y * y + y + v * v * v

    _assert_close(fg.grad(f)(x), (2 * np.sin(x) + 1) * np.cos(x) + 3 * x * x)

    def many(v):
        total = v
        for _ in range(9):
            total = total + v
        return total * v  # 10 v^2

    _assert_close(fg.grad(many)(x), 20 * x)


def test_a_chain_of_100000_primitives_differentiates_without_recursion():
    n = 100_000

    def chain(v):
        for _ in range(n):
            v = fnp.sin(v)
        return v

    expected, v = 1.0, 0.5
    for _ in range(n):
        expected *= np.cos(v)
        v = np.sin(v)
    value, g = fg.value_and_grad(chain)(0.5)
    _assert_close(value, v, rtol=1e-9)
    _assert_close(g, expected, rtol=1e-6)


# --- stop_gradient -------------------------------------------------------------------


def test_stop_gradient_in_reverse_mode():
    assert fg.grad(lambda x: x * fg.stop_gradient(x))(3.0) == 3.0
    assert fg.grad(lambda x: fg.stop_gradient(x * x))(3.0) == 0.0
    # second order: d/dx [x * sg(x)] = sg(x), whose derivative is 0
    assert fg.grad(fg.grad(lambda x: x * fg.stop_gradient(x)))(3.0) == 0.0


def test_stop_gradient_in_forward_mode():
    out, t = fg.jvp(lambda x: x * fg.stop_gradient(x), (3.0,), (1.0,))
    assert out == 9.0
    assert t == 3.0
    _, t0 = fg.jvp(lambda x: fg.stop_gradient(fnp.sin(x)), (3.0,), (1.0,))
    assert t0 == 0.0


def test_stop_gradient_under_vmap():
    xs = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(fg.vmap(fg.stop_gradient)(xs), xs)
    np.testing.assert_array_equal(fg.vmap(fg.grad(lambda x: x * fg.stop_gradient(x)))(xs), xs)
    _, t = fg.vmap(lambda x: fg.jvp(lambda v: v * fg.stop_gradient(v), (x,), (1.0,)))(xs)
    np.testing.assert_array_equal(t, xs)


# --- zero cotangents are skipped -----------------------------------------------------


def _counted_sin(calls):
    @fg.custom_vjp
    def f(x):
        return fnp.sin(x)

    def fwd(x):
        return fnp.sin(x), fnp.cos(x)

    def bwd(cos_x, g):
        calls.append(1)
        return (g * cos_x,)

    f.defvjp(fwd, bwd)
    return f


@pytest.mark.parametrize(
    "use",
    [
        lambda f, x: (f(x), x * 2.0)[1],  # computed, unused
        lambda f, x: x * 2.0 + fg.stop_gradient(f(x)),  # behind stop_gradient
        lambda f, x: fnp.where(f(x) > 0.0, x * 2.0, -x),  # only through a comparison
    ],
    ids=["unused", "stop_gradient", "comparison"],
)
def test_backward_pass_skips_branches_that_do_not_contribute(use):
    calls: list = []
    f = _counted_sin(calls)
    g = fg.grad(lambda x: use(f, x))(0.7)
    assert g == 2.0
    assert calls == []


def test_backward_pass_calls_a_contributing_rule_once():
    calls: list = []
    f = _counted_sin(calls)
    _assert_close(fg.grad(lambda x: f(x) * 3.0 + x)(0.7), 3 * np.cos(0.7) + 1.0)
    assert calls == [1]
