"""The graph rules scan splitting relies on: the contraction pass ``contract_batched_sums``
and the (bitwise but for the sign of a zero) additions to ``simplify``."""

from __future__ import annotations

import numpy as np
import pytest

from funcgrad.primitives._index import Slice
from funcgrad.primitives.elementwise import add_p, multiply_p
from funcgrad.primitives.indexing import scatter_p
from funcgrad.primitives.products import einsum_p, matmul_p
from funcgrad.primitives.reductions import sum_p
from funcgrad.primitives.shape import reshape_p, transpose_p, zeros_like_p
from funcgrad.transforms.graph.passes import eliminate_dead_code, optimize, simplify
from funcgrad.transforms.graph.passes.simplify import contract_batched_sums

from .graph._build import Builder, assert_same, prims, run, run_compiled

RNG = np.random.default_rng(3)
T, M, K, N = 5, 3, 4, 2


def _contracted(graph):
    return eliminate_dead_code(contract_batched_sums(graph))


def _shapes(graph):
    return {tuple(v.aval.shape) for e in graph.eqns for v in e.outputs}


def _sum0(b, x):
    return b.eqn(sum_p, x, axis=(0,), keepdims=False)


def test_a_sum_over_time_of_matmuls_is_one_matmul():
    b = Builder()
    x, y = b.input((T, M, K)), b.input((T, K, N))
    g = b.graph(_sum0(b, b.eqn(matmul_p, x, y)))
    c = _contracted(g)
    assert (T, M, N) not in _shapes(c)
    (mm,) = [e for e in c.eqns if e.prim is matmul_p]
    assert [a.aval.shape for a in mm.inputs] == [(M, T * K), (T * K, N)]
    xv, yv = RNG.standard_normal((T, M, K)), RNG.standard_normal((T, K, N))
    np.testing.assert_allclose(run(c, xv, yv)[0], np.sum(xv @ yv, axis=0), rtol=1e-13)
    np.testing.assert_allclose(run_compiled(c, xv, yv)[0], run(g, xv, yv)[0], rtol=1e-13)


def test_a_transposed_left_operand_is_read_as_a_view():
    b = Builder()
    x, y = b.input((T, K, M)), b.input((T, K, N))
    g = b.graph(_sum0(b, b.eqn(matmul_p, b.eqn(transpose_p, x, axes=(0, 2, 1)), y)))
    c = _contracted(g)
    assert prims(c) == ["reshape", "transpose", "reshape", "matmul"]
    assert c.eqns[0].inputs == (x,) and c.eqns[0].params == {"shape": (T * K, M)}
    xv, yv = RNG.standard_normal((T, K, M)), RNG.standard_normal((T, K, N))
    want = np.sum(np.transpose(xv, (0, 2, 1)) @ yv, axis=0)
    np.testing.assert_allclose(run_compiled(c, xv, yv)[0], want, rtol=1e-13)


def test_a_sum_over_time_of_outer_products_is_one_matmul():
    for swap in (False, True):
        b = Builder()
        x, y = b.input((T, M, 1)), b.input((T, 1, N))
        g = b.graph(_sum0(b, b.eqn(multiply_p, *((y, x) if swap else (x, y)))))
        c = _contracted(g)
        assert (T, M, N) not in _shapes(c) and "matmul" in prims(c)
        xv, yv = RNG.standard_normal((T, M, 1)), RNG.standard_normal((T, 1, N))
        np.testing.assert_allclose(run(c, xv, yv)[0], np.sum(xv * yv, axis=0), rtol=1e-13)


def test_einsums_and_sums_of_sums_contract():
    b = Builder()
    x, y = b.input((T, M, K)), b.input((T, K, N))
    e = b.eqn(einsum_p, x, y, subscripts="abc,acd->abd")
    s = b.eqn(sum_p, b.eqn(sum_p, x, axis=(1,), keepdims=False), axis=(0,), keepdims=False)
    g = b.graph(b.eqn(sum_p, e, axis=(0, 2), keepdims=False), s)
    c = _contracted(g)
    assert sorted(prims(c)) == ["einsum", "sum"]
    by_name = {e.prim.name: e for e in c.eqns}
    assert by_name["einsum"].params == {"subscripts": "abc,acd->b"}
    assert by_name["sum"].params == {"axis": (0, 1), "keepdims": False}
    assert by_name["sum"].inputs == (x,)
    xv, yv = RNG.standard_normal((T, M, K)), RNG.standard_normal((T, K, N))
    for got, want in zip(run(c, xv, yv), run(g, xv, yv), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-13)


