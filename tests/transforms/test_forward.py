"""Forward mode and Jacobians: ``jvp``, ``linearize``, ``jacfwd``, ``jacrev``, ``hessian``,
and compositions of forward and reverse mode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import strategies as fst


def _assert_close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# --- jvp and linearize ---------------------------------------------------------------


def _tree_fun(d, lst):
    return {"p": d["a"] * lst[0], "q": (fnp.sin(d["b"]),)}


@given(a=fst.arrays(shape=(3,)), b=fst.arrays(shape=(3,)), c=fst.arrays(shape=()), data=st.data())
def test_jvp_of_pytrees(a, b, c, data):
    ta, tb, tc = (data.draw(fst.arrays(shape=np.shape(v))) for v in (a, b, c))
    primals = ({"a": a, "b": b}, [c])
    tangents = ({"a": ta, "b": tb}, [tc])
    out, t = fg.jvp(_tree_fun, primals, tangents)
    assert fg.tree.structure(out) == fg.tree.structure(_tree_fun(*primals))
    assert fg.tree.structure(t) == fg.tree.structure(out)
    _assert_close(out["p"], a * c)
    _assert_close(t["p"], ta * c + a * tc)
    _assert_close(t["q"][0], np.cos(b) * tb)


def test_jvp_outputs_are_ndarrays_and_constant_outputs_get_zero_tangents():
    x32 = np.array([1.0, 2.0], np.float32)
    _, t = fg.jvp(lambda x: (x * 2.0, np.ones(3), 5.0), (x32,), (np.ones(2, np.float32),))
    assert t[0].dtype == np.float32
    np.testing.assert_array_equal(t[0], [2.0, 2.0])
    np.testing.assert_array_equal(t[1], np.zeros(3))
    assert type(t[2]) is np.ndarray
    assert t[2] == 0.0
    o, s = fg.jvp(fnp.sin, (0.5,), (1.0,))
    assert type(o) is np.ndarray
    assert type(s) is np.ndarray


def test_jvp_argument_errors():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        fg.jvp(fnp.sin, (np.ones(2),), (np.ones(3),))
    with pytest.raises(ValueError, match="structure"):
        fg.jvp(lambda d: d["a"], ({"a": np.ones(2)},), ({"b": np.ones(2)},))
    with pytest.raises(TypeError, match="tuples"):
        fg.jvp(fnp.sin, np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="int64"):
        fg.jvp(lambda n: n * 2, (np.arange(3),), (np.ones(3),))


@given(fst.arrays(shape=(2, 3)), fst.arrays(shape=(2, 3)))
def test_linearize_gives_the_jvp_at_the_primals(x, t):
    def f(v):
        return fnp.sin(v) * fnp.exp(v)

    out, f_jvp = fg.linearize(f, x)
    _assert_close(out, np.sin(x) * np.exp(x))
    _assert_close(f_jvp(t), fg.jvp(f, (x,), (t,))[1])
    _assert_close(f_jvp(2.0 * t), 2.0 * f_jvp(t))


def test_linearize_of_several_pytree_arguments():
    out, f_jvp = fg.linearize(_tree_fun, {"a": np.array(2.0), "b": np.array(0.3)}, [np.array(4.0)])
    _assert_close(out["p"], 8.0)
    t = f_jvp({"a": np.array(1.0), "b": np.array(1.0)}, [np.array(0.0)])
    _assert_close(t["p"], 4.0)
    _assert_close(t["q"][0], np.cos(0.3))


# --- Jacobian shapes -----------------------------------------------------------------


@given(in_shape=fst.shapes(max_dims=2, max_side=3), k=st.integers(1, 3), data=st.data())
def test_jacobian_shape_is_out_shape_plus_in_shape(in_shape, k, data):
    x = data.draw(fst.arrays(shape=in_shape), label="x")
    w = data.draw(fst.arrays(shape=(k,)), label="w")
    w_b = w.reshape((k,) + (1,) * len(in_shape))

    def f(v):
        return fnp.sin(v) * w_b  # out shape (k, *in_shape)

    diag = np.diag(np.cos(x).ravel()).reshape(in_shape + in_shape)
    expected = w.reshape((k,) + (1,) * (2 * len(in_shape))) * diag[None]
    jf, jr = fg.jacfwd(f)(x), fg.jacrev(f)(x)
    assert jf.shape == (k, *in_shape, *in_shape)
    assert jr.shape == jf.shape
    _assert_close(jf, expected)
    _assert_close(jr, expected)


def _tree_jac_fun(p):
    return [p["a"] * p["s"], fnp.exp(p["s"])]


@pytest.mark.parametrize("jac", [fg.jacfwd, fg.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_of_pytrees_nests_output_outside_input(jac):
    a, s = np.array([0.5, -1.0]), np.array(0.3)
    j = jac(_tree_jac_fun)({"a": a, "s": s})
    assert isinstance(j, list)
    assert len(j) == 2
    assert set(j[0]) == {"a", "s"}
    assert j[0]["a"].shape == (2, 2)
    assert j[0]["s"].shape == (2,)
    assert j[1]["a"].shape == (2,)
    assert j[1]["s"].shape == ()
    _assert_close(j[0]["a"], s * np.eye(2))
    _assert_close(j[0]["s"], a)
    _assert_close(j[1]["a"], np.zeros(2))
    _assert_close(j[1]["s"], np.exp(s))


@pytest.mark.parametrize("jac", [fg.jacfwd, fg.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_argnums_tuple(jac):
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])

    def f(x, y, c):
        return fnp.sin(x) * fnp.sum(y) * c

    jx, jy = jac(f, argnums=(0, 1))(x, y, 2.0)
    assert jx.shape == (2, 2)
    assert jy.shape == (2, 3)
    _assert_close(jx, np.diag(np.cos(x)) * y.sum() * 2.0)
    _assert_close(jy, np.outer(np.sin(x) * 2.0, np.ones(3)))
    (only_y,) = jac(f, argnums=(1,))(x, y, 2.0)
    _assert_close(only_y, jy)


def _nonseparable(x):
    return fnp.sum(fnp.sin(x) * fnp.exp(x)) * fnp.sum(x * x)


@given(fst.arrays(shape=st.integers(1, 4).map(lambda n: (n,)), min_value=-1.0, max_value=1.0))
def test_jacfwd_equals_jacrev(x):
    def f(v):
        return fnp.tanh(v) * fnp.sum(v * v)

    _assert_close(fg.jacfwd(f)(x), fg.jacrev(f)(x))
    _assert_close(fg.jacfwd(fg.grad(_nonseparable))(x), fg.jacrev(fg.grad(_nonseparable))(x))


@given(fst.arrays(shape=st.integers(1, 4).map(lambda n: (n,)), min_value=-1.0, max_value=1.0))
def test_hessian_is_symmetric_and_matches_finite_differences_of_grad(x):
    h = fg.hessian(_nonseparable)(x)
    assert h.shape == (x.size, x.size)
    _assert_close(h, h.T, rtol=1e-12, atol=1e-12)
    g = fg.grad(_nonseparable)
    eps = 1e-6
    fd = np.stack([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(x.size)], axis=-1)
    np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-6)


def test_hessian_of_a_matrix_argument_and_of_several_arguments():
    x = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    assert fg.hessian(_nonseparable)(x).shape == (2, 3, 2, 3)

    def f(a, b):
        return fnp.sin(a) * fnp.exp(b)

    (haa, hab), (hba, hbb) = fg.hessian(f, argnums=(0, 1))(0.5, 0.3)
    _assert_close(haa, -np.sin(0.5) * np.exp(0.3))
    _assert_close(hab, np.cos(0.5) * np.exp(0.3))
    _assert_close(hba, hab)
    _assert_close(hbb, np.sin(0.5) * np.exp(0.3))


@given(
    fst.arrays(shape=(3,), min_value=-1.0, max_value=1.0),
    fst.arrays(shape=(3,)),
)
def test_hessian_vector_product_is_jvp_of_grad(x, v):
    hvp = fg.jvp(fg.grad(_nonseparable), (x,), (v,))[1]
    _assert_close(hvp, fg.hessian(_nonseparable)(x) @ v, rtol=1e-9, atol=1e-12)


# --- compositions of forward and reverse mode ----------------------------------------


def _f(x):
    return fnp.sin(x) * fnp.exp(x)


def _f2(x):  # second derivative of sin(x) exp(x)
    return 2.0 * np.exp(x) * np.cos(x)


@given(st.floats(-2.0, 2.0))
def test_second_derivatives_by_every_composition(x):
    def fwd(v):
        return fg.jvp(_f, (v,), (1.0,))[1]

    expected = _f2(x)
    _assert_close(fg.grad(fwd)(x), expected)  # reverse over forward
    _assert_close(fg.jvp(fg.grad(_f), (x,), (1.0,))[1], expected)  # forward over reverse
    _assert_close(fg.jvp(fwd, (x,), (1.0,))[1], expected)  # forward over forward
    _assert_close(fg.grad(fg.grad(_f))(x), expected)  # reverse over reverse


@given(fst.arrays(shape=(3,)), fst.arrays(shape=(3,)))
def test_reverse_over_forward_on_vectors(x, v):
    # g(x) = <v, J_f(x) v>, f elementwise: sum(v * v * f'(x)); grad = v * v * f''(x)
    def g(y):
        return fnp.sum(v * fg.jvp(_f, (y,), (v,))[1])

    _assert_close(fg.grad(g)(x), v * v * _f2(x))


def test_third_derivative_mixing_modes():
    # f = sin * exp: f''' = 2 e^x (cos x - sin x)
    x = 0.4
    expected = 2 * np.exp(x) * (np.cos(x) - np.sin(x))
    d2 = fg.grad(lambda v: fg.jvp(_f, (v,), (1.0,))[1])
    _assert_close(fg.jvp(d2, (x,), (1.0,))[1], expected)
    _assert_close(fg.grad(lambda v: fg.jvp(fg.grad(_f), (v,), (1.0,))[1])(x), expected)
    _assert_close(fg.grad(fg.grad(fg.grad(_f)))(x), expected)


def test_hessian_of_a_pytree_argument_nests_like_jax():
    def f(p):
        return fnp.sum(fnp.sin(p["a"]) * p["b"]) * fnp.sum(p["a"])

    p = {"a": np.array([0.1, 0.2]), "b": np.array(0.7)}
    h = fg.hessian(f)(p)
    shapes = fg.tree.map(np.shape, h)
    assert shapes == {"a": {"a": (2, 2), "b": (2,)}, "b": {"a": (2,), "b": ()}}
    _assert_close(h["a"]["b"], h["b"]["a"])  # symmetric across leaves too
    # d2f/db da_i = cos(a_i) sum(a) + sum(sin(a)); d2f/db2 = 0
    a = p["a"]
    _assert_close(h["b"]["a"], np.cos(a) * a.sum() + np.sin(a).sum())
    _assert_close(h["b"]["b"], 0.0)
