"""Data-parallel scaling on Dask: the medium MLP from one process to one and two workers.

    taskset -c 0,1 python -m benchmarks.distributed [--batch 1024] [--steps 10] [--json PATH]

Needs the extra (``pip install -e '.[distributed]'``). The workload is ``medium_mlp`` of
``workloads.py`` (784-512-512-10, ReLU, softmax cross-entropy, float64) at a larger batch.
Prints, in wall time per step (several processes work at once, so CPU time of this one
would miss theirs), median of ``--steps`` steps after ``--warmup``:

- ``one process``: ``value_and_grad`` here, no Dask (pinned to one core);
- ``1 worker`` / ``2 workers``: ``data_parallel(..., shards=workers)`` on a LocalCluster of
  single-threaded worker processes, worker i pinned to core i, with parameters, batch and
  gradients moving through the scheduler (Dask's default) or straight between client and
  workers (``Client(direct_to_workers=True)``);
- ``no-op``: the same steps with a ``fun`` that returns zeros at once, so what is left is
  scheduling, moving parameters, batch and gradients, checking and combining;
- parallel efficiency ``t(1 worker) / (2 * t(2 workers))`` and the speed-up over one
  process, each with the faster transport.

Every thread pool is single-threaded (``_harness.THREAD_ENV``; the workers inherit it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import time

from ._harness import THREAD_ENV

os.environ.update(THREAD_ENV)  # before numpy is imported, here and in the workers

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

from .workloads import BY_NAME


def wall_per_step(step, steps: int, warmup: int) -> dict[str, float]:
    """Median and best wall seconds of ``steps`` calls of ``step()`` after ``warmup``."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "best": min(times)}


def noop_value_and_grad(params, x, y):
    """What a step costs with no work: the value 0 and zero gradients, at once."""
    del x, y
    return np.zeros(()), tuple(np.zeros_like(p) for p in params)


def measure_cluster(
    n_workers: int, direct: bool, fun, params, data, steps: int, warmup: int
) -> dict:
    import dask
    from distributed import Client, LocalCluster

    from funcgrad.distributed import data_parallel

    cpus = sorted(os.sched_getaffinity(0))
    # One shard of a big batch is one big task; that is what is measured here, so the
    # "large graph" warning (10 MB by default) is raised out of the way.
    with (
        dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GB"}),
        LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                     host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster,
        Client(cluster, timeout=60, direct_to_workers=direct) as client,
    ):  # fmt: skip
        client.wait_for_workers(n_workers, timeout=60)
        for i, address in enumerate(sorted(client.scheduler_info()["workers"])):
            core = cpus[i % len(cpus)]
            client.run(os.sched_setaffinity, 0, {core}, workers=[address])
        out = {}
        for name, f in (("step", fun), ("no-op", noop_value_and_grad)):
            step = data_parallel(f, client, shards=n_workers, timeout=300)
            out[name] = wall_per_step(lambda step=step: step(params, *data), steps, warmup)
        value, grads = data_parallel(fun, client, shards=n_workers, timeout=300)(params, *data)
        out["check"] = (value, grads)
    return out


def max_rel_dev(a, b) -> float:
    return max(
        float(np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-300))
        for x, y in zip(fg.tree.leaves(a), fg.tree.leaves(b), strict=True)
    )


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", default=None, help="also write every figure here")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one step")
    args = parser.parse_args(argv)
    steps, warmup = (1, 1) if args.smoke else (args.steps, args.warmup)

    workload = BY_NAME["medium_mlp"]
    workload = dataclasses.replace(workload, batch=args.batch, smoke_batch=8)
    case = workload.case("float64", smoke=args.smoke)
    loss = case.loss(fnp)
    fun = fg.value_and_grad(loss)
    params, data = case.params, case.data

    cpus = sorted(os.sched_getaffinity(0))
    main_affinity = set(cpus)
    os.sched_setaffinity(0, {cpus[-1]})  # the one-process figure: one core, like a worker
    single = wall_per_step(lambda: fun(params, *data), steps, warmup)
    expected = fun(params, *data)
    os.sched_setaffinity(0, main_affinity)  # client and scheduler share the cores

    results = {"one process": {"step": single}}
    for direct in (False, True):
        for n in (1, 2):
            r = measure_cluster(n, direct, fun, params, data, steps, warmup)
            via = "direct" if direct else "via the scheduler"
            results[f"{n} worker{'s' * (n > 1)}, {via}"] = r
            r["max rel dev"] = max_rel_dev(r.pop("check"), expected)

    bytes_params = sum(p.nbytes for p in params)
    bytes_batch = sum(d.nbytes for d in data)
    best = {  # the faster transport, for each number of workers
        n: min((r for k, r in results.items() if k.startswith(f"{n} worker")),
               key=lambda r: r["step"]["median"])["step"]["median"]
        for n in (1, 2)
    }  # fmt: skip
    t1, t2 = best[1], best[2]
    summary = {
        "batch": case.data[0].shape[0],
        "layers": list(case.layers),
        "params": case.n_params,
        "MB params (= gradients)": bytes_params / 1e6,
        "MB batch": bytes_batch / 1e6,
        "parallel efficiency t1/(2 t2)": t1 / (2 * t2),
        "speed-up over one process": single["median"] / t2,
        "cpus": cpus,
        "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}",
        "load average": os.getloadavg()[0],
    }

    print(f"medium MLP {'-'.join(map(str, case.layers))}, float64, batch {summary['batch']}: "
          f"{case.n_params} parameters ({bytes_params / 1e6:.1f} MB; gradients the same), "
          f"batch {bytes_batch / 1e6:.1f} MB; wall time per step, median of {steps} "
          f"(best in brackets); CPUs {cpus}")  # fmt: skip
    print()
    print("| setup | step | no-op step (overhead) | max rel dev vs one process |")
    print("|---|---|---|---|")
    for name, r in results.items():
        noop = r.get("no-op")
        noop_text = "-" if noop is None else _ms(noop)
        dev = r.get("max rel dev")
        print(f"| {name} | {_ms(r['step'])} | {noop_text} | "
              f"{'-' if dev is None else f'{dev:.1e}'} |")  # fmt: skip
    print()
    print(f"with the faster transport: parallel efficiency t(1 worker) / (2 t(2 workers)): "
          f"{summary['parallel efficiency t1/(2 t2)']:.2f}; speed-up of 2 workers over one "
          f"process: {summary['speed-up over one process']:.2f}x")  # fmt: skip
    results["summary"] = summary
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return results


def _ms(t: dict[str, float]) -> str:
    return f"{t['median'] * 1e3:.1f} ms ({t['best'] * 1e3:.1f})"


if __name__ == "__main__":
    main()
