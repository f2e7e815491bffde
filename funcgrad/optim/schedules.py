"""Schedules: functions from the step count to a hyperparameter value, as in optax.

A schedule is called with the optimizer's step count (an int32 scalar from the state,
starting at 0, possibly a tracer under ``jit`` or ``vmap``), so it is written with
``funcgrad.numpy`` and never branches in Python on the count. Values come out in float64
(or as given for constants); ``scale_by_schedule`` casts them to each leaf's dtype.
Imports only ``funcgrad.numpy``, ``funcgrad.core.errors``, ``optim.base`` and
``optim._numerics``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import funcgrad.numpy as fnp
from funcgrad.core.errors import FuncgradValueError

from ._numerics import Numeric
from .base import Schedule


def constant_schedule(value: Numeric) -> Schedule:
    """``count -> value`` for every step.

    Example:
      >>> constant_schedule(0.1)(1000)
      0.1
    """
    return lambda count: value


def exponential_decay(
    init_value: Numeric,
    transition_steps: int,
    decay_rate: float,
    staircase: bool = False,
    *,
    transition_begin: int = 0,
    end_value: Numeric | None = None,
) -> Schedule:
    """Exponential decay: ``init_value * decay_rate ** ((count - begin) / transition_steps)``.

    With ``p = (count - transition_begin) / transition_steps`` (rounded down to an integer
    when ``staircase``)::

        value = init_value                         if count <= transition_begin
        value = init_value * decay_rate ** p       otherwise

    then bounded by ``end_value`` when given (a floor when ``decay_rate < 1``, a ceiling
    otherwise). As in optax, ``transition_steps <= 0`` or ``decay_rate == 0`` give the
    constant ``init_value``.

    Args:
      init_value: the value up to ``transition_begin``.
      transition_steps: steps over which the value is multiplied by ``decay_rate`` once.
      decay_rate: the factor per ``transition_steps``.
      staircase: decay in discrete jumps every ``transition_steps`` steps.
      transition_begin: keyword-only; steps to hold ``init_value`` before decaying.
      end_value: keyword-only; the bound described above.

    Example:
      >>> schedule = exponential_decay(1.0, transition_steps=10, decay_rate=0.5)
      >>> float(schedule(0)), float(schedule(5)), float(schedule(20))
      (1.0, 0.7071067811865476, 0.25)
    """
    if transition_steps <= 0 or decay_rate == 0:
        return constant_schedule(init_value)
    transition_begin = max(transition_begin, 0)

    def schedule(count: Numeric) -> Numeric:
        decayed_steps = count - transition_begin
        p = decayed_steps / transition_steps
        if staircase:
            p = fnp.floor(p)
        value = fnp.where(decayed_steps <= 0, init_value, init_value * fnp.power(decay_rate, p))
        if end_value is None:
            return value
        bound = fnp.maximum if decay_rate < 1 else fnp.minimum
        return bound(value, end_value)

    return schedule


def cosine_decay_schedule(
    init_value: Numeric, decay_steps: int, alpha: Numeric = 0.0, exponent: Numeric = 1.0
) -> Schedule:
    """Cosine decay from ``init_value`` to ``alpha * init_value`` over ``decay_steps``.

    With ``c = min(count, decay_steps)`` (Loshchilov & Hutter, 2017)::

        cosine = 0.5 * (1 + cos(pi * c / decay_steps))
        value = init_value * ((1 - alpha) * cosine**exponent + alpha)

    Args:
      init_value: the value at step 0.
      decay_steps: positive number of decay steps; the value stays at
        ``alpha * init_value`` afterwards.
      alpha: the final value as a fraction of ``init_value``.
      exponent: power applied to the cosine factor.

    Raises:
      FuncgradValueError: if ``decay_steps`` is not positive.

    Example:
      >>> schedule = cosine_decay_schedule(1.0, decay_steps=100, alpha=0.1)
      >>> float(schedule(0)), float(schedule(50)), float(schedule(200))
      (1.0, 0.55, 0.1)
    """
    if not decay_steps > 0:
        raise FuncgradValueError(
            f"cosine_decay_schedule requires a positive `decay_steps`, got {decay_steps!r}"
        )

    def schedule(count: Numeric) -> Numeric:
        count = fnp.minimum(count, decay_steps)
        cosine = 0.5 * (1 + fnp.cos(math.pi * count / decay_steps))
        return init_value * ((1 - alpha) * cosine**exponent + alpha)

    return schedule


def piecewise_constant_schedule(
    init_value: Numeric, boundaries_and_scales: dict[int, float] | None = None
) -> Schedule:
    """``init_value`` times the product of the scales whose boundary has been reached.

    ``value = init_value * prod(scale_i for boundary_i, scale_i in boundaries_and_scales
    if count >= boundary_i)``: at step ``boundary_i`` the new value is already in force.

    Args:
      init_value: the value before the first boundary.
      boundaries_and_scales: ``{step: scale}``; scales must be non-negative.

    Raises:
      FuncgradValueError: if a scale is negative.

    Example:
      >>> schedule = piecewise_constant_schedule(1.0, {10: 0.1, 20: 0.5})
      >>> [float(schedule(t)) for t in (9, 10, 19, 20)]
      [1.0, 0.1, 0.1, 0.05]
    """
    items = sorted((boundaries_and_scales or {}).items())
    negative = {b: s for b, s in items if s < 0}
    if negative:
        raise FuncgradValueError(
            f"piecewise_constant_schedule expects non-negative scales, got {negative}"
        )

    def schedule(count: Numeric) -> Numeric:
        value = init_value
        for boundary, factor in items:
            value = fnp.where(count >= boundary, value * factor, value)
        return value

    return schedule


def linear_schedule(
    init_value: Numeric, end_value: Numeric, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """Linear interpolation from ``init_value`` to ``end_value`` over ``transition_steps``.

    With ``c = clip(count - transition_begin, 0, transition_steps)``::

        value = (init_value - end_value) * (1 - c / transition_steps) + end_value

    so ``init_value`` until ``transition_begin`` and ``end_value`` from
    ``transition_begin + transition_steps`` on. ``transition_steps <= 0`` gives the
    constant ``init_value``, as in optax.

    Example:
      >>> schedule = linear_schedule(1.0, 0.0, transition_steps=4)
      >>> [float(schedule(t)) for t in (0, 1, 4, 9)]
      [1.0, 0.75, 0.0, 0.0]
    """
    if transition_steps <= 0:
        return constant_schedule(init_value)
    transition_begin = max(transition_begin, 0)

    def schedule(count: Numeric) -> Numeric:
        done = fnp.clip(count - transition_begin, 0, transition_steps)
        return (init_value - end_value) * (1 - done / transition_steps) + end_value

    return schedule


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Run ``schedules`` one after another, switching at ``boundaries``.

    Schedule ``i + 1`` takes over at step ``boundaries[i]`` and is called with the steps
    since that boundary, ``count - boundaries[i]``.

    Args:
      schedules: the schedules, in order.
      boundaries: the steps where the next one takes over (one fewer than schedules).

    Raises:
      FuncgradValueError: if there is not exactly one boundary fewer than schedules.

    Example:
      >>> schedule = join_schedules([constant_schedule(1.0), linear_schedule(1.0, 0.0, 4)], [2])
      >>> [float(schedule(t)) for t in (0, 1, 2, 3, 6)]
      [1.0, 1.0, 1.0, 0.75, 0.0]
    """
    schedules, boundaries = list(schedules), list(boundaries)
    if len(boundaries) != len(schedules) - 1:
        raise FuncgradValueError(
            f"join_schedules needs one boundary fewer than schedules, got {len(schedules)} "
            f"schedules and {len(boundaries)} boundaries ({boundaries})"
        )

    def schedule(count: Numeric) -> Numeric:
        value = schedules[0](count)
        for boundary, later in zip(boundaries, schedules[1:], strict=True):
            value = fnp.where(count < boundary, value, later(count - boundary))
        return value

    return schedule


