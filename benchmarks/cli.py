"""``python -m benchmarks``: start one pinned worker per backend, interleave, report.

Method (see README.md): every backend runs in its own single-threaded process pinned to
the same core, one process working at a time. For each workload case each worker first
checks its variants against the numpy floor and times their first call; then, round
after round, the workers take turns (the order rotating every round) measuring the
median CPU time per call of every figure; each figure keeps its best round.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from typing import Any

from . import report
from ._harness import ALLOC_ENV, ROOT, THREAD_ENV, Worker, WorkerError, choose_cpu, worker_env
from .backends import BACKENDS, IMPORT_MODULE, available
from .importtime import import_times
from .workloads import WORKLOADS

DTYPES = {"float64": ("float64",), "float32": ("float32",), "both": ("float64", "float32")}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    names = ", ".join([w.name for w in WORKLOADS] + ["import"])
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="funcgrad against hand-written numpy and the peers, single-threaded.",
    )
    p.add_argument(
        "--workloads", default="all",
        help=f"comma-separated workloads, 'fd' for every fd_* size, or 'all' ({names})",
    )  # fmt: skip
    p.add_argument(
        "--backends", default="all",
        help=f"comma-separated backends ({', '.join(BACKENDS)}) or variants (jax-jit, "
        "torch-func, ...); numpy, the floor, always runs",
    )  # fmt: skip
    p.add_argument("--dtype", choices=tuple(DTYPES), default="both")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best is kept)")
    p.add_argument("--repeat", type=int, default=5, help="samples per figure per round")
    p.add_argument("--min-time", type=float, default=0.02, help="CPU seconds per sample")
    p.add_argument("--import-runs", type=int, default=7, help="fresh interpreters per module")
    p.add_argument("--cpu", type=int, default=None, help="core to pin to (default: the last)")
    p.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, one sample: for CI")
    args = p.parse_args(argv)
    if args.smoke:
        args.rounds, args.repeat, args.min_time, args.import_runs = 1, 1, 0.0, 1
    return args


def select_workloads(spec: str) -> tuple[list[Any], bool]:
    """The chosen workloads and whether import time is measured."""
    if spec == "all":
        return list(WORKLOADS), True
    chosen, with_import = [], False
    for name in spec.split(","):
        name = name.strip()
        found = [w for w in WORKLOADS if w.name == name or (name == "fd" and w.group == "fd")]
        if name == "import":
            with_import = True
        elif not found:
            raise SystemExit(f"unknown workload {name!r}; see --help")
        chosen += [w for w in found if w not in chosen]
    return chosen, with_import


def select_backends(spec: str) -> tuple[list[str], set[str] | None, dict[str, str]]:
    """Adapters to start, the variants asked for (None: all; "jax-*": every jax variant),
    and the skipped adapters with the reason."""
    wanted = BACKENDS if spec == "all" else [s.strip() for s in spec.split(",")]
    adapters, variants, whole, skipped = ["numpy"], set(), {"numpy"}, {}
    for name in wanted:
        adapter = name.split("-")[0]
        if adapter not in BACKENDS:
            raise SystemExit(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
        (variants if name != adapter else whole).add(name)
        reason = available(adapter)
        if reason:
            skipped[adapter] = reason
        elif adapter not in adapters:
            adapters.append(adapter)
    if not variants:
        return adapters, None, skipped
    # A bare adapter name keeps all its variants ("jax-*"); a variant name only itself.
    return adapters, variants | whole | {f"{a}-*" for a in whole}, skipped


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workloads, with_import = select_workloads(args.workloads)
    adapters, only, skipped = select_backends(args.backends)
    cpu = choose_cpu(args.cpu)
    env = worker_env()
    command = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    results: dict[str, Any] = {
        "meta": meta(command, cpu, args),
        "backends": {},
        "skipped": skipped,
        "cases": {},
        "imports": {},
    }

    workers: dict[str, Worker] = {}
    try:
        for name in adapters:
            progress(f"starting {name} worker on CPU {cpu}")
            try:
                workers[name] = Worker(name, cpu, env)
            except WorkerError as e:
                skipped[name] = f"worker failed to start: {e}"
                continue
            hello = workers[name].hello
            if only is not None:
                hello["variants"] = [
                    v for v in hello["variants"] if v in only or f"{name}-*" in only
                ]
            results["backends"][name] = hello
        run_cases(workers, workloads, args, results)
    finally:
        for w in workers.values():
            w.close()

    if with_import:
        modules = [IMPORT_MODULE[a] for a in adapters if a in IMPORT_MODULE]
        progress(f"import time: {', '.join(modules)} ({args.import_runs} runs)")
        results["imports"] = import_times(modules, cpu, args.import_runs, env)

    results["meta"]["load_end"] = os.getloadavg()[0]
    text = report.render(results)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    return 0


def run_cases(
    workers: dict[str, Worker], workloads: list[Any], args: argparse.Namespace, results: dict
) -> None:
    cases = results["cases"]
    for w in workloads:
        for dtype in DTYPES[args.dtype]:
            if dtype not in w.dtypes:
                continue
            key = f"{w.name}/{dtype}"
            cases[key] = {
                "workload": w.name, "title": w.title, "dtype": dtype, "kind": w.kind,
                "group": w.group, "variants": {},
            }  # fmt: skip
            for name, worker in workers.items():
                progress(f"setup {key} on {name}")
                variants = results["backends"][name]["variants"]
                try:
                    reply = worker.request(
                        op="setup", workload=w.name, dtype=dtype, smoke=args.smoke,
                        min_time=args.min_time, variants=variants,
                    )  # fmt: skip
                except WorkerError as e:
                    for v in variants:
                        cases[key]["variants"][v] = {"status": "error", "reason": str(e)}
                    continue
                cases[key]["info"] = reply["info"]
                for v, entry in reply["variants"].items():
                    cases[key]["variants"][v] = dict(entry, backend=name, times={})

    names = list(workers)
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for key, case in cases.items():
            progress(f"round {r + 1}/{args.rounds} {key}")
            for name in order:
                if not any(e.get("backend") == name for e in case["variants"].values()):
                    continue
                try:
                    reply = workers[name].request(op="measure", key=key, repeat=args.repeat)
                except WorkerError as e:
                    progress(str(e))
                    continue
                for v, figures in reply["times"].items():
                    best = case["variants"][v]["times"]
                    for m, t in figures.items():
                        best[m] = min(best.get(m, t), t)


def meta(command: str, cpu: int, args: argparse.Namespace) -> dict:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "pinned_cpu": cpu,
        "thread_env": THREAD_ENV,
        "alloc_env": ALLOC_ENV,
        "rounds": args.rounds,
        "repeat": args.repeat,
        "min_time": args.min_time,
        "smoke": args.smoke,
        "git": git_revision(),
        "load_start": os.getloadavg()[0],
    }


def git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
            cwd=ROOT, timeout=10,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
