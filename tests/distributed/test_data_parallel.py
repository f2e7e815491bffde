"""data_parallel equals the single-process call, for equal and unequal shards, float32
and float64, with aux, with sums, and under a whole optimizer loop."""

import pytest

pytest.importorskip(
    "distributed",
    reason="funcgrad.distributed needs the extra: pip install 'funcgrad[distributed]'",
)

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.distributed import data_parallel

from .conftest import STEP_TIMEOUT, make_problem, mlp_loss


def assert_trees_close(a, b, rtol=1e-12, atol=1e-14):
    assert fg.tree.structure(a) == fg.tree.structure(b)
    for u, v in zip(fg.tree.leaves(a), fg.tree.leaves(b), strict=True):
        assert isinstance(u, np.ndarray) and u.dtype == v.dtype and u.shape == v.shape
        np.testing.assert_allclose(u, v, rtol=rtol, atol=atol)


@pytest.mark.parametrize(("batch", "shards"), [(12, 2), (13, 3), (7, 7), (5, 1)])
def test_equals_the_single_process_value_and_grad(client, batch, shards):
    params, x, y = make_problem(batch=batch)
    fun = fg.value_and_grad(mlp_loss)
    value, grads = data_parallel(fun, client, shards=shards, timeout=STEP_TIMEOUT)(params, x, y)
    expected_value, expected_grads = fun(params, x, y)
    assert isinstance(value, np.ndarray) and value.shape == () and value.dtype == np.float64
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    assert_trees_close(grads, expected_grads)


def test_one_shard_is_bitwise_the_single_process_result(client):
    params, x, y = make_problem(batch=6)
    fun = fg.value_and_grad(mlp_loss)
    value, grads = data_parallel(fun, client, shards=1, timeout=STEP_TIMEOUT)(params, x, y)
    expected_value, expected_grads = fun(params, x, y)
    assert value == expected_value
    for g, e in zip(fg.tree.leaves(grads), fg.tree.leaves(expected_grads), strict=True):
        np.testing.assert_array_equal(g, e)


def test_float32_stays_float32(client):
    params, x, y = make_problem(batch=10, dtype=np.float32)
    fun = fg.value_and_grad(mlp_loss)
    value, grads = data_parallel(fun, client, shards=3, timeout=STEP_TIMEOUT)(params, x, y)
    expected_value, expected_grads = fun(params, x, y)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, expected_value, rtol=1e-5)
    assert_trees_close(grads, expected_grads, rtol=1e-5, atol=1e-6)


def test_the_batch_may_be_a_pytree_and_params_a_model(client):
    model = nn.Sequential(
        [nn.Dense.init(fg.random.key(1), 3, 5), nn.tanh, nn.Dense.init(fg.random.key(2), 5, 2)]
    )
    rng = np.random.default_rng(3)
    batch = {"x": rng.normal(size=(9, 3)), "y": rng.normal(size=(9, 2))}

    def loss(model, batch):
        return nn.mse(model(batch["x"]), batch["y"])

    fun = fg.value_and_grad(loss)
    value, grads = data_parallel(fun, client, shards=2, timeout=STEP_TIMEOUT)(model, batch)
    expected_value, expected_grads = fun(model, batch)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    assert type(grads) is nn.Sequential
    assert_trees_close(grads, expected_grads)


def loss_with_aux(params, x, y):
    """Mean squared error, with a metric (a mean) and the predictions (per example)."""
    pred = fnp.tanh(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]
    return fnp.mean((pred - y) ** 2), {"mae": fnp.mean(fnp.abs(pred - y)), "pred": pred}


def metric_only(params, x, y):
    loss, aux = loss_with_aux(params, x, y)
    return loss, {"mae": aux["mae"]}


def predictions_only(params, x, y):
    loss, aux = loss_with_aux(params, x, y)
    return loss, aux["pred"]


def test_has_aux_mean_for_metrics(client):
    params, x, y = make_problem(batch=11)
    fun = fg.value_and_grad(metric_only, has_aux=True)
    step = data_parallel(fun, client, shards=3, has_aux=True, timeout=STEP_TIMEOUT)
    (value, aux), grads = step(params, x, y)  # aux_reduction defaults to reduction="mean"
    (expected_value, expected_aux), expected_grads = fun(params, x, y)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(aux["mae"], expected_aux["mae"], rtol=1e-12)
    assert_trees_close(grads, expected_grads)


