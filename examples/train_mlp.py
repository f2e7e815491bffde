"""Train a small MLP end to end: He initialisation, plain gradient descent, spirals data.

The task: classify points of three interleaved spirals (made here, no download), a
classic that a linear model cannot solve. The network is a pytree of frozen ``Dense``
layers; the loss is softmax cross-entropy plus an L2 penalty; gradients come from one
``value_and_grad`` call per step (backpropagation).

With matplotlib installed (``pip install 'funcgrad[examples]'``) it also writes the loss
curve and the decision regions to ``train_mlp.png`` (or ``--plot PATH``).

Run:  python examples/train_mlp.py            (a few seconds)
      python examples/train_mlp.py --steps 50 (quick)
"""

from __future__ import annotations

import argparse
import os

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _plots
import numpy as np
from _progress import Progress

import funcgrad as fg
from funcgrad import nn


def make_spirals(n_per_class: int, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """Points on ``classes`` interleaved spiral arms, with integer labels."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + rng.normal(0, noise, n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c))
    x, y = np.concatenate(xs), np.concatenate(ys)
    order = rng.permutation(len(y))
    return x[order], y[order]


def init_mlp(key, sizes):
    """A Sequential of Dense layers (He-initialised) with ReLU between them."""
    keys = fg.random.split(key, len(sizes) - 1)
    layers = []
    for i, (k, n_in, n_out) in enumerate(zip(keys, sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Dense.init(k, n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.relu)
    return nn.Sequential(layers)


def loss_fn(model, x, y, l2):
    """Mean cross-entropy of the logits plus ``l2`` times the squared weights."""
    logits = model(x)
    data_loss = nn.softmax_cross_entropy_with_integer_labels(logits, y)
    return data_loss + l2 * nn.l2_penalty(model), logits


def accuracy(logits, y):
    return float(np.mean(np.argmax(logits, axis=-1) == y))


def plot_decision_boundary(plt, path, model, x, y, losses) -> None:
    """The loss curve, and the class the network predicts at every point of the plane."""
    fig, (ax_loss, ax_map) = plt.subplots(1, 2, figsize=(10, 4.2))
    ax_loss.semilogy(np.arange(1, len(losses) + 1), losses)
    ax_loss.set_xlabel("gradient-descent step")
    ax_loss.set_ylabel("loss (cross-entropy + L2)")
    ax_loss.set_title("training loss")
    grid = np.linspace(-1.1, 1.1, 200)
    gx, gy = np.meshgrid(grid, grid)
    classes = np.argmax(model(np.stack([gx.ravel(), gy.ravel()], axis=1)), axis=-1)
    colours = ["tab:red", "tab:blue", "tab:green"]
    ax_map.contourf(gx, gy, classes.reshape(gx.shape), levels=[-0.5, 0.5, 1.5, 2.5],
                    colors=colours, alpha=0.25)  # fmt: skip
    ax_map.scatter(x[:, 0], x[:, 1], c=[colours[c] for c in y], s=8)
    ax_map.set_aspect("equal")
    ax_map.set_title("decision regions and the training points")
    _plots.save(fig, path)


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--l2", type=float, default=1e-4)
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)

    x, y = make_spirals(200)
    model = init_mlp(fg.random.key(0), [2, args.hidden, args.hidden, 3])
    step_fn = fg.value_and_grad(loss_fn, has_aux=True)
    print(
        f"spirals: {len(y)} points, 3 classes; MLP 2-{args.hidden}-{args.hidden}-3, "
        f"gradient descent lr={args.lr}"
    )
    losses = []
    with Progress(args.steps, "train") as progress:
        for step in range(1, args.steps + 1):
            (loss, logits), grads = step_fn(model, x, y, args.l2)
            model = fg.tree.map(lambda p, g: p - args.lr * g, model, grads)
            losses.append(float(loss))
            progress.update(step, loss=losses[-1], acc=f"{accuracy(logits, y):.1%}")
    final_loss, logits = loss_fn(model, x, y, args.l2)
    print(
        f"done in {progress.elapsed:.1f} s: loss {float(final_loss):.4f}, "
        f"training accuracy {accuracy(logits, y):.1%}"
    )
    plt = _plots.pyplot(args)
    if plt is not None:
        plot_decision_boundary(plt, args.plot, model, x, y, losses)
    return float(final_loss)


if __name__ == "__main__":
    main()
