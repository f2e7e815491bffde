"""Optimizers run under funcgrad's transformations: grad through updates, vmap over them."""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.optim as optim
from funcgrad import random, tree as fgtree
from funcgrad.core.errors import FuncgradTypeError

CURVATURE = np.array([[1.0, 3.0], [0.5, 2.0]])
TARGET = np.array([[0.2, -1.0], [1.5, 0.3]])


def quadratic_grads(params: dict) -> dict:
    """The gradient of ``sum(CURVATURE * (w - TARGET)**2) / 2 + b**2``, written with fnp."""
    return {"w": CURVATURE * (params["w"] - TARGET), "b": 2.0 * params["b"]}


def quadratic_loss(params: dict) -> object:
    return 0.5 * fnp.sum(CURVATURE * (params["w"] - TARGET) ** 2) + fnp.sum(params["b"] ** 2)


def initial_params(dtype: type = np.float64) -> dict:
    return {"w": np.zeros((2, 2), dtype), "b": np.array([1.0, -2.0], dtype)}


def train(opt: optim.GradientTransformation, params: dict, steps: int) -> dict:
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(quadratic_grads(params), state, params)
        params = optim.apply_updates(params, updates)
    return params


OPTIMIZERS = {
    "sgd": lambda lr: optim.sgd(lr),
    "momentum": lambda lr: optim.sgd(lr, momentum=0.9, nesterov=True),
    "adagrad": lambda lr: optim.adagrad(lr),
    "rmsprop": lambda lr: optim.rmsprop(lr, momentum=0.5),
    "adam": lambda lr: optim.adam(lr),
    "adamw": lambda lr: optim.adamw(lr, weight_decay=0.1),
    "clipped_adam": lambda lr: optim.chain(optim.clip_by_global_norm(1.0), optim.adam(lr)),
    "adam_schedule": lambda lr: optim.adam(
        lambda count: lr * optim.exponential_decay(1.0, 3, 0.5)(count)
    ),
    "nadam": lambda lr: optim.nadam(lr, eps_root=1e-8),
    "adamax": lambda lr: optim.adamax(lr),
    "lamb": lambda lr: optim.lamb(lr, weight_decay=0.01),
    "lion": lambda lr: optim.lion(lr),
    "adafactor": lambda lr: optim.adafactor(lr, min_dim_size_to_factor=2, momentum=0.5),
    "adamw_masked_warmup": lambda lr: optim.adamw(
        lambda count: lr * optim.warmup_cosine_decay_schedule(0.1, 1.0, 2, 10)(count),
        weight_decay=0.1,
        mask={"w": True, "b": False},
    ),
    "apply_every": lambda lr: optim.chain(optim.apply_every(2), optim.sgd(lr, momentum=0.5)),
    "multi_steps": lambda lr: optim.MultiSteps(optim.adam(lr), 2).gradient_transformation(),
    "masked": lambda lr: optim.masked(optim.adam(lr), {"w": True, "b": False}),
    "multi_transform": lambda lr: optim.multi_transform(
        {"a": optim.adam(lr), "s": optim.sgd(lr, momentum=0.9)}, {"w": "a", "b": "s"}
    ),
    "inject": lambda lr: optim.inject_hyperparams(optim.adam)(learning_rate=lr, b1=0.8),
    "noisy_sgd": lambda lr: optim.noisy_sgd(lr, key=random.key(0)),
}
# funcgrad.random needs concrete keys, so a noisy optimizer's state cannot be vmapped.
ENSEMBLE = [name for name in OPTIMIZERS if name != "noisy_sgd"]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_grad_through_training_matches_finite_differences(name: str) -> None:
    make = OPTIMIZERS[name]

    def loss_after_training(lr):
        return quadratic_loss(train(make(lr), initial_params(), steps=5))

    lr, eps = 0.05, 1e-6
    analytic = float(fg.grad(loss_after_training)(lr))
    numeric = (loss_after_training(lr + eps) - loss_after_training(lr - eps)) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_vmap_over_learning_rates_trains_every_model(name: str) -> None:
    make = OPTIMIZERS[name]
    lrs = np.array([0.01, 0.05, 0.2])
    batched = fg.vmap(lambda lr: train(make(lr), initial_params(), steps=8))(lrs)
    for i, lr in enumerate(lrs):
        single = train(make(float(lr)), initial_params(), steps=8)
        for got, want in zip(fgtree.leaves(batched), fgtree.leaves(single), strict=True):
            np.testing.assert_allclose(got[i], want, rtol=1e-12, atol=1e-12)


def test_vmap_over_learning_rates_keeps_float32() -> None:
    lrs = np.array([0.01, 0.1])  # float64 learning rates, float32 parameters
    batched = fg.vmap(lambda lr: train(optim.adam(lr), initial_params(np.float32), 3))(lrs)
    for leaf in fgtree.leaves(batched):
        assert leaf.dtype == np.float32


@pytest.mark.parametrize("name", ENSEMBLE)
def test_vmap_over_params_and_states_trains_an_ensemble(name: str) -> None:
    opt = OPTIMIZERS[name](0.05)
    rng = np.random.default_rng(0)
    ensemble = {"w": rng.normal(size=(4, 2, 2)), "b": rng.normal(size=(4, 2))}

    def step(params, state):
        updates, state = opt.update(quadratic_grads(params), state, params)
        return optim.apply_updates(params, updates), state

    params, states = ensemble, fg.vmap(opt.init)(ensemble)
    for _ in range(4):
        params, states = fg.vmap(step)(params, states)
    for i in range(4):
        single = train(opt, fgtree.map(lambda x, i=i: x[i], ensemble), steps=4)
        for got, want in zip(fgtree.leaves(params), fgtree.leaves(single), strict=True):
            np.testing.assert_allclose(got[i], want, rtol=1e-12, atol=1e-12)


def test_an_optimizer_can_be_an_argument_of_a_transformed_function() -> None:
    def one_step(opt, params):
        updates, _ = opt.update(quadratic_grads(params), opt.init(params), params)
        return quadratic_loss(optim.apply_updates(params, updates))

    opt = optim.adam(0.1)
    params = initial_params()
    grads = fg.grad(one_step, argnums=1)(opt, params)
    assert fgtree.structure(grads) == fgtree.structure(params)
    ensemble = fgtree.map(lambda x: np.stack([x, x + 1.0]), params)
    losses = fg.vmap(one_step, in_axes=(None, 0))(opt, ensemble)
    np.testing.assert_allclose(losses[0], one_step(opt, params), rtol=1e-12)


def test_vmapping_the_state_of_a_noisy_optimizer_is_a_clear_error() -> None:
    opt = optim.noisy_sgd(0.1, key=random.key(0))
    ensemble = {"w": np.zeros((3, 2, 2)), "b": np.zeros((3, 2))}
    states = fg.vmap(opt.init)(ensemble)

    def step(params, state):
        return opt.update(quadratic_grads(params), state, params)

    with pytest.raises(FuncgradTypeError, match="random key in the optimizer state is a traced"):
        fg.vmap(step)(ensemble, states)
