"""Jitted scans do only the recurrent work in the loop (``transforms/loops/scan_split.py``).

Values and derivatives of split scans against eager ``fg.grad`` (a Python loop) in every
composition; what the split moves out of the loop, read from the optimised graph and the
generated source; and the accumulators it must leave in the loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.graph import Graph
from funcgrad.primitives.products import matmul_p
from funcgrad.transforms.loops.scan import scan_p
from funcgrad.transforms.loops.scan_split import NO_SPLIT, plan_split

RNG = np.random.default_rng(7)
T, B, N_IN, H = 6, 3, 2, 4  # steps, batch, inputs, hidden: inputs != hidden, so the
WX = RNG.standard_normal((N_IN, H)) * 0.5  # weights are told apart by their shapes
WH = RNG.standard_normal((H, H)) * 0.4
BIAS = RNG.standard_normal(H) * 0.1
XS = RNG.standard_normal((T, B, N_IN))
H0 = RNG.standard_normal((B, H)) * 0.1
PARAMS = (WX, WH, BIAS)


def _close(a: Any, b: Any, rtol: float = 1e-10) -> None:
    la, ta = fg.tree.flatten(a)
    lb, tb = fg.tree.flatten(b)
    assert ta == tb
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-12)


def rnn_loss(params, xs, h0):
    wx, wh, b = params

    def step(h, x):
        h = fnp.tanh(x @ wx + h @ wh + b)
        return h, h

    h, hs = fg.scan(step, h0, xs)
    return fnp.sum(hs**2) + fnp.sum(h)


def lstm_loss(params, xs, h0):
    wx, wh, b = params  # wx (I, 4H), wh (H, 4H), b (4H,)
    n = wh.shape[0]

    def step(carry, x):
        h, c = carry
        z = x @ wx + h @ wh + b
        i, f = fg.nn.sigmoid(z[:, :n]), fg.nn.sigmoid(z[:, n : 2 * n])
        g, o = fnp.tanh(z[:, 2 * n : 3 * n]), fg.nn.sigmoid(z[:, 3 * n :])
        c = f * c + i * g
        h = o * fnp.tanh(c)
        return (h, c), h

    _, hs = fg.scan(step, (h0, h0), xs)
    return fnp.sum(hs**2)


LSTM_PARAMS = (
    RNG.standard_normal((N_IN, 4 * H)) * 0.5,
    RNG.standard_normal((H, 4 * H)) * 0.4,
    RNG.standard_normal(4 * H) * 0.1,
)


def many_loss(params, xs, h0):
    """Two carries (one a running sum), two xs leaves, three ys, run backwards."""
    wx, wh, b = params
    xa, xb = xs

    def step(carry, x):
        h, total = carry
        u, v = x
        pre = u @ wx + b * v[:, None] + h @ wh
        h = fnp.tanh(pre)
        total = total + fnp.sum(h * u[:, :1])
        return (h, total), (h, fnp.sin(u), 2.0 * v)

    (h, total), (hs, su, v2) = fg.scan(step, (h0, 0.0), (xa, xb), reverse=True)
    return fnp.sum(hs * hs) + total + fnp.sum(su) * fnp.sum(v2) + fnp.sum(h)


MANY_XS = (XS, RNG.standard_normal((T, B)))


def invariant_only_loss(params, xs, h0):
    """A constant that only the loop-invariant part reads (``wx``, scaled first)."""
    wx, wh, b = params

    def step(h, x):
        proj = fnp.tanh(x @ (wx * 2.0)) + b  # no carry in sight
        h = fnp.tanh(proj + h @ wh)
        return h, proj

    h, ps = fg.scan(step, h0, xs)
    return fnp.sum(ps * ps) + fnp.sum(h * h)


def recurrent_only_loss(params, xs, h0):
    """No loop-invariant work at all: the body is the recurrence."""
    _, wh, _ = params

    def step(h, _):
        h = fnp.tanh(h @ wh)
        return h, None

    h, _ = fg.scan(step, h0, None, length=T)
    return fnp.sum(h * h)


def nested_loss(params, xs, h0):
    """A scan in a scan: the inner loop reads the outer carry, and an invariant inner
    loop runs over the features of the step's ``x``."""
    wx, wh, b = params

    def outer(h, x):
        def inner(g, w_row):
            return fnp.tanh(g @ wh + w_row), None

        def over_features(s, col):
            return s + fnp.sum(col * col), col * 2.0

        g, _ = fg.scan(inner, h, fnp.stack([b, 0.5 * b]))
        s, cols = fg.scan(over_features, 0.0, x.T)
        h = fnp.tanh(g + x @ wx + s)
        return h, fnp.sum(cols)

    h, ys = fg.scan(outer, h0, xs)
    return fnp.sum(h * h) + fnp.sum(ys)


