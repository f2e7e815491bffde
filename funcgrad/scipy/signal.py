"""funcgrad.scipy.signal: n-dimensional ``convolve`` and ``correlate``, differentiable.

Both are one ``correlate_p`` (``primitives.correlate``) whose padding encodes the mode:
scipy's output shapes, with ``'same'`` centred on the full output as scipy's ``_centered``
(start ``(K - 1) // 2`` per axis) and ``'valid'`` swapping the roles of the inputs when
``in2`` is the larger, as scipy does. Differentiable in both inputs (VJPs are again
correlations), batched by ``vmap`` without loops. ``method='fft'`` (or ``'auto'`` on large
inputs) agrees with the direct sum to float rounding; NaN or inf inputs then spread to
every output, as in scipy. Integer inputs are always summed directly (exact). Layer 5:
imports the primitives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import FuncgradValueError
from ..core.namespace import public_namespace
from ..core.trace import Tracer
from ..primitives import correlate as _cor
from ..primitives.elementwise import conj_if_complex
from ..primitives.shape import flip

__all__ = ["convolve", "correlate"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_MODES = ("full", "same", "valid")
_METHODS = ("auto", "direct", "fft")


def _check(fname: str, in1: Any, in2: Any, mode: str, method: str) -> tuple[Any, Any]:
    in1 = in1 if isinstance(in1, Tracer) else np.asarray(in1)
    in2 = in2 if isinstance(in2, Tracer) else np.asarray(in2)
    if in1.ndim != in2.ndim:
        raise FuncgradValueError(
            f"{fname}: in1 and in2 should have the same dimensionality, got shapes "
            f"{tuple(in1.shape)} and {tuple(in2.shape)}; add axes of size 1 to the smaller"
        )
    if mode not in _MODES:
        raise FuncgradValueError(f"{fname}: `mode` must be one of {_MODES}, got {mode!r}")
    if method not in _METHODS:
        raise FuncgradValueError(f"{fname}: `method` must be one of {_METHODS}, got {method!r}")
    if in1.ndim and (in1.size == 0 or in2.size == 0):
        raise FuncgradValueError(
            f"{fname}: in1 {tuple(in1.shape)} and in2 {tuple(in2.shape)} must not be empty"
        )
    return in1, in2


def _padding(fname: str, x_shape: tuple, k_shape: tuple, mode: str) -> tuple:
    """Padding of in1 that makes the correlation with a K-sized kernel give ``mode``'s
    window of the full output (which starts at padding K - 1 on both sides)."""
    if mode == "full":
        return tuple((k - 1, k - 1) for k in k_shape)
    if mode == "same":
        return tuple((k - 1 - (k - 1) // 2, (k - 1) // 2) for k in k_shape)
    bigger = all(n >= k for n, k in zip(x_shape, k_shape, strict=True))
    if not bigger and not all(n <= k for n, k in zip(x_shape, k_shape, strict=True)):
        raise FuncgradValueError(
            f"{fname}: for 'valid' mode, one must be at least as large as the other in every "
            f"dimension; got shapes {x_shape} and {k_shape}"
        )
    # in2 the larger: the valid part is the full output's window [N - 1, K).
    return tuple(
        (0, 0) if bigger else (k - n, k - n) for n, k in zip(x_shape, k_shape, strict=True)
    )


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """n-dimensional discrete linear convolution of ``in1`` with ``in2`` (scipy.signal).

    ``out[k] = sum_j in1[k - j] in2[j]``, for ``k`` over the ``mode`` window of the full
    output: ``'full'`` (size ``N + K - 1`` per axis), ``'same'`` (``in1``'s shape,
    centred) or ``'valid'`` (``|N - K| + 1``; one input must be at least as large as the
    other in every axis).

    Args:
      in1, in2: arrays of the same number of dimensions (0-d: their product).
      mode: ``'full'``, ``'same'`` or ``'valid'``.
      method: ``'direct'``, ``'fft'`` or ``'auto'`` (the cheaper one by operation count).

    Raises:
      FuncgradValueError: different dimensionality, empty inputs, a bad mode or method, or
      incompatible shapes in ``'valid'`` mode.

    Example:
      >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
      array([0. , 1. , 2.5, 4. , 1.5])
    """
    in1, in2 = _check("convolve", in1, in2, mode, method)
    if in1.ndim == 0:
        return in1 * in2
    w = flip(in2, tuple(range(in2.ndim)))
    pads = _padding("convolve", tuple(in1.shape), tuple(in2.shape), mode)
    return _cor.correlate(in1, w, padding=pads, method=method)


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """n-dimensional cross-correlation of ``in1`` with ``in2`` (scipy.signal.correlate).

    ``out[k] = sum_l in1[l] conj(in2[l - k])`` for lags ``k`` from ``-(K - 1)`` to
    ``N - 1`` per axis (``'full'``), or the ``'same'``/``'valid'`` window of it, with
    scipy's shapes and alignment (see ``convolve``).

    Raises:
      FuncgradValueError: as ``convolve``.

    Example:
      >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="valid")
      array([3., 5.])
    """
    in1, in2 = _check("correlate", in1, in2, mode, method)
    if in1.ndim == 0:
        return in1 * conj_if_complex(in2)
    pads = _padding("correlate", tuple(in1.shape), tuple(in2.shape), mode)
    return _cor.correlate(in1, conj_if_complex(in2), padding=pads, method=method)
