"""The wrappers' semantics beyond their trajectories: what passes through, when updates
are emitted, and how injected hyperparameters are read and replaced."""

from __future__ import annotations

import functools

import attrs
import numpy as np
import pytest

import funcgrad.optim as optim
from funcgrad import random, tree as fgtree

PARAMS = {"w": np.array([1.0, -2.0]), "b": np.array([0.5])}
GRADS = {"w": np.array([0.3, 0.4]), "b": np.array([-1.0])}


def test_masked_leaves_pass_through_unchanged_and_keep_no_state() -> None:
    opt = optim.masked(optim.adam(0.1), {"w": True, "b": False})
    state = opt.init(PARAMS)
    inner = state.inner_state.inner_states[0]  # the ScaleByAdamState
    assert isinstance(inner.mu["b"], optim.MaskedNode)
    assert fgtree.leaves(inner.mu) == [inner.mu["w"]]
    updates, _ = opt.update(GRADS, state, PARAMS)
    assert updates["b"] is GRADS["b"]
    np.testing.assert_allclose(updates["w"], -0.1 * np.sign(GRADS["w"]), rtol=1e-6)


def test_masked_accepts_a_mask_function_and_a_prefix() -> None:
    params = {"layer": {"w": np.ones((2, 2)), "b": np.ones(2)}, "head": np.ones(3)}
    grads = fgtree.map(np.ones_like, params)
    no_bias = optim.masked(optim.scale(0.0), lambda p: fgtree.map(lambda x: x.ndim == 1, p))
    out, _ = no_bias.update(grads, no_bias.init(params))
    np.testing.assert_array_equal(out["layer"]["w"], np.ones((2, 2)))
    np.testing.assert_array_equal(out["layer"]["b"], np.zeros(2))
    prefix = optim.masked(optim.scale(3.0), {"layer": True, "head": False})
    out, _ = prefix.update(grads, prefix.init(params))
    np.testing.assert_array_equal(out["layer"]["b"], 3 * np.ones(2))
    np.testing.assert_array_equal(out["head"], np.ones(3))


def test_multi_steps_returns_zeros_until_the_kth_step() -> None:
    opt = optim.MultiSteps(optim.sgd(1.0, momentum=0.5), every_k_schedule=3)
    state = opt.init(PARAMS)
    grads = [fgtree.map(lambda g, s=s: (s + 1) * g, GRADS) for s in range(6)]
    emitted = []
    for step, g in enumerate(grads):
        updates, state = opt.update(g, state, PARAMS)
        emitted.append(bool(opt.has_updated(state)))
        if step % 3 != 2:
            for u in fgtree.leaves(updates):
                np.testing.assert_array_equal(u, np.zeros_like(u))
        else:
            assert int(state.gradient_step) == step // 3 + 1
            assert int(state.mini_step) == 0
    assert emitted == [False, False, True, False, False, True]
    # the first emitted update is -lr * mean(g_0, g_1, g_2) = -2 g; the momentum buffer
    # of the inner optimizer moved only on the emitting steps
    trace = state.inner_opt_state.inner_states[0].trace
    np.testing.assert_allclose(trace["w"], 5 * GRADS["w"] + 0.5 * 2 * GRADS["w"], rtol=1e-12)


def test_multi_steps_skips_rejected_mini_steps() -> None:
    opt = optim.MultiSteps(optim.sgd(1.0), 2, should_skip_update_fn=optim.skip_not_finite)
    state = opt.init(PARAMS)
    bad = {"w": np.array([np.nan, 1.0]), "b": np.array([1.0])}
    updates, skipped = opt.update(bad, state, PARAMS)
    assert int(skipped.skip_state["num_not_finite"]) == 1
    assert int(skipped.mini_step) == 0
    np.testing.assert_array_equal(skipped.acc_grads["w"], [0.0, 0.0])
    _, state = opt.update(GRADS, skipped, PARAMS)
    updates, state = opt.update(GRADS, state, PARAMS)
    np.testing.assert_allclose(updates["w"], -GRADS["w"], rtol=1e-15)

    large = functools.partial(optim.skip_large_updates, max_squared_norm=1.0)
    opt = optim.MultiSteps(optim.sgd(1.0), 1, should_skip_update_fn=large)
    updates, state = opt.update(fgtree.map(lambda g: 10 * g, GRADS), opt.init(PARAMS), PARAMS)
    assert bool(state.skip_state["should_skip"])
    np.testing.assert_array_equal(updates["w"], [0.0, 0.0])


def test_multi_steps_is_a_gradient_transformation() -> None:
    wrapper = optim.MultiSteps(optim.adam(0.1), 2)
    opt = wrapper.gradient_transformation()
    assert isinstance(opt, optim.GradientTransformation)
    assert wrapper.inner_opt is wrapper.opt
    assert fgtree.leaves(wrapper) == []  # configuration only
    chained = optim.chain(optim.clip_by_global_norm(1.0), wrapper)
    _, state = chained.update(GRADS, chained.init(PARAMS), PARAMS)
    assert isinstance(state.inner_states[1], optim.MultiStepsState)


