"""The fft family: discrete Fourier transforms, their zero-pad/truncate, and fftshift.

``fft`` is one primitive for the four kinds of transform (``fft``, ``ifft``, ``rfft``,
``irfft``) over one or several distinct axes, with numpy's lengths ``s`` and ``norm``.
Every kind is linear over the reals, so each VJP is its transpose under JAX's pairing
``Re(sum(x * y))``: the DFT matrix is symmetric, so ``fft``/``ifft`` transpose to
themselves (same norm); ``rfft`` to the real part of an ``fft`` of the zero-padded
half-spectrum; ``irfft`` to a weighted conjugated ``rfft`` with the dual norm. numpy's
zero-padding or truncation of the input to ``s`` is transposed by
``slice_pad`` (the window of an array along axes, zero outside), whose adjoint is itself.
Imports core, ``_axes`` and the elementwise and shape families.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from ._axes import shift_axes
from .elementwise import conj, real
from .shape import _bdim_front

_DUAL_NORM = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _shift_batch(prim: Primitive):
    """Batching rule of a primitive whose only array-valued param is ``axes``."""

    def rule(axis_size, args, dims, *, axes, **params):
        del axis_size
        (x,), (d,) = args, dims
        return prim.bind(_bdim_front(x, d), axes=shift_axes(axes), **params), 0

    return rule


# --- slice_pad: x[start:start + length] along axes, zero outside x -------------------


def _slice_pad_impl(x, *, axes, starts, lengths):
    shape = list(x.shape)
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    empty = False
    for a, start, length in zip(axes, starts, lengths, strict=True):
        shape[a] = length
        lo, hi = max(start, 0), min(start + length, x.shape[a])
        empty = empty or hi <= lo
        src[a], dst[a] = slice(lo, hi), slice(lo - start, hi - start)
    out = np.zeros(shape, x.dtype)
    if not empty:
        out[tuple(dst)] = x[tuple(src)]
    return out


def _slice_pad_vjp(out_bar, out, x, *, axes, starts, lengths):
    del out, lengths
    # out[k] = x[start + k] transposes to x_bar[j] = out_bar[j - start]
    return slice_pad(out_bar, axes, tuple(-s for s in starts), tuple(x.shape[a] for a in axes))


slice_pad_p = Primitive("slice_pad", _slice_pad_impl)
VJP.define(slice_pad_p, _slice_pad_vjp)
JVP.define_linear(slice_pad_p)
BATCH.define(slice_pad_p, _shift_batch(slice_pad_p))


def slice_pad(x: Any, axes: tuple[int, ...], starts: tuple[int, ...], lengths: tuple[int, ...]):
    """``x[start:start + length]`` along each of ``axes`` (non-negative), zeros outside ``x``."""
    axes, starts, lengths = tuple(axes), tuple(starts), tuple(lengths)
    shape = np.shape(x)
    if all(s == 0 and shape[a] == n for a, s, n in zip(axes, starts, lengths, strict=True)):
        return x
    return slice_pad_p.bind(x, axes=axes, starts=starts, lengths=lengths)


def resize(x: Any, axes: tuple[int, ...], lengths: tuple[int, ...]) -> Any:
    """Truncate or zero-pad ``x`` at the end of each of ``axes`` to ``lengths``."""
    return slice_pad(x, axes, (0,) * len(axes), lengths)


# --- fft: kind in {"fft", "ifft", "rfft", "irfft"} over distinct axes ----------------

_NUMPY_FFTN: dict[str, Callable[..., np.ndarray]] = {
    "fft": np.fft.fftn,
    "ifft": np.fft.ifftn,
    "rfft": np.fft.rfftn,
    "irfft": np.fft.irfftn,
}


def _fft_impl(x, *, kind, axes, s, norm):
    return _NUMPY_FFTN[kind](x, s=s, axes=axes, norm=norm)


def _irfft_weights(out_bar: Any, axis: int, n: int) -> np.ndarray:
    """Weights of the half-spectrum bins in irfft: 1 for DC (and Nyquist if n is even),
    2 for the bins that stand for a conjugate pair."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    w = w.astype(np.finfo(out_bar.dtype).dtype)
    return w.reshape((-1,) + (1,) * (np.ndim(out_bar) - 1 - axis))


