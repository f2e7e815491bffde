"""Convolution and pooling: values against direct loops, gradients as the correlations of
the textbook, the ``Conv2d`` layer, per-example gradients of a tiny CNN, and learning.

(Derivatives to order 2, transposition and vmap for drawn settings are property tests:
rows ``nn.conv2d*`` and ``nn.*_pool2d`` in tests/primitives/table_conv.py.)
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn

RNG = np.random.default_rng(0)

# --- direct loops ----------------------------------------------------------------------


def loop_conv2d(x, w, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """out[n, o, y, x] = sum_{c,i,j} xpad[n, g*Cg + c, y*sh + i*dh, x*sw + j*dw] w[o, c, i, j]."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + sum(pads[0]), wd + sum(pads[1])))
    xp[:, :, pads[0][0] : pads[0][0] + h, pads[1][0] : pads[1][0] + wd] = x
    ho = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, ho, wo))
    og = o // groups
    for b in range(n):
        for oc in range(o):
            g = oc // og
            for y in range(ho):
                for xx in range(wo):
                    acc = 0.0
                    for ci in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                acc += (
                                    xp[
                                        b,
                                        g * cg + ci,
                                        y * stride[0] + i * dilation[0],
                                        xx * stride[1] + j * dilation[1],
                                    ]
                                    * w[oc, ci, i, j]
                                )
                    out[b, oc, y, xx] = acc
    return out


def corr2d_valid(a, k):
    """Valid 2-D cross-correlation of one image with one kernel."""
    ho, wo = a.shape[0] - k.shape[0] + 1, a.shape[1] - k.shape[1] + 1
    return np.array(
        [
            [np.sum(a[y : y + k.shape[0], x : x + k.shape[1]] * k) for x in range(wo)]
            for y in range(ho)
        ]
    )


def dilate(e, s):
    """Insert s - 1 zeros between neighbouring entries of a 2-D array."""
    out = np.zeros(((e.shape[0] - 1) * s + 1, (e.shape[1] - 1) * s + 1))
    out[::s, ::s] = e
    return out


def loop_pool(x, window, stride, reduce):
    ho = (x.shape[-2] - window[0]) // stride[0] + 1
    wo = (x.shape[-1] - window[1]) // stride[1] + 1
    out = np.zeros((*x.shape[:-2], ho, wo))
    for y in range(ho):
        for xx in range(wo):
            patch = x[
                ...,
                y * stride[0] : y * stride[0] + window[0],
                xx * stride[1] : xx * stride[1] + window[1],
            ]
            out[..., y, xx] = reduce(patch, axis=(-2, -1))
    return out


# --- values ----------------------------------------------------------------------------

CONV_CASES = [
    ({}, {}),
    ({"stride": 2}, {"stride": (2, 2)}),
    ({"stride": (1, 2), "padding": 1}, {"stride": (1, 2), "pads": ((1, 1), (1, 1))}),
    ({"padding": (2, 0)}, {"pads": ((2, 2), (0, 0))}),
    ({"padding": ((0, 2), (1, 0))}, {"pads": ((0, 2), (1, 0))}),
    ({"padding": "SAME"}, {"pads": ((1, 1), (1, 1))}),
    ({"padding": "SAME", "stride": 2}, {"stride": (2, 2), "pads": ((1, 1), (0, 1))}),
    ({"padding": "VALID", "stride": 3}, {"stride": (3, 3)}),
    ({"dilation": 2, "padding": 1}, {"dilation": (2, 2), "pads": ((1, 1), (1, 1))}),
    ({"groups": 2}, {"groups": 2}),
    (
        {"groups": 4, "stride": 2, "padding": 1},
        {"groups": 4, "stride": (2, 2), "pads": ((1, 1), (1, 1))},
    ),
]


@pytest.mark.parametrize(("kwargs", "loop_kwargs"), CONV_CASES, ids=lambda v: str(v))
def test_conv2d_matches_a_direct_loop(kwargs, loop_kwargs):
    groups = kwargs.get("groups", 1)
    x = RNG.standard_normal((2, 4, 7, 6))
    w = RNG.standard_normal((4, 4 // groups, 3, 3))
    got = nn.conv2d(x, w, **kwargs)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, loop_conv2d(x, w, **loop_kwargs), rtol=1e-12, atol=1e-12)


def test_conv2d_hand_checked_example():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])  # x[y, x] - x[y + 1, x + 1]: always -5
    np.testing.assert_array_equal(nn.conv2d(x, w), np.full((1, 1, 3, 3), -5.0))
    # cross-correlation, not convolution: the kernel is not flipped
    w = np.array([[[[0.0, 1.0], [0.0, 0.0]]]])
    np.testing.assert_array_equal(nn.conv2d(x, w)[0, 0], x[0, 0, :3, 1:])
    ones = np.ones((1, 1, 2, 2))
    np.testing.assert_array_equal(nn.conv2d(x, ones, stride=2)[0, 0], [[10.0, 18.0], [42.0, 50.0]])


