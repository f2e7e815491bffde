"""Data-parallel training on Dask: the batch split across worker processes, Adam unchanged.

A small MLP regresses a smooth function of 8 inputs (synthetic data, made here). Each
step, ``funcgrad.distributed.data_parallel`` scatters the parameters to the workers,
computes the loss and gradients of each shard of the batch there and averages them
(weighted by shard size); the optimizer loop is the single-process one, word for word.
At the end the same loop runs in this process alone, and the two final sets of
parameters are compared: they agree to float rounding.

Needs the extra: pip install 'funcgrad[distributed]'

Run:  python examples/data_parallel.py                 (a local cluster of 2 processes)
      python examples/data_parallel.py --scheduler tcp://HOST:8786   (an existing one)
"""

from __future__ import annotations

import argparse
import os
import time

# Small matrices: one BLAS thread per process is fastest (workers inherit this).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn


def make_data(n: int, n_in: int = 8, seed: int = 0):
    """Inputs ``(n, n_in)`` and targets ``(n, 1)``: a smooth nonlinear function plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in))
    y = np.sin(x[:, :1] * 1.5) + 0.5 * x[:, 1:2] * x[:, 2:3] + 0.05 * rng.normal(size=(n, 1))
    return x, y


def init_params(key, sizes):
    """``{"w0", "b0", "w1", ...}``: He-initialised weights ``(n_in, n_out)``, zero biases."""
    keys = fg.random.split(key, len(sizes) - 1)
    params = {}
    for i, (k, n_in, n_out) in enumerate(zip(keys, sizes[:-1], sizes[1:], strict=True)):
        params[f"w{i}"] = nn.he_normal(k, (n_out, n_in)).T.copy()
        params[f"b{i}"] = np.zeros(n_out)
    return params


def loss(params, x, y):
    """Mean squared error of a tanh MLP: a *mean* over the batch, as data_parallel needs."""
    h = x
    n = len(params) // 2
    for i in range(n):
        h = h @ params[f"w{i}"] + params[f"b{i}"]
        if i < n - 1:
            h = fnp.tanh(h)
    return fnp.mean((h - y) ** 2)


def train(value_and_grad, params, x, y, steps: int, lr: float, batch: int, log=None):
    """Adam on minibatches taken in a fixed order; ``value_and_grad`` does the gradients."""
    opt = fg.optim.adam(lr)
    state = opt.init(params)
    n = x.shape[0]
    loss_value = float("nan")
    for step in range(1, steps + 1):
        lo = ((step - 1) * batch) % n
        xb, yb = x[lo : lo + batch], y[lo : lo + batch]
        loss_value, grads = value_and_grad(params, xb, yb)
        updates, state = opt.update(grads, state, params)
        params = fg.optim.apply_updates(params, updates)
        if log is not None:
            log(step, float(loss_value))
    return params, float(loss_value)


def main(argv=None) -> tuple[float, float]:
    """Train on the cluster, then in one process; return (final loss, max |difference|)."""
    from distributed import Client, LocalCluster

    from funcgrad.distributed import connect, data_parallel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--scheduler", default=None, help="address of a running scheduler")
    args = parser.parse_args(argv)

    x, y = make_data(4 * args.batch)
    params0 = init_params(fg.random.key(0), [x.shape[1], args.hidden, args.hidden, 1])
    fun = fg.value_and_grad(loss)
    report_every = max(1, args.steps // 10)

    def log(step, value):
        if step % report_every == 0 or step == args.steps:
            print(f"step {step:4d}/{args.steps}  loss {value:.5f}", flush=True)

    if args.scheduler is None:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0")  # fmt: skip
        client = Client(cluster)
    else:
        cluster, client = None, connect(args.scheduler, timeout=10)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        shards = max(1, n_workers)
        print(f"{n_workers} Dask workers; batch {args.batch} in {shards} shards; "
              f"MLP {x.shape[1]}-{args.hidden}-{args.hidden}-1, Adam lr={args.lr}")  # fmt: skip
        step = data_parallel(fun, client, shards=shards, timeout=120)
        start = time.perf_counter()
        params, final = train(step, params0, x, y, args.steps, args.lr, args.batch, log)
        elapsed = time.perf_counter() - start
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    start = time.perf_counter()
    single, single_final = train(fun, params0, x, y, args.steps, args.lr, args.batch)
    single_elapsed = time.perf_counter() - start
    diff = max(float(np.max(np.abs(a - b))) for a, b in
               zip(fg.tree.leaves(params), fg.tree.leaves(single), strict=True))  # fmt: skip
    print(f"distributed: {elapsed:.2f} s, final loss {final:.6f}; one process: "
          f"{single_elapsed:.2f} s, final loss {single_final:.6f}")  # fmt: skip
    print(f"final parameters: max |distributed - one process| = {diff:.2e}")
    return final, diff


if __name__ == "__main__":
    main()
