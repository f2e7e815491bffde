"""Failures: a worker that dies mid-step, a task that fails once, a step that takes too
long, and a scheduler that is not there."""

import os
import socket
import time

import pytest

pytest.importorskip(
    "distributed",
    reason="funcgrad.distributed needs the extra: pip install 'funcgrad[distributed]'",
)

import numpy as np

import funcgrad as fg
from funcgrad.distributed import (
    ClusterConnectionError,
    ClusterTimeoutError,
    connect,
    data_parallel,
    sweep,
)

from .conftest import STEP_TIMEOUT, make_problem, mlp_loss


def claim(marker):
    """True for the first caller only, across processes (an exclusive file creation)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


def dies_once(marker):
    base = fg.value_and_grad(mlp_loss)

    def fun(params, x, y):
        if claim(marker):
            os._exit(1)  # the worker process dies in the middle of the step
        return base(params, x, y)

    return fun


def raises_once(marker):
    base = fg.value_and_grad(mlp_loss)

    def fun(params, x, y):
        if claim(marker):
            raise ConnectionResetError("a transient failure on the first attempt")
        return base(params, x, y)

    return fun


def test_a_worker_that_dies_mid_step_is_survived_with_the_same_result(client, tmp_path):
    params, x, y = make_problem(batch=12)
    expected = data_parallel(fg.value_and_grad(mlp_loss), client, shards=2,
                             timeout=STEP_TIMEOUT)(params, x, y)  # fmt: skip
    pids_before = set(client.run(os.getpid).values())
    marker = tmp_path / "killed"

    step = data_parallel(dies_once(str(marker)), client, shards=2, timeout=STEP_TIMEOUT)
    value, grads = step(params, x, y)

    killed = int(marker.read_text())
    assert killed in pids_before  # a worker process really died in the step
    assert value == expected[0]  # pure fun, fixed combination order: bitwise the same
    for g, e in zip(fg.tree.leaves(grads), fg.tree.leaves(expected[1]), strict=True):
        np.testing.assert_array_equal(g, e)
    client.wait_for_workers(2, timeout=STEP_TIMEOUT)  # the nanny restarts it
    assert killed not in set(client.run(os.getpid).values())


def test_a_task_that_raises_once_is_retried_by_the_scheduler(client, tmp_path):
    params, x, y = make_problem(batch=10)
    expected_value, _ = fg.value_and_grad(mlp_loss)(params, x, y)
    step = data_parallel(raises_once(str(tmp_path / "once")), client, shards=2, retries=1,
                         timeout=STEP_TIMEOUT)  # fmt: skip
    value, _ = step(params, x, y)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)

    step = data_parallel(raises_once(str(tmp_path / "again")), client, shards=2, retries=0,
                         timeout=STEP_TIMEOUT)  # fmt: skip
    with pytest.raises(ConnectionResetError, match="transient"):
        step(params, x, y)


def test_a_sweep_survives_a_worker_death(client, tmp_path):
    marker = str(tmp_path / "killed")

    def train(config):
        if config == 1 and claim(marker):
            os._exit(1)
        return config * 10

    assert sweep(train, [0, 1, 2, 3], client, timeout=STEP_TIMEOUT, progress=False) == [
        0, 10, 20, 30,
    ]  # fmt: skip
    client.wait_for_workers(2, timeout=STEP_TIMEOUT)


def slow_step(params, x, y):
    time.sleep(1.0)
    return fg.value_and_grad(mlp_loss)(params, x, y)


def test_a_step_past_its_timeout_fails_clearly_and_in_time(client):
    params, x, y = make_problem(batch=4)
    step = data_parallel(slow_step, client, shards=2, timeout=0.2)
    start = time.perf_counter()
    with pytest.raises(ClusterTimeoutError, match=r"did not finish within 0.2 s") as info:
        step(params, x, y)
    assert time.perf_counter() - start < 0.2 + 0.8  # before the 1 s tasks could finish
    assert isinstance(info.value, TimeoutError)
    assert "shard 0 of 2 (batch rows 0:2)" in str(info.value)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connecting_to_nothing_fails_clearly_within_the_timeout():
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    start = time.perf_counter()
    with pytest.raises(ClusterConnectionError) as info:
        connect(address, timeout=1.0)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0 + 4.0  # bounded by the timeout (plus slack for a busy machine)
    assert isinstance(info.value, ConnectionError)
    message = str(info.value)
    assert address in message and "within 1 s" in message and "dask scheduler" in message


@pytest.mark.parametrize(("address", "timeout"), [("", 1.0), (None, 1.0), ("tcp://x:1", 0)])
def test_connect_checks_its_arguments(address, timeout):
    with pytest.raises((TypeError, ValueError), match="connect: `"):
        connect(address, timeout=timeout)


def test_connect_reaches_a_running_scheduler(cluster):
    with connect(cluster.scheduler_address, timeout=10) as other:
        assert other.submit(sum, [1, 2, 3]).result(timeout=STEP_TIMEOUT) == 6
