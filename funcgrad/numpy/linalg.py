"""funcgrad.numpy.linalg: a differentiable mirror of numpy.linalg.

Outside transformations every function calls numpy.linalg itself (bitwise-equal results,
the same result namedtuples). Inside them each binds a primitive of
``primitives.decompositions`` or composes products. Derivative conventions:

- ``eigh`` and ``eigvalsh`` differentiate the function numpy computes: only the triangle
  named by ``UPLO`` is read, so the other triangle gets a zero derivative (for the
  symmetric convention of JAX and autograd, call them on ``(a + a.T) / 2``).
- ``cholesky`` treats the input as symmetric: the input perturbation is symmetrised, so
  its gradient is symmetric (autograd's and JAX's convention; numpy reads the lower
  triangle, so to compare with finite differences symmetrise the input first).
- Derivatives of eigenvectors (``eigh``) and singular vectors (``svd``) exist only for
  distinct eigen/singular values (and nonzero singular values); at exactly repeated values
  those terms are set to zero and the result is not a derivative. Eigenvalues alone
  (``eigvalsh``, ``svd(..., compute_uv=False)``, ``norm(..., 'nuc')``) are fine.
- ``qr`` differentiates square and tall matrices in ``'reduced'`` mode, ``svd`` needs
  ``full_matrices=False`` for non-square matrices, ``pinv`` assumes the rank is locally
  constant. Real inputs only.

Imports core, the primitives layer and ``funcgrad.numpy._products``.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.linalg import LinAlgError as LinAlgError

from ..core.errors import FuncgradLinAlgError, FuncgradTypeError, FuncgradValueError
from ..core.namespace import public_namespace
from ..core.trace import Tracer, is_traced
from ..primitives import (
    decompositions as _dec,
    products as _la,
    shape as _shape,
    spectral as _spec,
)
from ..primitives._axes import normalize_axis
from ..primitives._literals import UPLO, QRMode
from ._convert import as_array, as_arrays
from ._linalg_norms import matrix_norm as matrix_norm, norm as norm, vector_norm as vector_norm
from ._products import cross as _cross, matmul as matmul, outer as _outer, tensordot as tensordot

__all__ = [
    "EigResult",
    "EighResult",
    "LinAlgError",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "cholesky",
    "cross",
    "det",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "multi_dot",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "vecdot",
    "vector_norm",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_EYE = np.eye(1)
SlogdetResult = type(np.linalg.slogdet(_EYE))
EighResult = type(np.linalg.eigh(_EYE))
EigResult = type(np.linalg.eig(_EYE))
QRResult = type(np.linalg.qr(_EYE))
SVDResult = type(np.linalg.svd(_EYE))
_NOT_GIVEN = object()


def _arr(x: Any) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


def _square(a: Any, name: str) -> Any:
    a = _arr(a)
    if a.ndim < 2:
        raise FuncgradLinAlgError(
            f"{name}: {a.ndim}-dimensional array given. Array must be at least two-dimensional"
        )
    if a.shape[-1] != a.shape[-2]:
        raise FuncgradLinAlgError(
            f"{name}: Last 2 dimensions of the array must be square ({a.shape})"
        )
    return a


def inv(a: Any) -> Any:
    """Inverse of a (stack of) square matrices (numpy.linalg.inv)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.inv(a)
    return _dec.inv(_square(a, "inv"))


def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b`` (numpy.linalg.solve); ``b`` is a vector only when it is 1-D."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.linalg.solve(a, b)
    a, b = _square(a, "solve"), _arr(b)
    m = a.shape[-1]
    if b.ndim == 1:
        if b.shape[0] != m:
            raise FuncgradValueError(f"solve: b of shape {b.shape} does not match a {a.shape}")
        x = _dec.solve(a, _shape.reshape(b, (m, 1)))
        return _shape.reshape(x, x.shape[:-1])
    if b.shape[-2] != m:
        raise FuncgradValueError(f"solve: b of shape {b.shape} does not match a {a.shape}")
    return _dec.solve(a, b)


