"""Vanishing gradients, measured: a tanh RNN against an LSTM, sigmoid layers against ReLU.

1. Through time. A loss reads only the last hidden state of a 100-step sequence; how
   much does it depend on the hidden state at step t? The norm of dL/dh_t is computed
   exactly: every step adds a perturbation e_t (zeros) to its hidden state, and the
   gradient with respect to e_t is dL/dh_t (one ``grad`` of a ``scan``). In a tanh RNN
   each step multiplies the gradient by diag(1 - h^2) W_hh, whose norm is below one, so
   it shrinks geometrically; the LSTM's cell state is updated additively (c' = f c + i g),
   so the gradient decays only by the forget gates, and barely at all when they start
   near one (forget bias 3: sigmoid(3) = 0.95).
2. Through depth. In a 10-layer sigmoid MLP with Glorot initialisation every layer
   multiplies the backpropagated signal by sigmoid' <= 1/4 times the weights, so the
   first layer's gradient is orders of magnitude smaller than the last one's; with ReLU
   (derivative 1 where active) and He initialisation (variance 2 / fan_in, which keeps
   the signal's scale) the gradient norms stay within a small factor across layers.

Run:  python examples/vanishing_gradients.py      (a second or two; --plot PATH for the PNG)
"""

from __future__ import annotations

import argparse
import os

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _plots
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn


def hidden_state_gradients(layer, xs: np.ndarray, readout: np.ndarray) -> np.ndarray:
    """``||dL/dh_t||`` for every step t, where ``L = readout . h_T`` (shape (T,))."""
    lstm = isinstance(layer, nn.LSTM)

    def step(carry, inputs):
        x, e = inputs
        carry, _ = layer.cell(carry, x)
        if lstm:
            h, c = carry
            return (h + e, c), h + e
        return carry + e, carry + e

    def loss(perturbations):
        zeros = np.zeros(layer.hidden_size)
        _, hs = fg.scan(step, (zeros, zeros) if lstm else zeros, (xs, perturbations))
        return fnp.sum(readout * hs[-1])

    grads = fg.grad(loss)(np.zeros((len(xs), layer.hidden_size)))
    return np.linalg.norm(grads, axis=1)


def through_time(steps: int, hidden: int, inputs: int = 8, seed: int = 0) -> dict:
    """Per-step gradient norms of a tanh RNN and of LSTMs with forget bias 1 and 3."""
    k_rnn, k_lstm, k_x, k_w = fg.random.split(fg.random.key(seed), 4)
    xs = np.asarray(fg.random.normal(k_x, (steps, inputs)))
    readout = np.asarray(fg.random.normal(k_w, (hidden,)))
    layers = {
        "tanh RNN": nn.RNN.init(k_rnn, inputs, hidden),
        "LSTM (forget bias 1)": nn.LSTM.init(k_lstm, inputs, hidden, forget_bias=1.0),
        "LSTM (forget bias 3)": nn.LSTM.init(k_lstm, inputs, hidden, forget_bias=3.0),
    }
    return {name: hidden_state_gradients(layer, xs, readout) for name, layer in layers.items()}


def through_depth(depth: int, width: int, batch: int = 256, seed: int = 0) -> dict:
    """Per-layer ``||dL/dW_l||`` of a deep sigmoid MLP (Glorot) and a ReLU MLP (He)."""
    k_x, k_y, *keys = fg.random.split(fg.random.key(seed), 2 + depth)
    x = np.asarray(fg.random.normal(k_x, (batch, width)))
    y = np.asarray(fg.random.randint(k_y, (batch,), 0, 10))
    results = {}
    for name, activation, initializer in (
        ("sigmoid, Glorot init", nn.sigmoid, "glorot_uniform"),
        ("ReLU, He init", nn.relu, "he_normal"),
    ):
        sizes = [width] * depth + [10]
        layers = [
            nn.Dense.init(k, n_in, n_out, initializer=initializer)
            for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:], strict=True)
        ]

        def loss(layers, activation=activation):
            h = x
            for layer in layers[:-1]:
                h = activation(layer(h))
            return nn.softmax_cross_entropy_with_integer_labels(layers[-1](h), y)

        grads = fg.grad(loss)(layers)
        results[name] = np.array([np.linalg.norm(g.weight) for g in grads])
    return results


def main(argv=None) -> tuple[dict, dict]:
    """Print both tables; return (per-step norms, per-layer norms) keyed by model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="sequence length")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--depth", type=int, default=10, help="layers of the MLP")
    parser.add_argument("--width", type=int, default=64)
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)

    time_norms = through_time(args.steps, args.hidden)
    print(f"1. ||dL/dh_t|| with L reading h_T only ({args.steps} steps, {args.hidden} hidden)")
    shown = sorted({0, args.steps // 4, args.steps // 2, 3 * args.steps // 4, args.steps - 1})
    print(f"   {'model':<22}" + "".join(f"{'t=' + str(t):>10}" for t in shown))
    for name, norms in time_norms.items():
        print(f"   {name:<22}" + "".join(f"{norms[t]:10.1e}" for t in shown))

    depth_norms = through_depth(args.depth, args.width)
    print(f"\n2. ||dL/dW_l|| per layer of a {args.depth}-layer MLP ({args.width} wide)")
    print(f"   {'layer':>5}" + "".join(f"{name:>24}" for name in depth_norms))
    for i in range(args.depth):
        print(f"   {i + 1:>5}" + "".join(f"{norms[i]:24.2e}" for norms in depth_norms.values()))
    for name, norms in depth_norms.items():
        print(f"   {name}: first layer / last layer = {norms[0] / norms[-1]:.1e}")

    plt = _plots.pyplot(args)
    if plt is not None:
        fig, (ax_t, ax_d) = plt.subplots(1, 2, figsize=(11, 4))
        for name, norms in time_norms.items():
            ax_t.semilogy(np.arange(args.steps), norms, label=name)
        ax_t.set_xlabel("time step t (the loss reads the last one)")
        ax_t.set_ylabel("||dL/dh_t||")
        ax_t.set_title("gradient through time")
        ax_t.legend()
        for name, norms in depth_norms.items():
            ax_d.semilogy(np.arange(1, args.depth + 1), norms, "o-", label=name)
        ax_d.set_xlabel("layer (1 = nearest the input)")
        ax_d.set_ylabel("||dL/dW_l||")
        ax_d.set_title(f"gradient through depth ({args.depth} layers)")
        ax_d.legend()
        _plots.save(fig, args.plot)
    return time_norms, depth_norms


if __name__ == "__main__":
    main()
