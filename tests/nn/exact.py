"""Exact references for the accuracy tests: Python's ``decimal`` at 60 digits.

Each function takes a float and returns a ``Decimal`` accurate to far more digits than a
float64 holds, computed only by forms without cancellation (``exp(-|x|)`` based), so
results like ``sigmoid(-700)`` or ``log_sigmoid(1000) = -exp(-1000)`` are exact too. No
scipy, no mpmath: ``exp``, ``ln`` and ``sqrt`` of ``decimal``, series for ``erfc``.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

PREC = 60
PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459")


def D(x: float) -> Decimal:
    return Decimal(float(x))


def exp(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PREC
        return x.exp()


def log1p(t: Decimal) -> Decimal:
    """log(1 + t), also for tiny t (where 1 + t would round in 60 digits)."""
    with localcontext() as ctx:
        ctx.prec = PREC
        if abs(t) < Decimal("1e-20"):
            return t - t * t / 2 + t * t * t / 3
        return (1 + t).ln()


def sigmoid(x: float) -> Decimal:
    e = exp(-abs(D(x)))
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


def sigmoid_deriv(x: float) -> Decimal:
    e = exp(-abs(D(x)))
    return e / ((1 + e) * (1 + e))


def softplus(x: float) -> Decimal:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|)."""
    return max(D(x), Decimal(0)) + log1p(exp(-abs(D(x))))


def tanh(x: float) -> Decimal:
    e = exp(-2 * abs(D(x)))
    if abs(x) < 1e-6:  # 1 - e cancels: the series x - x^3/3 + 2x^5/15
        d = D(x)
        return d - d**3 / 3 + 2 * d**5 / 15
    t = (1 - e) / (1 + e)
    return t if x >= 0 else -t


def tanh_deriv(x: float) -> Decimal:
    e = exp(-2 * abs(D(x)))
    return 4 * e / ((1 + e) * (1 + e))


def expm1(x: float) -> Decimal:
    d = D(x)
    if abs(x) < 1e-6:
        return d + d * d / 2 + d**3 / 6 + d**4 / 24
    return exp(d) - 1


def erfc(z: Decimal) -> Decimal:
    """erfc by the Taylor series of erf (|z| < 3) or the continued fraction (z >= 3)."""
    with localcontext() as ctx:
        ctx.prec = PREC + 20
        if z < 0:
            return 2 - erfc(-z)
        if z < 3:
            term, total, n = z, z, 0
            while abs(term) > Decimal(10) ** -(PREC + 10):
                n += 1
                term = -term * z * z / n
                total += term / (2 * n + 1)
            return 1 - 2 / PI.sqrt() * total
        # erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))),
        # evaluated bottom-up from a depth that converges for z >= 3
        frac = z
        for k in range(400, 0, -1):
            frac = z + Decimal(k) / 2 / frac
        return (-z * z).exp() / PI.sqrt() / frac


def ndtr(x: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PREC + 20
        return erfc(-D(x) / Decimal(2).sqrt()) / 2


def npdf(x: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PREC + 20
        d = D(x)
        return (-d * d / 2).exp() / (2 * PI).sqrt()


def ln(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PREC
        return x.ln()
