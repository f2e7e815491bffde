"""The cost of funcgrad's debugging views: each debug mode off and on, and the reports.

    taskset -c 1 python -m benchmarks.debug [--rounds 5] [--json PATH]

On the tiny (16-32-32-1, batch 32) and medium (784-512-512-10, batch 128) MLPs of
``workloads.py``, float64, one thread: eager ``value_and_grad`` with no debug mode, inside
``debug_nans()``, inside ``random.debug_key_reuse()``; then the one-off cost of
``diagnose`` and ``show``. "off" must equal the plain figure of ``python -m benchmarks``
(the checks are installed only inside their blocks). CPU time per call, best of
``--rounds`` rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from ._harness import THREAD_ENV

os.environ.update(THREAD_ENV)

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import random

from .workloads import BY_NAME


def _loss(model: str):
    def loss(params, x, y):
        h = x
        n = len(params) // 2
        for i in range(n):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < n - 1:
                h = fnp.tanh(h) if model == "tanh_mse" else fnp.maximum(h, 0.0)
        if model == "tanh_mse":
            return fnp.mean((h - y) ** 2)
        z = h - fnp.max(h, axis=1, keepdims=True)
        return -fnp.sum(y * (z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True)))) / len(x)

    return loss


def _time(call, rounds: int, min_time: float = 0.2) -> float:
    call()
    best = float("inf")
    for _ in range(rounds):
        n, start = 0, time.process_time()
        while True:
            call()
            n += 1
            spent = time.process_time() - start
            if spent >= min_time:
                break
        best = min(best, spent / n)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    results = {}
    print("| workload | off | debug_nans | debug_key_reuse | diagnose (once) | show (once) |")
    print("|---|---|---|---|---|---|")
    for name in ("tiny_mlp", "medium_mlp"):
        case = BY_NAME[name].case("float64", smoke=False)
        loss = _loss(case.workload.model)
        params, (x, y) = list(case.params), case.data
        vg = fg.value_and_grad(loss)

        def plain(vg=vg, params=params, x=x, y=y):
            return vg(params, x, y)

        row = {"off": _time(plain, args.rounds)}
        with fg.debug_nans():  # the checks inside a long block (entering it costs ~0.3 ms)
            row["debug_nans"] = _time(plain, args.rounds)
        with random.debug_key_reuse():
            row["debug_key_reuse"] = _time(plain, args.rounds)
        row.update(
            {
                "diagnose": _time(lambda a=(loss, params, x, y): fg.diagnose(*a), 1, 0.0),
                "show": _time(lambda a=(loss, params, x, y): fg.show(*a), 1, 0.0),
            }
        )
        results[name] = row
        off = row["off"]
        print(
            f"| {name} | {off * 1e6:.0f} µs | {row['debug_nans'] * 1e6:.0f} µs "
            f"({row['debug_nans'] / off:.2f}x) | {row['debug_key_reuse'] * 1e6:.0f} µs "
            f"({row['debug_key_reuse'] / off:.2f}x) | {row['diagnose'] * 1e3:.1f} ms | "
            f"{row['show'] * 1e3:.1f} ms |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