def test_inject_hyperparams_stores_arrays_that_can_be_replaced() -> None:
    opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1, momentum=0.9)
    state = opt.init(PARAMS)
    assert set(state.hyperparams) == {"learning_rate", "momentum"}  # nesterov is a bool
    assert all(np.asarray(v).shape == () for v in state.hyperparams.values())
    assert state.hyperparams["learning_rate"].dtype == np.float64
    u1, state = opt.update(GRADS, state, PARAMS)
    state = attrs.evolve(state, hyperparams={**state.hyperparams, "learning_rate": 0.5})
    u2, state = opt.update(GRADS, state, PARAMS)
    # reference: momentum 0.9, learning rate 0.1 then 0.5
    m1 = GRADS["w"]
    m2 = GRADS["w"] + 0.9 * m1
    np.testing.assert_allclose(u1["w"], -0.1 * m1, rtol=1e-15)
    np.testing.assert_allclose(u2["w"], -0.5 * m2, rtol=1e-15)
    assert float(state.hyperparams["learning_rate"]) == 0.5
    assert int(state.count) == 2


def test_inject_hyperparams_evaluates_schedules_at_the_count() -> None:
    seen = []

    def schedule(count):
        seen.append(int(count))
        return 0.1 * (count + 1)

    opt = optim.inject_hyperparams(optim.sgd)(learning_rate=schedule)
    state = opt.init(PARAMS)
    for step in range(3):
        updates, state = opt.update(GRADS, state, PARAMS)
        np.testing.assert_allclose(updates["b"], -0.1 * (step + 1) * GRADS["b"], rtol=1e-12)
        assert float(state.hyperparams["learning_rate"]) == pytest.approx(0.1 * (step + 1))
    assert seen == [0, 0, 1, 2]  # init, then one evaluation per update
    # a scheduled hyperparameter is recomputed: replacing it has no effect
    state = attrs.evolve(state, hyperparams={"learning_rate": np.asarray(100.0)})
    updates, _ = opt.update(GRADS, state, PARAMS)
    np.testing.assert_allclose(updates["b"], -0.4 * GRADS["b"], rtol=1e-12)


def test_inject_hyperparams_dtypes() -> None:
    params32 = fgtree.map(lambda x: x.astype(np.float32), PARAMS)
    opt = optim.inject_hyperparams(optim.adam)(learning_rate=0.1)
    state = opt.init(params32)
    assert {np.asarray(v).dtype for v in state.hyperparams.values()} == {np.dtype(np.float32)}
    forced = optim.inject_hyperparams(optim.adam, hyperparam_dtype=np.float64)(0.1)
    assert forced.init(params32).hyperparams["b1"].dtype == np.float64
    every = optim.inject_hyperparams(optim.apply_every)(k=2)
    assert every.init(PARAMS).hyperparams["k"].dtype == np.int32
    static = optim.inject_hyperparams(optim.scale_by_schedule, static_args="step_size_fn")
    opt = static(lambda count: 2.0)
    assert opt.init(PARAMS).hyperparams == {}


def test_multi_transform_state_and_labels_function() -> None:
    transforms = {"fast": optim.sgd(1.0), "slow": optim.adam(0.01), "frozen": optim.set_to_zero()}
    opt = optim.multi_transform(transforms, lambda p: {"w": "fast", "b": "frozen"})
    state = opt.init(PARAMS)
    assert isinstance(state, optim.MultiTransformState)
    assert set(state.inner_states) == {"fast", "slow", "frozen"}
    updates, state = opt.update(GRADS, state, PARAMS)
    np.testing.assert_array_equal(updates["w"], -GRADS["w"])
    np.testing.assert_array_equal(updates["b"], [0.0])


def test_apply_every_counts_modulo_k() -> None:
    opt = optim.apply_every(3)
    state = opt.init(PARAMS)
    outs = []
    for _ in range(7):
        updates, state = opt.update(GRADS, state)
        outs.append(float(updates["b"][0]))
    assert outs == [0.0, 0.0, -3.0, 0.0, 0.0, -3.0, 0.0]
    assert int(state.count) == 1 and state.count.dtype == np.int32


def test_noisy_sgd_is_deterministic_in_its_key_and_threads_it() -> None:
    def run(key):
        opt = optim.noisy_sgd(0.1, key=key)
        state = opt.init(PARAMS)
        out = []
        for _ in range(3):
            updates, state = opt.update(GRADS, state, PARAMS)
            out.append(updates["w"])
        return out, state

    a, state_a = run(random.key(1))
    b, state_b = run(random.key(1))
    c, _ = run(random.key(2))
    assert state_a == state_b
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a[0], c[0])
    assert not np.allclose(a[0], a[1])  # the key advances every step
    assert state_a.inner_states[0].rng_key.dtype == np.uint32


def test_add_decayed_weights_with_a_schedule_counts_steps() -> None:
    opt = optim.add_decayed_weights(lambda count: 0.1 * (count + 1))
    state = opt.init(PARAMS)
    assert isinstance(state, optim.AddDecayedWeightsState)
    zeros = fgtree.map(np.zeros_like, GRADS)
    for step in range(2):
        updates, state = opt.update(zeros, state, PARAMS)
        np.testing.assert_allclose(updates["w"], 0.1 * (step + 1) * PARAMS["w"], rtol=1e-15)
