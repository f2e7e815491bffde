"""n-dimensional correlation: ``correlate_p``, the primitive behind ``funcgrad.scipy.signal``.

``out[s, i] = sum_j xp[s, i + j] * w[s, j]`` over every spatial axis, where ``xp`` is ``x``
zero-padded by ``padding`` (negative entries crop) and the leading ``shared`` axes pair
each ``x`` with its own kernel (what batching needs when both operands are batched). The
spatial output size is ``Xp - K + 1`` per axis. Every mode of scipy's ``convolve`` and
``correlate`` is one padding (the kernel flipped for a convolution), and the family is
closed under differentiation, as ``conv2d_p``: the input gradient is the error correlated
with the flipped kernel, padded by ``K - 1 - pad`` (a full convolution cropped back to
``x``), the kernel gradient is ``xp`` correlated with the error as the kernel. So VJPs bind
``correlate_p`` again and every order works.

The implementation is direct (exact, for integers too) or by FFT, ``method`` chosen per
call (``'auto'``: by an operation count, measured below). Direct sums over a sliding-window
view with ``einsum`` when the windows outnumber the outputs (kernel gradients), else one
vectorised multiply-add per kernel tap. The FFT needs no padding beyond ``xp``: the outputs
kept are free of wrap-around. Imports core and the shape family.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..core.avals import ShapedArray
from ..core.errors import FuncgradValueError
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .shape import _bdim_front, broadcast_to, flip, reshape

Padding = tuple[tuple[int, int], ...]

# FFT beats the direct sum once (outputs x taps) exceeds about 3 times the FFT's F log2 F
# (F the padded size): measured on one core, float64, 1-D signals of 1e3 to 1e5 with 5 to
# 200 taps, 64^2 and 256^2 images with 3^2 to 64^2 kernels, 32^3 volumes with 3^3 and 7^3
# (e.g. 256^2 * 15^2: direct 9.0 ms, fft 2.0 ms; 256^2 * 5^2: 1.9 vs 2.0 ms). Up to 4 taps
# (or outputs) the direct sum always wins.
_FFT_FACTOR = 3.0
_FEW_TAPS = 4


def _fast_len(n: int) -> int:
    """The smallest 5-smooth number >= n (FFT lengths pocketfft handles fastest)."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _pad_crop(x: np.ndarray, shared: int, padding: Padding) -> np.ndarray:
    widths = [(0, 0)] * shared + [(max(lo, 0), max(hi, 0)) for lo, hi in padding]
    if any(w != (0, 0) for w in widths):
        x = np.pad(x, widths)
    crop = (slice(None),) * shared + tuple(
        slice(max(-lo, 0), n - max(-hi, 0))
        for n, (lo, hi) in zip(x.shape[shared:], padding, strict=True)
    )
    return x[crop]


def _direct(xp: np.ndarray, w: np.ndarray, shared: int, dtype: Any) -> np.ndarray:
    d = xp.ndim - shared
    k = w.shape[shared:]
    o = tuple(n - m + 1 for n, m in zip(xp.shape[shared:], k, strict=True))
    lead = xp.shape[:shared]
    if math.prod(k) > math.prod(o):  # many taps, few outputs: sum the windows
        win = sliding_window_view(xp, k, axis=tuple(range(shared, xp.ndim)))
        letters = "abcdefghijklmnopqrstuvwxyz"
        s, i, j = letters[:shared], letters[shared : shared + d], letters[shared + d :][:d]
        return np.einsum(f"{s}{i}{j},{s}{j}->{s}{i}", win, w).astype(dtype, copy=False)
    out = np.zeros((*lead, *o), dtype)
    ones = (1,) * d
    for tap in np.ndindex(*k):
        window = xp[
            (slice(None),) * shared + tuple(slice(t, t + n) for t, n in zip(tap, o, strict=True))
        ]
        out += window * w[(slice(None),) * shared + tap].reshape(*lead, *ones)
    return out


def _fft(xp: np.ndarray, w: np.ndarray, shared: int, dtype: Any) -> np.ndarray:
    axes = tuple(range(shared, xp.ndim))
    k = w.shape[shared:]
    size = tuple(_fast_len(n) for n in xp.shape[shared:])
    w_rev = np.flip(w, axes)
    full: np.ndarray
    if np.issubdtype(dtype, np.complexfloating):
        full = np.fft.ifftn(
            np.fft.fftn(xp, size, axes) * np.fft.fftn(w_rev, size, axes), size, axes
        )
    else:
        full = np.fft.irfftn(
            np.fft.rfftn(xp, size, axes) * np.fft.rfftn(w_rev, size, axes), size, axes
        )
    keep = (slice(None),) * shared + tuple(
        slice(m - 1, n) for m, n in zip(k, xp.shape[shared:], strict=True)
    )
    return full[keep].astype(dtype)


