"""funcgrad.numpy.fft: numpy.fft's transforms, differentiable, with numpy's signatures.

Outside transformations every function calls numpy.fft itself (bitwise-equal results);
traced, the transforms bind the ``fft`` primitive of ``primitives.fft``. Complex outputs of
real inputs are differentiable, and so are complex inputs, with JAX's convention (the VJP
is the transpose of the JVP, no conjugation). Imports core and the
primitives layer only.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import FuncgradValueError
from ..core.namespace import public_namespace
from ..core.trace import is_traced
from ..primitives import fft as _fft
from ..primitives._axes import normalize_axis
from ..primitives._literals import FFTNorm
from ._convert import as_array

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_NORMS = {None: "backward", "backward": "backward", "ortho": "ortho", "forward": "forward"}


def _norm(norm: Any) -> str:
    try:
        return _NORMS[norm]
    except (KeyError, TypeError):
        raise FuncgradValueError(
            f'Invalid norm value {norm!r}; should be "backward", "ortho" or "forward".'
        ) from None


def _length(n: Any) -> int:
    n = operator.index(n)
    if n < 1:
        raise FuncgradValueError(
            f"Invalid number of FFT data points ({n}) specified; n must be at least 1."
        )
    return n


def _one_axis(a: Any, kind: str, n: Any, axis: Any, norm: Any) -> Any:
    """A 1-D transform of ``kind`` along ``axis`` (numpy's n/axis/norm conventions)."""
    shape = np.shape(a)
    axis = normalize_axis(axis, len(shape), op=f"fft.{kind}")
    if n is None:
        n = 2 * (shape[axis] - 1) if kind == "irfft" else shape[axis]
    return _fft.fft_nd(a, kind, (axis,), (_length(n),), _norm(norm))


def _n_axes(a: Any, kind: str, s: Any, axes: Any, norm: Any) -> Any:
    """An n-D transform of ``kind``, with numpy's rules for defaulting ``s`` and ``axes``."""
    shape = np.shape(a)
    if s is None:
        axes = list(range(len(shape))) if axes is None else list(axes)
        s = [None] * len(axes)
    else:
        s = list(s)
        if axes is None:
            warnings.warn(
                f"fft.{kind}n: `axes` should not be `None` if `s` is not `None` (deprecated "
                "in NumPy 2.0); pass the axes explicitly",
                DeprecationWarning,
                stacklevel=3,
            )
            axes = list(range(-len(s), 0))
        axes = list(axes)
        if None in s:
            warnings.warn(
                f"fft.{kind}n: passing None in `s` is deprecated in NumPy 2.0; pass the "
                "lengths explicitly (-1 for the whole axis)",
                DeprecationWarning,
                stacklevel=3,
            )
    if len(s) != len(axes):
        raise FuncgradValueError(
            f"Shape and axes have different lengths (s={tuple(s)}, axes={tuple(axes)}); give "
            "one length per axis"
        )
    axes = [normalize_axis(ax, len(shape), op=f"fft.{kind}n") for ax in axes]
    lengths = []
    for i, (n, ax) in enumerate(zip(s, axes, strict=True)):
        if n is None and kind == "irfft" and i == len(axes) - 1:
            n = 2 * (shape[ax] - 1)
        elif n is None or n == -1:
            n = shape[ax]
        lengths.append(_length(n))
    if not axes and kind in ("fft", "ifft"):
        return a
    return _fft.fft_nd(a, kind, tuple(axes), tuple(lengths), _norm(norm))


# --- one-dimensional transforms ------------------------------------------------------


def fft(a: Any, n: int | None = None, axis: int = -1, norm: FFTNorm = None) -> Any:
    """Discrete Fourier transform along one axis (numpy.fft.fft).

    Differentiable in real and complex ``a`` (JAX's convention for complex values).
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.fft(a, n, axis, norm)
    return _one_axis(a, "fft", n, axis, norm)


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: FFTNorm = None) -> Any:
    """Inverse discrete Fourier transform along one axis (numpy.fft.ifft)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.ifft(a, n, axis, norm)
    return _one_axis(a, "ifft", n, axis, norm)


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: FFTNorm = None) -> Any:
    """Fourier transform of real input, the ``n // 2 + 1`` non-negative bins (numpy.fft.rfft)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.rfft(a, n, axis, norm)
    return _one_axis(a, "rfft", n, axis, norm)


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: FFTNorm = None) -> Any:
    """Inverse of ``rfft``: a real signal of length ``n`` (numpy.fft.irfft).

    As in numpy, the imaginary parts of the zero (and, for even ``n``, the Nyquist) bin
    are ignored, so their cotangents are zero.
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.irfft(a, n, axis, norm)
    return _one_axis(a, "irfft", n, axis, norm)


