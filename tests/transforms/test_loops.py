"""``cond``, ``fori_loop``, ``while_loop`` and ``scan`` as loop primitives: each against its
Python meaning under every transformation, eager and compiled."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads, strategies as fst

RNG = np.random.default_rng(1)
W = RNG.standard_normal((3, 3)) * 0.4


def _close(a, b, rtol=1e-10):
    fg.tree.map(lambda x, y: np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-13), a, b)


# Each program is written with a loop primitive and, beside it, as plain Python.


def cond_program(x, p):
    return fg.cond(p > 0, lambda a: fnp.sin(a @ W) * 2.0, lambda a: fnp.cos(a) - a, x)


def cond_python(x, p):
    return fnp.sin(x @ W) * 2.0 if p > 0 else fnp.cos(x) - x


def fori_program(x, p):
    return fg.fori_loop(0, 4, lambda i, v: fnp.tanh(v @ W) + i * p, x)


def fori_python(x, p):
    for i in range(4):
        x = fnp.tanh(x @ W) + i * p
    return x


def scan_program(x, p):
    def step(h, t):
        h = fnp.tanh(h @ W + t * p)
        return h, fnp.sum(h)

    h, ys = fg.scan(step, x, np.arange(5.0))
    return h + fnp.sum(ys)


def scan_python(x, p):
    total = 0.0
    for t in range(5):
        x = fnp.tanh(x @ W + t * p)
        total = total + fnp.sum(x)
    return x + total


PROGRAMS = {
    "cond": (cond_program, cond_python),
    "fori_loop": (fori_program, fori_python),
    "scan": (scan_program, scan_python),
}

TRANSFORMS = {
    "eager": lambda f: f,
    "jit": fg.jit,
    "grad": lambda f: fg.grad(lambda x, p: fnp.sum(f(x, p)), argnums=(0, 1)),
    "jit(grad)": lambda f: fg.jit(fg.grad(lambda x, p: fnp.sum(f(x, p)), argnums=(0, 1))),
    "grad(jit)": lambda f: fg.grad(lambda x, p: fnp.sum(fg.jit(f)(x, p)), argnums=(0, 1)),
    "jvp": lambda f: lambda x, p: fg.jvp(f, (x, p), (x, p)),
    "jit(jvp)": lambda f: fg.jit(lambda x, p: fg.jvp(f, (x, p), (x, p))),
    "vmap": lambda f: lambda x, p: fg.vmap(f)(fnp.stack([x, -x]), fnp.stack([p, -p])),
    "jit(vmap)": lambda f: fg.jit(lambda x, p: fg.vmap(f)(fnp.stack([x, -x]), fnp.stack([p, -p]))),
    "vmap(grad)": lambda f: (
        lambda x, p: fg.vmap(fg.grad(lambda a, b: fnp.sum(f(a, b)), argnums=(0, 1)))(
            fnp.stack([x, -x]), fnp.stack([p, -p])
        )
    ),
    "jit(vmap(grad))": lambda f: fg.jit(
        lambda x, p: fg.vmap(fg.grad(lambda a, b: fnp.sum(f(a, b)), argnums=(0, 1)))(
            fnp.stack([x, -x]), fnp.stack([p, -p])
        )
    ),
    "hessian": lambda f: lambda x, p: fg.hessian(lambda a: fnp.sum(f(a, p)))(x),
    "jit(hessian)": lambda f: fg.jit(lambda x, p: fg.hessian(lambda a: fnp.sum(f(a, p)))(x)),
}


# a vmapped composition against its unbatched one per example
PER_EXAMPLE = {
    "vmap": "eager",
    "jit(vmap)": "jit",
    "vmap(grad)": "grad",
    "jit(vmap(grad))": "jit(grad)",
}


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("program", PROGRAMS)
@given(x=fst.arrays(shape=(3,), min_value=-1.0, max_value=1.0), p=st.floats(-1.0, 1.0))
def test_loop_primitives_mean_their_python_loops_in_every_composition(program, transform, x, p):
    loop, python = PROGRAMS[program]
    p = np.asarray(p)
    got = TRANSFORMS[transform](loop)(x, p)
    if transform in PER_EXAMPLE:
        one = TRANSFORMS[PER_EXAMPLE[transform]](python)
        rows = [one(x, p), one(-x, -p)]
        expected = fg.tree.map(lambda *r: np.stack(r), *rows)
    else:
        expected = TRANSFORMS[transform](python)(x, p)
    _close(got, expected)


def test_cond_derivatives_match_finite_differences():
    x = np.array([0.2, -0.4, 0.9])
    for p in (1.0, -1.0):
        for program in (cond_program, scan_program, fori_program):
            check_grads(lambda a, f=program, p=p: f(a, p), (x,), order=2)


def test_cond_checks_its_branches_agree():
    with pytest.raises(TypeError, match="both branches must return the same structure"):
        fg.jit(lambda x: fg.cond(x.sum() > 0, lambda a: a, lambda a: (a, a), x))(np.ones(2))
    with pytest.raises(TypeError, match="pred must be a scalar"):
        fg.cond(np.ones(2) > 0, lambda a: a, lambda a: a, 1.0)


def test_while_loop_in_forward_mode_and_under_vmap_and_jit():
    def grow(x):
        return fg.while_loop(lambda v: fnp.sum(v) < 10.0, lambda v: v * 1.5, x)

    def python(x):
        while np.sum(x) < 10.0:
            x = x * 1.5
        return x

    x = np.array([1.0, 2.0])
    _close(grow(x), python(x))
    _close(fg.jit(grow)(x), python(x))
    out, tangent = fg.jvp(grow, (x,), (x,))
    _close(out, python(x))
    _close(tangent, python(x))  # the loop is linear in x: its tangent is the output itself
    batch = np.array([[1.0], [3.0], [20.0]])
    _close(fg.vmap(grow)(batch), np.stack([python(b) for b in batch]))
    _close(fg.jit(fg.vmap(grow))(batch), np.stack([python(b) for b in batch]))


def test_while_loop_refuses_reverse_mode_clearly():
    def grow(x):
        return fg.while_loop(lambda v: fnp.sum(v) < 10.0, lambda v: v * 1.5, x)

    for attempt in (
        fg.grad(lambda x: fnp.sum(grow(x))),
        fg.jit(fg.grad(lambda x: fnp.sum(grow(x)))),
    ):
        with pytest.raises(TypeError, match="while_loop cannot be differentiated in reverse"):
            attempt(np.ones(2))


def test_fori_loop_with_traced_bounds_is_a_while_loop():
    f = fg.jit(lambda n, x: fg.fori_loop(0, n, lambda i, v: v + i, x))
    assert f(np.int64(4), 0.0) == 6.0 and f(np.int64(5), 0.0) == 10.0
    assert f.cache_info()["traces"] == 1


def test_while_loop_checks_the_body_keeps_the_carry():
    with pytest.raises(TypeError, match="body_fun must return a value with init_val's"):
        fg.jit(lambda x: fg.while_loop(lambda v: v.sum() < 3, lambda v: v.sum(), x))(np.ones(2))
