"""The workloads, defined once and shared by every backend.

A workload is a model written against a numpy-like namespace ``ops`` (``funcgrad.numpy``,
``autograd.numpy``, ``jax.numpy``, or the small torch shim in ``backends/torch.py``) plus
the recipe for its data. Only these names are used: ``tanh, maximum, exp, log, sqrt,
sum(x, axis=None, keepdims=False), max(x, axis=None, keepdims=False)``, the operators
``+ - * / @``, basic slicing, ``.shape`` and ``.ndim``; the CNN also uses
``reshape(x, shape)`` and ``conv2d(x, w)`` (NCHW input, OIHW kernel, stride 1, no padding:
torch's ``conv2d``), the RNNs ``scan(f, init, xs)`` with ``f(carry, x) -> (carry, y)``
(``funcgrad.scan``, ``jax.lax.scan``, or ``loop_scan`` below with ``stack``). An adapter
whose library lacks one of these wraps its namespace in ``Ops`` with the missing names, or
reports the workload unsupported. Data are made with numpy from fixed seeds, so every
worker process builds bitwise-identical inputs.

``kind`` says what "loss+gradients" means for the workload:

- ``"loss"``: ``value_and_grad(loss)(params, *data)`` with respect to ``params``;
- ``"step"``: that plus one Adam update (the loss and the new parameters are checked);
- ``"per_example"``: ``vmap(grad(loss))`` over the batch: one gradient per example.

To add a workload (CNN, RNN, ...): write its loss here, add a ``Workload`` to
``WORKLOADS``, a hand-written forward/backward to ``backends/numpy.py`` under its
``model`` name, and any new op to the torch shim.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

Arrays = tuple[np.ndarray, ...]

# --- the models, written once against `ops` -------------------------------------------


def mlp(ops: Any, params: Arrays, x: Any, act: Callable[[Any, Any], Any]) -> Any:
    """Dense layers ``x @ W + b`` with ``act`` between them; ``params = (W1, b1, W2, ...)``."""
    n = len(params) // 2
    for i in range(n):
        x = x @ params[2 * i] + params[2 * i + 1]
        if i < n - 1:
            x = act(ops, x)
    return x


def tanh(ops: Any, x: Any) -> Any:
    return ops.tanh(x)


def relu(ops: Any, x: Any) -> Any:
    return ops.maximum(x, 0.0)


def tanh_mse(ops: Any, params: Arrays, x: Any, y: Any) -> Any:
    """Tanh MLP, mean squared error over every output entry."""
    d = mlp(ops, params, x, tanh) - y
    return ops.sum(d * d) * (1.0 / (y.shape[0] * y.shape[1]))


def relu_xent(ops: Any, params: Arrays, x: Any, y: Any) -> Any:
    """ReLU MLP, softmax cross-entropy with one-hot ``y``, mean over the batch.

    Written for a batch ``(B, features)`` and for one example ``(features,)`` alike, so the
    per-example workload can ``vmap`` the very same function.
    """
    z = mlp(ops, params, x, relu)
    batch = x.shape[0] if x.ndim == 2 else 1
    return softmax_xent(ops, z, y, batch)


def softmax_xent(ops: Any, z: Any, y: Any, batch: int) -> Any:
    """Softmax cross-entropy of logits ``z`` against one-hot ``y``, summed, over ``batch``."""
    s = z - ops.max(z, axis=-1, keepdims=True)
    lse = ops.log(ops.sum(ops.exp(s), axis=-1, keepdims=True))
    return -ops.sum(y * (s - lse)) * (1.0 / batch)


def cnn_xent(ops: Any, params: Arrays, x: Any, y: Any) -> Any:
    """conv 3x3 -> ReLU -> conv 3x3 -> ReLU -> flatten -> dense; softmax cross-entropy.

    ``x`` is ``(N, 1, H, W)``; convolutions are "valid" (no padding, stride 1) with biases
    of shape ``(O, 1, 1)``; the flatten is NCHW order (torch's ``flatten(1)``).
    """
    w1, b1, w2, b2, wd, bd = params
    h = ops.maximum(ops.conv2d(x, w1) + b1, 0.0)
    h = ops.maximum(ops.conv2d(h, w2) + b2, 0.0)
    z = ops.reshape(h, (x.shape[0], -1)) @ wd + bd
    return softmax_xent(ops, z, y, x.shape[0])


def sigmoid(ops: Any, x: Any) -> Any:
    return 0.5 * ops.tanh(0.5 * x) + 0.5


def rnn_mse(ops: Any, params: Arrays, xs: Any, h0: Any, y: Any) -> Any:
    """Vanilla RNN ``h = tanh(x @ Wx + h @ Wh + b)`` through ``scan`` over ``xs (T, B, I)``;
    MSE of the linear readout ``h_t @ Wo + bo`` of every step against ``y (T, B, 1)``."""
    wx, wh, b, wo, bo = params

    def step(h: Any, x: Any) -> tuple:
        h = ops.tanh(x @ wx + h @ wh + b)
        return h, h

    _, hs = ops.scan(step, h0, xs)
    d = hs @ wo + bo - y
    return ops.sum(d * d) * (1.0 / (y.shape[0] * y.shape[1] * y.shape[2]))


def lstm_mse(ops: Any, params: Arrays, xs: Any, h0: Any, y: Any) -> Any:
    """LSTM (gates ``i, f, g, o`` in that order along ``4H``; ``h0`` also the first cell
    state) through ``scan``; MSE of the linear readout of every step's ``h``."""
    wx, wh, b, wo, bo = params
    n = wh.shape[0]

    def step(carry: tuple, x: Any) -> tuple:
        h, c = carry
        z = x @ wx + h @ wh + b
        i = sigmoid(ops, z[:, :n])
        f = sigmoid(ops, z[:, n : 2 * n])
        g = ops.tanh(z[:, 2 * n : 3 * n])
        o = sigmoid(ops, z[:, 3 * n :])
        c = f * c + i * g
        h = o * ops.tanh(c)
        return (h, c), h

    _, hs = ops.scan(step, (h0, h0), xs)
    d = hs @ wo + bo - y
    return ops.sum(d * d) * (1.0 / (y.shape[0] * y.shape[1] * y.shape[2]))


def loop_scan(stack: Callable[[list], Any], f: Callable, init: Any, xs: Any) -> tuple:
    """``scan`` as a Python loop over the leading axis of ``xs`` (for torch and autograd)."""
    carry, ys = init, []
    for t in range(xs.shape[0]):
        carry, y = f(carry, xs[t])
        ys.append(y)
    return carry, stack(ys)


class Ops:
    """A namespace ``base`` with some names added or replaced (``conv2d``, ``scan``, ...)."""

    def __init__(self, base: Any, **extra: Any) -> None:
        self._base = base
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


CHAIN_SCALE = 1.01


def chain(ops: Any, params: Arrays, c: Any, steps: int) -> Any:
    """``x = tanh(x * 1.01 + c)`` repeated ``steps`` times (3 primitives each), then ``sum``."""
    (x,) = params
    for _ in range(steps):
        x = ops.tanh(x * CHAIN_SCALE + c)
    return ops.sum(x)


# --- Adam, for the backends without an optimizer library of their own ------------------

ADAM = {"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-8}


def adam_init(params: Any, zeros_like: Callable[[Any], Any]) -> tuple:
    return (0, tuple(zeros_like(p) for p in params), tuple(zeros_like(p) for p in params))


def adam_update(sqrt: Callable, grads: Any, state: tuple, params: Any) -> tuple:
    """One Adam step with optax's formulas; returns ``(new_params, new_state)``."""
    lr, b1, b2, eps = ADAM["lr"], ADAM["b1"], ADAM["b2"], ADAM["eps"]
    count, mu, nu = state
    count = count + 1
    mu = tuple(b1 * m + (1 - b1) * g for m, g in zip(mu, grads, strict=True))
    nu = tuple(b2 * v + (1 - b2) * (g * g) for v, g in zip(nu, grads, strict=True))
    c1, c2 = 1 - b1**count, 1 - b2**count
    new = tuple(
        p - lr * ((m / c1) / (sqrt(v / c2) + eps)) for p, m, v in zip(params, mu, nu, strict=True)
    )
    return new, (count, mu, nu)


# --- workloads and their data -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Workload:
    """One benchmark workload; ``model`` names the loss and its numpy floor."""

    name: str
    title: str
    model: str  # "tanh_mse" | "relu_xent" | "chain" | "cnn_xent" | "rnn_mse" | "lstm_mse"
    kind: str  # "loss" | "step" | "per_example"
    # layer widths; for "chain": (vector length, steps); "cnn_xent": (image side, conv1
    # channels, conv2 channels, classes); "rnn_mse"/"lstm_mse": (steps, input, hidden)
    sizes: tuple[int, ...]
    batch: int
    smoke_sizes: tuple[int, ...]
    smoke_batch: int
    dtypes: tuple[str, ...] = ("float64", "float32")
    fd: bool = False  # also time funcgrad.testing.numerical_grad (finite differences)
    group: str = "main"  # which table: "main" or "fd"
    seed: int = 0

    def case(self, dtype: str, smoke: bool) -> Case:
        sizes = self.smoke_sizes if smoke else self.sizes
        batch = self.smoke_batch if smoke else self.batch
        rng = np.random.default_rng(self.seed)
        dt = np.dtype(dtype)
        if self.model == "chain":
            n, steps = sizes
            params = (rng.normal(size=n).astype(dt),)
            data = (rng.normal(size=n).astype(dt),)
            return Case(self, dtype, params, data, steps=steps)
        if self.model == "cnn_xent":
            return _cnn_case(self, dtype, rng, sizes, batch)
        if self.model in ("rnn_mse", "lstm_mse"):
            return _rnn_case(self, dtype, rng, sizes, batch)
        params = init_mlp(rng, sizes, dt)
        x = rng.normal(size=(batch, sizes[0])).astype(dt)
        if self.model == "relu_xent":
            labels = rng.integers(0, sizes[-1], size=batch)
            y = np.eye(sizes[-1], dtype=dt)[labels]
        else:
            y = rng.normal(size=(batch, sizes[-1])).astype(dt)
        return Case(self, dtype, params, (x, y))


def init_mlp(rng: np.random.Generator, sizes: tuple[int, ...], dtype: np.dtype) -> Arrays:
    """He-style normal weights ``(fan_in, fan_out)``, small random biases."""
    params: list[np.ndarray] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params.append((rng.normal(size=(fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype))
        params.append((0.1 * rng.normal(size=fan_out)).astype(dtype))
    return tuple(params)


def _cnn_case(w: Workload, dtype: str, rng: np.random.Generator, sizes: tuple, batch: int) -> Case:
    side, c1, c2, classes = sizes
    dt = np.dtype(dtype)
    out = side - 4  # two valid 3x3 convolutions
    params = (
        rng.normal(size=(c1, 1, 3, 3)) * np.sqrt(2.0 / 9),
        0.1 * rng.normal(size=(c1, 1, 1)),
        rng.normal(size=(c2, c1, 3, 3)) * np.sqrt(2.0 / (9 * c1)),
        0.1 * rng.normal(size=(c2, 1, 1)),
        rng.normal(size=(c2 * out * out, classes)) * np.sqrt(2.0 / (c2 * out * out)),
        0.1 * rng.normal(size=classes),
    )
    x = rng.normal(size=(batch, 1, side, side))
    y = np.eye(classes)[rng.integers(0, classes, size=batch)]
    arrays = tuple(a.astype(dt) for a in params)
    return Case(w, dtype, arrays, (x.astype(dt), y.astype(dt)), sizes=sizes)


def _rnn_case(w: Workload, dtype: str, rng: np.random.Generator, sizes: tuple, batch: int) -> Case:
    steps, n_in, hidden = sizes
    gates = 4 if w.model == "lstm_mse" else 1
    dt = np.dtype(dtype)
    params = (
        rng.normal(size=(n_in, gates * hidden)) / np.sqrt(n_in),
        rng.normal(size=(hidden, gates * hidden)) / np.sqrt(hidden),
        0.1 * rng.normal(size=gates * hidden),
        rng.normal(size=(hidden, 1)) / np.sqrt(hidden),
        0.1 * rng.normal(size=1),
    )
    data = (
        rng.normal(size=(steps, batch, n_in)),
        np.zeros((batch, hidden)),
        rng.normal(size=(steps, batch, 1)),
    )
    return Case(w, dtype, tuple(a.astype(dt) for a in params), tuple(a.astype(dt) for a in data),
                sizes=sizes)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Case:
    """A workload at one dtype and size: numpy inputs, identical in every worker."""

    workload: Workload
    dtype: str
    params: Arrays
    data: Arrays
    steps: int = 0  # chain length (3 primitives each)
    sizes: tuple[int, ...] = ()  # the workload's sizes, for the CNN and the RNNs

    @property
    def key(self) -> str:
        return f"{self.workload.name}/{self.dtype}"

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params)

    @property
    def layers(self) -> tuple[int, ...]:
        """Layer widths of an MLP case (input, hidden..., output); the vector length else."""
        if self.steps:
            return self.params[0].shape
        if self.sizes:
            return self.sizes
        return (self.params[0].shape[0], *(w.shape[1] for w in self.params[::2]))

    @property
    def primitives(self) -> int:
        """Primitives in one forward pass of the chain (3 per step, plus the final sum)."""
        return 3 * self.steps + 1

    def loss(self, ops: Any) -> Callable[..., Any]:
        """``loss(params, *data)`` for namespace ``ops``."""
        if self.workload.model == "chain":
            steps = self.steps

            def chain_loss(params: Arrays, c: Any) -> Any:
                return chain(ops, params, c, steps)

            return chain_loss
        model = MODELS[self.workload.model]

        def loss(params: Arrays, *data: Any) -> Any:
            return model(ops, params, *data)

        return loss


MODELS: dict[str, Callable[..., Any]] = {
    "tanh_mse": tanh_mse, "relu_xent": relu_xent, "cnn_xent": cnn_xent,
    "rnn_mse": rnn_mse, "lstm_mse": lstm_mse,
}  # fmt: skip

TINY = (16, 32, 32, 1)
MEDIUM = (784, 512, 512, 10)
SMOKE_MLP = (6, 5, 5, 3)

FD_WORKLOADS = tuple(
    Workload(
        f"fd_h{h}", f"finite differences vs backprop, 8-{h}-1 tanh MLP, batch 16",
        "tanh_mse", "loss", (8, h, 1), 16, (3, max(1, h // 32), 1), 2,
        dtypes=("float64",), fd=True, group="fd",
    )
    for h in (4, 16, 64, 256)
)  # fmt: skip

WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "tiny_mlp", "tiny MLP 16-32-32-1 tanh MSE, batch 32",
        "tanh_mse", "loss", TINY, 32, SMOKE_MLP, 4,
    ),
    Workload(
        "medium_mlp", "medium MLP 784-512-512-10 ReLU softmax-CE, batch 128",
        "relu_xent", "loss", MEDIUM, 128, SMOKE_MLP, 4,
    ),
    Workload(
        "medium_mlp_adam", "medium MLP + one Adam step (loss+grad+update)",
        "relu_xent", "step", MEDIUM, 128, SMOKE_MLP, 4,
    ),
    Workload(
        "chain", "elementwise chain, 67 x tanh(x*1.01+c) + sum = 202 primitives, n=10",
        "chain", "loss", (10, 67), 0, (10, 4), 0,
    ),
    Workload(
        "per_example", "per-example gradients, medium MLP, batch 64 (vmap of grad)",
        "relu_xent", "per_example", MEDIUM, 64, SMOKE_MLP, 3,
    ),
    Workload(
        "cnn", "small CNN 8x8x1, conv3x3x8-ReLU-conv3x3x16-ReLU-dense 10, softmax-CE, batch 64",
        "cnn_xent", "loss", (8, 8, 16, 10), 64, (6, 2, 3, 3), 2,
    ),
    Workload(
        "rnn", "vanilla tanh RNN via scan, seq 50, batch 16, 8 -> 64, MSE of a linear readout",
        "rnn_mse", "loss", (50, 8, 64), 16, (4, 3, 5), 2,
    ),
    Workload(
        "lstm", "LSTM via scan, seq 50, batch 16, 8 -> 64, MSE of a linear readout",
        "lstm_mse", "loss", (50, 8, 64), 16, (4, 3, 5), 2,
    ),
    *FD_WORKLOADS,
)  # fmt: skip

BY_NAME = {w.name: w for w in WORKLOADS}
