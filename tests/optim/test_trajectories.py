"""Every optimizer's 50-step trajectory equals optax's update equations written out here.

The reference steppers below are independent plain-numpy transcriptions of the equations
(optax's formulas and defaults), one per optimizer; they share no code with
``funcgrad.optim``. Gradients depend on the current parameters, so any deviation
compounds over the trajectory, and the comparison is to 1e-12 in float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import funcgrad.optim as optim
from funcgrad import tree as fgtree

STEPS = 50
TOL = 1e-12


def make_params() -> dict:
    rng = np.random.default_rng(0)
    return {
        "dense": {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=(2,))},
        "scale": np.array(1.5),
    }


def make_noise() -> list[list[np.ndarray]]:
    rng = np.random.default_rng(1)
    shapes = [leaf.shape for leaf in fgtree.leaves(make_params())]
    return [[rng.normal(size=s) for s in shapes] for _ in range(STEPS)]


NOISE = make_noise()


def gradient(leaves: list[np.ndarray], step: int) -> list[np.ndarray]:
    """A parameter-dependent gradient (of a noisy quadratic), leaf by leaf."""
    return [0.5 * p + 2.0 * n for p, n in zip(leaves, NOISE[step], strict=True)]


# A reference stepper maps (grads, params, t) -> updates, for t = 1, 2, ...; it keeps its
# own state, one entry per leaf.
Stepper = Callable[[list, list, int], list]


def lr_at(learning_rate: float | Callable, count: int) -> float:
    return learning_rate(count) if callable(learning_rate) else learning_rate


def ref_sgd(learning_rate, momentum=None, nesterov=False) -> Stepper:
    trace: list = []

    def step(grads, params, t):
        if momentum is None:
            directions = grads
        else:
            if not trace:
                trace.extend(np.zeros_like(g) for g in grads)
            for i, g in enumerate(grads):
                trace[i] = g + momentum * trace[i]
            if nesterov:
                directions = [g + momentum * m for g, m in zip(grads, trace, strict=True)]
            else:
                directions = list(trace)
        return [-lr_at(learning_rate, t - 1) * d for d in directions]

    return step


def ref_adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7) -> Stepper:
    sums: list = []

    def step(grads, params, t):
        if not sums:
            sums.extend(np.full_like(g, initial_accumulator_value) for g in grads)
        out = []
        for i, g in enumerate(grads):
            sums[i] = sums[i] + g * g
            out.append(-lr_at(learning_rate, t - 1) * g / np.sqrt(sums[i] + eps))
        return out

    return step


def ref_rmsprop(
    learning_rate, decay=0.9, eps=1e-8, momentum=None, nesterov=False, eps_in_sqrt=True
) -> Stepper:
    nus: list = []
    trace: list = []

    def step(grads, params, t):
        if not nus:
            nus.extend(np.zeros_like(g) for g in grads)
            trace.extend(np.zeros_like(g) for g in grads)
        out = []
        for i, g in enumerate(grads):
            nus[i] = (1 - decay) * g * g + decay * nus[i]
            if eps_in_sqrt:
                d = -lr_at(learning_rate, t - 1) * g / np.sqrt(nus[i] + eps)
            else:
                d = -lr_at(learning_rate, t - 1) * g / (np.sqrt(nus[i]) + eps)
            if momentum is not None:  # optax: momentum on the learning-rate-scaled step
                trace[i] = d + momentum * trace[i]
                d = d + momentum * trace[i] if nesterov else trace[i]
            out.append(d)
        return out

    return step


def ref_adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, weight_decay=None) -> Stepper:
    mus: list = []
    nus: list = []

    def step(grads, params, t):
        if not mus:
            mus.extend(np.zeros_like(g) for g in grads)
            nus.extend(np.zeros_like(g) for g in grads)
        out = []
        for i, (g, p) in enumerate(zip(grads, params, strict=True)):
            mus[i] = (1 - b1) * g + b1 * mus[i]
            nus[i] = (1 - b2) * g * g + b2 * nus[i]
            m_hat = mus[i] / (1 - b1**t)
            v_hat = nus[i] / (1 - b2**t)
            d = m_hat / (np.sqrt(v_hat) + eps)
            if weight_decay is not None:
                d = d + weight_decay * p
            out.append(-lr_at(learning_rate, t - 1) * d)
        return out

    return step


def ref_clipped(max_norm: float, inner: Stepper) -> Stepper:
    def step(grads, params, t):
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        if norm >= max_norm:
            grads = [g / norm * max_norm for g in grads]
        return inner(grads, params, t)

    return step


def decaying(count: int) -> float:
    return 0.1 * 0.97**count


CASES: dict[str, tuple[Callable[[], optim.GradientTransformation], Callable[[], Stepper]]] = {
    "sgd": (lambda: optim.sgd(0.05), lambda: ref_sgd(0.05)),
    "sgd_momentum": (lambda: optim.sgd(0.02, momentum=0.9), lambda: ref_sgd(0.02, 0.9)),
    "sgd_nesterov": (
        lambda: optim.sgd(0.02, momentum=0.8, nesterov=True),
        lambda: ref_sgd(0.02, 0.8, nesterov=True),
    ),
    "sgd_schedule": (lambda: optim.sgd(decaying), lambda: ref_sgd(decaying)),
    "adagrad": (lambda: optim.adagrad(0.3), lambda: ref_adagrad(0.3)),
    "adagrad_args": (
        lambda: optim.adagrad(0.1, initial_accumulator_value=1.0, eps=1e-3),
        lambda: ref_adagrad(0.1, 1.0, 1e-3),
    ),
    "rmsprop": (lambda: optim.rmsprop(0.01), lambda: ref_rmsprop(0.01)),
    "rmsprop_momentum": (
        lambda: optim.rmsprop(0.01, decay=0.8, eps=1e-6, momentum=0.5),
        lambda: ref_rmsprop(0.01, 0.8, 1e-6, momentum=0.5),
    ),
    "rmsprop_nesterov": (
        lambda: optim.rmsprop(0.01, momentum=0.5, nesterov=True),
        lambda: ref_rmsprop(0.01, momentum=0.5, nesterov=True),
    ),
    "rmsprop_eps_outside": (
        lambda: optim.rmsprop(0.01, eps=1e-3, eps_in_sqrt=False),
        lambda: ref_rmsprop(0.01, eps=1e-3, eps_in_sqrt=False),
    ),
    "adam": (lambda: optim.adam(0.05), lambda: ref_adam(0.05)),
    "adam_args": (
        lambda: optim.adam(0.02, b1=0.5, b2=0.9, eps=1e-3),
        lambda: ref_adam(0.02, 0.5, 0.9, 1e-3),
    ),
    "adam_schedule": (lambda: optim.adam(decaying), lambda: ref_adam(decaying)),
    "adamw": (lambda: optim.adamw(0.05), lambda: ref_adam(0.05, weight_decay=1e-4)),
    "adamw_args": (
        lambda: optim.adamw(0.05, weight_decay=0.1),
        lambda: ref_adam(0.05, weight_decay=0.1),
    ),
    "clipped_adam": (
        lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.adam(0.05)),
        lambda: ref_clipped(1.0, ref_adam(0.05)),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_trajectory_matches_reference_equations(name: str) -> None:
    make_opt, make_ref = CASES[name]
    opt, reference = make_opt(), make_ref()

    params = make_params()
    treedef = fgtree.structure(params)
    ref_leaves = [np.array(leaf) for leaf in fgtree.leaves(params)]
    state = opt.init(params)
    for step in range(STEPS):
        grads = fgtree.unflatten(treedef, gradient(fgtree.leaves(params), step))
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)

        ref_updates = reference(gradient(ref_leaves, step), ref_leaves, step + 1)
        ref_leaves = [p + u for p, u in zip(ref_leaves, ref_updates, strict=True)]
        for got, want in zip(fgtree.leaves(updates), ref_updates, strict=True):
            np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL, err_msg=f"step {step}")
    for got, want in zip(fgtree.leaves(params), ref_leaves, strict=True):
        np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)
    assert fgtree.structure(params) == treedef


def test_first_adam_step_is_learning_rate_times_sign() -> None:
    # A property of Adam's bias correction: |u_1| = lr * |g| / (|g| + eps).
    opt = optim.adam(0.1, eps=0.0)
    params = np.zeros(3)
    grads = np.array([2.0, -0.5, 1e-3])
    updates, _ = opt.update(grads, opt.init(params), params)
    np.testing.assert_allclose(updates, -0.1 * np.sign(grads), rtol=1e-12)
