"""Spectral decompositions: ``eig``, ``eigh``, ``eigvalsh``, ``svd``, ``svdvals`` and ``pinv``.

Conventions as in ``decompositions.py`` (whose ``aval_rule`` and ``front_batch`` they use).
``eigh``/``eigvalsh`` differentiate the function numpy computes: only the triangle named by
``UPLO`` is read (the other triangle gets a zero cotangent). Derivatives
of eigen- and singular vectors hold for distinct (and, for ``svd``, nonzero) values; at
exact ties the undefined terms are set to zero, which keeps eigen/singular *value*
derivatives exact. ``eigvalsh``/``svdvals`` recompute the vectors in their rules, so
value-only uses never meet the ``1 / (w_j - w_i)`` terms. Real inputs only. ``eig``
(general square matrices) always returns complex values under transformations; its
eigenvectors keep numpy's unit 2-norm, their phase is not differentiated (gauge).
Imports core and the shape, elementwise, product and decompositions modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradNotImplementedError
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .decompositions import aval_rule, front_batch, inv
from .elementwise import conj, real
from .products import col, diag_embed, diagonal, matmul, mT, row, safe_reciprocal, tril_mask

# --- eigh, eigvalsh ------------------------------------------------------------------


def _eig_gaps(w: Any) -> Any:
    """``F[..., i, j] = 1 / (w_j - w_i)`` off the diagonal; 0 on it and at exact ties."""
    return safe_reciprocal(row(w) - col(w))


def _triangle_mask(n: int, dtype: Any, uplo: str, diagonal_value: float) -> np.ndarray:
    """0/1 mask of the triangle numpy reads (``UPLO`` "L": on and below the diagonal)."""
    mask = tril_mask(n, 0, dtype, diagonal_value)
    return mask if uplo == "L" else mask.T


def _read_triangle(a_dot: Any, uplo: str) -> Any:
    """The symmetric matrix numpy sees: the named triangle of ``a_dot``, reflected."""
    half = a_dot * _triangle_mask(a_dot.shape[-1], a_dot.dtype, uplo, 0.5)
    return half + mT(half)


def _read_triangle_t(g: Any, uplo: str) -> Any:
    """The transpose of ``_read_triangle``: ``g + g^T`` off the diagonal of the named
    triangle, ``g``'s diagonal on it, zero in the triangle numpy never reads."""
    return (g + mT(g)) * _triangle_mask(g.shape[-1], g.dtype, uplo, 0.5)


def _eigh_vjp(out_bar, out, a, *, UPLO):
    # A_bar = T^T(V (diag(w_bar) + F o (V^T v_bar)) V^T), T: the triangle numpy reads
    del a
    (w_bar, v_bar), (w, v) = out_bar, out
    inner = diag_embed(w_bar) + _eig_gaps(w) * matmul(mT(v), v_bar)
    return (_read_triangle_t(matmul(matmul(v, inner), mT(v)), UPLO),)


def _eigh_jvp(dots, out, a, *, UPLO):
    # with M = V^T T(dA) V: dw = diag(M), dV = V (F o M)
    del a
    w, v = out
    m = matmul(matmul(mT(v), _read_triangle(dots[0], UPLO)), v)
    return [diagonal(m), matmul(v, _eig_gaps(w) * m)]


eigh_p = Primitive(
    "eigh",
    lambda a, *, UPLO: tuple(np.linalg.eigh(a, UPLO)),
    aval_rule(lambda a: tuple(np.linalg.eigh(a)), lambda s, UPLO: (s[:-1], s)),
    multiple_results=True,
)
VJP.define_joint(eigh_p, _eigh_vjp)
JVP.define_joint(eigh_p, _eigh_jvp)
BATCH.define(eigh_p, front_batch(eigh_p))


def _eigvalsh_vjp(out_bar, out, a, *, UPLO):
    del out  # A_bar = T^T(V diag(w_bar) V^T); the eigenvectors are recomputed
    v = eigh_p.bind(a, UPLO=UPLO)[1]
    return _read_triangle_t(matmul(v * row(out_bar), mT(v)), UPLO)


def _eigvalsh_jvp(a_dot, out, a, *, UPLO):
    del out
    v = eigh_p.bind(a, UPLO=UPLO)[1]
    return diagonal(matmul(matmul(mT(v), _read_triangle(a_dot, UPLO)), v))