def det(a: Any) -> Any:
    """Determinant (numpy.linalg.det); the derivative ``det(a) inv(a).T`` needs an
    invertible ``a``."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.det(a)
    return _dec.det_p.bind(_square(a, "det"))


def slogdet(a: Any) -> Any:
    """``(sign, logabsdet)`` of the determinant (numpy.linalg.slogdet); the sign has zero
    derivative."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.slogdet(a)
    return SlogdetResult(*_dec.slogdet_p.bind(_square(a, "slogdet")))


def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """Cholesky factor of a symmetric positive-definite matrix (numpy.linalg.cholesky).

    Lower-triangular ``L`` with ``a = L @ L.T`` (``upper=True``: ``L.T``). Symmetric
    convention: the gradient with respect to ``a`` is symmetric.
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.cholesky(a, upper=upper)
    lower = _dec.cholesky_p.bind(_square(a, "cholesky"))
    return _la.mT(lower) if upper else lower


def eig(a: Any) -> Any:
    """Eigenvalues and unit-norm eigenvectors of a general square matrix (numpy.linalg.eig).

    Outside transformations numpy's result (real or complex depending on the values).
    Under transformations the results are always complex (complex128 for float64 input,
    complex64 for float32), as in JAX. Derivatives need distinct eigenvalues (a
    diagonalisable matrix); eigenvectors are defined up to a unit complex factor, so
    differentiate only functions that do not depend on it (``abs(v)``,
    ``v @ (f(w)[:, None] * inv(v))``). Gradients of real inputs are real.
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.eig(a)
    return EigResult(*_spec.eig_p.bind(_square(a, "eig")))


def eigvals(a: Any) -> Any:
    """Eigenvalues of a general square matrix (numpy.linalg.eigvals); complex under
    transformations, as ``eig``; derivatives need distinct eigenvalues."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.eigvals(a)
    return _spec.eig_p.bind(_square(a, "eigvals"))[0]


def eigh(a: Any, UPLO: UPLO = "L") -> Any:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (numpy.linalg.eigh).

    Like numpy, only the triangle named by ``UPLO`` is read, so the other triangle has
    zero derivative (differentiate ``eigh((a + a.T) / 2)`` for the symmetric convention of
    JAX and autograd). Eigenvector derivatives need distinct eigenvalues, and eigenvectors
    are defined up to sign, so differentiate functions that do not depend on the sign
    (e.g. ``v * v``, ``v @ diag(f(w)) @ v.T``).
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.eigh(a, UPLO)
    if UPLO not in ("L", "U"):
        raise FuncgradValueError("eigh: UPLO argument must be 'L' or 'U'")
    return EighResult(*_spec.eigh_p.bind(_square(a, "eigh"), UPLO=UPLO))


def eigvalsh(a: Any, UPLO: UPLO = "L") -> Any:
    """Eigenvalues (ascending) of a symmetric matrix (numpy.linalg.eigvalsh).

    Only the triangle named by ``UPLO`` is read (the other has zero derivative).
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.eigvalsh(a, UPLO)
    if UPLO not in ("L", "U"):
        raise FuncgradValueError("eigvalsh: UPLO argument must be 'L' or 'U'")
    return _spec.eigvalsh_p.bind(_square(a, "eigvalsh"), UPLO=UPLO)


