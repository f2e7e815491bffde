"""Statistical checks with tolerances that follow from the sample size.

Every check allows ``Z = 5`` standard errors (a false alarm has probability < 1e-6 for a
fresh key; with the fixed keys of the tests the outcome is deterministic), and the
Kolmogorov-Smirnov check uses the 0.1% critical value 1.95 / sqrt(n).
"""

from __future__ import annotations

import math

import numpy as np

Z = 5.0
KS_CRITICAL = 1.95  # sup |F_n - F| exceeds 1.95 / sqrt(n) with probability 0.001


def assert_mean(x, mean, var):
    """The sample mean of ``x`` is within Z standard errors of ``mean``."""
    x = np.asarray(x, dtype=np.float64).ravel()
    tol = Z * math.sqrt(var / x.size)
    assert abs(x.mean() - mean) < tol, f"mean {x.mean()} vs {mean} (tolerance {tol})"


def assert_var(x, var, kurtosis_excess=0.0):
    """The sample variance is within Z standard errors of ``var``.

    The standard error of the variance is sqrt((mu4 - var^2) / n), mu4 = (3 + k) var^2.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    tol = Z * var * math.sqrt((2.0 + kurtosis_excess) / x.size)
    assert abs(x.var() - var) < tol, f"variance {x.var()} vs {var} (tolerance {tol})"


def assert_ks(x, cdf):
    """Kolmogorov-Smirnov: the empirical CDF of ``x`` is within 1.95/sqrt(n) of ``cdf``."""
    x = np.sort(np.asarray(x, dtype=np.float64).ravel())
    n = x.size
    f = np.asarray(cdf(x), dtype=np.float64)
    d = max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))
    assert d < KS_CRITICAL / math.sqrt(n), f"KS distance {d} >= {KS_CRITICAL / math.sqrt(n)}"


def assert_frequencies(samples, probabilities):
    """Each category's frequency is within Z binomial standard errors of its probability."""
    samples = np.asarray(samples).ravel()
    p = np.asarray(probabilities, dtype=np.float64)
    counts = np.bincount(samples, minlength=p.size)
    assert counts.size == p.size, f"categories outside 0..{p.size - 1}: {counts.size}"
    freq = counts / samples.size
    tol = Z * np.sqrt(p * (1 - p) / samples.size)
    assert (np.abs(freq - p) <= tol).all(), f"frequencies {freq} vs {p} (tolerance {tol})"
    assert (counts[p == 0] == 0).all(), "a category of probability 0 was drawn"


def normal_cdf(x):
    return 0.5 * np.vectorize(math.erfc)(-np.asarray(x) / math.sqrt(2.0))


def normal_sf(x):
    return 0.5 * np.vectorize(math.erfc)(np.asarray(x) / math.sqrt(2.0))


def truncated_normal_cdf(a, b):
    """The CDF of N(0, 1) conditioned on (a, b), accurate in either tail."""
    if a >= 0:  # upper tail: differences of survival functions do not cancel
        qa, qb = normal_sf(a), normal_sf(b)
        return lambda x: (qa - normal_sf(x)) / (qa - qb)
    pa, pb = normal_cdf(a), normal_cdf(b)
    return lambda x: (normal_cdf(x) - pa) / (pb - pa)
