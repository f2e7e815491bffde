"""The building blocks: chain order, clipping bounds, global_norm, weight decay, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad.optim as optim
from funcgrad import tree as fgtree

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
leaf = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), elements=finite
)
trees = st.fixed_dictionaries({"a": leaf, "b": st.lists(leaf, min_size=0, max_size=2)})


def run_once(opt: optim.GradientTransformation, updates, params=None):
    params = fgtree.map(np.zeros_like, updates) if params is None else params
    return opt.update(updates, opt.init(params), params)[0]


def test_chain_order_matters() -> None:
    g = np.array([5.0, -0.5, 0.05])
    clip_then_scale = run_once(optim.chain(optim.clip(1.0), optim.scale(0.1)), g)
    scale_then_clip = run_once(optim.chain(optim.scale(0.1), optim.clip(1.0)), g)
    np.testing.assert_allclose(clip_then_scale, [0.1, -0.05, 0.005])
    np.testing.assert_allclose(scale_then_clip, [0.5, -0.05, 0.005])


def test_chain_order_matters_for_weight_decay() -> None:
    # Decay before the learning rate is scaled by it; after, it is not.
    g, p = np.array([1.0]), np.array([10.0])
    decay_then_lr = optim.chain(optim.add_decayed_weights(0.5), optim.scale(-0.1))
    lr_then_decay = optim.chain(optim.scale(-0.1), optim.add_decayed_weights(0.5))
    np.testing.assert_allclose(run_once(decay_then_lr, g, p), [-0.6])
    np.testing.assert_allclose(run_once(lr_then_decay, g, p), [4.9])


def test_chain_state_holds_inner_states_in_order() -> None:
    opt = optim.chain(optim.scale_by_adam(), optim.identity(), optim.trace(0.9))
    state = opt.init({"w": np.zeros(2)})
    assert isinstance(state, optim.ChainState)
    kinds = [type(s) for s in state.inner_states]
    assert kinds == [optim.ScaleByAdamState, optim.EmptyState, optim.TraceState]
    _, new_state = opt.update({"w": np.ones(2)}, state)
    assert [type(s) for s in new_state.inner_states] == kinds


def test_chain_of_nothing_is_identity() -> None:
    g = {"w": np.arange(3.0)}
    assert run_once(optim.chain(), g) is g


def test_chain_rejects_a_foreign_state() -> None:
    opt = optim.chain(optim.scale(2.0), optim.scale(3.0))
    with pytest.raises(TypeError, match="state"):
        opt.update(np.ones(2), optim.chain(optim.scale(1.0)).init(np.ones(2)))


@given(tree=trees, max_norm=st.floats(1e-3, 1e3))
def test_clip_by_global_norm_bounds_the_norm_and_keeps_direction(tree, max_norm) -> None:
    clipped = run_once(optim.clip_by_global_norm(max_norm), tree)
    norm = float(optim.global_norm(tree))
    assert float(optim.global_norm(clipped)) <= max_norm * (1 + 1e-12)
    factor = 1.0 if norm < max_norm else max_norm / norm
    for got, g in zip(fgtree.leaves(clipped), fgtree.leaves(tree), strict=True):
        np.testing.assert_allclose(got, factor * g, rtol=1e-12, atol=1e-300)


def test_clip_by_global_norm_leaves_small_updates_untouched() -> None:
    g = {"a": np.array([0.3, 0.4]), "b": np.array(0.0)}
    clipped = run_once(optim.clip_by_global_norm(1.0), g)
    for got, want in zip(fgtree.leaves(clipped), fgtree.leaves(g), strict=True):
        np.testing.assert_array_equal(got, want)


def test_clip_by_global_norm_of_zero_updates() -> None:
    clipped = run_once(optim.clip_by_global_norm(1.0), {"a": np.zeros(3)})
    np.testing.assert_array_equal(clipped["a"], np.zeros(3))


def test_global_norm() -> None:
    tree = {"a": np.array([3.0]), "b": [np.array([[4.0, 12.0]])]}
    assert float(optim.global_norm(tree)) == 13.0
    assert float(optim.global_norm({})) == 0.0


@given(tree=trees, max_delta=st.floats(1e-3, 1e3))
def test_clip_bounds_every_element(tree, max_delta) -> None:
    clipped = run_once(optim.clip(max_delta), tree)
    for got, g in zip(fgtree.leaves(clipped), fgtree.leaves(tree), strict=True):
        np.testing.assert_array_equal(got, np.clip(g, -max_delta, max_delta))


def test_add_decayed_weights() -> None:
    g, p = {"w": np.array([1.0, 2.0])}, {"w": np.array([10.0, -10.0])}
    out = run_once(optim.add_decayed_weights(0.1), g, p)
    np.testing.assert_allclose(out["w"], [2.0, 1.0])


def test_add_decayed_weights_requires_params() -> None:
    opt = optim.adamw(1e-3)
    params = np.ones(2)
    with pytest.raises(ValueError, match="params"):
        opt.update(np.ones(2), opt.init(params))


def test_scale_by_learning_rate_negates_and_can_be_skipped() -> None:
    g = np.array([1.0, -2.0])
    np.testing.assert_array_equal(run_once(optim.scale_by_learning_rate(0.5), g), [-0.5, 1.0])
    np.testing.assert_array_equal(
        run_once(optim.scale_by_learning_rate(0.5, flip_sign=False), g), [0.5, -1.0]
    )
    assert run_once(optim.scale_by_learning_rate(None), g) is g


def test_scale_by_schedule_counts_steps() -> None:
    opt = optim.scale_by_schedule(lambda count: count * 1.0)
    state = opt.init(np.zeros(1))
    assert state.count.dtype == np.int32 and int(state.count) == 0
    outs = []
    for _ in range(3):
        out, state = opt.update(np.ones(1), state)
        outs.append(float(out[0]))
    assert outs == [0.0, 1.0, 2.0]
    assert int(state.count) == 3


def test_adagrad_with_zero_accumulator_and_zero_gradient_is_quiet() -> None:
    # s == 0 only when every gradient so far was 0; the update is then 0 (no 0/0).
    opt = optim.scale_by_adagrad(initial_accumulator_value=0.0, eps=0.0)
    out, state = opt.update(np.array([0.0, 2.0]), opt.init(np.zeros(2)))
    np.testing.assert_array_equal(out, [0.0, 1.0])
    np.testing.assert_array_equal(state.sum_of_squares, [0.0, 4.0])


def test_rms_initial_scale() -> None:
    opt = optim.scale_by_rms(decay=0.5, eps=0.0, initial_scale=1.0)
    out, state = opt.update(np.array([1.0]), opt.init(np.zeros(1)))
    np.testing.assert_array_equal(state.nu, [1.0])
    np.testing.assert_array_equal(out, [1.0])


def test_gradient_transformation_is_a_leafless_pytree() -> None:
    opt = optim.adam(1e-3)
    leaves, treedef = fgtree.flatten(opt)
    assert leaves == []
    rebuilt = fgtree.unflatten(treedef, [])
    assert rebuilt.init is opt.init and rebuilt.update is opt.update


def test_trust_ratio_is_one_where_a_norm_is_zero() -> None:
    opt = optim.scale_by_trust_ratio()
    params = {"zero_p": np.zeros(2), "zero_g": np.array([3.0, 4.0]), "both": np.array([3.0, 4.0])}
    grads = {"zero_p": np.array([1.0, 1.0]), "zero_g": np.zeros(2), "both": np.array([0.0, 0.5])}
    out = run_once(opt, grads, params)
    np.testing.assert_array_equal(out["zero_p"], [1.0, 1.0])
    np.testing.assert_array_equal(out["zero_g"], [0.0, 0.0])
    np.testing.assert_allclose(out["both"], [0.0, 5.0], rtol=1e-15)  # ||p|| / ||g|| = 10
    capped = optim.scale_by_trust_ratio(min_norm=1.0, trust_coefficient=0.5, eps=1.0)
    out = run_once(capped, {"w": np.array([0.1])}, {"w": np.array([0.2])})
    np.testing.assert_allclose(out["w"], [0.1 * 0.5 * 1.0 / (1.0 + 1.0)], rtol=1e-15)


def test_block_rms_clipping_and_parameter_scaling() -> None:
    g = {"small": np.array([0.1, -0.1]), "large": np.array([3.0, -4.0, 0.0])}
    out = run_once(optim.clip_by_block_rms(1.0), g)
    np.testing.assert_array_equal(out["small"], g["small"])
    rms = np.sqrt(25.0 / 3)
    np.testing.assert_allclose(out["large"], g["large"] / rms, rtol=1e-15)
    params = {"small": np.zeros(2), "large": np.array([2.0, 2.0, 2.0])}
    out = run_once(optim.scale_by_param_block_rms(), g, params)
    np.testing.assert_allclose(out["small"], 1e-3 * g["small"], rtol=1e-15)
    np.testing.assert_allclose(out["large"], 2.0 * g["large"], rtol=1e-15)


def test_factored_rms_state_shapes() -> None:
    opt = optim.scale_by_factored_rms(min_dim_size_to_factor=3)
    params = {"m": np.zeros((4, 3)), "t": np.zeros((2, 5, 3)), "small": np.zeros((2, 5)), "v": 0.0}
    state = opt.init(params)
    assert isinstance(state, optim.FactoredState)
    # (4, 3): largest axis 0 -> v_row drops it, v_col drops axis 1
    assert state.v_row["m"].shape == (3,) and state.v_col["m"].shape == (4,)
    assert state.v_row["t"].shape == (2, 3) and state.v_col["t"].shape == (2, 5)
    assert state.v["small"].shape == (2, 5) and state.v_row["small"].shape == (1,)
    assert state.v["v"].shape == ()
    rng = np.random.default_rng(0)
    grads = fgtree.map(lambda p: rng.normal(size=np.shape(p)), params)
    updates, new_state = opt.update(grads, state, params)
    assert fgtree.structure(new_state) == fgtree.structure(state)
    for u, g in zip(fgtree.leaves(updates), fgtree.leaves(grads), strict=True):
        assert np.shape(u) == np.shape(g)
    # first step: b_1 = 1 - 1**-0.8 = 0, so the unfactored statistic is g**2 + eps
    np.testing.assert_allclose(new_state.v["small"], grads["small"] ** 2 + 1e-30, rtol=1e-15)


def test_set_to_zero_and_ema() -> None:
    g = {"w": np.array([1.0, -2.0])}
    np.testing.assert_array_equal(run_once(optim.set_to_zero(), g)["w"], [0.0, 0.0])
    opt = optim.ema(0.5)
    state = opt.init(g)
    first, state = opt.update(g, state)
    np.testing.assert_allclose(first["w"], g["w"], rtol=1e-15)  # debiased: exactly g
    np.testing.assert_allclose(state.ema["w"], 0.5 * g["w"], rtol=1e-15)
