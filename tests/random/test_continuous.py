"""Continuous distributions against their CDFs and moments (tolerances in ``_stats``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from funcgrad import random
from funcgrad.core.errors import FuncgradValueError

from ._stats import (
    Z,
    assert_ks,
    assert_mean,
    assert_var,
    normal_cdf,
    truncated_normal_cdf,
)

N = 100_000
K = random.key(11)


def test_normal_matches_the_standard_normal():
    x = random.normal(K, N)
    assert_mean(x, 0.0, 1.0)
    assert_var(x, 1.0)
    assert_ks(x, normal_cdf)
    x32 = random.normal(K, N, np.float32)
    np.testing.assert_array_equal(x32, x.astype(np.float32))  # same draws, rounded


def test_uniform_covers_its_interval_and_never_reaches_maxval():
    x = random.uniform(K, N, minval=-2.0, maxval=3.0)
    assert x.min() >= -2.0
    assert x.max() < 3.0
    assert_ks(x, lambda t: (t + 2.0) / 5.0)
    # float32 spacing at 1e8 is 8: without care half the draws would round up to maxval
    y = random.uniform(K, 1000, np.float32, minval=1e8, maxval=1e8 + 8)
    assert (y < np.float32(1e8 + 8)).all()
    assert (y >= np.float32(1e8)).all()
    lo, hi = np.array([0.0, 10.0]), np.array([1.0, 20.0])
    z = random.uniform(K, (N, 2), minval=lo, maxval=hi)
    assert (z >= lo).all() and (z < hi).all()
    assert_ks(z[:, 1], lambda t: (t - 10.0) / 10.0)
    with pytest.raises(FuncgradValueError, match=r"`minval` of shape \(2,\) does not broadcast"):
        random.uniform(K, (3,), minval=lo, maxval=1.0)


def test_exponential_has_rate_one():
    x = random.exponential(K, N)
    assert x.min() >= 0.0
    assert_mean(x, 1.0, 1.0)
    assert_var(x, 1.0, kurtosis_excess=6.0)
    assert_ks(x, lambda t: -np.expm1(-t))


def test_gumbel_is_the_standard_gumbel():
    x = random.gumbel(K, N)
    assert np.isfinite(x).all()
    assert_mean(x, np.euler_gamma, math.pi**2 / 6)
    assert_var(x, math.pi**2 / 6, kurtosis_excess=2.4)
    assert_ks(x, lambda t: np.exp(-np.exp(-t)))


BOUNDS = [
    (-np.inf, np.inf),
    (0.0, np.inf),
    (-1.0, 4.0),  # wide, around 0: normal proposals
    (-0.5, 0.5),  # narrow, around 0: uniform proposals
    (-2.0, 0.1),
    (1.0, 1.2),  # narrow, off 0
    (5.0, np.inf),  # a far tail: exponential proposals
    (-np.inf, -8.0),  # a far lower tail, mirrored
    (30.0, 31.0),  # beyond any inverse-CDF method in float64
    (3.0, 3.0001),
]


@pytest.mark.parametrize(("lower", "upper"), BOUNDS)
def test_truncated_normal_matches_its_cdf_and_stays_inside(lower, upper):
    x = random.truncated_normal(K, lower, upper, N)
    assert x.dtype == np.float64
    assert (x > lower).all() and (x < upper).all()
    assert_ks(x, truncated_normal_cdf(lower, upper))


def test_truncated_normal_moments_of_a_two_sided_interval():
    a, b = -1.0, 2.0
    phi = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    mass = float(normal_cdf(b) - normal_cdf(a))
    mean = (phi(a) - phi(b)) / mass
    var = 1 + (a * phi(a) - b * phi(b)) / mass - mean**2
    x = random.truncated_normal(K, a, b, N)
    assert_mean(x, mean, var)
    # truncation to a bounded interval lowers the kurtosis below the normal's, so the
    # normal's (excess 0) gives a conservative tolerance
    assert_var(x, var, kurtosis_excess=0.0)


def test_truncated_normal_broadcasts_bounds_and_respects_them_in_float32():
    lower = np.array([-1.0, 0.0, 0.5])
    upper = np.array([[1.0], [3.0]])
    x = random.truncated_normal(K, lower, upper)
    assert x.shape == (2, 3)
    assert ((x > lower) & (x < upper)).all()
    with pytest.raises(FuncgradValueError, match=r"lower=0.5 and upper=0.2 at flat index 2"):
        random.truncated_normal(K, lower, np.array([[0.2], [3.0]]), (2, 3))
    y = random.truncated_normal(K, lower[:2], upper, (500, 2, 2))
    assert ((y > lower[:2]) & (y < upper)).all()
    # float32: strictly inside the float32 bounds even where rounding would reach them
    z = random.truncated_normal(K, 0.1, 0.1 + 1e-7, N, np.float32)
    assert z.dtype == np.float32
    assert (z > np.float32(0.1)).all() and (z < np.float32(0.1 + 1e-7)).all()
    huge = random.truncated_normal(K, 1e9, np.inf, 10)
    assert (huge > 1e9).all() and np.isfinite(huge).all()


def test_truncated_normal_errors():
    with pytest.raises(FuncgradValueError, match="lower` < `upper`"):
        random.truncated_normal(K, 1.0, 1.0)
    with pytest.raises(FuncgradValueError, match="lower` < `upper`"):
        random.truncated_normal(K, np.nan, 1.0)
    with pytest.raises(FuncgradValueError, match="do not broadcast together"):
        random.truncated_normal(K, np.zeros(2), np.ones(3))
    with pytest.raises(FuncgradValueError, match=r"`lower` of shape \(3,\) does not broadcast"):
        random.truncated_normal(K, np.zeros(3), 1.0, (2,))


COV = np.array([[2.0, 0.8, 0.0], [0.8, 1.0, -0.3], [0.0, -0.3, 0.5]])
MEAN = np.array([1.0, -1.0, 0.5])


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_has_the_requested_mean_and_covariance(method):
    x = random.multivariate_normal(K, MEAN, COV, (N,), method=method)
    assert x.shape == (N, 3)
    for i in range(3):
        assert_mean(x[:, i], MEAN[i], COV[i, i])
    # the standard error of a sample covariance entry is sqrt((s_ii s_jj + s_ij^2) / n)
    sample = np.cov(x.T)
    tol = Z * np.sqrt((np.outer(np.diag(COV), np.diag(COV)) + COV**2) / N)
    assert (np.abs(sample - COV) < tol).all(), (sample, COV)
    for i in range(3):  # each margin is normal
        assert_ks(x[:, i], lambda t, i=i: normal_cdf((t - MEAN[i]) / math.sqrt(COV[i, i])))


def test_multivariate_normal_batches_and_semi_definite_covariances():
    means = np.stack([MEAN, -MEAN])  # (2, 3)
    assert random.multivariate_normal(K, means, COV).shape == (2, 3)
    assert random.multivariate_normal(K, means, COV, (5, 2)).shape == (5, 2, 3)
    assert random.multivariate_normal(K, MEAN, np.stack([COV, COV])).shape == (2, 3)
    x32 = random.multivariate_normal(K, MEAN, COV, (4,), np.float32)
    assert x32.dtype == np.float32
    singular = np.ones((2, 2))  # x0 == x1
    for method in ["eigh", "svd"]:
        y = random.multivariate_normal(K, np.zeros(2), singular, (1000,), method=method)
        np.testing.assert_allclose(y[:, 0], y[:, 1], atol=1e-12)
        assert_var(y[:, 0], 1.0)
    with pytest.raises(FuncgradValueError, match=r"not positive definite.*method='eigh'"):
        random.multivariate_normal(K, np.zeros(2), singular)


def test_multivariate_normal_errors():
    with pytest.raises(FuncgradValueError, match=r"got mean \(3,\) and cov \(2, 2\)"):
        random.multivariate_normal(K, MEAN, np.eye(2))
    with pytest.raises(FuncgradValueError, match="`method` must be one of"):
        random.multivariate_normal(K, MEAN, COV, method="qr")
    with pytest.raises(FuncgradValueError, match="do not broadcast together"):
        random.multivariate_normal(K, np.zeros((2, 3)), np.stack([COV] * 3))
    with pytest.raises(FuncgradValueError, match=r"`mean` of shape \(2,\) does not broadcast"):
        random.multivariate_normal(K, np.zeros((2, 3)), COV, (3,))
