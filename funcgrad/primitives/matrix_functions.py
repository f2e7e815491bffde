"""Matrix functions and triangular systems: ``expm`` and ``solve_triangular``.

``expm_p`` is the matrix exponential of a stack of square matrices by scaling and squaring
with Pade approximants (Higham 2005, "The scaling and squaring method for the matrix
exponential revisited", SIAM J. Matrix Anal. Appl. 26(4)); one squaring count per matrix,
degree and thresholds by precision. Its derivative is the Frechet derivative ``L(A, E)``,
read off the block-triangular identity ``expm([[A, E], [0, A]]) = [[expm(A), L(A, E)],
[0, expm(A)]]`` (Higham, "Functions of Matrices", 2008, Thm. 3.6): the JVP is
``L(A, A_dot)`` and the VJP ``L(A^H, out_bar)`` (the adjoint of ``E -> L(A, E)``). Both bind
``expm_p`` again on the doubled matrix, so every derivative order and batching follow.

``solve_triangular_p`` solves ``T x = b`` for ``T`` the lower or upper triangle of ``a``
(unit diagonal optional); the other triangle is never read and gets a zero cotangent. numpy
has no triangular solver, so the implementation is LAPACK's LU on ``T`` arranged upper
triangular (a lower ``T`` is reversed along both axes): partial pivoting then never swaps
rows and the LU solve is exactly back substitution. Its VJP is two triangular solves' worth
of work: ``b_bar = T^-H x_bar``, ``a_bar = -tri(b_bar x^H)``.
Imports core and the shape, elementwise, reduction, product and decomposition modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .decompositions import aval_rule, front_batch, solve_batch
from .elementwise import abs as abs_, equal, maximum, stop_gradient, where
from .products import matmul, mT
from .reductions import max_
from .shape import _slice, concatenate, zeros_like

# --- expm ----------------------------------------------------------------------------

# Pade coefficients b_j of exp (numerator p_m(x) = sum_j b_j x^j; denominator p_m(-x)).
_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (
        17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0,
        2162160.0, 110880.0, 3960.0, 90.0, 1.0,
    ),
    13: (
        64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
        1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
        33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0,
    ),
}  # fmt: skip
# (degree, largest 1-norm for which the degree meets the unit roundoff) from Higham
# (2005), Table 2.3 (double) and the single-precision values of the same analysis; the
# last degree is the one used after scaling.
_THETA = {
    "double": ((3, 1.495585217958292e-2), (5, 2.539398330063230e-1), (7, 9.504178996162932e-1),
        (9, 2.097847961257068), (13, 5.371920351148152)),
    "single": ((3, 4.258730016922831e-1), (5, 1.880152677804762), (7, 3.925724783138660)),
}  # fmt: skip


def _pade(a: np.ndarray, m: int) -> np.ndarray:
    """The degree-``m`` Pade approximant ``q_m(A)^-1 p_m(A)`` of a stack of matrices."""
    b = _PADE[m]
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    if m == 13:  # Higham's evaluation: 6 products instead of 12
        a4 = a2 @ a2
        a6 = a4 @ a2
        u = a @ (
            a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2)
            + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye
        )  # fmt: skip
        v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2
        v = v + b[0] * eye
    else:
        powers = [eye, a2]
        while len(powers) <= m // 2:
            powers.append(powers[-1] @ a2)
        u = a @ sum(b[2 * j + 1] * powers[j] for j in range(len(powers)))
        v = sum(b[2 * j] * powers[j] for j in range(len(powers)))
    return np.linalg.solve(v - u, v + u)


def _expm_impl(a):
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.inexact):
        a = a.astype(np.float64)
    if a.size == 0:
        return a.copy()
    norms = np.abs(a).sum(axis=-2).max(axis=-1)  # 1-norm of each matrix
    table = _THETA["double" if np.finfo(a.dtype).bits >= 64 else "single"]
    biggest = norms.max()
    for m, theta in table[:-1]:
        if biggest <= theta:
            return _pade(a, m)
    m, theta = table[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.ceil(np.log2(norms / theta))
    s = np.where(np.isfinite(s) & (s > 0), s, 0).astype(np.int64)  # NaN/inf stay NaN/inf
    scale = np.ldexp(np.ones((), np.finfo(a.dtype).dtype), -s)[..., None, None]
    r = _pade(a * scale, m)
    top = int(s.max())
    uneven = bool((s != top).any())  # only then do some matrices of the stack stop early
    for k in range(top):
        squared = r @ r
        r = np.where((s > k)[..., None, None], squared, r) if uneven else squared
    return r


def _frechet_block(a: Any, e: Any) -> Any:
    """``L(A, E)``: the top-right block of ``expm([[A, E], [0, A]])``.

    ``E`` is scaled first so the block's norm is about A's (or 1): ``L`` is linear in ``E``,
    so any constant factor is exact, and this one keeps a large ``E`` from adding squarings
    that would cost accuracy (overscaling).
    """
    n = a.shape[-1]
    size_a = max_(abs_(a), axis=(a.ndim - 2, a.ndim - 1), keepdims=True)
    size_e = max_(abs_(e), axis=(e.ndim - 2, e.ndim - 1), keepdims=True)
    c = stop_gradient(where(equal(size_e, 0.0), 1.0, size_e / maximum(size_a, 1.0)))
    top = concatenate([a, e / c], axis=a.ndim - 1)
    bottom = concatenate([zeros_like(a), a], axis=a.ndim - 1)
    big = expm(concatenate([top, bottom], axis=a.ndim - 2))
    lead = big.shape[:-2]
    block = _slice(big, (0,) * len(lead) + (0, n), (*lead, n, 2 * n), (1,) * big.ndim)
    return block * c


def _expm_vjp(out_bar, out, a):
    del out  # the transpose of E -> L(A, E) is G -> L(A^T, G) (JAX's convention)
    return _frechet_block(mT(a), out_bar)


def _expm_jvp(a_dot, out, a):
    del out
    return _frechet_block(a, a_dot)


expm_p = Primitive("expm", _expm_impl, aval_rule(_expm_impl, lambda s: (s,)))
VJP.define(expm_p, _expm_vjp)
JVP.define(expm_p, _expm_jvp)
BATCH.define(expm_p, front_batch(expm_p))


def expm(a: Any) -> Any:
    """Matrix exponential of a stack of square matrices (float or complex)."""
    return expm_p.bind(a)


def expm_frechet(a: Any, e: Any) -> Any:
    """Frechet derivative ``L(A, E)`` of ``expm`` at ``a`` in direction ``e`` (same shapes)."""
    return _frechet_block(a, e)


# --- solve_triangular ----------------------------------------------------------------


def _triangle(a: np.ndarray, lower: bool, unit_diagonal: bool) -> np.ndarray:
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        idx = np.arange(a.shape[-1])
        t[..., idx, idx] = 1
    return t


def _solve_triangular_impl(a, b, *, lower, unit_diagonal):
    t = _triangle(np.asarray(a), lower, unit_diagonal)
    if not lower:
        return np.linalg.solve(t, b)
    # Reversed along both axes a lower triangle is upper: LU then does no row swaps.
    x = np.linalg.solve(t[..., ::-1, ::-1], np.asarray(b)[..., ::-1, :])
    return x[..., ::-1, :]


def triangle_mask(n: int, lower: bool, unit_diagonal: bool, dtype: Any) -> np.ndarray:
    """Constant 0/1 mask of the entries of ``a`` that ``solve_triangular`` reads."""
    k = -1 if unit_diagonal else 0
    mask = np.tril(np.ones((n, n), dtype), k)
    return mask if lower else np.ascontiguousarray(mask.T)


def _solve_triangular_vjp(out_bar, out, a, b, *, lower, unit_diagonal):
    # x = T^-1 b: b_bar = T^-T x_bar, a_bar = -tri(b_bar x^T) (the triangle read only;
    # the plain transpose, JAX's convention for complex values)
    b_bar = solve_triangular(mT(a), out_bar, lower=not lower, unit_diagonal=unit_diagonal)
    mask = triangle_mask(a.shape[-1], lower, unit_diagonal, np.result_type(a.dtype, b.dtype))
    return -matmul(b_bar, mT(out)) * mask, b_bar


def _solve_triangular_jvp(dots, out, a, b, *, lower, unit_diagonal):
    a_dot, b_dot = dots
    rhs = b_dot
    if a_dot is not None:
        mask = triangle_mask(a.shape[-1], lower, unit_diagonal, a_dot.dtype)
        minus = matmul(a_dot * mask, out)
        rhs = -minus if rhs is None else rhs - minus
    return solve_triangular(a, rhs, lower=lower, unit_diagonal=unit_diagonal)


def _solve_triangular_shapes(sa, sb, *, lower, unit_diagonal):
    del lower, unit_diagonal
    return (np.broadcast_shapes(sa[:-2], sb[:-2]) + sb[-2:],)


solve_triangular_p = Primitive(
    "solve_triangular",
    _solve_triangular_impl,
    aval_rule(
        lambda a, b: _solve_triangular_impl(a, b, lower=True, unit_diagonal=False),
        _solve_triangular_shapes,
    ),
)
VJP.define_joint(solve_triangular_p, _solve_triangular_vjp)
JVP.define_joint(solve_triangular_p, _solve_triangular_jvp)
BATCH.define(solve_triangular_p, solve_batch(solve_triangular_p))


def solve_triangular(a: Any, b: Any, *, lower: bool, unit_diagonal: bool = False) -> Any:
    """``tri(a)^-1 @ b`` for stacks of square ``a`` and matrices ``b`` (broadcast batch
    axes); ``tri`` keeps the lower or upper triangle (diagonal set to 1 if unit)."""
    return solve_triangular_p.bind(a, b, lower=bool(lower), unit_diagonal=bool(unit_diagonal))
