"""funcgrad.scipy.special against closed forms, ``math``, identities and 60-digit decimal
references (no scipy), plus the special points of xlogy and logsumexp's scipy semantics.

(Derivatives to order 2, vmap and float32 of every function are table rows:
``scipy.special.*`` in tests/primitives/table_special.py.)
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError
from funcgrad.scipy import special

from ..nn import exact as E

EPS = np.finfo(float).eps
EPS_D = Decimal(EPS)
EULER = 0.5772156649015328606065120900824024310421593359
EULER_D = Decimal("0.57721566490153286060651209008240243104215933593992")
CATALAN = 0.9159655941772190150546035149323841107741493742816
ZETA3 = 1.2020569031595942853997381615114499907649862923405
PI = math.pi


def rel(got, ref):
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    return np.max(np.abs(got - ref) / np.abs(ref))


# --- erf, erfc, expit, logit --------------------------------------------------------------


def test_erf_and_erfc_are_maths():
    x = np.linspace(-6, 27, 331)
    np.testing.assert_array_equal(special.erfc(x), [math.erfc(v) for v in x])
    np.testing.assert_array_equal(special.erf(x), [math.erf(v) for v in x])
    assert special.erfc(np.float32(3.0)).dtype == np.float32
    g = fg.grad(special.erfc)(5.0)
    assert g == pytest.approx(-2 / math.sqrt(PI) * math.exp(-25.0), rel=4 * EPS)


def test_expit_and_logit_are_inverse_and_relatively_accurate():
    x = np.concatenate([-np.logspace(-8, 2.8, 40), np.logspace(-8, 1.5, 40)])
    for v in x:
        assert abs(special.expit(v) - float(E.sigmoid(v))) <= 2 * EPS * float(E.sigmoid(v))
    p = np.concatenate([np.logspace(-300, -1, 30), 0.5 + np.logspace(-12, -1.5, 20), [0.3, 0.9]])
    for v in p:
        exact = E.ln(E.D(v) / (1 - E.D(v)))  # 1 - v is exact in 60 digits
        assert abs(Decimal(float(special.logit(v))) - exact) <= 4 * EPS_D * abs(exact), v
    back = special.expit(special.logit(p))  # expit's condition number is |logit(p)|
    assert np.all(np.abs(back - p) <= 8 * EPS * (1 + np.abs(special.logit(p))) * p)
    assert fg.grad(special.logit)(0.25) == pytest.approx(1 / (0.25 * 0.75), rel=4 * EPS)
    assert fg.grad(special.logit)(0.5) == pytest.approx(4.0, rel=4 * EPS)
    assert special.logit(np.float32(0.3)).dtype == np.float32


# --- gamma, gammaln -----------------------------------------------------------------------


def test_gamma_closed_forms_and_poles():
    assert special.gamma(0.5) == pytest.approx(math.sqrt(PI), rel=2 * EPS)
    assert special.gamma(-0.5) == pytest.approx(-2 * math.sqrt(PI), rel=2 * EPS)
    np.testing.assert_allclose(
        special.gamma(np.arange(1.0, 20)), [math.factorial(n - 1) for n in range(1, 20)], 2 * EPS
    )
    got = special.gamma(np.array([0.0, -0.0, -3.0, 200.0]))
    np.testing.assert_array_equal(got, [np.inf, -np.inf, np.nan, np.inf])
    # d Gamma / dx = Gamma(x) psi(x): at 1, -gamma
    assert fg.grad(special.gamma)(1.0) == pytest.approx(-EULER, rel=1e-14)


def _lgamma_near_one(t: float) -> Decimal:
    """lgamma(1 + t) = -gamma t + sum_k>=2 (-1)^k zeta(k) t^k / k, for |t| <= 1e-4."""
    d = E.D(t)
    zeta = [None, None, E.PI**2 / 6, Decimal(repr(ZETA3)), E.PI**4 / 90]
    return -EULER_D * d + sum((-1) ** k * zeta[k] * d**k / k for k in range(2, 5))


def test_gammaln_is_relatively_accurate_beside_its_zeros_at_1_and_2():
    for t in [1e-4, -1e-4, 1e-7, -1e-9, 3e-12, 1e-15]:
        near1 = _lgamma_near_one(t)
        assert abs(Decimal(float(special.gammaln(1.0 + t))) - near1) <= 8 * EPS_D * abs(near1) + (
            abs(near1) * Decimal(abs(1.0 + t - 1 - t) / abs(t))  # 1 + t rounds
        )
        near2 = near1 + E.log1p(E.D(t))  # lgamma(2 + t) = lgamma(1 + t) + log(1 + t)
        got = special.gammaln(2.0 + t)
        assert abs(Decimal(float(got)) - near2) <= 8 * EPS_D * abs(near2) + abs(
            Decimal(2.0 + t) - 2 - E.D(t)
        ) * Decimal("0.43"), (t, got, near2)  # lgamma'(2) = 1 - gamma


def test_gammaln_matches_math_elsewhere_and_poles():
    x = np.concatenate([np.linspace(2.6, 170, 200), np.linspace(-20.3, -0.1, 97), [1e-300, 1e300]])
    np.testing.assert_allclose(special.gammaln(x), [math.lgamma(v) for v in x], rtol=EPS)
    assert special.gammaln(0.5) == pytest.approx(0.5 * math.log(PI), rel=2 * EPS)
    np.testing.assert_array_equal(special.gammaln(np.array([0.0, -1.0, -7.0])), np.inf)
    assert special.gammaln(np.float32(3.5)).dtype == np.float32


# --- digamma, polygamma -------------------------------------------------------------------


def _gauss_digamma(p: int, q: int) -> float:
    """Gauss's digamma theorem for 0 < p < q."""
    s = sum(
        math.cos(2 * PI * k * p / q) * math.log(math.sin(PI * k / q))
        for k in range(1, (q + 1) // 2)
    )
    return -EULER - math.log(2 * q) - PI / 2 / math.tan(PI * p / q) + 2 * s


def test_digamma_closed_forms():
    assert special.digamma(1.0) == pytest.approx(-EULER, rel=2 * EPS)
    assert special.digamma(0.5) == pytest.approx(-EULER - 2 * math.log(2), rel=2 * EPS)
    n = np.arange(2, 40)
    harmonic = np.array([math.fsum(1 / k for k in range(1, m)) for m in n])
    np.testing.assert_allclose(special.digamma(n * 1.0), harmonic - EULER, rtol=4 * EPS)
    for q in range(2, 9):
        for p in range(1, q):
            if math.gcd(p, q) == 1:
                got = special.digamma(p / q)
                assert got == pytest.approx(_gauss_digamma(p, q), rel=8 * EPS), (p, q)


def test_digamma_near_its_positive_zero_is_relatively_accurate():
    # psi(3/2) = 2 - gamma - 2 log 2 = 0.0365 (the zero is at 1.4616): exact in decimal
    exact = 2 - EULER_D - 2 * E.ln(Decimal(2))
    assert abs(Decimal(float(special.digamma(1.5))) - exact) <= 4 * EPS_D * exact
    x0 = 1.4616321449683622
    assert abs(special.digamma(x0)) < 1e-16  # the zero, to within its rounding


def test_digamma_negative_axis_large_arguments_and_poles():
    # reflection: psi(-1/2) = psi(3/2); psi(-3/2) = psi(-1/2) + 2/3
    psi_3_2 = 2 - EULER - 2 * math.log(2)
    assert special.digamma(-0.5) == pytest.approx(psi_3_2, rel=8 * EPS)
    assert special.digamma(-1.5) == pytest.approx(psi_3_2 + 2 / 3, rel=8 * EPS)
    for x in [1e3, 1e8, 1e60]:
        asym = math.log(x) - 0.5 / x - 1 / (12 * x * x) + 1 / (120 * x**4)
        assert special.digamma(x) == pytest.approx(asym, rel=2 * EPS)
    assert special.digamma(1e300) == pytest.approx(math.log(1e300), rel=2 * EPS)
    got = special.digamma(np.array([0.0, -0.0, -1.0, -5.0, np.inf, -np.inf]))
    np.testing.assert_array_equal(got, [-np.inf, np.inf, np.nan, np.nan, np.inf, np.nan])


def _zeta_even(k: int) -> float:
    b = {2: 1 / 6, 4: -1 / 30, 6: 1 / 42, 8: -1 / 30}[k]
    return (-1) ** (k // 2 + 1) * b * (2 * PI) ** k / (2 * math.factorial(k))


def test_polygamma_closed_forms():
    assert special.polygamma(1, 1.0) == pytest.approx(PI**2 / 6, rel=2 * EPS)
    assert special.polygamma(1, 0.5) == pytest.approx(PI**2 / 2, rel=2 * EPS)
    assert special.polygamma(1, 0.25) == pytest.approx(PI**2 + 8 * CATALAN, rel=4 * EPS)
    assert special.polygamma(2, 1.0) == pytest.approx(-2 * ZETA3, rel=2 * EPS)
    assert special.polygamma(2, 0.5) == pytest.approx(-14 * ZETA3, rel=2 * EPS)
    for n in (1, 3, 5, 7):  # psi^(n)(1) = (-1)^(n+1) n! zeta(n + 1)
        exact = math.factorial(n) * _zeta_even(n + 1)
        assert special.polygamma(n, 1.0) == pytest.approx(exact, rel=4 * EPS), n
    np.testing.assert_array_equal(
        special.polygamma(0, np.array([0.5, 3.0])), special.digamma(np.array([0.5, 3.0]))
    )
    orders = special.polygamma(np.array([0, 1, 2]), np.array([[1.0], [0.5]]))
    assert orders.shape == (2, 3)
    assert orders[0, 1] == pytest.approx(PI**2 / 6, rel=2 * EPS)


@pytest.mark.parametrize("n", [1, 2, 3, 6, 12])
def test_polygamma_satisfies_multiplication_recurrence_and_reflection(n):
    x = np.linspace(0.05, 30.0, 67)
    for m in (2, 3):  # sum_k psi^(n)(x + k/m) = m^(n+1) psi^(n)(m x)
        lhs = sum(special.polygamma(n, x + k / m) for k in range(m))
        np.testing.assert_allclose(lhs, m ** (n + 1) * special.polygamma(n, m * x), rtol=16 * EPS)
    # psi^(n)(x + 1) = psi^(n)(x) + (-1)^n n! / x^(n+1)
    step = (-1) ** n * math.factorial(n) / x ** (n + 1)
    here = special.polygamma(n, x)  # the sum cancels for small x: bound by its terms
    error = np.abs(special.polygamma(n, x + 1) - (here + step))
    assert np.all(error <= 16 * EPS * (np.abs(here) + np.abs(step)))
    if n == 1:  # psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x), also for negative x
        z = np.array([-3.3, -1.7, -0.4, 0.3, 2.6])
        lhs = special.polygamma(1, 1 - z) + special.polygamma(1, z)
        np.testing.assert_allclose(lhs, PI**2 / np.sin(PI * z) ** 2, rtol=16 * EPS)


def test_the_derivative_chain():
    x = np.array([0.3, 1.4616, 2.0, 7.5, -0.5])
    np.testing.assert_array_equal(
        fg.grad(lambda v: special.gammaln(v).sum())(x), special.digamma(x)
    )
    np.testing.assert_array_equal(
        fg.grad(lambda v: special.digamma(v).sum())(x), special.polygamma(1, x)
    )
    np.testing.assert_array_equal(
        fg.grad(fg.grad(lambda v: special.polygamma(2, v)))(2.5), special.polygamma(4, 2.5)
    )
    _, t = fg.jvp(special.digamma, (2.0,), (1.0,))
    assert t == special.polygamma(1, 2.0)


def test_polygamma_order_errors():
    with pytest.raises(FuncgradValueError, match="polygamma: n must be >= 0, got -1"):
        special.polygamma(-1, 1.0)
    with pytest.raises(FuncgradValueError, match=r"polygamma: n must be integers, got 1\.5"):
        special.polygamma(1.5, 1.0)
    with pytest.raises(FuncgradTypeError, match="the order n is a traced float64 value"):
        fg.grad(lambda n: special.polygamma(n, 1.0))(1.0)
    # an integer-valued float order is accepted (scipy's behaviour)
    assert special.polygamma(2.0, 1.0) == special.polygamma(2, 1.0)


# --- xlogy, xlog1py, betaln ---------------------------------------------------------------


def test_xlogy_is_zero_at_x_zero_with_finite_derivatives():
    assert special.xlogy(0.0, 0.0) == 0.0 and special.xlogy(0.0, np.inf) == 0.0
    assert special.xlog1py(0.0, -1.0) == 0.0
    assert special.xlogy(3.0, 2.0) == 3.0 * math.log(2.0)
    assert special.xlog1py(3.0, 1e-10) == pytest.approx(3e-10, rel=2 * EPS)
    gx, gy = fg.grad(special.xlogy, argnums=(0, 1))(0.0, 2.0)  # JAX's: log y and x / y
    assert (gx, gy) == (math.log(2.0), 0.0)
    assert fg.grad(special.xlogy, argnums=1)(0.0, 0.0) == 0.0  # not NaN
    assert fg.grad(special.xlog1py, argnums=1)(0.0, -1.0) == 0.0
    hess = fg.hessian(lambda v: special.xlogy(v[0], v[1]))(np.array([0.0, 2.0]))
    np.testing.assert_allclose(hess, [[0.0, 0.5], [0.5, 0.0]])
    assert special.xlogy(np.float32(2.0), np.float32(3.0)).dtype == np.float32


def test_betaln():
    assert special.betaln(1.0, 1.0) == 0.0
    assert special.betaln(2.0, 3.0) == pytest.approx(math.log(1 / 12), rel=2 * EPS)
    assert special.betaln(0.5, 0.5) == pytest.approx(math.log(PI), rel=2 * EPS)


# --- ndtr, log_ndtr -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_ndtr_and_log_ndtr_are_relatively_accurate_in_both_tails(dtype):
    eps = float(np.finfo(dtype).eps)
    tiny = float(np.finfo(dtype).tiny)
    xs = np.concatenate([-np.logspace(-3, 3, 61), np.logspace(-3, 1.5, 46)]).astype(dtype)
    for x in xs:
        x = float(x)
        cond = Decimal(eps * (2 * x * x + 2))  # x / sqrt 2 is rounded; Phi's is about x^2
        exact = E.ndtr(x)
        got = special.ndtr(dtype(x))
        assert got.dtype == dtype
        if exact > Decimal(tiny):
            assert abs(Decimal(float(got)) - exact) <= 4 * cond * exact, x
        log_exact = E.ln(exact) if exact > Decimal("1e-300") else None
        got = special.log_ndtr(dtype(x))
        assert got.dtype == dtype and np.isfinite(got)
        if log_exact is not None and abs(log_exact) > Decimal(tiny):
            assert abs(Decimal(float(got)) - log_exact) <= 4 * cond * abs(log_exact), x
        slope = fg.grad(special.log_ndtr)(dtype(x))  # phi / Phi
        if exact > Decimal("1e-300") and E.npdf(x) > Decimal(tiny):
            ratio = E.npdf(x) / exact
            assert abs(Decimal(float(slope)) - ratio) <= 8 * cond * ratio, x


def test_log_ndtr_far_left_tail():
    # log Phi(-40) in 60 digits: Phi(-40) = 3.7e-350 underflows, its log does not
    exact = E.ln(E.ndtr(-40.0))
    assert abs(Decimal(float(special.log_ndtr(-40.0))) - exact) <= 2 * EPS_D * abs(exact)
    assert special.log_ndtr(-1e5) == pytest.approx(
        -5e9 - math.log(1e5) - 0.5 * math.log(2 * PI), rel=EPS
    )
    assert fg.grad(special.log_ndtr)(-1e5) == pytest.approx(1e5 + 1e-5, rel=EPS)
    assert np.isfinite(fg.grad(fg.grad(special.log_ndtr))(-40.0))


# --- logsumexp ----------------------------------------------------------------------------


def test_logsumexp_is_scipys():
    a = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -np.inf]])
    np.testing.assert_allclose(
        special.logsumexp(a, axis=1), [np.log(np.exp([1, 2, 3]).sum()), 1000 + np.log(2)], rtol=EPS
    )
    out, sign = special.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0]), return_sign=True)
    assert out == pytest.approx(math.log(math.e**2 - math.e), rel=2 * EPS) and sign == -1.0
    with np.errstate(invalid="ignore"):
        assert np.isnan(special.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0])))
    b = np.array([[0.5, 0.0, 2.0]])
    got = special.logsumexp(a, axis=1, b=b, keepdims=True)
    expected = [[np.log((b[0] * np.exp(a[0])).sum())], [1000 + np.log(0.5)]]  # b = 0 drops -inf
    np.testing.assert_allclose(got, expected, rtol=2 * EPS)
    out, sign = special.logsumexp(np.array([-np.inf, -np.inf]), return_sign=True)
    assert out == -np.inf and sign == 0.0
    g = fg.grad(lambda x, w: special.logsumexp(x, b=w), argnums=(0, 1))(
        np.array([0.0, 1.0]), np.array([2.0, 3.0])
    )
    total = 2 + 3 * math.e
    np.testing.assert_allclose(g[0], [2 / total, 3 * math.e / total], rtol=2 * EPS)
    np.testing.assert_allclose(g[1], [1 / total, math.e / total], rtol=2 * EPS)
