"""``vmap``: in_axes/out_axes forms, broadcasting of unbatched outputs, error messages,
nesting, and composition with grad and jvp."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import strategies as fst


def _assert_close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _mixing(a):
    """Not elementwise: every output entry depends on the whole example."""
    return fnp.sin(a) * fnp.sum(a * a)


def _loop(f, xs, axes, out_axis=0):
    """The reference: slice each batched argument, call f, stack along out_axis."""
    size = next(np.shape(x)[ax] for x, ax in zip(xs, axes, strict=True) if ax is not None)
    outs = [
        f(*[x if ax is None else np.take(x, i, axis=ax) for x, ax in zip(xs, axes, strict=True)])
        for i in range(size)
    ]
    return fg.tree.map(lambda *o: np.stack(o, axis=out_axis), *outs)


# --- in_axes and out_axes ------------------------------------------------------------


@given(shape=fst.shapes(min_dims=1, max_dims=3, max_side=3), data=st.data())
def test_int_and_negative_in_axes_and_out_axes(shape, data):
    x = data.draw(fst.arrays(shape=shape), label="x")
    ndim = len(shape)
    in_axis = data.draw(st.integers(-ndim, ndim - 1), label="in_axes")
    out_ndim = ndim  # per-example rank ndim - 1, plus the batch axis
    out_axis = data.draw(st.integers(-out_ndim, out_ndim - 1), label="out_axes")
    got = fg.vmap(_mixing, in_axes=in_axis, out_axes=out_axis)(x)
    expected = _loop(_mixing, [x], [in_axis % ndim], out_axis=out_axis % out_ndim)
    assert got.shape == expected.shape
    _assert_close(got, expected)


def test_in_axes_tuple_with_none_leaves_an_argument_unbatched():
    x = np.arange(6.0).reshape(2, 3)
    w = np.array([1.0, -1.0])
    c = np.array([0.5, 1.5, 2.5])

    def f(a, b, k):
        return _mixing(a) * b + k

    got = fg.vmap(f, in_axes=(1, None, 0))(x, w, c)
    _assert_close(got, _loop(f, [x, w, c], [1, None, 0]))
    assert got.shape == (3, 2)


def test_in_axes_pytree_prefix():
    params = {"w": np.array([1.0, 2.0]), "bs": [np.array(0.5), np.array([0.1, 0.2])]}
    xs = np.arange(6.0).reshape(3, 2)

    def f(p, x):
        return _mixing(x * p["w"]) + p["bs"][0] + p["bs"][1]

    # a dict leaf of the prefix covers the whole list under "bs"
    got = fg.vmap(f, in_axes=({"w": None, "bs": None}, 0))(params, xs)
    expected = np.stack([f(params, x) for x in xs])
    _assert_close(got, expected)

    batched = {"w": np.stack([params["w"], 2 * params["w"], 3 * params["w"]]), "bs": params["bs"]}
    got = fg.vmap(f, in_axes=({"w": 0, "bs": None}, 0))(batched, xs)
    expected = np.stack([f({"w": batched["w"][i], "bs": params["bs"]}, xs[i]) for i in range(3)])
    _assert_close(got, expected)
    got = fg.vmap(f, in_axes=({"w": -1, "bs": [None, None]}, None))(
        {"w": batched["w"].T, "bs": params["bs"]}, xs[0]
    )
    _assert_close(got, np.stack([f({"w": w, "bs": params["bs"]}, xs[0]) for w in batched["w"]]))


def test_in_axes_prefix_that_does_not_match_is_an_error():
    with pytest.raises(ValueError, match="prefix"):
        fg.vmap(lambda d: d["a"], in_axes=({"b": 0},))({"a": np.ones(2)})
    with pytest.raises(ValueError, match="in_axes has 2 entries"):
        fg.vmap(lambda a: a, in_axes=(0, 0))(np.ones(2))


def test_out_axes_pytree_and_none():
    x = np.arange(6.0).reshape(2, 3)
    c = np.array([5.0, 6.0, 7.0])

    def f(a, k):
        return {"batched": fnp.sin(a), "const": k * 2.0}

    got = fg.vmap(f, in_axes=(0, None), out_axes={"batched": 1, "const": None})(x, c)
    _assert_close(got["batched"], np.sin(x).T)
    _assert_close(got["const"], c * 2.0)  # out_axes=None: unbatched, as returned
    got = fg.vmap(lambda a: (a, 3.0), out_axes=(0, None))(x)
    assert type(got[1]) is np.ndarray
    assert got[1] == 3.0


def test_out_axes_none_for_a_batched_output_is_an_error():
    with pytest.raises(ValueError, match="out_axes is None"):
        fg.vmap(fnp.sin, out_axes=None)(np.ones(3))


def test_outputs_that_do_not_depend_on_the_batch_are_broadcast():
    x = np.arange(6.0).reshape(3, 2)
    b = np.array([1.0, 2.0])
    got = fg.vmap(lambda a, c: (c * 2.0, np.ones(4), 7.0), in_axes=(0, None))(x, b)
    _assert_close(got[0], np.stack([b * 2.0] * 3))
    _assert_close(got[1], np.ones((3, 4)))
    _assert_close(got[2], np.full(3, 7.0))
    got = fg.vmap(lambda a, c: c, in_axes=(0, None), out_axes=1)(x, b)
    _assert_close(got, np.stack([b] * 3, axis=1))


# --- errors --------------------------------------------------------------------------


def test_inconsistent_batch_sizes_name_every_size():
    with pytest.raises(ValueError, match="inconsistent sizes") as info:
        fg.vmap(lambda a, b, c, d: a + b + c + d, in_axes=(0, 1, None, -1))(
            np.ones((2, 5)), np.ones((4, 3)), np.ones(7), np.ones((5, 4))
        )
    message = str(info.value)
    assert "size 2" in message
    assert "size 3" in message
    assert "size 4" in message
    assert "size 7" not in message  # unbatched arguments are not part of the batch


@pytest.mark.parametrize(
    ("in_axes", "args", "pattern"),
    [
        (2, (np.ones((2, 3)),), "out of range"),
        (0, (np.array(1.0),), "scalar"),
        (None, (np.ones(3),), "at least one"),
    ],
    ids=["axis out of range", "batched scalar", "nothing batched"],
)
def test_bad_in_axes_are_value_errors(in_axes, args, pattern):
    with pytest.raises(ValueError, match=pattern):
        fg.vmap(fnp.sin, in_axes=in_axes)(*args)


# --- nesting and composition ---------------------------------------------------------


@given(fst.arrays(shape=(2, 3, 2)))
def test_vmap_of_vmap_matches_a_double_loop(x):
    got = fg.vmap(fg.vmap(_mixing))(x)
    expected = np.stack([np.stack([_mixing(x[i, j]) for j in range(3)]) for i in range(2)])
    _assert_close(got, expected)
    # different axes at each level: outer over axis 2, inner over the (then) axis 0
    got = fg.vmap(fg.vmap(_mixing, in_axes=0), in_axes=2)(x)
    expected = np.stack([np.stack([_mixing(x[i, :, k]) for i in range(2)]) for k in range(2)])
    _assert_close(got, expected)


def _init_mlp(rng, sizes=(3, 5, 2)):
    params = []
    for n_in, n_out in itertools.pairwise(sizes):
        params.append(
            {"w": rng.normal(size=(n_out, n_in)) / np.sqrt(n_in), "b": rng.normal(size=n_out)}
        )
    return params


def _mlp_loss(params, x, y):
    h = x
    for layer in params[:-1]:
        h = fnp.tanh(layer["w"] @ h + layer["b"])
    out = params[-1]["w"] @ h + params[-1]["b"]
    return fnp.sum((out - y) ** 2)


@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_per_example_gradients_of_an_mlp_equal_a_loop_of_grad(seed, batch):
    rng = np.random.default_rng(seed)
    params = _init_mlp(rng)
    xs = rng.normal(size=(batch, 3))
    ys = rng.normal(size=(batch, 2))
    got = fg.vmap(fg.grad(_mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    expected = [fg.grad(_mlp_loss)(params, xs[i], ys[i]) for i in range(batch)]
    assert fg.tree.structure(got) == fg.tree.structure(params)
    for i in range(batch):
        fg.tree.map(lambda g, e, i=i: _assert_close(g[i], e, rtol=1e-9), got, expected[i])


def test_grad_of_vmap_of_a_summed_output():
    def f(x):
        return fnp.sum(fnp.sin(x) * fnp.exp(x))

    xs = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]])
    g = fg.grad(lambda b: fnp.sum(fg.vmap(f)(b)))(xs)
    _assert_close(g, fg.vmap(fg.grad(f))(xs))
    _assert_close(g, np.exp(xs) * (np.sin(xs) + np.cos(xs)))


@given(fst.arrays(shape=(3, 2)), fst.arrays(shape=(3, 2)))
def test_vmap_of_jvp(xs, ts):
    def push(x, t):
        return fg.jvp(_mixing, (x,), (t,))

    out, tangent = fg.vmap(push)(xs, ts)
    expected = [push(x, t) for x, t in zip(xs, ts, strict=True)]
    _assert_close(out, np.stack([e[0] for e in expected]))
    _assert_close(tangent, np.stack([e[1] for e in expected]))
    # unbatched tangent: one direction for every example
    _, tangent = fg.vmap(push, in_axes=(0, None))(xs, ts[0])
    _assert_close(tangent, np.stack([push(x, ts[0])[1] for x in xs]))
