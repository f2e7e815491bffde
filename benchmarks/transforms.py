"""Ratios between funcgrad's own transformations (issues 3 and 4), in one process.

    python -m benchmarks.transforms [--repeat 7]

Prints, single-threaded and pinned to one core:
- the medium MLP (784-512-512-10, batch 128): one Hessian-vector product
  (``jvp`` of ``grad``) divided by one ``value_and_grad`` (target <= 3.5);
- ``jacfwd`` vs ``jacrev`` on R^4 -> R^1000 (forward should win) and R^1000 -> R^4
  (reverse should win);
- ``jacrev`` of R^100 -> R^100 (one batched pass) vs a Python loop of 100 VJPs.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import itertools  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402


def best_time(fn, repeat: int, min_time: float = 0.2) -> float:
    """Best-of-``repeat`` CPU seconds per call (each repeat runs at least ``min_time``)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        n, start = 0, time.process_time()
        while True:
            fn()
            n += 1
            elapsed = time.process_time() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / n)
    return best


def mlp_case():
    rng = np.random.default_rng(0)
    sizes = [784, 512, 512, 10]
    params = []
    for a, b in itertools.pairwise(sizes):
        params += [rng.normal(size=(a, b)) * np.sqrt(2 / a), np.zeros(b)]
    x = rng.normal(size=(128, 784))
    y = np.eye(10)[rng.integers(0, 10, 128)]

    def loss(params):
        h = x
        for i in range(0, len(params) - 2, 2):
            h = fnp.maximum(h @ params[i] + params[i + 1], 0.0)
        logits = h @ params[-2] + params[-1]
        m = fnp.max(logits, axis=1, keepdims=True)
        z = logits - m
        logp = z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True))
        return -fnp.sum(logp * y) / 128.0

    v = [rng.normal(size=p.shape) for p in params]
    return loss, params, v


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity") and not args.smoke:
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    repeat = 1 if args.smoke else args.repeat
    min_time = 0.0 if args.smoke else 0.2
    results = {}

    loss, params, v = mlp_case()
    if args.smoke:
        params, v = [p[:8] if p.ndim == 1 else p[:, :8] for p in params], None
    if not args.smoke:
        vg = fg.value_and_grad(loss)
        hvp = lambda: fg.jvp(fg.grad(loss), (params,), (v,))  # noqa: E731
        t_vg = best_time(lambda: vg(params), repeat, min_time)
        t_hvp = best_time(hvp, repeat, min_time)
        results["hvp / value_and_grad (medium MLP)"] = t_hvp / t_vg

    n_small, n_big = (4, 50) if args.smoke else (4, 1000)
    w_wide = np.random.default_rng(1).normal(size=(n_big, n_small))

    def wide(x):  # R^4 -> R^1000
        return fnp.tanh(w_wide @ x)

    def narrow(x):  # R^1000 -> R^4
        return fnp.tanh(w_wide.T @ fnp.sin(x))

    xs, xb = np.ones(n_small), np.ones(n_big)
    results["R^4->R^1000: jacrev / jacfwd (>1: forward wins)"] = best_time(
        lambda: fg.jacrev(wide)(xs), repeat, min_time
    ) / best_time(lambda: fg.jacfwd(wide)(xs), repeat, min_time)
    results["R^1000->R^4: jacfwd / jacrev (>1: reverse wins)"] = best_time(
        lambda: fg.jacfwd(narrow)(xb), repeat, min_time
    ) / best_time(lambda: fg.jacrev(narrow)(xb), repeat, min_time)

    n = 10 if args.smoke else 100
    w_sq = np.random.default_rng(2).normal(size=(n, n)) / np.sqrt(n)

    def square(x):  # R^100 -> R^100
        return fnp.tanh(w_sq @ fnp.tanh(w_sq @ x))

    x = np.ones(n)

    def loop_of_vjps():
        _, pullback = fg.vjp(square, x)
        return np.stack([pullback(e)[0] for e in np.eye(n)])

    assert np.allclose(loop_of_vjps(), fg.jacrev(square)(x))
    results[f"R^{n}->R^{n}: loop of {n} VJPs / jacrev"] = best_time(
        loop_of_vjps, repeat, min_time
    ) / best_time(lambda: fg.jacrev(square)(x), repeat, min_time)

    print("| funcgrad transformation ratio (float64, 1 thread, CPU time) | value |")
    print("|---|---|")
    for k, val in results.items():
        print(f"| {k} | {val:.2f} |")
    return results


if __name__ == "__main__":
    main()
