"""Rows of the primitive table: funcgrad.scipy.linalg and numpy.linalg's lstsq/matrix_rank.

scipy is not a dependency, so the ``reference`` of a scipy row is the numpy composition of
the same code path (the primitives' own numpy implementations, numpy.linalg for the rest):
the no-trace property then checks that the public function adds nothing to it, while the
values themselves are checked against closed forms in tests/scipy/test_linalg.py. Inputs
are structured as in table_linalg.py (well-conditioned, separated spectra); matrices are
at most 4-by-4 so order-2 derivatives of ``expm`` (which doubles the matrix per order)
stay quick, and ``expm``'s inputs reach norms that need scaling and squaring.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
import funcgrad.scipy.linalg as fsl
from funcgrad.primitives.matrix_functions import _expm_impl, _solve_triangular_impl

from .spec import OpSpec
from .table_linalg import _batch, _rng, _sym, general, invertible, symmetric

# --- input strategies ------------------------------------------------------------------


@st.composite
def expm_args(draw, n_args: int = 1):
    """Stacks of square matrices with 1-norms from about 0.01 to 12 (every Pade degree)."""
    shape, n = _batch(draw, 1), draw(st.integers(1, 4))
    rng = _rng(draw)
    scale = draw(st.sampled_from([0.01, 0.3, 1.0, 3.0]))
    return tuple(scale * rng.uniform(-1, 1, size=(*shape, n, n)) for _ in range(n_args))


@st.composite
def triangular_args(draw):
    """``(a, b)``: ``a`` well conditioned in both triangles (and with unit diagonal), junk
    nowhere (the other triangle is part of the input, and ignored); ``b`` a vector or a
    stack of matrices broadcasting with ``a``."""
    (a,) = draw(invertible())
    rng = _rng(draw)
    n = a.shape[-1]
    a = a + np.eye(n)  # diagonal >= 2 - 1/n in magnitude: unit triangles stay tame too
    a = a * np.where(np.eye(n) > 0, 1.0, 0.5)
    if draw(st.booleans()):
        return a, rng.uniform(-2, 2, size=(n,))
    batch = draw(st.sampled_from([a.shape[:-2], a.shape[-3:-2]]))
    return a, rng.uniform(-2, 2, size=(*batch, n, draw(st.integers(1, 3))))


def triangular_params(args):
    return st.fixed_dictionaries(
        {
            "trans": st.sampled_from([0, 1, 2, "N", "T"]),
            "lower": st.booleans(),
            "unit_diagonal": st.booleans(),
        }
    )


@st.composite
def spd_and_rhs(draw):
    """``(a, b)``: symmetric positive-definite ``a`` (eigenvalues >= 0.5) and ``b``."""
    (a,) = draw(symmetric())
    rng = _rng(draw)
    n = a.shape[-1]
    if draw(st.booleans()):
        return a, rng.uniform(-2, 2, size=(n,))
    return a, rng.uniform(-2, 2, size=(*a.shape[:-2], n, 2))


@st.composite
def lstsq_args(draw):
    """``(a, b)``: a full-rank 2-D ``a`` (tall, square or wide) and ``b`` (M,) or (M, K)."""
    (a,) = draw(general(batch=False))
    rng = _rng(draw)
    m = a.shape[0]
    shape = (m,) if draw(st.booleans()) else (m, draw(st.integers(1, 3)))
    return a, rng.uniform(-2, 2, size=shape)


@st.composite
def low_rank(draw):
    """``(a,)``: stacks of m-by-n matrices of rank ``r <= min(m, n)`` (``r`` may be 0)."""
    shape = _batch(draw, 1)
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    r = draw(st.integers(0, min(m, n)))
    rng = _rng(draw)
    left = rng.uniform(-1, 1, size=(*shape, m, r)) + np.eye(m, r)
    right = rng.uniform(-1, 1, size=(*shape, r, n)) + np.eye(r, n)
    return (left @ right,)


def rank_params(args):
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"tol": st.sampled_from([1e-8, 0.1])}),
        st.fixed_dictionaries({"rtol": st.sampled_from([1e-10, 1e-3])}),
    )


# --- test functions and their numpy references -------------------------------------------


def _tri_reference(a, b, trans=0, lower=False, unit_diagonal=False):
    mode = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}[trans]
    if mode:
        a, lower = np.swapaxes(a, -1, -2), not lower
    vector = b.ndim == 1
    x = _solve_triangular_impl(
        a, b[:, None] if vector else b, lower=lower, unit_diagonal=unit_diagonal
    )
    return x[..., 0] if vector else x


def _frechet_reference(a, e):
    """The top-right block of expm([[A, E/c], [0, A]]), times c (c as the code scales)."""
    n = a.shape[-1]
    size_a = np.max(np.abs(a), axis=(-2, -1), keepdims=True)
    size_e = np.max(np.abs(e), axis=(-2, -1), keepdims=True)
    c = np.where(size_e == 0.0, 1.0, size_e / np.maximum(size_a, 1.0))
    top = np.concatenate([a, e / c], axis=-1)
    bottom = np.concatenate([np.zeros_like(a), a], axis=-1)
    return _expm_impl(np.concatenate([top, bottom], axis=-2))[..., :n, n:] * c


def _cholesky_reference(a, lower):
    return np.linalg.cholesky(a, upper=not lower)


def _cho_solve_reference(a, b, lower):
    """Two triangular solves with numpy's Cholesky factor (cho_solve's composition)."""
    c = _cholesky_reference(a, lower)
    c_t = np.swapaxes(c, -1, -2)
    vector = b.ndim == 1
    b = b[:, None] if vector else b
    if lower:
        x = _solve_triangular_impl(
            c_t,
            _solve_triangular_impl(c, b, lower=True, unit_diagonal=False),
            lower=False,
            unit_diagonal=False,
        )
    else:
        x = _solve_triangular_impl(
            c,
            _solve_triangular_impl(c_t, b, lower=True, unit_diagonal=False),
            lower=False,
            unit_diagonal=False,
        )
    return x[..., 0] if vector else x


def _lstsq(m):
    def f(a, b):
        x, residuals, _, s = m.linalg.lstsq(a, b)
        return x, residuals, s

    return f


def _lstsq_rank(m):
    return lambda a: m.linalg.lstsq(a, np.ones(a.shape[0]))[2]


def _solve_params(args):
    return st.fixed_dictionaries(
        {"assume_a": st.sampled_from(["gen", "sym", "pos"]), "lower": st.booleans()}
    )


def _solve_reference(a, b, assume_a, lower):
    a = _sym(np, a)
    if assume_a == "pos":  # the composition cho_solve binds: two triangular solves
        return _cho_solve_reference(a, b, lower)
    return np.linalg.solve(a, b)


SCIPY_LINALG = [
    OpSpec("scipy.linalg.expm", lambda a: fsl.expm(a), expm_args, reference=_expm_impl),
    OpSpec(
        "scipy.linalg.expm_frechet",
        lambda a, e: fsl.expm_frechet(a, e),
        lambda: expm_args(n_args=2),
        reference=lambda a, e: (_expm_impl(a), _frechet_reference(a, e)),
    ),
    OpSpec(
        "scipy.linalg.solve_triangular",
        lambda a, b, **p: fsl.solve_triangular(a, b, **p),
        triangular_args,
        params=triangular_params,
        reference=_tri_reference,
    ),
    OpSpec(
        "scipy.linalg.cholesky",
        lambda a, lower: fsl.cholesky(_sym(fnp, a), lower=lower),
        symmetric,
        params=lambda args: st.fixed_dictionaries({"lower": st.booleans()}),
        reference=lambda a, lower: _cholesky_reference(_sym(np, a), lower),
    ),
    OpSpec(
        "scipy.linalg.cho_solve",
        lambda a, b, lower: fsl.cho_solve(fsl.cho_factor(_sym(fnp, a), lower=lower), b),
        spd_and_rhs,
        params=lambda args: st.fixed_dictionaries({"lower": st.booleans()}),
        reference=lambda a, b, lower: _cho_solve_reference(_sym(np, a), b, lower),
    ),
    OpSpec(
        "scipy.linalg.solve",
        lambda a, b, assume_a, lower: fsl.solve(_sym(fnp, a), b, lower=lower, assume_a=assume_a),
        spd_and_rhs,
        params=_solve_params,
        reference=_solve_reference,
    ),
    OpSpec("scipy.linalg.inv", lambda a: fsl.inv(a), invertible, reference=np.linalg.inv),
    OpSpec("scipy.linalg.det", lambda a: fsl.det(a), invertible, reference=np.linalg.det),
    # --- numpy.linalg additions ---
    OpSpec("linalg.lstsq", _lstsq(fnp), lstsq_args, reference=_lstsq(np)),
    OpSpec(
        "linalg.lstsq_rank",
        _lstsq_rank(fnp),
        lambda: general(batch=False),
        reference=_lstsq_rank(np),
        differentiable=False,
        vmap=True,
    ),
    OpSpec(
        "linalg.matrix_rank",
        lambda a, **p: fnp.linalg.matrix_rank(a, **p),
        low_rank,
        params=rank_params,
        reference=lambda a, **p: np.linalg.matrix_rank(a, **p),
        differentiable=False,
    ),
    OpSpec(
        "linalg.matrix_rank_hermitian",
        lambda a: fnp.linalg.matrix_rank(_sym(fnp, a), hermitian=True),
        lambda: symmetric(lo=-1.0),
        reference=lambda a: np.linalg.matrix_rank(_sym(np, a), hermitian=True),
        differentiable=False,
    ),
]