def _fft_vjp(out_bar, out, x, *, kind, axes, s, norm):
    del out
    in_lengths = tuple(x.shape[a] for a in axes)
    if kind in ("fft", "ifft"):
        x_bar = fft_nd(out_bar, kind, axes, s, norm)  # F^T = F
    elif kind == "rfft":
        # rfft keeps the first n//2 + 1 rows of F (x real): the transpose zero-pads the
        # half-spectrum back to n (fft's own padding to s) and takes the real part.
        x_bar = real(fft_nd(out_bar, "fft", axes, s, norm))
    else:
        # irfft(X)[t] = sum_k w_k Re(X_k e^{2 pi i k t / n}) / n, so the transpose is
        # X_bar_k = w_k conj(sum_t x_bar[t] e^{-2 pi i k t / n}) / n: a weighted,
        # conjugated rfft with the dual norm (ifft over the other axes likewise).
        x_bar = conj(fft_nd(out_bar, "rfft", axes, s, _DUAL_NORM[norm]))
        x_bar = x_bar * _irfft_weights(x_bar, axes[-1], s[-1])
    return resize(x_bar, axes, in_lengths)


fft_p = Primitive("fft", _fft_impl)
VJP.define(fft_p, _fft_vjp)
JVP.define_linear(fft_p)  # every kind is linear over the reals
BATCH.define(fft_p, _shift_batch(fft_p))


def fft_nd(x: Any, kind: str, axes: tuple[int, ...], s: tuple[int, ...], norm: str) -> Any:
    """numpy.fft's ``<kind>n`` over ``axes`` (non-negative, any order) with lengths ``s``.

    ``norm`` is "backward", "ortho" or "forward". Repeated axes are applied one after
    another in numpy's order, as numpy does.
    """
    axes, s = tuple(int(a) for a in axes), tuple(int(n) for n in s)
    if len(set(axes)) == len(axes):
        return fft_p.bind(x, kind=kind, axes=axes, s=s, norm=norm)
    if kind in ("fft", "ifft"):
        for i in reversed(range(len(axes))):
            x = fft_p.bind(x, kind=kind, axes=axes[i : i + 1], s=s[i : i + 1], norm=norm)
        return x
    if kind == "rfft":
        x = fft_p.bind(x, kind="rfft", axes=axes[-1:], s=s[-1:], norm=norm)
        return fft_nd(x, "fft", axes[:-1], s[:-1], norm) if len(axes) > 1 else x
    for i in range(len(axes) - 1):
        x = fft_p.bind(x, kind="ifft", axes=axes[i : i + 1], s=s[i : i + 1], norm=norm)
    return fft_p.bind(x, kind="irfft", axes=axes[-1:], s=s[-1:], norm=norm)


# --- fftshift, ifftshift: rolls by half the length, each the other's transpose --------


def _fftshift_impl(x, *, axes):
    return np.fft.fftshift(x, axes=axes)


def _ifftshift_impl(x, *, axes):
    return np.fft.ifftshift(x, axes=axes)


fftshift_p = Primitive("fftshift", _fftshift_impl)
ifftshift_p = Primitive("ifftshift", _ifftshift_impl)
VJP.define(fftshift_p, lambda out_bar, out, x, *, axes: ifftshift_p.bind(out_bar, axes=axes))
VJP.define(ifftshift_p, lambda out_bar, out, x, *, axes: fftshift_p.bind(out_bar, axes=axes))
JVP.define_linear(fftshift_p)
JVP.define_linear(ifftshift_p)
BATCH.define(fftshift_p, _shift_batch(fftshift_p))
BATCH.define(ifftshift_p, _shift_batch(ifftshift_p))


def fftshift(x: Any, axes: tuple[int, ...]) -> Any:
    """Move the zero frequency to the centre along ``axes`` (non-negative ints)."""
    return fftshift_p.bind(x, axes=tuple(axes)) if axes else x


def ifftshift(x: Any, axes: tuple[int, ...]) -> Any:
    """The inverse of ``fftshift`` along ``axes`` (non-negative ints)."""
    return ifftshift_p.bind(x, axes=tuple(axes)) if axes else x
