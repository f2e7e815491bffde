"""funcgrad.scipy.stats: differentiable log-densities, as ``jax.scipy.stats``.

Each distribution is a module-like namespace of functions with JAX's signatures:
``norm.logpdf(x, loc=0, scale=1)``, ``multivariate_normal.logpdf(x, mean, cov)``,
``t.logpdf(x, df, loc=0, scale=1)``, ``poisson.logpmf(k, mu, loc=0)``,
``beta.logpdf(x, a, b, loc=0, scale=1)``, ``gamma.logpdf(x, a, loc=0, scale=1)``,
``dirichlet.logpdf(x, alpha)``, and the matching ``pdf`` / ``pmf``. Arguments broadcast;
every function is differentiable in all its real arguments (to any order), works under
``vmap`` and ``jit`` and keeps float32 float32 (Python scalars are weak, as in numpy).
Points outside the support give ``-inf`` (``0`` for ``pdf``) with a zero, finite gradient.
Public face: imports funcgrad.numpy and funcgrad.scipy.special.
"""

from typing import TYPE_CHECKING

from ...core.namespace import public_namespace
from . import (
    beta as beta,
    dirichlet as dirichlet,
    gamma as gamma,
    multivariate_normal as multivariate_normal,
    norm as norm,
    poisson as poisson,
    t as t,
)

__all__ = ["beta", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
