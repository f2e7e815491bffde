"""Every row: ``vmap(f)`` equals stacking ``f`` over the batch, for drawn ``in_axes``."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg

from ._draw import draw_case
from .table import BATCHABLE, ids


def _batch_of(x, size, axis):
    """``size`` variants of x stacked along ``axis``; scaling by 3% at most keeps the
    row's input domain (bounds in the table leave that margin)."""
    x = np.asarray(x)
    factors = (1.0, 0.97, 1.03)
    variants = [x * factors[b] if np.issubdtype(x.dtype, np.inexact) else x for b in range(size)]
    return np.stack(variants, axis=axis), variants


@pytest.mark.parametrize("spec", BATCHABLE, ids=ids)
@given(data=st.data())
def test_vmap_matches_loop(spec, data):
    f, args = draw_case(spec, data)
    size = data.draw(st.integers(1, 3), label="batch size")
    axes = [
        data.draw(st.sampled_from([0, -1, None]), label=f"in_axes[{i}]") for i in range(len(args))
    ]
    if all(a is None for a in axes):
        axes[0] = 0
    batched, slices = [], []
    for x, ax in zip(args, axes, strict=True):
        if ax is None:
            batched.append(x)
            slices.append([x] * size)
        else:
            b, variants = _batch_of(x, size, ax if ax >= 0 else np.ndim(x))
            batched.append(b)
            slices.append(variants)
    expected = [f(*[s[b] for s in slices]) for b in range(size)]
    got = fg.vmap(f, in_axes=tuple(axes))(*batched)
    expected_stacked = fg.tree.map(lambda *xs: np.stack(xs), *expected)
    fg.tree.map(
        lambda g, e: np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12),
        got,
        expected_stacked,
    )
