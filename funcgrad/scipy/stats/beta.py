"""The beta distribution: ``logpdf``, ``pdf`` (``jax.scipy.stats.beta``). Imports
funcgrad.numpy and special."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ... import numpy as fnp
from ...core.namespace import public_namespace
from ..special import betaln, xlog1py, xlogy
from ._util import promote

__all__ = ["logpdf", "pdf"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log density ``(a-1) log y + (b-1) log(1-y) - betaln(a, b) - log(scale)``,
    ``y = (x - loc) / scale``; -inf outside [loc, loc + scale]; nan where ``a``, ``b`` or
    ``scale`` is not positive (as JAX).

    Example:
      >>> float(logpdf(0.3, 1.0, 1.0))  # uniform on [0, 1]
      0.0
    """
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    invalid = (a <= 0) | (b <= 0) | (scale <= 0)
    a, b, scale = (fnp.where(invalid, 1.0, v) for v in (a, b, scale))  # finite branches
    y = (x - loc) / scale
    outside = (x < loc) | (x > loc + scale)
    y = fnp.where(outside, 0.5, y)
    log_probs = xlogy(a - 1.0, y) + xlog1py(b - 1.0, -y) - betaln(a, b) - fnp.log(scale)
    out = fnp.where(outside, -np.inf, log_probs)
    return fnp.where(invalid, np.nan, out)


def pdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)`` (0 outside the support)."""
    return fnp.exp(logpdf(x, a, b, loc, scale))
