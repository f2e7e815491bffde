"""The floor: hand-written numpy forward and backward passes of every model.

This is what a careful person would write by hand: activations kept from the forward
pass, in-place updates where they save an allocation, and no autodiff machinery. Every
other backend is checked against ``reference(case)`` and timed relative to this one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..workloads import CHAIN_SCALE, Arrays, Case, adam_init, adam_update, chain
from . import Runner, flat, unsupported_kind


def setup() -> dict:
    return {"versions": {"numpy": np.__version__}, "settings": [], "variants": ["numpy"]}


# --- tanh MLP, mean squared error ---------------------------------------------------------


def tanh_mse_forward(params: Arrays, x: np.ndarray, y: np.ndarray) -> Any:
    n = len(params) // 2
    h = x
    for i in range(n - 1):
        h = np.tanh(h @ params[2 * i] + params[2 * i + 1])
    d = h @ params[-2] + params[-1] - y
    return np.sum(d * d) * (1.0 / d.size)


def tanh_mse_value_and_grad(params: Arrays, x: np.ndarray, y: np.ndarray) -> tuple:
    n = len(params) // 2
    hs = [x]
    for i in range(n - 1):
        hs.append(np.tanh(hs[-1] @ params[2 * i] + params[2 * i + 1]))
    d = hs[-1] @ params[-2] + params[-1] - y
    loss = np.sum(d * d) * (1.0 / d.size)
    g = d * (2.0 / d.size)
    return loss, _dense_backward(params, hs, g, lambda g, h: g * (1.0 - h * h))


def _dense_backward(params: Arrays, hs: list, g: np.ndarray, act_back: Any) -> tuple:
    """Backward through ``h_{i+1} = act(h_i @ W_i + b_i)``; ``g`` is d loss / d last output."""
    n = len(params) // 2
    grads: list[Any] = [None] * (2 * n)
    for i in reversed(range(n)):
        grads[2 * i] = hs[i].T @ g
        grads[2 * i + 1] = g.sum(axis=0)
        if i:
            g = act_back(g @ params[2 * i].T, hs[i])
    return tuple(grads)


# --- ReLU MLP, softmax cross-entropy ----------------------------------------------------


def _relu_forward(params: Arrays, x: np.ndarray) -> tuple[list, np.ndarray, np.ndarray]:
    n = len(params) // 2
    hs = [x]
    for i in range(n - 1):
        hs.append(np.maximum(hs[-1] @ params[2 * i] + params[2 * i + 1], 0.0))
    z = hs[-1] @ params[-2] + params[-1]
    s = z - z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return hs, s, lse


def relu_xent_forward(params: Arrays, x: np.ndarray, y: np.ndarray) -> Any:
    _, s, lse = _relu_forward(params, x)
    return -np.sum(y * (s - lse)) * (1.0 / x.shape[0])


def _relu_back(g: np.ndarray, h: np.ndarray) -> np.ndarray:
    g *= h > 0
    return g


def relu_xent_value_and_grad(params: Arrays, x: np.ndarray, y: np.ndarray) -> tuple:
    hs, s, lse = _relu_forward(params, x)
    logp = s - lse
    inv_b = 1.0 / x.shape[0]
    loss = -np.sum(y * logp) * inv_b
    g = (np.exp(logp) - y) * inv_b  # one-hot rows: d/dz = softmax - y
    return loss, _dense_backward(params, hs, g, _relu_back)


def relu_xent_per_example_grads(params: Arrays, x: np.ndarray, y: np.ndarray) -> tuple:
    """Gradients of each example's loss: outer products of activations and deltas."""
    hs, s, lse = _relu_forward(params, x)
    g = np.exp(s - lse) - y
    n = len(params) // 2
    grads: list[Any] = [None] * (2 * n)
    for i in reversed(range(n)):
        grads[2 * i] = hs[i][:, :, None] * g[:, None, :]
        grads[2 * i + 1] = g
        if i:
            g = _relu_back(g @ params[2 * i].T, hs[i])
    return tuple(grads)


