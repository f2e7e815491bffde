"""The seed examples of backpropagation, checked and printed.

1. The circuit f(x, y, z) = (x + y) * z at (-2, 5, -4): value -12, gradients (-4, -4, 3).
2. The sigmoid's derivative equals s * (1 - s).
3. A two-layer sigmoid network: ``grad`` equals the hand-derived delta formulas.
4. Numerical gradient checking agrees with backprop, and its cost grows with the number
   of weights (two forward passes per weight) while backprop's stays a few passes
   (``gradient_check.py``'s table; that script also catches a wrong custom rule).

Run:  python examples/backprop_basics.py
"""

from __future__ import annotations

import argparse

import numpy as np
from gradient_check import cost_table

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn


def circuit():
    f = lambda x, y, z: (x + y) * z  # noqa: E731 - the textbook one-liner
    value, grads = fg.value_and_grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    print(
        f"1. (x + y) * z at (-2, 5, -4) = {float(value):g}; gradients {[float(g) for g in grads]}"
    )
    return value, grads


def sigmoid_derivative():
    xs = np.linspace(-6, 6, 13)
    d = fg.vmap(fg.grad(nn.sigmoid))(xs)
    s = 1 / (1 + np.exp(-xs))
    err = np.max(np.abs(d - s * (1 - s)))
    print(f"2. sigmoid' == s(1 - s) on 13 points: max difference {err:.1e}")
    return err


def two_layer_network(seed: int = 0):
    """grad of a two-layer sigmoid net vs the textbook backprop deltas."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, 4))
    t = rng.uniform(size=(8, 2))
    w1, w2 = rng.normal(size=(4, 5)), rng.normal(size=(5, 2))

    def loss(w1, w2):
        h = nn.sigmoid(x @ w1)
        out = nn.sigmoid(h @ w2)
        return 0.5 * fnp.sum((out - t) ** 2)

    g1, g2 = fg.grad(loss, argnums=(0, 1))(w1, w2)
    # Hand-derived: delta2 = (out - t) out (1 - out); delta1 = (delta2 w2^T) h (1 - h)
    h = 1 / (1 + np.exp(-(x @ w1)))
    out = 1 / (1 + np.exp(-(h @ w2)))
    delta2 = (out - t) * out * (1 - out)
    delta1 = (delta2 @ w2.T) * h * (1 - h)
    e1, e2 = np.max(np.abs(g1 - x.T @ delta1)), np.max(np.abs(g2 - h.T @ delta2))
    print(f"3. two-layer sigmoid network: |grad - deltas| = {e1:.1e}, {e2:.1e}")
    return e1, e2


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 8, 32],
                        help="hidden sizes for the cost of numerical gradients")  # fmt: skip
    args = parser.parse_args(argv)
    circuit()
    sigmoid_derivative()
    two_layer_network()
    print("4. numerical gradients against backprop, 16 -> hidden -> 1 tanh network, 512 examples")
    cost_table(args.sizes)


if __name__ == "__main__":
    main()
