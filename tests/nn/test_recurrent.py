"""Recurrent layers: PyTorch's equations (checked against plain numpy written gate by
gate), shapes, derivatives, vmap, truncation, and a small memory task that trains."""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.testing import check_grads

RNG = np.random.default_rng(1)
T, B, N_IN, H = 5, 3, 2, 4


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _randomised(layer):
    """Non-zero biases too, so every term of the equations shows."""
    return fg.tree.map(lambda p: p + 0.3 * RNG.standard_normal(np.shape(p)), layer)


def rnn_reference(p, xs, h):
    outs = []
    for x in xs:
        h = np.tanh(x @ p.weight_ih.T + p.bias_ih + h @ p.weight_hh.T + p.bias_hh)
        outs.append(h)
    return np.stack(outs), h


def lstm_reference(p, xs, h, c):
    w_ii, w_if, w_ig, w_io = np.split(p.weight_ih, 4)
    w_hi, w_hf, w_hg, w_ho = np.split(p.weight_hh, 4)
    b_ii, b_if, b_ig, b_io = np.split(p.bias_ih, 4)
    b_hi, b_hf, b_hg, b_ho = np.split(p.bias_hh, 4)
    outs = []
    for x in xs:
        i = _sig(x @ w_ii.T + b_ii + h @ w_hi.T + b_hi)
        f = _sig(x @ w_if.T + b_if + h @ w_hf.T + b_hf)
        g = np.tanh(x @ w_ig.T + b_ig + h @ w_hg.T + b_hg)
        o = _sig(x @ w_io.T + b_io + h @ w_ho.T + b_ho)
        c = f * c + i * g
        h = o * np.tanh(c)
        outs.append(h)
    return np.stack(outs), (h, c)


