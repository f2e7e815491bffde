"""Every row: no-trace results are numpy's, bitwise; float32 stays float32 under grad."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
from funcgrad import tree

from ._draw import draw_case
from .table import DIFFERENTIABLE, OPS, ids


def _assert_same(got, expected):
    got_l, got_def = tree.flatten(got)
    exp_l, exp_def = tree.flatten(expected)
    assert got_def == exp_def
    for g, e in zip(got_l, exp_l, strict=True):
        assert type(g) is type(e), (type(g), type(e))
        assert np.asarray(g).dtype == np.asarray(e).dtype
        np.testing.assert_array_equal(g, e, strict=True)


@pytest.mark.parametrize("spec", [s for s in OPS if s.numpy_twin], ids=ids)
@given(data=st.data())
def test_untraced_results_equal_numpy_bitwise(spec, data):
    f, args = draw_case(spec, data)
    params = f.keywords
    expected = spec.numpy_fun()(*args, **params)
    _assert_same(f(*args), expected)


def _single(x):
    """float32, or complex64 for complex arrays."""
    return np.asarray(x, np.complex64 if np.iscomplexobj(x) else np.float32)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@given(data=st.data())
def test_float32_stays_float32(spec, data):
    f, args = draw_case(spec, data)
    args32 = tuple(tree.map(_single, a) for a in args)
    out, pullback = fg.vjp(f, *args32)
    if spec.numpy_twin:
        expected = spec.numpy_fun()(*args32, **f.keywords)
        for o, e in zip(tree.leaves(out), tree.leaves(expected), strict=True):
            assert np.asarray(o).dtype == np.asarray(e).dtype
    else:
        for o in tree.leaves(out):
            assert np.asarray(o).dtype == np.float32
    grads = pullback(tree.map(np.ones_like, out))
    for g, a in zip(tree.leaves(grads), tree.leaves(args32), strict=True):
        assert g.dtype == a.dtype