@pytest.mark.parametrize("size", range(4, 10))
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_same_padding_keeps_ceil_of_size_over_stride(size, stride, k):
    out = nn.conv2d(np.ones((1, 1, size, size)), np.ones((1, 1, k, k)), stride, "SAME")
    assert out.shape[-2:] == (math.ceil(size / stride),) * 2


def test_unbatched_input_is_one_example():
    x, w = RNG.standard_normal((3, 5, 5)), RNG.standard_normal((2, 3, 3, 3))
    np.testing.assert_allclose(nn.conv2d(x, w, padding=1), nn.conv2d(x[None], w, padding=1)[0])
    assert nn.max_pool2d(x, 2).shape == (3, 2, 2)


@pytest.mark.parametrize("groups", [1, 3])
def test_conv2d_columns_filled_a_slice_of_the_batch_at_a_time(monkeypatch, groups):
    from funcgrad.primitives import conv as conv_module

    x, w = RNG.standard_normal((5, 6, 6, 7)), RNG.standard_normal((6, 6 // groups, 3, 2))
    whole = nn.conv2d(x, w, padding=1, groups=groups)
    # columns of two examples (of one group, when grouped) per slice: 3 uneven slices
    per_example = (6 // groups) * 3 * 2 * 6 * 8 * 8 * (5 if groups > 1 else 1)
    monkeypatch.setattr(conv_module, "_COLUMN_BYTES", 2 * per_example + 1)
    np.testing.assert_array_equal(nn.conv2d(x, w, padding=1, groups=groups), whole)
    np.testing.assert_allclose(whole, loop_conv2d(x, w, pads=((1, 1), (1, 1)), groups=groups))


# --- gradients are correlations ---------------------------------------------------------


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
def test_gradients_are_correlations_of_errors(stride, pad):
    x, w = RNG.standard_normal((2, 3, 7, 7)), RNG.standard_normal((4, 3, 3, 3))
    out, pullback = fg.vjp(lambda x, w: nn.conv2d(x, w, stride, pad), x, w)
    e = RNG.standard_normal(out.shape)  # the error arriving at the output
    x_bar, w_bar = pullback(e)
    k = w.shape[-1]
    hp = x.shape[-1] + 2 * pad
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # input: full correlation of the (stride-dilated) error with the flipped kernel
    expect_x = np.zeros((2, 3, hp, hp))
    for n in range(2):
        for c in range(3):
            full = sum(
                corr2d_valid(np.pad(dilate(e[n, o], stride), k - 1), w[o, c, ::-1, ::-1])
                for o in range(4)
            )
            expect_x[n, c, : full.shape[0], : full.shape[1]] = full
    np.testing.assert_allclose(x_bar, expect_x[:, :, pad : hp - pad, pad : hp - pad], atol=1e-12)
    # weights: correlation of the (padded) input with the (stride-dilated) error
    expect_w = np.zeros_like(w)
    for o in range(4):
        for c in range(3):
            corr = sum(corr2d_valid(xp[n, c], dilate(e[n, o], stride)) for n in range(2))
            expect_w[o, c] = corr[:k, :k]
    np.testing.assert_allclose(w_bar, expect_w, atol=1e-12)


# --- pooling ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "stride"), [(2, None), (3, None), ((2, 3), (1, 2)), (3, 1), (1, 2)]
)
def test_pooling_matches_a_direct_loop(window, stride):
    x = RNG.standard_normal((2, 3, 7, 8))
    win = (window, window) if isinstance(window, int) else window
    st = win if stride is None else (stride, stride) if isinstance(stride, int) else stride
    np.testing.assert_allclose(nn.max_pool2d(x, window, stride), loop_pool(x, win, st, np.max))
    np.testing.assert_allclose(
        nn.avg_pool2d(x, window, stride), loop_pool(x, win, st, np.mean), rtol=1e-12, atol=1e-14
    )


def test_max_pool_gradient_goes_to_the_window_maximum_and_splits_ties():
    x = np.array([[[[1.0, 5.0, 2.0, 2.0], [3.0, 4.0, 2.0, 2.0]]]])
    g = fg.grad(lambda x: nn.max_pool2d(x, 2).sum())(x)
    # window 1 has one maximum (5); window 2 is a four-way tie: a quarter each
    np.testing.assert_array_equal(g, [[[[0.0, 1.0, 0.25, 0.25], [0.0, 0.0, 0.25, 0.25]]]])
    g = fg.grad(lambda x: nn.avg_pool2d(x, 2).sum())(x)
    np.testing.assert_array_equal(g, np.full_like(x, 0.25))


# --- errors -----------------------------------------------------------------------------

ERRORS = [
    (
        lambda: nn.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 2, 3, 3))),
        r"3 channels.*\(2, 2, 3, 3\)",
    ),
    (
        lambda: nn.conv2d(np.ones((1, 1, 2, 5)), np.ones((1, 1, 3, 3))),
        r"does not fit.*\(1, 1, 2, 5\)",
    ),
    (lambda: nn.conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))), r"NCHW.*\(5, 5\)"),
    (lambda: nn.conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2), "groups=2"),
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=0), "stride"),
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding="full"), "padding"),
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding=-1), "padding"),
    (lambda: nn.max_pool2d(np.ones((1, 1, 3, 4)), 4), r"window \(4, 4\).*\(1, 1, 3, 4\)"),
    (lambda: nn.avg_pool2d(np.ones((1, 1, 3, 4)), 2, stride=(1, 0)), "stride"),
    (lambda: nn.max_pool2d(np.ones((1, 1, 3, 4)), (2, 2, 2)), "window"),
]


