"""One local Dask cluster for the distributed tests: two worker processes on loopback.

Each test module starts with ``pytest.importorskip("distributed", reason=...)``, so where
the extra is not installed they are skipped with that reason (a conftest may not skip).
The cluster is started once for the package and stopped within a bounded time; every
call that waits on it in the tests passes an explicit ``timeout``.
"""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

STEP_TIMEOUT = 60.0  # seconds any single step or sweep in these tests may take


@pytest.fixture(scope="package")
def cluster():
    import distributed

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster


@pytest.fixture(scope="package")
def client(cluster):
    import distributed

    with distributed.Client(cluster, timeout=30) as client:
        client.wait_for_workers(2, timeout=30)
        yield client


# --- a small model shared by the tests ---------------------------------------------------


def mlp_loss(params, x, y):
    """Tanh MLP, mean squared error: a mean over the batch, as data_parallel expects."""
    h = fnp.tanh(x @ params["w1"] + params["b1"])
    return fnp.mean((h @ params["w2"] + params["b2"] - y) ** 2)


def make_problem(batch=12, n_in=3, hidden=8, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = {
        "w1": rng.normal(size=(n_in, hidden)),
        "b1": rng.normal(size=hidden) * 0.1,
        "w2": rng.normal(size=(hidden, 1)),
        "b2": np.zeros(1),
    }
    params = fg.tree.map(lambda a: a.astype(dtype), params)
    x = rng.normal(size=(batch, n_in)).astype(dtype)
    y = rng.normal(size=(batch, 1)).astype(dtype)
    return params, x, y
