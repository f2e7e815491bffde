"""sweep: results equal the local runs, in the order of the configurations, with keys
derived per configuration, a progress line, and errors that name the configuration."""

import io
import time

import pytest

pytest.importorskip(
    "distributed",
    reason="funcgrad.distributed needs the extra: pip install 'funcgrad[distributed]'",
)

import numpy as np

import funcgrad as fg
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError
from funcgrad.distributed import sweep

from .conftest import STEP_TIMEOUT, make_problem, mlp_loss


def train(config, key=None, steps=20):
    """A pure training run: Adam on the shared MLP problem; returns params and losses."""
    params, x, y = make_problem(batch=16, seed=config["seed"])
    if key is not None:  # the key decides the initial first layer
        params = {**params, "w1": fg.random.normal(key, params["w1"].shape)}
    opt = fg.optim.adam(config["lr"])
    state = opt.init(params)
    losses = []
    for _ in range(steps):
        loss, grads = fg.value_and_grad(mlp_loss)(params, x, y)
        updates, state = opt.update(grads, state, params)
        params = fg.optim.apply_updates(params, updates)
        losses.append(float(loss))
    return {"params": params, "losses": np.array(losses), "config": config}


CONFIGS = [{"lr": lr, "seed": seed} for lr in (1e-3, 1e-2, 3e-2) for seed in (0, 1)]


def assert_results_equal(got, expected):
    assert fg.tree.structure(got) == fg.tree.structure(expected)
    for a, b in zip(fg.tree.leaves(got), fg.tree.leaves(expected), strict=True):
        np.testing.assert_array_equal(a, b)  # same pure function, same numpy: bitwise


def test_results_equal_local_runs_in_the_order_of_the_configs(client):
    results = sweep(train, CONFIGS, client, timeout=STEP_TIMEOUT, progress=False)
    assert len(results) == len(CONFIGS)
    for config, result in zip(CONFIGS, results, strict=True):
        assert result["config"] == config
        assert_results_equal(result, train(config))
    final = {(c["lr"], c["seed"]): r["losses"][-1] for c, r in zip(CONFIGS, results, strict=True)}
    assert final[(3e-2, 0)] < final[(1e-3, 0)]  # the runs really differ


def finishes_in_reverse(i):
    time.sleep(0.05 * (4 - i))  # configuration 0 finishes last
    return {"i": i, "square": np.array(float(i * i))}


def test_order_is_kept_whatever_order_tasks_finish_in(client):
    results = sweep(finishes_in_reverse, [0, 1, 2, 3], client, timeout=STEP_TIMEOUT,
                    progress=False)  # fmt: skip
    assert [r["i"] for r in results] == [0, 1, 2, 3]
    assert [float(r["square"]) for r in results] == [0.0, 1.0, 4.0, 9.0]


def test_each_configuration_gets_its_own_key(client):
    key = fg.random.key(7)
    configs = CONFIGS[:3]
    results = sweep(train, configs, client, key=key, timeout=STEP_TIMEOUT, progress=False)
    for i, (config, result) in enumerate(zip(configs, results, strict=True)):
        assert_results_equal(result, train(config, fg.random.fold_in(key, i)))
    assert not np.array_equal(results[0]["params"]["w1"], train(configs[0])["params"]["w1"])


def test_progress_line(client):
    out = io.StringIO()
    sweep(lambda c: c, [1, 2, 3], client, timeout=STEP_TIMEOUT, progress=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("sweep: 0/3 done")
    assert lines[-1].startswith("sweep: 3/3 done")


def test_a_failing_configuration_raises_its_error_naming_it(client):
    def train(config):
        if config["lr"] < 0:
            raise FloatingPointError("negative learning rate")
        return config["lr"]

    configs = [{"lr": 0.1}, {"lr": -1.0}, {"lr": 0.2}]
    with pytest.raises(FloatingPointError, match="negative") as info:
        sweep(train, configs, client, retries=0, timeout=STEP_TIMEOUT, progress=False)
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert "configuration 1 of 3 ({'lr': -1.0})" in notes


def test_configs_may_hold_callables_and_tuples_as_given(client):
    # dask reads a tuple starting with a callable as a task; sweep passes configs as given
    configs = [(np.add, 1, 2), (np.multiply, 3, 4)]
    assert sweep(lambda c: c[0](c[1], c[2]), configs, client, timeout=STEP_TIMEOUT,
                 progress=False) == [3, 12]  # fmt: skip


def test_edge_cases_and_bad_arguments(client):
    assert sweep(train, [], client, progress=False) == []
    with pytest.raises(FuncgradTypeError, match="`configs` must be a sequence"):
        sweep(train, {"lr": 0.1}, client)
    with pytest.raises(FuncgradTypeError, match="`train_fn` must be callable"):
        sweep("train", CONFIGS, client)
    with pytest.raises(FuncgradValueError, match="`retries` must be an int >= 0"):
        sweep(train, CONFIGS, client, retries=-1)
    with pytest.raises(FuncgradValueError, match="`timeout` must be a positive"):
        sweep(train, CONFIGS, client, timeout=-5)
    with pytest.raises(FuncgradTypeError, match=r"must be a distributed\.Client"):
        sweep(train, CONFIGS, None)
