"""funcgrad.scipy.signal: values against direct loops (every mode, method, 1-3 axes),
scipy's shapes and ``'same'`` alignment, gradients as the correlations of the textbook,
batching, dtypes and errors.

(Derivatives to order 2, transposition, vmap and float32 for drawn inputs are property
tests: rows ``scipy.signal.*`` in tests/primitives/table_scipy_signal.py.)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.signal as fss
from funcgrad.core.errors import FuncgradValueError
from funcgrad.primitives.correlate import choose_method

RNG = np.random.default_rng(0)

# --- direct loops ----------------------------------------------------------------------


def loop_full_convolve(a, b):
    """out[i + j] += a[i] b[j] over every pair of positions."""
    out = np.zeros(
        tuple(n + m - 1 for n, m in zip(a.shape, b.shape, strict=True)), np.result_type(a, b)
    )
    for i in np.ndindex(*a.shape):
        for j in np.ndindex(*b.shape):
            out[tuple(p + q for p, q in zip(i, j, strict=True))] += a[i] * b[j]
    return out


def loop_full_correlate(a, b):
    """z[k] = sum_l a[l] conj(b[l - k]) for k = -(M-1) .. N-1, written out."""
    out = np.zeros(
        tuple(n + m - 1 for n, m in zip(a.shape, b.shape, strict=True)), np.result_type(a, b)
    )
    for lag in np.ndindex(*out.shape):
        k = [q - (m - 1) for q, m in zip(lag, b.shape, strict=True)]
        for i in np.ndindex(*a.shape):
            j = tuple(p - kk for p, kk in zip(i, k, strict=True))
            if all(0 <= jj < m for jj, m in zip(j, b.shape, strict=True)):
                out[lag] += a[i] * np.conj(b[j])
    return out


def scipy_window(full, a_shape, b_shape, mode):
    """scipy's windows of the full output: ``_centered`` for 'same', [min-1, max) valid."""
    if mode == "full":
        return full
    if mode == "same":
        starts = [(f - n) // 2 for f, n in zip(full.shape, a_shape, strict=True)]
        return full[tuple(slice(s, s + n) for s, n in zip(starts, a_shape, strict=True))]
    starts = [min(n, m) - 1 for n, m in zip(a_shape, b_shape, strict=True)]
    lengths = [abs(n - m) + 1 for n, m in zip(a_shape, b_shape, strict=True)]
    return full[tuple(slice(s, s + n) for s, n in zip(starts, lengths, strict=True))]


SHAPES = [
    ((7,), (3,)),
    ((3,), (7,)),
    ((4,), (4,)),
    ((6,), (1,)),
    ((5, 4), (2, 3)),
    ((2, 3), (4, 5)),
    ((4, 4), (4, 4)),
    ((3, 4, 2), (2, 2, 2)),
]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
def test_values_and_shapes_match_direct_loops(shapes, mode, method):
    a, b = RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])
    for fun, loop in [(fss.convolve, loop_full_convolve), (fss.correlate, loop_full_correlate)]:
        want = scipy_window(loop(a, b), a.shape, b.shape, mode)
        got = fun(a, b, mode=mode, method=method)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_same_mode_alignment_for_even_kernels():
    # scipy centres 'same' on the full output: start (K - 1) // 2, so for K = 4 the
    # output starts at full[1]; the full convolution with a unit impulse is a, 0, 0, 0 and
    # the full correlation 0, 0, 0, a
    a, b = np.arange(1.0, 7.0), np.array([1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(fss.convolve(a, b, "same"), [2.0, 3.0, 4.0, 5.0, 6.0, 0.0])
    np.testing.assert_array_equal(fss.correlate(a, b, "same"), [0.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(fss.convolve(a, b, "same"), np.convolve(a, b, "full")[1:7])


@given(
    n=st.lists(st.integers(1, 5), min_size=1, max_size=2),
    m=st.lists(st.integers(1, 5), min_size=1, max_size=2),
    seed=st.integers(0, 2**16),
)
def test_complex_and_drawn_shapes_match_loops(n, m, seed):
    rng = np.random.default_rng(seed)
    m = (m * 2)[: len(n)]
    a = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    b = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    for method in ("direct", "fft"):
        got = fss.correlate(a, b, "full", method)
        np.testing.assert_allclose(got, loop_full_correlate(a, b), atol=1e-12)
        got = fss.convolve(a, b, "same", method)
        want = scipy_window(loop_full_convolve(a, b), a.shape, b.shape, "same")
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_dtypes():
    ai, bi = RNG.integers(-9, 9, (6, 5)), RNG.integers(-9, 9, (3, 2))
    for method in ("direct", "fft", "auto"):  # integers are summed exactly
        got = fss.convolve(ai, bi, method=method)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, loop_full_convolve(ai, bi))
    a32 = RNG.standard_normal((50,)).astype(np.float32)
    for method in ("direct", "fft"):
        assert fss.correlate(a32, a32[:5], method=method).dtype == np.float32
    assert fss.convolve(np.array(2.0), np.array(3.0)) == 6.0


def test_auto_picks_the_fft_for_large_kernels():
    assert choose_method((256, 256), (15, 15), 0, ((14, 14), (14, 14)), np.float64) == "fft"
    assert choose_method((256, 256), (3, 3), 0, ((2, 2), (2, 2)), np.float64) == "direct"
    assert choose_method((500,), (400,), 0, ((399, 399),), np.int64) == "direct"
    a, b = RNG.standard_normal((60, 60)), RNG.standard_normal((20, 20))
    np.testing.assert_allclose(
        fss.convolve(a, b), fss.convolve(a, b, method="direct"), rtol=1e-10, atol=1e-10
    )


# --- derivatives -------------------------------------------------------------------------


def test_gradients_are_correlations():
    # <u, convolve(a, b, 'full')>: d/da = correlate(u, b, 'valid'), d/db = correlate(u, a,
    # 'valid') -- the textbook adjoints
    a, b = RNG.standard_normal((6, 5)), RNG.standard_normal((3, 2))
    u = RNG.standard_normal((8, 6))
    ga, gb = fg.grad(lambda a, b: fnp.sum(u * fss.convolve(a, b)), (0, 1))(a, b)
    np.testing.assert_allclose(ga, fss.correlate(u, b, "valid"), rtol=1e-12)
    np.testing.assert_allclose(gb, fss.correlate(u, a, "valid"), rtol=1e-12)
    # correlate(a, b, 'valid') with b smaller: d/db = correlate(a, u, 'valid')
    v = RNG.standard_normal((4, 4))
    gb = fg.grad(lambda b: fnp.sum(v * fss.correlate(a, b, "valid")))(b)
    np.testing.assert_allclose(gb, fss.correlate(a, v, "valid"), rtol=1e-12)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_jacobians_in_both_modes_agree_with_the_loop_matrix(mode):
    a, b = RNG.standard_normal(5), RNG.standard_normal(3)
    jac_a = fg.jacrev(lambda a: fss.convolve(a, b, mode))(a)
    # convolution is linear in a: its Jacobian's columns are the responses to unit vectors
    cols = [scipy_window(loop_full_convolve(e, b), (5,), (3,), mode) for e in np.eye(5)]
    np.testing.assert_allclose(jac_a, np.stack(cols, axis=1), atol=1e-13)
    np.testing.assert_allclose(fg.jacfwd(lambda a: fss.convolve(a, b, mode))(a), jac_a)


def test_vmap_over_both_operands_is_one_kernel_per_example():
    a, b = RNG.standard_normal((4, 7, 6)), RNG.standard_normal((4, 3, 2))
    got = fg.vmap(lambda a, b: fss.correlate(a, b, "same"))(a, b)
    want = np.stack([fss.correlate(a[i], b[i], "same") for i in range(4)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    per_example = fg.vmap(fg.grad(lambda a, b: fnp.sum(fss.convolve(a, b) ** 2), 1))(a, b)
    for i in range(4):
        single = fg.grad(lambda b, i=i: fnp.sum(fss.convolve(a[i], b) ** 2))(b[i])
        np.testing.assert_allclose(per_example[i], single, rtol=1e-12)


def test_errors_name_the_arguments():
    with pytest.raises(FuncgradValueError, match=r"same dimensionality.*\(3,\).*\(2, 2\)"):
        fss.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(FuncgradValueError, match="at least as large"):
        fss.correlate(np.ones((3, 2)), np.ones((2, 3)), "valid")
    with pytest.raises(FuncgradValueError, match="`mode`"):
        fss.convolve(np.ones(3), np.ones(2), "circular")
    with pytest.raises(FuncgradValueError, match="`method`"):
        fss.convolve(np.ones(3), np.ones(2), method="winograd")
    with pytest.raises(FuncgradValueError, match="must not be empty"):
        fss.convolve(np.ones(0), np.ones(2))
