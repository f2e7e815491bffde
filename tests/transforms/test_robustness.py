"""Deep programs: long chains and long scans differentiate iteratively (no recursion), with
memory linear in their length; interrupted transformations leave no trace behind."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.trace import trace_stack


def _chain(x, n):
    for _ in range(n):
        x = fnp.sin(x)
    return x


def test_a_chain_of_200_thousand_primitives_differentiates_without_recursion():
    n = 200_000
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(300)  # the backward pass must not recurse per node
    try:
        g = fg.grad(lambda x: _chain(x, n))(0.5)
    finally:
        sys.setrecursionlimit(old)
    # d/dx sin(sin(...)) = product of cos along the chain
    x, expected = 0.5, 1.0
    for _ in range(n):
        expected *= np.cos(x)
        x = np.sin(x)
    np.testing.assert_allclose(g, expected, rtol=1e-9)


def test_tape_memory_is_linear_in_the_number_of_primitives():
    sizes = (20_000, 40_000)
    used = []
    for n in sizes:
        tracemalloc.start()
        _, pullback = fg.vjp(lambda x, n=n: _chain(x, n), np.array(0.5))
        used.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        del pullback
    per_primitive = [u / n for u, n in zip(used, sizes, strict=True)]
    assert per_primitive[1] < 1.15 * per_primitive[0]  # linear
    assert per_primitive[1] < 600  # bytes of bookkeeping per 0-d primitive


def test_a_scan_of_20_thousand_steps_differentiates_eagerly_and_compiled():
    T = 20_000
    xs = np.linspace(-1, 1, T)

    def loss(w):
        def step(h, x):
            return fnp.tanh(w * h + x), None

        h, _ = fg.scan(step, 0.0, xs)
        return h

    g_eager = fg.grad(loss)(0.5)
    g_jit = fg.jit(fg.grad(loss))(0.5)
    np.testing.assert_allclose(g_jit, g_eager, rtol=1e-10)


def test_interrupting_any_transformation_leaves_the_trace_stack_clean():
    def interrupt(x):
        raise KeyboardInterrupt

    for transform in (fg.grad, fg.vmap, fg.jit, fg.jacfwd, fg.hessian, fg.checkpoint):
        with pytest.raises(KeyboardInterrupt):
            transform(lambda x: interrupt(x) + fnp.sum(x))(np.ones(2))
        assert trace_stack() == ()
