"""Trajectories of Adafactor, noisy SGD, the accumulating and masking wrappers, injected
hyperparameters and the warmup schedules, against plain-numpy references.

As in ``test_trajectories.py``, each reference transcribes the published update equations
(with optax's conventions) and shares no code with ``funcgrad.optim``; only noisy SGD's
reference draws its noise with ``funcgrad.random``, threading the key as optax does, since
the random numbers themselves are not what is under test.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import funcgrad.optim as optim
from funcgrad import random

from .test_trajectories import ref_adam, ref_sgd
from .trajectory import Stepper, assert_trajectory_matches, lr_at, zeros

# Leaves in tree order: dense.b (2,), dense.w (3, 2), scale ().


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x)))


def ref_adafactor(
    learning_rate,
    min_dim_size_to_factor=128,
    decay_rate=0.8,
    clipping_threshold=1.0,
    momentum=None,
    weight_decay_rate=None,
    eps=1e-30,
    factored=True,
) -> Stepper:
    """Adafactor (Shazeer & Stern 2018, Algorithms 4 and 5) with optax's options."""
    stats: list = []
    moms: list = []

    def factor_axes(shape):
        if not factored or len(shape) < 2:
            return None
        big = int(np.argmax(shape))  # the largest axis
        other = 1 - big
        return (big, other) if shape[other] >= min_dim_size_to_factor else None

    def step(grads, params, t):
        if not stats:
            for g in grads:
                axes = factor_axes(g.shape)
                if axes is None:
                    stats.append(np.zeros_like(g))
                else:
                    big, other = axes
                    stats.append([np.zeros(g.shape[other]), np.zeros(g.shape[big])])
            moms.extend(zeros(grads))
        beta = 1.0 - t ** (-decay_rate)
        out = []
        for i, (g, p) in enumerate(zip(grads, params, strict=True)):
            s = g * g + eps
            axes = factor_axes(g.shape)
            if axes is None:
                stats[i] = beta * stats[i] + (1 - beta) * s
                v_hat = stats[i]
            else:
                big, other = axes
                r, c = stats[i]
                r = beta * r + (1 - beta) * s.mean(axis=big)  # indexed by `other`
                c = beta * c + (1 - beta) * s.mean(axis=other)  # indexed by `big`
                stats[i] = [r, c]
                outer = np.expand_dims(r, big) * np.expand_dims(c, other)
                v_hat = outer / r.mean()
            u = g / np.sqrt(v_hat)
            if clipping_threshold is not None:
                u = u / max(1.0, rms(u) / clipping_threshold)
            u = lr_at(learning_rate, t - 1) * u * max(rms(p), 1e-3)
            if momentum is not None:
                moms[i] = (1 - momentum) * u + momentum * moms[i]
                u = moms[i]
            if weight_decay_rate is not None:
                u = u + weight_decay_rate * p
            out.append(-u)
        return out

    return step


def ref_noisy_sgd(learning_rate, eta, gamma, seed) -> Stepper:
    key = [random.key(seed)]

    def step(grads, params, t):
        key[0], sample_key = random.split(key[0])
        leaf_keys = random.split(sample_key, len(grads))
        sigma = math.sqrt(eta / t**gamma)
        return [
            -lr_at(learning_rate, t - 1) * (g + sigma * random.normal(k, g.shape))
            for g, k in zip(grads, leaf_keys, strict=True)
        ]

    return step


def ref_apply_every(k: int, inner: Stepper) -> Stepper:
    acc: list = []

    def step(grads, params, t):
        if not acc:
            acc.extend(zeros(grads))
        first, last = (t - 1) % k == 0, (t - 1) % k == k - 1
        for i, g in enumerate(grads):
            acc[i] = g if first else acc[i] + g
        return inner(acc if last else zeros(grads), params, t)

    return step


