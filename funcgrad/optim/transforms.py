"""Gradient transformations that scale, accumulate, decay or perturb updates, as in optax.

Each factory returns a ``GradientTransformation``; a stateful one has its frozen attrs
state class right above it. Every formula is written once, here, with ``funcgrad.numpy``
and Python operators only, so that updates run under ``grad``, ``vmap`` and ``jit``
(arrays may be tracers). In the equations ``g`` is an incoming update leaf, ``p`` the
matching parameter, ``t`` the step number counted from 1, and all operations are
elementwise unless a norm is named. The moment-based rescalings (Adam, RMSProp, ...) live
in ``optim.moments``, weight decay and noise in ``optim.adding``. This module imports only
``funcgrad.tree``, ``funcgrad.numpy``, ``optim.base`` and the private helpers.
"""

from __future__ import annotations

from typing import Any

import attrs

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree

from ._numerics import (
    Numeric,
    bias_correction,
    cast_like,
    increment,
    safe_norm,
    safe_root_mean_squares,
    update_moment,
    zero_count,
)
from ._structure import map_updates
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
    require_params,
)

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


def set_to_zero() -> GradientTransformation:
    """Replace every update by zeros (freezes parameters, e.g. in ``multi_transform``).

    ``u = 0``. Stateless.

    Example:
      >>> import numpy as np
      >>> set_to_zero().update(np.array([1.0, -2.0]), None)[0]
      array([0., 0.])
    """

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        del params
        return fgtree.map(fnp.zeros_like, updates), state

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


