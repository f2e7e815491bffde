"""funcgrad.scipy.linalg: differentiable versions of scipy.linalg's everyday routines.

``expm`` (with ``expm_frechet``) and ``solve_triangular`` are primitives
(``primitives.matrix_functions``); ``cholesky``, ``cho_factor``, ``cho_solve``, ``solve``,
``inv`` and ``det`` compose them with ``funcgrad.numpy.linalg``, with scipy's argument
conventions: ``cholesky`` is *upper* triangular by default (``a = U^H U``) and reads only
the triangle it is told to, ``cho_factor`` returns ``(c, lower)``. As in ``jax.scipy``, the
factor of ``cho_factor`` has zeros in its other triangle (scipy leaves whatever ``a`` held
there; ``cho_solve`` never reads it either way). Every function accepts stacks of matrices
(leading batch axes); a right-hand side ``b`` is a vector only when it is 1-D, as in
``numpy.linalg.solve``. ``overwrite_a``/``overwrite_b`` are accepted for scipy's signatures
and have no effect (funcgrad never writes into its inputs); ``check_finite`` checks inputs
that are not traced. Cholesky-based derivatives use funcgrad's symmetric convention (see
``funcgrad.numpy.linalg``). scipy itself is not needed. Layer 5: imports the primitives
and ``funcgrad.numpy``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import FuncgradValueError
from ..core.namespace import public_namespace
from ..core.trace import Tracer, is_traced
from ..numpy import linalg as _np_linalg
from ..primitives import decompositions as _dec, matrix_functions as _mf
from ..primitives.elementwise import conj_if_complex
from ..primitives.products import mT
from ..primitives.shape import reshape

__all__ = [
    "cho_factor",
    "cho_solve",
    "cholesky",
    "det",
    "expm",
    "expm_frechet",
    "inv",
    "solve",
    "solve_triangular",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_TRANS = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}
_ASSUME = {
    "gen": "gen", "general": "gen", "sym": "sym", "symmetric": "sym",
    "her": "her", "hermitian": "her", "pos": "pos", "positive definite": "pos",
}  # fmt: skip


def _arr(x: Any) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


def _square(a: Any, fname: str, check_finite: bool, name: str = "a") -> Any:
    a = _arr(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise FuncgradValueError(
            f"{fname}: `{name}` must be a square matrix or a stack of them (shape "
            f"(..., n, n)), got shape {tuple(a.shape)}"
        )
    return _finite(a, fname, check_finite, name)


def _finite(x: Any, fname: str, check_finite: bool, name: str) -> Any:
    if check_finite and not isinstance(x, Tracer) and not np.isfinite(x).all():
        raise FuncgradValueError(
            f"{fname}: `{name}` (shape {np.shape(x)}) contains infs or NaNs; remove them, "
            "or pass check_finite=False to skip this check"
        )
    return x


def _as_matrix_rhs(b: Any, n: int, a_shape: tuple, fname: str, check_finite: bool) -> Any:
    """``b`` as a stack of matrices, and whether it was a vector (1-D)."""
    b = _finite(_arr(b), fname, check_finite, "b")
    vector = b.ndim == 1
    rows = b.shape[0] if vector else (b.shape[-2] if b.ndim >= 2 else None)
    if rows != n:
        raise FuncgradValueError(
            f"{fname}: `b` of shape {tuple(b.shape)} does not match `a` of shape {a_shape}: "
            f"b needs {n} rows, as (n,) or (..., n, k)"
        )
    return (reshape(b, (n, 1)) if vector else b), vector


def _vector_out(x: Any, vector: bool) -> Any:
    return reshape(x, x.shape[:-1]) if vector else x


def expm(A: Any) -> Any:
    """Matrix exponential ``exp(A) = sum_k A^k / k!`` (scipy.linalg.expm).

    Scaling and squaring with Pade approximants (Higham 2005): relative errors of 1e-14 or
    less for well-conditioned float64 inputs (measured on symmetric matrices with norms up
    to 40 against ``Q exp(D) Q^T``); differentiable to any order through the Frechet
    derivative (``expm_frechet``).

    Args:
      A: ``(..., n, n)``; float32 stays float32, integers compute in float64.

    Raises:
      FuncgradValueError: ``A`` is not a (stack of) square matrices.

    Example:
      >>> expm(np.zeros((2, 2)))
      array([[1., 0.],
             [0., 1.]])
    """
    return _mf.expm(_square(A, "expm", False, "A"))


def expm_frechet(A: Any, E: Any, compute_expm: bool = True, check_finite: bool = True) -> Any:
    """Frechet derivative of ``expm`` at ``A`` in direction ``E`` (scipy.linalg.expm_frechet).

    ``L(A, E) = d/dh expm(A + h E)`` at ``h = 0``, from the block identity
    ``expm([[A, E], [0, A]]) = [[expm(A), L], [0, expm(A)]]``; differentiable in both.

    Returns:
      ``(expm(A), L(A, E))`` if ``compute_expm`` else ``L(A, E)``, each shaped like ``A``.

    Raises:
      FuncgradValueError: ``A`` is not square or ``E`` has another shape.
    """
    A = _square(A, "expm_frechet", check_finite, "A")
    E = _square(E, "expm_frechet", check_finite, "E")
    if A.shape != E.shape:
        raise FuncgradValueError(
            f"expm_frechet: `A` {tuple(A.shape)} and `E` {tuple(E.shape)} must have the same shape"
        )
    frechet = _mf.expm_frechet(A, E)
    return (_mf.expm(A), frechet) if compute_expm else frechet


def solve_triangular(
    a: Any,
    b: Any,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """Solve ``a x = b`` for triangular ``a`` (scipy.linalg.solve_triangular).

    Only the ``lower`` (or upper) triangle of ``a`` is read, and with ``unit_diagonal``
    not its diagonal either (taken as ones); the other entries get zero gradient.

    Args:
      a: ``(..., n, n)``.
      b: ``(n,)`` or ``(..., n, k)`` (batch axes broadcast with ``a``'s).
      trans: ``0``/``'N'``: ``a x = b``; ``1``/``'T'``: ``a^T x = b``; ``2``/``'C'``:
        ``a^H x = b``.

    Returns:
      ``x``, shaped like ``b`` (with the broadcast batch axes).

    Raises:
      FuncgradValueError: bad shapes or ``trans``; numpy's ``LinAlgError`` if ``a`` is
      singular.

    Example:
      >>> solve_triangular(np.array([[2.0, 1.0], [0.0, 4.0]]), np.array([3.0, 4.0]))
      array([1., 1.])
    """
    del overwrite_b
    fname = "solve_triangular"
    a = _square(a, fname, check_finite)
    if trans not in _TRANS:
        raise FuncgradValueError(
            f"{fname}: `trans` must be 0, 1, 2 or 'N', 'T', 'C', got {trans!r}"
        )
    b, vector = _as_matrix_rhs(b, a.shape[-1], tuple(a.shape), fname, check_finite)
    mode, lower = _TRANS[trans], bool(lower)
    if mode:
        a = mT(conj_if_complex(a) if mode == 2 else a)
        lower = not lower
    x = _mf.solve_triangular(a, b, lower=lower, unit_diagonal=unit_diagonal)
    return _vector_out(x, vector)


def cholesky(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Any:
    """Cholesky factor of a symmetric (Hermitian) positive-definite matrix (scipy.linalg).

    Upper ``U`` with ``a = U^H U`` by default, as scipy (numpy's default is lower); lower
    ``L`` with ``a = L L^H`` if ``lower``. Only that triangle of ``a`` is read. The gradient
    is symmetric (funcgrad's convention for Cholesky).

    Raises:
      FuncgradValueError: ``a`` is not square; numpy's ``LinAlgError`` if it is not
      positive definite.

    Example:
      >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
      array([[2., 1.],
             [0., 2.]])
    """
    del overwrite_a
    a = _square(a, "cholesky", check_finite)
    if not is_traced((a,)):
        return np.linalg.cholesky(a, upper=not lower)
    if lower:
        return _dec.cholesky_p.bind(a)
    # The upper triangle of a is the lower triangle of a^H.
    return mT(conj_if_complex(_dec.cholesky_p.bind(mT(conj_if_complex(a)))))


def cho_factor(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Any, bool]:
    """Cholesky factorisation for ``cho_solve`` (scipy.linalg.cho_factor).

    Returns:
      ``(c, lower)``: ``c = cholesky(a, lower)`` (zeros in the other triangle, as
      jax.scipy; scipy leaves ``a``'s entries there) and the flag, to pass to
      ``cho_solve``.
    """
    return cholesky(a, lower=lower, overwrite_a=overwrite_a, check_finite=check_finite), bool(
        lower
    )


def cho_solve(c_and_lower: tuple[Any, bool], b: Any, overwrite_b: bool = False,
              check_finite: bool = True) -> Any:  # fmt: skip
    """Solve ``a x = b`` given ``cho_factor(a)`` (scipy.linalg.cho_solve).

    Two triangular solves with the factor; only its ``lower`` (or upper) triangle is read.

    Args:
      c_and_lower: ``(c, lower)`` as returned by ``cho_factor``.
      b: ``(n,)`` or ``(..., n, k)``.

    Raises:
      FuncgradValueError: ``c_and_lower`` is not a pair or the shapes do not match.

    Example:
      >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
      >>> cho_solve(cho_factor(a), a @ np.array([1.0, -1.0]))
      array([ 1., -1.])
    """
    del overwrite_b
    if not isinstance(c_and_lower, (tuple, list)) or len(c_and_lower) != 2:
        raise FuncgradValueError(
            "cho_solve: `c_and_lower` must be the pair (c, lower) that cho_factor returns, "
            f"got {type(c_and_lower).__name__}"
        )
    c, lower = c_and_lower
    c = _square(c, "cho_solve", check_finite, "c")
    b, vector = _as_matrix_rhs(b, c.shape[-1], tuple(c.shape), "cho_solve", check_finite)
    c_h = mT(conj_if_complex(c))
    if lower:  # a = L L^H: L y = b, then L^H x = y
        y = _mf.solve_triangular(c, b, lower=True)
        x = _mf.solve_triangular(c_h, y, lower=False)
    else:  # a = U^H U: U^H y = b, then U x = y
        y = _mf.solve_triangular(c_h, b, lower=True)
        x = _mf.solve_triangular(c, y, lower=False)
    return _vector_out(x, vector)


def solve(
    a: Any,
    b: Any,
    lower: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
    assume_a: str = "gen",
    transposed: bool = False,
) -> Any:
    """Solve ``a x = b`` for square ``a`` (scipy.linalg.solve).

    Args:
      a: ``(..., n, n)``.
      b: ``(n,)`` or ``(..., n, k)``.
      lower: with ``assume_a`` ``'sym'``, ``'her'`` or ``'pos'``, read the lower triangle
        of ``a`` (default: the upper), as scipy.
      assume_a: ``'gen'`` (LU), ``'sym'``/``'her'`` (the matrix is built from one
        triangle), ``'pos'`` (Cholesky, ``cho_solve``).
      transposed: solve ``a^T x = b`` instead.

    Raises:
      FuncgradValueError: bad shapes or ``assume_a``; numpy's ``LinAlgError`` if ``a`` is
      singular (or, for ``'pos'``, not positive definite).
    """
    del overwrite_a, overwrite_b
    kind = _ASSUME.get(assume_a)
    if kind is None:
        raise FuncgradValueError(
            f"solve: `assume_a` must be one of 'gen', 'sym', 'her', 'pos', got {assume_a!r}"
        )
    a = _square(a, "solve", check_finite)
    _finite(_arr(b), "solve", check_finite, "b")
    if transposed:
        a = mT(a)
    if kind == "pos":
        return cho_solve(cho_factor(a, lower=lower, check_finite=False), b, check_finite=False)
    if kind in ("sym", "her"):
        n, dtype = a.shape[-1], np.dtype(a.dtype)
        keep = _mf.triangle_mask(n, bool(lower), False, dtype)
        strict = _mf.triangle_mask(n, bool(lower), True, dtype)
        part = a * strict
        a = a * keep + mT(conj_if_complex(part) if kind == "her" else part)
    return _np_linalg.solve(a, b)


def inv(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Inverse of a (stack of) square matrices (scipy.linalg.inv; funcgrad.numpy's rule)."""
    del overwrite_a
    return _np_linalg.inv(_square(a, "inv", check_finite))


def det(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Determinant of a (stack of) square matrices (scipy.linalg.det); the gradient
    ``det(a) inv(a)^T`` needs an invertible ``a``."""
    del overwrite_a
    return _np_linalg.det(_square(a, "det", check_finite))
