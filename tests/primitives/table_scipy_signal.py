"""Rows of the primitive table: funcgrad.scipy.signal's ``convolve`` and ``correlate``.

The ``reference`` of each row is ``correlate_p``'s own numpy implementation with the
padding of the mode (and the kernel flipped for a convolution), so the no-trace property
checks that the public functions add nothing to that path; the values themselves are
checked against direct loops in tests/scipy/test_signal.py. Operands have 1 to 3 axes of
sizes 1 to 4; ``'valid'`` is drawn only where one operand is at least as large as the
other in every axis, and each method (direct, FFT, auto) is drawn.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import funcgrad.scipy.signal as fss
from funcgrad.primitives.correlate import _correlate_impl

from .spec import OpSpec
from .table_linalg import _rng


@st.composite
def two_signals(draw):
    """``(in1, in2)`` with the same number of axes (1 to 3), sizes 1 to 4."""
    rng = _rng(draw)
    ndim = draw(st.integers(1, 3))
    shapes = [tuple(draw(st.integers(1, 4)) for _ in range(ndim)) for _ in range(2)]
    return tuple(rng.uniform(-2, 2, size=s) for s in shapes)


def mode_and_method(args):
    a, b = args
    modes = ["full", "same"]
    if all(n >= k for n, k in zip(a.shape, b.shape, strict=True)) or all(
        n <= k for n, k in zip(a.shape, b.shape, strict=True)
    ):
        modes.append("valid")
    return st.fixed_dictionaries(
        {"mode": st.sampled_from(modes), "method": st.sampled_from(["direct", "fft", "auto"])}
    )


def _reference(flip_kernel: bool):
    def f(in1, in2, mode, method):
        kernel = np.flip(in2) if flip_kernel else in2
        pads = fss._padding("reference", in1.shape, in2.shape, mode)
        return _correlate_impl(in1, kernel, padding=pads, shared=0, method=method)

    return f


SCIPY_SIGNAL = [
    OpSpec(
        "scipy.signal.convolve",
        lambda a, b, **p: fss.convolve(a, b, **p),
        two_signals,
        params=mode_and_method,
        reference=_reference(True),
    ),
    OpSpec(
        "scipy.signal.correlate",
        lambda a, b, **p: fss.correlate(a, b, **p),
        two_signals,
        params=mode_and_method,
        reference=_reference(False),
    ),
]
