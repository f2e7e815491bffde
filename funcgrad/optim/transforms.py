"""The gradient transformations that optimizers are chained from, with optax's formulas.

Each factory returns a ``GradientTransformation``; a stateful one has its frozen attrs
state class right above it. Every formula is written once, here, with ``funcgrad.numpy``
and Python operators only, so that updates run under ``grad``, ``vmap`` and ``jit``
(arrays may be tracers). In the equations ``g`` is an incoming update leaf, ``t`` the
step number counted from 1, and all operations are elementwise. This module imports only
``funcgrad.tree``, ``funcgrad.numpy`` and ``optim.base``.
"""

from __future__ import annotations

import attrs

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree

from ._numerics import Numeric, cast_like, increment, zero_count
from .base import (
    LEAFWISE_EQ,
    GradientTransformation,
    OptState,
    Params,
    ScalarOrSchedule,
    Schedule,
    Updates,
    identity,
    init_empty,
)

# --- shared moment helpers (optax's update_moment and bias_correction) ---------------


def _ema(x: Numeric, average: Numeric, decay: Numeric) -> Numeric:
    decay = cast_like(decay, x)
    return (1 - decay) * x + decay * average


def _debias(average: Numeric, decay: Numeric, count: Numeric) -> Numeric:
    # 1 - decay**t is computed in float64 (a Python float to an int32 power), then cast like
    # optax does, so that a float32 state does not round it at small t.
    return average / cast_like(1 - fnp.power(decay, count), average)


# --- scale -----------------------------------------------------------------------------


def scale(step_size: Numeric) -> GradientTransformation:
    """Multiply every update by a fixed scalar.

    ``u = step_size * g``. Stateless (state ``EmptyState``).

    Args:
      step_size: a scalar; Python floats (and arrays or tracers, which are cast to each
        leaf's dtype) keep float32 updates float32.

    Example:
      >>> scale(0.5).update({"w": 3.0}, None)[0]
      {'w': 1.5}
    """

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        del params
        return fgtree.map(lambda g: cast_like(step_size, g) * g, updates), state

    return GradientTransformation(init_empty, update)


@attrs.frozen
class ScaleByScheduleState:
    """The step count ``count`` (int32, starting at 0) fed to the schedule."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)


def scale_by_schedule(step_size_fn: Schedule) -> GradientTransformation:
    """Multiply updates by a scalar that depends on the step count.

    ``u = step_size_fn(count) * g``, then ``count <- count + 1``; the first update uses
    ``step_size_fn(0)``. The schedule's value is cast to each leaf's dtype.

    Args:
      step_size_fn: a schedule, ``count -> scalar`` (see ``funcgrad.optim.schedules``).
    """

    def init(params: Params) -> ScaleByScheduleState:
        del params
        return ScaleByScheduleState(count=zero_count())

    def update(
        updates: Updates, state: ScaleByScheduleState, params: Params | None = None
    ) -> tuple[Updates, ScaleByScheduleState]:
        del params
        step_size = step_size_fn(state.count)
        updates = fgtree.map(lambda g: cast_like(step_size, g) * g, updates)
        return updates, ScaleByScheduleState(count=increment(state.count))

    return GradientTransformation(init, update)


def scale_by_learning_rate(
    learning_rate: ScalarOrSchedule | None, *, flip_sign: bool = True
) -> GradientTransformation:
    """Multiply updates by ``-learning_rate`` (a descent step), a float or a schedule.

    ``u = -lr * g`` (``+lr * g`` with ``flip_sign=False``). A float gives ``scale``; a
    schedule gives ``scale_by_schedule`` with ``lr = learning_rate(count)``; ``None``
    gives ``identity()``.
    """
    if learning_rate is None:
        return identity()
    sign = -1 if flip_sign else 1
    if callable(learning_rate):
        schedule = learning_rate
        return scale_by_schedule(lambda count: sign * schedule(count))
    return scale(sign * learning_rate)


# --- trace (momentum) ------------------------------------------------------------------


@attrs.frozen
class TraceState:
    """The momentum buffer ``trace`` (structure and dtypes of the params)."""

    trace: Updates = attrs.field(eq=LEAFWISE_EQ)


def trace(decay: Numeric, nesterov: bool = False) -> GradientTransformation:
    """Heavy-ball momentum: accumulate a decaying sum of past updates.

    With ``m_0 = 0``::

        m_t = g_t + decay * m_{t-1}
        u_t = m_t                        (nesterov=False)
        u_t = g_t + decay * m_t          (nesterov=True)

    Args:
      decay: the momentum coefficient, e.g. 0.9.
      nesterov: use Nesterov's look-ahead form.
    """

    def init(params: Params) -> TraceState:
        return TraceState(trace=fgtree.map(fnp.zeros_like, params))

    def update(
        updates: Updates, state: TraceState, params: Params | None = None
    ) -> tuple[Updates, TraceState]:
        del params

        def accumulate(g: Numeric, m: Numeric) -> Numeric:
            return g + cast_like(decay, g) * m

        new_trace = fgtree.map(accumulate, updates, state.trace)
        updates = fgtree.map(accumulate, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(trace=new_trace)

    return GradientTransformation(init, update)


# --- scale_by_adam ---------------------------------------------------------------------


@attrs.frozen
class ScaleByAdamState:
    """Adam's step count (int32) and first and second moment estimates."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    mu: Updates = attrs.field(eq=LEAFWISE_EQ)
    nu: Updates = attrs.field(eq=LEAFWISE_EQ)


