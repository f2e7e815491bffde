"""Complex parameters, treated as optax treats them.

Convention assumed throughout (JAX's, which funcgrad's ``grad`` follows): for a real loss
``f(z)`` of ``z = x + i y``, ``grad(f)(z) == df/dx - i df/dy``; e.g. for
``f(z) = |z - c|**2`` it is ``2 * conj(z - c)`` (``grad(lambda z: abs(z)**2)(3+4j) ==
6-8j``). That is the conjugate of the steepest-ascent direction, so, as optax requires,
the user passes ``conj(grad)`` to ``update``; the optimizers then use ``|g|**2 =
real(conj(g) g)`` for every second moment and ``sqrt(sum |g|**2)`` for every norm. The
gradients below are written by hand exactly as JAX returns them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import funcgrad.numpy as fnp
import funcgrad.optim as optim
from funcgrad import random, tree as fgtree

TARGET = {"z": np.array([1.0 - 2.0j, -0.5 + 0.25j, 3.0j]), "s": np.array(2.0 + 1.0j)}


def start(dtype: type = np.complex128) -> dict:
    return {"z": np.zeros(3, dtype), "s": np.array(-1.0 - 1.0j, dtype)}


def loss(params: dict) -> float:
    return float(sum(np.sum(np.abs(params[k] - TARGET[k]) ** 2) for k in params))


def jax_grad(params: dict) -> dict:
    """``grad`` of ``loss`` in JAX's convention: ``2 * conj(z - c)`` per leaf."""
    return {k: (2 * np.conj(params[k] - TARGET[k])).astype(params[k].dtype) for k in params}


def conj(tree: dict) -> dict:
    """What a user does between ``grad`` and ``update``, as optax documents."""
    return fgtree.map(fnp.conj, tree)


def minimise(opt: optim.GradientTransformation, params: dict, steps: int) -> dict:
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(conj(jax_grad(params)), state, params)
        params = optim.apply_updates(params, updates)
    return params


MINIMISERS: dict[str, tuple[Callable[[], optim.GradientTransformation], int]] = {
    "sgd": (lambda: optim.sgd(0.1), 100),
    "sgd_momentum": (lambda: optim.sgd(0.05, momentum=0.9), 200),
    "adam": (lambda: optim.adam(optim.cosine_decay_schedule(0.1, 600)), 600),
    "rmsprop": (lambda: optim.rmsprop(optim.cosine_decay_schedule(0.05, 600)), 600),
    "adagrad": (lambda: optim.adagrad(0.5), 600),
    "nadam": (lambda: optim.nadam(optim.cosine_decay_schedule(0.1, 600)), 600),
    "adamax": (lambda: optim.adamax(optim.cosine_decay_schedule(0.1, 600)), 600),
    "lamb": (lambda: optim.lamb(optim.cosine_decay_schedule(0.05, 600)), 600),
    "lion": (lambda: optim.lion(optim.cosine_decay_schedule(0.05, 600), weight_decay=0.0), 600),
    "adafactor": (lambda: optim.adafactor(optim.cosine_decay_schedule(0.1, 600)), 600),
    "noisy_sgd": (lambda: optim.noisy_sgd(0.1, eta=1e-4, key=random.key(0)), 200),
    "clipped_adam": (
        lambda: optim.chain(
            optim.clip_by_global_norm(1.0), optim.adam(optim.cosine_decay_schedule(0.1, 600))
        ),
        600,
    ),
}


@pytest.mark.parametrize("name", list(MINIMISERS))
def test_minimises_a_complex_quadratic_given_conjugated_jax_gradients(name: str) -> None:
    make, steps = MINIMISERS[name]
    params = minimise(make(), start(), steps)
    assert loss(params) < 1e-3 * loss(start()), loss(params)
    for leaf in fgtree.leaves(params):
        assert leaf.dtype == np.complex128


def test_unconjugated_jax_gradients_do_not_descend() -> None:
    # The reason for the conjugation: SGD on JAX's gradient moves the imaginary part
    # uphill (z <- z - lr * 2 conj(z - c) grows Im(z - c) by 1 + 2 lr per step).
    opt = optim.sgd(0.1)
    params = start()
    state = opt.init(params)
    for _ in range(20):
        updates, state = opt.update(jax_grad(params), state, params)
        params = optim.apply_updates(params, updates)
    assert loss(params) > loss(start())