def ref_multi_steps(inner: Stepper, every_k: Callable[[int], int], mean: bool = True) -> Stepper:
    """Gradient accumulation: the inner optimizer sees the k-step mean (or sum) once."""
    acc: list = []
    counts = {"mini": 0, "gradient": 0}

    def step(grads, params, t):
        if not acc:
            acc.extend(zeros(grads))
        counts["mini"] += 1
        for i, g in enumerate(grads):
            acc[i] = acc[i] + g
        if counts["mini"] < every_k(counts["gradient"]):
            return zeros(grads)
        total = [a / counts["mini"] for a in acc] if mean else list(acc)
        counts["gradient"] += 1
        counts["mini"] = 0
        acc[:] = zeros(grads)
        return inner(total, params, counts["gradient"])

    return step


def ref_partitioned(parts: dict[str, tuple[list[int], Stepper]]) -> Stepper:
    """Each stepper sees only its own leaves; leaves in no part pass through unchanged."""

    def step(grads, params, t):
        out = list(grads)
        for indices, inner in parts.values():
            sub = inner([grads[i] for i in indices], [params[i] for i in indices], t)
            for i, u in zip(indices, sub, strict=True):
                out[i] = u
        return out

    return step


def ref_ema_sgd(learning_rate, decay, debias=True) -> Stepper:
    emas: list = []

    def step(grads, params, t):
        if not emas:
            emas.extend(zeros(grads))
        out = []
        for i, g in enumerate(grads):
            emas[i] = (1 - decay) * g + decay * emas[i]
            e = emas[i] / (1 - decay**t) if debias else emas[i]
            out.append(-learning_rate * e)
        return out

    return step


# Schedules written out from their definitions (t counts from 0).


def warmup_cosine(t, init=0.01, peak=0.1, warmup=5, total=30, end=0.002, exponent=1.0):
    if t < warmup:
        return init + (peak - init) * t / warmup
    frac = min(t - warmup, total - warmup) / (total - warmup)
    alpha = end / peak
    return peak * ((1 - alpha) * (0.5 * (1 + math.cos(math.pi * frac))) ** exponent + alpha)