@pytest.mark.parametrize(("call", "match"), ERRORS)
def test_errors_are_value_errors_naming_the_shapes(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_errors_are_the_same_under_transformations():
    w = np.ones((2, 2, 3, 3))
    with pytest.raises(ValueError, match=r"3 channels"):
        fg.grad(lambda x: nn.conv2d(x, w).sum())(np.ones((1, 3, 5, 5)))


# --- the layer --------------------------------------------------------------------------


def test_conv2d_layer_shapes_init_and_pytree():
    layer = nn.Conv2d.init(fg.random.key(0), 16, 64, 3, stride=[2, 1], padding="SAME")
    assert layer.weight.shape == (64, 16, 3, 3) and layer.bias.shape == (64,)
    assert layer.stride == (2, 1)  # lists become tuples: static fields stay hashable
    fan_in = 16 * 3 * 3
    assert abs(layer.weight.std() / math.sqrt(2.0 / fan_in) - 1.0) < 0.05
    np.testing.assert_array_equal(layer.bias, 0.0)
    assert len(fg.tree.leaves(layer)) == 2  # stride/padding/dilation/groups are static
    x = RNG.standard_normal((2, 16, 7, 7))
    bias = RNG.standard_normal(64)
    layer = attrs.evolve(layer, bias=bias)
    expected = nn.conv2d(x, layer.weight, (2, 1), "SAME") + bias[:, None, None]
    np.testing.assert_allclose(layer(x), expected)
    grads = fg.grad(lambda m: (m(x) ** 2).sum())(layer)
    assert type(grads) is nn.Conv2d and grads.stride == (2, 1)
    assert grads.weight.shape == layer.weight.shape


def test_conv2d_layer_without_bias_and_with_groups():
    layer = nn.Conv2d.init(fg.random.key(1), 4, 6, (3, 1), groups=2, use_bias=False)
    assert layer.weight.shape == (6, 2, 3, 1) and layer.bias is None
    assert len(fg.tree.leaves(layer)) == 1
    x = RNG.standard_normal((1, 4, 5, 5))
    np.testing.assert_allclose(layer(x), nn.conv2d(x, layer.weight, groups=2))
    with pytest.raises(ValueError, match="divisible by groups=4"):
        nn.Conv2d.init(fg.random.key(1), 6, 8, 3, groups=4)


# --- a tiny CNN ---------------------------------------------------------------------------


def flatten(h):
    return fnp.reshape(h, (*h.shape[:-3], -1))


def tiny_cnn(key, classes=10):
    k1, k2, k3 = fg.random.split(key, 3)
    return nn.Sequential(
        [
            nn.Conv2d.init(k1, 1, 8, 3),
            nn.relu,
            nn.Conv2d.init(k2, 8, 16, 3),
            nn.relu,
            flatten,
            nn.Dense.init(k3, 16 * 4 * 4, classes),
        ]
    )


def test_per_example_gradients_of_a_tiny_cnn_match_a_loop():
    model = tiny_cnn(fg.random.key(0))
    x = RNG.standard_normal((6, 1, 8, 8))
    y = RNG.integers(0, 10, 6)

    def example_loss(model, x, y):  # one image (1, 8, 8), one integer label
        return nn.softmax_cross_entropy_with_integer_labels(model(x), y)

    per_example = fg.vmap(fg.grad(example_loss), in_axes=(None, 0, 0))(model, x, y)
    for i in range(len(y)):
        one = fg.grad(example_loss)(model, x[i], y[i])
        fg.tree.map(
            lambda a, b, i=i: np.testing.assert_allclose(a[i], b, rtol=1e-10, atol=1e-12),
            per_example,
            one,
        )
    # and their mean is the gradient of the batch loss
    batch = fg.grad(lambda m: nn.softmax_cross_entropy_with_integer_labels(m(x), y))(model)
    fg.tree.map(
        lambda a, b: np.testing.assert_allclose(a.mean(axis=0), b, rtol=1e-10, atol=1e-12),
        per_example,
        batch,
    )


def bars(n, rng):
    """8x8 images with one horizontal (label 0) or vertical (label 1) bar, plus noise."""
    y = rng.integers(0, 2, n)
    x = rng.normal(0.0, 0.2, (n, 1, 8, 8))
    where = rng.integers(0, 8, n)
    for i in range(n):
        if y[i] == 0:
            x[i, 0, where[i], :] += 1.0
        else:
            x[i, 0, :, where[i]] += 1.0
    return x, y


def test_a_small_cnn_learns_horizontal_versus_vertical_bars():
    rng = np.random.default_rng(1)
    x, y = bars(256, rng)
    model = tiny_cnn(fg.random.key(2), classes=2)
    opt = fg.optim.adam(1e-2)
    state = opt.init(model)

    def loss(m, x, y):
        return nn.softmax_cross_entropy_with_integer_labels(m(x), y)

    first = float(loss(model, x, y))
    for _ in range(40):
        idx = rng.integers(0, len(y), 32)
        grads = fg.grad(loss)(model, x[idx], y[idx])
        updates, state = opt.update(grads, state, model)
        model = fg.optim.apply_updates(model, updates)
    assert float(loss(model, x, y)) < 0.25 * first
    x_new, y_new = bars(128, np.random.default_rng(5))
    assert np.mean(np.argmax(model(x_new), axis=-1) == y_new) > 0.9


@pytest.mark.parametrize(
    ("stride", "padding", "dilation"),
    [(1, 0, 1), (2, 1, 1), (1, 2, 2), ((2, 1), (1, 0), (1, 2))],
)
def test_the_eager_kernel_gradient_from_forward_columns_is_the_loops_transpose(
    stride, padding, dilation
):
    # The kernel gradient reuses the forward's im2col columns when it has them and builds
    # the same columns when it does not: both equal the loops' transpose (a VJP against a
    # loop-built Jacobian), and each other exactly.
    from funcgrad.primitives.conv import _COLUMNS

    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(3, 2, 7, 6)), rng.normal(size=(4, 2, 3, 2))
    f = lambda w: nn.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)  # noqa: E731
    out, pullback = fg.vjp(f, w)
    g = rng.normal(size=out.shape)
    assert any(ref() is x for ref, _, _ in _COLUMNS.entries.values())  # the forward kept them
    hit = pullback(g)[0]
    _COLUMNS.entries.clear()
    miss = pullback(g)[0]
    np.testing.assert_array_equal(hit, miss)
    s = (stride, stride) if isinstance(stride, int) else stride
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    p = (padding, padding) if isinstance(padding, int) else padding
    pads = ((p[0], p[0]), (p[1], p[1]))
    expected = np.zeros_like(w)
    for idx in np.ndindex(*w.shape):  # d<g, conv(x, w)>/dw[idx] with a one-hot kernel
        e = np.zeros_like(w)
        e[idx] = 1.0
        expected[idx] = np.sum(g * loop_conv2d(x, e, s, pads, d))
    np.testing.assert_allclose(hit, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fg.jit(pullback)(g)[0], hit, rtol=1e-12, atol=1e-12)


def test_threads_computing_conv_gradients_at_once_agree_with_one_thread():
    # the kernel gradient's column cache is shared: concurrent use must not mix inputs
    import sys
    import threading

    rng = np.random.default_rng(5)
    xs = [rng.normal(size=(2, 2, 6, 6)) for _ in range(6)]
    w = rng.normal(size=(3, 2, 3, 3))
    grad = fg.grad(lambda w, x: fnp.sum(nn.conv2d(x, w, padding=1) ** 2))
    expected = [grad(w, x) for x in xs]
    got: dict[int, list] = {i: [] for i in range(len(xs))}

    def work(i):
        for _ in range(20):
            got[i].append(grad(w, xs[i]))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    for i, e in enumerate(expected):
        assert len(got[i]) == 20
        for g in got[i]:
            np.testing.assert_array_equal(g, e)


def test_a_plain_forward_keeps_no_columns():
    # outside any transformation no gradient can follow: nothing is cached
    from funcgrad.primitives.conv import _COLUMNS

    _COLUMNS.entries.clear()
    x, w = np.ones((2, 2, 6, 6)), np.ones((3, 2, 3, 3))
    nn.conv2d(x, w)
    assert not _COLUMNS.entries
