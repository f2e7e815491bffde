"""Training small models with each optimizer lowers the loss.

Gradients are written out by hand in numpy (backpropagation through a one-hidden-layer
tanh network, and logistic regression), so these tests depend on nothing but the
optimizers and pytrees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import funcgrad.optim as optim
from funcgrad import random

OPTIMIZERS: dict[str, Callable[[], optim.GradientTransformation]] = {
    "sgd": lambda: optim.sgd(0.1),
    "momentum": lambda: optim.sgd(0.05, momentum=0.9),
    "nesterov": lambda: optim.sgd(0.05, momentum=0.9, nesterov=True),
    "adagrad": lambda: optim.adagrad(0.1),
    "rmsprop": lambda: optim.rmsprop(0.005),
    "rmsprop_momentum": lambda: optim.rmsprop(0.002, momentum=0.9),
    "adam": lambda: optim.adam(0.01),
    "adamw": lambda: optim.adamw(0.01, weight_decay=1e-3),
    "adam_schedule": lambda: optim.adam(optim.cosine_decay_schedule(0.02, 300)),
    "clipped_sgd": lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(0.1)),
    "nadam": lambda: optim.nadam(0.01),
    "adamax": lambda: optim.adamax(0.02),
    "lamb": lambda: optim.lamb(0.02),
    "lion": lambda: optim.lion(0.005, weight_decay=0.01),
    "adafactor": lambda: optim.adafactor(0.05, min_dim_size_to_factor=2),
    "noisy_sgd": lambda: optim.noisy_sgd(0.1, eta=1e-4, key=random.key(0)),
    "multi_steps": lambda: optim.MultiSteps(optim.adam(0.02), 2).gradient_transformation(),
    "warmup_cosine_adam": lambda: optim.adam(
        optim.warmup_cosine_decay_schedule(0.0, 0.02, 20, 300, end_value=1e-3)
    ),
}


def mlp_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(64, 2))
    y = np.sin(x[:, :1]) * np.cos(x[:, 1:])
    return x, y


def mlp_init() -> dict:
    rng = np.random.default_rng(1)
    return {
        "hidden": {"w": rng.normal(size=(2, 16)) / np.sqrt(2), "b": np.zeros(16)},
        "out": {"w": rng.normal(size=(16, 1)) / 4.0, "b": np.zeros(1)},
    }


def mlp_loss_and_grads(params: dict, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    h_pre = x @ params["hidden"]["w"] + params["hidden"]["b"]
    h = np.tanh(h_pre)
    pred = h @ params["out"]["w"] + params["out"]["b"]
    err = pred - y
    loss = float(np.mean(err**2))
    d_pred = 2.0 * err / err.size
    d_h = d_pred @ params["out"]["w"].T * (1 - h**2)
    grads = {
        "hidden": {"w": x.T @ d_h, "b": d_h.sum(axis=0)},
        "out": {"w": h.T @ d_pred, "b": d_pred.sum(axis=0)},
    }
    return loss, grads


def train(opt, params, loss_and_grads, steps: int) -> list[float]:
    state = opt.init(params)
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grads(params)
        losses.append(loss)
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
    losses.append(loss_and_grads(params)[0])
    return losses


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_training_an_mlp_lowers_the_loss(name: str) -> None:
    x, y = mlp_data()
    losses = train(OPTIMIZERS[name](), mlp_init(), lambda p: mlp_loss_and_grads(p, x, y), 300)
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.1 * losses[0], (losses[0], losses[-1])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_training_logistic_regression_lowers_the_loss(name: str) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(100, 3)).astype(np.float32)
    labels = (x @ np.array([1.5, -2.0, 0.5], np.float32) > 0).astype(np.float32)

    def loss_and_grads(params):
        logits = x @ params["w"] + params["b"]
        probs = 1 / (1 + np.exp(-logits))
        eps = np.float32(1e-7)
        loss = -np.mean(labels * np.log(probs + eps) + (1 - labels) * np.log(1 - probs + eps))
        d_logits = (probs - labels) / np.float32(len(labels))
        return float(loss), {"w": x.T @ d_logits, "b": d_logits.sum()}

    params = {"w": np.zeros(3, np.float32), "b": np.float32(0.0)}
    losses = train(OPTIMIZERS[name](), params, loss_and_grads, 200)
    assert losses[-1] < 0.6 * losses[0], (losses[0], losses[-1])