def warmup_exponential(t, init=0.0, peak=0.08, warmup=4, steps=6, rate=0.5, begin=3, floor=0.01):
    if t < warmup:
        return init + (peak - init) * t / warmup
    decayed = t - warmup - begin
    return max(peak if decayed <= 0 else peak * rate ** (decayed // steps), floor)


def joined(t):
    return 0.05 if t < 10 else 0.05 * 0.9 ** (t - 10)


LABELS = {"dense": {"w": "adam", "b": "sgd"}, "scale": "frozen"}

CASES: dict[str, tuple[Callable[[], optim.GradientTransformation], Callable[[], Stepper]]] = {
    "adafactor": (
        lambda: optim.adafactor(0.05, min_dim_size_to_factor=2),
        lambda: ref_adafactor(0.05, min_dim_size_to_factor=2),
    ),
    "adafactor_unfactored_default_size": (
        lambda: optim.adafactor(0.05),
        lambda: ref_adafactor(0.05),
    ),
    "adafactor_options": (
        lambda: optim.adafactor(
            0.05,
            min_dim_size_to_factor=2,
            decay_rate=0.6,
            clipping_threshold=None,
            momentum=0.9,
            weight_decay_rate=1e-2,
            eps=1e-12,
        ),
        lambda: ref_adafactor(
            0.05, 2, 0.6, clipping_threshold=None, momentum=0.9, weight_decay_rate=1e-2, eps=1e-12
        ),
    ),
    "adafactor_not_factored": (
        lambda: optim.adafactor(0.05, min_dim_size_to_factor=2, factored=False),
        lambda: ref_adafactor(0.05, 2, factored=False),
    ),
    "noisy_sgd": (
        lambda: optim.noisy_sgd(0.05, key=random.key(7)),
        lambda: ref_noisy_sgd(0.05, 0.01, 0.55, seed=7),
    ),
    "noisy_sgd_args": (
        lambda: optim.noisy_sgd(0.02, eta=0.3, gamma=0.9, key=3),
        lambda: ref_noisy_sgd(0.02, 0.3, 0.9, seed=3),
    ),
    "apply_every": (
        lambda: optim.chain(optim.apply_every(3), optim.sgd(0.05)),
        lambda: ref_apply_every(3, ref_sgd(0.05)),
    ),
    "multi_steps_adam": (
        lambda: optim.MultiSteps(optim.adam(0.05), every_k_schedule=3).gradient_transformation(),
        lambda: ref_multi_steps(ref_adam(0.05), lambda _: 3),
    ),
    "multi_steps_sum_varying_k": (
        lambda: optim.MultiSteps(
            optim.sgd(0.02, momentum=0.9),
            every_k_schedule=lambda step: optim.piecewise_constant_schedule(2, {3: 2})(step),
            use_grad_mean=False,
        ),
        lambda: ref_multi_steps(ref_sgd(0.02, 0.9), lambda s: 2 if s < 3 else 4, mean=False),
    ),
    "masked_adam": (
        lambda: optim.masked(optim.adam(0.05), {"dense": {"w": True, "b": False}, "scale": True}),
        lambda: ref_partitioned({"adam": ([1, 2], ref_adam(0.05))}),
    ),
    "masked_prefix_fn": (
        lambda: optim.masked(
            optim.sgd(0.1, momentum=0.5), lambda p: {"dense": True, "scale": False}
        ),
        lambda: ref_partitioned({"sgd": ([0, 1], ref_sgd(0.1, 0.5))}),
    ),
    "multi_transform": (
        lambda: optim.multi_transform(
            {"adam": optim.adam(0.05), "sgd": optim.sgd(0.1, 0.9), "frozen": optim.set_to_zero()},
            LABELS,
        ),
        lambda: ref_partitioned(
            {
                "adam": ([1], ref_adam(0.05)),
                "sgd": ([0], ref_sgd(0.1, 0.9)),
                "frozen": ([2], lambda g, p, t: zeros(g)),
            }
        ),
    ),
    "inject_adam": (
        lambda: optim.inject_hyperparams(optim.adam)(learning_rate=0.05, b1=0.8),
        lambda: ref_adam(0.05, b1=0.8),
    ),
    "inject_scheduled_lr": (
        lambda: optim.inject_hyperparams(optim.adamw)(
            learning_rate=optim.exponential_decay(0.05, 4, 0.8), weight_decay=0.01
        ),
        lambda: ref_adam(lambda t: 0.05 * 0.8 ** (t / 4), weight_decay=0.01),
    ),
    "ema": (
        lambda: optim.chain(optim.ema(0.8), optim.scale(-0.05)),
        lambda: ref_ema_sgd(0.05, 0.8),
    ),
    "ema_biased": (
        lambda: optim.chain(optim.ema(0.8, debias=False), optim.scale(-0.05)),
        lambda: ref_ema_sgd(0.05, 0.8, debias=False),
    ),
    "sgd_warmup_cosine": (
        lambda: optim.sgd(optim.warmup_cosine_decay_schedule(0.01, 0.1, 5, 30, end_value=0.002)),
        lambda: ref_sgd(warmup_cosine),
    ),
    "adam_warmup_cosine_exponent": (
        lambda: optim.adam(optim.warmup_cosine_decay_schedule(0.01, 0.1, 5, 30, 0.002, 2.0)),
        lambda: ref_adam(lambda t: warmup_cosine(t, exponent=2.0)),
    ),
    "adam_warmup_exponential": (
        lambda: optim.adam(
            optim.warmup_exponential_decay_schedule(
                0.0, 0.08, 4, 6, 0.5, transition_begin=3, staircase=True, end_value=0.01
            )
        ),
        lambda: ref_adam(warmup_exponential),
    ),
    "sgd_joined": (
        lambda: optim.sgd(
            optim.join_schedules(
                [optim.constant_schedule(0.05), optim.exponential_decay(0.05, 1, 0.9)], [10]
            )
        ),
        lambda: ref_sgd(joined),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_trajectory_matches_reference_equations(name: str) -> None:
    make_opt, make_ref = CASES[name]
    assert_trajectory_matches(make_opt(), make_ref())
