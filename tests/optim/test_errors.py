"""Every deliberate error of funcgrad.optim is a FuncgradError that says what differs.

Structure mismatches are reported in the optimizer's words: the keys or positions that
differ between the *gradients* (got) and the *optimizer state* or *params* (expected),
never tree.map's generic message.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import funcgrad.optim as optim
from funcgrad import random
from funcgrad.core.errors import FuncgradError, FuncgradTypeError, FuncgradValueError

PARAMS = {"dense": {"w": np.ones((3, 2)), "b": np.ones(2)}, "scale": np.array(1.0)}
GENERIC = "tree.map"

# Every stateful optimizer: its update compares the gradients with its state.
STATEFUL: dict[str, Callable[[], optim.GradientTransformation]] = {
    "sgd_momentum": lambda: optim.sgd(0.1, momentum=0.9),
    "adagrad": lambda: optim.adagrad(0.1),
    "rmsprop": lambda: optim.rmsprop(0.1),
    "adam": lambda: optim.adam(0.1),
    "adamw": lambda: optim.adamw(0.1),
    "nadam": lambda: optim.nadam(0.1),
    "adamax": lambda: optim.adamax(0.1),
    "lamb": lambda: optim.lamb(0.1),
    "lion": lambda: optim.lion(0.1),
    "adafactor": lambda: optim.adafactor(0.1),
    "ema": lambda: optim.ema(0.9),
    "apply_every": lambda: optim.apply_every(2),
    "multi_steps": lambda: optim.MultiSteps(optim.sgd(0.1), 2),
    "inject": lambda: optim.inject_hyperparams(optim.adam)(learning_rate=0.1),
    "masked": lambda: optim.masked(optim.adam(0.1), {"dense": True, "scale": True}),
}


def dense(**leaves) -> dict:
    return {"dense": leaves, "scale": np.array(1.0)}


@pytest.mark.parametrize("name", list(STATEFUL))
def test_missing_key_in_the_gradients_is_named(name: str) -> None:
    opt = STATEFUL[name]()
    grads = dense(w=np.ones((3, 2)))
    with pytest.raises(FuncgradValueError) as info:
        opt.update(grads, opt.init(PARAMS), PARAMS)
    message = str(info.value)
    assert "the gradients do not match the optimizer state" in message
    assert "['dense']['b']: missing from the gradients" in message
    assert re.search(r"expected \(optimizer state\): .*'b'", message)
    assert re.search(r"got \(gradients\): ", message)
    assert GENERIC not in message


@pytest.mark.parametrize("name", list(STATEFUL))
def test_unexpected_key_and_wrong_shape_are_named(name: str) -> None:
    opt = STATEFUL[name]()
    state = opt.init(PARAMS)
    with pytest.raises(FuncgradValueError, match=r"\['dense'\]\['bias'\]: in the gradients but"):
        opt.update(dense(w=np.ones((3, 2)), bias=np.ones(2)), state, PARAMS)
    if name != "adafactor":  # adafactor's state is shaped by its factors, not the params
        with pytest.raises(
            FuncgradValueError,
            match=r"\['dense'\]\['w'\]: shape \(2, 2\) in the gradients, \(3, 2\) in the",
        ):
            opt.update(dense(w=np.ones((2, 2)), b=np.ones(2)), state, PARAMS)


def test_container_and_position_differences_are_named() -> None:
    opt = optim.adam(0.1)
    params = [np.ones(2), (np.ones(3), np.ones(1))]
    state = opt.init(params)
    with pytest.raises(FuncgradValueError) as info:
        opt.update([np.ones(2), [np.ones(3), np.ones(1)]], state, params)
    assert "[1]: a list in the gradients, a tuple in the optimizer state" in str(info.value)
    with pytest.raises(FuncgradValueError) as info:
        opt.update([np.ones(2), (np.ones(3),)], state, params)
    assert "[1]: 1 entries in the gradients, 2 in the optimizer state" in str(info.value)
    with pytest.raises(FuncgradValueError) as info:
        opt.update({"a": np.ones(2)}, state, params)
    assert "the top level: a dict in the gradients, a list in the optimizer state" in str(
        info.value
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.add_decayed_weights(0.1),
        lambda: optim.scale_by_trust_ratio(),
        lambda: optim.scale_by_param_block_rms(),
        lambda: optim.sgd(0.1),  # stateless: only apply_updates sees the params
    ],
    ids=["add_decayed_weights", "scale_by_trust_ratio", "scale_by_param_block_rms", "sgd"],
)
def test_params_that_do_not_match_the_gradients_are_named(make) -> None:
    opt = make()
    grads = dense(w=np.ones((3, 2)), b=np.ones(2))
    bad_params = dense(w=np.ones((3, 2)), bias=np.ones(2))
    with pytest.raises(FuncgradValueError) as info:
        updates, _ = opt.update(grads, opt.init(PARAMS), bad_params)
        optim.apply_updates(bad_params, updates)
    message = str(info.value)
    assert "['dense']['b']" in message and "['dense']['bias']" in message
    assert "params" in message and GENERIC not in message


def test_apply_updates_names_what_differs() -> None:
    with pytest.raises(FuncgradValueError) as info:
        optim.apply_updates(PARAMS, dense(w=np.ones((3, 2))))
    message = str(info.value)
    assert message.startswith("apply_updates: the updates do not match the params")
    assert "['dense']['b']: missing from the updates" in message
    assert "expected (params)" in message and "got (updates)" in message
    with pytest.raises(FuncgradValueError, match=r"shape \(3,\) in the updates, \(2,\) in the"):
        optim.apply_updates(PARAMS, dense(w=np.ones((3, 2)), b=np.ones(3)))


def test_missing_params_are_asked_for() -> None:
    for opt in (optim.adamw(0.1), optim.lamb(0.1), optim.adafactor(0.1), optim.lion(0.1)):
        with pytest.raises(FuncgradValueError, match=r"needs the parameters: call `opt.update"):
            opt.update(PARAMS, opt.init(PARAMS))


def test_masked_and_multi_transform_name_mask_and_label_mismatches() -> None:
    opt = optim.masked(optim.scale(2.0), {"dense": {"w": True}, "scale": False})
    with pytest.raises(FuncgradValueError) as info:
        opt.init(PARAMS)
    assert "masked: the mask does not match the params" in str(info.value)
    assert "['dense']['b']: missing from the mask" in str(info.value)
    with pytest.raises(FuncgradTypeError, match="must be a Python or numpy bool"):
        optim.masked(optim.scale(2.0), {"dense": 1, "scale": True}).init(PARAMS)

    labels = {"dense": "a", "other": "b"}
    with pytest.raises(FuncgradValueError, match="multi_transform: the labels do not match"):
        optim.multi_transform({"a": optim.sgd(1.0), "b": optim.sgd(1.0)}, labels).init(PARAMS)
    labels = {"dense": "a", "scale": "c"}
    with pytest.raises(FuncgradValueError, match=r"the labels 'c' have no transformation"):
        optim.multi_transform({"a": optim.sgd(1.0)}, labels).init(PARAMS)


def test_other_argument_errors() -> None:
    with pytest.raises(FuncgradTypeError, match="chain of 2 transformations got state"):
        opt = optim.chain(optim.scale(2.0), optim.scale(3.0))
        opt.update(np.ones(2), optim.chain(optim.scale(1.0)).init(np.ones(2)))
    with pytest.raises(FuncgradTypeError, match="needs a random key"):
        optim.noisy_sgd(0.1)
    with pytest.raises(FuncgradTypeError, match="uint32 array of shape"):
        optim.add_noise(0.1, 0.5, key=np.zeros(3))
    with pytest.raises(FuncgradValueError, match="`mode` must be one of"):
        optim.scale_by_lion(mode="soft")
    with pytest.raises(FuncgradValueError, match="`static_args`"):
        optim.inject_hyperparams(optim.adam, static_args="momentum")
    with pytest.raises(FuncgradValueError, match="one boundary fewer than schedules"):
        optim.join_schedules([optim.constant_schedule(1.0)], [3])
    with pytest.raises(FuncgradValueError, match="to exceed `warmup_steps`"):
        optim.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=10)
    with pytest.raises(FuncgradTypeError, match="should_skip_update_fn"):
        opt = optim.MultiSteps(optim.sgd(0.1), 2, should_skip_update_fn=lambda u, s, p: (1, ()))
        opt.update(np.ones(2), opt.init(np.ones(2)))
    key = random.key(0)
    assert optim.noisy_sgd(0.1, key=key).init(np.ones(2)).inner_states[0].rng_key is not key


def test_every_raise_in_optim_raises_a_funcgrad_error() -> None:
    # A static check: each `raise X(...)` in funcgrad/optim names a FuncgradError class
    # (or a helper returning one).
    import funcgrad.core.errors as errors

    allowed = {n for n in dir(errors) if isinstance(getattr(errors, n), type)}
    allowed = {n for n in allowed if issubclass(getattr(errors, n), FuncgradError)}
    allowed |= {"mismatch_error"}
    package = Path(optim.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                call = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = getattr(call, "id", getattr(call, "attr", None))
                if name not in allowed:
                    offenders.append(f"{path.name}:{node.lineno}: raise {name}")
    assert not offenders, offenders
