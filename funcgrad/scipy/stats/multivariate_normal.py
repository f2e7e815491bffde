"""The multivariate normal distribution: ``logpdf``, ``pdf``
(``jax.scipy.stats.multivariate_normal``). Imports funcgrad.numpy and core's errors."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ... import numpy as fnp
from ...core.errors import FuncgradValueError
from ...core.namespace import public_namespace
from ._util import promote

__all__ = ["logpdf", "pdf"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_LOG_2PI = math.log(2.0 * math.pi)


def logpdf(x: Any, mean: Any, cov: Any, allow_singular: None = None) -> Any:
    """log density of N(mean, cov) at ``x``, through a Cholesky factor of ``cov``.

    ``-|L^-1 (x - mean)|**2 / 2 - sum(log diag L) - k log(2 pi) / 2`` with
    ``cov = L L^T``. Shapes as JAX: ``x`` is ``(..., k)`` (the result ``(...)``),
    ``mean`` ``(k,)`` (or a scalar, then univariate), ``cov`` ``(k, k)`` (or stacks of
    them, or a scalar meaning ``cov * I``). Differentiable in ``x``, ``mean`` and ``cov``
    (the gradient in ``cov`` is symmetric, as the Cholesky rule's).

    Raises:
      FuncgradValueError: if ``cov``'s shape does not match ``mean``, or
        ``allow_singular`` is given (as in JAX, it is not supported).

    Example:
      >>> f"{logpdf(fnp.zeros(2), fnp.zeros(2), fnp.eye(2)):.12f}"  # -log(2 pi)
      '-1.837877066409'
    """
    if allow_singular is not None:
        raise FuncgradValueError(
            "multivariate_normal.logpdf: allow_singular is not supported (as in JAX); "
            "regularise cov instead (cov + eps * I)"
        )
    x, mean, cov = promote(x, mean, cov)
    if fnp.ndim(mean) == 0:
        return -0.5 * (x - mean) ** 2 / cov - 0.5 * (_LOG_2PI + fnp.log(cov))
    k = fnp.shape(mean)[-1]
    y = x - mean
    if fnp.ndim(cov) == 0:
        quad = fnp.sum(y * y, axis=-1) / cov
        return -0.5 * quad - 0.5 * k * (_LOG_2PI + fnp.log(cov))
    if fnp.ndim(cov) < 2 or fnp.shape(cov)[-2:] != (k, k):
        raise FuncgradValueError(
            f"multivariate_normal.logpdf: mean has shape {fnp.shape(mean)} ({k} components) "
            f"but cov has shape {fnp.shape(cov)}; cov must be ({k}, {k}) (or a stack of them)"
        )
    chol = fnp.linalg.cholesky(cov)
    whitened = fnp.linalg.solve(chol, fnp.expand_dims(y, -1))[..., 0]
    half_logdet = fnp.sum(fnp.log(fnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * fnp.sum(whitened * whitened, axis=-1) - half_logdet - 0.5 * k * _LOG_2PI


def pdf(x: Any, mean: Any, cov: Any) -> Any:
    """The density, ``exp(logpdf)``."""
    return fnp.exp(logpdf(x, mean, cov))