def gru_reference(p, xs, h):
    w_ir, w_iz, w_in = np.split(p.weight_ih, 3)
    w_hr, w_hz, w_hn = np.split(p.weight_hh, 3)
    b_ir, b_iz, b_in = np.split(p.bias_ih, 3)
    b_hr, b_hz, b_hn = np.split(p.bias_hh, 3)
    outs = []
    for x in xs:
        r = _sig(x @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
        z = _sig(x @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
        n = np.tanh(x @ w_in.T + b_in + r * (h @ w_hn.T + b_hn))
        h = (1 - z) * n + z * h
        outs.append(h)
    return np.stack(outs), h


LAYERS = {"RNN": (nn.RNN, 1), "LSTM": (nn.LSTM, 4), "GRU": (nn.GRU, 3)}


def _make(name, dtype=float):
    cls, _ = LAYERS[name]
    return _randomised(cls.init(fg.random.key(0), N_IN, H, dtype=dtype))


def _state(name, shape):
    h = RNG.standard_normal(shape)
    return (h, RNG.standard_normal(shape)) if name == "LSTM" else h


def _reference(name, layer, xs, state):
    if name == "LSTM":
        return lstm_reference(layer, xs, *state)
    return (rnn_reference if name == "RNN" else gru_reference)(layer, xs, state)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("batch", [(B,), ()], ids=["batched", "unbatched"])
def test_forward_equals_the_numpy_equations(name, batch):
    layer = _make(name)
    xs = RNG.standard_normal((T, *batch, N_IN))
    state = _state(name, (*batch, H))
    outs, final = layer(xs, state)
    want_outs, want_final = _reference(name, layer, xs, state)
    np.testing.assert_allclose(outs, want_outs, rtol=1e-12, atol=1e-12)
    for a, b in zip(fg.tree.leaves(final), fg.tree.leaves(want_final), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # default state: zeros; one step of cell() is the first step of the sequence
    outs0, _ = layer(xs)
    zero_state = fg.tree.map(np.zeros_like, state)
    np.testing.assert_allclose(
        outs0, _reference(name, layer, xs, zero_state)[0], rtol=1e-12, atol=1e-12
    )
    _, h1 = layer.cell(state, xs[0])
    np.testing.assert_allclose(h1, want_outs[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", LAYERS)
def test_parameter_layout_and_initialisation(name):
    cls, gates = LAYERS[name]
    layer = cls.init(fg.random.key(3), N_IN, H)
    assert layer.weight_ih.shape == (gates * H, N_IN)
    assert layer.weight_hh.shape == (gates * H, H)
    assert layer.bias_ih.shape == layer.bias_hh.shape == (gates * H,)
    assert (layer.input_size, layer.hidden_size) == (N_IN, H)
    for block in np.split(layer.weight_hh, gates):  # orthogonal recurrent blocks
        np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-12)
    limit = np.sqrt(6.0 / (N_IN + gates * H))  # glorot_uniform on the whole input matrix
    assert np.all(np.abs(layer.weight_ih) <= limit)
    expected_bias = np.zeros(gates * H)
    if name == "LSTM":
        expected_bias[H : 2 * H] = 1.0  # forget gate
    np.testing.assert_array_equal(layer.bias_ih, expected_bias)
    assert len(fg.tree.leaves(layer)) == 4
    same = cls.init(fg.random.key(3), N_IN, H)
    np.testing.assert_array_equal(same.weight_hh, layer.weight_hh)


@pytest.mark.parametrize("name", LAYERS)
def test_gradients_pass_check_grads(name):
    layer = _make(name)
    xs = RNG.standard_normal((3, 2, N_IN))
    state = _state(name, (2, H))

    def f(layer, xs, state):
        outs, final = layer(xs, state)
        return fnp.sum(outs**2) + sum(fnp.sum(s) for s in fg.tree.leaves(final))

    check_grads(f, (layer, xs, state), order=1)


def test_second_order_derivatives_of_an_lstm():
    layer = nn.LSTM.init(fg.random.key(1), 2, 2)
    xs = RNG.standard_normal((3, 2))
    check_grads(lambda layer: fnp.sum(layer(xs)[0] ** 2), (_randomised(layer),), order=2)


@pytest.mark.parametrize("name", LAYERS)
def test_vmap_over_sequences_equals_the_batched_call(name):
    layer = _make(name)
    xs = RNG.standard_normal((T, B, N_IN))
    outs, final = fg.vmap(lambda x: layer(x), in_axes=1, out_axes=(1, 0))(xs)
    want_outs, want_final = layer(xs)
    np.testing.assert_allclose(outs, want_outs, rtol=1e-12, atol=1e-12)
    for a, b in zip(fg.tree.leaves(final), fg.tree.leaves(want_final), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", LAYERS)
def test_truncation_keeps_values_and_cuts_gradients(name):
    layer = _make(name)
    xs = RNG.standard_normal((6, N_IN))

    def loss(layer, truncation):
        return fnp.sum(layer(xs, truncation=truncation)[0][-1])

    np.testing.assert_allclose(loss(layer, 2), loss(layer, None), rtol=1e-14)
    step = type(layer)._step

    def by_hand(layer):  # the same, through fg.truncated_scan on the projected inputs
        carry = layer._zeros(xs)
        carry = (carry, carry) if name == "LSTM" else carry
        projected = xs @ layer.weight_ih.T + layer.bias_ih
        _, outs = fg.truncated_scan(lambda c, x: step(layer, c, x), carry, projected, 2)
        return fnp.sum(outs[-1])

    cut = fg.grad(loss)(layer, 2)
    for a, b in zip(fg.tree.leaves(cut), fg.tree.leaves(fg.grad(by_hand)(layer)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    full = fg.grad(loss)(layer, None)
    assert not np.allclose(cut.weight_hh, full.weight_hh)


def test_float32_layers_stay_float32():
    layer = nn.GRU.init(fg.random.key(0), N_IN, H, dtype=np.float32)
    xs = RNG.standard_normal((T, B, N_IN)).astype(np.float32)
    outs, final = layer(xs)
    assert outs.dtype == final.dtype == np.float32
    g = fg.grad(lambda layer: fnp.sum(layer(xs)[0]))(layer)
    assert all(leaf.dtype == np.float32 for leaf in fg.tree.leaves(g))


def test_shape_errors_name_the_layer():
    layer = nn.LSTM.init(fg.random.key(0), N_IN, H)
    with pytest.raises(ValueError, match="LSTM: the input has 3 features"):
        layer(np.zeros((T, B, 3)))
    with pytest.raises(ValueError, match=r"LSTM: expected a sequence of shape \(T, batch"):
        layer(np.zeros(N_IN))


def test_an_lstm_learns_to_remember_with_adam_and_clipping():
    """Output the input of two steps before: impossible without memory."""
    delay, steps = 2, 12
    rng = np.random.default_rng(0)
    xs = rng.choice([-1.0, 1.0], size=(steps + delay, 16, 1))
    targets = xs[:-delay]
    keys = fg.random.split(fg.random.key(0))
    model = {"lstm": nn.LSTM.init(keys[0], 1, 8), "out": nn.Dense.init(keys[1], 8, 1)}

    def loss(model):
        hs, _ = model["lstm"](xs)
        return nn.mse(model["out"](hs[delay:]), targets)

    opt = fg.optim.chain(fg.optim.clip_by_global_norm(1.0), fg.optim.adam(0.05))
    state = opt.init(model)
    grad = fg.grad(loss)
    first = float(loss(model))
    for _ in range(80):
        grads = grad(model)
        updates, state = opt.update(grads, state, model)
        model = fg.optim.apply_updates(model, updates)
    assert float(loss(model)) < 0.1 * first