LOSSES = {
    "rnn": (rnn_loss, PARAMS, XS),
    "lstm": (lstm_loss, LSTM_PARAMS, XS),
    "many_reverse": (many_loss, PARAMS, MANY_XS),
    "invariant_only": (invariant_only_loss, PARAMS, XS),
    "recurrent_only": (recurrent_only_loss, PARAMS, XS),
    "nested": (nested_loss, PARAMS, XS),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_values_and_gradients_match_eager_in_every_composition(name):
    loss, params, xs = LOSSES[name]
    want = fg.value_and_grad(loss)(params, xs, H0)
    _close(fg.jit(loss)(params, xs, H0), want[0])
    _close(fg.jit(fg.value_and_grad(loss))(params, xs, H0), want)
    _close(fg.grad(fg.jit(loss))(params, xs, H0), want[1])
    _close(fg.jit(fg.grad(fg.jit(loss)))(params, xs, H0), want[1])
    h0s = np.stack([H0, 0.5 * H0, -H0])
    per_example = fg.vmap(fg.grad(loss), in_axes=(None, None, 0))
    _close(fg.jit(per_example)(params, xs, h0s), per_example(params, xs, h0s))
    tangent = fg.tree.map(lambda p: 0.1 * np.ones_like(p), params)
    _close(
        fg.jit(lambda p: fg.jvp(lambda q: loss(q, xs, H0), (p,), (tangent,)))(params),
        fg.jvp(lambda q: loss(q, xs, H0), (params,), (tangent,)),
    )


@pytest.mark.parametrize("name", ["rnn", "many_reverse", "nested"])
def test_hessian_under_jit_matches_eager(name):
    loss, params, xs = LOSSES[name]

    def of_wx(wx):
        return loss((wx, *params[1:]), xs, H0)

    _close(fg.jit(fg.hessian(of_wx))(params[0]), fg.hessian(of_wx)(params[0]))
    _close(fg.hessian(fg.jit(of_wx))(params[0]), fg.hessian(of_wx)(params[0]))


def test_gradients_with_respect_to_the_inputs_and_the_initial_carry():
    loss, params, xs = LOSSES["many_reverse"]
    argnums = (0, 1, 2)
    _close(
        fg.jit(fg.grad(loss, argnums=argnums))(params, xs, H0),
        fg.grad(loss, argnums=argnums)(params, xs, H0),
    )


# --- what leaves the loop -------------------------------------------------------------


def _scan_bodies(graph: Graph) -> list[Graph]:
    """The bodies of every scan in ``graph`` and in the graphs nested in it."""
    found, todo = [], [graph]
    while todo:
        g = todo.pop()
        for eqn in g.eqns:
            for value in eqn.params.values():
                if isinstance(value, Graph):
                    todo.append(value)
                    if eqn.prim is scan_p:
                        found.append(value)
    return found


def _all_shapes(graph: Graph) -> set[tuple[int, ...]]:
    shapes, todo = set(), [graph]
    while todo:
        g = todo.pop()
        shapes.update(tuple(v.aval.shape) for v in [*g.invars, *g.constvars])
        for eqn in g.eqns:
            shapes.update(tuple(v.aval.shape) for v in eqn.outputs)
            todo.extend(v for v in eqn.params.values() if isinstance(v, Graph))
    return shapes


def _matmul_operand_shapes(body: Graph) -> set[tuple[int, ...]]:
    return {tuple(a.aval.shape) for e in body.eqns if e.prim is matmul_p for a in e.inputs}


@pytest.mark.parametrize("name", ["rnn", "lstm"])
def test_only_the_recurrence_stays_in_the_loops(name):
    loss, params, xs = LOSSES[name]
    wx, wh, _ = params
    compiled = fg.jit(fg.value_and_grad(loss)).lower(params, xs, H0)
    source = compiled.source
    before_loop = source[: source.index("for _t in")]
    assert "matmul(" in before_loop  # the input projection of all steps at once
    bodies = _scan_bodies(compiled.graph)
    assert len(bodies) == 2  # the forward and the backward loop
    for body in bodies:
        operands = _matmul_operand_shapes(body)
        assert wx.shape not in operands and wx.T.shape not in operands
        assert operands <= {(B, H), (B, wh.shape[1]), wh.shape, wh.T.shape}
    for w in (wx, wh):  # the weight gradients: one contraction each, never T copies
        assert (T, *w.shape) not in _all_shapes(compiled.graph)
        assert (T, *w.T.shape) not in _all_shapes(compiled.graph)


def test_the_rnn_backward_loop_is_an_add_a_multiply_and_a_matmul():
    compiled = fg.jit(fg.grad(rnn_loss)).lower(PARAMS, XS, H0)
    backward = _scan_bodies(compiled.graph)[-1]
    assert sorted(e.prim.name for e in backward.eqns) == ["add", "matmul", "multiply"]


def test_the_rnn_forward_loop_stacks_only_the_hidden_states():
    # h_{t-1} (for Wh's gradient) is the stack of h_t shifted by one step, not a second stack
    for reverse in (False, True):

        def loss(params, xs, h0, reverse=reverse):
            wx, wh, b = params
            step = lambda h, x: (fnp.tanh(x @ wx + h @ wh + b),) * 2  # noqa: E731
            h, hs = fg.scan(step, h0, xs, reverse=reverse)
            return fnp.sum(hs**2) + fnp.sum(h)

        compiled = fg.jit(fg.grad(loss)).lower(PARAMS, XS, H0)
        forward = _scan_bodies(compiled.graph)[0]
        assert [e.prim.name for e in forward.eqns] == ["matmul", "add", "tanh"]
        # the carry, its stack, and the stack of pre-activations tanh's derivative
        # (sech2(x), accurate where 1 - tanh(x)**2 cancels) reads; no stack of h_{t-1}
        assert len(forward.outvars) == 3
        _close(fg.jit(fg.grad(loss))(PARAMS, XS, H0), fg.grad(loss)(PARAMS, XS, H0))


def test_the_plan_of_a_body_without_loop_invariant_work_is_no_split():
    graph = fg.make_graph(recurrent_only_loss)(PARAMS, XS, H0)
    (body,) = _scan_bodies(graph)
    assert plan_split(body, 1, 1, T) is None
    assert body.cache[("split", T)] is NO_SPLIT


def _outer_product_loss(squash):
    """An RNN accumulating ``squash(outer(h, x))`` in a second carry: (H, H) per step."""

    def loss(w, xs):
        def step(carry, x):
            h, acc = carry
            h = fnp.tanh(h @ w + x)
            return (h, acc + squash(h[:, None] * x[None, :])), None

        (h, acc), _ = fg.scan(step, (np.zeros(H), np.zeros((H, H))), xs)
        return fnp.sum(acc * acc) + fnp.sum(h)

    return loss


def test_an_accumulator_whose_contribution_cannot_be_contracted_stays_in_the_loop():
    loss = _outer_product_loss(fnp.tanh)  # no matmul to contract over time
    xs = RNG.standard_normal((T, H))
    compiled = fg.jit(loss).lower(WH, xs)
    assert (T, H, H) not in _all_shapes(compiled.graph)
    (body,) = _scan_bodies(compiled.graph)
    assert "tanh" in [e.prim.name for e in body.eqns if e.outputs[0].aval.shape == (H, H)]
    _close(fg.jit(fg.value_and_grad(loss))(WH, xs), fg.value_and_grad(loss)(WH, xs))


def test_outer_product_accumulators_become_one_matmul():
    loss = _outer_product_loss(lambda v: v)
    xs = RNG.standard_normal((T, H))
    compiled = fg.jit(fg.value_and_grad(loss)).lower(WH, xs)
    assert (T, H, H) not in _all_shapes(compiled.graph)
    forward, backward = _scan_bodies(compiled.graph)
    assert sorted(e.prim.name for e in forward.eqns) == ["add", "matmul", "tanh"]
    # the backward loop keeps the (H, H) work of x's cotangent: batched, it would be T x H x H
    assert any(e.outputs[0].aval.shape == (H, H) for e in backward.eqns)
    _close(fg.jit(fg.value_and_grad(loss))(WH, xs), fg.value_and_grad(loss)(WH, xs))


def test_an_accumulator_leaves_the_loop_and_ends_as_one_sum():
    def run(w, xs):
        def step(carry, x):
            h, total = carry
            h = fnp.tanh(h @ w + x)
            return (h, total + h), None

        (h, total), _ = fg.scan(step, (np.zeros(H), np.zeros(H)), xs)
        return h, total

    xs = RNG.standard_normal((T, H))
    graph = fg.make_graph(run)(WH, xs)
    (body,) = _scan_bodies(graph)
    assert [e.prim.name for e in body.eqns] == ["matmul", "add", "tanh"]
    _close(fg.jit(run)(WH, xs), run(WH, xs))


def test_carries_and_ys_that_are_inputs_constants_or_invariant():
    def run(w, xs):
        def step(carry, x):
            h, _ = carry
            h = fnp.tanh(h @ w)
            return (h, 3.0 * x), (x, w, 1.5, h)

        return fg.scan(step, (np.zeros(H), np.zeros(H)), xs)

    xs = RNG.standard_normal((T, H))
    _close(fg.jit(run)(WH, xs), run(WH, xs))
    for reverse in (False, True):

        def affine(w, xs, reverse=reverse):
            return fg.scan(lambda c, x: (c * 0.5 + x @ w, c), xs[0], xs, reverse=reverse)

        _close(fg.jit(affine)(WH, xs), affine(WH, xs))


@pytest.mark.parametrize("length", [0, 1, 2])
def test_short_scans(length):
    xs = RNG.standard_normal((length, B, N_IN))
    _close(
        fg.jit(fg.value_and_grad(rnn_loss))(PARAMS, xs, H0),
        fg.value_and_grad(rnn_loss)(PARAMS, xs, H0),
    )


def test_integer_carries_and_inputs():
    def run(w, xs, ks):
        def step(carry, x):
            h, count = carry
            k, u = x
            h = fnp.tanh(h @ w + u * k)
            return (h, count + k), count

        return fg.scan(step, (np.zeros(H), np.int64(0)), (ks, xs))

    xs, ks = RNG.standard_normal((T, H)), np.arange(T)
    _close(fg.jit(run)(WH, xs, ks), run(WH, xs, ks))

    def loss(w):
        return fnp.sum(run(w, xs, ks)[0][0])

    _close(fg.jit(fg.grad(loss))(WH), fg.grad(loss)(WH))
