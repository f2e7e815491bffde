"""Rows of the primitive table: products (matmul, einsum, dot, ...) and numpy.linalg.

Decompositions get structured inputs so finite differences are meaningful: invertible
matrices are ``D (2 I + R)`` (``R`` small, ``D`` random signs), symmetric ones ``Q diag(w)
Q^T`` and general ones ``Q1 diag(s) Q2^T`` with eigen/singular values in ``[0.5, 2]``
separated by at least 0.3. Functions of symmetric matrices are differentiated through
``sym(a) = (a + a^T) / 2`` (their derivative convention), and eigen/singular vectors only
through gauge-invariant outputs (``v * v``, ``u_k v_k^T``). Each test function is written
once against a module ``m`` and instantiated with ``fnp`` (``fun``) and ``np``
(``reference``), so the no-trace results match numpy bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp

from .spec import OpSpec
from .specials import attach

# --- input strategies ------------------------------------------------------------------


def _rng(draw: Any) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _batch(draw: Any, max_dims: int = 2) -> tuple[int, ...]:
    return tuple(draw(st.lists(st.integers(1, 3), max_size=max_dims)))


def _orthogonal(rng: np.random.Generator, shape: tuple[int, ...], n: int, k: int) -> np.ndarray:
    """Stacks of n-by-k matrices with orthonormal columns."""
    q, r = np.linalg.qr(rng.standard_normal((*shape, n, k)))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _spread(rng: np.random.Generator, shape: tuple[int, ...], k: int, lo: float) -> np.ndarray:
    """k values per stack entry, from ``lo`` upwards, gaps in [0.3, 0.45], shuffled."""
    gaps = rng.uniform(0.3, 0.45, size=(*shape, k))
    vals = lo + np.cumsum(gaps, axis=-1) - gaps[..., :1]
    return rng.permuted(vals, axis=-1)


@st.composite
def invertible(draw, n_args: int = 1, batch: bool = True, complex_: bool = False):
    """``(a,)``: well-conditioned square matrices ``D (2 I + R)``, either sign of det
    (``complex_``: ``R`` complex with entries of modulus below ``1.2 / n``)."""
    shape, n = (_batch(draw) if batch else ()), draw(st.integers(1, 4))
    rng = _rng(draw)
    r = rng.uniform(-1.0, 1.0, size=(*shape, n, n)) / n
    if complex_:
        r = r + 0.6j * rng.uniform(-1.0, 1.0, size=(*shape, n, n)) / n
    signs = rng.choice([-1.0, 1.0], size=(*shape, n, 1))
    return (signs * (2.0 * np.eye(n) + r),)


def complexify(args_strategy):
    """The arguments of ``args_strategy`` plus ``1j`` times independent values in [-2, 2]."""

    @st.composite
    def draw_args(draw):
        args = draw(args_strategy() if callable(args_strategy) else args_strategy)
        rng = _rng(draw)
        return tuple(a + 1j * rng.uniform(-2, 2, size=np.shape(a)) for a in args)

    return draw_args


@st.composite
def symmetric(draw, lo: float = 0.5):
    """``(a,)``: ``Q diag(w) Q^T`` with well separated eigenvalues ``w >= lo``."""
    shape, n = _batch(draw), draw(st.integers(1, 4))
    rng = _rng(draw)
    q = _orthogonal(rng, shape, n, n)
    w = _spread(rng, shape, n, lo)
    return (q * w[..., None, :] @ np.swapaxes(q, -1, -2),)


@st.composite
def lopsided(draw):
    """``(a,)``: ``symmetric(lo=-1)`` plus a small non-symmetric perturbation, so the two
    triangles differ (numpy's eigh reads only one)."""
    (a,) = draw(symmetric(lo=-1.0))
    rng = _rng(draw)
    return (a + rng.uniform(-0.05, 0.05, size=a.shape),)


def uplo(args):
    return st.fixed_dictionaries({"UPLO": st.sampled_from(["L", "U"])})


@st.composite
def general(draw, tall: bool | None = None, batch: bool = True):
    """``(a,)``: m-by-n ``Q1 diag(s) Q2^T`` with separated singular values in [0.5, 2]."""
    shape = _batch(draw) if batch else ()
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if tall is not None and (m < n) == tall:
        m, n = n, m
    k = min(m, n)
    rng = _rng(draw)
    u, v = _orthogonal(rng, shape, m, k), _orthogonal(rng, shape, n, k)
    s = _spread(rng, shape, k, 0.5)
    return (u * s[..., None, :] @ np.swapaxes(v, -1, -2),)


@st.composite
def nonsymmetric(draw, pairs: bool = False):
    """``(a,)``: real ``Q D Q^-1``, ``Q = I + R`` well conditioned, eigenvalues at least 0.5
    apart; ``D`` diagonal, or (``pairs``) a rotation-scaling block ``[[c, s], [-s, c]]``
    (eigenvalues ``c +- i s``, ``s`` in [0.5, 1]) and a real eigenvalue when n = 3."""
    shape, n = _batch(draw), draw(st.integers(2 if pairs else 1, 3))
    rng = _rng(draw)
    gaps = rng.uniform(0.5, 0.7, size=(*shape, n))
    d = rng.permuted(np.cumsum(gaps, axis=-1) - 1.0, axis=-1)[..., None, :] * np.eye(n)
    if pairs:
        c, s = rng.uniform(-1, 1, size=shape), rng.uniform(0.5, 1.0, size=shape)
        d[..., 0, 0] = d[..., 1, 1] = c
        d[..., 0, 1], d[..., 1, 0] = s, -s
        if n == 3:
            d[..., 2, 2] = c + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.5)
    q = np.eye(n) + rng.uniform(-0.3, 0.3, size=(*shape, n, n)) / n
    return (q @ d @ np.linalg.inv(q),)


