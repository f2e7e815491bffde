"""A bad shard (NaN/Inf, wrong structure, shape or dtype) raises a ShardError naming the
shard, its rows and the leaf; bad arguments fail before anything is sent."""

import pytest

pytest.importorskip(
    "distributed",
    reason="funcgrad.distributed needs the extra: pip install 'funcgrad[distributed]'",
)

import numpy as np

import funcgrad as fg
from funcgrad.core.errors import FuncgradError, FuncgradTypeError, FuncgradValueError
from funcgrad.distributed import ShardError, data_parallel

from .conftest import STEP_TIMEOUT, make_problem, mlp_loss

SENTINEL = 99.0  # x[6, 0]: the first row of shard 1 of 2 in a batch of 12


def corrupted(how):
    """``value_and_grad(mlp_loss)``, broken in one way on the shard holding the sentinel."""
    base = fg.value_and_grad(mlp_loss)

    def fun(params, x, y):
        value, grads = base(params, x, y)
        if x[0, 0] != SENTINEL:
            return value, grads
        grads = dict(grads)
        if how == "nan":
            grads["w1"] = grads["w1"].copy()
            grads["w1"][1, 2] = np.nan
        elif how == "inf_value":
            value = np.array(np.inf)
        elif how == "shape":
            grads["w1"] = grads["w1"][:-1]
        elif how == "dtype":
            grads["b1"] = grads["b1"].astype(np.float32)
        elif how == "structure":
            del grads["b2"]
        elif how == "vector_value":
            value = np.stack([value, value])
        return value, grads

    return fun


def sentinel_problem():
    params, x, y = make_problem(batch=12)
    x = x.copy()
    x[6, 0] = SENTINEL
    return params, x, y


@pytest.mark.parametrize(
    ("how", "part", "path", "words"),
    [
        ("nan", "grads", "['w1']", ["1 NaN", "index (1, 2)"]),
        ("inf_value", "value", "", ["inf", "finite"]),
        ("shape", "grads", "['w1']", ["shape (2, 8)", "expected shape (3, 8)"]),
        ("dtype", "grads", "['b1']", ["float32", "expected float64"]),
        ("structure", "grads", "", ["structure", "expected the structure of params"]),
        ("vector_value", "value", "", ["float64[2]", "scalar"]),
    ],
)
def test_a_bad_shard_names_the_shard_the_leaf_and_what_was_expected(client, how, part, path,
                                                                     words):  # fmt: skip
    params, x, y = sentinel_problem()
    step = data_parallel(corrupted(how), client, shards=2, retries=0, timeout=STEP_TIMEOUT)
    with pytest.raises(ShardError) as info:
        step(params, x, y)
    err = info.value
    assert isinstance(err, FuncgradError) and isinstance(err, ValueError)
    assert (err.shard, err.part, err.path) == (1, part, path)
    message = str(err)
    assert "shard 1 of 2 (batch rows 6:12)" in message
    assert path in message
    for word in words:
        assert word in message, (word, message)


def test_the_finite_check_can_be_turned_off(client):
    params, x, y = sentinel_problem()
    step = data_parallel(corrupted("nan"), client, shards=2, check_finite=False,
                         timeout=STEP_TIMEOUT)  # fmt: skip
    _, grads = step(params, x, y)
    assert np.isnan(grads["w1"][1, 2]) and np.isfinite(grads["w2"]).all()


def test_forgetting_has_aux_is_explained(client):
    params, x, y = make_problem(batch=6)
    fun = fg.value_and_grad(lambda p, x, y: (mlp_loss(p, x, y), {"n": x.shape[0]}), has_aux=True)
    with pytest.raises(ShardError, match="pass has_aux=True"):
        data_parallel(fun, client, shards=2, timeout=STEP_TIMEOUT)(params, x, y)


def test_aux_that_cannot_be_averaged_says_which_leaf(client):
    params, x, y = make_problem(batch=7)

    def fun(params, x, y):
        value, grads = fg.value_and_grad(mlp_loss)(params, x, y)
        return (value, {"pred": x[:, :1]}), grads  # per-example: shards of 4 and 3 rows

    step = data_parallel(fun, client, shards=2, has_aux=True, timeout=STEP_TIMEOUT)
    with pytest.raises(ShardError, match=r"shard 1 of 2 .* aux\['pred'\] of float64\[3, 1\]"):
        step(params, x, y)


def test_an_exception_on_a_worker_keeps_its_type_and_names_the_shard(client):
    params, x, y = make_problem(batch=6)

    def fun(params, x, y):
        if x.shape[0] == 2:
            raise ArithmeticError("this shard is cursed")
        return fg.value_and_grad(mlp_loss)(params, x, y)

    step = data_parallel(fun, client, shards=3, retries=0, timeout=STEP_TIMEOUT)
    with pytest.raises(ArithmeticError, match="cursed") as info:
        step(params, x, y)
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert "data_parallel" in notes and "of 3 (batch rows" in notes


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"shards": 0}, FuncgradValueError, "`shards` must be >= 1"),
        ({"shards": 2.0}, FuncgradTypeError, "`shards` must be an int"),
        ({"shards": 2, "reduction": "max"}, FuncgradValueError, "`reduction` must be one of"),
        ({"shards": 2, "aux_reduction": "stack"}, FuncgradValueError, "`aux_reduction`"),
        ({"shards": 2, "retries": -1}, FuncgradValueError, "`retries` must be >= 0"),
        ({"shards": 2, "timeout": 0}, FuncgradValueError, "`timeout` must be a positive"),
    ],
)
def test_bad_arguments_fail_at_once(client, kwargs, error, words):
    with pytest.raises(error, match=words):
        data_parallel(fg.value_and_grad(mlp_loss), client, **kwargs)


def test_bad_batches_fail_before_anything_is_sent(client):
    params, x, y = make_problem(batch=6)
    step = data_parallel(fg.value_and_grad(mlp_loss), client, shards=4, timeout=STEP_TIMEOUT)
    with pytest.raises(FuncgradValueError, match=r"batch\[0\]: 6, batch\[1\]: 5"):
        step(params, x, y[:5])
    with pytest.raises(FuncgradValueError, match="3 examples cannot be split into 4 shards"):
        step(params, x[:3], y[:3])
    with pytest.raises(FuncgradValueError, match=r"batch\[1\] is a scalar"):
        step(params, x, 1.0)
    with pytest.raises(FuncgradTypeError, match="at least one batch argument"):
        step(params)


def test_not_a_client_and_tracers_are_refused(client):
    with pytest.raises(FuncgradTypeError, match=r"must be a distributed\.Client"):
        data_parallel(fg.value_and_grad(mlp_loss), "tcp://127.0.0.1:8786", shards=2)
    params, x, y = make_problem(batch=4)
    step = data_parallel(fg.value_and_grad(mlp_loss), client, shards=2, timeout=STEP_TIMEOUT)
    with pytest.raises(FuncgradTypeError, match=r"params\['w1'\] is a funcgrad tracer"):
        fg.grad(lambda w1: step({**params, "w1": w1}, x, y)[0])(params["w1"])
