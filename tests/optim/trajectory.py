"""The harness shared by the trajectory tests: a small pytree, gradients, and the loop.

A reference stepper is a plain-numpy transcription of an optimizer's published update
equations that shares no code with ``funcgrad.optim``: it maps ``(grads, params, t)`` to
the updates, for ``t = 1, 2, ...``, keeping its own state, one entry per leaf (leaves in
``funcgrad.tree`` order). Gradients depend on the current parameters, so any deviation
compounds over the trajectory; the comparison is to 1e-12 in float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import funcgrad.optim as optim
from funcgrad import tree as fgtree

STEPS = 50
TOL = 1e-12

Stepper = Callable[[list, list, int], list]


def make_params() -> dict:
    rng = np.random.default_rng(0)
    return {
        "dense": {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=(2,))},
        "scale": np.array(1.5),
    }


def _make_noise() -> list[list[np.ndarray]]:
    rng = np.random.default_rng(1)
    shapes = [leaf.shape for leaf in fgtree.leaves(make_params())]
    return [[rng.normal(size=s) for s in shapes] for _ in range(STEPS)]


NOISE = _make_noise()


def gradient(leaves: list[np.ndarray], step: int) -> list[np.ndarray]:
    """A parameter-dependent gradient (of a noisy quadratic), leaf by leaf."""
    return [0.5 * p + 2.0 * n for p, n in zip(leaves, NOISE[step], strict=True)]


def lr_at(learning_rate: float | Callable, count: int) -> float:
    return learning_rate(count) if callable(learning_rate) else learning_rate


def zeros(grads: list) -> list:
    return [np.zeros_like(g) for g in grads]


def assert_trajectory_matches(
    opt: optim.GradientTransformation, reference: Stepper, steps: int = STEPS
) -> None:
    """Run ``opt`` and ``reference`` side by side; every update must agree to TOL."""
    params = make_params()
    treedef = fgtree.structure(params)
    ref_leaves = [np.array(leaf) for leaf in fgtree.leaves(params)]
    state = opt.init(params)
    for step in range(steps):
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
