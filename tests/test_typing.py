"""``funcgrad.typing``: ``Array`` holds for what funcgrad returns, inside and outside traces."""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.typing import Array, ArrayLike

W = np.linspace(0.1, 1.0, 3)


@pytest.mark.parametrize(
    ("transform", "w"),
    [
        (fg.grad, W),
        (fg.jacfwd, W),
        (lambda f: fg.vmap(fg.grad(f)), W[None]),
        (lambda f: fg.jit(fg.grad(f)), W),
    ],
    ids=["grad", "jacfwd", "vmap(grad)", "jit(grad)"],
)
def test_array_holds_for_values_inside_every_transformation_and_results(transform, w):
    seen: list[bool] = []

    def loss(w):
        seen.append(isinstance(w, Array) and not isinstance(w, np.ndarray))
        return fnp.sum(fnp.sin(w) ** 2)

    g = transform(loss)(w)
    assert isinstance(g, Array) and isinstance(g, np.ndarray)
    assert any(seen)  # the traced argument was an Array that is not an ndarray


def test_array_like_admits_what_numpy_turns_into_arrays():
    assert fg.Array is Array
    for x in (1.0, [1.0, 2.0], np.float32(1.0), np.ones(2)):
        assert isinstance(np.asarray(x), Array)
    assert ArrayLike is not None
    assert not isinstance([1.0], Array)  # a list is array-like, not an Array
