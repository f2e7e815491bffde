"""Rows of the primitive table: funcgrad.numpy.fft, and convolve/correlate.

Inputs are real, and complex in the ``[complex]`` rows; raw complex outputs are checked
under JAX's convention (the VJP is the transpose for the pairing ``Re(sum(x * y))``), and
real compositions (power spectra, filtered round trips) exercise complex intermediates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad.testing.strategies import arrays, shapes

from .spec import OpSpec, unary

NORMS = st.sampled_from([None, "backward", "ortho", "forward"])


def _at_least(min_dims: int, complex_: bool = False):
    return unary(shape=shapes(min_dims=min_dims), im=(-2.0, 2.0) if complex_ else None)


def _default_ok(kind: str, length: int) -> bool:
    """irfft's default length 2 * (m - 1) needs m >= 2."""
    return kind != "irfft" or length >= 2


def one_axis(kind: str):
    """``{"n", "axis", "norm"}`` for a 1-D transform of args[0] (ndim >= 1)."""

    def params(args: tuple) -> st.SearchStrategy:
        @st.composite
        def draw(draw: Any) -> dict:
            shape = np.shape(args[0])
            axis = draw(st.integers(-len(shape), len(shape) - 1))
            lengths = st.integers(1, 6)
            n = draw(st.one_of(st.none(), lengths) if _default_ok(kind, shape[axis]) else lengths)
            return {"n": n, "axis": axis, "norm": draw(NORMS)}

        return draw()

    return params


def many_axes(kind: str, two: bool = False, repeated: bool = False):
    """``{"s", "axes", "norm"}`` for an n-D (``two``: 2-D) transform of args[0]."""

    def params(args: tuple) -> st.SearchStrategy:
        @st.composite
        def draw(draw: Any) -> dict:
            shape = np.shape(args[0])
            ndim = len(shape)
            out: dict = {"norm": draw(NORMS)}
            count = 2 if two else draw(st.integers(1, ndim + repeated))
            axes = draw(
                st.lists(
                    st.integers(-ndim, ndim - 1),
                    min_size=count,
                    max_size=count,
                    unique_by=None if repeated else (lambda a: a % ndim),
                )
            )
            # numpy's default axes, explicit axes, or explicit axes with lengths s
            how = draw(st.sampled_from(["default", "axes", "s"]))
            last = shape[-1] if how == "default" else shape[axes[-1]]
            if not _default_ok(kind, last):
                how = "s"
            if how == "s":
                s = draw(
                    st.lists(st.sampled_from([-1, 1, 2, 3, 5]), min_size=count, max_size=count)
                )
                if not _default_ok(kind, shape[axes[-1]]) and s[-1] == -1:
                    s[-1] = 3
                out["s"] = s
            if how != "default":
                out["axes"] = axes
            return out

        return draw()

    return params


def shift_axes(args: tuple) -> st.SearchStrategy:
    """``{"axes": None | int | list (repeats roll twice)}`` for fftshift of args[0]."""
    ndim = np.ndim(args[0])
    single = st.integers(-ndim, ndim - 1)
    return st.fixed_dictionaries(
        {"axes": st.one_of(st.none(), single, st.lists(single, min_size=1, max_size=ndim + 1))}
    )


def spacing() -> st.SearchStrategy:
    """``(d,)``: a 0-d sample spacing."""
    return st.tuples(arrays(shape=(), min_value=0.5, max_value=2.0))


def sequences() -> st.SearchStrategy:
    """``(a, v)``: two 1-D sequences of independent lengths."""
    return st.tuples(
        arrays(shape=st.tuples(st.integers(1, 6))), arrays(shape=st.tuples(st.integers(1, 6)))
    )


def complex_sequences() -> st.SearchStrategy:
    """``(a, v)``: two complex 1-D sequences of independent lengths."""
    return st.tuples(
        arrays(shape=st.tuples(st.integers(1, 6)), dtype=np.complex128),
        arrays(shape=st.tuples(st.integers(1, 6)), dtype=np.complex128),
    )


def modes(args: tuple) -> st.SearchStrategy:
    return st.fixed_dictionaries({"mode": st.sampled_from(["full", "same", "valid"])})


def lengths(args: tuple) -> st.SearchStrategy:
    return st.fixed_dictionaries({"n": st.integers(1, 7)})


def _rfft_power(x, n, axis, norm, xp):
    return xp.abs(xp.fft.rfft(x, n, axis, norm)) ** 2


def _filtered_round_trip(x, n, axis, norm, xp):
    # a complex filter between rfft and irfft; irfft's default length when n is None
    return xp.fft.irfft(xp.fft.rfft(x, n, axis, norm) * (0.5 - 1.5j), n, axis, norm)


def _real_times_imag(x, n, axis, norm, xp):
    y = xp.fft.fft(x, n, axis, norm)
    return xp.real(y) * xp.imag(y)


def _circular_autoconvolution(x, s=None, axes=None, norm=None, xp=np):
    y = xp.fft.fftn(x, s, axes, norm)
    return xp.real(xp.fft.ifftn(y * y, s, axes, norm))


def _shifted_spectrum(x, xp):
    return xp.abs(xp.fft.fftshift(xp.fft.fft2(x)))


