"""Shared machinery: the single-thread environment, CPU pinning, timing, and the worker pipe.

Nothing here imports numpy at module level: the worker must set the thread variables
before numpy (and its BLAS) is first imported.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent  # the directory holding the package

# BLAS/OpenMP pools, XLA's CPU backend: one thread each. Set in every worker's environment
# (so before numpy is imported there); torch's own pools are set in its adapter.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


# glibc's allocator: arrays come from the heap, never from a fresh mmap per allocation.
# By default blocks above a (dynamic) threshold are mmapped and page-faulted on every
# allocation; on this machine that cost changed by 2x within a day (the numpy floor of the
# CNN went from 0.65 to 1.35 ms), while torch's caching allocator never asks the system.
# Fixing the threshold removes that variable for every numpy-based backend alike.
ALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "268435456"}


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(THREAD_ENV)
    env.update(ALLOC_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def choose_cpu(requested: int | None) -> int:
    """The core every worker is pinned to: ``requested``, else the last one we may use."""
    allowed = sorted(os.sched_getaffinity(0))
    if requested is None:
        return allowed[-1]
    if requested not in allowed:
        raise SystemExit(f"--cpu {requested}: not among the usable CPUs {allowed}")
    return requested


def pin(cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})


# --- timing ----------------------------------------------------------------------------

clock = time.process_time  # CPU time of the whole process (XLA's threads included)


def sample(fn: Callable[[], Any], number: int) -> float:
    """CPU seconds per call over ``number`` back-to-back calls."""
    t0 = clock()
    for _ in range(number):
        fn()
    return (clock() - t0) / number


def autorange(fn: Callable[[], Any], min_time: float) -> int:
    """Calls per sample so that one sample takes at least ``min_time`` CPU seconds."""
    number = 1
    while True:
        for k in (1, 2, 5):
            n = number * k
            if sample(fn, n) * n >= min_time:
                return n
        number *= 10


def median_time(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Median over ``repeat`` samples of the CPU seconds per call."""
    return median(sample(fn, number) for _ in range(repeat))


def first_call(fn: Callable[[], Any]) -> tuple[Any, float]:
    """The result of the very first call and its wall time (what a user waits for)."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


# --- the worker pipe -------------------------------------------------------------------


class WorkerError(RuntimeError):
    pass


class Worker:
    """One backend's process: ``python -m benchmarks._worker NAME CPU``, JSON lines both ways."""

    def __init__(self, name: str, cpu: int, env: dict[str, str]):
        self.name = name
        # The worker's stderr, shown on failure; closed in `close`.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - outlives this call
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._worker", name, str(cpu)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.hello = self._read()

    def request(self, **msg: Any) -> Any:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError as e:
            raise WorkerError(self._failure("died")) from e
        return self._read()

    def _read(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(self._failure("exited"))
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"{self.name} worker: {reply['error']}")
        return reply

    def _failure(self, what: str) -> str:
        self.proc.wait(timeout=10)
        self.log.seek(0)
        tail = "".join(self.log.readlines()[-15:])
        return f"{self.name} worker {what} (code {self.proc.returncode}):\n{tail}"

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(WorkerError):
                self.request(op="quit")
            self.proc.wait(timeout=30)
        self.log.close()


def serve(handle: Callable[[dict], Any], out: TextIO) -> None:
    """The worker's loop: one JSON request per stdin line, one JSON reply per line."""
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "quit":
            out.write("{}\n")
            out.flush()
            return
        try:
            reply = handle(msg)
        except Exception as e:  # report, keep serving: one bad workload must not end the run
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()
