"""Every row: ``jit(f)`` equals ``f`` (the traced first call and the compiled later calls),
and for differentiable rows ``jit(grad)`` and ``grad(jit)`` equal ``grad``."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree

from ._draw import draw_case
from .table import DIFFERENTIABLE, OPS, ids


def _same(got, expected, exact):
    got_leaves, expected_leaves = tree.leaves(got), tree.leaves(expected)
    assert len(got_leaves) == len(expected_leaves)
    for g, e in zip(got_leaves, expected_leaves, strict=True):
        assert isinstance(g, np.ndarray) and g.flags.writeable
        e = np.asarray(e)
        assert g.shape == e.shape and g.dtype == e.dtype, (g.shape, g.dtype, e.shape, e.dtype)
        if exact:
            np.testing.assert_array_equal(g, e)
        else:
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("spec", OPS, ids=ids)
@given(data=st.data())
def test_jit_equals_eager(spec, data):
    f, args = draw_case(spec, data)
    expected = f(*args)
    jitted = fg.jit(f)
    traced = jitted(*args)  # the first call: traced (fnp's traced code path), computed eagerly
    # fnp's traced path may round differently from numpy's own function (e.g. linspace)
    _same(traced, expected, exact=False)
    _same(jitted(*args), traced, exact=True)  # the compiled program makes the same calls
    assert jitted.cache_info()["traces"] == 1


def _scalar_loss(f):
    def loss(*args):
        return sum(fnp.sum(fnp.real(o)) for o in tree.leaves(f(*args)))

    return loss


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@given(data=st.data())
def test_jit_of_grad_and_grad_of_jit_equal_grad(spec, data):
    f, args = draw_case(spec, data)
    argnums = tuple(range(len(args)))
    loss = _scalar_loss(f)
    expected = fg.grad(loss, argnums=argnums)(*args)
    compiled_grad = fg.jit(fg.grad(loss, argnums=argnums))
    compiled_grad(*args)
    _same(compiled_grad(*args), expected, exact=False)
    _same(fg.grad(fg.jit(loss), argnums=argnums)(*args), expected, exact=False)
