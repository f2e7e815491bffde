"""Special-function primitives: logistic, erfc, gamma, gammaln, digamma, polygamma, xlogy, ...

Elementwise, one line each as in ``elementwise.py``; each derivative is written with funcgrad
operations, so it differentiates again: gammaln' = digamma, digamma' = polygamma(1, .),
polygamma(n, .)' = polygamma(n + 1, .). numpy has none of these functions and scipy is not
a dependency: erfc, gamma and lgamma come from ``math`` per element (lgamma with a series beside
its zeros at 1 and 2), digamma and polygamma are vectorised numpy (recurrence to a large
argument, then the asymptotic series; Hurwitz zeta by Euler-Maclaurin), all in float64,
rounded once to a float32 input's dtype. Impls silence numpy's warnings: poles and
out-of-domain points return scipy's values (inf, nan) on purpose. Imports core,
``_families`` and the elementwise family.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np

from ._families import define_binary, define_unary
from .elementwise import exp, log, log1p_p, where

_TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))


def _float_dtype(x: Any) -> np.dtype:
    """The dtype a special function returns for ``x``: its float dtype, else float64."""
    dtype = np.asarray(x).dtype
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _as_float64(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _bernoulli_even(count: int) -> list[Fraction]:
    """B_2, B_4, ..., B_{2 count}, exact (B_n = -1/(n+1) sum_k<n C(n+1, k) B_k)."""
    b = [Fraction(1)]
    for n in range(1, 2 * count + 1):
        b.append(-sum((math.comb(n + 1, k) * b[k] for k in range(n)), Fraction(0)) / (n + 1))
    return b[2::2]


_BERNOULLI = _bernoulli_even(12)
# Euler-Maclaurin tail of the Hurwitz zeta: B_2j / (2j)!, j = 1..12.
_ZETA_TAIL = [float(b / math.factorial(2 * j)) for j, b in enumerate(_BERNOULLI, start=1)]
# Asymptotic digamma: psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k), k = 1..9.
_PSI_TAIL = [float(b / (2 * k)) for k, b in enumerate(_BERNOULLI[:9], start=1)]
_SHIFT = 12.0  # recurrences move the argument to >= _SHIFT before the series apply


def _hurwitz_zeta(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """zeta(s, q) = sum_k (q + k)^-s for s > 1 (integer s where q < 0), float64 arrays."""
    s, q = np.broadcast_arrays(_as_float64(s), _as_float64(q))
    total = np.zeros(s.shape)
    a = q.copy()
    target = _SHIFT + s  # the tail's terms shrink like ((s + 2j) / (2 pi a))^2
    low = a < target
    while low.any():  # the first terms exactly, until q + k >= target
        total[low] += a[low] ** -s[low]
        a[low] += 1.0
        low = a < target
    # Euler-Maclaurin: w^(1-s)/(s-1) + w^-s/2 + sum_j B_2j/(2j)! s(s+1)..(s+2j-2) w^(1-s-2j)
    total += a ** (1.0 - s) / (s - 1.0) + 0.5 * a**-s
    rising = s.copy()
    power = a ** (-s - 1.0)
    inv_a2 = 1.0 / (a * a)
    for j, coef in enumerate(_ZETA_TAIL):
        total += coef * rising * power
        rising = rising * (s + 2 * j + 1) * (s + 2 * j + 2)
        power = power * inv_a2
    return total


# digamma's positive zero x0 as a double-double (hi + lo); psi is a series in x - x0 there,
# psi(x) = sum_k>=1 (-1)^(k+1) zeta(k+1, x0) (x - x0)^k, where the recurrence would cancel.
_ROOT_DIGITS = "1.46163214496836234126265954232572132846819620400644635129598840859878644035"
_ROOT_HI = float(_ROOT_DIGITS)
_ROOT_LO = float(Fraction(_ROOT_DIGITS) - Fraction(_ROOT_HI))
_ROOT_RADIUS = 0.5


@functools.cache
def _root_series() -> list[float]:
    """The series' coefficients, computed on first use (not at import: 83 zeta sums are
    10 ms)."""
    return [
        (-1.0) ** (k + 1) * float(_hurwitz_zeta(np.float64(k + 1), np.float64(_ROOT_HI)))
        for k in range(1, 45)
    ]


def _horner(coefs: list[float], t: np.ndarray) -> np.ndarray:
    """sum_i coefs[i] t^i."""
    out = np.full_like(t, coefs[-1])
    for c in reversed(coefs[:-1]):
        out = out * t + c
    return out


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """psi(x) for x > 0 (float64)."""
    out = np.empty_like(x)
    t = (x - _ROOT_HI) - _ROOT_LO
    near = np.abs(t) < _ROOT_RADIUS
    out[near] = t[near] * _horner(_root_series(), t[near])
    y = x[~near]
    shift = np.zeros_like(y)
    low = y < _SHIFT
    while low.any():  # psi(y) = psi(y + 1) - 1/y
        shift[low] += 1.0 / y[low]
        y[low] += 1.0
        low = y < _SHIFT
    inv2 = 1.0 / (y * y)
    out[~near] = np.log(y) - 0.5 / y - inv2 * _horner(_PSI_TAIL, inv2) - shift
    return out


def _digamma_impl(x: Any) -> Any:
    dtype = _float_dtype(x)
    x = _as_float64(x)
    with np.errstate(all="ignore"):
        flat = x.ravel()
        out = np.full(flat.shape, np.nan)
        pos = flat > 0
        out[pos] = _digamma_positive(flat[pos])
        out[flat == 0] = -np.copysign(np.inf, flat[flat == 0])  # psi(+-0) = -+inf
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x); tan has period pi, so reduce
        neg = (flat < 0) & (flat != np.floor(flat)) & np.isfinite(flat)
        r = flat[neg] - np.round(flat[neg])
        out[neg] = _digamma_positive(1.0 - flat[neg]) - np.pi / np.tan(np.pi * r)
    return out.reshape(x.shape).astype(dtype)[()]


_FACTORIALS = np.array([float(math.factorial(k)) for k in range(171)] + [np.inf])


def _polygamma_impl(n: Any, x: Any) -> Any:
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1; digamma for n == 0."""
    dtype = _float_dtype(x)
    n, x = np.broadcast_arrays(_as_float64(n), _as_float64(x))
    with np.errstate(all="ignore"):
        out = np.full(x.shape, np.nan)
        order0 = n == 0
        if order0.any():
            out[order0] = _digamma_impl(x[order0])
        high = n >= 1
        pole = high & (x <= 0) & (x == np.floor(x))
        out[pole] = np.where(n[pole] % 2 == 1, np.inf, -np.inf)  # (-1)^(n+1) n! inf
        ok = high & ~pole & np.isfinite(x)
        sign = np.where(n[ok] % 2 == 1, 1.0, -1.0)
        fact = _FACTORIALS[np.minimum(n[ok], len(_FACTORIALS) - 1).astype(np.intp)]
        out[ok] = sign * fact * _hurwitz_zeta(n[ok] + 1.0, x[ok])
        out[high & (x == np.inf)] = 0.0
    return out.astype(dtype)[()]


