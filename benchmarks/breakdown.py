"""``python -m benchmarks.breakdown WORKLOAD``: where funcgrad's ``value_and_grad`` time goes.

Two views of the same workload (single-threaded, pinned like the benchmark workers):

1. **phases against the floor.** CPU time of ``value_and_grad``; of the forward pass
   recording the tape (``vjp``); of the backward pass alone (the ``vjp`` pullback, called
   again on the same tape); of the plain forward; and of the numpy floor's forward and
   forward+backward. What ``value_and_grad`` spends beyond ``vjp`` + pullback is its own
   wrapping (argument checks, pytree handling).
2. **primitives.** Every primitive's numpy implementation is wrapped with a timer, split
   by phase (forward; backward: what the VJP rules bind). Rules that compute with ndarray
   operators directly (the elementwise families at level 0) do not appear there.
3. **cProfile**, the functions with the most own time (``file:line``), numpy's Python
   wrappers included.

Compare with the floor: ``python -m benchmarks --workloads WORKLOAD --backends funcgrad``.
"""

from __future__ import annotations

import argparse
import os
import sys

from ._harness import ALLOC_ENV, THREAD_ENV, choose_cpu, pin


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.breakdown", description=__doc__)
    p.add_argument("workload", help="a workload name, e.g. tiny_mlp, medium_mlp, chain")
    p.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    p.add_argument("--calls", type=int, default=0, help="calls to profile (default: ~2 s)")
    p.add_argument("--top", type=int, default=25, help="rows of the cProfile table")
    p.add_argument("--cpu", type=int, default=None)
    args = p.parse_args(argv)
    if argv is None and any(os.environ.get(k) != v for k, v in ALLOC_ENV.items()):
        # glibc reads its allocator settings at start: run again with the workers' ones
        env = {**os.environ, **ALLOC_ENV}
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.breakdown",
            *(sys.argv[1:] if argv is None else argv),
        ]
        os.execve(sys.executable, cmd, env)
    os.environ.update(THREAD_ENV)  # before numpy's first import
    pin(choose_cpu(args.cpu))
    run(args)
    return 0


def run(args: argparse.Namespace) -> None:
    import cProfile
    import pstats
    import time

    import numpy as np

    import funcgrad as fg

    from .backends import numpy as floor
    from .backends.funcgrad import OPS as fnp
    from .workloads import BY_NAME

    case = BY_NAME[args.workload].case(args.dtype, smoke=False)
    params, data = case.params, case.data
    vg = fg.value_and_grad(case.loss(fnp))
    floor_vg = floor.value_and_grad(case)

    def call() -> None:
        vg(params, *data)

    def per_call(fn, n: int) -> float:
        t0 = time.process_time()
        for _ in range(n):
            fn()
        return (time.process_time() - t0) / n

    loss = case.loss(fnp)
    floor_fwd = floor.forward(case)
    out, pullback = fg.vjp(lambda p: loss(p, *data), params)
    seed = np.ones((), out.dtype)
    calls = {
        "value_and_grad": call,
        "forward with tape (vjp)": lambda: fg.vjp(lambda p: loss(p, *data), params),
        "backward (pullback)": lambda: pullback(seed),
        "plain forward": lambda: loss(params, *data),
        "numpy floor forward+backward": lambda: floor_vg(params, *data),
        "numpy floor forward": lambda: floor_fwd(params, *data),
    }
    for _ in range(5):
        call()
    n = args.calls or max(5, int(2.0 / max(per_call(call, 3), 1e-6)))
    t = {k: min(per_call(fn, n) for _ in range(3)) for k, fn in calls.items()}
    stats, _ = primitive_times(call, n)

    print(f"## {case.workload.title} ({args.dtype}), {n} calls\n")
    print("| CPU µs per call | funcgrad | numpy floor |\n|---|---|---|")
    us = {k: v * 1e6 for k, v in t.items()}
    vg_t, rec, plain = us["value_and_grad"], us["forward with tape (vjp)"], us["plain forward"]
    back = us["backward (pullback)"]
    f_all, f_fwd = us["numpy floor forward+backward"], us["numpy floor forward"]
    print(f"| value_and_grad | {vg_t:.1f} | {f_all:.1f} |")
    print(f"| forward, plain | {plain:.1f} | {f_fwd:.1f} |")
    print(f"| forward, recording the tape (vjp) | {rec:.1f} | |")
    print(f"| backward (pullback) | {back:.1f} | {f_all - f_fwd:.1f} (difference) |")
    rest = vg_t - rec - back
    print(f"| rest (difference: argument checks, pytrees, freeing the tape) | {rest:.1f} | |")
    print(f"\nratio to the floor {vg_t / f_all:.2f}x; recording costs {rec - plain:.1f} µs over "
          f"the plain forward; the backward {back - (f_all - f_fwd):.1f} µs over the "
          "floor's\n")  # fmt: skip
    print("| primitive | phase | calls/iter | CPU µs/iter |\n|---|---|---|---|")
    for (name, phase), (count, secs) in sorted(stats.items(), key=lambda kv: -kv[1][1]):
        print(f"| {name} | {phase} | {count / n:g} | {secs / n * 1e6:.1f} |")

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        call()
    prof.disable()
    print(f"\n### cProfile, top {args.top} by own time (profiler overhead inflates Python)\n")
    st = pstats.Stats(prof, stream=sys.stdout)
    st.sort_stats("tottime").print_stats(args.top)


def primitive_times(call, n: int) -> tuple[dict, float]:
    """Run ``call`` ``n`` times with every primitive's ``impl`` timed, split by phase."""
    import time

    from funcgrad.core.primitive import all_primitives
    from funcgrad.transforms import reverse

    stats: dict[tuple[str, str], list] = {}
    phase = ["forward"]
    depth = [0]  # a primitive's impl may bind others; time only the outermost
    clock = time.process_time  # CPU time: robust to other load; its own cost is subtracted
    cost = min(-(clock() - clock()) for _ in range(1000))
    prims = all_primitives().values()
    originals = {prim: prim.impl for prim in prims}

    def timed(prim, impl):
        def wrapper(*args, **params):
            if depth[0]:
                return impl(*args, **params)
            depth[0] += 1
            t0 = clock()
            try:
                return impl(*args, **params)
            finally:
                dt = clock() - t0 - cost
                depth[0] -= 1
                s = stats.setdefault((prim.name, phase[0]), [0, 0.0])
                s[0] += 1
                s[1] += dt

        return wrapper

    original_backward = reverse.backward

    def backward(*a, **k):
        phase[0] = "backward"
        try:
            return original_backward(*a, **k)
        finally:
            phase[0] = "forward"

    for prim, impl in originals.items():
        prim.impl = timed(prim, impl)
    reverse.backward = backward
    try:
        for _ in range(n):
            call()
    finally:
        for prim, impl in originals.items():
            prim.impl = impl
        reverse.backward = original_backward
    return stats, sum(s[1] for s in stats.values())


if __name__ == "__main__":
    raise SystemExit(main())