def _composed(f):
    """(fun, reference) of a composition written once for both namespaces."""
    return (lambda *a, **k: f(*a, **k, xp=fnp)), (lambda *a, **k: f(*a, **k, xp=np))


def _row(name, f, args, params=lambda args: st.just({}), **kw):
    fun, ref = _composed(f)
    return OpSpec(name, fun, args, params, reference=ref, **kw)


FFT = [
    OpSpec("fft.fft", fnp.fft.fft, _at_least(1), one_axis("fft"), reference=np.fft.fft),
    OpSpec("fft.ifft", fnp.fft.ifft, _at_least(1), one_axis("ifft"), reference=np.fft.ifft),
    OpSpec("fft.rfft", fnp.fft.rfft, _at_least(1), one_axis("rfft"), reference=np.fft.rfft),
    OpSpec("fft.irfft", fnp.fft.irfft, _at_least(1), one_axis("irfft"), reference=np.fft.irfft),
    OpSpec("fft.fftn", fnp.fft.fftn, _at_least(1), many_axes("fft"), reference=np.fft.fftn),
    OpSpec("fft.ifftn", fnp.fft.ifftn, _at_least(1), many_axes("ifft"), reference=np.fft.ifftn),
    OpSpec("fft.rfftn", fnp.fft.rfftn, _at_least(1), many_axes("rfft"), reference=np.fft.rfftn),
    OpSpec(
        "fft.irfftn", fnp.fft.irfftn, _at_least(1), many_axes("irfft"), reference=np.fft.irfftn
    ),
    OpSpec(
        "fft.fftn_repeated_axes",
        fnp.fft.fftn,
        _at_least(1),
        many_axes("fft", repeated=True),
        reference=np.fft.fftn,
    ),
    OpSpec(
        "fft.irfftn_repeated_axes",
        fnp.fft.irfftn,
        _at_least(1),
        many_axes("irfft", repeated=True),
        reference=np.fft.irfftn,
    ),
    OpSpec("fft.fft2", fnp.fft.fft2, _at_least(2), many_axes("fft", True), reference=np.fft.fft2),
    OpSpec(
        "fft.ifft2", fnp.fft.ifft2, _at_least(2), many_axes("ifft", True), reference=np.fft.ifft2
    ),
    OpSpec(
        "fft.rfft2", fnp.fft.rfft2, _at_least(2), many_axes("rfft", True), reference=np.fft.rfft2
    ),
    OpSpec(
        "fft.irfft2",
        fnp.fft.irfft2,
        _at_least(2),
        many_axes("irfft", True),
        reference=np.fft.irfft2,
    ),
    OpSpec("fft.fftshift", fnp.fft.fftshift, _at_least(1), shift_axes, reference=np.fft.fftshift),
    OpSpec(
        "fft.ifftshift", fnp.fft.ifftshift, _at_least(1), shift_axes, reference=np.fft.ifftshift
    ),
    OpSpec(
        "fft.fftfreq",
        lambda d, n: fnp.fft.fftfreq(n, d),
        spacing,
        lengths,
        reference=lambda d, n: np.fft.fftfreq(n, d),
    ),
    OpSpec(
        "fft.rfftfreq",
        lambda d, n: fnp.fft.rfftfreq(n, d),
        spacing,
        lengths,
        reference=lambda d, n: np.fft.rfftfreq(n, d),
    ),
    # Real compositions through complex intermediates.
    _row("fft.rfft_power_spectrum", _rfft_power, _at_least(1), one_axis("rfft")),
    _row("fft.filtered_round_trip", _filtered_round_trip, _at_least(1), one_axis("irfft")),
    _row("fft.real_times_imag", _real_times_imag, _at_least(1), one_axis("fft")),
    _row(
        "fft.circular_autoconvolution", _circular_autoconvolution, _at_least(1), many_axes("fft")
    ),
    _row("fft.shifted_spectrum", _shifted_spectrum, _at_least(2)),
    OpSpec("convolve", fnp.convolve, sequences, modes),
    OpSpec("correlate", fnp.correlate, sequences, modes),
    # Complex inputs.
    OpSpec(
        "fft.fft[complex]",
        fnp.fft.fft,
        _at_least(1, True),
        one_axis("fft"),
        reference=np.fft.fft,
    ),
    OpSpec(
        "fft.ifft[complex]",
        fnp.fft.ifft,
        _at_least(1, True),
        one_axis("ifft"),
        reference=np.fft.ifft,
    ),
    OpSpec(
        "fft.irfft[complex]",
        fnp.fft.irfft,
        _at_least(1, True),
        one_axis("irfft"),
        reference=np.fft.irfft,
    ),
    OpSpec(
        "fft.fftn[complex]",
        fnp.fft.fftn,
        _at_least(1, True),
        many_axes("fft"),
        reference=np.fft.fftn,
    ),
    OpSpec(
        "fft.irfftn[complex]",
        fnp.fft.irfftn,
        _at_least(1, True),
        many_axes("irfft"),
        reference=np.fft.irfftn,
    ),
    OpSpec("convolve[complex]", fnp.convolve, complex_sequences, modes),
    OpSpec("correlate[complex]", fnp.correlate, complex_sequences, modes),
]
