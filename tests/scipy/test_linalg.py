"""funcgrad.scipy.linalg and numpy.linalg's lstsq/matrix_rank: values against closed forms
and identities, scipy's conventions (upper Cholesky, triangles read), derivatives against
closed forms, and the errors.

(Derivatives to order 2, transposition, vmap and float32 for drawn inputs are property
tests: rows ``scipy.linalg.*``, ``linalg.lstsq*`` and ``linalg.matrix_rank*`` in
tests/primitives/table_scipy_linalg.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.linalg as fsl
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError
from funcgrad.testing import check_grads

RNG = np.random.default_rng(0)


def _orthogonal(n):
    return np.linalg.qr(RNG.standard_normal((n, n)))[0]


def _rel(got, want):
    return np.linalg.norm(got - want) / np.linalg.norm(want)


# --- expm ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 12])
@pytest.mark.parametrize("scale", [1e-3, 0.2, 1.0, 4.0, 40.0])
def test_expm_of_symmetric_matrices_is_q_exp_d_qt(n, scale):
    q = _orthogonal(n)
    d = RNG.uniform(-1, 1, n) * scale
    got = fsl.expm(q @ np.diag(d) @ q.T)
    assert _rel(got, q @ np.diag(np.exp(d)) @ q.T) < 1e-13


@pytest.mark.parametrize("theta", [0.01, 1.0, 7.5, 60.0])
def test_expm_of_a_rotation_generator_is_the_rotation(theta):
    got = fsl.expm(np.array([[0.0, -theta], [theta, 0.0]]))
    c, s = np.cos(theta), np.sin(theta)
    np.testing.assert_allclose(got, [[c, -s], [s, c]], rtol=0, atol=1e-13 * max(1, theta))


def test_expm_of_a_nilpotent_matrix_is_its_finite_series():
    n = np.triu(RNG.standard_normal((4, 4)), 1) * 3
    series = np.eye(4) + n + n @ n / 2 + n @ n @ n / 6
    assert _rel(fsl.expm(n), series) < 1e-14


def test_expm_identities_on_general_matrices():
    for scale in (0.1, 1.0, 8.0):
        a = RNG.standard_normal((4, 4)) * scale / 2
        e, e_neg = fsl.expm(a), fsl.expm(-a)
        np.testing.assert_allclose(e @ e_neg, np.eye(4), atol=1e-12 * np.linalg.cond(e))
        np.testing.assert_allclose(np.linalg.det(e), np.exp(np.trace(a)), rtol=1e-10)
        # expm(a) = expm(a/2)^2 and commutes with a
        half = fsl.expm(a / 2)
        assert _rel(half @ half, e) < 1e-13
        assert _rel(a @ e, e @ a) < 1e-13


def test_expm_of_a_stack_equals_each_matrix():
    stack = np.stack([1e-3 * np.eye(3), RNG.standard_normal((3, 3)) * 5, np.zeros((3, 3))])
    got = fsl.expm(stack)
    for i in range(3):
        assert _rel(got[i], fsl.expm(stack[i])) < 1e-14
    np.testing.assert_allclose(got[2], np.eye(3), rtol=1e-15, atol=0)


def test_expm_dtypes_and_empty():
    a = RNG.standard_normal((3, 3))
    e32 = fsl.expm(a.astype(np.float32))
    assert e32.dtype == np.float32
    assert _rel(e32, fsl.expm(a)) < 1e-5
    assert fsl.expm(np.eye(2, dtype=int)).dtype == np.float64
    np.testing.assert_allclose(fsl.expm(np.eye(2, dtype=int)), np.e * np.eye(2), rtol=1e-15)
    assert fsl.expm(np.zeros((0, 0))).shape == (0, 0)
    z = 1j * np.array([[0.0, 1.0], [1.0, 0.0]])  # exp(i X) = cos(1) I + i sin(1) X
    np.testing.assert_allclose(
        fsl.expm(z), [[np.cos(1), 1j * np.sin(1)], [1j * np.sin(1), np.cos(1)]], atol=1e-15
    )


def test_expm_gradient_of_trace_is_expm_transposed():
    # d tr(expm(A)) = tr(expm(A) dA), so the gradient is expm(A)^T
    a = RNG.standard_normal((4, 4))
    g = fg.grad(lambda a: fnp.trace(fsl.expm(a)))(a)
    assert _rel(g, fsl.expm(a).T) < 1e-13


def test_expm_jvp_along_a_is_a_expm_a():
    # d/dt expm(t A) at t = 1 is A expm(A)
    a = RNG.standard_normal((3, 3))
    _, t_dot = fg.jvp(lambda t: fsl.expm(t * a), (1.0,), (1.0,))
    assert _rel(t_dot, a @ fsl.expm(a)) < 1e-13


def test_expm_frechet_matches_its_definitions():
    a, e = RNG.standard_normal((2, 3, 3)), RNG.standard_normal((2, 3, 3))
    expm_a, frechet = fsl.expm_frechet(a, e)
    np.testing.assert_array_equal(expm_a, fsl.expm(a))
    np.testing.assert_array_equal(fsl.expm_frechet(a, e, compute_expm=False), frechet)
    h = 1e-5
    fd = (fsl.expm(a + h * e) - fsl.expm(a - h * e)) / (2 * h)
    np.testing.assert_allclose(frechet, fd, rtol=1e-8, atol=1e-8)
    _, jvp_out = fg.jvp(fsl.expm, (a,), (e,))
    np.testing.assert_allclose(jvp_out, frechet, rtol=1e-12, atol=1e-13)
    # L(A, A) = A expm(A); L is linear in E, also for huge or tiny E (scaled internally)
    np.testing.assert_allclose(fsl.expm_frechet(a, a)[1], a @ expm_a, rtol=1e-12, atol=1e-12)
    for c in (1e-12, 1e9):
        np.testing.assert_allclose(fsl.expm_frechet(a, c * e)[1] / c, frechet, rtol=1e-12)
    check_grads(lambda a, e: fsl.expm_frechet(a, e)[1], (a[0], e[0]), order=1)


def test_expm_derivatives_to_third_order():
    a = RNG.standard_normal((2, 2))
    check_grads(fsl.expm, (a,), order=3, modes=("rev",))
    h = fg.hessian(lambda a: fsl.expm(a)[0, 1])(a)
    assert h.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(h.reshape(4, 4), h.reshape(4, 4).T, atol=1e-12)


# --- solve_triangular ------------------------------------------------------------------


def _triangle(a, lower, unit):
    t = np.tril(a) if lower else np.triu(a)
    if unit:
        np.fill_diagonal(t, 1.0)
    return t


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_solves_the_triangle(lower, trans, unit):
    a = RNG.standard_normal((5, 5)) + 5 * np.eye(5)
    t = _triangle(a, lower, unit)
    op = t if trans in (0, "N") else t.T
    for b in (RNG.standard_normal(5), RNG.standard_normal((5, 3))):
        x = fsl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit)
        assert x.shape == b.shape
        np.testing.assert_allclose(x, np.linalg.solve(op, b), rtol=1e-13, atol=1e-14)


def test_solve_triangular_reads_only_its_triangle_and_grads_only_there():
    a = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((4, 2))
    junk = a + np.triu(RNG.standard_normal((4, 4)) * 1e3, 1)
    np.testing.assert_array_equal(
        fsl.solve_triangular(junk, b, lower=True), fsl.solve_triangular(a, b, lower=True)
    )
    for lower, unit in [(True, False), (False, True)]:
        grad = fg.grad(
            lambda a, lower=lower, unit=unit: fsl.solve_triangular(
                a, b, lower=lower, unit_diagonal=unit
            ).sum()
        )(a)
        read = _triangle(np.ones((4, 4)), lower, False) - (np.eye(4) if unit else 0)
        assert np.all(grad[read == 0] == 0)
        assert np.all(grad[read == 1] != 0)


def test_solve_triangular_gradient_closed_form():
    # x = T^-1 b: d(sum x)/db = T^-T 1 and d(sum x)/dT = -tril(T^-T 1 x^T)
    a = np.tril(RNG.standard_normal((4, 4))) + 4 * np.eye(4)
    b = RNG.standard_normal(4)
    ga, gb = fg.grad(lambda a, b: fsl.solve_triangular(a, b, lower=True).sum(), (0, 1))(a, b)
    x = np.linalg.solve(a, b)
    w = np.linalg.solve(a.T, np.ones(4))
    np.testing.assert_allclose(gb, w, rtol=1e-13)
    np.testing.assert_allclose(ga, np.tril(-np.outer(w, x)), rtol=1e-12, atol=1e-14)


def test_solve_triangular_broadcasts_batches():
    a = RNG.standard_normal((3, 1, 4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((2, 4, 5))
    x = fsl.solve_triangular(a, b, lower=True)
    assert x.shape == (3, 2, 4, 5)
    np.testing.assert_allclose(np.tril(a) @ x, np.broadcast_to(b, x.shape), atol=1e-12)
    small = (a[:, :, :2, :2], b[..., :2, :2])
    check_grads(lambda a, b: fsl.solve_triangular(a, b, trans=1), small)


def test_solve_triangular_errors_name_the_argument():
    a = np.eye(3)
    with pytest.raises(FuncgradValueError, match=r"`b` of shape \(2,\).*\(3, 3\)"):
        fsl.solve_triangular(a, np.ones(2))
    with pytest.raises(FuncgradValueError, match="`trans` must be"):
        fsl.solve_triangular(a, np.ones(3), trans="X")
    with pytest.raises(FuncgradValueError, match=r"`a` must be a square matrix.*\(3, 2\)"):
        fsl.solve_triangular(np.ones((3, 2)), np.ones(3))
    with pytest.raises(np.linalg.LinAlgError):
        fsl.solve_triangular(np.zeros((2, 2)), np.ones(2))


# --- cholesky, cho_factor, cho_solve, solve, inv, det --------------------------------------


def _spd(n, batch=()):
    m = RNG.standard_normal((*batch, n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def test_cholesky_is_upper_by_default_and_reads_its_triangle():
    a = _spd(4)
    u = fsl.cholesky(a)
    np.testing.assert_array_equal(u, np.triu(u))
    np.testing.assert_allclose(u.T @ u, a, rtol=1e-14)
    low = fsl.cholesky(a, lower=True)
    np.testing.assert_allclose(low, u.T, rtol=1e-14)
    upper_only = np.triu(a) + np.tril(RNG.standard_normal((4, 4)) * 9, -1)
    lower_only = np.tril(a) + np.triu(RNG.standard_normal((4, 4)) * 9, 1)
    np.testing.assert_allclose(fsl.cholesky(upper_only), u, rtol=1e-14)
    np.testing.assert_allclose(fsl.cholesky(lower_only, lower=True), low, rtol=1e-14)
    # traced: the same triangles are read
    for lower, junk in [(False, upper_only), (True, lower_only)]:
        out, _ = fg.vjp(lambda a, lower=lower: fsl.cholesky(a, lower=lower), junk)
        np.testing.assert_allclose(out, low if lower else u, rtol=1e-13)


def test_cho_factor_and_cho_solve():
    a = _spd(4, (2,))
    b = RNG.standard_normal((2, 4, 3))
    for lower in (False, True):
        c, flag = fsl.cho_factor(a, lower=lower)
        assert flag is lower
        np.testing.assert_array_equal(c, np.tril(c) if lower else np.triu(c))
        x = fsl.cho_solve((c, lower), b)
        np.testing.assert_allclose(a @ x, b, atol=1e-12)
        v = fsl.cho_solve((c[0], lower), b[0, :, 0])
        np.testing.assert_allclose(a[0] @ v, b[0, :, 0], atol=1e-12)
        # scipy's factor holds junk in the other triangle: never read
        junk = c + (np.triu if lower else np.tril)(np.full((4, 4), 7.0), 1 if lower else -1)
        np.testing.assert_allclose(fsl.cho_solve((junk, lower), b), x, rtol=1e-13)
    # gradient of b^T a^-1 b in b is 2 a^-1 b
    g = fg.grad(lambda b: b @ fsl.cho_solve(fsl.cho_factor(a[0]), b))(b[0, :, 0])
    np.testing.assert_allclose(g, 2 * np.linalg.solve(a[0], b[0, :, 0]), rtol=1e-12)
    with pytest.raises(FuncgradValueError, match="c_and_lower"):
        fsl.cho_solve(a[0], b[0])


@pytest.mark.parametrize("assume_a", ["gen", "general", "sym", "her", "pos"])
@pytest.mark.parametrize("lower", [False, True])
def test_solve_assume_a(assume_a, lower):
    a = _spd(4)
    b = RNG.standard_normal((4, 2))
    junk = np.triu(a) if not lower else np.tril(a)
    other = np.tril if not lower else np.triu
    junk = junk + other(RNG.standard_normal((4, 4)), -1 if not lower else 1)
    want = np.linalg.solve(a, b)
    source = a if assume_a.startswith("gen") else junk  # the others read one triangle
    got = fsl.solve(source, b, lower=lower, assume_a=assume_a)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    g = fg.grad(lambda b: fsl.solve(source, b, lower=lower, assume_a=assume_a).sum())(b)
    column = np.linalg.solve(a.T, np.ones(4))[:, None]
    np.testing.assert_allclose(g, np.broadcast_to(column, b.shape), rtol=1e-12)


def test_solve_transposed_and_errors():
    a, b = RNG.standard_normal((3, 3)) + 3 * np.eye(3), RNG.standard_normal(3)
    np.testing.assert_allclose(fsl.solve(a, b, transposed=True), np.linalg.solve(a.T, b))
    with pytest.raises(FuncgradValueError, match="assume_a"):
        fsl.solve(a, b, assume_a="banded-ish")
    with pytest.raises(np.linalg.LinAlgError):
        fsl.solve(-np.eye(2), np.ones(2), assume_a="pos")


def test_inv_det_are_numpys_and_check_finite():
    a = RNG.standard_normal((2, 3, 3))
    np.testing.assert_array_equal(fsl.inv(a), np.linalg.inv(a))
    np.testing.assert_array_equal(fsl.det(a), np.linalg.det(a))
    bad = np.array([[1.0, np.inf], [0.0, 1.0]])
    for fun in (fsl.inv, fsl.det, fsl.cholesky, fsl.cho_factor):
        with pytest.raises(FuncgradValueError, match="infs or NaNs"):
            fun(bad)
    with np.errstate(invalid="ignore"):
        assert np.isnan(fsl.det(np.full((2, 2), np.nan), check_finite=False))


# --- lstsq, matrix_rank ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 3), (3, 3), (3, 5)])
@pytest.mark.parametrize("k", [None, 2])
def test_lstsq_under_grad_matches_numpy(shape, k):
    a = RNG.standard_normal(shape)
    b = RNG.standard_normal(shape[0] if k is None else (shape[0], k))
    want = np.linalg.lstsq(a, b)
    got = fg.vjp(lambda a: fnp.linalg.lstsq(a, b), a)[0]
    for name, g, w in zip(("x", "residuals", "rank", "s"), got, want, strict=True):
        assert g.shape == np.shape(w) and g.dtype == np.asarray(w).dtype, name
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_lstsq_gradient_is_the_normal_equations():
    # x = (A^T A)^-1 A^T b: grad_b sum(x) = A (A^T A)^-1 1
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal(6)
    g = fg.grad(lambda b: fnp.linalg.lstsq(a, b)[0].sum())(b)
    np.testing.assert_allclose(g, a @ np.linalg.solve(a.T @ a, np.ones(3)), rtol=1e-12)
    # residual = |b - A x|^2: its gradient in b is 2 (I - A A^+) b
    g = fg.grad(lambda b: fnp.linalg.lstsq(a, b)[1][0])(b)
    np.testing.assert_allclose(g, 2 * (b - a @ np.linalg.pinv(a) @ b), rtol=1e-10, atol=1e-12)


def test_lstsq_rank_deficient_and_rcond():
    a = np.outer(RNG.standard_normal(5), RNG.standard_normal(3))  # rank 1
    b = RNG.standard_normal(5)
    want = np.linalg.lstsq(a, b)
    x, residuals, rank, _ = fg.vjp(lambda a: fnp.linalg.lstsq(a, b), a)[0]
    assert int(rank) == want[2] == 1 and residuals.shape == (0,)
    np.testing.assert_allclose(x, want[0], rtol=1e-10)
    for rcond in (-1, 0.5):
        got = fg.vjp(lambda a, rcond=rcond: fnp.linalg.lstsq(a, b, rcond=rcond)[0], a)[0]
        np.testing.assert_allclose(got, np.linalg.lstsq(a, b, rcond=rcond)[0], rtol=1e-10)
    with pytest.raises(FuncgradValueError, match=r"`b` must have shape \(5,\)"):
        fg.grad(lambda a: fnp.linalg.lstsq(a, np.ones(4))[0].sum())(a)
    with pytest.raises(FuncgradValueError, match="2-D"):
        fg.grad(lambda a: fnp.linalg.lstsq(a, np.ones(2))[0].sum())(np.ones((2, 2, 2)))
    with pytest.raises(FuncgradTypeError, match="rcond"):
        fg.grad(lambda r: fnp.linalg.lstsq(a, b, rcond=r)[0].sum())(0.1)


def test_matrix_rank_under_transformations_matches_numpy():
    low = np.outer(RNG.standard_normal(4), RNG.standard_normal(3))
    cases = [np.eye(4), low, np.zeros((2, 3)), np.ones(3), np.zeros(3), np.stack([low, 0 * low])]
    for a in cases:
        for kwargs in ({}, {"tol": 0.5}, {"rtol": 1e-3}):
            out = fg.vjp(lambda a, kw=kwargs: fnp.linalg.matrix_rank(a, **kw) * 1.0, a)[0]
            np.testing.assert_array_equal(out, np.linalg.matrix_rank(a, **kwargs))
    sym = low @ low.T
    got = fg.vjp(lambda a: fnp.linalg.matrix_rank(a, hermitian=True) * 1.0, sym)[0]
    assert got == np.linalg.matrix_rank(sym, hermitian=True) == 1
    with pytest.raises(FuncgradValueError, match="can't be both set"):
        fg.vjp(lambda a: fnp.linalg.matrix_rank(a, tol=1.0, rtol=1.0) * 1.0, low)
