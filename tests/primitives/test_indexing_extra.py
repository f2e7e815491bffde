"""Indexing behaviour the table cannot express: traced index arrays, errors, purity."""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5, 3))


def _loop(f, *batched):
    return np.stack([f(*xs) for xs in zip(*batched, strict=True)])


@pytest.mark.parametrize(
    "f",
    [
        lambda x, i: fnp.at(x)[i].get(),
        lambda x, i: fnp.at(x)[:, i].get(),
        lambda x, i: fnp.at(x)[i, :, 0].get(),  # advanced indices apart: the block goes first
        lambda x, i: fnp.at(x)[1:, i, None].get(),
        lambda x, i: fnp.at(x)[i, i[::-1]].get(),
        lambda x, i: fnp.at(x)[None, 1, ..., i].get(),
        lambda x, i: fnp.take(x, i, axis=2),
        lambda x, i: fnp.at(x)[i].add(1.0),
        lambda x, i: fnp.at(x)[:, i].set(fnp.ones(2)[:, None]),
        lambda x, i: fnp.at(x)[1:3, i, 0].multiply(fnp.arange(1.0, 3.0)),
    ],
)
@pytest.mark.parametrize("x_batched", [False, True])
# Note: a plain numpy ``x`` indexed by a tracer (``x[i]``) is numpy's own indexing, which
# cannot see tracers; ``fnp.at(x)[i].get()`` (or ``fnp.take``) is the traced-index form.
def test_traced_integer_index_under_vmap(f, x_batched):
    idx = np.array([[0, 2], [1, 1], [2, 0]])  # one index array per example, with repeats
    xs = np.stack([X, 2 * X, 3 * X])
    in_axes = (0 if x_batched else None, 0)
    got = fg.vmap(f, in_axes=in_axes)(xs if x_batched else X, idx)
    expected = _loop(f, xs if x_batched else [X] * 3, idx)
    np.testing.assert_allclose(got, expected)


def test_gradient_through_traced_index_under_vmap():
    idx = np.array([[0, 2, 2], [1, 1, 3]])

    def loss(x):
        return fg.vmap(lambda i: (x[i] ** 2).sum())(idx).sum()

    expected = sum(fg.grad(lambda x, i=i: (x[i] ** 2).sum())(X) for i in idx)
    np.testing.assert_allclose(fg.grad(loss)(X), expected)


def test_vmap_of_sort_gradient_matches_loop():
    xs = RNG.standard_normal((3, 4, 5))

    def f(x):
        return (fnp.sort(x, axis=0) ** 3)[1].sum() + fnp.median(x)

    np.testing.assert_allclose(fg.vmap(fg.grad(f))(xs), _loop(fg.grad(f), xs))


def test_traced_mask_under_vmap_is_a_clear_error():
    with pytest.raises(IndexError, match="boolean mask"):
        fg.vmap(lambda x: x[x > 0])(X)


def test_concrete_mask_under_grad_works():
    g = fg.grad(lambda x: (x[x > 0] ** 2).sum())(X)
    np.testing.assert_allclose(g, np.where(X > 0, 2 * X, 0.0))


def test_nonzero_of_traced_values_under_vmap_is_a_clear_error():
    with pytest.raises(TypeError, match="nonzero"):
        fg.vmap(lambda x: fnp.nonzero(x))(X)


def test_at_never_mutates_its_input():
    x = X.copy()
    for kind in ("set", "add", "multiply"):
        out = getattr(fnp.at(x)[[0, 0], 1:], kind)(2.0)
        assert isinstance(out, np.ndarray) and out is not x
        fg.grad(lambda y, kind=kind: getattr(fnp.at(y)[0, ::2], kind)(y[1, ::2]).sum())(x)
    np.testing.assert_array_equal(x, X)


def test_at_repeated_indices_semantics():
    x = np.zeros(3)
    np.testing.assert_array_equal(fnp.at(x)[[0, 0, 2]].add(1.0), [2.0, 0.0, 1.0])
    np.testing.assert_array_equal(fnp.at(x)[[0, 0]].set([1.0, 5.0]), [5.0, 0.0, 0.0])
    # set keeps the last value, so only that value carries a derivative
    g = fg.grad(lambda v: fnp.at(x)[[0, 0]].set(v).sum())(np.array([1.0, 5.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0])
    g = fg.grad(lambda v: fnp.at(np.ones(3))[[1, 1]].multiply(v).sum())(np.array([2.0, 3.0]))
    np.testing.assert_allclose(g, [3.0, 2.0])


def test_out_of_bounds_index_names_the_function():
    with pytest.raises(IndexError, match="getitem: index 5 is out of bounds for axis 1"):
        fg.grad(lambda x: x[0, 5].sum())(X)
    with pytest.raises(IndexError, match="getitem: index -6 is out of bounds"):
        fg.grad(lambda x: x[:, [0, -6]].sum())(X)
    with pytest.raises(IndexError, match="take: index 60 is out of bounds"):
        fg.grad(lambda x: fnp.take(x, [60]).sum())(X)
    with pytest.raises(IndexError, match="too many indices"):
        fg.grad(lambda x: x[0, 0, 0, 0].sum())(X)


def test_item_assignment_into_a_tracer_points_to_at():
    def f(x):
        x[0] = 1.0
        return x.sum()

    with pytest.raises(TypeError, match=r"\.at\["):
        fg.grad(f)(X)


def test_tracer_at_method_and_get():
    g = fg.grad(lambda x: x.at[1:3].multiply(x[0:2]).at[1].get().sum())(X)
    expected = np.zeros_like(X)
    expected[0], expected[1] = X[1], X[0]
    np.testing.assert_allclose(g, expected)
