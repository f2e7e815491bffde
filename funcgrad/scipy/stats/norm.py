"""The normal distribution N(loc, scale**2): ``logpdf``, ``pdf``, ``cdf``, ``logcdf``,
``sf``, ``logsf`` (``jax.scipy.stats.norm``). Imports funcgrad.numpy and special."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ... import numpy as fnp
from ...core.namespace import public_namespace
from ..special import log_ndtr, ndtr
from ._util import promote

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the normal density: ``-z**2 / 2 - log(scale) - log(2 pi) / 2``,
    ``z = (x - loc) / scale``.

    Example:
      >>> float(logpdf(0.0))  # -log(2 pi) / 2
      -0.9189385332046727
    """
    x, loc, scale = promote(x, loc, scale)
    z = (x - loc) / scale
    return -0.5 * z * z - fnp.log(scale) - _HALF_LOG_2PI


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The normal density, ``exp(logpdf)``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """P(X <= x) = Phi(z), relatively accurate in the left tail (``erfc``-based)."""
    x, loc, scale = promote(x, loc, scale)
    return ndtr((x - loc) / scale)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log P(X <= x), accurate in the far left tail (``logcdf(-40) = -804.608...``, where
    ``log(cdf)`` is ``log(0)``) and near 0 on the right.

    Example:
      >>> float(logcdf(-40.0))
      -804.6084420137538
    """
    x, loc, scale = promote(x, loc, scale)
    return log_ndtr((x - loc) / scale)


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """P(X > x) = Phi(-z), relatively accurate in the right tail."""
    x, loc, scale = promote(x, loc, scale)
    return ndtr((loc - x) / scale)


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log P(X > x), accurate in both tails."""
    x, loc, scale = promote(x, loc, scale)
    return log_ndtr((loc - x) / scale)
