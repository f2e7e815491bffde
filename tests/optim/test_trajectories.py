"""Every optimizer's 50-step trajectory equals optax's update equations written out here.

The reference steppers below are independent plain-numpy transcriptions of the equations
(optax's formulas and defaults), one per optimizer; they share no code with
``funcgrad.optim``. This file holds SGD, Adagrad, RMSProp and the Adam family (Adam,
NAdam, AdamW, Adamax, LAMB, Lion); ``test_trajectories_more.py`` the rest. The harness is
in ``trajectory.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import funcgrad.optim as optim

from .trajectory import Stepper, assert_trajectory_matches, lr_at


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


def ref_adam(
    learning_rate,
    b1=0.9,
    b2=0.999,
    eps=1e-8,
    weight_decay=None,
    eps_root=0.0,
    nesterov=False,
    decay_mask=None,
) -> Stepper:
    """Adam (Kingma & Ba, Algorithm 1); NAdam (Dozat 2016) as optax writes it; AdamW."""
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
            if nesterov:
                m_hat = b1 * mus[i] / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
            else:
                m_hat = mus[i] / (1 - b1**t)
            v_hat = nus[i] / (1 - b2**t)
            d = m_hat / (np.sqrt(v_hat + eps_root) + eps)
            if weight_decay is not None and (decay_mask is None or decay_mask[i]):
                d = d + weight_decay * p
            out.append(-lr_at(learning_rate, t - 1) * d)
        return out

    return step


def ref_adamax(learning_rate, b1=0.9, b2=0.999, eps=1e-8) -> Stepper:
    """Adamax (Kingma & Ba, section 7.1), with optax's eps inside the max."""
    mus: list = []
    us: list = []

    def step(grads, params, t):
        if not mus:
            mus.extend(np.zeros_like(g) for g in grads)
            us.extend(np.zeros_like(g) for g in grads)
        out = []
        for i, g in enumerate(grads):
            mus[i] = (1 - b1) * g + b1 * mus[i]
            us[i] = np.maximum(np.abs(g) + eps, b2 * us[i])
            out.append(-lr_at(learning_rate, t - 1) * (mus[i] / (1 - b1**t)) / us[i])
        return out

    return step


def ref_lamb(learning_rate, b1=0.9, b2=0.999, eps=1e-6, weight_decay=0.0) -> Stepper:
    """LAMB (You et al., Algorithm 2) with optax's trust ratio ||p|| / ||r + wd p||."""
    # With a learning rate of -1 the Adam(W) reference returns r + wd * p itself.
    direction = ref_adam(-1.0, b1, b2, eps, weight_decay=weight_decay)

    def step(grads, params, t):
        out = []
        for d, p in zip(direction(grads, params, t), params, strict=True):
            p_norm, d_norm = np.sqrt(np.sum(p * p)), np.sqrt(np.sum(d * d))
            ratio = 1.0 if p_norm == 0 or d_norm == 0 else p_norm / d_norm
            out.append(-lr_at(learning_rate, t - 1) * ratio * d)
        return out

    return step


def ref_lion(learning_rate, b1=0.9, b2=0.99, weight_decay=1e-3, mode="hard") -> Stepper:
    """Lion (Chen et al., Program 1): sign of the interpolation, then the momentum update."""
    mus: list = []

    def direction(c):
        if mode == "hard":
            return np.sign(c)
        if mode == "smooth":
            return np.tanh(c)
        return np.where(np.abs(c) < 1.0, c, np.sign(c))

    def step(grads, params, t):
        if not mus:
            mus.extend(np.zeros_like(g) for g in grads)
        out = []
        for i, (g, p) in enumerate(zip(grads, params, strict=True)):
            c = b1 * mus[i] + (1 - b1) * g
            out.append(-lr_at(learning_rate, t - 1) * (direction(c) + weight_decay * p))
            mus[i] = b2 * mus[i] + (1 - b2) * g
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
    "adam_eps_root": (
        lambda: optim.adam(0.05, eps_root=1e-4),
        lambda: ref_adam(0.05, eps_root=1e-4),
    ),
    "adam_nesterov": (
        lambda: optim.adam(0.05, nesterov=True),
        lambda: ref_adam(0.05, nesterov=True),
    ),
    "nadam": (lambda: optim.nadam(0.05), lambda: ref_adam(0.05, nesterov=True)),
    "nadam_args": (
        lambda: optim.nadam(decaying, b1=0.6, b2=0.95, eps=1e-4, eps_root=1e-6),
        lambda: ref_adam(decaying, 0.6, 0.95, 1e-4, eps_root=1e-6, nesterov=True),
    ),
    "adamw_masked": (
        # leaves in tree order: dense.b, dense.w, scale
        lambda: optim.adamw(
            0.05, weight_decay=0.1, mask={"dense": {"w": True, "b": False}, "scale": True}
        ),
        lambda: ref_adam(0.05, weight_decay=0.1, decay_mask=[False, True, True]),
    ),
    "adamax": (lambda: optim.adamax(0.05), lambda: ref_adamax(0.05)),
    "adamax_args": (
        lambda: optim.adamax(decaying, b1=0.5, b2=0.9, eps=1e-3),
        lambda: ref_adamax(decaying, 0.5, 0.9, 1e-3),
    ),
    "lamb": (lambda: optim.lamb(0.05), lambda: ref_lamb(0.05)),
    "lamb_args": (
        lambda: optim.lamb(decaying, b1=0.8, b2=0.99, eps=1e-4, weight_decay=0.1),
        lambda: ref_lamb(decaying, 0.8, 0.99, 1e-4, weight_decay=0.1),
    ),
    "lion": (lambda: optim.lion(0.01), lambda: ref_lion(0.01)),
    "lion_args": (
        lambda: optim.lion(decaying, b1=0.8, b2=0.9, weight_decay=0.1),
        lambda: ref_lion(decaying, 0.8, 0.9, weight_decay=0.1),
    ),
    "lion_smooth": (
        lambda: optim.chain(
            optim.scale_by_lion(mode="smooth"),
            optim.add_decayed_weights(1e-3),
            optim.scale_by_learning_rate(0.01),
        ),
        lambda: ref_lion(0.01, mode="smooth"),
    ),
    "lion_refined": (
        lambda: optim.chain(
            optim.scale_by_lion(mode="refined"),
            optim.add_decayed_weights(1e-3),
            optim.scale_by_learning_rate(0.01),
        ),
        lambda: ref_lion(0.01, mode="refined"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_trajectory_matches_reference_equations(name: str) -> None:
    make_opt, make_ref = CASES[name]
    assert_trajectory_matches(make_opt(), make_ref())


def test_first_adam_step_is_learning_rate_times_sign() -> None:
    # A property of Adam's bias correction: |u_1| = lr * |g| / (|g| + eps).
    opt = optim.adam(0.1, eps=0.0)
    params = np.zeros(3)
    grads = np.array([2.0, -0.5, 1e-3])
    updates, _ = opt.update(grads, opt.init(params), params)
    np.testing.assert_allclose(updates, -0.1 * np.sign(grads), rtol=1e-12)
