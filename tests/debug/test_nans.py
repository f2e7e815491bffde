"""``fg.debug_nans``: the first NaN/Inf, forward or backward, eager or jitted, named."""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.errors import FuncgradFloatingPointError


def sqrt_of_negative(x):
    return fnp.sum(fnp.sqrt(x))


def where_trap(x):
    return fnp.sum(fnp.where(x > 0, fnp.sqrt(x), 0.0))


def double_where(x):
    safe = fnp.where(x > 0, x, 1.0)
    return fnp.sum(fnp.where(x > 0, fnp.sqrt(safe), 0.0))


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(lambda f, x: f(x), id="eager"),
        pytest.param(lambda f, x: fg.grad(f)(x), id="grad"),
        pytest.param(lambda f, x: [fg.jit(f)(x) for _ in range(2)], id="jit"),
        pytest.param(lambda f, x: fg.vmap(f)(x[None]), id="vmap"),
    ],
)
def test_a_forward_nan_names_the_primitive_the_line_and_the_inputs(run):
    with fg.debug_nans(), pytest.raises(FuncgradFloatingPointError) as e:
        run(sqrt_of_negative, np.array([1.0, -1.0]))
    text = str(e.value)
    assert "`sqrt`" in text and "forward pass" in text and "test_nans.py:" in text
    assert "in [-1, 1]" in text


def test_the_where_trap_is_recognised_in_the_backward_pass():
    x = np.array([1.0, 0.0])
    with fg.debug_nans(), pytest.raises(FuncgradFloatingPointError) as e:
        fg.grad(where_trap)(x)
    text = str(e.value)
    assert "VJP of `sqrt`" in text and "backward pass" in text and "double-where" in text
    assert "test_nans.py:" in text
    with fg.debug_nans():
        np.testing.assert_array_equal(fg.grad(double_where)(x), [0.5, 0.0])


def test_nothing_is_checked_outside_the_block():
    with np.errstate(invalid="ignore"):
        assert np.isnan(sqrt_of_negative(np.array([1.0, -1.0])))
    with np.errstate(divide="ignore", invalid="ignore"):
        g = fg.grad(where_trap)(np.array([1.0, 0.0]))
    assert np.isnan(g[1])  # the trap itself, silently (numpy's semantics)


def test_nans_from_the_inputs_are_not_blamed_on_a_primitive():
    with fg.debug_nans():
        assert np.isnan(fnp.sum(np.array([1.0, np.nan]) * 2.0))
