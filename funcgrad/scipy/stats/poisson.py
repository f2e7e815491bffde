"""The Poisson distribution: ``logpmf``, ``pmf`` (``jax.scipy.stats.poisson``). Imports
funcgrad.numpy and special."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ... import numpy as fnp
from ...core.namespace import public_namespace
from ..special import gammaln, xlogy
from ._util import promote

__all__ = ["logpmf", "pmf"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """log P(K = k) = k log(mu) - mu - gammaln(k + 1) at ``k - loc``; -inf where that is
    negative or not an integer. Differentiable in ``mu`` (``k / mu - 1``; -1 at k = 0).

    Example:
      >>> float(logpmf(0, 2.5))  # -mu
      -2.5
    """
    k, mu, loc = promote(k, mu, loc)
    k = k - loc
    bad = (k < 0) | (k != fnp.round(k))
    k_ok = fnp.where(bad, 0.0, k)
    log_probs = xlogy(k_ok, mu) - gammaln(k_ok + 1.0) - mu
    return fnp.where(bad, -np.inf, log_probs)


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """P(K = k), ``exp(logpmf)`` (0 off the support)."""
    return fnp.exp(logpmf(k, mu, loc))
