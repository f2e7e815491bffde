"""Per-example gradients with ``vmap(grad(...))``, and DP-SGD-style clipping.

Differentially private SGD needs every example's gradient separately: each is clipped to
norm C, the clipped gradients are averaged and Gaussian noise is added. ``vmap`` computes
all per-example gradients in one batched pass (no Python loop over the batch).

Run:  python examples/per_example_gradients.py [--steps 200]
"""

from __future__ import annotations

import argparse
import time

import _plots
import numpy as np
from _progress import Progress

import funcgrad as fg
from funcgrad import nn


def make_data(n: int = 512, seed: int = 0):
    """Two Gaussian blobs in 10 dimensions, labels 0/1."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 10)) + (2 * y[:, None] - 1) * 0.8
    return x, y.astype(float)


def init(key, sizes=(10, 32, 1)):
    k1, k2 = fg.random.split(key)
    return {
        "w1": nn.he_normal(k1, (sizes[1], sizes[0])),
        "b1": np.zeros(sizes[1]),
        "w2": nn.glorot_uniform(k2, (sizes[2], sizes[1])),
        "b2": np.zeros(sizes[2]),
    }


def predict(params, x):
    h = nn.relu(x @ params["w1"].T + params["b1"])
    return (h @ params["w2"].T + params["b2"])[..., 0]


def example_loss(params, x, y):
    """Loss of ONE example (x: (10,), y: scalar)."""
    return nn.sigmoid_binary_cross_entropy(predict(params, x), y)


per_example_grads = fg.vmap(fg.grad(example_loss), in_axes=(None, 0, 0))


def global_norms(grads):
    """Per-example global L2 norms of a batched gradient pytree (leading batch axis)."""
    sq = sum(np.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in fg.tree.leaves(grads))
    return np.sqrt(sq)


def dp_sgd_step(params, x, y, key, lr=0.5, clip=1.0, noise_multiplier=0.5):
    grads = per_example_grads(params, x, y)
    norms = global_norms(grads)
    scale = np.minimum(1.0, clip / np.maximum(norms, 1e-12))
    keys = fg.random.split(key, len(fg.tree.leaves(params)))
    leaves, treedef = fg.tree.flatten(grads)
    noisy = []
    for g, k in zip(leaves, keys, strict=True):
        clipped = g * scale.reshape((-1,) + (1,) * (g.ndim - 1))
        total = clipped.sum(axis=0) + noise_multiplier * clip * fg.random.normal(k, g.shape[1:])
        noisy.append(total / len(y))
    update = fg.tree.unflatten(treedef, noisy)
    return fg.tree.map(lambda p, u: p - lr * u, params, update), norms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64)
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)
    x, y = make_data()
    params = init(fg.random.key(0))

    # vmap(grad) equals a Python loop of grad calls, in one batched pass.
    xb, yb = x[: args.batch], y[: args.batch]
    t0 = time.perf_counter()
    batched = per_example_grads(params, xb, yb)
    t_vmap = time.perf_counter() - t0
    t0 = time.perf_counter()
    looped = [fg.grad(example_loss)(params, xi, yi) for xi, yi in zip(xb, yb, strict=True)]
    t_loop = time.perf_counter() - t0
    err = max(float(np.max(np.abs(batched[k] - np.stack([g[k] for g in looped])))) for k in params)
    print(
        f"per-example gradients of {args.batch} examples: vmap {1e3 * t_vmap:.1f} ms, "
        f"loop of grad {1e3 * t_loop:.1f} ms; max difference {err:.1e}"
    )

    key = fg.random.key(1)
    history: dict[str, list[float]] = {"loss": [], "acc": [], "median": [], "max": []}
    with Progress(args.steps, "DP-SGD") as progress:
        for step in range(1, args.steps + 1):
            key, k_batch, k_noise = fg.random.split(key, 3)
            idx = fg.random.permutation(k_batch, len(y))[: args.batch]
            params, norms = dp_sgd_step(params, x[idx], y[idx], k_noise)
            logits = predict(params, x)
            history["loss"].append(float(nn.sigmoid_binary_cross_entropy(logits, y)))
            history["acc"].append(float(np.mean((logits > 0) == (y > 0.5))))
            history["median"].append(float(np.median(norms)))
            history["max"].append(float(np.max(norms)))
            progress.update(
                step,
                loss=history["loss"][-1],
                acc=f"{history['acc'][-1]:.1%}",
                norms=f"median {np.median(norms):.2f} max {np.max(norms):.2f}",
            )
    loss = history["loss"][-1]
    print(f"done: loss {loss:.4f}, accuracy {history['acc'][-1]:.1%}")
    plt = _plots.pyplot(args)
    if plt is not None:
        fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(10, 3.8))
        ax_loss.plot(history["loss"], label="loss (all data)")
        ax_loss.plot(history["acc"], label="accuracy")
        ax_loss.set_xlabel("DP-SGD step")
        ax_loss.set_title("noisy, clipped training still learns")
        ax_loss.legend()
        ax_norm.semilogy(history["median"], label="median")
        ax_norm.semilogy(history["max"], label="largest")
        ax_norm.axhline(1.0, color="gray", ls="--", label="clip norm C")
        ax_norm.set_xlabel("DP-SGD step")
        ax_norm.set_ylabel("per-example gradient norm (before clipping)")
        ax_norm.set_title(f"per-example gradient norms ({args.batch} per batch)")
        ax_norm.legend()
        _plots.save(fig, args.plot)
    return loss


if __name__ == "__main__":
    main()
