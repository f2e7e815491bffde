"""Activations and the losses built on them: relative accuracy for |x| up to 1000, and the
derivative at every kink (JAX's values).

The sweep compares values and first derivatives, in float64 and float32, with exact
references (tests/nn/exact.py, 60-digit ``decimal``) over a log-spaced grid of both signs.
The error of an entry is ``|got - ref| / max(|ref|, tiny)`` (``tiny``: the dtype's smallest
normal number, so underflow to 0 or a subnormal counts as exact), and the bound is a few
roundings, ``ulps * eps``. Where a function rounds an intermediate (the tanh-GELU's cubic,
``x / sqrt 2`` in the erf-GELU) the exact result moves by that rounding times the
function's condition number, which the row's ``cond`` gives. (Derivatives of every order,
vmap and jit are the table's business: rows ``nn.*`` in tests/primitives/table_nn.py.)
"""

from __future__ import annotations

import math
from decimal import Decimal

import attrs
import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn

from . import exact as E

GRID = np.concatenate([-np.logspace(-4, 3, 57), np.logspace(-4, 3, 57)])
_C = (2 / E.PI).sqrt()  # the tanh-GELU's sqrt(2 / pi), exact


def _gelu_u(x: float) -> Decimal:
    d = E.D(x)
    return 2 * _C * (d + Decimal("0.044715") * d**3)


def _gelu_u_deriv(x: float) -> Decimal:
    return 2 * _C * (1 + 3 * Decimal("0.044715") * E.D(x) ** 2)


def _exact_gelu_deriv(x: float) -> Decimal:
    return E.ndtr(x) + E.D(x) * E.npdf(x)


def _cancellation(*terms) -> float:
    """sum |t| / |sum t|: how much a sum of these terms amplifies their roundings."""
    total = abs(sum(terms))
    return float(sum(abs(t) for t in terms) / total) if total else math.inf


def _gelu_deriv_terms(x: float) -> tuple[Decimal, Decimal]:
    u = float(_gelu_u(x))
    return E.sigmoid(u), E.D(x) * _gelu_u_deriv(x) * E.sigmoid_deriv(u)


def _piecewise(value, slope):
    return lambda x: Decimal(value(x)), lambda x: Decimal(slope(x))


@attrs.frozen
class Act:
    name: str
    fun: object
    value: object  # exact value, x -> Decimal
    deriv: object  # exact first derivative
    cond: object = lambda x: 0.0  # condition number of a rounded intermediate
    ulps: float = 8.0
    deriv_cond: object = None  # the derivative's, when its terms cancel (default: cond)


ACTIVATIONS = [
    Act("sigmoid", nn.sigmoid, E.sigmoid, E.sigmoid_deriv),
    Act("log_sigmoid", nn.log_sigmoid, lambda x: -E.softplus(-x), lambda x: E.sigmoid(-x)),
    Act("softplus", nn.softplus, E.softplus, E.sigmoid),
    Act(
        "silu",
        nn.silu,
        lambda x: E.D(x) * E.sigmoid(x),
        lambda x: E.sigmoid(x) + E.D(x) * E.sigmoid_deriv(x),
        # near silu's minimum (x = -1.28) the two terms of the derivative cancel
        cond=lambda x: abs(x) * float(E.sigmoid_deriv(x)) / abs(float(E.sigmoid(x)) + 1e-300),
    ),
    Act("tanh", nn.tanh, E.tanh, E.tanh_deriv),
    Act(
        "elu",
        nn.elu,
        lambda x: E.D(x) if x > 0 else E.expm1(x),
        lambda x: Decimal(1) if x > 0 else E.exp(E.D(x)),
    ),
    Act("relu", nn.relu, *_piecewise(lambda x: max(x, 0.0), lambda x: float(x > 0))),
    Act(
        "relu6",
        nn.relu6,
        *_piecewise(lambda x: min(max(x, 0.0), 6.0), lambda x: float(0 < x < 6)),
    ),
    Act(
        "hard_tanh",
        nn.hard_tanh,
        *_piecewise(lambda x: min(max(x, -1.0), 1.0), lambda x: float(-1 <= x <= 1)),
    ),
    Act(
        "leaky_relu",
        nn.leaky_relu,
        lambda x: E.D(x) if x >= 0 else Decimal("0.01") * E.D(x),
        lambda x: Decimal(1) if x >= 0 else Decimal("0.01"),
    ),
    Act(
        "gelu",
        nn.gelu,
        lambda x: E.D(x) * E.sigmoid(float(_gelu_u(x))) if abs(x) > 1e-300 else Decimal(0),
        lambda x: (
            E.sigmoid(float(_gelu_u(x)))
            + E.D(x) * _gelu_u_deriv(x) * E.sigmoid_deriv(float(_gelu_u(x)))
        ),
        # u = 2c (x + 0.044715 x^3) is rounded (and c is): sigmoid(u) moves by u sigmoid(-u)
        cond=lambda x: 4 * abs(float(_gelu_u(x))) * float(E.sigmoid(-float(_gelu_u(x)))),
        ulps=16.0,
        # gelu' crosses 0 near x = -0.75, where its two terms cancel
        deriv_cond=lambda x: 4 * abs(float(_gelu_u(x))) + _cancellation(*_gelu_deriv_terms(x)),
    ),
    Act(
        "gelu_exact",
        lambda x: nn.gelu(x, approximate=False),
        lambda x: E.D(x) * E.ndtr(x),
        _exact_gelu_deriv,
        # z = x / sqrt 2 is rounded: Phi(x) moves by x phi(x) / Phi(x) (about x^2 for x < 0)
        cond=lambda x: 2 * x * x + 2.0,
        ulps=16.0,
        deriv_cond=lambda x: 2 * x * x + 2.0 + _cancellation(E.ndtr(x), E.D(x) * E.npdf(x)),
    ),
]