def scale_by_adam(
    b1: Numeric = 0.9, b2: Numeric = 0.999, eps: Numeric = 1e-8, eps_root: Numeric = 0.0
) -> GradientTransformation:
    """Rescale updates by Adam's bias-corrected moment estimates (Kingma & Ba, 2014).

    With ``m_0 = v_0 = 0`` and ``t = 1, 2, ...``::

        m_t = (1 - b1) * g_t + b1 * m_{t-1}
        v_t = (1 - b2) * g_t**2 + b2 * v_{t-1}
        m_hat = m_t / (1 - b1**t)
        v_hat = v_t / (1 - b2**t)
        u_t = m_hat / (sqrt(v_hat + eps_root) + eps)

    Args:
      b1: decay of the first moment (mean of gradients).
      b2: decay of the second moment (mean of squared gradients).
      eps: added to the denominator outside the square root.
      eps_root: added inside the square root (keeps derivatives through the update
        finite, e.g. for meta-learning).
    """

    def init(params: Params) -> ScaleByAdamState:
        zeros = fgtree.map(fnp.zeros_like, params)
        return ScaleByAdamState(count=zero_count(), mu=zeros, nu=zeros)

    def update(
        updates: Updates, state: ScaleByAdamState, params: Params | None = None
    ) -> tuple[Updates, ScaleByAdamState]:
        del params
        mu = fgtree.map(lambda g, m: _ema(g, m, b1), updates, state.mu)
        nu = fgtree.map(lambda g, v: _ema(fnp.square(g), v, b2), updates, state.nu)
        count = increment(state.count)

        def step(m: Numeric, v: Numeric) -> Numeric:
            v_hat = _debias(v, b2, count)
            denominator = fnp.sqrt(v_hat + cast_like(eps_root, v)) + cast_like(eps, v)
            return _debias(m, b1, count) / denominator

        updates = fgtree.map(step, mu, nu)
        return updates, ScaleByAdamState(count=count, mu=mu, nu=nu)

    return GradientTransformation(init, update)


# --- scale_by_rms ----------------------------------------------------------------------


@attrs.frozen
class ScaleByRmsState:
    """RMSProp's running mean of squared updates ``nu``."""

    nu: Updates = attrs.field(eq=LEAFWISE_EQ)


