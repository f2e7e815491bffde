"""Every differentiable row: the JVP and VJP rules are transposes, <u, J v> == <J^T u, v>.

The pairing is JAX's, ``<a, b> = Re(sum(a * b))`` (no conjugation), and cotangents and
tangents are complex wherever the output or input is: the whole table sweeps the complex
convention.
"""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
from funcgrad import tree

from ._draw import draw_case
from .table import DIFFERENTIABLE, ids


def _random_like(x, rng):
    x = np.asarray(x)
    r = rng.standard_normal(x.shape)
    if np.iscomplexobj(x):
        r = r + 1j * rng.standard_normal(x.shape)
    return r.astype(x.dtype)


def _dot(a, b):
    return sum(
        np.real(np.sum(np.asarray(x) * np.asarray(y)))
        for x, y in zip(tree.leaves(a), tree.leaves(b), strict=True)
    )


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_jvp_and_vjp_are_transposes(spec, data, seed):
    f, args = draw_case(spec, data)
    rng = np.random.default_rng(seed)
    v = tuple(tree.map(lambda x: _random_like(x, rng), a) for a in args)
    out, jv = fg.jvp(f, args, v)
    u = tree.map(lambda o: _random_like(o, rng), out)
    _, pullback = fg.vjp(f, *args)
    jtu = pullback(u)
    lhs, rhs = _dot(u, jv), _dot(jtu, v)
    scale = 1.0 + abs(lhs) + abs(rhs)
    assert abs(lhs - rhs) <= 1e-9 * scale, (lhs, rhs)