def _rel_err(got: np.ndarray, ref: Decimal, dtype) -> float:
    tiny = Decimal(float(np.finfo(dtype).tiny))
    diff = abs(Decimal(float(got)) - ref)
    return float(diff / max(abs(ref), tiny))


def _check_sweep(act: Act, dtype, derivative: bool) -> None:
    eps = float(np.finfo(dtype).eps)
    f = fg.grad(act.fun) if derivative else act.fun
    reference = act.deriv if derivative else act.value
    worst = []
    for x in GRID.astype(dtype):
        got = f(x)
        assert np.asarray(got).dtype == dtype, (act.name, x, np.asarray(got).dtype)
        assert np.isfinite(got), (act.name, x, got)
        err = _rel_err(got, reference(float(x)), dtype)
        cond = act.deriv_cond if derivative and act.deriv_cond is not None else act.cond
        bound = act.ulps * eps * (1.0 + cond(float(x)))
        if err > bound:
            worst.append((err / bound, float(x), float(got), float(reference(float(x)))))
    assert not worst, f"{act.name}: (error / bound, x, got, exact): {sorted(worst)[-3:]}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
def test_values_are_relatively_accurate_up_to_1000(act, dtype):
    _check_sweep(act, dtype, derivative=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
def test_derivatives_are_relatively_accurate_up_to_1000(act, dtype):
    _check_sweep(act, dtype, derivative=True)


def test_swish_is_silu():
    assert nn.swish is nn.silu


def test_sigmoid_at_minus_30_is_exact_to_a_rounding():
    # the example: 0.5 * (tanh(x / 2) + 1) was off by 2e-4 relative here
    exact = 1.0 / (1.0 + math.exp(30.0))
    assert abs(nn.sigmoid(-30.0) - exact) <= 2 * np.finfo(float).eps * exact


# --- kinks: JAX's derivative at every one ------------------------------------------------

KINKS = [
    ("relu", nn.relu, 0.0, 0.0),
    ("relu6 at 0", nn.relu6, 0.0, 0.0),
    ("relu6 at 6", nn.relu6, 6.0, 0.0),
    ("hard_tanh at -1", nn.hard_tanh, -1.0, 1.0),
    ("hard_tanh at 1", nn.hard_tanh, 1.0, 1.0),
    ("leaky_relu", nn.leaky_relu, 0.0, 1.0),
    ("elu", nn.elu, 0.0, 1.0),
    ("elu alpha=2", lambda x: nn.elu(x, alpha=2.0), 0.0, 2.0),
    ("tanh at 0", nn.tanh, 0.0, 1.0),
    ("tanh at the branch switch", nn.tanh, 0.5, 1.0 - math.tanh(0.5) ** 2),
    ("sigmoid at 0", nn.sigmoid, 0.0, 0.25),
    ("silu at 0", nn.silu, 0.0, 0.5),
    ("gelu at 0", nn.gelu, 0.0, 0.5),
]


@pytest.mark.parametrize(("name", "fun", "x", "slope"), KINKS, ids=[k[0] for k in KINKS])
def test_derivative_at_kinks_is_jaxs(name, fun, x, slope):
    assert fg.grad(fun)(x) == pytest.approx(slope, rel=1e-15, abs=0)
    _, forward = fg.jvp(fun, (x,), (1.0,))
    assert forward == pytest.approx(slope, rel=1e-15, abs=0)


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
@pytest.mark.parametrize(
    "fun", [nn.sigmoid, nn.tanh, nn.elu, nn.softplus, nn.log_sigmoid, nn.silu, nn.gelu]
)
def test_second_derivatives_stay_finite(fun, x):
    assert np.isfinite(fg.grad(fg.grad(fun))(x))


# --- log-sum-exp family and the cross-entropies, on logits (x, 0) -------------------------


def _pair_sweep():
    return [x for x in GRID if x > 0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_log_softmax_of_a_dominant_logit_is_relatively_accurate(dtype):
    eps = float(np.finfo(dtype).eps)
    for x in _pair_sweep():
        logits = np.array([x, 0.0], dtype)
        x = float(logits[0])
        got = nn.log_softmax(logits)
        small = -E.log1p(E.exp(-E.D(x)))  # log_softmax of the dominant entry, near 0
        assert _rel_err(got[0], small, dtype) <= 4 * eps, (x, got)
        assert _rel_err(got[1], small - E.D(x), dtype) <= 4 * eps, (x, got)
        lse = nn.logsumexp(logits)
        assert _rel_err(lse, E.D(x) - small, dtype) <= 4 * eps, (x, lse)
        # the derivative of the dominant term: softmax, 1 - sigmoid(-x) and sigmoid(-x)
        g = fg.grad(lambda z: nn.log_softmax(z)[0])(logits)
        assert _rel_err(g[1], -E.sigmoid(-x), dtype) <= 8 * eps, (x, g)
        assert np.asarray(got).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_cross_entropies_keep_relative_accuracy_for_confident_logits(dtype):
    eps = float(np.finfo(dtype).eps)
    for x in GRID:
        x = float(dtype(x))
        logit = np.array([x], dtype)
        for label, exact in ((1.0, E.softplus(-x)), (0.0, E.softplus(x))):
            y = np.array([label], dtype)
            got = nn.sigmoid_binary_cross_entropy(logit, y)
            assert _rel_err(got, exact, dtype) <= 8 * eps, (x, label, got)
            g = fg.grad(nn.sigmoid_binary_cross_entropy)(logit, y)[0]
            slope = -E.sigmoid(-x) if label else E.sigmoid(x)
            assert _rel_err(g, slope, dtype) <= 8 * eps, (x, label, g)
        if x > 0:
            pair = np.array([[x, 0.0]], dtype)
            ce = nn.softmax_cross_entropy(pair, np.array([[1.0, 0.0]], dtype))
            assert _rel_err(ce, E.softplus(-x), dtype) <= 8 * eps, (x, ce)
            ice = nn.softmax_cross_entropy_with_integer_labels(pair, np.array([0]))
            assert _rel_err(ice, E.softplus(-x), dtype) <= 8 * eps, (x, ice)


def test_logsumexp_handles_ties_infinities_and_axes():
    x = np.array([[3.0, 3.0, 1.0], [-np.inf, 0.0, -np.inf]])
    expected = np.log(np.exp(x).sum(axis=1))
    np.testing.assert_allclose(nn.logsumexp(x, axis=1), expected, rtol=1e-15)
    np.testing.assert_allclose(nn.logsumexp(x, axis=(0, 1)), np.log(np.exp(x).sum()), 1e-15)
    assert nn.logsumexp(x, axis=1, keepdims=True).shape == (2, 1)
    # tied maxima share the derivative: the softmax
    g = fg.grad(lambda z: nn.logsumexp(z))(np.array([3.0, 3.0, 1.0]))
    np.testing.assert_allclose(g, np.exp([3.0, 3.0, 1.0]) / np.exp([3.0, 3.0, 1.0]).sum())
    assert nn.logsumexp(np.array([np.inf, 0.0])) == np.inf
