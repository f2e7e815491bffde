"""Test the tester: ``check_grads`` catches a 1% error and says where; ``numerical_grad``
and the hypothesis strategies keep their promises."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads, numerical_grad, strategies as fst

X = np.array([[0.3, -0.7, 1.1], [0.5, 0.9, -0.2]])
BAD = (1, 2)  # the one entry whose derivative the wrong rules get wrong
MASK = np.zeros(X.shape)
MASK[BAD] = 1.0


def _wrong_vjp_sin():
    """sin whose reverse rule is 1% off at entry BAD."""

    @fg.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (g * fnp.cos(x) * (1.0 + 0.01 * MASK),))
    return f


def _wrong_jvp_sin():
    """sin whose forward rule (hence also the derived reverse rule) is 1% off at BAD."""

    @fg.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return fnp.sin(x), t * fnp.cos(x) * (1.0 + 0.01 * MASK)

    return f


def _wrong_second_derivative_sin():
    """sin with a correct first derivative whose own derivative is 1% off at BAD."""

    @fg.custom_jvp
    def cos(x):
        return fnp.cos(x)

    @cos.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return fnp.cos(x), -t * fnp.sin(x) * (1.0 + 0.01 * MASK)

    @fg.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return fnp.sin(x), t * cos(x)

    return f


_NUMBER = r"(-?[0-9.]+(?:e[-+]?[0-9]+)?)"


def _values(message):
    """The analytic and numeric values quoted in a check_grads message."""
    analytic = re.search(r"analytic (?:np\.float64\()?" + _NUMBER, message)
    numeric = re.search(r"numeric (?:np\.float64\()?" + _NUMBER, message)
    assert analytic is not None, message
    assert numeric is not None, message
    return float(analytic.group(1)), float(numeric.group(1))


def _assert_names_the_bad_entry(message, argument):
    assert f"argument {argument}" in message
    assert f"index {BAD}" in message
    analytic, numeric = _values(message)
    assert analytic == pytest.approx(1.01 * numeric, rel=1e-4)


@pytest.mark.parametrize(
    ("make", "mode"),
    [(_wrong_vjp_sin, "rev"), (_wrong_jvp_sin, "rev"), (_wrong_jvp_sin, "fwd")],
    ids=["custom_vjp rev", "custom_jvp rev", "custom_jvp fwd"],
)
def test_a_derivative_wrong_by_one_percent_fails_with_a_precise_message(make, mode):
    f = make()
    with pytest.raises(AssertionError) as info:
        check_grads(f, (X,), modes=(mode,))
    message = str(info.value)
    assert ("reverse mode" if mode == "rev" else "forward mode") in message
    _assert_names_the_bad_entry(message, 0)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_the_wrong_argument_is_named(mode):
    f = _wrong_jvp_sin()

    def g(a, b):
        return fnp.exp(a) * f(b)

    with pytest.raises(AssertionError) as info:
        check_grads(g, (np.ones(X.shape) * 0.1, X), modes=(mode,))
    _assert_names_the_bad_entry(str(info.value), 1)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_a_wrong_second_derivative_passes_order_1_and_fails_order_2(mode):
    f = _wrong_second_derivative_sin()
    check_grads(f, (X,), order=1, modes=(mode,))
    with pytest.raises(AssertionError) as info:
        check_grads(f, (X,), order=2, modes=(mode,))
    message = str(info.value)
    assert "derivative)" in message  # "(in the reverse/forward derivative)"
    _assert_names_the_bad_entry(message, 0)


@given(fst.arrays(shape=fst.shapes(max_dims=2), min_value=-1.5, max_value=1.5))
def test_correct_functions_pass_at_order_2_in_both_modes(x):
    def f(v, d):
        return {"a": fnp.sin(v) * fnp.exp(d["w"]), "b": [fnp.tanh(v * d["w"])]}

    check_grads(f, (x, {"w": x * 0.5}), order=2)


@pytest.mark.parametrize(
    ("make", "mode"),
    [(_wrong_vjp_sin, "rev"), (_wrong_jvp_sin, "fwd")],
    ids=["custom_vjp rev", "custom_jvp fwd"],
)
def test_the_relative_criterion_catches_a_small_derivative_wrong_by_one_percent(make, mode):
    wrong = make()

    def f(x):  # derivative about 1e-4: a 1% error is 1e-6, below the absolute atol 1e-5
        return 1e-4 * wrong(x)

    check_grads(f, (X,), modes=(mode,))
    with pytest.raises(AssertionError) as info:
        check_grads(f, (X,), modes=(mode,), relative=True)
    _assert_names_the_bad_entry(str(info.value), 0)


@given(fst.arrays(shape=fst.shapes(max_dims=2), min_value=-1.5, max_value=1.5))
def test_the_relative_criterion_passes_correct_small_and_zero_derivatives(x):
    def f(v):
        return {"small": 1e-7 * fnp.sin(v), "zero": fnp.prod(fnp.zeros(3) * v[..., None], -1)}

    check_grads(f, (x,), order=2, relative=True)


def test_check_grads_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        check_grads(fnp.sin, (X,), modes=("reverse",))


# --- numerical_grad ------------------------------------------------------------------


def test_numerical_grad_returns_one_entry_per_argument_with_its_structure():
    def f(a, p, c):
        return fnp.sum(a * a) + p["w"][0] * p["w"][1] * c + fnp.sum(fnp.sin(p["v"]))

    a = np.array([1.0, 2.0])
    p = {"w": [np.array(3.0), np.array(4.0)], "v": np.array([[0.1, 0.2]])}
    grads = numerical_grad(f, a, p, 0.5)
    assert isinstance(grads, tuple)
    assert len(grads) == 3
    assert fg.tree.structure(grads[1]) == fg.tree.structure(p)
    np.testing.assert_allclose(grads[0], 2 * a, rtol=1e-7)
    np.testing.assert_allclose(grads[1]["w"][0], 4.0 * 0.5, rtol=1e-7)
    np.testing.assert_allclose(grads[1]["w"][1], 3.0 * 0.5, rtol=1e-7)
    np.testing.assert_allclose(grads[1]["v"], np.cos(p["v"]), rtol=1e-7)
    assert grads[1]["v"].shape == (1, 2)
    assert np.shape(grads[2]) == ()
    np.testing.assert_allclose(grads[2], 12.0, rtol=1e-7)
    exact = fg.grad(f, argnums=(0, 1, 2))(a, p, 0.5)
    fg.tree.map(lambda n, e: np.testing.assert_allclose(n, e, rtol=1e-7), grads, exact)


def test_numerical_grad_works_in_float64_for_float32_inputs():
    x = np.array([0.1, 0.2], np.float32)
    (g,) = numerical_grad(lambda v: fnp.sum(v * v * v), x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * x.astype(np.float64) ** 2, rtol=1e-8)


# --- strategies ----------------------------------------------------------------------


@given(
    data=st.data(),
    bounds=st.tuples(st.floats(-10, 10), st.floats(0.1, 10)).map(lambda b: (b[0], b[0] + b[1])),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_arrays_are_finite_within_bounds(data, bounds, dtype):
    lo, hi = bounds
    x = data.draw(fst.arrays(dtype=dtype, min_value=lo, max_value=hi))
    assert isinstance(x, np.ndarray)
    assert x.dtype == dtype
    assert np.all(np.isfinite(x))
    tol = 1e-5 * max(abs(lo), abs(hi)) if dtype == np.float32 else 0.0
    assert np.all(x >= lo - tol)
    assert np.all(x <= hi + tol)


@given(data=st.data(), shape=fst.shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
def test_arrays_with_a_given_shape_or_shape_strategy(data, shape):
    assert data.draw(fst.arrays(shape=shape)).shape == shape
    x = data.draw(fst.arrays(shape=fst.shapes(min_dims=2, max_dims=2, min_side=3, max_side=3)))
    assert x.shape == (3, 3)
    assert 1 <= len(shape) <= 3
    assert all(2 <= d <= 4 for d in shape)


@given(data=st.data(), n=st.integers(1, 4))
def test_broadcastable_shapes_broadcast(data, n):
    shapes = data.draw(fst.broadcastable_shapes(n))
    assert len(shapes) == n
    np.broadcast_shapes(*shapes)  # raises if they do not
    arrays = [data.draw(fst.arrays(shape=s)) for s in shapes]
    assert np.broadcast(*arrays).shape == np.broadcast_shapes(*shapes)


@given(fst.pytrees())
def test_pytrees_hold_finite_float_arrays(t):
    leaves = fg.tree.leaves(t)
    assert leaves
    for leaf in leaves:
        assert isinstance(leaf, np.ndarray)
        assert leaf.dtype == np.float64
        assert np.all(np.isfinite(leaf))
        assert np.all(np.abs(leaf) <= 2.0)