def _per_element(fn: Any) -> Any:
    """An impl applying the Python float function ``fn`` per element (float32 kept)."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def impl(x: Any) -> Any:
        dtype = _float_dtype(x)
        with np.errstate(all="ignore"):  # math's overflows set numpy's flags: inf is meant
            return np.asarray(ufunc(_as_float64(x)), dtype=dtype)[()]

    return impl


def _gamma_scalar(v: float) -> float:
    try:
        return math.gamma(v)
    except OverflowError:  # x > 171.6
        return math.inf
    except ValueError:  # scipy's values: +-inf at +-0, nan at negative integers and -inf
        return math.copysign(math.inf, v) if v == 0 else math.nan


def _lgamma_or_inf(v: float) -> float:
    try:
        return math.lgamma(v)
    except ValueError:  # the poles at 0, -1, -2, ...
        return math.inf


_lgamma_ufunc = np.frompyfunc(_lgamma_or_inf, 1, 1)
# lgamma(2 + t) = (1 - gamma) t + sum_k>=2 (-1)^k (zeta(k) - 1) / k t^k (|t| < 2): used near
# the zeros of lgamma at 1 and 2, where math.lgamma (Lanczos) has only absolute accuracy.
_EULER_GAMMA = 0.57721566490153286060651209008240243


@functools.cache
def _lgamma2_series() -> list[float]:
    """The series' coefficients, computed on first use (not at import)."""
    return [0.0, 1.0 - _EULER_GAMMA] + [
        (-1.0) ** k * float(_hurwitz_zeta(np.float64(k), np.float64(2.0))) / k
        for k in range(2, 40)
    ]