eigvalsh_p = Primitive(
    "eigvalsh",
    lambda a, *, UPLO: np.linalg.eigvalsh(a, UPLO),
    aval_rule(np.linalg.eigvalsh, lambda s, UPLO: (s[:-1],)),
)
VJP.define(eigvalsh_p, _eigvalsh_vjp)
JVP.define(eigvalsh_p, _eigvalsh_jvp)
BATCH.define(eigvalsh_p, front_batch(eigvalsh_p))


# --- eig ----------------------------------------------------------------------------


def _complex_dtype(dtype: Any) -> np.dtype:
    return np.result_type(dtype, np.complex64)


def _eig_impl(a):
    w, v = np.linalg.eig(a)
    ct = _complex_dtype(a.dtype)
    return w.astype(ct, copy=False), v.astype(ct, copy=False)


def _mH(x: Any) -> Any:
    return mT(conj(x))


def _unit_norm(v: Any, x: Any) -> Any:
    """``x - V Re(diag(V^H x))``: keeps unit-norm columns of V."""
    return x - v * row(real(diagonal(matmul(_mH(v), x))))


def _unit_norm_t(v: Any, x: Any) -> Any:
    """``_unit_norm`` transposed under ``Re(sum(x * y))``: ``x - conj(V) Re(diag(V^T x))``."""
    return x - conj(v) * row(real(diagonal(matmul(mT(v), x))))


def _eig_vjp(out_bar, out, a):
    # A_bar = V^-T (diag(w_bar) + F o (V^T U^T(V_bar))) V^T, U the unit-norm correction:
    # the transpose of the JVP below under JAX's pairing Re(sum(x * y)).
    del a
    (w_bar, v_bar), (w, v) = out_bar, out
    inner = diag_embed(w_bar) + _eig_gaps(w) * matmul(mT(v), _unit_norm_t(v, v_bar))
    return (matmul(matmul(mT(inv(v)), inner), mT(v)),)


def _eig_jvp(dots, out, a):
    # A = V diag(w) V^-1, P = V^-1 dA V: dw = diag(P), dV = V (F o P) corrected to keep
    # ||v_j|| = 1: dV - V Re(diag(V^H dV)).
    del a
    w, v = out
    p = matmul(matmul(inv(v), dots[0]), v)
    return [diagonal(p), _unit_norm(v, matmul(v, _eig_gaps(w) * p))]


eig_p = Primitive(
    "eig",
    _eig_impl,
    aval_rule(_eig_impl, lambda s: (s[:-1], s)),
    multiple_results=True,
)
VJP.define_joint(eig_p, _eig_vjp)
JVP.define_joint(eig_p, _eig_jvp)
BATCH.define(eig_p, front_batch(eig_p))


# --- svd, svdvals --------------------------------------------------------------------


def _check_svd(a: Any, full_matrices: bool) -> None:
    if full_matrices and a.shape[-1] != a.shape[-2]:
        raise FuncgradNotImplementedError(
            "svd: derivatives of non-square matrices need full_matrices=False; got shape "
            f"{tuple(a.shape)}. Call svd(a, full_matrices=False)"
        )


def _sv_gaps(s: Any) -> Any:
    """``F[..., i, j] = 1 / (s_j^2 - s_i^2)`` off the diagonal; 0 on it and at ties."""
    s2 = s * s
    return safe_reciprocal(row(s2) - col(s2))


def _svd_vjp(out_bar, out, a, *, full_matrices):
    # A_bar = U [diag(s_bar) + (J + J^T) S + S (K + K^T)] V^T
    #         + (I - U U^T) U_bar S^-1 V^T + U S^-1 V_bar^T (I - V V^T),
    # J = F o (U^T U_bar), K = F o (V^T V_bar): the transpose of the JVP below.
    _check_svd(a, full_matrices)
    (u_bar, s_bar, vh_bar), (u, s, vh) = out_bar, out
    m, n = a.shape[-2:]
    f = _sv_gaps(s)
    j = f * matmul(mT(u), u_bar)
    k = f * matmul(vh, mT(vh_bar))
    inner = diag_embed(s_bar) + (j + mT(j)) * row(s) + col(s) * (k + mT(k))
    a_bar = matmul(matmul(u, inner), vh)
    s_inv = row(safe_reciprocal(s))
    if m > n:
        proj = u_bar - matmul(u, matmul(mT(u), u_bar))
        a_bar = a_bar + matmul(proj * s_inv, vh)
    if n > m:
        proj = mT(vh_bar) - matmul(mT(vh), matmul(vh, mT(vh_bar)))
        a_bar = a_bar + matmul(u * s_inv, mT(proj))
    return (a_bar,)


