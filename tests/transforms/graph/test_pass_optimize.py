"""``optimize`` over the whole primitive table, and what it does to real programs.

For every row: the optimised graph of ``f`` (and of ``grad`` of a scalar made of ``f``,
for differentiable rows), evaluated and compiled, equals the graph as traced (equal
values where the passes made the same numpy calls, to 1e-12 where a rule may change
rounding) and eager ``f`` to 1e-12 (a traced program may differ from eager in rounding
where a function has a fast path for plain arrays, e.g. ``linspace``).
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree
from funcgrad.core.graph import Graph, eval_graph
from funcgrad.transforms.graph.codegen import compile_graph
from funcgrad.transforms.graph.passes import optimize
from funcgrad.transforms.graph.passes.simplify import EXACT_UFUNCS

from ...primitives._draw import draw_case
from ...primitives.table import DIFFERENTIABLE, OPS, ids
from ._build import assert_same


def _equations(graph: Graph):
    for eqn in graph.eqns:
        yield eqn
        sub = eqn.params.get("graph")
        if isinstance(sub, Graph):
            yield from _equations(sub)


def _same_calls(before: Graph, after: Graph) -> bool:
    """False where a rule that may change rounding fired: a new 0-d constant feeding a
    ufunc outside ``EXACT_UFUNCS``, or an ``add`` of zero removed (the sign of zero)."""
    old = {id(c) for e in _equations(before) for c in e.inputs}
    for eqn in _equations(after):
        if eqn.prim.impl in EXACT_UFUNCS:
            continue
        if any(id(a) not in old and a.aval is not None and a.aval.ndim == 0 for a in eqn.inputs):
            return False
    return True


def _check(graph: Graph, args: tuple, expected) -> None:
    leaves = tree.leaves(args)
    opt = optimize(graph, keep=[g.var for g in graph.guards])
    assert len(opt.eqns) <= len(graph.eqns)
    traced = eval_graph(graph, graph.consts, leaves)
    evaluated = eval_graph(opt, opt.consts, leaves)
    eager = tree.leaves(expected)
    exact = _same_calls(graph, opt)
    for got, t, e in zip(evaluated, traced, eager, strict=True):
        got, t, e = np.asarray(got), np.asarray(t), np.asarray(e)
        assert got.shape == t.shape == e.shape and got.dtype == t.dtype == e.dtype
        if exact:
            np.testing.assert_array_equal(got, t)
        else:
            np.testing.assert_allclose(got, t, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got, e, rtol=1e-12, atol=1e-12)
    compiled = compile_graph(opt).fn(*leaves)
    for run, got in zip(compiled, evaluated, strict=True):
        assert_same(run, got)  # buffer reuse changes nothing


@pytest.mark.parametrize("spec", OPS, ids=ids)
@given(data=st.data())
def test_optimized_graph_equals_eager(spec, data):
    f, args = draw_case(spec, data)
    _check(fg.make_graph(f)(*args), args, f(*args))


def _scalar(f):
    def scalar(*args):
        total = 0.0
        for leaf in tree.leaves(f(*args)):
            if leaf.dtype.kind == "c":
                total = total + fnp.sum(fnp.real(leaf))
            elif leaf.dtype.kind == "f":
                total = total + fnp.sum(leaf)
        return total

    return scalar


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@given(data=st.data())
def test_optimized_gradient_graph_equals_eager(spec, data):
    f, args = draw_case(spec, data)
    argnums = tuple(i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f")
    grad = fg.grad(_scalar(f), argnums=argnums)
    _check(fg.make_graph(grad)(*args), args, grad(*args))


# --- whole programs --------------------------------------------------------------------


def _mlp(sizes=(784, 512, 512, 10), batch=32):
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(a, b)) * 0.05, np.zeros(b)) for a, b in itertools.pairwise(sizes)]
    x = rng.normal(size=(batch, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return params, x, y


def _loss(params, x, y):
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = fnp.tanh(h)
    return fnp.mean((h - y) ** 2)


def test_mlp_value_and_grad_loses_its_broadcast_constant_and_reuses_buffers():
    params, x, y = _mlp(sizes=(6, 5, 5, 3), batch=4)
    g = fg.make_graph(fg.value_and_grad(_loss))(params, x, y)
    assert any(np.ndim(c) == 2 for c in g.consts)  # mean's VJP: ones / n, broadcast
    opt = optimize(g)
    assert len(opt.eqns) == len(g.eqns) and not any(np.ndim(c) for c in opt.consts)
    # tanh's derivative is one sech2 call, whose result the pass does not reuse (not a ufunc)
    assert sum(e.out_buffer is not None for e in opt.eqns) >= 8
    jitted = fg.jit(fg.value_and_grad(_loss))
    for a, e in zip(
        tree.leaves(jitted(params, x, y)),
        tree.leaves(fg.value_and_grad(_loss)(params, x, y)),
        strict=True,
    ):
        assert_same(a, e)


def test_adam_train_step_shrinks():
    params, x, y = _mlp(sizes=(6, 5, 5, 3), batch=4)
    opt = fg.optim.adam(1e-3)

    def step(params, state, x, y):
        loss, grads = fg.value_and_grad(_loss)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return fg.optim.apply_updates(params, updates), state, loss

    state = opt.init(params)
    g = fg.make_graph(step)(params, state, x, y)
    o = optimize(g)
    # the bias corrections 1 - b ** t are computed once, not per parameter; eps_root=0 goes
    assert len(o.eqns) < len(g.eqns) - 10
    jitted = fg.jit(step)
    for a, e in zip(
        tree.leaves(jitted(params, state, x, y)),
        tree.leaves(step(params, state, x, y)),
        strict=True,
    ):
        np.testing.assert_array_equal(a, e)


def test_optimize_is_idempotent_and_keeps_the_input_graph():
    params, x, y = _mlp(sizes=(6, 5, 3), batch=4)
    g = fg.make_graph(fg.value_and_grad(_loss))(params, x, y)
    eqns, consts = list(g.eqns), list(g.consts)
    once = optimize(g)
    assert g.eqns == eqns and g.consts == consts
    assert [e.prim for e in optimize(once).eqns] == [e.prim for e in once.eqns]


def test_jit_with_python_control_flow_keeps_guarded_values():
    def f(x):
        s = fnp.sum(x * 1.0)  # a guard tests s: it must survive simplification
        return fnp.exp(x) * 2.0 if s > 0 else fnp.exp(-x)

    jitted = fg.jit(f)
    for v in (np.ones(3), -np.ones(3), np.ones(3)):
        assert_same(jitted(v), f(v))
    assert jitted.cache_info()["variants"] == 2


def test_optimized_programs_under_grad_jvp_and_vmap_of_jit():
    params, x, y = _mlp(sizes=(6, 5, 3), batch=4)
    jitted = fg.jit(_loss)
    for got, want in (
        (fg.grad(jitted)(params, x, y), fg.grad(_loss)(params, x, y)),
        (
            fg.jvp(lambda p: jitted(p, x, y), (params,), (params,)),
            fg.jvp(lambda p: _loss(p, x, y), (params,), (params,)),
        ),
        (
            fg.vmap(jitted, in_axes=(None, 0, 0))(params, x[:, None], y[:, None]),
            fg.vmap(_loss, in_axes=(None, 0, 0))(params, x[:, None], y[:, None]),
        ),
    ):
        for a, e in zip(tree.leaves(got), tree.leaves(want), strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-14)