def scale_by_rms(
    decay: Numeric = 0.9,
    eps: Numeric = 1e-8,
    initial_scale: Numeric = 0.0,
    eps_in_sqrt: bool = True,
) -> GradientTransformation:
    """Rescale updates by the root of a running mean of their squares (RMSProp).

    With ``v_0 = initial_scale``::

        v_t = (1 - decay) * g_t**2 + decay * v_{t-1}
        u_t = g_t / sqrt(v_t + eps)          (eps_in_sqrt=True, optax's default)
        u_t = g_t / (sqrt(v_t) + eps)        (eps_in_sqrt=False, PyTorch's form)

    Args:
      decay: decay of the running mean of squared updates.
      eps: keeps the denominator away from zero.
      initial_scale: initial value of ``v`` (PyTorch uses 0, TF1 used 1).
      eps_in_sqrt: where ``eps`` is added, as above.
    """

    def init(params: Params) -> ScaleByRmsState:
        return ScaleByRmsState(nu=fgtree.map(lambda p: fnp.full_like(p, initial_scale), params))

    def update(
        updates: Updates, state: ScaleByRmsState, params: Params | None = None
    ) -> tuple[Updates, ScaleByRmsState]:
        del params
        nu = fgtree.map(lambda g, v: _ema(fnp.square(g), v, decay), updates, state.nu)

        def step(g: Numeric, v: Numeric) -> Numeric:
            if eps_in_sqrt:
                return g / fnp.sqrt(v + cast_like(eps, v))
            return g / (fnp.sqrt(v) + cast_like(eps, v))

        return fgtree.map(step, updates, nu), ScaleByRmsState(nu=nu)

    return GradientTransformation(init, update)


# --- scale_by_adagrad ------------------------------------------------------------------


@attrs.frozen
class ScaleByAdagradState:
    """Adagrad's running sum of squared updates (optax's ``ScaleByRssState``)."""

    sum_of_squares: Updates = attrs.field(eq=LEAFWISE_EQ)


def scale_by_adagrad(
    initial_accumulator_value: Numeric = 0.1, eps: Numeric = 1e-7
) -> GradientTransformation:
    """Rescale updates by the root of the sum of all their squares so far (Adagrad).

    This is optax's ``scale_by_rss``. With ``s_0 = initial_accumulator_value``::

        s_t = s_{t-1} + g_t**2
        u_t = g_t / sqrt(s_t + eps)     where s_t > 0, and 0 where s_t == 0

    Args:
      initial_accumulator_value: starting value of ``s``; must be >= 0.
      eps: added inside the square root.
    """

    def init(params: Params) -> ScaleByAdagradState:
        return ScaleByAdagradState(
            sum_of_squares=fgtree.map(
                lambda p: fnp.full_like(p, initial_accumulator_value), params
            )
        )

    def update(
        updates: Updates, state: ScaleByAdagradState, params: Params | None = None
    ) -> tuple[Updates, ScaleByAdagradState]:
        del params
        sum_of_squares = fgtree.map(lambda g, s: fnp.square(g) + s, updates, state.sum_of_squares)

        def step(g: Numeric, s: Numeric) -> Numeric:
            positive = s > 0
            # The inner where keeps 0/0 out of the discarded branch (no warning, no NaN
            # in derivatives) when eps == 0.
            safe = fnp.where(positive, s + cast_like(eps, s), 1)
            return fnp.where(positive, g / fnp.sqrt(safe), 0)

        return fgtree.map(step, updates, sum_of_squares), ScaleByAdagradState(sum_of_squares)

    return GradientTransformation(init, update)


# --- add_decayed_weights ---------------------------------------------------------------


def add_decayed_weights(weight_decay: Numeric = 0.0) -> GradientTransformation:
    """Add the parameters scaled by ``weight_decay`` (decoupled weight decay, AdamW).

    ``u = g + weight_decay * p``. Stateless; ``update`` requires ``params``. Placed
    before the learning-rate scaling, the decay is multiplied by the learning rate.

    Raises:
      ValueError: from ``update``, when ``params`` is not given.
    """

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        if params is None:
            raise ValueError(
                "add_decayed_weights needs the parameters: call "
                "`opt.update(grads, state, params)` with the current params"
            )
        updates = fgtree.map(lambda g, p: g + cast_like(weight_decay, g) * p, updates, params)
        return updates, state

    return GradientTransformation(init_empty, update)