def qr(a: Any, mode: QRMode = "reduced") -> Any:
    """QR decomposition (numpy.linalg.qr); derivatives for square and tall matrices in
    ``'reduced'`` mode (and ``'r'``)."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.qr(a, mode)
    a = _arr(a)
    if a.ndim < 2:
        raise FuncgradLinAlgError(f"qr: {a.ndim}-dimensional array given; need at least 2")
    if mode == "r":
        return _dec.qr_p.bind(a, mode="reduced")[1]
    if mode not in ("reduced", "complete"):
        raise FuncgradValueError(f"qr: mode {mode!r} is not supported under transformations")
    return QRResult(*_dec.qr_p.bind(a, mode=mode))


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition ``a = u @ diag(s) @ vh`` (numpy.linalg.svd).

    Derivatives of ``u``, ``vh`` need ``full_matrices=False`` (for non-square ``a``) and
    distinct nonzero singular values; singular vectors are defined up to sign. Under
    transformations ``hermitian`` is ignored (the general SVD is used).
    """
    a = as_array(a)
    if not is_traced((a,)):
        # numpy's stubs overload on ``compute_uv`` as Literal[True] or [False]; a bool is neither
        return np.linalg.svd(a, full_matrices, compute_uv, hermitian)  # type: ignore[call-overload]
    a = _arr(a)
    if a.ndim < 2:
        raise FuncgradLinAlgError(f"svd: {a.ndim}-dimensional array given; need at least 2")
    if not compute_uv:
        return _spec.svdvals_p.bind(a)
    return SVDResult(*_spec.svd_p.bind(a, full_matrices=bool(full_matrices)))


def svdvals(x: Any, /) -> Any:
    """Singular values, descending (numpy.linalg.svdvals)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.linalg.svdvals(x)
    return svd(x, compute_uv=False)


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NOT_GIVEN) -> Any:
    """Moore-Penrose pseudo-inverse (numpy.linalg.pinv); the derivative assumes the rank
    is locally constant. Under transformations ``rcond``/``rtol`` must be scalars."""
    a = as_array(a)
    if not is_traced((a,)):
        if rtol is _NOT_GIVEN:
            return np.linalg.pinv(a, rcond, hermitian)
        return np.linalg.pinv(a, rcond, hermitian, rtol=rtol)
    a = _arr(a)
    if a.ndim < 2:
        raise FuncgradLinAlgError(f"pinv: {a.ndim}-dimensional array given; need at least 2")
    if rcond is None:
        if rtol is _NOT_GIVEN:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(a.shape[-2:]) * np.finfo(a.dtype).eps
        else:
            rcond = rtol
    elif rtol is not _NOT_GIVEN:
        raise FuncgradValueError("pinv: `rtol` and `rcond` can't be both set.")
    if np.ndim(rcond) != 0 or isinstance(rcond, Tracer):
        raise FuncgradTypeError("pinv: under transformations rcond/rtol must be a float")
    return _spec.pinv_p.bind(a, rcond=float(rcond), hermitian=bool(hermitian))


def matrix_power(a: Any, n: int) -> Any:
    """``a`` to the integer power ``n`` by repeated squaring (numpy.linalg.matrix_power);
    negative ``n`` inverts first."""
    a = as_array(a)
    if not is_traced((a,)):
        return np.linalg.matrix_power(a, n)
    a = _square(a, "matrix_power")
    try:
        n = operator.index(n)
    except TypeError as e:
        raise FuncgradTypeError(
            f"matrix_power: exponent must be an integer, got {n!r} ({type(n).__name__})"
        ) from e
    if n == 0:
        return np.array(np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape))
    if n < 0:
        a, n = _dec.inv(a), -n
    z = result = None
    while n > 0:
        z = a if z is None else _la.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else _la.matmul(result, z)
    return result


def _chain_order(dims: list[int]) -> list[list[int]]:
    """Split points of the cheapest parenthesisation of a matrix chain (textbook DP)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays: Any) -> Any:
    """Chain of matrix products in the cheapest order (numpy.linalg.multi_dot); the first
    and last arrays may be 1-D."""
    arrays = as_arrays(arrays)
    arrays = list(arrays)
    if not is_traced(arrays):
        return np.linalg.multi_dot(arrays)
    n = len(arrays)
    if n < 2:
        raise FuncgradValueError("multi_dot: Expecting at least two arrays.")
    if n == 2:
        from ._products import dot

        return dot(arrays[0], arrays[1])
    arrays = [_arr(x) for x in arrays]
    first, last = arrays[0].ndim, arrays[-1].ndim
    if first == 1:
        arrays[0] = _shape.reshape(arrays[0], (1, arrays[0].shape[0]))
    if last == 1:
        arrays[-1] = _shape.reshape(arrays[-1], (arrays[-1].shape[0], 1))
    for x in arrays:
        if x.ndim != 2:
            raise FuncgradLinAlgError(
                f"multi_dot: {x.ndim}-dimensional array given. Array must be two-dimensional"
            )
    split = _chain_order([x.shape[0] for x in arrays] + [arrays[-1].shape[1]])

    def chain(i: int, j: int) -> Any:
        if i == j:
            return arrays[i]
        return matmul(chain(i, split[i][j]), chain(split[i][j] + 1, j))

    out = chain(0, n - 1)
    if first == 1 and last == 1:
        return _shape.reshape(out, ())
    if first == 1 or last == 1:
        return _shape.reshape(out, (out.size,))
    return out