_LGAMMA_NEAR = 0.5


def _gammaln_impl(x: Any) -> Any:
    dtype = _float_dtype(x)
    x = _as_float64(x)
    flat = x.ravel()
    with np.errstate(all="ignore"):
        out = np.asarray(_lgamma_ufunc(flat), dtype=np.float64)
    t = flat - 1.0
    near = np.abs(t) < _LGAMMA_NEAR  # lgamma(1 + t) = lgamma(2 + t) - log1p(t)
    out[near] = _horner(_lgamma2_series(), t[near]) - np.log1p(t[near])
    t = flat - 2.0
    near = np.abs(t) <= _LGAMMA_NEAR
    out[near] = _horner(_lgamma2_series(), t[near])
    return out.reshape(x.shape).astype(dtype)[()]


def _logistic_impl(x: Any) -> Any:
    # exp of -|x| only (never overflows); each branch is accurate to a rounding or two
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))[()]


def _xlogy_impl(x: Any, y: Any) -> Any:
    with np.errstate(all="ignore"):
        out = np.multiply(x, np.log(y))
    return np.where(np.equal(x, 0), np.zeros_like(out), out)[()]


def _xlog1py_impl(x: Any, y: Any) -> Any:
    with np.errstate(all="ignore"):
        out = np.multiply(x, np.log1p(y))
    return np.where(np.equal(x, 0), np.zeros_like(out), out)[()]


def _xlogy_d_y(x: Any, y: Any, out: Any) -> Any:
    # x / y, and 0 at x == y == 0 (where x log y is 0 along x = 0) instead of 0/0
    return x / where((x == 0) & (y == 0), 1.0, y)


def _xlog1py_d_y(x: Any, y: Any, out: Any) -> Any:
    return x / where((x == 0) & (y == -1), 1.0, 1.0 + y)


# --- primitives ------------------------------------------------------------------------
#                          name        impl                  d(out)/dx, from (x, out)
logistic_p = define_unary("logistic", _logistic_impl, lambda x, out: out * logistic(-x))
erfc_p = define_unary(
    "erfc", _per_element(math.erfc), lambda x, out: -_TWO_OVER_SQRT_PI * exp(-(x * x))
)
gamma_p = define_unary("gamma", _per_element(_gamma_scalar), lambda x, out: out * digamma(x))
gammaln_p = define_unary("gammaln", _gammaln_impl, lambda x, out: digamma(x))
digamma_p = define_unary("digamma", _digamma_impl, lambda x, out: polygamma(1, x))
#                            name       impl            d_x(x, y, out) / d_y(x, y, out)
polygamma_p = define_binary(
    "polygamma", _polygamma_impl, None, lambda n, x, out: polygamma(n + 1, x)
)
xlogy_p = define_binary("xlogy", _xlogy_impl, lambda x, y, o: log(y), _xlogy_d_y)
xlog1py_p = define_binary("xlog1py", _xlog1py_impl, lambda x, y, o: _log1p(y), _xlog1py_d_y)


# --- family wrappers -------------------------------------------------------------------
def logistic(x: Any) -> Any:
    """1 / (1 + exp(-x)), accurate to a few roundings for every x (no overflow)."""
    return logistic_p.bind(x)


def erfc(x: Any) -> Any:
    """1 - erf(x), with relative accuracy in the right tail (math.erfc per element)."""
    return erfc_p.bind(x)


def gamma(x: Any) -> Any:
    """Gamma(x) (math.gamma per element; inf past 171.6, nan at negative integers)."""
    return gamma_p.bind(x)


def gammaln(x: Any) -> Any:
    """log|Gamma(x)| (inf at the poles 0, -1, -2, ...)."""
    return gammaln_p.bind(x)


def digamma(x: Any) -> Any:
    """psi(x) = d/dx log Gamma(x)."""
    return digamma_p.bind(x)


def polygamma(n: Any, x: Any) -> Any:
    """psi^(n)(x), the n-th derivative of digamma; ``n`` non-negative integers."""
    return polygamma_p.bind(n, x)


def xlogy(x: Any, y: Any) -> Any:
    """x * log(y), and 0 where x == 0 (for every y)."""
    return xlogy_p.bind(x, y)


def xlog1py(x: Any, y: Any) -> Any:
    """x * log1p(y), and 0 where x == 0 (for every y)."""
    return xlog1py_p.bind(x, y)


def _log1p(x: Any) -> Any:
    return log1p_p.bind(x)