@st.composite
def solve_args(draw, complex_: bool = False):
    """``(a, b)``: invertible ``a`` and a right-hand side: a vector or a stack of matrices
    whose batch axes broadcast with a's."""
    (a,) = draw(invertible(complex_=complex_))
    rng = _rng(draw)
    n = a.shape[-1]

    def rhs(*shape):
        b = rng.uniform(-2, 2, size=shape)
        return b + 1j * rng.uniform(-2, 2, size=shape) if complex_ else b

    if draw(st.booleans()):
        return a, rhs(n)
    batch = a.shape[:-2]
    batch = draw(st.sampled_from([batch, batch[1:], (1, *batch[1:]) if batch else ()]))
    return a, rhs(*batch, n, draw(st.integers(1, 3)))


@st.composite
def matmul_args(draw):
    """Operands of matmul: stacks with broadcast batch axes, 1-D operands promoted."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    rng = _rng(draw)
    batch = _batch(draw)
    sa = () if not batch else tuple(d if draw(st.booleans()) else 1 for d in batch)
    sb = batch[draw(st.integers(0, len(batch))) :]
    shape_a = (k,) if draw(st.integers(0, 3)) == 0 else (*sa, n, k)
    shape_b = (k,) if draw(st.integers(0, 3)) == 0 else (*sb, k, m)
    return rng.uniform(-2, 2, size=shape_a), rng.uniform(-2, 2, size=shape_b)


@st.composite
def dot_args(draw):
    """Operands of dot: any ranks 0..3 with the contracted sizes equal."""
    rng = _rng(draw)
    ra, rb = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    k = draw(st.integers(1, 4))
    sa = [draw(st.integers(1, 3)) for _ in range(ra)]
    sb = [draw(st.integers(1, 3)) for _ in range(rb)]
    if ra and rb:
        sa[-1] = k
        sb[-2 if rb >= 2 else -1] = k
    return rng.uniform(-2, 2, size=sa), rng.uniform(-2, 2, size=sb)


@st.composite
def inner_args(draw):
    rng = _rng(draw)
    ra, rb, k = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 4))
    sa = [draw(st.integers(1, 3)) for _ in range(ra)]
    sb = [draw(st.integers(1, 3)) for _ in range(rb)]
    if ra and rb:
        sa[-1] = sb[-1] = k
    return rng.uniform(-2, 2, size=sa), rng.uniform(-2, 2, size=sb)


@st.composite
def two_any(draw, max_dims: int = 2):
    """Two arrays of unrelated small shapes."""
    rng = _rng(draw)
    shapes = [tuple(draw(st.lists(st.integers(1, 3), max_size=max_dims))) for _ in range(2)]
    return tuple(rng.uniform(-2, 2, size=s) for s in shapes)


@st.composite
def same_size(draw):
    """Two arrays with the same number of entries, shaped differently."""
    rng = _rng(draw)
    n = draw(st.sampled_from([1, 2, 3, 4, 6, 12]))
    shapes = [draw(st.sampled_from([s for s in _factorings(n)])) for _ in range(2)]
    return tuple(rng.uniform(-2, 2, size=s) for s in shapes)


def _factorings(n: int) -> list[tuple[int, ...]]:
    out = [(n,)]
    out += [(a, n // a) for a in range(1, n + 1) if n % a == 0]
    return out


@st.composite
def tensordot_args(draw):
    """``(a, b)`` where the last ``c`` axes of a match the first ``c`` of b (c drawn later)."""
    rng = _rng(draw)
    c = draw(st.integers(0, 2))
    common = [draw(st.integers(1, 3)) for _ in range(c)]
    sa = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))] + common
    sb = common + [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    return rng.uniform(-2, 2, size=sa), rng.uniform(-2, 2, size=sb)


def tensordot_params(args):
    a, b = args
    ok = [c for c in range(min(a.ndim, b.ndim) + 1) if a.shape[a.ndim - c :] == b.shape[:c]]
    pairs = [
        {"axes": ([i], [j])}
        for i in range(a.ndim)
        for j in range(b.ndim)
        if a.shape[i] == b.shape[j]
    ]
    return st.sampled_from([{"axes": c} for c in ok] + pairs)


@st.composite
def cross_args(draw):
    """3-vectors along a drawn axis, broadcast batch axes."""
    rng = _rng(draw)
    batch = _batch(draw)
    sb = batch[draw(st.integers(0, len(batch))) :]
    return rng.uniform(-2, 2, size=(*batch, 3)), rng.uniform(-2, 2, size=(*sb, 3))


def cross_params(args):
    a, b = args
    return st.fixed_dictionaries(
        {"axisa": st.sampled_from([-1, a.ndim - 1]), "axisb": st.sampled_from([-1, b.ndim - 1])}
    )


def arrays_of(*shapes: tuple[int, ...]):
    """A strategy of arrays of the given fixed shapes, entries in [-2, 2]."""

    @st.composite
    def draw_args(draw):
        rng = _rng(draw)
        return tuple(rng.uniform(-2, 2, size=s) for s in shapes)

    return draw_args


@st.composite
def chain_args(draw):
    """3 or 4 matrices of a chain; the first and last may be vectors."""
    rng = _rng(draw)
    count = draw(st.integers(3, 4))
    dims = [draw(st.integers(1, 4)) for _ in range(count + 1)]
    shapes = [(dims[i], dims[i + 1]) for i in range(count)]
    if draw(st.booleans()):
        shapes[0] = (dims[1],)
    if draw(st.booleans()):
        shapes[-1] = (dims[-2],)
    return tuple(rng.uniform(-1, 1, size=s) for s in shapes)


@st.composite
def norm_vector_case(draw):
    """``(x,)`` and a valid vector-norm ``{ord, axis, keepdims}``."""
    rng = _rng(draw)
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    x = rng.uniform(0.2, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return (x,)


def norm_vector_params(args):
    (x,) = args
    axis = st.one_of(
        st.integers(-x.ndim, x.ndim - 1), st.integers(0, x.ndim - 1).map(lambda a: (a,))
    )
    if x.ndim == 1:
        axis = st.one_of(st.none(), axis)
    return st.fixed_dictionaries(
        {
            "ord": st.sampled_from([None, 2, 1, np.inf, -np.inf, 0, 3, 1.5]),
            "axis": axis,
            "keepdims": st.booleans(),
        }
    )


def norm_matrix_params(args):
    (x,) = args
    nd = x.ndim
    axes = [(nd - 2, nd - 1), (-1, -2), (nd - 1, nd - 2)]
    orders = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
    return st.fixed_dictionaries(
        {"ord": st.sampled_from(orders), "axis": st.sampled_from(axes), "keepdims": st.booleans()}
    )


# --- test functions, written once for fnp and np ---------------------------------------


def _sym(m, a):
    return (a + m.swapaxes(a, -1, -2)) / 2 if m is np else (a + m.linalg.matrix_transpose(a)) / 2


def _pair(make):
    """``(fun, reference)`` from ``make(module)``."""
    return {"fun": make(fnp), "reference": make(np)}


def _eigh_gauge(m):
    def f(a):
        w, v = m.linalg.eigh(_sym(m, a))
        return w, v * v

    return f


def _eigh_function(m):
    def f(a):  # V diag(w^3) V^T: a matrix function, gauge-free
        w, v = m.linalg.eigh(_sym(m, a))
        return m.einsum("...ij,...j,...kj->...ik", v, w * w * w, v)

    return f


def _eigh_uplo(m):
    def f(a, UPLO):
        w, v = m.linalg.eigh(a, UPLO)
        return w, m.einsum("...ij,...j,...kj->...ik", v, w * w * w, v)

    return f


def _eig_gauge(m):
    def f(a):  # eigenvalues and |v|^2 (unit-norm columns: free of the phase)
        w, v = m.linalg.eig(a)
        return m.real(w), m.imag(w), m.abs(v) ** 2

    return f


def _eig_function(m):
    def f(a):  # V diag(exp(w)) V^-1 = expm(a): a matrix function, gauge-free
        w, v = m.linalg.eig(a)
        return m.real(v @ (m.exp(w)[..., :, None] * m.linalg.inv(v)))

    return f


def _eigvals(m):
    def f(a):
        w = m.linalg.eigvals(a)
        return m.real(w), m.imag(w)

    return f


def _svd_gauge(m):
    def f(a):  # s and the rank-one terms u_k v_k^T
        u, s, vh = m.linalg.svd(a, full_matrices=False)
        return s, m.einsum("...ik,...kj->...kij", u, vh)

    return f


def _qr(m):
    def f(a):
        q, r = m.linalg.qr(a)
        return q, r

    return f


def _slogdet(m):
    def f(a):
        sign, logdet = m.linalg.slogdet(a)
        return sign, logdet

    return f


def _einsum_row(subscripts: str, *shapes: tuple[int, ...]) -> OpSpec:
    return OpSpec(
        f"einsum[{subscripts}]",
        lambda *ops: fnp.einsum(subscripts, *ops),
        arrays_of(*shapes),
        reference=lambda *ops: np.einsum(subscripts, *ops),
    )


LINALG = [
    # --- products ---
    OpSpec("matmul", fnp.matmul, matmul_args),
    OpSpec("dot", fnp.dot, dot_args),
    OpSpec("vdot", fnp.vdot, same_size),
    OpSpec("inner", fnp.inner, inner_args),
    OpSpec("outer", fnp.outer, two_any),
    OpSpec("kron", fnp.kron, two_any),
    OpSpec("tensordot", fnp.tensordot, tensordot_args, params=tensordot_params),
    OpSpec("cross", fnp.cross, cross_args, params=cross_params),
    _einsum_row("ij,jk->ik", (2, 3), (3, 4)),
    _einsum_row("ij,jk", (2, 3), (3, 4)),
    _einsum_row("ii->i", (3, 3)),
    _einsum_row("ii", (3, 3)),
    _einsum_row("iij->j", (2, 2, 3)),
    _einsum_row("ij->", (2, 3)),
    _einsum_row("ijk->kij", (2, 3, 4)),
    _einsum_row("i,j->ij", (2,), (3,)),
    _einsum_row("i,i", (4,), (4,)),
    _einsum_row("ij,ij->ij", (3, 1), (3, 4)),
    _einsum_row("...ij,...jk->...ik", (2, 1, 2, 3), (4, 3, 2)),
    _einsum_row("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
    _einsum_row("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    _einsum_row("ij,jk,ki->", (2, 3), (3, 4), (4, 2)),
    _einsum_row("i...,i...->...", (3, 2), (3, 1)),
    _einsum_row("ab,b->a", (3, 1), (4,)),
    # --- complex operands (JAX's convention: the VJP is the plain transpose) ---
    OpSpec("matmul[complex]", fnp.matmul, complexify(matmul_args)),
    OpSpec("dot[complex]", fnp.dot, complexify(dot_args)),
    OpSpec("vdot[complex]", fnp.vdot, complexify(same_size)),  # conjugates its first argument
    OpSpec("inner[complex]", fnp.inner, complexify(inner_args)),
    OpSpec("outer[complex]", fnp.outer, complexify(two_any)),
    OpSpec("kron[complex]", fnp.kron, complexify(two_any)),
    OpSpec(
        "tensordot[complex]", fnp.tensordot, complexify(tensordot_args), params=tensordot_params
    ),
    OpSpec("cross[complex]", fnp.cross, complexify(cross_args), params=cross_params),
    OpSpec(
        "einsum[complex]",
        lambda a, b: fnp.einsum("ij,jk->ik", a, b),
        complexify(arrays_of((2, 3), (3, 4))),
        reference=lambda a, b: np.einsum("ij,jk->ik", a, b),
    ),
    OpSpec(
        "einsum[real,complex]",
        lambda a, b: fnp.einsum("ij,jk->ik", a, b * (1 + 0.5j)),
        arrays_of((2, 3), (3, 4)),
        reference=lambda a, b: np.einsum("ij,jk->ik", a, b * (1 + 0.5j)),
    ),
    OpSpec(
        "linalg.inv[complex]",
        fnp.linalg.inv,
        lambda: invertible(complex_=True),
        reference=np.linalg.inv,
    ),
    OpSpec(
        "linalg.solve[complex]",
        fnp.linalg.solve,
        lambda: solve_args(complex_=True),
        reference=np.linalg.solve,
    ),
    OpSpec(
        "linalg.det[complex]",
        fnp.linalg.det,
        lambda: invertible(complex_=True),
        reference=np.linalg.det,
    ),
    # --- numpy.linalg ---
    OpSpec("linalg.inv", fnp.linalg.inv, invertible, reference=np.linalg.inv),
    OpSpec("linalg.solve", fnp.linalg.solve, solve_args, reference=np.linalg.solve),
    OpSpec("linalg.det", fnp.linalg.det, invertible, reference=np.linalg.det),
    OpSpec("linalg.slogdet", args=invertible, **_pair(_slogdet)),
    OpSpec(
        "linalg.cholesky",
        args=symmetric,
        **_pair(lambda m: lambda a: m.linalg.cholesky(_sym(m, a))),
    ),
    OpSpec(
        "linalg.cholesky_upper",
        args=symmetric,
        **_pair(lambda m: lambda a: m.linalg.cholesky(_sym(m, a), upper=True)),
    ),
    OpSpec("linalg.eigh", args=lambda: symmetric(lo=-1.0), **_pair(_eigh_gauge)),
    OpSpec("linalg.eigh_function", args=lambda: symmetric(lo=-1.0), **_pair(_eigh_function)),
    OpSpec(
        "linalg.eigvalsh",
        args=lambda: symmetric(lo=-1.0),
        **_pair(lambda m: lambda a: m.linalg.eigvalsh(_sym(m, a))),
    ),
    # numpy reads one triangle (UPLO): the other one has zero derivative
    OpSpec("linalg.eigh_uplo", args=lopsided, params=uplo, **_pair(_eigh_uplo)),
    OpSpec(
        "linalg.eigvalsh_uplo",
        fnp.linalg.eigvalsh,
        lopsided,
        params=uplo,
        reference=np.linalg.eigvalsh,
    ),
    OpSpec("linalg.eig", args=nonsymmetric, **_pair(_eig_gauge)),
    OpSpec("linalg.eig_pairs", args=lambda: nonsymmetric(pairs=True), **_pair(_eig_gauge)),
    OpSpec("linalg.eig_function", args=nonsymmetric, **_pair(_eig_function)),
    OpSpec(
        "linalg.eig_function_pairs",
        args=lambda: nonsymmetric(pairs=True),
        **_pair(_eig_function),
    ),
    OpSpec("linalg.eigvals", args=nonsymmetric, **_pair(_eigvals)),
    OpSpec("linalg.eigvals_pairs", args=lambda: nonsymmetric(pairs=True), **_pair(_eigvals)),
    OpSpec("linalg.qr", args=lambda: general(tall=True), **_pair(_qr)),
    OpSpec(
        "linalg.qr_r",
        args=lambda: general(tall=True),
        **_pair(lambda m: lambda a: m.linalg.qr(a, mode="r")),
    ),
    OpSpec("linalg.svd", args=general, **_pair(_svd_gauge)),
    OpSpec(
        "linalg.svd_values",
        args=general,
        **_pair(lambda m: lambda a: m.linalg.svd(a, compute_uv=False)),
    ),
    OpSpec("linalg.svdvals", fnp.linalg.svdvals, general, reference=np.linalg.svdvals),
    OpSpec("linalg.pinv", fnp.linalg.pinv, general, reference=np.linalg.pinv),
    OpSpec(
        "linalg.matrix_power",
        lambda a, n: fnp.linalg.matrix_power(a / 2, n),
        invertible,
        params=lambda args: st.fixed_dictionaries({"n": st.integers(-3, 6)}),
        reference=lambda a, n: np.linalg.matrix_power(a / 2, n),
    ),
    OpSpec(
        "linalg.multi_dot",
        lambda *arrays: fnp.linalg.multi_dot(arrays),
        chain_args,
        reference=lambda *arrays: np.linalg.multi_dot(arrays),
    ),
    OpSpec(
        "linalg.norm_vector",
        fnp.linalg.norm,
        norm_vector_case,
        params=norm_vector_params,
        reference=np.linalg.norm,
    ),
    OpSpec(
        "linalg.norm_matrix",
        fnp.linalg.norm,
        general,
        params=norm_matrix_params,
        reference=np.linalg.norm,
    ),
    OpSpec(
        "linalg.norm_default",
        fnp.linalg.norm,
        norm_vector_case,
        params=lambda args: st.fixed_dictionaries({"keepdims": st.booleans()}),
        reference=np.linalg.norm,
    ),
    OpSpec(
        "linalg.vector_norm",
        fnp.linalg.vector_norm,
        norm_vector_case,
        params=lambda args: st.fixed_dictionaries(
            {
                "ord": st.sampled_from([2, 1, np.inf, -np.inf, 3]),
                "axis": st.sampled_from([None, -1, tuple(range(args[0].ndim))]),
                "keepdims": st.booleans(),
            }
        ),
        reference=np.linalg.vector_norm,
    ),
    OpSpec(
        "linalg.matrix_norm",
        fnp.linalg.matrix_norm,
        general,
        params=lambda args: st.fixed_dictionaries(
            {"ord": st.sampled_from(["fro", "nuc", 1, 2, -2, np.inf]), "keepdims": st.booleans()}
        ),
        reference=np.linalg.matrix_norm,
    ),
    OpSpec("linalg.matmul", fnp.linalg.matmul, matmul_args, reference=np.linalg.matmul),
    OpSpec(
        "linalg.tensordot",
        fnp.linalg.tensordot,
        tensordot_args,
        params=tensordot_params,
        reference=np.linalg.tensordot,
    ),
    OpSpec("linalg.outer", fnp.linalg.outer, arrays_of((3,), (2,)), reference=np.linalg.outer),
    OpSpec("linalg.cross", fnp.linalg.cross, cross_args, reference=np.linalg.cross),
    OpSpec("linalg.vecdot", fnp.linalg.vecdot, cross_args, reference=np.linalg.vecdot),
    OpSpec(
        "linalg.matrix_transpose",
        fnp.linalg.matrix_transpose,
        general,
        reference=np.linalg.matrix_transpose,
    ),
]
LINALG = attach(LINALG)