def outer(x1: Any, x2: Any, /) -> Any:
    """Outer product of two vectors (numpy.linalg.outer)."""
    x1, x2 = as_array(x1), as_array(x2)
    if not is_traced((x1, x2)):
        return np.linalg.outer(x1, x2)
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise FuncgradValueError("outer: Input arrays must be one-dimensional")
    return _outer(x1, x2)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Cross product of 3-vectors (numpy.linalg.cross)."""
    x1, x2 = as_array(x1), as_array(x2)
    if not is_traced((x1, x2)):
        return np.linalg.cross(x1, x2, axis=axis)
    if np.shape(x1)[axis] != 3 or np.shape(x2)[axis] != 3:
        raise FuncgradValueError(
            "cross: both input arrays must be (arrays of) 3-dimensional vectors"
        )
    return _cross(x1, x2, axis=axis)


def matrix_transpose(x: Any, /) -> Any:
    """Transpose of the last two axes (numpy.linalg.matrix_transpose)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.linalg.matrix_transpose(x)
    if np.ndim(x) < 2:
        raise FuncgradValueError("matrix_transpose: Input array must be at least 2-dimensional")
    return _la.mT(x)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Dot product of vectors along ``axis``, broadcasting the rest (numpy.linalg.vecdot)."""
    x1, x2 = as_array(x1), as_array(x2)
    if not is_traced((x1, x2)):
        # numpy's stubs omit the ``axis`` every generalized ufunc takes
        return np.linalg.vecdot(x1, x2, axis=axis)  # type: ignore[call-overload]
    from ._products import einsum

    x1, x2 = _arr(x1), _arr(x2)
    if x1.dtype.kind == "c":
        from ..primitives.elementwise import conj

        x1 = conj(x1)
    nd = max(x1.ndim, x2.ndim)
    ax = normalize_axis(axis, nd, op="vecdot")
    x1 = _shape.move_axis(x1, ax - nd + x1.ndim, x1.ndim - 1)
    x2 = _shape.move_axis(x2, ax - nd + x2.ndim, x2.ndim - 1)
    return einsum("...i,...i->...", x1, x2)


def _known(x: Any) -> Any:
    """The concrete value behind ``x``, or None where a transformation hides it (vmap)."""
    try:
        return x.concrete() if isinstance(x, Tracer) else x
    except FuncgradTypeError:
        return None


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """Least-squares solution of ``a @ x = b`` (numpy.linalg.lstsq).

    Returns numpy's ``(x, residuals, rank, s)``. Under transformations ``x`` is
    ``pinv(a) @ b`` and ``s`` the singular values, both differentiable where the rank is
    locally constant (full-rank problems); ``residuals`` (the squared 2-norm of each column
    of ``b - a @ x``, empty unless ``rank == N < M``) is differentiable too, and ``rank``
    is an int32 array with zero derivative. Where the rank is not concrete (under
    ``vmap``) the residuals follow the full-rank shape rule, as ``jax.numpy``.

    Args:
      a: ``(M, N)``.
      b: ``(M,)`` or ``(M, K)``.
      rcond: singular values at most ``rcond * s.max()`` count as zero; None:
        ``eps * max(M, N)``; negative: ``eps``. A float under transformations.

    Raises:
      FuncgradValueError: ``a`` is not 2-D or ``b`` does not match it;
      FuncgradTypeError: a traced ``rcond``.

    Example:
      >>> lstsq(np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), np.array([1.0, 2.0, 3.0]))[0]
      array([1., 1.])
    """
    if not is_traced((a, b, rcond)):
        return np.linalg.lstsq(a, b, rcond=rcond)
    from ..primitives.elementwise import stop_gradient

    a, b = _arr(a), _arr(b)
    if a.ndim != 2:
        raise FuncgradValueError(
            f"lstsq: `a` must be a 2-D (M, N) matrix, got shape {a.shape}; for stacks use vmap"
        )
    m, n = a.shape
    if b.ndim not in (1, 2) or b.shape[0] != m:
        raise FuncgradValueError(
            f"lstsq: `b` must have shape ({m},) or ({m}, K) to match `a` {a.shape}, got {b.shape}"
        )
    if isinstance(rcond, Tracer) or np.ndim(rcond) != 0:
        raise FuncgradTypeError("lstsq: under transformations `rcond` must be a float or None")
    eps = float(np.finfo(np.result_type(a.dtype, b.dtype, np.float32)).eps)
    rcond = eps * max(m, n) if rcond is None else (eps if rcond < 0 else float(rcond))
    s = _spec.svdvals_p.bind(a)
    x = _la.matmul(_spec.pinv_p.bind(a, rcond=rcond, hermitian=False), b)
    s_const = stop_gradient(s)
    big = s_const > rcond * s_const.max() if s_const.shape[0] else s_const > 0
    rank = big.astype(np.int32).sum().astype(np.int32)
    known = _known(rank)
    if m > n and (known is None or int(known) == n):
        r = b - _la.matmul(a, x)
        residuals = (r * r).sum(axis=0)
        if b.ndim == 1:
            residuals = _shape.reshape(residuals, (1,))
    else:
        residuals = np.zeros((0,), np.result_type(x.dtype))
    return x, residuals, rank, s


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """Rank of a (stack of) matrices: singular values above a tolerance (numpy.linalg).

    numpy's tolerance: ``tol`` if given, else ``S.max() * rtol`` with ``rtol`` defaulting
    to ``max(M, N) * eps``. Zero derivative (an integer result); under transformations an
    int array (numpy returns a Python int for 1-D ``A``).

    Raises:
      FuncgradValueError: both ``tol`` and ``rtol`` are given.

    Example:
      >>> matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))
      np.int64(1)
    """
    if not is_traced((A, tol, rtol)):
        return np.linalg.matrix_rank(A, tol, hermitian, rtol=rtol)
    from ..primitives.elementwise import stop_gradient

    if rtol is not None and tol is not None:
        raise FuncgradValueError("matrix_rank: `tol` and `rtol` can't be both set.")
    A = stop_gradient(_arr(A))
    if A.ndim < 2:
        return ((A != 0).astype(np.int64).sum() > 0).astype(np.int64)
    if hermitian:
        from ..primitives.elementwise import abs as _abs

        sv = _abs(_spec.eigvalsh_p.bind(A, UPLO="L"))
    else:
        sv = _spec.svdvals_p.bind(A)
    if tol is None:
        if rtol is None:
            rtol = max(A.shape[-2:]) * np.finfo(sv.dtype).eps
        else:
            rtol = _shape.reshape(stop_gradient(_arr(rtol)), (*np.shape(rtol), 1))
        limit = (sv.max(axis=-1, keepdims=True) if sv.shape[-1] else 0.0) * rtol
    else:
        limit = _shape.reshape(stop_gradient(_arr(tol)), (*np.shape(tol), 1))
    return (sv > limit).astype(np.int64).sum(axis=-1)