def warmup_cosine_decay_schedule(
    init_value: Numeric,
    peak_value: Numeric,
    warmup_steps: int,
    decay_steps: int,
    end_value: Numeric = 0.0,
    exponent: Numeric = 1.0,
) -> Schedule:
    """Linear warmup from ``init_value`` to ``peak_value``, then cosine decay to ``end_value``.

    ``join_schedules([linear_schedule(init_value, peak_value, warmup_steps),
    cosine_decay_schedule(peak_value, decay_steps - warmup_steps, end_value / peak_value,
    exponent)], [warmup_steps])``: ``decay_steps`` counts the warmup too, and the value
    is ``end_value`` from step ``decay_steps`` on.

    Args:
      init_value: the value at step 0.
      peak_value: the value at the end of the warmup.
      warmup_steps: length of the linear warmup.
      decay_steps: total length of warmup plus decay; must exceed ``warmup_steps``.
      end_value: the final value.
      exponent: power applied to the cosine factor (see ``cosine_decay_schedule``).

    Raises:
      FuncgradValueError: if ``decay_steps <= warmup_steps``.

    Example:
      >>> schedule = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=2, decay_steps=6)
      >>> [round(float(schedule(t)), 6) for t in (0, 1, 2, 4, 6, 9)]
      [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    if not decay_steps > warmup_steps:
        raise FuncgradValueError(
            "warmup_cosine_decay_schedule requires `decay_steps` (the total length, warmup "
            f"included) to exceed `warmup_steps`, got decay_steps={decay_steps!r}, "
            f"warmup_steps={warmup_steps!r}"
        )
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return join_schedules(
        [
            linear_schedule(init_value, peak_value, warmup_steps),
            cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent),
        ],
        [warmup_steps],
    )


def warmup_exponential_decay_schedule(
    init_value: Numeric,
    peak_value: Numeric,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: Numeric | None = None,
) -> Schedule:
    """Linear warmup from ``init_value`` to ``peak_value``, then exponential decay.

    ``join_schedules([linear_schedule(init_value, peak_value, warmup_steps),
    exponential_decay(peak_value, transition_steps, decay_rate, staircase,
    transition_begin=..., end_value=...)], [warmup_steps])``; the decay counts its steps
    from the end of the warmup.

    Args:
      init_value: the value at step 0.
      peak_value: the value at the end of the warmup.
      warmup_steps: length of the linear warmup.
      transition_steps: steps per factor of ``decay_rate`` (see ``exponential_decay``).
      decay_rate: the factor per ``transition_steps``.
      transition_begin: steps after the warmup to hold ``peak_value`` before decaying.
      staircase: decay in discrete jumps.
      end_value: a floor (``decay_rate < 1``) or ceiling on the decayed value.

    Example:
      >>> schedule = warmup_exponential_decay_schedule(0.0, 1.0, 2, 1, 0.5)
      >>> [float(schedule(t)) for t in (0, 1, 2, 3, 4)]
      [0.0, 0.5, 1.0, 0.5, 0.25]
    """
    return join_schedules(
        [
            linear_schedule(init_value, peak_value, warmup_steps),
            exponential_decay(
                peak_value,
                transition_steps,
                decay_rate,
                staircase,
                transition_begin=transition_begin,
                end_value=end_value,
            ),
        ],
        [warmup_steps],
    )
