"""Buffer reuse: which temporaries may be overwritten, and that results stay bitwise."""

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import add_p, astype_p, exp_p, multiply_p, sin_p, tanh_p
from funcgrad.primitives.products import matmul_p
from funcgrad.primitives.reductions import sum_p
from funcgrad.primitives.shape import reshape_p, transpose_p
from funcgrad.transforms.graph.codegen import compile_graph
from funcgrad.transforms.graph.passes import optimize, reuse_buffers

from ._build import Builder, assert_same, run, run_compiled


def _buffers(graph):
    """``{output: buffer}`` for the equations that got one."""
    return {e.outputs[0]: e.out_buffer for e in graph.eqns if e.out_buffer is not None}


def test_elementwise_chain_writes_into_dead_temporaries():
    b = Builder()
    x = b.input((4,))
    s = b.eqn(sin_p, x)
    e = b.eqn(exp_p, s)
    t = b.eqn(tanh_p, e)
    g = b.graph(t)
    r = reuse_buffers(g)
    assert _buffers(r) == {e: s, t: e}  # never into the input x
    assert all(eqn.out_buffer is None for eqn in g.eqns)  # the input graph is unchanged
    source = compile_graph(r).source
    assert "exp(v1, out=v1)" in source and "sin(v0)" in source
    v = np.linspace(-2, 2, 4)
    assert_same(run_compiled(r, v)[0], np.tanh(np.exp(np.sin(v))))
    assert_same(run(r, v)[0], run_compiled(r, v)[0])


def test_temporaries_used_later_or_returned_are_not_overwritten():
    b = Builder()
    x = b.input((3,))
    s = b.eqn(sin_p, x)
    e = b.eqn(exp_p, s)
    later = b.eqn(add_p, s, e)  # s is still needed here: e cannot go into s
    returned = b.eqn(sin_p, x)
    g = b.graph(later, returned, b.eqn(exp_p, returned))
    r = reuse_buffers(g)
    assert _buffers(r) == {later: s}
    v = np.array([0.1, 0.2, 0.3])
    out = run_compiled(r, v)
    assert_same(out[1], np.sin(v)) and assert_same(out[2], np.exp(np.sin(v)))


def test_views_of_a_temporary_keep_it_alive():
    b = Builder()
    x = b.input((2, 2))
    s = b.eqn(sin_p, x)
    view = b.eqn(transpose_p, s, axes=(1, 0))
    e = b.eqn(exp_p, s)  # s's last direct use, but its view is read below
    g = b.graph(b.eqn(add_p, view, e))
    r = reuse_buffers(g)
    assert e not in _buffers(r)
    v = np.array([[0.0, 1.0], [2.0, 3.0]])
    assert_same(run_compiled(r, v)[0], np.sin(v).T + np.exp(np.sin(v)))


def test_returned_views_pin_their_temporary():
    b = Builder()
    x = b.input((2, 3))
    s = b.eqn(sin_p, x)
    flat = b.eqn(reshape_p, s, shape=(6,))
    g = b.graph(flat, b.eqn(exp_p, s))
    assert _buffers(reuse_buffers(g)) == {}


def test_inputs_constants_guards_and_non_fresh_values_are_never_buffers():
    b = Builder()
    x = b.input((3,))
    k = b.const(np.ones(3))
    on_input = b.eqn(exp_p, x)
    on_const = b.eqn(exp_p, k)
    guarded = b.eqn(sin_p, x)
    reshaped = b.eqn(reshape_p, b.eqn(reshape_p, on_input, shape=(3, 1)), shape=(3,))
    casted = b.eqn(astype_p, on_const, dtype=np.dtype(np.float64))
    on_guarded = b.eqn(exp_p, guarded)
    out = b.eqn(add_p, on_guarded, b.eqn(multiply_p, reshaped, casted))
    g = b.graph(out)
    # x: an input; k: a constant; guarded: tested by a guard; reshaped: a view (of
    # on_input); casted: astype may return its input. Only on_guarded is a free temporary.
    assert _buffers(reuse_buffers(g, keep=[guarded])) == {out: on_guarded}
    assert _buffers(reuse_buffers(g))[on_guarded] is guarded


def test_shape_dtype_and_0d_mismatches():
    b = Builder()
    x = b.input((3,))
    w = b.input((2, 3))
    y32 = b.input((3,), np.float32)
    s = b.eqn(sin_p, x)
    widened = b.eqn(add_p, s, w)  # (3,) + (2, 3): the buffer would be too small
    s32 = b.eqn(sin_p, y32)
    promoted = b.eqn(add_p, s32, x)  # float32 temporary, float64 result
    total = b.eqn(sum_p, x, axis=(0,), keepdims=False)
    scalar = b.eqn(exp_p, total)
    zero_d = b.eqn(sin_p, scalar)  # 0-d: numpy returns scalars, not arrays
    g = b.graph(widened, promoted, zero_d)
    assert _buffers(reuse_buffers(g)) == {}


def test_matmul_gives_buffers_but_does_not_write_into_its_inputs():
    b = Builder()
    a = b.input((3, 3))
    m = b.eqn(matmul_p, a, a)
    m2 = b.eqn(matmul_p, m, a)  # would be wrong in place: rows are read whole
    g = b.graph(b.eqn(tanh_p, m2))
    r = reuse_buffers(g)
    assert _buffers(r) == {r.eqns[2].outputs[0]: m2}
    v = np.arange(9.0).reshape(3, 3) / 10
    assert_same(run_compiled(r, v)[0], np.tanh(v @ v @ v))


def test_jit_results_are_fresh_and_not_overwritten_by_the_next_call():
    f = fg.jit(lambda x: fnp.tanh(fnp.exp(fnp.sin(x)) * 2.0 + 1.0))
    x = np.linspace(-1, 1, 5)
    assert "out=" in f.lower(x).source
    first = f(x)
    kept = first.copy()
    second = f(x)
    assert second is not first and not np.shares_memory(first, second)
    assert_same(first, kept)
    assert_same(second, np.tanh(np.exp(np.sin(x)) * 2.0 + 1.0))


def test_optimizing_again_recomputes_the_decisions():
    g = fg.make_graph(lambda x: fnp.exp(fnp.sin(x)) + x)(np.ones(3))
    once = optimize(g)
    twice = optimize(once)
    assert _buffers(once) and len(_buffers(twice)) == len(_buffers(once))
    assert_same(run_compiled(twice, np.ones(3))[0], np.exp(np.sin(np.ones(3))) + 1.0)


def test_mlp_value_and_grad_is_bitwise_with_buffers():
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(5, 4)), rng.normal(size=(4, 2))
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(3, 2))

    def loss(w1, w2):
        return fnp.mean((fnp.tanh(x @ w1) @ w2 - y) ** 2)

    jitted = fg.jit(fg.value_and_grad(loss, argnums=(0, 1)))
    assert jitted.lower(w1, w2).source.count("out=") >= 3
    got, want = jitted(w1, w2), fg.value_and_grad(loss, argnums=(0, 1))(w1, w2)
    for a, e in zip(fg.tree.leaves(got), fg.tree.leaves(want), strict=True):
        assert_same(a, e)
