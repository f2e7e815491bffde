"""numpy accepts nested lists wherever it takes an array, and so does funcgrad.numpy, also
when the lists hold traced values: every row whose function is a public funcgrad.numpy
function is differentiated with each array argument passed as the Python list of its
(traced) slices, ``[x[0], x[1], ...]``, and must give the derivatives of the array call.
"""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree

from ._draw import draw_case
from .table import DIFFERENTIABLE

NAMESPACES = (fnp, fnp.linalg, fnp.fft)


def _public(fun) -> bool:
    name = getattr(fun, "__name__", "<lambda>")
    return any(getattr(ns, name, None) is fun for ns in NAMESPACES)


ROWS = [s for s in DIFFERENTIABLE if _public(s.fun)]


def _as_list(x):
    """The traced slices of ``x`` as a Python list (``x`` itself if 0-d)."""
    return [x[i] for i in range(x.shape[0])] if x.ndim else x


@pytest.mark.parametrize("spec", ROWS, ids=lambda s: s.name)
@given(data=st.data())
def test_lists_of_traced_values_are_arrays(spec, data):
    f, args = draw_case(spec, data)
    if not any(np.ndim(a) for a in args):
        return

    def listed(*xs):
        return f(*(_as_list(x) for x in xs))

    out, pullback = fg.vjp(f, *args)
    out_l, pullback_l = fg.vjp(listed, *args)
    ct = tree.map(lambda o: np.arange(1.0, np.size(o) + 1.0).reshape(np.shape(o)), out)
    for a, b in zip(tree.leaves(out), tree.leaves(out_l), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(tree.leaves(pullback(ct)), tree.leaves(pullback_l(ct)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-14)
    tangents = tuple(np.ones_like(a) for a in args)
    _, t = fg.jvp(f, args, tangents)
    _, t_l = fg.jvp(listed, args, tangents)
    for a, b in zip(tree.leaves(t), tree.leaves(t_l), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-14)


def test_the_cases_users_write():
    a, b = np.asarray(1.5), np.asarray(-2.0)

    def f(a, b):
        m = fnp.mean([a, b]) + fnp.linalg.norm([a, b])
        v = fnp.array([a * b, a]) + fnp.asarray([b, 2.0])
        w = fnp.append([a, b], [a * a]) * fnp.concatenate([np.ones(1), fnp.stack([a]), [b]])
        return m + fnp.sum(v) + fnp.sum(w) + fnp.max([a, b, 0.0])

    expected = fg.grad(
        lambda a, b: (
            (a + b) / 2
            + fnp.sqrt(a * a + b * b)
            + (a * b + a + b + 2.0)
            + (a + a * b + a * a * b)
            + a
        ),
        argnums=(0, 1),
    )(a, b)
    got = fg.grad(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
