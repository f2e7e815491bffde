"""Rows of the primitive table: funcgrad.scipy.special and funcgrad.scipy.stats.

No numpy twins (scipy is not a dependency): values are checked against closed forms and
``math`` in tests/scipy/. Domains keep finite differences meaningful (away from poles and
the ends of supports) and leave the 3% margin the vmap property scales by; integer
arguments (polygamma's order, Poisson counts) are drawn as params.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from funcgrad.scipy import special, stats
from funcgrad.testing.strategies import arrays, shapes

from .spec import OpSpec, axis_and_keepdims, binary, nary, unary


def row(name, fun, args, **kw):
    return OpSpec(name, fun, args, numpy_twin=False, **kw)


def _polygamma_order(args):
    return st.fixed_dictionaries({"n": st.integers(0, 3)})


@st.composite
def _poisson_counts(draw, args):
    shape = np.shape(args[0])
    return {"k": draw(arrays(shape=shape, dtype=np.int64, elements=st.integers(0, 12)))}


@st.composite
def _simplex_and_alpha(draw):
    """x with K - 1 free components (the last is 1 - sum), batch axes after the first."""
    k = draw(st.integers(2, 4))
    batch = draw(shapes(max_dims=1, max_side=3))
    raw = draw(arrays(shape=(k, *batch), min_value=0.2, max_value=1.0))
    x = 0.9 * raw / raw.sum(axis=0, keepdims=True)  # the free part sums to 0.9 * (1 - last)
    return x[:-1], draw(arrays(shape=(k,), min_value=0.6, max_value=4.0))


@st.composite
def _mvn_args(draw):
    k = draw(st.integers(1, 3))
    batch = draw(shapes(max_dims=1, max_side=3))
    return (
        draw(arrays(shape=(*batch, k))),
        draw(arrays(shape=(k,))),
        draw(arrays(shape=(k, k), min_value=-1.0, max_value=1.0)),
    )


def _mvn_logpdf(x, mean, factor):
    cov = factor @ factor.T + np.eye(factor.shape[0], dtype=factor.dtype)
    return stats.multivariate_normal.logpdf(x, mean, cov)


def _logsumexp_b(a, b, axis, keepdims):
    return special.logsumexp(a, axis=axis, b=b, keepdims=keepdims)


def _logsumexp_sign(a, b, axis, keepdims):
    return special.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)


POS = dict(min_value=0.3, max_value=4.0)

FUNCTIONS = [
    row("scipy.special.expit", special.expit, unary(min_value=-8.0, max_value=8.0)),
    row("scipy.special.logit", special.logit, unary(min_value=0.05, max_value=0.9)),
    row("scipy.special.erf", special.erf, unary()),
    row("scipy.special.erfc", special.erfc, unary()),
    row("scipy.special.gamma", special.gamma, unary(**POS)),
    row("scipy.special.gamma_neg", special.gamma, unary(min_value=-2.8, max_value=-2.2)),
    row("scipy.special.gammaln", special.gammaln, unary(**POS)),
    row("scipy.special.gammaln_neg", special.gammaln, unary(min_value=-2.8, max_value=-2.2)),
    row("scipy.special.digamma", special.digamma, unary(**POS)),
    row("scipy.special.digamma_neg", special.digamma, unary(min_value=-1.8, max_value=-1.2)),
    row(
        "scipy.special.polygamma",
        lambda x, n: special.polygamma(n, x),
        unary(**POS),
        params=_polygamma_order,
    ),
    row("scipy.special.xlogy", special.xlogy, binary(arg1=(0.2, 3.0))),
    row("scipy.special.xlog1py", special.xlog1py, binary(arg1=(-0.7, 3.0))),
    row("scipy.special.betaln", special.betaln, binary(**POS)),
    row("scipy.special.ndtr", special.ndtr, unary(min_value=-6.0, max_value=6.0)),
    row("scipy.special.log_ndtr", special.log_ndtr, unary(min_value=-14.0, max_value=6.0)),
    row("scipy.special.logsumexp", special.logsumexp, unary(), params=axis_and_keepdims),
    row(
        "scipy.special.logsumexp_b",
        _logsumexp_b,
        binary(arg1=(0.5, 2.0)),
        params=axis_and_keepdims,
    ),
    row(
        "scipy.special.logsumexp_sign",
        _logsumexp_sign,
        binary(arg1=(0.5, 2.0)),
        params=axis_and_keepdims,
    ),
]

DISTRIBUTIONS = [
    row("scipy.stats.norm.logpdf", stats.norm.logpdf, nary(3, arg2=(0.5, 2.0))),
    row("scipy.stats.norm.pdf", stats.norm.pdf, nary(3, arg2=(0.5, 2.0))),
    row("scipy.stats.norm.cdf", stats.norm.cdf, nary(3, arg2=(0.5, 2.0))),
    row("scipy.stats.norm.logcdf", stats.norm.logcdf, nary(3, -12.0, 3.0, arg2=(0.5, 2.0))),
    row("scipy.stats.norm.sf", stats.norm.sf, nary(3, arg2=(0.5, 2.0))),
    row("scipy.stats.norm.logsf", stats.norm.logsf, nary(3, -3.0, 12.0, arg2=(0.5, 2.0))),
    row(
        "scipy.stats.t.logpdf",
        stats.t.logpdf,
        nary(4, arg1=(1.0, 10.0), arg3=(0.5, 2.0)),
    ),
    row("scipy.stats.t.pdf", stats.t.pdf, nary(4, arg1=(1.0, 10.0), arg3=(0.5, 2.0))),
    row(
        "scipy.stats.poisson.logpmf",
        lambda mu, k: stats.poisson.logpmf(k, mu),
        unary(min_value=0.5, max_value=5.0),
        params=_poisson_counts,
    ),
    row(
        "scipy.stats.poisson.pmf",
        lambda mu, k: stats.poisson.pmf(k, mu),
        unary(min_value=0.5, max_value=5.0),
        params=_poisson_counts,
    ),
    row(
        "scipy.stats.beta.logpdf",
        stats.beta.logpdf,
        nary(3, 0.5, 4.0, arg0=(0.1, 0.9)),
    ),
    row("scipy.stats.beta.pdf", stats.beta.pdf, nary(3, 0.5, 4.0, arg0=(0.1, 0.9))),
    row(
        "scipy.stats.gamma.logpdf",
        lambda x, a, scale: stats.gamma.logpdf(x, a, 0.0, scale),
        nary(3, 0.5, 4.0),
    ),
    row(
        "scipy.stats.gamma.pdf",
        lambda x, a, scale: stats.gamma.pdf(x, a, 0.0, scale),
        nary(3, 0.5, 4.0),
    ),
    row("scipy.stats.dirichlet.logpdf", stats.dirichlet.logpdf, _simplex_and_alpha),
    row("scipy.stats.dirichlet.pdf", stats.dirichlet.pdf, _simplex_and_alpha),
    row("scipy.stats.multivariate_normal.logpdf", _mvn_logpdf, _mvn_args),
]

SPECIAL = FUNCTIONS + DISTRIBUTIONS
