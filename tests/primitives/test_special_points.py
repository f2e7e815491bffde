"""Special points of every row (zeros, ties, domain bounds): JAX's derivative values.

Each ``Special`` of a row (``OpSpec.special``) records JAX's gradient of
``sum(cotangent * fun(*args))`` there (looked up once in JAX 0.10; JAX is not imported
here). At each one the VJP and the JVP must agree with each other and equal the recorded
value, NaN where it is NaN and finite where it is finite. A generic derivation adds, for
every differentiable elementwise and reduction row, the drawn inputs with all entries tied
and all zero: where the function is finite there, the VJP and the JVP must agree (any
value, NaN included). numpy's
floating warnings are expected at such points and silenced; exceptions are not.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

from ._draw import draw_case
from .table import OPS, ids
from .table_elementwise import ELEMENTWISE
from .table_reductions import REDUCTIONS

CASES = [(s, k) for s in OPS for k in range(len(s.special))]


def _derivative(f):
    """``x -> d sum(f(x)) / dx`` (the next order of a one-argument row)."""
    return lambda x: fg.grad(lambda y: fnp.sum(f(y)))(x)


def _rev(f, args, ct):
    out, pullback = fg.vjp(f, *args)
    return pullback(np.ones_like(out) if ct is None else np.asarray(ct, float))


def _only(f, args, i):
    """``f`` as a function of argument ``i`` alone (the others constant: symbolic zero
    tangents, not zero arrays that would multiply an infinite partial derivative)."""

    def g(x):
        return f(*args[:i], x, *args[i + 1 :])

    return g


def _fwd(f, args, ct, diagonal=False):
    """The same gradient from JVPs: one unit tangent per input entry, or (``diagonal``,
    elementwise rows with broadcast arguments) one tangent of ones per argument."""
    grads = []
    for i, a in enumerate(args):
        g_i = _only(f, args, i)
        if diagonal:
            _, t = fg.jvp(g_i, (a,), (np.ones(np.shape(a)),))
            grads.append(t if ct is None else np.asarray(ct, float) * t)
            continue
        g = np.zeros(np.shape(a))
        for idx in np.ndindex(np.shape(a)):
            tangent = np.zeros(np.shape(a))
            tangent[idx] = 1.0
            _, t = fg.jvp(g_i, (a,), (tangent,))
            g[idx] = np.sum(t if ct is None else np.asarray(ct, float) * t)
        grads.append(g)
    return grads


def _assert_same(got, expected, what, atol=1e-300):
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        np.testing.assert_allclose(
            np.asarray(g, float),
            np.asarray(e, float),
            rtol=1e-13,
            atol=atol,
            equal_nan=True,
            err_msg=f"{what}, argument {i}",
        )


ELEMENTWISE_NAMES = {s.name for s in ELEMENTWISE}


def _entries(spec, sp):
    """The points to evaluate: an elementwise row's entries one at a time (a one-hot
    tangent would multiply the other entries' infinite derivatives by 0), else as given."""
    args = tuple(np.asarray(a, float) for a in sp.args)
    if spec.name not in ELEMENTWISE_NAMES:
        return [(args, sp.grads)]
    shape = np.broadcast_shapes(*(a.shape for a in args))
    args = [np.broadcast_to(a, shape) for a in args]
    grads = [np.broadcast_to(np.asarray(g, float), shape) for g in sp.grads]
    return [
        (tuple(a[idx] for a in args), tuple(g[idx] for g in grads)) for idx in np.ndindex(shape)
    ]


@pytest.mark.parametrize(("spec", "k"), CASES, ids=[f"{s.name}-{k}" for s, k in CASES])
def test_special_point_matches_jax_in_both_modes(spec, k):
    sp = spec.special[k]
    f = lambda *a: spec.fun(*a, **sp.params)  # noqa: E731
    for _ in range(sp.order - 1):
        f = _derivative(f)
    for args, expected in _entries(spec, sp):
        with np.errstate(all="ignore"):
            rev, fwd = _rev(f, args, sp.cotangent), _fwd(f, args, sp.cotangent)
        where = tuple(np.asarray(a).tolist() for a in args)
        _assert_same(rev, fwd, f"{spec.name} at {where}: VJP vs JVP")
        _assert_same(rev, expected, f"{spec.name} at {where}: VJP vs JAX {sp.note}")


GENERIC = [s for s in ELEMENTWISE + REDUCTIONS if s.differentiable]


@pytest.mark.parametrize("how", ["tied", "zeros"])
@pytest.mark.parametrize("spec", GENERIC, ids=ids)
@settings(max_examples=5)
@given(data=st.data())
def test_tied_and_zero_inputs_agree_in_both_modes(spec, data, how):
    f, args = draw_case(spec, data)
    if how == "tied":  # every entry of every argument equal to the first argument's first
        v = np.asarray(args[0]).flat[0] if np.size(args[0]) else 0.0
        args = tuple(np.full(np.shape(a), v, np.result_type(a)) for a in args)
    else:
        args = tuple(np.zeros(np.shape(a), np.result_type(a)) for a in args)
    if any(np.iscomplexobj(a) for a in args):
        return
    diagonal = spec.name in ELEMENTWISE_NAMES
    if diagonal:
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        args = tuple(np.broadcast_to(a, shape).copy() for a in args)
    with np.errstate(all="ignore"):
        try:
            out = f(*args)
        except ZeroDivisionError:  # numpy's own (average with weights summing to 0)
            return
        if not isinstance(out, (np.ndarray, np.generic)) or not np.isrealobj(out):
            return
        if not np.all(np.isfinite(out)):  # a degenerate input (e.g. tied coordinates)
            return
        diagonal = diagonal and np.shape(out) == np.shape(args[0])  # not full, linspace
        ct = np.arange(1.0, np.size(out) + 1.0).reshape(np.shape(out))
        rev, fwd = _rev(f, args, ct), _fwd(f, args, ct, diagonal)
    _assert_same(rev, fwd, f"{spec.name} ({how}): VJP vs JVP", atol=1e-12)  # rounding of ties