# --- trace (momentum) and ema ----------------------------------------------------------


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

        new_trace = map_updates(accumulate, updates, state.trace, where="trace")
        updates = fgtree.map(accumulate, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(trace=new_trace)

    return GradientTransformation(init, update)


@attrs.frozen
class EmaState:
    """The step count (int32) and the moving average ``ema`` of the updates."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    ema: Updates = attrs.field(eq=LEAFWISE_EQ)


def ema(
    decay: Numeric, debias: bool = True, accumulator_dtype: Any | None = None
) -> GradientTransformation:
    """An exponential moving average of past updates (optionally debiased).

    With ``e_0 = 0``::

        e_t = (1 - decay) * g_t + decay * e_{t-1}
        u_t = e_t / (1 - decay**t)       (debias=True)
        u_t = e_t                        (debias=False)

    Unlike ``trace`` (``m_t = g_t + decay * m_{t-1}``) the new update is weighted by
    ``1 - decay``.

    Args:
      decay: the decay of the average.
      debias: divide by ``1 - decay**t`` (Adam's bias correction).
      accumulator_dtype: the dtype ``e`` is stored in; ``None`` keeps the params'.
    """

    def init(params: Params) -> EmaState:
        zeros = fgtree.map(lambda p: fnp.zeros_like(p, dtype=accumulator_dtype), params)
        return EmaState(count=zero_count(), ema=zeros)

    def update(
        updates: Updates, state: EmaState, params: Params | None = None
    ) -> tuple[Updates, EmaState]:
        del params
        new_ema = map_updates(
            lambda g, e: update_moment(g, e, decay), updates, state.ema, where="ema"
        )
        count = increment(state.count)
        if debias:
            updates = fgtree.map(lambda e: bias_correction(e, decay, count), new_ema)
        else:
            updates = new_ema
        if accumulator_dtype is not None:
            new_ema = fgtree.map(lambda e: e.astype(accumulator_dtype), new_ema)
        return updates, EmaState(count=count, ema=new_ema)

    return GradientTransformation(init, update)


# --- apply_every -----------------------------------------------------------------------


@attrs.frozen
class ApplyEveryState:
    """The step counter modulo ``k`` (int32) and the accumulated updates (optax's ApplyEvery)."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    grad_acc: Updates = attrs.field(eq=LEAFWISE_EQ)


def apply_every(k: int = 1) -> GradientTransformation:
    """Accumulate updates and emit their sum every ``k`` steps (zeros in between).

    With ``c = count mod k`` (count from 0) and ``a_0 = 0``::

        a = g_t + a        if c != 0,   a = g_t   if c == 0
        u_t = a            if c == k - 1,   0 otherwise

    In a chain, the transformations before it still update their states every step;
    ``MultiSteps`` accumulates before the whole optimizer instead.

    Args:
      k: emit every ``k``-th step.

    Example:
      >>> import numpy as np
      >>> opt = apply_every(2)
      >>> state = opt.init(np.zeros(1))
      >>> u1, state = opt.update(np.ones(1), state)
      >>> u2, state = opt.update(np.ones(1), state)
      >>> u1, u2
      (array([0.]), array([2.]))
    """

    def init(params: Params) -> ApplyEveryState:
        return ApplyEveryState(count=zero_count(), grad_acc=fgtree.map(fnp.zeros_like, params))

    def update(
        updates: Updates, state: ApplyEveryState, params: Params | None = None
    ) -> tuple[Updates, ApplyEveryState]:
        del params
        c = state.count % k
        keep, emit = c != 0, c == k - 1
        grad_acc = map_updates(
            lambda g, a: fnp.where(keep, a + g, g), updates, state.grad_acc, where="apply_every"
        )
        updates = fgtree.map(lambda a: fnp.where(emit, a, fnp.zeros_like(a)), grad_acc)
        return updates, ApplyEveryState(count=increment(state.count) % k, grad_acc=grad_acc)

    return GradientTransformation(init, update)


# --- per-parameter-block scalings ------------------------------------------------------


def scale_by_trust_ratio(
    min_norm: Numeric = 0.0, trust_coefficient: Numeric = 1.0, eps: Numeric = 0.0
) -> GradientTransformation:
    """Scale each leaf's update by its trust ratio ``||p|| / ||u||`` (LARS, LAMB).

    For every leaf, with norms over the whole leaf (``sqrt(sum |x|**2)``, at least
    ``min_norm``)::

        r = trust_coefficient * ||p|| / (||g|| + eps)
        u = g * r            (u = g where ||p|| == 0 or ||g|| == 0)

    Stateless; ``update`` requires ``params``.

    Example:
      >>> import numpy as np
      >>> p = np.array([3.0, 4.0])
      >>> scale_by_trust_ratio().update(np.array([0.6, 0.0]), None, p)[0]
      array([5., 0.])
    """

    def scale_leaf(g: Numeric, p: Numeric) -> Numeric:
        param_norm = safe_norm(p, min_norm)
        update_norm = safe_norm(g, min_norm)
        denominator = update_norm + eps
        zero_norm = fnp.logical_or(param_norm == 0, update_norm == 0)
        # The inner where keeps x/0 out of the discarded branch (no warning, finite
        # derivatives); there the ratio is replaced by 1 anyway.
        ratio = trust_coefficient * param_norm / fnp.where(denominator == 0, 1, denominator)
        return g * cast_like(fnp.where(zero_norm, 1.0, ratio), g)

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        params = require_params(params, "scale_by_trust_ratio")
        where = "scale_by_trust_ratio"
        return map_updates(scale_leaf, updates, params, where=where, against="params"), state

    return GradientTransformation(init_empty, update)


def scale_by_param_block_rms(min_scale: Numeric = 1e-3) -> GradientTransformation:
    """Scale each leaf's update by the root mean square of its parameters (Adafactor).

    ``u = g * max(sqrt(mean |p|**2), min_scale)``, the mean over the whole leaf.
    Stateless; ``update`` requires ``params``.
    """

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        params = require_params(params, "scale_by_param_block_rms")
        updates = map_updates(
            lambda g, p: g * cast_like(safe_root_mean_squares(p, min_scale), g),
            updates,
            params,
            where="scale_by_param_block_rms",
            against="params",
        )
        return updates, state

    return GradientTransformation(init_empty, update)