# --- n-dimensional transforms --------------------------------------------------------


def fftn(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: Any = None
) -> Any:
    """N-dimensional discrete Fourier transform (numpy.fft.fftn)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.fftn(a, s, axes, norm)
    return _n_axes(a, "fft", s, axes, norm)


def ifftn(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: Any = None
) -> Any:
    """N-dimensional inverse discrete Fourier transform (numpy.fft.ifftn)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.ifftn(a, s, axes, norm)
    return _n_axes(a, "ifft", s, axes, norm)


def rfftn(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: Any = None
) -> Any:
    """N-dimensional Fourier transform of real input (numpy.fft.rfftn): rfft on the last
    axis, fft on the others."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.rfftn(a, s, axes, norm)
    return _n_axes(a, "rfft", s, axes, norm)


def irfftn(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: Any = None
) -> Any:
    """Inverse of ``rfftn`` (numpy.fft.irfftn)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.irfftn(a, s, axes, norm)
    return _n_axes(a, "irfft", s, axes, norm)


def fft2(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: Any = None
) -> Any:
    """Two-dimensional discrete Fourier transform (numpy.fft.fft2)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.fft2(a, s, axes, norm)
    return _n_axes(a, "fft", s, axes, norm)


def ifft2(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: Any = None
) -> Any:
    """Two-dimensional inverse discrete Fourier transform (numpy.fft.ifft2)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.ifft2(a, s, axes, norm)
    return _n_axes(a, "ifft", s, axes, norm)


def rfft2(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: Any = None
) -> Any:
    """Two-dimensional Fourier transform of real input (numpy.fft.rfft2)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.rfft2(a, s, axes, norm)
    return _n_axes(a, "rfft", s, axes, norm)


def irfft2(
    a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: Any = None
) -> Any:
    """Inverse of ``rfft2`` (numpy.fft.irfft2)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.fft.irfft2(a, s, axes, norm)
    return _n_axes(a, "irfft", s, axes, norm)


# --- shifts and frequencies ----------------------------------------------------------


def _shift_axes(x: Any, axes: Any, name: str) -> tuple[int, ...]:
    ndim = np.ndim(x)
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, Sequence):
        # rolls commute, so sorting is harmless; a repeated axis rolls twice, as in numpy
        return tuple(sorted(normalize_axis(a, ndim, "axes", name) for a in axes))
    return (normalize_axis(axes, ndim, "axes", name),)


def fftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """Shift the zero-frequency bin to the centre (numpy.fft.fftshift)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.fft.fftshift(x, axes)
    return _fft.fftshift(x, _shift_axes(x, axes, "fft.fftshift"))


def ifftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """The inverse of ``fftshift`` (numpy.fft.ifftshift)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.fft.ifftshift(x, axes)
    return _fft.ifftshift(x, _shift_axes(x, axes, "fft.ifftshift"))


def fftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """Sample frequencies of an ``n``-point fft with spacing ``d`` (numpy.fft.fftfreq).

    Differentiable in ``d``.
    """
    if not is_traced((d,)):
        return np.fft.fftfreq(n, d, device=device)
    n = operator.index(n)
    k = np.arange(n)
    k[(n - 1) // 2 + 1 :] -= n
    return k * (1.0 / (n * d))


def rfftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """Sample frequencies of an ``n``-point rfft with spacing ``d`` (numpy.fft.rfftfreq).

    Differentiable in ``d``.
    """
    if not is_traced((d,)):
        return np.fft.rfftfreq(n, d, device=device)
    n = operator.index(n)
    return np.arange(n // 2 + 1) * (1.0 / (n * d))