def ref_adam_complex(lr, b1=0.9, b2=0.999, eps=1e-8) -> Callable:
    moments: dict = {}

    def step(grads: dict, t: int) -> dict:
        out = {}
        for k, g in grads.items():
            m, v = moments.get(k, (np.zeros_like(g), np.zeros(g.shape)))
            m = (1 - b1) * g + b1 * m
            v = (1 - b2) * np.abs(g) ** 2 + b2 * v
            moments[k] = (m, v)
            out[k] = -lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        return out

    return step


def ref_rmsprop_complex(lr, decay=0.9, eps=1e-8) -> Callable:
    nus: dict = {}

    def step(grads: dict, t: int) -> dict:
        out = {}
        for k, g in grads.items():
            nus[k] = (1 - decay) * np.abs(g) ** 2 + decay * nus.get(k, np.zeros(g.shape))
            out[k] = -lr * g / np.sqrt(nus[k] + eps)
        return out

    return step


def ref_clipped_adagrad_complex(lr, max_norm, initial=0.1, eps=1e-7) -> Callable:
    sums: dict = {}

    def step(grads: dict, t: int) -> dict:
        norm = np.sqrt(sum(np.sum(np.abs(g) ** 2) for g in grads.values()))
        factor = 1.0 if norm < max_norm else max_norm / norm
        out = {}
        for k, g in grads.items():
            g = g * factor
            sums[k] = sums.get(k, np.full(g.shape, initial)) + np.abs(g) ** 2
            out[k] = -lr * g / np.sqrt(sums[k] + eps)
        return out

    return step


@pytest.mark.parametrize(
    ("opt", "reference"),
    [
        (lambda: optim.adam(0.05), lambda: ref_adam_complex(0.05)),
        (lambda: optim.rmsprop(0.01), lambda: ref_rmsprop_complex(0.01)),
        (
            lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.adagrad(0.3)),
            lambda: ref_clipped_adagrad_complex(0.3, 1.0),
        ),
    ],
    ids=["adam", "rmsprop", "clipped_adagrad"],
)
def test_complex_trajectory_uses_squared_modulus(opt, reference) -> None:
    opt, reference = opt(), reference()
    params, ref = start(), start()
    state = opt.init(params)
    for t in range(1, 31):
        updates, state = opt.update(conj(jax_grad(params)), state, params)
        params = optim.apply_updates(params, updates)
        ref_updates = reference({k: np.conj(g) for k, g in jax_grad(ref).items()}, t)
        ref = {k: ref[k] + ref_updates[k] for k in ref}
        for k in params:
            np.testing.assert_allclose(updates[k], ref_updates[k], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "make",
    [optim.adam, optim.rmsprop, optim.adagrad, optim.adamax, optim.nadam],
    ids=lambda f: f.__name__,
)
def test_second_moments_of_complex_leaves_are_real(make) -> None:
    opt = make(0.01)
    params = start(np.complex64)
    updates, state = opt.update(conj(jax_grad(params)), opt.init(params), params)
    for u in fgtree.leaves(updates):
        assert u.dtype == np.complex64
    for leaf in fgtree.leaves(state):
        assert np.asarray(leaf).dtype in (np.complex64, np.float32, np.int32)
    real_leaves = [x for x in fgtree.leaves(state) if np.asarray(x).dtype == np.float32]
    assert real_leaves  # the second moment (or accumulator) is stored real


def test_global_norm_of_complex_leaves() -> None:
    tree = {"a": np.array([3.0 + 4.0j]), "b": np.array([[12.0j]])}
    norm = optim.global_norm(tree)
    assert np.asarray(norm).dtype == np.float64
    assert float(norm) == 13.0


def test_clip_by_global_norm_scales_complex_updates_by_their_modulus() -> None:
    opt = optim.clip_by_global_norm(1.0)
    g = np.array([3.0 + 4.0j])
    clipped, _ = opt.update(g, opt.init(g))
    np.testing.assert_allclose(clipped, [0.6 + 0.8j], rtol=1e-15)


def test_elementwise_clip_rejects_complex_updates() -> None:
    from funcgrad.core.errors import FuncgradTypeError

    opt = optim.clip(1.0)
    with pytest.raises(FuncgradTypeError, match="clip_by_global_norm"):
        opt.update(np.array([1.0 + 1.0j]), opt.init(np.zeros(1, complex)))