def choose_method(x_shape: tuple, w_shape: tuple, shared: int, padding: Padding, dtype) -> str:
    """``'direct'`` or ``'fft'`` for a correlation of these shapes (what ``'auto'`` does)."""
    if not np.issubdtype(dtype, np.inexact):
        return "direct"  # exact integers
    xp = [n + lo + hi for n, (lo, hi) in zip(x_shape[shared:], padding, strict=True)]
    k = w_shape[shared:]
    taps, outs = math.prod(k), math.prod(n - m + 1 for n, m in zip(xp, k, strict=True))
    f = math.prod(xp)
    if min(taps, outs) <= _FEW_TAPS:
        return "direct"
    return "fft" if taps * outs > _FFT_FACTOR * f * math.log2(max(f, 2)) else "direct"


# --- correlate -----------------------------------------------------------------------


def _correlate_impl(x, w, *, padding, shared, method):
    x, w = np.asarray(x), np.asarray(w)
    dtype = np.result_type(x.dtype, w.dtype)
    if method == "auto":
        method = choose_method(x.shape, w.shape, shared, padding, dtype)
    xp = _pad_crop(x, shared, padding)
    if method == "fft" and np.issubdtype(dtype, np.inexact):
        return _fft(xp, w, shared, dtype)
    return _direct(xp, w, shared, dtype)


def _correlate_aval(x, w, *, padding, shared, method):
    del method
    d = x.ndim - shared
    if w.ndim != x.ndim or len(padding) != d or x.shape[:shared] != w.shape[:shared]:
        raise FuncgradValueError(
            f"correlate: operands of shapes {x.shape} and {w.shape} with {shared} shared "
            f"leading axes and padding {padding} do not line up"
        )
    out = tuple(
        n + lo + hi - m + 1
        for n, m, (lo, hi) in zip(x.shape[shared:], w.shape[shared:], padding, strict=True)
    )
    if out and min(out) < 1:
        raise FuncgradValueError(
            f"correlate: the kernel (shape {w.shape}) does not fit the padded input (shape "
            f"{x.shape}, padding {padding})"
        )
    return ShapedArray((*x.shape[:shared], *out), np.result_type(x.dtype, w.dtype))


def _spatial(a: Any, shared: int) -> tuple[int, ...]:
    return tuple(range(shared, np.ndim(a)))


def _correlate_vjp_x(out_bar, out, x, w, *, padding, shared, method):
    del out, x  # the error fully convolved with the kernel, cropped back to x
    k = np.shape(w)[shared:]
    pads = tuple((m - 1 - lo, m - 1 - hi) for m, (lo, hi) in zip(k, padding, strict=True))
    w_rev = flip(w, _spatial(w, shared))  # JAX's convention: the plain transpose
    return correlate(out_bar, w_rev, padding=pads, shared=shared, method=method)


def _correlate_vjp_w(out_bar, out, x, w, *, padding, shared, method):
    del out, w  # the padded input correlated with the error as the kernel
    return correlate(x, out_bar, padding=padding, shared=shared, method=method)


def _correlate_batch(axis_size, args, dims, *, shared, **params):
    # The batch becomes one more shared axis (an unbatched operand is broadcast: a view).
    ops = [
        broadcast_to(reshape(a, (1, *np.shape(a))), (axis_size, *np.shape(a)))
        if d is None
        else _bdim_front(a, d)
        for a, d in zip(args, dims, strict=True)
    ]
    return correlate(*ops, shared=shared + 1, **params), 0


correlate_p = Primitive("correlate", _correlate_impl, _correlate_aval)
VJP.define(correlate_p, _correlate_vjp_x, _correlate_vjp_w)
JVP.define(
    correlate_p,
    lambda x_dot, out, x, w, **params: correlate(x_dot, w, **params),
    lambda w_dot, out, x, w, **params: correlate(x, w_dot, **params),
)
BATCH.define(correlate_p, _correlate_batch)


def correlate(x: Any, w: Any, *, padding: Padding, shared: int = 0, method: str = "auto") -> Any:
    """``out[s, i] = sum_j pad(x)[s, i + j] w[s, j]`` over the axes after the first
    ``shared`` (equal in ``x`` and ``w``); ``padding`` is one ``(lo, hi)`` per spatial axis
    (negative crops); ``method`` is ``'auto'``, ``'direct'`` or ``'fft'``."""
    return correlate_p.bind(
        x,
        w,
        padding=tuple((int(lo), int(hi)) for lo, hi in padding),
        shared=int(shared),
        method=str(method),
    )
