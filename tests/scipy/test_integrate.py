"""funcgrad.scipy.integrate.odeint: values and adjoint gradients (in y0, t and args) against
closed forms for exponential decay and the harmonic oscillator, gradients against finite
differences of odeint itself on nonlinear systems, pytrees, dtypes, solver controls and
the errors of unsupported transformations."""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError
from funcgrad.scipy.integrate import odeint
from funcgrad.testing import numerical_grad

TS = np.array([0.0, 0.3, 1.1, 2.0])


def decay(y, t, k):
    return -k * y


def oscillator(s, t, w):  # x'' = -w^2 x as (x, v)
    return fnp.stack([s[1], -(w**2) * s[0]])


def oscillator_exact(s0, ts, w):
    c, s = np.cos(w * ts), np.sin(w * ts)
    return np.stack([s0[0] * c + s0[1] / w * s, -s0[0] * w * s + s0[1] * c], axis=1)


# --- exponential decay -------------------------------------------------------------------


def test_decay_values():
    y0, k = np.array([1.0, -2.0, 0.5]), np.array(0.8)
    ys = odeint(decay, y0, TS, k)
    assert ys.shape == (4, 3) and ys.dtype == np.float64
    np.testing.assert_allclose(ys, y0 * np.exp(-k * TS)[:, None], rtol=1e-7)
    np.testing.assert_array_equal(ys[0], y0)


def test_decay_gradients_in_y0_args_and_t():
    # L = sum_i sum_j y_j(t_i)^2 = |y0|^2 sum_i exp(-2k (t_i - t_0))
    y0, k = np.array([1.0, -2.0]), np.array(0.8)

    def loss(y0, ts, k):
        return fnp.sum(odeint(decay, y0, ts, k) ** 2)

    g_y0, g_t, g_k = fg.grad(loss, argnums=(0, 1, 2))(y0, TS, k)
    e = np.exp(-2 * k * (TS - TS[0]))
    sq = y0 @ y0
    np.testing.assert_allclose(g_y0, 2 * y0 * e.sum(), rtol=1e-6)
    np.testing.assert_allclose(g_k, sq * np.sum(-2 * (TS - TS[0]) * e), rtol=1e-6)
    want_t = sq * (-2 * k) * e
    want_t[0] = -want_t[1:].sum()  # moving t0 shifts every later output the other way
    np.testing.assert_allclose(g_t, want_t, rtol=1e-6, atol=1e-9)


# --- harmonic oscillator -----------------------------------------------------------------


def test_oscillator_values_over_several_periods():
    s0, w = np.array([1.0, 0.5]), np.array(1.7)
    ts = np.linspace(0.0, 12.0, 7)
    got = odeint(oscillator, s0, ts, w)
    np.testing.assert_allclose(got, oscillator_exact(s0, ts, w), atol=1e-6)


def test_oscillator_gradients_match_closed_forms():
    s0, w = np.array([1.0, 0.5]), np.array(1.3)
    big_t = TS[-1]

    def final_x(s0, ts, w):
        return odeint(oscillator, s0, ts, w)[-1, 0]

    g_s0, g_t, g_w = fg.grad(final_x, argnums=(0, 1, 2))(s0, TS, w)
    # x(T) = x0 cos(wT) + v0 sin(wT) / w
    np.testing.assert_allclose(g_s0, [np.cos(w * big_t), np.sin(w * big_t) / w], rtol=1e-6)
    dx_dw = -s0[0] * big_t * np.sin(w * big_t) + s0[1] * (
        big_t * np.cos(w * big_t) / w - np.sin(w * big_t) / w**2
    )
    np.testing.assert_allclose(g_w, dx_dw, rtol=1e-6)
    v_end = oscillator_exact(s0, TS, w)[-1, 1]  # dx(T)/dT = v(T) = -dx(T)/dt0
    np.testing.assert_allclose(g_t, [-v_end, 0.0, 0.0, v_end], rtol=1e-6, atol=1e-9)


def test_vjp_with_a_full_cotangent_is_linear():
    s0, w = np.array([1.0, 0.5]), np.array(1.3)
    ys, pullback = fg.vjp(lambda s0: odeint(oscillator, s0, TS, w), s0)
    u, v = np.ones_like(ys), np.arange(ys.size, dtype=float).reshape(ys.shape)
    (gu,), (gv,), (guv,) = pullback(u), pullback(v), pullback(2 * u - v)
    np.testing.assert_allclose(guv, 2 * gu - gv, rtol=1e-6, atol=1e-8)
    # the flow of a linear ODE is linear: J^T u for x(t_i) = Phi(t_i) s0 in closed form
    phis = [oscillator_exact(e, TS, w) for e in np.eye(2)]  # columns of Phi(t_i)
    np.testing.assert_allclose(gu, [np.sum(p) for p in phis], rtol=1e-6)


# --- nonlinear systems against finite differences of odeint itself ----------------------------


def lotka_volterra(y, t, params):
    a, b = params["growth"], params["predation"]
    prey, predator = y[0], y[1]
    return fnp.stack([a * prey - b * prey * predator, b * prey * predator - predator])


def pendulum(state, t, length, damping):  # non-autonomous forcing: f depends on t
    theta, omega = state["theta"], state["omega"]
    return {
        "theta": omega,
        "omega": -9.81 / length * fnp.sin(theta) - damping * omega + 0.3 * fnp.cos(2.0 * t),
    }


