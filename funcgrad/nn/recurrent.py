"""Recurrent layers ``RNN``, ``LSTM``, ``GRU``: frozen attrs classes run with ``fg.scan``.

Parameters, shapes and equations are PyTorch's (``torch.nn.RNN/LSTM/GRU``, one layer,
``batch_first=False``), so weights can be exchanged with it: ``weight_ih`` is
``(gates * hidden, input)``, ``weight_hh`` is ``(gates * hidden, hidden)``, with two biases.
Sequences are time-major: ``xs`` of shape ``(T, batch, input)`` or ``(T, input)``.

Each layer has ``init(key, input_size, hidden_size)``, ``cell(carry, x) -> (carry, h)``
for one step (``f``-shaped for ``scan``), and ``__call__(xs, h0=None, *, truncation=None)
-> (outputs, final_state)``, where ``outputs`` stacks the hidden state of every step,
``(T, ..., hidden)``. The input projection of the whole sequence is one matrix product
before the loop; only the recurrent part runs per step. ``truncation=k`` runs
``fg.truncated_scan`` (truncated BPTT). Gradient clipping lives in ``optim``
(``clip_by_global_norm``). Imports funcgrad.numpy, random, tree and the transformations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from .. import numpy as fnp, random
from ..core.errors import FuncgradValueError
from ..transforms.control_flow import scan, truncated_scan
from .activations import sigmoid
from .initializers import glorot_uniform
from .layers import positive_int


def orthogonal(key: Any, shape: tuple[int, int], dtype: Any = float) -> np.ndarray:
    """A random (semi-)orthogonal matrix: Q of the QR of a normal matrix, signs fixed."""
    rows, cols = shape
    a = random.normal(key, (max(rows, cols), min(rows, cols)), np.float64)
    q, r = np.linalg.qr(a)
    q = q * np.where(np.diagonal(r) < 0, -1.0, 1.0)  # uniform over the orthogonal group
    return (q if rows >= cols else q.T).astype(dtype)


def _init_weights(key, input_size, hidden_size, gates, dtype):
    where = {1: "RNN.init", 3: "GRU.init", 4: "LSTM.init"}[gates]
    input_size = positive_int(input_size, "input_size", where)
    hidden_size = positive_int(hidden_size, "hidden_size", where)
    k_ih, *k_hh = random.split(key, 1 + gates)
    w_ih = glorot_uniform(k_ih, (gates * hidden_size, input_size), dtype)
    # one orthogonal block per gate: each gate's recurrent map preserves norms
    w_hh = np.concatenate([orthogonal(k, (hidden_size, hidden_size), dtype) for k in k_hh])
    zeros = np.zeros(gates * hidden_size, dtype=dtype)
    return w_ih, w_hh, zeros, zeros.copy()


class _Recurrent:
    """Shared driver: input projection, initial state, the scan."""

    weight_ih: Any
    weight_hh: Any
    bias_ih: Any
    bias_hh: Any
    # each layer's step on the projected input: (carry, xw) -> (new_carry, output)
    _step: Callable[[Any, Any], tuple[Any, Any]]

    @property
    def hidden_size(self) -> int:
        return int(np.shape(self.weight_hh)[1])

    @property
    def input_size(self) -> int:
        return int(np.shape(self.weight_ih)[1])

    def _project(self, x: Any) -> Any:
        name = type(self).__name__
        if np.ndim(x) < 1 or np.shape(x)[-1] != self.input_size:
            raise FuncgradValueError(
                f"{name}: the input has {np.shape(x)[-1] if np.ndim(x) else 0} features "
                f"(shape {np.shape(x)}) but the layer expects {self.input_size}; reshape the "
                "input or build the layer with a matching input_size"
            )
        return x @ self.weight_ih.T + self.bias_ih

    def _zeros(self, xs: Any) -> Any:
        dtype = np.result_type(_dtype(xs), _dtype(self.weight_hh))
        return np.zeros((*np.shape(xs)[1:-1], self.hidden_size), dtype)

    def _run(self, xs: Any, carry: Any, truncation: int | None) -> tuple[Any, Any]:
        if np.ndim(xs) < 2:
            raise FuncgradValueError(
                f"{type(self).__name__}: expected a sequence of shape (T, batch, input) or "
                f"(T, input), got shape {np.shape(xs)}; for a single step use .cell(carry, x), "
                "or add a leading time axis"
            )
        projected = self._project(xs)
        if truncation is None:
            carry, outputs = scan(self._step, carry, projected)
        else:
            carry, outputs = truncated_scan(self._step, carry, projected, truncation)
        return outputs, carry

    def cell(self, carry: Any, x: Any) -> tuple[Any, Any]:
        """One step on input ``x`` (shape ``(..., input)``): ``(new_carry, h)``."""
        return self._step(carry, self._project(x))


@attrs.frozen
class RNN(_Recurrent):
    """Elman RNN with tanh, as ``torch.nn.RNN``:
    ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``; the carry is ``h``."""

    weight_ih: Any  # (hidden, input)
    weight_hh: Any  # (hidden, hidden)
    bias_ih: Any
    bias_hh: Any

    @classmethod
    def init(cls, key: Any, input_size: int, hidden_size: int, *, dtype: Any = float) -> RNN:
        """Glorot-uniform input weights, orthogonal recurrent weights, zero biases."""
        return cls(*_init_weights(key, input_size, hidden_size, 1, dtype))

    def _step(self, h: Any, xw: Any) -> tuple[Any, Any]:
        h = fnp.tanh(xw + h @ self.weight_hh.T + self.bias_hh)
        return h, h

    def __call__(self, xs: Any, h0: Any = None, *, truncation: int | None = None):
        """Run over ``xs`` (T, ..., input): ``(outputs (T, ..., hidden), h_T)``."""
        return self._run(xs, self._zeros(xs) if h0 is None else h0, truncation)


@attrs.frozen
class LSTM(_Recurrent):
    """Long short-term memory, as ``torch.nn.LSTM`` (gate blocks in the order i, f, g, o)::

        i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)      input gate
        f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)      forget gate
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)         candidate cell
        o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)      output gate
        c' = f * c + i * g
        h' = o * tanh(c')

    The carry is the pair ``(h, c)``; the output of a step is ``h'``.
    """

    weight_ih: Any  # (4 hidden, input)
    weight_hh: Any  # (4 hidden, hidden)
    bias_ih: Any
    bias_hh: Any

    @classmethod
    def init(
        cls,
        key: Any,
        input_size: int,
        hidden_size: int,
        *,
        forget_bias: float = 1.0,
        dtype: Any = float,
    ) -> LSTM:
        """Glorot-uniform input weights, orthogonal recurrent blocks, zero biases except
        ``forget_bias`` in ``bias_ih``'s forget block (1.0 eases learning long memories;
        0.0 for PyTorch's zero-mean biases)."""
        w_ih, w_hh, b_ih, b_hh = _init_weights(key, input_size, hidden_size, 4, dtype)
        b_ih[hidden_size : 2 * hidden_size] = forget_bias
        return cls(w_ih, w_hh, b_ih, b_hh)

    def _step(self, carry: Any, xw: Any) -> tuple[Any, Any]:
        h, c = carry
        i, f, g, o = fnp.split(xw + h @ self.weight_hh.T + self.bias_hh, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * fnp.tanh(g)
        h = sigmoid(o) * fnp.tanh(c)
        return (h, c), h

    def __call__(self, xs: Any, h0: Any = None, *, truncation: int | None = None):
        """Run over ``xs`` (T, ..., input) from ``h0 = (h, c)`` (zeros if None):
        ``(outputs (T, ..., hidden), (h_T, c_T))``."""
        if h0 is None:
            h0 = (self._zeros(xs), self._zeros(xs))
        return self._run(xs, tuple(h0), truncation)


@attrs.frozen
class GRU(_Recurrent):
    """Gated recurrent unit, as ``torch.nn.GRU`` (gate blocks in the order r, z, n)::

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)      reset gate
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)      update gate
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))   candidate
        h' = (1 - z) * n + z * h

    The carry is ``h``.
    """

    weight_ih: Any  # (3 hidden, input)
    weight_hh: Any  # (3 hidden, hidden)
    bias_ih: Any
    bias_hh: Any

    @classmethod
    def init(cls, key: Any, input_size: int, hidden_size: int, *, dtype: Any = float) -> GRU:
        """Glorot-uniform input weights, orthogonal recurrent blocks, zero biases."""
        return cls(*_init_weights(key, input_size, hidden_size, 3, dtype))

    def _step(self, h: Any, xw: Any) -> tuple[Any, Any]:
        x_r, x_z, x_n = fnp.split(xw, 3, axis=-1)
        h_r, h_z, h_n = fnp.split(h @ self.weight_hh.T + self.bias_hh, 3, axis=-1)
        r = sigmoid(x_r + h_r)
        z = sigmoid(x_z + h_z)
        n = fnp.tanh(x_n + r * h_n)
        h = (1.0 - z) * n + z * h
        return h, h

    def __call__(self, xs: Any, h0: Any = None, *, truncation: int | None = None):
        """Run over ``xs`` (T, ..., input): ``(outputs (T, ..., hidden), h_T)``."""
        return self._run(xs, self._zeros(xs) if h0 is None else h0, truncation)


def _dtype(x: Any) -> Any:
    return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
