"""Behaviours of the newer funcgrad.numpy names that rows cannot express: ``.astype(int)``
in every transformation, the errors of ``clip``, ``r_``/``c_``, ``gradient`` and the
``.at`` hints, and the return types of ``allclose``."""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.errors import FuncgradError

X = np.array([1.5, -2.5, 3.25])


def test_astype_int_has_zero_derivative_in_every_transformation():
    def f(x):
        return fnp.sum(x * x.astype(int))

    np.testing.assert_array_equal(fg.grad(f)(X), X.astype(int))
    _, t = fg.jvp(lambda x: x.astype(int) * 1.0, (X,), (np.ones(3),))
    np.testing.assert_array_equal(t, np.zeros(3))
    np.testing.assert_array_equal(
        fg.vmap(lambda x: x.astype(int))(np.stack([X, -X])), [[1, -2, 3], [-1, 2, -3]]
    )
    np.testing.assert_array_equal(fg.vmap(fg.grad(f))(np.stack([X, X])), [X.astype(int)] * 2)


def test_clip_keywords_follow_numpy():
    np.testing.assert_array_equal(fnp.clip(X, min=0.0), np.clip(X, min=0.0))
    g = fg.grad(lambda x: fnp.sum(x.clip(max=2.0)))(X)
    np.testing.assert_array_equal(g, [1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="forbidden"):
        fg.grad(lambda x: fnp.sum(fnp.clip(x, 0.0, 1.0, min=0.0)))(X)
    with pytest.raises(TypeError, match="out="):
        fg.grad(lambda x: fnp.sum(fnp.clip(x, 0.0, 1.0, out=np.empty(3))))(X)


def test_r_and_c_errors_are_funcgrad_errors():
    def bad_directive(x):
        return fnp.r_["r", x]

    with pytest.raises(FuncgradError, match="matrix"):
        fg.grad(lambda x: fnp.sum(bad_directive(x)))(X)
    with pytest.raises(FuncgradError, match="first entry"):
        fg.grad(lambda x: fnp.sum(fnp.r_[x, "0"]))(X)
    with pytest.raises(FuncgradError, match="concrete"):
        fg.vmap(lambda n: fnp.r_[0:n:1j])(np.array([2.0, 3.0]))


def test_gradient_errors_name_the_problem():
    with pytest.raises(ValueError, match="edge_order"):
        fg.grad(lambda x: fnp.sum(fnp.gradient(x, edge_order=3)))(X)
    with pytest.raises(ValueError, match="at least edge_order"):
        fg.grad(lambda x: fnp.sum(fnp.gradient(x[:2], edge_order=2)))(X)
    with pytest.raises(TypeError, match="spacing"):
        fg.grad(lambda x: fnp.sum(fnp.gradient(x, 1.0, 2.0)))(X)
    with pytest.raises(ValueError, match="length"):
        fg.grad(lambda x: fnp.sum(fnp.gradient(x, np.arange(4.0))))(X)


def test_gradient_with_traced_spacing():
    g = fg.grad(lambda h: fnp.sum(fnp.gradient(X, h)))(2.0)
    np.testing.assert_allclose(g, -np.sum(np.gradient(X, 2.0)) / 2.0, rtol=1e-14)


def test_at_hints_as_jax():
    out = fg.grad(lambda x: fnp.sum(x.at[np.array([0, 2])].min(0.0, unique_indices=True)))(X)
    np.testing.assert_array_equal(out, [0.0, 1.0, 0.0])  # both entries replaced by 0
    with pytest.raises(ValueError, match="mode"):
        fnp.at(X)[0].set(1.0, mode="drop")
    with pytest.raises(TypeError, match="unexpected"):
        fnp.at(X)[0].add(1.0, wrong=True)
    with pytest.raises(TypeError, match="concrete"):
        fg.vmap(lambda i: fnp.at(X)[i].max(10.0))(np.array([0, 1]))


def test_allclose_is_a_bool_outside_and_an_array_inside():
    assert fnp.allclose(X, X * (1 + 1e-12)) is True
    inside = fg.vmap(lambda x: fnp.allclose(x, X))(np.stack([X, X + 1.0]))
    np.testing.assert_array_equal(inside, [True, False])
