"""funcgrad.scipy.stats against closed forms and ``math`` (no scipy): values, supports,
gradients in every real argument, the far tail of ``norm.logcdf``, shapes and errors.

(Order-2 derivatives, vmap and float32 of every function are table rows:
``scipy.stats.*`` in tests/primitives/table_special.py.)
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.core.errors import FuncgradValueError
from funcgrad.scipy import stats
from funcgrad.scipy.stats import beta, dirichlet, gamma, multivariate_normal, norm, poisson, t
from funcgrad.testing import check_grads

from ..nn import exact as E

EPS = np.finfo(float).eps
RNG = np.random.default_rng(11)
LOG_2PI = math.log(2 * math.pi)


def assert_sum_close(got, terms, ulps=8):
    """``got`` equals the sum of ``terms`` to ``ulps`` roundings of the largest term (a
    log-density is a sum; near its zeros a relative bound would measure cancellation)."""
    exact = sum(terms)
    scale = sum(np.abs(term) for term in terms)
    assert np.all(np.abs(np.asarray(got) - exact) <= ulps * EPS * scale), (got, exact)


def test_namespaces_are_module_like():
    assert stats.norm.logpdf is norm.logpdf
    assert {"logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"} <= set(dir(stats.norm))
    assert callable(stats.poisson.logpmf) and callable(stats.poisson.pmf)


# --- norm --------------------------------------------------------------------------------


def test_norm_values():
    x = RNG.normal(size=20) * 3
    z = (x - 0.5) / 2.0
    np.testing.assert_allclose(norm.logpdf(x, 0.5, 2.0), -z * z / 2 - math.log(2.0) - LOG_2PI / 2)
    np.testing.assert_allclose(
        norm.pdf(x, 0.5, 2.0), np.exp(-z * z / 2) / (2 * math.sqrt(2 * math.pi))
    )
    cdf = [0.5 * math.erfc(-v / math.sqrt(2)) for v in z]
    np.testing.assert_allclose(norm.cdf(x, 0.5, 2.0), cdf, rtol=4 * EPS)
    np.testing.assert_allclose(
        norm.sf(x, 0.5, 2.0), [0.5 * math.erfc(v / math.sqrt(2)) for v in z], rtol=4 * EPS
    )
    np.testing.assert_allclose(norm.logcdf(x, 0.5, 2.0), np.log(cdf), rtol=8 * EPS)
    np.testing.assert_allclose(norm.logsf(x, 0.5, 2.0), norm.logcdf(-x, -0.5, 2.0), rtol=2 * EPS)
    assert norm.logpdf(np.float32(1.0)).dtype == np.float32
    assert norm.cdf(np.arange(3)).dtype == np.float64


@pytest.mark.parametrize("x", [-40.0, -100.0, -1e3])  # -1e5: tests/scipy/test_special.py
def test_norm_logcdf_in_the_far_left_tail(x):
    # log(cdf) is log(0) = -inf here; the exact value has 60 digits
    exact = E.ln(E.ndtr(x))
    got = norm.logcdf(x)
    assert abs(Decimal(float(got)) - exact) <= Decimal(4 * EPS) * abs(exact), (x, got)
    slope = fg.grad(norm.logcdf)(x)  # phi / Phi = -x - 1/x + ...
    assert slope == pytest.approx(float(E.npdf(x) / E.ndtr(x)), rel=8 * EPS)
    assert norm.cdf(-40.0) == 0.0 or norm.cdf(-40.0) < 1e-300
    assert norm.logsf(-x) == got


def test_norm_gradients_in_x_loc_scale():
    x = np.array([-9.0, -1.0, 0.2, 3.0])
    for fun in (norm.logpdf, norm.pdf, norm.cdf, norm.logcdf, norm.sf, norm.logsf):
        check_grads(fun, (x, 0.3, 1.7), order=2)
    gx, gloc, gscale = fg.grad(lambda *a: norm.logpdf(*a).sum(), argnums=(0, 1, 2))(x, 0.3, 1.7)
    z = (x - 0.3) / 1.7
    np.testing.assert_allclose(gx, -z / 1.7)
    assert gloc == pytest.approx((z / 1.7).sum())
    assert gscale == pytest.approx(((z * z - 1) / 1.7).sum())


# --- t -----------------------------------------------------------------------------------


def test_t_closed_forms():
    x = np.linspace(-6, 6, 25)
    z = (x - 0.5) / 2.0
    cauchy = -np.log(math.pi * 2.0 * (1 + z * z))
    np.testing.assert_allclose(t.logpdf(x, 1.0, 0.5, 2.0), cauchy, rtol=4 * EPS)
    two = (1 + z * z / 2) ** -1.5 / (2 * math.sqrt(2)) / 2.0  # df = 2
    np.testing.assert_allclose(t.pdf(x, 2.0, 0.5, 2.0), two, rtol=8 * EPS)
    df = 3.7
    general = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - math.log(2.0)
        - (df + 1) / 2 * np.log1p(z * z / df)
    )
    np.testing.assert_allclose(t.logpdf(x, df, 0.5, 2.0), general, rtol=4 * EPS)
    np.testing.assert_allclose(t.logpdf(x, 1e7), norm.logpdf(x), rtol=1e-5)  # df -> inf


def test_t_gradients_in_x_df_loc_scale():
    check_grads(t.logpdf, (np.array([-3.0, 0.1, 2.0]), 3.5, 0.3, 1.7), order=2)
    check_grads(t.pdf, (np.array([-3.0, 0.1, 2.0]), 3.5, 0.3, 1.7), order=2)


# --- poisson -----------------------------------------------------------------------------


def test_poisson_values_support_and_gradient():
    k = np.arange(0, 25)
    mu = 3.3
    exact = [n * math.log(mu) - mu - math.lgamma(n + 1) for n in k]
    np.testing.assert_allclose(poisson.logpmf(k, mu), exact, rtol=4 * EPS)
    assert poisson.pmf(k, mu).sum() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(poisson.logpmf(k + 2, mu, loc=2), exact, rtol=4 * EPS)
    np.testing.assert_array_equal(poisson.logpmf(np.array([-1.0, 2.5]), mu), -np.inf)
    np.testing.assert_array_equal(poisson.pmf(np.array([-1.0, 2.5]), mu), 0.0)
    g = fg.grad(lambda m: poisson.logpmf(k, m).sum())(mu)
    assert g == pytest.approx((k / mu - 1).sum(), rel=4 * EPS)
    assert fg.grad(lambda m: poisson.logpmf(0, m))(mu) == -1.0  # xlogy(0, mu): no NaN
    assert fg.grad(lambda m: poisson.logpmf(-1, m))(mu) == 0.0
    check_grads(lambda m: poisson.logpmf(k, m), (mu,), order=2)
    assert poisson.logpmf(k, np.float32(2.0)).dtype == np.float32  # integer k: float32 kept


# --- beta, gamma -------------------------------------------------------------------------


def test_beta_values_and_support():
    x = np.linspace(0.01, 0.99, 30)
    np.testing.assert_allclose(beta.logpdf(x, 1.0, 1.0), 0.0, atol=0)
    assert_sum_close(beta.logpdf(x, 2.0, 1.0), [np.log(x), math.log(2)])
    a, b = 2.5, 0.7
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    terms = [(a - 1) * np.log(x), (b - 1) * np.log1p(-x), -lbeta]
    assert_sum_close(beta.logpdf(x, a, b), terms)
    y = (3 * x - 1 + 1.0) / 3.0  # the rounded standardised argument
    terms = [(a - 1) * np.log(y), (b - 1) * np.log1p(-y), -lbeta, -math.log(3)]
    assert_sum_close(beta.logpdf(3 * x - 1, a, b, -1.0, 3.0), terms)
    np.testing.assert_array_equal(beta.logpdf(np.array([-0.1, 1.1]), a, b), -np.inf)
    np.testing.assert_array_equal(beta.pdf(np.array([-0.1, 1.1]), a, b), 0.0)
    assert beta.logpdf(0.0, 1.0, 1.0) == 0.0
    assert beta.logpdf(1.0, 2.0, 1.0) == pytest.approx(math.log(2), rel=2 * EPS)
    assert np.isnan(beta.logpdf(0.5, -1.0, 1.0))
    check_grads(lambda x, a, b: beta.logpdf(x, a, b), (x[:4], a, 1.7), order=2)
    check_grads(lambda x, a, b: beta.pdf(x, a, b, 0.0, 1.0), (x[:4], a, 1.7), order=2)
    outside = fg.grad(lambda x, a: beta.logpdf(x, a, 2.0), argnums=(0, 1))(1.5, 2.0)
    assert outside == (0.0, 0.0)


def test_gamma_values_and_support():
    x = np.linspace(0.05, 12, 30)
    np.testing.assert_allclose(gamma.logpdf(x, 1.0), -x, rtol=EPS)
    a, scale = 2.3, 1.7
    y = x / scale
    exact = (a - 1) * np.log(y) - y - math.lgamma(a) - math.log(scale)
    np.testing.assert_allclose(gamma.logpdf(x, a, 0.0, scale), exact, rtol=4 * EPS)
    np.testing.assert_allclose(gamma.logpdf(x + 1, a, 1.0, scale), exact, rtol=64 * EPS)
    np.testing.assert_array_equal(gamma.logpdf(np.array([-1.0, -1e-9]), a), -np.inf)
    assert fg.grad(lambda v: gamma.logpdf(v, a))(-1.0) == 0.0
    check_grads(lambda x, a, s: gamma.logpdf(x, a, 0.0, s), (x[:4], a, scale), order=2)
    check_grads(lambda x, a, s: gamma.pdf(x, a, 0.0, s), (x[:4], a, scale), order=2)


# --- dirichlet ---------------------------------------------------------------------------


def test_dirichlet_values_shapes_and_support():
    alpha = np.array([0.5, 2.0, 3.0])
    x = RNG.dirichlet(alpha, size=5).T  # components on the first axis, (3, 5)
    norm_const = math.lgamma(alpha.sum()) - sum(math.lgamma(a) for a in alpha)
    exact = ((alpha[:, None] - 1) * np.log(x)).sum(axis=0) + norm_const
    np.testing.assert_allclose(dirichlet.logpdf(x, alpha), exact, rtol=8 * EPS)
    np.testing.assert_allclose(dirichlet.logpdf(x[:-1], alpha), exact, rtol=1e-12)
    assert dirichlet.logpdf(x[:, 0], alpha).shape == ()
    assert dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), np.ones(3)) == pytest.approx(math.log(2))
    np.testing.assert_array_equal(dirichlet.logpdf(np.array([0.5, 0.6, -0.1]), alpha), -np.inf)
    np.testing.assert_array_equal(dirichlet.pdf(np.array([0.5, 0.6, 0.1]), alpha), 0.0)
    check_grads(dirichlet.logpdf, (x[:-1], alpha), order=2)
    with pytest.raises(
        FuncgradValueError, match=r"x has shape \(5, 3\) but alpha has 3 components"
    ):
        dirichlet.logpdf(x.T, alpha)
    with pytest.raises(FuncgradValueError, match=r"alpha must be 1-D \(K,\), got shape \(1, 3\)"):
        dirichlet.logpdf(x, alpha[None])


# --- multivariate_normal -----------------------------------------------------------------


def _mvn_reference(x, mean, cov):
    d = x - mean
    quad = np.einsum("...i,ij,...j->...", d, np.linalg.inv(cov), d)
    return -0.5 * quad - 0.5 * np.linalg.slogdet(cov)[1] - 0.5 * len(mean) * LOG_2PI


def test_multivariate_normal_values_and_shapes():
    factor = RNG.normal(size=(4, 4))
    cov = factor @ factor.T + np.eye(4)
    mean, x = RNG.normal(size=4), RNG.normal(size=(6, 4))
    np.testing.assert_allclose(
        multivariate_normal.logpdf(x, mean, cov), _mvn_reference(x, mean, cov), rtol=1e-12
    )
    np.testing.assert_allclose(
        multivariate_normal.pdf(x[0], mean, cov),
        np.exp(_mvn_reference(x[0], mean, cov)),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        multivariate_normal.logpdf(x, mean, 2.5),
        _mvn_reference(x, mean, 2.5 * np.eye(4)),
        rtol=1e-12,
    )
    assert multivariate_normal.logpdf(0.3, 0.1, 2.0) == pytest.approx(
        norm.logpdf(0.3, 0.1, math.sqrt(2.0))
    )
    stacked = multivariate_normal.logpdf(x[:2], mean, np.stack([cov, 2 * cov]))
    np.testing.assert_allclose(
        stacked, [_mvn_reference(x[0], mean, cov), _mvn_reference(x[1], mean, 2 * cov)], rtol=1e-12
    )
    batched = fg.vmap(multivariate_normal.logpdf, in_axes=(0, None, None))(x, mean, cov)
    np.testing.assert_allclose(batched, _mvn_reference(x, mean, cov), rtol=1e-12)


def test_multivariate_normal_gradients_in_x_mean_and_cov():
    factor = RNG.normal(size=(3, 3))
    mean, x = RNG.normal(size=3), RNG.normal(size=(2, 3))

    def logpdf(x, mean, factor):
        return multivariate_normal.logpdf(x, mean, factor @ factor.T + np.eye(3))

    check_grads(logpdf, (x, mean, factor), order=2)
    cov = factor @ factor.T + np.eye(3)
    g = fg.grad(lambda c: multivariate_normal.logpdf(x[0], mean, c))(cov)
    inv = np.linalg.inv(cov)
    d = x[0] - mean
    expected = 0.5 * (inv @ np.outer(d, d) @ inv - inv)  # the symmetric gradient
    np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-12)


def test_multivariate_normal_errors():
    with pytest.raises(
        FuncgradValueError,
        match=r"mean has shape \(3,\) \(3 components\) but cov has shape \(2, 2\)",
    ):
        multivariate_normal.logpdf(np.zeros(3), np.zeros(3), np.eye(2))
    with pytest.raises(FuncgradValueError, match="allow_singular is not supported"):
        multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(2), allow_singular=True)
