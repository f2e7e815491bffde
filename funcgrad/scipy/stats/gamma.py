"""The gamma distribution with shape ``a``: ``logpdf``, ``pdf`` (``jax.scipy.stats.gamma``).
Imports funcgrad.numpy and special."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ... import numpy as fnp
from ...core.namespace import public_namespace
from ..special import gammaln, xlogy
from ._util import promote

__all__ = ["logpdf", "pdf"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log density ``(a - 1) log y - y - gammaln(a) - log(scale)``, ``y = (x - loc) / scale``;
    -inf for x < loc.

    Example:
      >>> float(logpdf(1.0, 1.0))  # exponential: -x
      -1.0
    """
    x, a, loc, scale = promote(x, a, loc, scale)
    y = (x - loc) / scale
    outside = x < loc
    y = fnp.where(outside, 1.0, y)
    log_probs = xlogy(a - 1.0, y) - y - gammaln(a) - fnp.log(scale)
    return fnp.where(outside, -np.inf, log_probs)


def pdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)`` (0 for x < loc)."""
    return fnp.exp(logpdf(x, a, loc, scale))