def test_has_aux_concatenate_for_per_example_outputs(client):
    params, x, y = make_problem(batch=11)
    fun = fg.value_and_grad(predictions_only, has_aux=True)
    step = data_parallel(
        lambda p, x, y: fun(p, x, y),  # a closure is sent (cloudpickle) once, like any fun
        client, shards=3, has_aux=True, aux_reduction="concatenate", timeout=STEP_TIMEOUT,
    )  # fmt: skip
    (_, pred), _ = step(params, x, y)
    (_, expected_pred), _ = fun(params, x, y)
    assert pred.shape == (11, 1)
    np.testing.assert_allclose(pred, expected_pred, rtol=1e-12)


def test_has_aux_list_gives_each_shards_aux(client):
    params, x, y = make_problem(batch=11)
    fun = fg.value_and_grad(loss_with_aux, has_aux=True)
    step = data_parallel(
        fun, client, shards=3, has_aux=True, aux_reduction="list", timeout=STEP_TIMEOUT
    )
    (_, auxes), _ = step(params, x, y)
    (_, expected_aux), _ = fun(params, x, y)
    assert [a["pred"].shape[0] for a in auxes] == [4, 4, 3]  # numpy.array_split's sizes
    np.testing.assert_allclose(np.concatenate([a["pred"] for a in auxes]), expected_aux["pred"])
    for a, (lo, hi) in zip(auxes, [(0, 4), (4, 8), (8, 11)], strict=True):
        np.testing.assert_allclose(a["mae"], fun(params, x[lo:hi], y[lo:hi])[0][1]["mae"])


def test_reduction_sum_for_a_summed_loss(client):
    params, x, y = make_problem(batch=10)

    def summed(params, x, y):
        return mlp_loss(params, x, y) * x.shape[0]

    fun = fg.value_and_grad(summed)
    step = data_parallel(fun, client, shards=3, reduction="sum", timeout=STEP_TIMEOUT)
    value, grads = step(params, x, y)
    expected_value, expected_grads = fun(params, x, y)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    assert_trees_close(grads, expected_grads, rtol=1e-11)


@pytest.mark.parametrize(
    "make_opt",
    [lambda: fg.optim.adam(1e-2), lambda: fg.optim.sgd(0.1, momentum=0.9)],
    ids=["adam", "sgd-momentum"],
)
def test_an_optimizer_loop_runs_unchanged_and_matches(client, make_opt):
    params0, x, y = make_problem(batch=16, seed=4)
    fun = fg.value_and_grad(mlp_loss)
    step = data_parallel(fun, client, shards=2, timeout=STEP_TIMEOUT)

    def train(value_and_grad, steps=5):
        opt = make_opt()
        params, state, losses = params0, opt.init(params0), []
        for _ in range(steps):
            loss, grads = value_and_grad(params, x, y)
            updates, state = opt.update(grads, state, params)
            params = fg.optim.apply_updates(params, updates)
            losses.append(float(loss))
        return params, state, losses

    params, state, losses = train(step)
    expected_params, expected_state, expected_losses = train(fun)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
    assert losses[-1] < losses[0]
    assert_trees_close(params, expected_params, rtol=1e-10)
    assert_trees_close(state, expected_state, rtol=1e-10, atol=1e-13)


def test_returns_fresh_arrays_and_leaves_inputs_alone(client):
    params, x, y = make_problem(batch=8)
    before = fg.tree.map(np.copy, (params, x, y))
    step = data_parallel(fg.value_and_grad(mlp_loss), client, shards=2, timeout=STEP_TIMEOUT)
    value, grads = step(params, x, y)
    for leaf in [value, *fg.tree.leaves(grads)]:
        assert leaf.flags.writeable and leaf.base is None
    for a, b in zip(fg.tree.leaves((params, x, y)), fg.tree.leaves(before), strict=True):
        np.testing.assert_array_equal(a, b)
