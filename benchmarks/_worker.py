"""``python -m benchmarks._worker BACKEND CPU``: one backend's timing process.

Sets the single-thread environment and pins itself to ``CPU`` before numpy is imported,
then serves the orchestrator's requests (JSON lines on stdin, replies on the original
stdout; anything the libraries print goes to stderr):

- ``setup``: build every variant for a workload case, check its loss and gradients
  against the numpy floor, time its first call, warm it up and calibrate the calls per
  sample;
- ``measure``: one round: the median CPU time per call of each figure of each variant;
- ``quit``.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
from typing import Any

from ._harness import THREAD_ENV, autorange, first_call, median_time, pin, serve

TOLERANCE = {"float64": 1e-8, "float32": 1e-3}  # max relative deviation from the floor


def max_rel_dev(got: list[Any], want: list[Any]) -> float:
    """Largest ``max|got - want| / max|want|`` over the arrays (inf on a shape mismatch)."""
    import numpy as np

    if len(got) != len(want):
        return float("inf")
    worst = 0.0
    for g, w in zip(got, want, strict=True):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        if g.shape != w.shape:
            return float("inf")
        scale = max(float(np.max(np.abs(w), initial=0.0)), 1e-30)
        worst = max(worst, float(np.max(np.abs(g - w), initial=0.0)) / scale)
    return worst if np.isfinite(worst) else float("inf")


class Server:
    def __init__(self, backend: str):
        self.adapter = importlib.import_module(f"benchmarks.backends.{backend}")
        self.floor = importlib.import_module("benchmarks.backends.numpy")
        self.is_floor = backend == "numpy"
        self.info = self.adapter.setup()
        self.cases: dict[str, dict[str, Any]] = {}  # key -> variant -> (runner, numbers)

    def handle(self, msg: dict) -> Any:
        if msg["op"] == "setup":
            return self.setup(
                msg["workload"], msg["dtype"], msg["smoke"], msg["min_time"], msg["variants"]
            )
        if msg["op"] == "measure":
            return self.measure(msg["key"], msg["repeat"])
        raise ValueError(f"unknown request {msg['op']!r}")

    def setup(
        self, workload: str, dtype: str, smoke: bool, min_time: float, variants: list[str]
    ) -> dict:
        from .backends import Unsupported
        from .workloads import BY_NAME

        case = BY_NAME[workload].case(dtype, smoke)
        reference = self.floor.reference(case)
        built: dict[str, Any] = {}
        report: dict[str, Any] = {}
        for variant in variants:
            try:
                runner = self.adapter.build(variant, case)
                out, first = first_call(runner.grad)
                dev = max_rel_dev(runner.result(out), reference)
            except Unsupported as e:
                report[variant] = {"status": "unsupported", "reason": str(e)}
                continue
            except Exception as e:  # a missing function or a failing rule: report it
                report[variant] = {"status": "error", "reason": f"{type(e).__name__}: {e}"}
                continue
            if self.is_floor:
                dev = None  # the reference itself
            entry = {"status": "ok", "max_rel_dev": dev, "first_call_s": first}
            if dev is not None and dev > TOLERANCE[dtype]:
                entry.update(status="mismatch", reason=f"max rel dev {dev:.2e} from numpy")
            else:
                calls = {"grad": runner.grad, "forward": runner.forward, **runner.extra}
                try:
                    numbers = {m: autorange(fn, min_time) for m, fn in calls.items()}
                except Exception as e:
                    entry.update(status="error", reason=f"{type(e).__name__}: {e}")
                else:
                    built[variant] = (calls, numbers)
            report[variant] = entry
        self.cases[case.key] = built
        info = {
            "n_params": case.n_params,
            "primitives": case.primitives if case.steps else 0,
            "layers": "-".join(map(str, case.layers)),
        }
        return {"key": case.key, "variants": report, "info": info}

    def measure(self, key: str, repeat: int) -> dict:
        times: dict[str, dict[str, float]] = {}
        for variant, (calls, numbers) in self.cases[key].items():
            times[variant] = {}
            for m, fn in calls.items():
                gc.collect()
                times[variant][m] = median_time(fn, numbers[m], repeat)
        return {"times": times}


def main() -> None:
    backend, cpu = sys.argv[1], int(sys.argv[2])
    os.environ.update(THREAD_ENV)
    pin(cpu)
    out = os.fdopen(os.dup(1), "w")  # the protocol; library output goes to stderr
    os.dup2(2, 1)
    try:
        server = Server(backend)
    except Exception as e:  # e.g. the library imports but fails to initialise
        out.write(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\n")
        out.flush()
        return
    hello = dict(server.info, backend=backend, cpus=sorted(os.sched_getaffinity(0)))
    hello["python"] = sys.version.split()[0]
    out.write(json.dumps(hello) + "\n")
    out.flush()
    serve(server.handle, out)


if __name__ == "__main__":
    main()
