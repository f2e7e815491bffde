"""Gradient checking: finite differences against backprop, in cost and in catching bugs.

1. Cost. A finite-difference gradient perturbs one weight at a time: one extra forward
   pass per weight with forward differences, ``(L(w + eps e_i) - L(w)) / eps``, two
   with the central differences that ``funcgrad.testing.numerical_grad`` uses (error
   O(eps^2) instead of O(eps)). Backpropagation gets every derivative from one forward
   and one backward pass, about two to three forward passes' worth in total, whatever
   the number of weights (on a tiny network funcgrad's fixed cost per operation, the
   tape, dominates and it is nearer ten). The table times all three on a tanh network
   as its hidden layer grows, and counts the forward passes.
2. Catching a wrong rule. ``fg.custom_vjp`` lets a user write a derivative by hand; here
   softplus gets a backward rule that is 1% too large. ``check_grads`` compares every
   derivative with central differences and rejects it, naming the argument, the worst
   index and both values, while it accepts the correct rule.

Run:  python examples/gradient_check.py          (about 5 s; --plot PATH for the PNG)
"""

from __future__ import annotations

import argparse
import os
import time

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _plots
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.testing import check_grads, numerical_grad


def forward_difference_grad(f, w: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """One-sided differences: one forward pass per entry of ``w``, plus one at ``w``."""
    base = float(f(w))
    grad = np.zeros_like(w)
    for i in range(w.size):
        shifted = w.copy()
        shifted.flat[i] += eps
        grad.flat[i] = (float(f(shifted)) - base) / eps
    return grad


class Counted:
    """``f`` that counts its calls (each one is a forward pass)."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args):
        self.calls += 1
        return self.f(*args)


def best_time(fun, repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fun()
        times.append(time.perf_counter() - start)
    return min(times)


def network_loss(hidden: int, inputs: int, batch: int, seed: int = 1):
    """A loss of ONE flat weight vector (an inputs -> hidden -> 1 tanh net) and that vector."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, inputs))
    t = rng.normal(size=(batch, 1))
    split = inputs * hidden

    def loss(w):
        w1 = fnp.reshape(w[:split], (inputs, hidden))
        w2 = fnp.reshape(w[split:], (hidden, 1))
        return fnp.mean((fnp.tanh(x @ w1) @ w2 - t) ** 2)

    return loss, 0.5 * rng.normal(size=split + hidden)


def cost_table(sizes=(2, 8, 32, 128), inputs: int = 16, batch: int = 512, repeat: int = 3):
    """Time and count the forward passes of the three gradients for each hidden size."""
    print(
        f"   {'weights':>7} | {'forward diff.':>19} | {'central diff.':>19} | "
        f"{'backprop':>8} {'= forward':>9} | {'max |central - backprop|':>24}"
    )
    print(f"   {'':>7} | {'passes':>8} {'ms':>10} | {'passes':>8} {'ms':>10} | {'ms':>8} "
          f"{'passes':>9} |")  # fmt: skip
    rows = []
    for hidden in sizes:
        loss, w = network_loss(hidden, inputs, batch)
        grad = fg.grad(loss)
        forward_counted, central_counted = Counted(loss), Counted(loss)
        start = time.perf_counter()
        forward_difference_grad(forward_counted, w)
        forward_diff = time.perf_counter() - start  # slow enough to time once
        start = time.perf_counter()
        (central,) = numerical_grad(central_counted, w)
        central_diff = time.perf_counter() - start
        row = {
            "weights": w.size,
            "forward_passes": forward_counted.calls,
            "central_passes": central_counted.calls,
            "forward_diff": forward_diff,
            "central_diff": central_diff,
            "backprop": best_time(lambda grad=grad, w=w: grad(w), 10 * repeat),
            "forward": best_time(lambda loss=loss, w=w: loss(w), 10 * repeat),
            "error": float(np.max(np.abs(central - grad(w)))),
        }
        rows.append(row)
        print(
            f"   {row['weights']:>7} | {row['forward_passes']:>8} "
            f"{1e3 * forward_diff:>10.2f} | {row['central_passes']:>8} "
            f"{1e3 * central_diff:>10.2f} | {1e3 * row['backprop']:>8.3f} "
            f"{row['backprop'] / row['forward']:>9.1f} | {row['error']:>24.1e}"
        )
    first, last = rows[0], rows[-1]
    print(
        f"   at {last['weights']} weights one central-difference gradient costs as much as "
        f"{last['central_diff'] / last['backprop']:.0f} backprop gradients; backprop costs "
        f"{last['backprop'] / last['forward']:.1f} forward passes there\n   "
        f"({first['backprop'] / first['forward']:.1f} at {first['weights']} weights, where "
        "funcgrad's fixed cost per operation outweighs the arithmetic)"
    )
    return rows


@fg.custom_vjp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


def _softplus_fwd(x):
    return softplus(x), x


def _softplus_bwd_right(x, g):
    return (g * nn.sigmoid(x),)  # d softplus / dx = sigmoid(x)


def _softplus_bwd_wrong(x, g):
    return (1.01 * g * nn.sigmoid(x),)  # the bug: 1% too large


def catch_wrong_rule() -> tuple[bool, str]:
    """Check softplus with the right, then the 1%-wrong rule: (right passed, the error)."""
    x = np.linspace(-3.0, 3.0, 7)
    print("\n2. check_grads against a hand-written custom_vjp rule for softplus")
    softplus.defvjp(_softplus_fwd, _softplus_bwd_right)
    check_grads(softplus, (x,), order=1, modes=("rev",))
    print("   the right rule, g * sigmoid(x):    check_grads passes")
    softplus.defvjp(_softplus_fwd, _softplus_bwd_wrong)
    try:
        check_grads(softplus, (x,), order=1, modes=("rev",))
    except AssertionError as error:
        message = str(error)
    else:
        raise RuntimeError("check_grads missed a derivative that is 1% wrong")
    finally:
        softplus.defvjp(_softplus_fwd, _softplus_bwd_right)
    print(f"   the 1%-wrong rule, 1.01 * g * sigmoid(x): check_grads raises\n     {message}")
    return True, message


def main(argv=None) -> tuple[list[dict], str]:
    """Print the cost table and the caught bug; return (table rows, check_grads' message)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 8, 32, 128],
                        help="hidden layer sizes")  # fmt: skip
    parser.add_argument("--inputs", type=int, default=16)
    parser.add_argument("--batch", type=int, default=512, help="examples in the loss")
    parser.add_argument("--repeat", type=int, default=3, help="backprop timings (x10)")
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)

    print(
        f"1. finite differences against backprop ({args.inputs} -> hidden -> 1 tanh network, "
        f"{args.batch} examples)"
    )
    rows = cost_table(args.sizes, args.inputs, args.batch, args.repeat)
    _, message = catch_wrong_rule()

    plt = _plots.pyplot(args)
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        weights = [r["weights"] for r in rows]
        for key, label in (
            ("central_diff", "central differences (2 passes per weight)"),
            ("forward_diff", "forward differences (1 pass per weight)"),
            ("backprop", "backprop (forward + backward)"),
            ("forward", "one forward pass"),
        ):
            ax.loglog(weights, [1e3 * r[key] for r in rows], "o-", label=label)
        ax.set_xlabel("number of weights")
        ax.set_ylabel("time for one gradient (ms)")
        ax.set_title("the cost of a gradient")
        ax.legend()
        _plots.save(fig, args.plot)
    return rows, message


if __name__ == "__main__":
    main()
