"""Inverses, determinants and the triangular factorisations: ``inv``, ``solve``, ``det``,
``slogdet``, ``cholesky``, ``qr``.

One primitive per numpy.linalg routine, acting on the last two axes with numpy's stacking,
so batching moves the batch axis to the front and calls the primitive once (``front_batch``,
shared with ``spectral.py``). Derivatives are the standard perturbation formulas, written
with matmul, solve and elementwise operations so they differentiate again. ``cholesky``
uses the symmetric convention of autograd and JAX: the input perturbation is symmetrised
(numpy reads one triangle), so its gradient is symmetric. ``inv``, ``solve`` and ``det``
are holomorphic and take complex inputs (JAX's convention: VJPs transpose, never
conjugate); the others real inputs only.
Imports core and the shape and product families.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..core.avals import ShapedArray
from ..core.errors import FuncgradNotImplementedError
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .products import col, einsum, matmul, mT, sym, tril_mask
from .shape import _bdim_front, move_axis, reshape


def aval_rule(probe, shape_rule):
    """Abstract evaluation of a linalg primitive: shapes from ``shape_rule(*shapes,
    **params)`` (a tuple of shapes, one per result), dtypes from ``probe`` (the numpy
    routine) applied to 1-by-1 identities, never to zeros (``inv`` would fail)."""

    @functools.cache
    def dtypes(*in_dtypes):
        out = probe(*(np.eye(1, dtype=d) for d in in_dtypes))
        return tuple(np.asarray(o).dtype for o in (out if isinstance(out, tuple) else (out,)))

    def rule(*avals, **params):
        shapes = shape_rule(*(a.shape for a in avals), **params)
        outs = tuple(
            ShapedArray(s, d)
            for s, d in zip(shapes, dtypes(*(np.dtype(a.dtype) for a in avals)), strict=True)
        )
        return outs if len(outs) > 1 else outs[0]

    return rule


def front_batch(prim: Primitive):
    """Batching rule of a primitive of one stacked matrix: batch axis in front, one call."""

    def rule(axis_size, args, dims, **params):
        del axis_size
        out = prim.bind(_bdim_front(args[0], dims[0]), **params)
        if prim.multiple_results:
            return out, [0] * len(out)
        return out, 0

    return rule


def _trace_of_product(x: Any, y: Any) -> Any:
    """``trace(x @ y)`` over the last two axes, without forming the product."""
    b = "ABCDEFGHIJKLMNOPQRSTUVWX"[: x.ndim - 2]
    return einsum(f"{b}yz,{b}zy->{b}", x, y)


# --- inv -----------------------------------------------------------------------------


def _inv_vjp(out_bar, out, a):
    del a  # d inv(A) = -inv(A) dA inv(A)
    out_t = mT(out)
    return -matmul(matmul(out_t, out_bar), out_t)


def _inv_jvp(a_dot, out, a):
    del a
    return -matmul(matmul(out, a_dot), out)


inv_p = Primitive("inv", np.linalg.inv, aval_rule(np.linalg.inv, lambda s: (s,)))
VJP.define(inv_p, _inv_vjp)
JVP.define(inv_p, _inv_jvp)
BATCH.define(inv_p, front_batch(inv_p))


def inv(a: Any) -> Any:
    """Inverse of a stack of square matrices."""
    return inv_p.bind(a)


# --- solve (matrix right-hand sides; funcgrad.numpy.linalg handles vectors) ----------


def _solve_vjp(out_bar, out, a, b):
    b_bar = solve(mT(a), out_bar)  # x = A^{-1} b
    return -matmul(b_bar, mT(out)), b_bar


def _solve_jvp(dots, out, a, b):
    a_dot, b_dot = dots
    rhs = b_dot
    if a_dot is not None:
        rhs = -matmul(a_dot, out) if rhs is None else rhs - matmul(a_dot, out)
    return solve(a, rhs)


def solve_batch(prim: Primitive):
    """Batching rule of a solve ``prim(a, b, **params)``: a stack of square ``a``, a stack
    of matrices ``b``, batch axes broadcast."""

    def rule(axis_size, args, dims, **params):
        (a, b), (da, db) = args, dims
        if da is None and a.ndim == 2 and b.ndim == 3:
            # One factorisation for the whole batch: the batch becomes more right-hand sides.
            b = move_axis(b, db, 1)
            m, _, k = b.shape
            x = prim.bind(a, reshape(b, (m, axis_size * k)), **params)
            return reshape(x, (m, axis_size, k)), 1
        ra, rb = a.ndim - (da is not None), b.ndim - (db is not None)
        rank = max(ra, rb)
        a, b = _bdim_front(a, da), _bdim_front(b, db)
        if da is not None:
            a = reshape(a, (axis_size,) + (1,) * (rank - ra) + a.shape[1:])
        if db is not None:
            b = reshape(b, (axis_size,) + (1,) * (rank - rb) + b.shape[1:])
        return prim.bind(a, b, **params), 0

    return rule


solve_p = Primitive(
    "solve",
    np.linalg.solve,
    aval_rule(np.linalg.solve, lambda sa, sb: (np.broadcast_shapes(sa[:-2], sb[:-2]) + sb[-2:],)),
)
VJP.define_joint(solve_p, _solve_vjp)
JVP.define_joint(solve_p, _solve_jvp)
BATCH.define(solve_p, solve_batch(solve_p))


def solve(a: Any, b: Any) -> Any:
    """``inv(a) @ b`` for a stack of square ``a`` and a stack of matrices ``b``."""
    return solve_p.bind(a, b)


# --- det, slogdet --------------------------------------------------------------------


def _det_vjp(out_bar, out, a):
    # d det(A) = det(A) tr(inv(A) dA), so A_bar = out_bar det(A) inv(A)^T
    return col(col(out_bar * out)) * mT(inv(a))


def _det_jvp(a_dot, out, a):
    return out * _trace_of_product(inv(a), a_dot)


det_p = Primitive("det", np.linalg.det, aval_rule(np.linalg.det, lambda s: (s[:-2],)))
VJP.define(det_p, _det_vjp)
JVP.define(det_p, _det_jvp)
BATCH.define(det_p, front_batch(det_p))


def _slogdet_vjp(out_bar, out, a):
    # the sign is piecewise constant; d log|det A| = tr(inv(A) dA)
    return (col(col(out_bar[1])) * mT(inv(a)),)


def _slogdet_jvp(dots, out, a):
    return [None, _trace_of_product(inv(a), dots[0])]


slogdet_p = Primitive(
    "slogdet",
    lambda a: tuple(np.linalg.slogdet(a)),
    aval_rule(lambda a: tuple(np.linalg.slogdet(a)), lambda s: (s[:-2], s[:-2])),
    multiple_results=True,
)
VJP.define_joint(slogdet_p, _slogdet_vjp)
JVP.define_joint(slogdet_p, _slogdet_jvp)
BATCH.define(slogdet_p, front_batch(slogdet_p))


# --- cholesky (lower) ----------------------------------------------------------------


def _phi(x: Any) -> Any:
    """The lower triangle of ``x`` with its diagonal halved."""
    return x * tril_mask(x.shape[-1], 0, x.dtype, 0.5)


def _cholesky_vjp(out_bar, out, a):
    # Murray (2016), arXiv:1602.07527: A_bar = sym(L^-T phi(L^T L_bar) L^-1)
    del a
    l_inv = inv(out)
    return sym(matmul(matmul(mT(l_inv), _phi(matmul(mT(out), out_bar))), l_inv))


def _cholesky_jvp(a_dot, out, a):
    # dL = L phi(L^-1 sym(dA) L^-T)
    del a
    l_inv = inv(out)
    return matmul(out, _phi(matmul(matmul(l_inv, sym(a_dot)), mT(l_inv))))


cholesky_p = Primitive(
    "cholesky", np.linalg.cholesky, aval_rule(np.linalg.cholesky, lambda s: (s,))
)
VJP.define(cholesky_p, _cholesky_vjp)
JVP.define(cholesky_p, _cholesky_jvp)
BATCH.define(cholesky_p, front_batch(cholesky_p))


# --- qr (reduced, square or tall) ----------------------------------------------------


def _check_qr(a: Any, mode: str) -> None:
    m, n = a.shape[-2:]
    if m < n or (mode == "complete" and m != n):
        raise FuncgradNotImplementedError(
            f"qr: derivatives are implemented for square and tall matrices in reduced mode; "
            f"got shape {tuple(a.shape)} with mode={mode!r}. For a wide matrix differentiate "
            "qr of its transpose; use mode='reduced'"
        )


def _right_solve(x: Any, r: Any) -> Any:
    """``x @ inv(r)``."""
    return mT(solve(mT(r), mT(x)))


def _qr_vjp(out_bar, out, a, *, mode):
    # Transpose of the JVP below: with M = Q^T Q_bar - R_bar R^T and
    # N = tril(M - M^T, -1) - M, A_bar = (Q_bar + Q N) R^-T.
    _check_qr(a, mode)
    (q_bar, r_bar), (q, r) = out_bar, out
    m = matmul(mT(q), q_bar) - matmul(r_bar, mT(r))
    n = (m - mT(m)) * tril_mask(m.shape[-1], -1, m.dtype) - m
    return (mT(solve(r, mT(q_bar + matmul(q, n)))),)


def _qr_jvp(dots, out, a, *, mode):
    # C = Q^T dA R^-1, Omega = tril(C, -1) - tril(C, -1)^T (skew):
    # dQ = Q (Omega - C) + dA R^-1, dR = (C - Omega) R   (as in JAX)
    _check_qr(a, mode)
    q, r = out
    da_rinv = _right_solve(dots[0], r)
    c = matmul(mT(q), da_rinv)
    low = c * tril_mask(c.shape[-1], -1, c.dtype)
    omega = low - mT(low)
    return [matmul(q, omega - c) + da_rinv, matmul(c - omega, r)]


qr_p = Primitive("qr", lambda a, *, mode: tuple(np.linalg.qr(a, mode=mode)), multiple_results=True)
VJP.define_joint(qr_p, _qr_vjp)
JVP.define_joint(qr_p, _qr_jvp)
BATCH.define(qr_p, front_batch(qr_p))
