"""Student's t distribution: ``logpdf``, ``pdf`` (``jax.scipy.stats.t``). Imports
funcgrad.numpy and special."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ... import numpy as fnp
from ...core.namespace import public_namespace
from ..special import gammaln
from ._util import promote

__all__ = ["logpdf", "pdf"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_HALF_LOG_PI = 0.5 * math.log(math.pi)


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log density of t with ``df`` degrees of freedom, shifted by ``loc``, scaled by ``scale``.

    ``gammaln((df+1)/2) - gammaln(df/2) - log(df pi)/2 - log(scale)
    - (df+1)/2 log1p(z**2 / df)``. The difference of the two gammaln terms loses relative
    accuracy for very large ``df`` (1e-8 at df = 1e8).

    Example:
      >>> f"{logpdf(0.0, 1.0):.12f}"  # Cauchy: -log(pi)
      '-1.144729885849'
    """
    x, df, loc, scale = promote(x, df, loc, scale)
    z = (x - loc) / scale
    half = 0.5 * (df + 1.0)
    norm = gammaln(half) - gammaln(0.5 * df) - 0.5 * fnp.log(df) - _HALF_LOG_PI
    return norm - fnp.log(scale) - half * fnp.log1p(z * z / df)


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``."""
    return fnp.exp(logpdf(x, df, loc, scale))
