"""Why weights start random: from a constant start the hidden units never tell apart.

A 2 -> 16 -> 3 tanh network learns ``train_mlp.py``'s three spirals by gradient descent
from three starts: every weight zero, every weight the same constant (0.3), and random
(Glorot). If all hidden units start equal, they compute the same value, receive the
same gradient and take the same step, at every step: the sixteen units stay one unit
copied sixteen times (from all zeros the hidden layer does not even move, since its
gradient passes through the zero output weights). The measure is the spread of the
units: the largest gap, over inputs, between the units' incoming weights. From both
constant starts it stays exactly zero (the sixteen rows of weights are bitwise equal
after every step: one distinct unit), and the network is no better than one hidden
unit; from the random start it grows, and only that network solves the task.

Run:  python examples/zero_init_symmetry.py      (a few seconds; --plot PATH for the PNG)
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
from train_mlp import make_spirals

import funcgrad as fg
from funcgrad import nn


def constant_network(value: float, hidden: int) -> nn.Sequential:
    """2 -> hidden -> 3 with every weight equal to ``value`` and zero biases."""
    return nn.Sequential(
        [
            nn.Dense(np.full((hidden, 2), value), np.zeros(hidden)),
            nn.tanh,
            nn.Dense(np.full((3, hidden), value), np.zeros(3)),
        ]
    )


def random_network(key, hidden: int) -> nn.Sequential:
    k1, k2 = fg.random.split(key)
    init = "glorot_uniform"
    return nn.Sequential(
        [nn.Dense.init(k1, 2, hidden, initializer=init), nn.tanh,
         nn.Dense.init(k2, hidden, 3, initializer=init)]
    )  # fmt: skip


def spread(model: nn.Sequential) -> float:
    """How different the hidden units are: the largest gap, over inputs, between the
    units' incoming weights (max minus min across units; exactly 0 for equal units)."""
    return float(np.max(np.ptp(model.layers[0].weight, axis=0)))


def distinct_units(model: nn.Sequential, tol: float = 1e-9) -> int:
    """The number of hidden units whose (incoming weights, bias) differ by more than tol."""
    first = model.layers[0]
    rows = np.concatenate([first.weight, first.bias[:, None]], axis=1)
    return len(np.unique(np.round(rows / tol), axis=0))


def train(model, x, y, steps: int, lr: float, desc: str):
    """Gradient descent; returns (model, spread after every step, final loss)."""
    step_fn = fg.value_and_grad(lambda m: nn.softmax_cross_entropy_with_integer_labels(m(x), y))
    spreads = [spread(model)]
    with Progress(steps, desc, lines=4) as progress:
        for step in range(1, steps + 1):
            loss, grads = step_fn(model)
            model = fg.tree.map(lambda p, g: p - lr * g, model, grads)
            spreads.append(spread(model))
            progress.update(step, loss=float(loss), spread=f"{spreads[-1]:.1e}")
    return model, np.array(spreads), float(step_fn(model)[0])


def main(argv=None) -> dict:
    """Train from each start; return {start: (spreads, accuracy, distinct units)}."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.5)
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)

    x, y = make_spirals(100)
    starts = {
        "all zeros": constant_network(0.0, args.hidden),
        "all 0.3": constant_network(0.3, args.hidden),
        "random (Glorot)": random_network(fg.random.key(0), args.hidden),
    }
    results, models = {}, {}
    for name, model in starts.items():
        model, spreads, loss = train(model, x, y, args.steps, args.lr, name)
        acc = float(np.mean(np.argmax(model(x), axis=-1) == y))
        results[name] = (spreads, acc, distinct_units(model))
        models[name] = model
        print(f"   final loss {loss:.4f}")

    print(f"\n{'start':<16} {'spread at 0':>12} {'at the end':>12} {'distinct units':>15} "
          f"{'accuracy':>9}")  # fmt: skip
    for name, (spreads, acc, distinct) in results.items():
        print(
            f"{name:<16} {spreads[0]:12.1e} {spreads[-1]:12.1e} "
            f"{distinct:>9} of {args.hidden:<3} {acc:9.1%}"
        )

    plt = _plots.pyplot(args)
    if plt is not None:
        fig, (ax_s, ax_w) = plt.subplots(1, 2, figsize=(11, 4))
        for name, (spreads, _, _) in results.items():
            ax_s.plot(spreads, label=name + (" (exactly 0)" if not spreads.any() else ""))
        ax_s.set_xlabel("gradient-descent step")
        ax_s.set_ylabel("spread of the hidden units' weights")
        ax_s.set_title("hidden units separate only from a random start")
        ax_s.legend()
        for (name, model), marker in zip(models.items(), "sox", strict=True):
            w = model.layers[0].weight
            ax_w.scatter(w[:, 0], w[:, 1], marker=marker, label=name, alpha=0.7)
        ax_w.set_xlabel("weight from input 1")
        ax_w.set_ylabel("weight from input 2")
        ax_w.set_title(f"each hidden unit's incoming weights after {args.steps} steps")
        ax_w.legend()
        _plots.save(fig, args.plot)
    return results


if __name__ == "__main__":
    main()