def test_lotka_volterra_gradients_match_finite_differences():
    y0 = np.array([1.2, 0.8])
    params = {"growth": np.array(1.1), "predation": np.array(0.6)}
    ts = np.array([0.0, 0.7, 1.5])

    def loss(y0, ts, params):
        ys = odeint(lotka_volterra, y0, ts, params, rtol=1e-10, atol=1e-10)
        return fnp.sum(ys[1:] * np.array([[1.0, -0.5], [0.3, 2.0]]))

    got = fg.grad(loss, argnums=(0, 1, 2))(y0, ts, params)
    want = numerical_grad(loss, y0, ts, params, eps=1e-5)
    for g, w in zip(fg.tree.leaves(got), fg.tree.leaves(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_pytree_state_and_time_dependent_field_match_finite_differences():
    state = {"theta": np.array(0.4), "omega": np.array(-0.2)}
    ts = np.array([0.1, 0.6, 1.4])

    def loss(state, ts, length):
        ys = odeint(pendulum, state, ts, length, 0.2, rtol=1e-10, atol=1e-10)
        return fnp.sum(ys["theta"] ** 2) + ys["omega"][-1]

    got = fg.grad(loss, argnums=(0, 1, 2))(state, ts, np.array(1.5))
    want = numerical_grad(loss, state, ts, np.array(1.5), eps=1e-5)
    for g, w in zip(fg.tree.leaves(got), fg.tree.leaves(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


# --- structure, dtypes and solver controls ------------------------------------------------


def test_pytrees_dtypes_and_constant_args():
    def f(y, t, p):
        return {"a": -p["k"] * y["a"], "b": fnp.sum(y["a"]) * p["n"]}

    y0 = {"a": np.ones(2, np.float32), "b": np.zeros(())}
    out = odeint(f, y0, TS, {"k": 1.0, "n": 3})
    assert out["a"].shape == (4, 2) and out["a"].dtype == np.float32
    assert out["b"].shape == (4,) and out["b"].dtype == np.float64
    np.testing.assert_allclose(out["b"], 6 * (1 - np.exp(-TS)), rtol=1e-6)
    g = fg.grad(lambda y0: odeint(f, y0, TS, {"k": 1.0, "n": 3})["b"][-1])(y0)
    assert g["a"].dtype == np.float32
    np.testing.assert_allclose(g["a"], 3 * (1 - np.exp(-TS[-1])), rtol=1e-5)
    single = odeint(decay, np.array([2.0]), np.array([0.5]), 1.0)
    np.testing.assert_array_equal(single, [[2.0]])


def test_hmax_and_tolerances_control_the_steps():
    calls = []

    def counting(y, t):
        calls.append(float(t))
        return -y

    odeint(counting, np.array(1.0), np.array([0.0, 1.0]), hmax=0.01)
    assert len(calls) >= 100 * 6  # six new stages per step, steps of at most 0.01
    loose = odeint(decay, np.array(1.0), np.array([0.0, 3.0]), 1.0, rtol=1e-3, atol=1e-3)
    tight = odeint(decay, np.array(1.0), np.array([0.0, 3.0]), 1.0, rtol=1e-12, atol=1e-12)
    assert abs(tight[1] - np.exp(-3.0)) < 1e-11 < abs(loose[1] - np.exp(-3.0))


# --- errors -------------------------------------------------------------------------------


def test_untraceable_transformations_raise_clearly():
    y0 = np.array([1.0, 2.0])
    solve = lambda y0: odeint(decay, y0, TS, 0.7)  # noqa: E731 (a one-line fixture)
    attempts = [
        lambda: fg.jvp(solve, (y0,), (y0,)),
        lambda: fg.jacfwd(solve)(y0),
        lambda: fg.jacrev(solve)(y0),
        lambda: fg.vmap(solve)(np.ones((3, 2))),
        lambda: fg.hessian(lambda y0: solve(y0).sum())(y0),
        lambda: fg.grad(lambda k: fg.grad(lambda y: odeint(decay, y, TS, k).sum())(y0)[0])(
            np.array(0.7)
        ),
    ]
    for attempt in attempts:
        with pytest.raises(
            FuncgradTypeError,
            match=r"reverse-mode derivatives of first order|only a reverse-mode rule",
        ):
            attempt()


def test_closures_over_traced_values_are_refused():
    def loss(k):
        return odeint(lambda y, t: -k * y, np.array(1.0), TS).sum()

    with pytest.raises(FuncgradTypeError, match="closes over a value being differentiated"):
        fg.grad(loss)(np.array(0.5))


def test_bad_inputs_name_the_argument():
    y0 = np.array([1.0])
    with pytest.raises(FuncgradValueError, match="strictly increasing"):
        odeint(decay, y0, TS[::-1], 1.0)
    with pytest.raises(FuncgradTypeError, match="`t` must be a non-empty 1-D float"):
        odeint(decay, y0, np.array([0, 1]), 1.0)
    with pytest.raises(FuncgradTypeError, match="leaf 0 has dtype int64"):
        odeint(decay, np.array([1]), TS, 1.0)
    with pytest.raises(FuncgradValueError, match="structure and shapes of y0"):
        odeint(lambda y, t: fnp.concatenate([y, y]), y0, TS)
    with pytest.raises(FuncgradValueError, match="mxstep=3 steps"):
        odeint(decay, y0, TS, 1.0, mxstep=3)
    with pytest.raises(FuncgradValueError, match="`rtol` must be a positive number"):
        odeint(decay, y0, TS, 1.0, rtol=0.0)
    with pytest.raises(FuncgradTypeError, match="contents of \\*args"):
        odeint(lambda y, t, s: -y, y0, TS, "fast")
    with pytest.raises(FuncgradValueError, match="step size underflowed"):
        odeint(lambda y, t: y * y, y0, np.array([0.0, 2.0]))  # blows up at t = 1
