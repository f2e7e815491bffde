"""The floor: hand-written numpy forward and backward passes of every model.

This is what a careful person would write by hand: activations kept from the forward
pass, in-place updates where they save an allocation, and no autodiff machinery. Every
other backend is checked against ``reference(case)`` and timed relative to this one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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


FORWARD = {"tanh_mse": tanh_mse_forward, "relu_xent": relu_xent_forward}
VALUE_AND_GRAD = {"tanh_mse": tanh_mse_value_and_grad, "relu_xent": relu_xent_value_and_grad}


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