def _svd_jvp(dots, out, a, *, full_matrices):
    # dP = U^T dA V: ds = diag(dP), dU = U (F o (dP S + S dP^T)) + (I - U U^T) dA V S^-1,
    # dV = V (F o (S dP + dP^T S)) + (I - V V^T) dA^T U S^-1   (as in JAX)
    _check_svd(a, full_matrices)
    (a_dot,), (u, s, vh) = dots, out
    m, n = a.shape[-2:]
    v = mT(vh)
    dp = matmul(matmul(mT(u), a_dot), v)
    f = _sv_gaps(s)
    dps, sdp = dp * row(s), col(s) * dp
    du = matmul(u, f * (dps + mT(dps)))
    dv = matmul(v, f * (sdp + mT(sdp)))
    s_inv = row(safe_reciprocal(s))
    if m > n:
        dav = matmul(a_dot, v)
        du = du + (dav - matmul(u, matmul(mT(u), dav))) * s_inv
    if n > m:
        dau = matmul(mT(a_dot), u)
        dv = dv + (dau - matmul(v, matmul(vh, dau))) * s_inv
    return [du, diagonal(dp), mT(dv)]


def _svd_shapes(s, full_matrices):
    m, n = s[-2:]
    k = min(m, n)
    if full_matrices:
        return (*s[:-2], m, m), (*s[:-2], k), (*s[:-2], n, n)
    return (*s[:-2], m, k), (*s[:-2], k), (*s[:-2], k, n)


svd_p = Primitive(
    "svd",
    lambda a, *, full_matrices: tuple(np.linalg.svd(a, full_matrices=full_matrices)),
    aval_rule(lambda a: tuple(np.linalg.svd(a)), _svd_shapes),
    multiple_results=True,
)
VJP.define_joint(svd_p, _svd_vjp)
JVP.define_joint(svd_p, _svd_jvp)
BATCH.define(svd_p, front_batch(svd_p))


def _svdvals_vjp(out_bar, out, a):
    del out  # A_bar = U diag(s_bar) V^T; the singular vectors are recomputed
    u, _, vh = svd_p.bind(a, full_matrices=False)
    return matmul(u * row(out_bar), vh)


def _svdvals_jvp(a_dot, out, a):
    del out
    u, _, vh = svd_p.bind(a, full_matrices=False)
    return diagonal(matmul(matmul(mT(u), a_dot), mT(vh)))


svdvals_p = Primitive(
    "svdvals",
    lambda a: np.linalg.svd(a, compute_uv=False),
    aval_rule(np.linalg.svdvals, lambda s: ((*s[:-2], min(s[-2:])),)),
)
VJP.define(svdvals_p, _svdvals_vjp)
JVP.define(svdvals_p, _svdvals_jvp)
BATCH.define(svdvals_p, front_batch(svdvals_p))


# --- pinv ----------------------------------------------------------------------------


def _pinv_vjp(out_bar, out, a, *, rcond, hermitian):
    # Transpose of the JVP below (P = pinv(A)):
    # A_bar = -P^T P_bar P^T + (I - A P) P_bar^T P P^T + P^T P P_bar^T (I - P A)
    del rcond, hermitian
    p, pt = out, mT(out)
    x = matmul(mT(out_bar), matmul(p, pt))
    y = matmul(matmul(pt, p), mT(out_bar))
    return (
        -matmul(matmul(pt, out_bar), pt)
        + (x - matmul(a, matmul(p, x)))
        + (y - matmul(matmul(y, p), a))
    )


def _pinv_jvp(a_dot, out, a, *, rcond, hermitian):
    # Golub & Pereyra (1973), for locally constant rank:
    # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
    del rcond, hermitian
    p, pt = out, mT(out)
    z1 = matmul(matmul(p, pt), mT(a_dot))
    z2 = matmul(mT(a_dot), matmul(pt, p))
    return (
        -matmul(matmul(p, a_dot), p)
        + (z1 - matmul(matmul(z1, a), p))
        + (z2 - matmul(p, matmul(a, z2)))
    )


pinv_p = Primitive(
    "pinv",
    lambda a, *, rcond, hermitian: np.linalg.pinv(a, rcond=rcond, hermitian=hermitian),
    aval_rule(np.linalg.pinv, lambda s, rcond, hermitian: ((*s[:-2], s[-1], s[-2]),)),
)
VJP.define(pinv_p, _pinv_vjp)
JVP.define(pinv_p, _pinv_jvp)
BATCH.define(pinv_p, front_batch(pinv_p))
