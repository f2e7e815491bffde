"""Rows marked non-differentiable: exactly zero derivative in reverse and forward mode."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
from funcgrad import tree

from ._draw import draw_case
from .table import OPS, ids

ZERO = [s for s in OPS if not s.differentiable]


@pytest.mark.parametrize("spec", ZERO, ids=ids)
@given(data=st.data())
def test_zero_derivative_in_both_modes(spec, data):
    f, args = draw_case(spec, data)

    def as_float(*a):
        return tree.map(
            lambda o: fg.numpy.where(o, 1.0, 0.0) if o.dtype == bool else o * 1.0, f(*a)
        )

    out, pullback = fg.vjp(as_float, *args)
    for g in tree.leaves(pullback(tree.map(np.ones_like, out))):
        np.testing.assert_array_equal(g, np.zeros_like(g))
    tangents = tuple(tree.map(np.ones_like, a) for a in args)
    _, t_out = fg.jvp(as_float, args, tangents)
    for t in tree.leaves(t_out):
        np.testing.assert_array_equal(t, np.zeros_like(t))