def _kept_cases():
    b = Builder()  # the matmul's result is used twice: contracting would add a matmul
    x, y = b.input((T, M, K)), b.input((T, K, N))
    mm = b.eqn(matmul_p, x, y)
    yield "used_twice", b.graph(_sum0(b, mm), mm)
    b = Builder()  # a broadcast weight: no (T, m, n) stack of weights to avoid
    x, w = b.input((T, M, K)), b.input((K, N))
    yield "broadcast", b.graph(_sum0(b, b.eqn(matmul_p, x, w)))
    b = Builder()  # integers: numpy's sum widens int32, the matmul would not
    x, y = b.input((T, M, K), np.int32), b.input((T, K, N), np.int32)
    yield "int32", b.graph(b.eqn(sum_p, b.eqn(matmul_p, x, y), axis=(0,), keepdims=False))
    b = Builder()  # a sum over another axis
    x, y = b.input((T, M, K)), b.input((T, K, N))
    yield "axis_1", b.graph(b.eqn(sum_p, b.eqn(matmul_p, x, y), axis=(1,), keepdims=False))
    b = Builder()  # keepdims
    x, y = b.input((T, M, K)), b.input((T, K, N))
    yield "keepdims", b.graph(b.eqn(sum_p, b.eqn(matmul_p, x, y), axis=(0,), keepdims=True))


@pytest.mark.parametrize(("name", "graph"), list(_kept_cases()), ids=lambda v: str(v)[:12])
def test_contractions_that_would_add_work_or_change_dtypes_are_not_made(name, graph):
    assert prims(_contracted(graph)) == prims(graph), name


def test_simplify_itself_does_not_contract():
    b = Builder()
    x, y = b.input((T, M, K)), b.input((T, K, N))
    g = b.graph(_sum0(b, b.eqn(matmul_p, x, y)))
    assert prims(optimize(g)) == ["matmul", "sum"]


def test_adding_zeros_like_vanishes_where_the_other_operand_has_the_output_type():
    b = Builder()
    z, y = b.input((3,)), b.input((3,))
    g = b.graph(b.eqn(add_p, b.eqn(zeros_like_p, z), y), b.eqn(add_p, y, b.eqn(zeros_like_p, z)))
    s = simplify(g)
    assert s.outvars == [y, y]
    b = Builder()
    z, y, i = b.input((2, 3)), b.input((3,)), b.input((3,), np.int64)
    wider = b.eqn(add_p, b.eqn(zeros_like_p, z), y)  # zeros give the output its shape
    promoted = b.eqn(add_p, b.eqn(zeros_like_p, y), i)  # float zeros make ints float
    g = b.graph(wider, promoted)
    assert simplify(g).outvars == [wider, promoted]


def _scatter(b, v, start, stop, shape, axis=1):
    idx = [Slice(None, None, None)] * len(shape)
    idx[axis] = Slice(start, stop, None)
    return b.eqn(scatter_p, v, idx=tuple(idx), shape=shape, unique=True)


def test_scatters_of_slices_that_tile_an_axis_become_one_concatenate():
    b = Builder()
    parts = [b.input((2, 3)) for _ in range(4)]
    scattered = [_scatter(b, v, 3 * i, 3 * i + 3, (2, 12)) for i, v in enumerate(parts)]
    total = b.eqn(add_p, b.eqn(add_p, scattered[2], scattered[0]), scattered[3])
    g = b.graph(b.eqn(add_p, total, scattered[1]))
    s = eliminate_dead_code(simplify(g))
    assert prims(s) == ["concatenate"] and s.eqns[0].inputs == tuple(parts)
    values = [RNG.standard_normal((2, 3)) for _ in range(4)]
    assert_same(run_compiled(s, *values)[0], np.concatenate(values, axis=1))


def test_scatters_with_gaps_overlaps_or_two_cut_axes_stay():
    def graph(cuts, shape=(2, 6)):
        b = Builder()
        outs = []
        for start, stop, axis in cuts:
            size = list(shape)
            size[axis] = stop - start
            outs.append(_scatter(b, b.input(tuple(size)), start, stop, shape, axis))
        return b.graph(b.eqn(add_p, *outs))

    for cuts in ([(0, 2, 1), (3, 6, 1)], [(0, 4, 1), (2, 6, 1)], [(0, 3, 1), (0, 1, 0)]):
        g = graph(cuts)
        assert prims(simplify(g)) == prims(g), cuts


def test_reshape_of_a_last_axis_first_transpose_is_a_transposed_view():
    b = Builder()
    x = b.input((T, K, M))
    t = b.eqn(transpose_p, x, axes=(2, 0, 1))
    g = b.graph(b.eqn(reshape_p, t, shape=(M, T * K)))
    s = eliminate_dead_code(simplify(g))
    assert prims(s) == ["reshape", "transpose"]
    v = RNG.standard_normal((T, K, M))
    got = run_compiled(s, v)[0]
    assert_same(np.ascontiguousarray(got), np.transpose(v, (2, 0, 1)).reshape(M, T * K))
    assert not got.flags.owndata  # a view of the input, not a copy