# --- the elementwise chain ---------------------------------------------------------------


def chain_value_and_grad(params: Arrays, c: np.ndarray, steps: int) -> tuple:
    (x,) = params
    ys = []
    for _ in range(steps):
        x = np.tanh(x * CHAIN_SCALE + c)
        ys.append(x)
    loss = np.sum(x)
    g = np.ones_like(x)
    for y in reversed(ys):
        g = g * (1.0 - y * y) * CHAIN_SCALE
    return loss, (g,)


# --- small CNN: valid 3x3 convolutions by im2col + matmul, kept NHWC inside ---------------


def _conv_nhwc(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Valid cross-correlation of NHWC ``x`` with OIHW ``w``: ``(out NHWC, im2col columns)``.

    The columns ``(N*Ho*Wo, C*kh*kw)`` are ordered like ``w.reshape(O, -1)``.
    """
    n, hh, ww, c = x.shape
    o, _, kh, kw = w.shape
    ho, wo = hh - kh + 1, ww - kw + 1
    cols = sliding_window_view(x, (kh, kw), axis=(1, 2)).reshape(n * ho * wo, c * kh * kw)
    return (cols @ w.reshape(o, -1).T).reshape(n, ho, wo, o), cols


def _conv_nhwc_back_input(g: np.ndarray, w: np.ndarray, in_shape: tuple) -> np.ndarray:
    """d loss / d input of ``_conv_nhwc`` from ``g`` (NHWC): matmul, then col2im."""
    n, ho, wo, o = g.shape
    _, c, kh, kw = w.shape
    gcols = (g.reshape(-1, o) @ w.reshape(o, -1)).reshape(n, ho, wo, c, kh, kw)
    gx = np.zeros(in_shape, dtype=g.dtype)
    for i in range(kh):
        for j in range(kw):
            gx[:, i : i + ho, j : j + wo, :] += gcols[..., i, j]
    return gx


def _cnn_forward(params: Arrays, x: np.ndarray) -> tuple:
    w1, b1, w2, b2, wd, bd = params
    x_nhwc = x.transpose(0, 2, 3, 1)
    a1, cols1 = _conv_nhwc(x_nhwc, w1)
    h1 = np.maximum(a1 + b1.reshape(-1), 0.0)
    a2, cols2 = _conv_nhwc(h1, w2)
    h2 = np.maximum(a2 + b2.reshape(-1), 0.0)
    flat_h = h2.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)  # NCHW flatten order
    z = flat_h @ wd + bd
    s = z - z.max(axis=-1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return (cols1, h1, cols2, h2, flat_h), logp


def cnn_xent_forward(params: Arrays, x: np.ndarray, y: np.ndarray) -> Any:
    _, logp = _cnn_forward(params, x)
    return -np.sum(y * logp) * (1.0 / x.shape[0])


def cnn_xent_value_and_grad(params: Arrays, x: np.ndarray, y: np.ndarray) -> tuple:
    w1, b1, w2, b2, wd, _ = params
    (cols1, h1, cols2, h2, flat_h), logp = _cnn_forward(params, x)
    inv_b = 1.0 / x.shape[0]
    loss = -np.sum(y * logp) * inv_b
    gz = (np.exp(logp) - y) * inv_b
    gwd, gbd = flat_h.T @ gz, gz.sum(axis=0)
    n, ho, wo, c2 = h2.shape
    g2 = (gz @ wd.T).reshape(n, c2, ho, wo).transpose(0, 2, 3, 1) * (h2 > 0)
    gb2 = g2.sum(axis=(0, 1, 2)).reshape(b2.shape)
    gw2 = (g2.reshape(-1, c2).T @ cols2).reshape(w2.shape)
    g1 = _conv_nhwc_back_input(g2, w2, h1.shape)
    g1 *= h1 > 0
    gb1 = g1.sum(axis=(0, 1, 2)).reshape(b1.shape)
    gw1 = (g1.reshape(-1, g1.shape[-1]).T @ cols1).reshape(w1.shape)
    return loss, (gw1, gb1, gw2, gb2, gwd, gbd)


# --- vanilla RNN and LSTM, MSE of a linear readout of every step: BPTT by hand -----------


def _readout_mse(hs: np.ndarray, wo: np.ndarray, bo: np.ndarray, y: np.ndarray) -> tuple:
    d = hs @ wo + bo - y
    return np.sum(d * d) * (1.0 / d.size), d


def _readout_back(hs: np.ndarray, wo: np.ndarray, d: np.ndarray) -> tuple:
    """``(d loss / d hs, grad wo, grad bo)`` of ``_readout_mse``."""
    gd = d * (2.0 / d.size)
    hidden = hs.shape[-1]
    return gd @ wo.T, hs.reshape(-1, hidden).T @ gd.reshape(-1, gd.shape[-1]), gd.sum(axis=(0, 1))


def _rnn_forward(params: Arrays, xs: np.ndarray, h0: np.ndarray) -> np.ndarray:
    wx, wh, b, _, _ = params
    xw = xs @ wx + b  # the input projections of all steps in one matmul
    hs = np.empty(xw.shape, dtype=xw.dtype)
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xw[t] + h @ wh, out=hs[t])
    return hs


def rnn_mse_forward(params: Arrays, xs: np.ndarray, h0: np.ndarray, y: np.ndarray) -> Any:
    return _readout_mse(_rnn_forward(params, xs, h0), params[3], params[4], y)[0]


def rnn_mse_value_and_grad(params: Arrays, xs: np.ndarray, h0: np.ndarray, y: np.ndarray) -> tuple:
    _, wh, _, wo, bo = params
    hs = _rnn_forward(params, xs, h0)
    loss, d = _readout_mse(hs, wo, bo, y)
    ghs, gwo, gbo = _readout_back(hs, wo, d)
    ga = np.empty_like(hs)  # d loss / d pre-activation, per step
    gh = np.zeros_like(h0)
    for t in reversed(range(xs.shape[0])):
        gh += ghs[t]
        np.multiply(gh, 1.0 - hs[t] * hs[t], out=ga[t])
        gh = ga[t] @ wh.T
    hidden, n_in = hs.shape[-1], xs.shape[-1]
    h_prev = np.concatenate([h0[None], hs[:-1]]).reshape(-1, hidden)
    ga2 = ga.reshape(-1, ga.shape[-1])
    gwx = xs.reshape(-1, n_in).T @ ga2
    gwh = h_prev.T @ ga2
    return loss, (gwx, gwh, ga2.sum(axis=0), gwo, gbo)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * x) + 0.5  # the shared model's formula


def _lstm_forward(params: Arrays, xs: np.ndarray, h0: np.ndarray) -> tuple:
    """Gate activations ``(T, B, 4H)`` (i, f, g, o), cell states, their tanh, hidden states."""
    wx, wh, b, _, _ = params
    n = wh.shape[0]
    xw = xs @ wx + b
    acts = np.empty(xw.shape, dtype=xw.dtype)
    cs = np.empty((*xw.shape[:2], n), dtype=xw.dtype)
    tcs, hs = np.empty_like(cs), np.empty_like(cs)
    h, c = h0, h0
    for t in range(xs.shape[0]):
        z = xw[t] + h @ wh
        a = acts[t]
        a[:, : 2 * n] = _sigmoid(z[:, : 2 * n])
        a[:, 2 * n : 3 * n] = np.tanh(z[:, 2 * n : 3 * n])
        a[:, 3 * n :] = _sigmoid(z[:, 3 * n :])
        c = a[:, n : 2 * n] * c + a[:, :n] * a[:, 2 * n : 3 * n]
        cs[t] = c
        h = np.multiply(a[:, 3 * n :], np.tanh(c, out=tcs[t]), out=hs[t])
    return acts, cs, tcs, hs


def lstm_mse_forward(params: Arrays, xs: np.ndarray, h0: np.ndarray, y: np.ndarray) -> Any:
    hs = _lstm_forward(params, xs, h0)[-1]
    return _readout_mse(hs, params[3], params[4], y)[0]


def lstm_mse_value_and_grad(
    params: Arrays, xs: np.ndarray, h0: np.ndarray, y: np.ndarray
) -> tuple:
    _, wh, _, wo, bo = params
    n = wh.shape[0]
    acts, cs, tcs, hs = _lstm_forward(params, xs, h0)
    loss, d = _readout_mse(hs, wo, bo, y)
    ghs, gwo, gbo = _readout_back(hs, wo, d)
    gz = np.empty_like(acts)  # d loss / d gate pre-activations, per step
    gh, gc = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(xs.shape[0])):
        a = acts[t]
        i, f, g, o = a[:, :n], a[:, n : 2 * n], a[:, 2 * n : 3 * n], a[:, 3 * n :]
        tc = tcs[t]
        c_prev = cs[t - 1] if t else h0
        gh += ghs[t]
        gc += gh * o * (1.0 - tc * tc)
        gzt = gz[t]
        gzt[:, :n] = gc * g * i * (1.0 - i)
        gzt[:, n : 2 * n] = gc * c_prev * f * (1.0 - f)
        gzt[:, 2 * n : 3 * n] = gc * i * (1.0 - g * g)
        gzt[:, 3 * n :] = gh * tc * o * (1.0 - o)
        gc *= f
        gh = gzt @ wh.T
    h_prev = np.concatenate([h0[None], hs[:-1]]).reshape(-1, n)
    gz2 = gz.reshape(-1, 4 * n)
    gwx = xs.reshape(-1, xs.shape[-1]).T @ gz2
    gwh = h_prev.T @ gz2
    return loss, (gwx, gwh, gz2.sum(axis=0), gwo, gbo)


FORWARD = {
    "tanh_mse": tanh_mse_forward, "relu_xent": relu_xent_forward,
    "cnn_xent": cnn_xent_forward, "rnn_mse": rnn_mse_forward, "lstm_mse": lstm_mse_forward,
}  # fmt: skip
VALUE_AND_GRAD = {
    "tanh_mse": tanh_mse_value_and_grad, "relu_xent": relu_xent_value_and_grad,
    "cnn_xent": cnn_xent_value_and_grad, "rnn_mse": rnn_mse_value_and_grad,
    "lstm_mse": lstm_mse_value_and_grad,
}  # fmt: skip


def value_and_grad(case: Case) -> Any:
    """``(params, *data) -> (loss, grads)`` by hand for the case's model."""
    if case.workload.model == "chain":
        steps = case.steps
        return lambda params, c: chain_value_and_grad(params, c, steps)
    return VALUE_AND_GRAD[case.workload.model]


def forward(case: Case) -> Any:
    if case.workload.model == "chain":
        steps = case.steps
        return lambda params, c: chain(np, params, c, steps)
    return FORWARD[case.workload.model]


def adam_step(vg: Any, params: Arrays, state: tuple, data: Arrays) -> tuple:
    loss, grads = vg(params, *data)
    new_params, state = adam_update(np.sqrt, grads, state, params)
    return loss, new_params, state


def build(variant: str, case: Case) -> Runner:
    params, data, kind = case.params, case.data, case.workload.kind
    vg, fwd = value_and_grad(case), forward(case)
    if kind == "loss":
        return Runner(lambda: vg(params, *data), lambda: fwd(params, *data), lambda r: flat(*r))
    if kind == "step":
        state = adam_init(params, np.zeros_like)
        return Runner(
            lambda: adam_step(vg, params, state, data),
            lambda: fwd(params, *data),
            lambda r: flat(r[0], r[1]),
        )
    if kind == "per_example" and case.workload.model == "relu_xent":
        return Runner(
            lambda: relu_xent_per_example_grads(params, *data),
            lambda: fwd(params, *data),
            list,
        )
    raise unsupported_kind(variant, kind)


def reference(case: Case) -> list[Any]:
    """The floor's checked result for ``case``: what every other backend must reproduce."""
    runner = build("numpy", case)
    return [np.asarray(a) for a in runner.result(runner.grad())]
