"""funcgrad.numpy's 1-D ``convolve`` and ``correlate``, differentiable in both inputs.

Outside transformations they call numpy (bitwise-equal results). Traced, the full
convolution is a product of zero-padded Fourier transforms (exact up to float rounding),
and ``mode`` takes numpy's window of it, so derivatives, batching and higher orders come
from the fft primitives. Imports core and the primitives layer only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradValueError
from ..core.trace import is_traced
from ..primitives import elementwise as _ew
from ..primitives._literals import ConvolveMode
from ..primitives.fft import fft_nd, slice_pad
from ..primitives.shape import reshape
from ._convert import as_array


def _as_1d(x: Any, name: str, fname: str) -> Any:
    if not is_traced((x,)):
        x = np.asarray(x)
    ndim = np.ndim(x)
    if ndim == 0:
        return reshape(x, (1,))
    if ndim != 1:
        raise FuncgradValueError(
            f"{fname}: {name} must be 1-D, got shape {np.shape(x)}; ravel it or use "
            "scipy-style n-d convolution"
        )
    if np.shape(x)[0] == 0:
        raise FuncgradValueError(f"{fname}: {name} cannot be empty (got shape (0,))")
    return x


def _full(a: Any, v: Any, flip_v: bool) -> Any:
    """The full convolution of ``a`` with ``v`` (with ``conj(v[::-1])`` if ``flip_v``)."""
    n, m = np.shape(a)[0], np.shape(v)[0]
    size = n + m - 1
    dtype = np.result_type(a.dtype, v.dtype)
    complex_ = np.issubdtype(dtype, np.complexfloating)
    kind, inverse = ("fft", "ifft") if complex_ else ("rfft", "irfft")
    a_hat = fft_nd(a, kind, (0,), (size,), "backward")
    v_hat = fft_nd(v, kind, (0,), (size,), "backward")
    if flip_v:
        # DFT of conj(v[::-1]) zero-padded to `size`: conj(V_k) * exp(-2 pi i k (m-1) / size)
        k = np.arange(np.shape(v_hat)[0])
        phase = np.exp(-2j * np.pi * k * (m - 1) / size).astype(v_hat.dtype)
        v_hat = _ew.conj(v_hat) * phase
    out = fft_nd(a_hat * v_hat, inverse, (0,), (size,), "backward")
    if not np.issubdtype(dtype, np.inexact):  # integer inputs give integers, as numpy
        out = _ew.astype(_ew.rint_p.bind(out), dtype)
    return out


def _window(full: Any, n: int, m: int, mode: str, same_start: int, fname: str) -> Any:
    if mode == "full":
        return full
    if mode == "same":
        return slice_pad(full, (0,), (same_start,), (max(n, m),))
    if mode == "valid":
        return slice_pad(full, (0,), (min(n, m) - 1,), (max(n, m) - min(n, m) + 1,))
    raise FuncgradValueError(f"{fname}: mode must be one of 'full', 'same', 'valid', got {mode!r}")


def convolve(a: Any, v: Any, mode: ConvolveMode = "full") -> Any:
    """Discrete linear convolution of two 1-D sequences (numpy.convolve).

    Differentiable in both ``a`` and ``v``; traced, it is computed with FFTs, so results
    agree with numpy's to float rounding.
    """
    a, v = as_array(a), as_array(v)
    if not is_traced((a, v)):
        return np.convolve(a, v, mode=mode)
    a, v = _as_1d(a, "a", "convolve"), _as_1d(v, "v", "convolve")
    n, m = np.shape(a)[0], np.shape(v)[0]
    return _window(_full(a, v, False), n, m, mode, (min(n, m) - 1) // 2, "convolve")


def correlate(a: Any, v: Any, mode: ConvolveMode = "valid") -> Any:
    """Cross-correlation of two 1-D sequences, ``sum_n a[n + k] * conj(v[n])`` (numpy.correlate).

    Differentiable in both ``a`` and ``v``; traced, it is computed with FFTs, so results
    agree with numpy's to float rounding.
    """
    a, v = as_array(a), as_array(v)
    if not is_traced((a, v)):
        return np.correlate(a, v, mode=mode)
    a, v = _as_1d(a, "a", "correlate"), _as_1d(v, "v", "correlate")
    n, m = np.shape(a)[0], np.shape(v)[0]
    same_start = (m - 1) // 2 if n >= m else n // 2  # numpy centres the other way round
    return _window(_full(a, v, True), n, m, mode, same_start, "correlate")
