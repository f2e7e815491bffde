"""Schedules at their boundary steps, with plain-int and int32-array counts."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import funcgrad.optim as optim


def at(schedule: optim.Schedule, count: int) -> float:
    """The schedule's value for the count as a Python int and as the state's int32."""
    from_int = float(schedule(count))
    from_state = float(schedule(np.asarray(count, dtype=np.int32)))
    assert from_int == from_state
    return from_int


def test_constant_schedule() -> None:
    schedule = optim.constant_schedule(0.3)
    assert [at(schedule, t) for t in (0, 1, 10**6)] == [0.3, 0.3, 0.3]


def test_exponential_decay_continuous() -> None:
    schedule = optim.exponential_decay(2.0, transition_steps=10, decay_rate=0.5)
    assert at(schedule, 0) == 2.0
    assert at(schedule, 10) == 1.0
    assert at(schedule, 20) == 0.5
    assert at(schedule, 5) == pytest.approx(2.0 * 0.5**0.5, rel=1e-15)
    assert at(schedule, 9) == pytest.approx(2.0 * 0.5**0.9, rel=1e-15)


def test_exponential_decay_staircase_jumps_at_multiples() -> None:
    schedule = optim.exponential_decay(2.0, 10, 0.5, staircase=True)
    assert [at(schedule, t) for t in (0, 9, 10, 19, 20, 29)] == [2.0, 2.0, 1.0, 1.0, 0.5, 0.5]


def test_exponential_decay_positional_staircase() -> None:
    # API.md: exponential_decay(init_value, transition_steps, decay_rate, staircase=False)
    assert at(optim.exponential_decay(1.0, 4, 0.5, True), 3) == 1.0


def test_exponential_decay_transition_begin_and_end_value() -> None:
    schedule = optim.exponential_decay(
        1.0, 10, 0.1, transition_begin=5, end_value=0.05, staircase=True
    )
    assert [at(schedule, t) for t in (0, 5, 14, 15, 25, 100)] == [1.0, 1.0, 1.0, 0.1, 0.05, 0.05]
    growing = optim.exponential_decay(1.0, 1, 2.0, end_value=8.0)
    assert [at(growing, t) for t in (0, 2, 3, 4)] == [1.0, 4.0, 8.0, 8.0]


@pytest.mark.parametrize(("steps", "rate"), [(0, 0.5), (-3, 0.5), (10, 0.0)])
def test_exponential_decay_degenerate_is_constant(steps: int, rate: float) -> None:
    schedule = optim.exponential_decay(0.7, steps, rate)
    assert [at(schedule, t) for t in (0, 10, 1000)] == [0.7, 0.7, 0.7]


def test_cosine_decay_schedule() -> None:
    schedule = optim.cosine_decay_schedule(2.0, decay_steps=100)
    assert at(schedule, 0) == 2.0
    assert at(schedule, 50) == pytest.approx(1.0, rel=1e-15)
    assert at(schedule, 25) == pytest.approx(2.0 * 0.5 * (1 + math.cos(math.pi / 4)), rel=1e-15)
    assert at(schedule, 100) == 0.0
    assert at(schedule, 150) == 0.0


def test_cosine_decay_schedule_alpha_is_the_floor() -> None:
    schedule = optim.cosine_decay_schedule(2.0, decay_steps=10, alpha=0.1)
    assert at(schedule, 0) == pytest.approx(2.0, rel=1e-15)
    assert at(schedule, 10) == pytest.approx(0.2, rel=1e-15)
    assert at(schedule, 1000) == pytest.approx(0.2, rel=1e-15)
    values = [at(schedule, t) for t in range(12)]
    assert all(a >= b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("steps", [0, -1])
def test_cosine_decay_schedule_rejects_nonpositive_steps(steps: int) -> None:
    with pytest.raises(ValueError, match="decay_steps"):
        optim.cosine_decay_schedule(1.0, steps)


def test_piecewise_constant_schedule_applies_scale_at_the_boundary() -> None:
    schedule = optim.piecewise_constant_schedule(1.0, {20: 0.5, 10: 0.1})
    assert [at(schedule, t) for t in (0, 9, 10, 11, 19, 20, 1000)] == [
        1.0,
        1.0,
        0.1,
        0.1,
        0.1,
        0.05,
        0.05,
    ]


def test_piecewise_constant_schedule_without_boundaries() -> None:
    assert at(optim.piecewise_constant_schedule(0.4), 100) == 0.4
    assert at(optim.piecewise_constant_schedule(0.4, {}), 100) == 0.4


def test_piecewise_constant_schedule_rejects_negative_scales() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        optim.piecewise_constant_schedule(1.0, {5: -0.1})


def test_linear_schedule() -> None:
    schedule = optim.linear_schedule(1.0, 0.2, transition_steps=8)
    assert at(schedule, 0) == 1.0
    assert at(schedule, 2) == pytest.approx(0.8, rel=1e-15)
    assert at(schedule, 8) == pytest.approx(0.2, rel=1e-15)
    assert at(schedule, 100) == pytest.approx(0.2, rel=1e-15)


def test_linear_schedule_transition_begin() -> None:
    schedule = optim.linear_schedule(0.0, 1.0, transition_steps=4, transition_begin=3)
    assert [at(schedule, t) for t in (0, 3, 4, 5, 7, 9)] == [0.0, 0.0, 0.25, 0.5, 1.0, 1.0]


def test_linear_schedule_without_steps_is_constant() -> None:
    assert at(optim.linear_schedule(0.3, 1.0, transition_steps=0), 50) == 0.3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimizer_reads_the_schedule_at_counts_0_1_2(dtype: type) -> None:
    seen = []

    def schedule(count):
        seen.append(int(count))
        return np.float64(0.5) * (count + 1)

    opt = optim.sgd(schedule)
    params = np.ones(2, dtype)
    state = opt.init(params)
    for step in range(3):
        updates, state = opt.update(np.ones(2, dtype), state, params)
        assert updates.dtype == dtype
        np.testing.assert_array_equal(updates, -0.5 * (step + 1))
    assert seen == [0, 1, 2]


def test_join_schedules_switches_at_the_boundaries_with_shifted_counts() -> None:
    seen = []

    def later(count):
        seen.append(int(count))
        return 10.0 + count

    schedule = optim.join_schedules([optim.constant_schedule(1.0), later], [5])
    assert [at(schedule, t) for t in (0, 4, 5, 6)] == [1.0, 1.0, 10.0, 11.0]
    assert set(seen) == {-5, -1, 0, 1}  # every schedule is evaluated, at count - boundary
    three = optim.join_schedules(
        [optim.constant_schedule(1.0), optim.constant_schedule(2.0), lambda c: 3.0 + c], [2, 4]
    )
    assert [at(three, t) for t in (1, 2, 3, 4, 5)] == [1.0, 2.0, 2.0, 3.0, 4.0]


def test_warmup_cosine_decay_schedule() -> None:
    schedule = optim.warmup_cosine_decay_schedule(0.1, 1.0, 10, 110, end_value=0.2)
    assert at(schedule, 0) == pytest.approx(0.1, rel=1e-15)
    assert at(schedule, 5) == pytest.approx(0.55, rel=1e-15)
    assert at(schedule, 10) == pytest.approx(1.0, rel=1e-15)
    assert at(schedule, 60) == pytest.approx(0.2 + 0.8 * 0.5, rel=1e-15)
    assert at(schedule, 110) == pytest.approx(0.2, rel=1e-15)
    assert at(schedule, 500) == pytest.approx(0.2, rel=1e-15)
    squared = optim.warmup_cosine_decay_schedule(0.0, 1.0, 0, 100, exponent=2.0)
    assert at(squared, 50) == pytest.approx(0.25, rel=1e-15)
    zero_peak = optim.warmup_cosine_decay_schedule(0.5, 0.0, 4, 8, end_value=0.3)
    assert at(zero_peak, 2) == pytest.approx(0.25) and at(zero_peak, 8) == 0.0


def test_warmup_exponential_decay_schedule() -> None:
    schedule = optim.warmup_exponential_decay_schedule(
        0.0, 1.0, warmup_steps=4, transition_steps=2, decay_rate=0.5, transition_begin=1
    )
    assert [at(schedule, t) for t in (0, 2, 4, 5, 7, 9)] == [0.0, 0.5, 1.0, 1.0, 0.5, 0.25]
    stairs = optim.warmup_exponential_decay_schedule(
        0.0, 1.0, 2, 2, 0.5, staircase=True, end_value=0.3
    )
    assert [at(stairs, t) for t in (2, 3, 4, 5, 6, 20)] == [1.0, 1.0, 0.5, 0.5, 0.3, 0.3]
