"""Derivatives follow numpy's floating semantics: a Python ``0.0`` operand never raises.

``a / 0.0`` under ``grad`` or ``jvp`` gives numpy's inf/nan with numpy's RuntimeWarning,
as the forward does; rules never do Python-float arithmetic on an operand that may be a
Python scalar. Each elementwise row of two or more arrays runs with one operand replaced
by a Python ``0.0`` (differentiating the others) and must give exactly what the same
call gives with a 0-d float64 array ``0.0`` there (numpy arithmetic throughout).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

from ._draw import draw_case
from .table_elementwise import ELEMENTWISE

ROWS = [s for s in ELEMENTWISE if s.differentiable]


def _derivatives(f, args, position, zero):
    """(forward value, VJP cotangents, JVP tangent) of ``f`` with ``args[position]`` =
    ``zero``; RuntimeWarnings recorded, any other exception propagates."""
    full = list(args)
    full[position] = zero
    others = [i for i in range(len(args)) if i != position]

    def g(*xs):
        call = list(full)
        for i, x in zip(others, xs, strict=True):
            call[i] = x
        return f(*call)

    xs = tuple(args[i] for i in others)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, pullback = fg.vjp(g, *xs)
        x_bars = pullback(np.ones_like(out))
        _, t = fg.jvp(g, xs, tuple(np.ones_like(x) for x in xs))
    kinds = {type(w.message) for w in caught}
    assert kinds <= {RuntimeWarning}, kinds
    return out, x_bars, t


@pytest.mark.parametrize("spec", ROWS, ids=lambda s: s.name)
@given(data=st.data())
def test_a_python_zero_operand_follows_numpy(spec, data):
    f, args = draw_case(spec, data)
    if len(args) < 2 or any(np.iscomplexobj(a) for a in args):
        return
    for position in range(len(args)):
        got = _derivatives(f, args, position, 0.0)
        expected = _derivatives(f, args, position, np.asarray(0.0))
        for g, e in zip(fg.tree.leaves(got), fg.tree.leaves(expected), strict=True):
            np.testing.assert_array_equal(g, e)


def test_division_by_a_python_zero_under_grad_and_jvp():
    x = np.array([1.0, -2.0, 0.0])
    with pytest.warns(RuntimeWarning):
        g = fg.grad(lambda a: fnp.sum(a / 0.0))(x)
    np.testing.assert_array_equal(g, [np.inf, np.inf, np.inf])
    with pytest.warns(RuntimeWarning):
        _, t = fg.jvp(lambda a: a / 0, (x,), (np.ones(3),))
    np.testing.assert_array_equal(t, [np.inf, np.inf, np.inf])


def test_reductions_dividing_by_zero_counts_give_numpy_nan():
    one = np.array([2.0])
    with pytest.warns(RuntimeWarning):
        g = fg.grad(lambda a: fnp.std(a, ddof=1))(one)
    np.testing.assert_array_equal(g, [np.nan])
    with pytest.warns(RuntimeWarning):
        _, t = fg.jvp(lambda a: fnp.var(a, ddof=1), (one,), (np.ones(1),))
    np.testing.assert_array_equal(t, np.nan)
    empty = np.zeros((0, 2))
    with pytest.warns(RuntimeWarning):
        out, pullback = fg.vjp(lambda a: fnp.mean(a, axis=0), empty)
    np.testing.assert_array_equal(out, [np.nan, np.nan])
    with pytest.warns(RuntimeWarning):
        assert pullback(np.ones(2))[0].shape == (0, 2)
