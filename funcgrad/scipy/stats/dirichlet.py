"""The Dirichlet distribution: ``logpdf``, ``pdf`` (``jax.scipy.stats.dirichlet``). Imports
funcgrad.numpy and special."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ... import numpy as fnp
from ...core.errors import FuncgradValueError
from ...core.namespace import public_namespace
from ..special import gammaln, xlogy
from ._util import promote

__all__ = ["logpdf", "pdf"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


def logpdf(x: Any, alpha: Any) -> Any:
    """log density ``sum((alpha - 1) log x) - sum(gammaln(alpha)) + gammaln(sum(alpha))``.

    As scipy and JAX, the components are on the FIRST axis: ``alpha`` has shape ``(K,)``
    and ``x`` shape ``(K, ...)`` (or ``(K - 1, ...)``: the last component is then
    ``1 - sum``); the result has ``x.shape[1:]``. -inf where ``x`` is not on the simplex
    (a negative entry, or a sum off 1 by more than 1e-6).

    Raises:
      FuncgradValueError: if ``alpha`` is not 1-D or ``x.shape[0]`` is neither K nor K - 1.

    Example:
      >>> f"{logpdf(np.array([0.2, 0.3, 0.5]), np.ones(3)):.12f}"  # uniform: log 2!
      '0.693147180560'
    """
    x, alpha = promote(x, alpha)
    if fnp.ndim(alpha) != 1:
        raise FuncgradValueError(
            f"dirichlet.logpdf: alpha must be 1-D (K,), got shape {fnp.shape(alpha)}"
        )
    k = fnp.shape(alpha)[0]
    if fnp.ndim(x) < 1 or fnp.shape(x)[0] not in (k, k - 1):
        raise FuncgradValueError(
            f"dirichlet.logpdf: x has shape {fnp.shape(x)} but alpha has {k} components; "
            f"x must have shape ({k}, ...) or ({k - 1}, ...) (components on the first axis)"
        )
    if fnp.shape(x)[0] == k - 1:
        x = fnp.concatenate([x, 1.0 - fnp.sum(x, axis=0, keepdims=True)], axis=0)
    alpha = fnp.reshape(alpha, (k,) + (1,) * (fnp.ndim(x) - 1))
    simplex = (fnp.min(x, axis=0) >= 0) & (fnp.abs(fnp.sum(x, axis=0) - 1.0) < 1e-6)
    x_ok = fnp.where(simplex, x, 1.0 / k)
    normalize = fnp.sum(gammaln(alpha), axis=0) - gammaln(fnp.sum(alpha, axis=0))
    log_probs = fnp.sum(xlogy(alpha - 1.0, x_ok), axis=0) - normalize
    return fnp.where(simplex, log_probs, -np.inf)


def pdf(x: Any, alpha: Any) -> Any:
    """The density, ``exp(logpdf)`` (0 off the simplex)."""
    return fnp.exp(logpdf(x, alpha))
