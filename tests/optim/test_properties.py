"""Properties every optimizer has: purity, dtype preservation, states as saveable pytrees."""

from __future__ import annotations

import io
from collections.abc import Callable

import attrs
import numpy as np
import pytest

import funcgrad.optim as optim
from funcgrad import random, tree as fgtree

OPTIMIZERS: dict[str, Callable[[], optim.GradientTransformation]] = {
    "sgd": lambda: optim.sgd(0.1),
    "sgd_momentum": lambda: optim.sgd(0.1, momentum=0.9),
    "sgd_nesterov": lambda: optim.sgd(0.1, momentum=0.9, nesterov=True),
    "sgd_schedule": lambda: optim.sgd(optim.exponential_decay(0.1, 5, 0.5)),
    "adagrad": lambda: optim.adagrad(0.1),
    "rmsprop": lambda: optim.rmsprop(0.01),
    "rmsprop_momentum": lambda: optim.rmsprop(0.01, momentum=0.9),
    "adam": lambda: optim.adam(1e-2),
    "adam_cosine": lambda: optim.adam(optim.cosine_decay_schedule(1e-2, 10)),
    "adamw": lambda: optim.adamw(1e-2, weight_decay=0.1),
    "clip_chain": lambda: optim.chain(
        optim.clip(0.5),
        optim.clip_by_global_norm(1.0),
        optim.adam(optim.piecewise_constant_schedule(1e-2, {2: 0.1})),
    ),
    "linear_sgd": lambda: optim.sgd(optim.linear_schedule(0.1, 0.0, 10), momentum=0.5),
    "nadam": lambda: optim.nadam(1e-2, eps_root=1e-10),
    "adam_mu_dtype": lambda: optim.adam(1e-2, mu_dtype=np.float32),
    "adamax": lambda: optim.adamax(1e-2),
    "lamb": lambda: optim.lamb(1e-2, weight_decay=0.1),
    "lion": lambda: optim.lion(1e-3),
    "adafactor": lambda: optim.adafactor(1e-2, min_dim_size_to_factor=2, momentum=0.9),
    "noisy_sgd": lambda: optim.noisy_sgd(0.1, key=random.key(0)),
    "apply_every": lambda: optim.chain(optim.apply_every(2), optim.adam(1e-2)),
    "multi_steps": lambda: optim.MultiSteps(optim.adamw(1e-2), 3).gradient_transformation(),
    "masked": lambda: optim.masked(optim.adam(1e-2), {"w": True, "b": [False, True]}),
    "multi_transform": lambda: optim.multi_transform(
        {"a": optim.adam(1e-2), "s": optim.sgd(0.1, momentum=0.9)}, {"w": "a", "b": "s"}
    ),
    "inject": lambda: optim.inject_hyperparams(optim.adamw)(
        learning_rate=optim.warmup_exponential_decay_schedule(0.0, 0.1, 2, 3, 0.5),
        weight_decay=1e-2,
    ),
    "warmup_cosine": lambda: optim.adam(optim.warmup_cosine_decay_schedule(0.0, 0.1, 2, 10)),
}
IDS = list(OPTIMIZERS)


def make_params(dtype: type = np.float64) -> dict:
    rng = np.random.default_rng(3)
    return {
        "w": rng.normal(size=(3, 2)).astype(dtype),
        "b": [rng.normal(size=2).astype(dtype), np.asarray(0.5, dtype)],
    }


def grads_for(params: dict, step: int) -> dict:
    rng = np.random.default_rng(100 + step)
    return fgtree.map(lambda p: (p + rng.normal(size=p.shape)).astype(p.dtype), params)


def run(opt: optim.GradientTransformation, params, state, steps: int, start: int = 0):
    for step in range(start, start + steps):
        updates, state = opt.update(grads_for(params, step), state, params)
        params = optim.apply_updates(params, updates)
    return params, state


def read_only(tree):
    def freeze(x):
        x = np.array(x)
        x.flags.writeable = False
        return x

    return fgtree.map(freeze, tree)


def copies(tree):
    return [np.array(x, copy=True) for x in fgtree.leaves(tree)]


def assert_trees_equal(a, b) -> None:
    assert fgtree.structure(a) == fgtree.structure(b)
    for x, y in zip(fgtree.leaves(a), fgtree.leaves(b), strict=True):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", IDS)
def test_update_never_mutates_its_inputs(name: str) -> None:
    opt = OPTIMIZERS[name]()
    params = make_params()
    _, state = run(opt, params, opt.init(params), steps=2)  # a non-trivial state
    grads = read_only(grads_for(params, 7))
    params = read_only(params)
    state = read_only(state)
    before = [copies(grads), copies(state), copies(params)]

    updates, _ = opt.update(grads, state, params)
    new_params = optim.apply_updates(params, updates)
    _ = opt.update(grads, state, params)  # and again from the very same state

    after = [copies(grads), copies(state), copies(params)]
    for xs, ys in zip(before, after, strict=True):
        for x, y in zip(xs, ys, strict=True):
            np.testing.assert_array_equal(x, y)
    for new, old in zip(fgtree.leaves(new_params), fgtree.leaves(params), strict=True):
        assert new is not old


@pytest.mark.parametrize("name", IDS)
def test_update_is_deterministic_in_its_inputs(name: str) -> None:
    opt = OPTIMIZERS[name]()
    params = make_params()
    state = opt.init(params)
    first = opt.update(grads_for(params, 0), state, params)
    second = opt.update(grads_for(params, 0), state, params)
    assert_trees_equal(first, second)


@pytest.mark.parametrize("name", IDS)
def test_float32_params_give_float32_updates_and_states(name: str) -> None:
    opt = OPTIMIZERS[name]()
    params = make_params(np.float32)
    state = opt.init(params)
    for step in range(3):
        updates, state = opt.update(grads_for(params, step), state, params)
        for u in fgtree.leaves(updates):
            assert np.asarray(u).dtype == np.float32
        params = optim.apply_updates(params, updates)
        for p in fgtree.leaves(params):
            assert np.asarray(p).dtype == np.float32
    for leaf in fgtree.leaves(state):  # uint32: a funcgrad.random key
        assert np.asarray(leaf).dtype in (np.float32, np.int32, np.uint32), type(state)


@pytest.mark.parametrize("name", IDS)
def test_state_round_trips_through_flatten_and_unflatten(name: str) -> None:
    opt = OPTIMIZERS[name]()
    params = make_params()
    _, state = run(opt, params, opt.init(params), steps=3)
    leaves, treedef = fgtree.flatten(state)
    rebuilt = fgtree.unflatten(treedef, leaves)
    assert type(rebuilt) is type(state)
    assert_trees_equal(rebuilt, state)
    assert fgtree.structure(opt.init(params)) == treedef  # the structure never changes


@pytest.mark.parametrize("name", IDS)
def test_state_saved_with_savez_resumes_the_same_trajectory(name: str) -> None:
    opt = OPTIMIZERS[name]()
    params = make_params()
    params, state = run(opt, params, opt.init(params), steps=4)
    straight_params, straight_state = run(opt, params, state, steps=4, start=4)

    leaves, treedef = fgtree.flatten(state)
    buffer = io.BytesIO()
    np.savez(buffer, *leaves)
    buffer.seek(0)
    with np.load(buffer) as saved:
        loaded = fgtree.unflatten(treedef, [saved[f"arr_{i}"] for i in range(len(leaves))])
    assert_trees_equal(loaded, state)
    resumed_params, resumed_state = run(opt, params, loaded, steps=4, start=4)
    assert_trees_equal(resumed_params, straight_params)
    assert_trees_equal(resumed_state, straight_state)


@pytest.mark.parametrize("name", IDS)
def test_states_compare_by_value(name: str) -> None:
    opt = OPTIMIZERS[name]()
    params = make_params()
    _, state = run(opt, params, opt.init(params), steps=2)
    _, same = run(opt, params, opt.init(params), steps=2)
    _, later = run(opt, params, opt.init(params), steps=3)
    assert state == same
    if fgtree.leaves(state):  # a stateless optimizer has nothing to tell the steps apart
        assert state != later
    assert opt.init(params) == opt.init(make_params())
    float_leaves = [x for x in fgtree.leaves(state) if np.asarray(x).dtype.kind == "f"]
    if float_leaves:  # the same values in another dtype are another state
        assert opt.init(params) != opt.init(make_params(np.float32))


def nested_states(state) -> list:
    """``state`` and every attrs instance inside it (through dicts, lists and tuples)."""
    found, todo = [], [state]
    while todo:
        node = todo.pop()
        if attrs.has(type(node)):
            found.append(node)
            todo.extend(getattr(node, f.name) for f in attrs.fields(type(node)))
        elif isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple):
            todo.extend(node)
    return found


@pytest.mark.parametrize("name", IDS)
def test_states_are_frozen_attrs_classes(name: str) -> None:
    opt = OPTIMIZERS[name]()
    state = opt.init(make_params())
    for inner in nested_states(state):
        fields = attrs.fields(type(inner))
        if fields:
            with pytest.raises(attrs.exceptions.FrozenInstanceError):
                setattr(inner, fields[0].name, None)
    assert nested_states(state)[0] is state  # the state itself is an attrs class


def test_float64_hyperparameter_arrays_do_not_upcast_float32() -> None:
    # A learning rate or decay given as a float64 array (as under vmap) is cast per leaf.
    opt = optim.chain(
        optim.trace(np.float64(0.9)),
        optim.scale_by_adam(b1=np.array(0.9), b2=np.array(0.999)),
        optim.add_decayed_weights(np.array(1e-4)),
        optim.clip(np.array(1.0)),
        optim.scale(np.array(-1e-3)),
    )
    params = make_params(np.float32)
    updates, state = opt.update(grads_for(params, 0), opt.init(params), params)
    for leaf in fgtree.leaves((updates, state)):
        assert np.asarray(leaf).dtype in (np.float32, np.int32)
