"""``jit`` and ``make_graph``: caching, retracing, guards, composition, inspection."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn, optim
from funcgrad.transforms.graph.jit import FuncgradJitWarning

RNG = np.random.default_rng(0)
W = RNG.standard_normal((3, 2))
X = RNG.standard_normal((4, 3))


def _counting(calls):
    def loss(w, x):
        calls.append(1)
        return fnp.mean(fnp.tanh(x @ w) ** 2)

    return loss


def _close(a, b, rtol=1e-12):
    fg.tree.map(lambda x, y: np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-14), a, b)


# --- tracing once per signature ----------------------------------------------------------


def test_the_body_runs_once_per_signature_not_per_value():
    calls: list = []
    f = fg.jit(_counting(calls))
    for k in range(5):
        _close(f(W * k, X), _counting([])(W * k, X))
    assert len(calls) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda w, x: (w, X[:2]), id="shape"),
        pytest.param(lambda w, x: (w.astype(np.float32), x), id="dtype"),
        pytest.param(lambda w, x: ((w,), x), id="structure"),
    ],
)
def test_a_new_shape_dtype_or_structure_retraces(change):
    calls: list = []

    def loss(w, x):
        calls.append(1)
        w = w[0] if isinstance(w, tuple) else w
        return fnp.sum(x @ w)

    f = fg.jit(loss)
    f(W, X)
    f(*change(W, X))
    assert len(calls) == 2
    f(*change(W, X))
    assert len(calls) == 2


def test_python_scalars_are_traced_values_typed_as_numpy_types_them():
    calls: list = []

    def scale(x, k):
        calls.append(1)
        return x * k

    f = fg.jit(scale)
    x32 = np.ones(3, np.float32)
    for k in (2.0, 3.0, 4.5):
        out = f(x32, k)
        assert out.dtype == np.float32  # weak, as numpy promotes a Python float
        np.testing.assert_array_equal(out, x32 * k)
    assert len(calls) == 1
    f(x32, 2)  # an int is another signature
    assert len(calls) == 2


def test_static_arguments_key_the_cache_by_value():
    calls: list = []

    def power(x, n):
        calls.append(n)
        return x**n

    f = fg.jit(power, static_argnums=1)
    assert f(2.0, 3) == 8.0 and f(3.0, 3) == 27.0 and f(2.0, 4) == 16.0
    assert calls == [3, 4]
    with pytest.raises(TypeError, match="static argument 1 must be hashable"):
        f(2.0, [1])


def test_non_array_arguments_must_be_static():
    f = fg.jit(lambda x, name: x)
    with pytest.raises(TypeError, match=r"argument 1 is a str, not an array.*static_argnums"):
        f(1.0, "relu")
    assert fg.jit(lambda x, name: x * len(name), static_argnums=1)(1.0, "relu") == 4.0


def test_keyword_arguments_are_traced_too():
    f = fg.jit(lambda x, *, scale: x * scale)
    np.testing.assert_array_equal(f(np.ones(2), scale=np.full(2, 3.0)), np.full(2, 3.0))


def test_the_cache_is_bounded_least_recently_used_first():
    calls: list = []

    def f(x):
        calls.append(x.shape)
        return x + 1

    jitted = fg.jit(f, cache_size=2)
    for n in (1, 2, 3, 1):
        jitted(np.zeros(n))
    assert calls == [(1,), (2,), (3,), (1,)]  # (1,) was evicted by (3,)
    assert jitted.cache_info()["signatures"] == 2


# --- guards ---------------------------------------------------------------------------


def _branchy(calls):
    def f(x):
        calls.append(1)
        if fnp.sum(x) > 0:
            return x * 2.0
        return -x

    return f


def test_python_control_flow_records_a_guard_and_retraces_on_the_other_side():
    calls: list = []
    f = fg.jit(_branchy(calls))
    pos, neg = np.ones(2), -np.ones(2)
    np.testing.assert_array_equal(f(pos), pos * 2)
    np.testing.assert_array_equal(f(neg), -neg)
    np.testing.assert_array_equal(f(pos), pos * 2)
    np.testing.assert_array_equal(f(neg), -neg)
    assert len(calls) == 2  # one trace per side
    assert f.cache_info()["variants"] == 2
    assert "if not" in f.lower(pos).source or "!= True" in f.lower(pos).source


def test_too_many_control_flow_paths_fall_back_to_eager_with_one_warning():
    def f(x):
        n = int(fnp.sum(x))  # a value-dependent size: a new path for every value
        return x * n

    jitted = fg.jit(f, max_variants=3)
    with pytest.warns(FuncgradJitWarning, match=r"3 different paths.*running it eagerly"):
        for k in range(6):
            np.testing.assert_array_equal(jitted(np.full(2, float(k))), f(np.full(2, float(k))))


def test_values_used_as_data_are_guarded_too():
    f = fg.jit(lambda x: fnp.sum(x[x > 0]))
    a, b = np.array([1.0, -2.0, 3.0]), np.array([-1.0, 2.0, 3.0])
    assert f(a) == 4.0 and f(b) == 5.0 and f(a) == 4.0


def test_retraces_are_explained_when_asked(caplog):
    calls: list = []
    f = fg.jit(_branchy(calls), explain_retrace=True)
    with caplog.at_level(logging.WARNING, logger="funcgrad.jit"):
        f(np.ones(2))
        f(np.ones(3))
        f(-np.ones(3))
    text = caplog.text
    assert "argument 0 changed from float64[2] to float64[3]" in text
    assert "test_jit.py" in text and "is no longer True" in text


# --- results ----------------------------------------------------------------------------


def test_results_are_fresh_arrays_the_next_call_does_not_overwrite():
    f = fg.jit(lambda x: (fnp.tanh(x) * 2.0, x))
    x = np.ones(3)
    a, same = f(x)
    b, _ = f(x * 2)
    assert same is not x and same.flags.writeable
    np.testing.assert_array_equal(a, np.tanh(x) * 2)
    a[0] = 99.0
    c, _ = f(x)
    assert c[0] != 99.0 and b[0] == np.tanh(2.0) * 2


def test_the_generated_source_is_inspectable():
    source = fg.jit(fg.value_and_grad(_counting([]))).lower(W, X).source
    assert source.startswith("def ") and "matmul(" in source and "tanh(" in source
    assert "Tracer" not in source


# --- composition -------------------------------------------------------------------------

LOSS = _counting([])
COMPOSITIONS = {
    "jit(grad)": (lambda: fg.jit(fg.grad(LOSS))(W, X), lambda: fg.grad(LOSS)(W, X)),
    "grad(jit)": (lambda: fg.grad(fg.jit(LOSS))(W, X), lambda: fg.grad(LOSS)(W, X)),
    "vmap(jit)": (
        lambda: fg.vmap(fg.jit(LOSS), in_axes=(None, 0))(W, np.stack([X, 2 * X])),
        lambda: fg.vmap(LOSS, in_axes=(None, 0))(W, np.stack([X, 2 * X])),
    ),
    "jit(vmap(grad))": (
        lambda: fg.jit(fg.vmap(fg.grad(LOSS), in_axes=(None, 0)))(W, X[:, None]),
        lambda: fg.vmap(fg.grad(LOSS), in_axes=(None, 0))(W, X[:, None]),
    ),
    "jit(jit)": (lambda: fg.jit(fg.jit(LOSS))(W, X), lambda: LOSS(W, X)),
    "jvp(jit)": (
        lambda: fg.jvp(fg.jit(LOSS), (W, X), (W, X)),
        lambda: fg.jvp(LOSS, (W, X), (W, X)),
    ),
    "hessian(jit)": (
        lambda: fg.hessian(lambda w: fg.jit(LOSS)(w.reshape(3, 2), X))(W.ravel()),
        lambda: fg.hessian(lambda w: LOSS(w.reshape(3, 2), X))(W.ravel()),
    ),
    "jit(hessian)": (
        lambda: fg.jit(fg.hessian(lambda w: LOSS(w.reshape(3, 2), X)))(W.ravel()),
        lambda: fg.hessian(lambda w: LOSS(w.reshape(3, 2), X))(W.ravel()),
    ),
    "grad(grad(jit))": (
        lambda: fg.grad(lambda w: fnp.sum(fg.grad(fg.jit(LOSS))(w, X) ** 2))(W),
        lambda: fg.grad(lambda w: fnp.sum(fg.grad(LOSS)(w, X) ** 2))(W),
    ),
    "jit(checkpoint)": (
        lambda: fg.jit(fg.grad(lambda w: fg.checkpoint(LOSS)(w, X)))(W),
        lambda: fg.grad(LOSS)(W, X),
    ),
}


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_jit_composes_with_every_transformation(name):
    got, expected = COMPOSITIONS[name]
    _close(got(), expected(), rtol=1e-10)


def test_custom_rules_apply_under_jit():
    @fg.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda c, g: (3.0 * g * c,))
    x = np.array([0.1, 0.7])
    for compose in (
        fg.jit(fg.grad(lambda x: fnp.sum(f(x)))),
        fg.grad(fg.jit(lambda x: fnp.sum(f(x)))),
    ):
        np.testing.assert_allclose(compose(x), 3.0 * np.cos(x), rtol=1e-12)


def test_an_optimizer_train_step_runs_under_jit():
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adam(1e-2))
    params = {"w": W.copy()}
    state = opt.init(params)

    def step(params, state, x):
        loss, grads = fg.value_and_grad(lambda p: LOSS(p["w"], x))(params)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state, loss

    compiled = fg.jit(step)
    p_e, s_e, p_j, s_j = params, state, params, state
    for _ in range(5):
        p_e, s_e, loss_e = step(p_e, s_e, X)
        p_j, s_j, loss_j = compiled(p_j, s_j, X)
        _close(loss_j, loss_e)
    _close(p_j, p_e)
    assert compiled.cache_info()["traces"] == 1


def test_nn_layers_run_under_jit():
    model = nn.Sequential(
        [nn.Dense.init(fg.random.key(0), 3, 8), nn.Dense.init(fg.random.key(1), 8, 1)]
    )
    f = fg.jit(lambda m, x: fnp.sum(m(x) ** 2))
    _close(f(model, X), fnp.sum(model(X) ** 2))
    _close(fg.jit(fg.grad(lambda m, x: fnp.sum(m(x) ** 2)))(model, X),
           fg.grad(lambda m, x: fnp.sum(m(x) ** 2))(model, X))  # fmt: skip


def test_jit_is_safe_across_threads():
    f = fg.jit(fg.grad(LOSS))
    expected = fg.grad(LOSS)(W, X)
    errors: list = []

    def run():
        try:
            for _ in range(20):
                np.testing.assert_array_equal(f(W, X), expected)
        except BaseException as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors


# --- make_graph ----------------------------------------------------------------------------


def test_make_graph_prints_one_equation_per_line():
    graph = fg.make_graph(lambda x: fnp.sum(fnp.sin(x)))(np.zeros(3))
    assert str(graph).splitlines() == [
        "{ lambda ; a:float64[3]. let",
        "    b:float64[3] = sin a",
        "    c:float64[] = sum[axis=(0,) keepdims=False] b",
        "  in (c,) }",
    ]


def test_make_graph_of_a_gradient_shows_the_derivative_program():
    graph = fg.make_graph(fg.grad(lambda x, y, z: (x + y) * z, argnums=(0, 1, 2)))(-2.0, 5.0, -4.0)
    prims = [e.prim.name for e in graph.eqns]
    assert prims.count("multiply") >= 2 and "add" in prims
    dot = graph.to_dot()
    assert dot.startswith("digraph") and "multiply" in dot and dot.rstrip().endswith("}")


def test_make_graph_takes_abstract_inputs():
    graph = fg.make_graph(lambda x: x @ x.T)(fg.ShapedArray((4, 3), np.float32))
    assert [str(a) for a in graph.out_avals] == ["float32[4,4]"]


# --- loops stay loops -------------------------------------------------------------------------


def _rnn(calls):
    U = RNG.standard_normal((3, 4))

    def loss(Wh, xs):
        def step(h, x):
            calls.append(1)
            h = fnp.tanh(h @ Wh + x @ U)
            return h, fnp.sum(h**2)

        h, ys = fg.scan(step, np.zeros(4), xs)
        return fnp.sum(ys) + fnp.sum(h)

    return loss


@pytest.mark.parametrize("T", [5, 200])
def test_jit_of_grad_of_an_rnn_is_two_loops_with_the_body_traced_once(T):
    calls: list = []
    loss = _rnn(calls)
    Wh, xs = RNG.standard_normal((4, 4)) * 0.3, RNG.standard_normal((T, 3))
    compiled = fg.jit(fg.grad(loss))
    got = compiled(Wh, xs)
    assert len(calls) == 1  # the step was traced once, whatever T is
    calls.clear()
    _close(got, fg.grad(loss)(Wh, xs), rtol=1e-10)
    source = compiled.lower(Wh, xs).source
    assert source.count("for _t in range(") == 2


def test_scan_cond_and_loops_under_every_transformation_match_python_loops():
    xs = RNG.standard_normal((6, 3))
    Wh = RNG.standard_normal((4, 4)) * 0.3
    loss = _rnn([])
    for transform in (fg.jit, lambda f: fg.jit(fg.jit(f))):
        _close(transform(loss)(Wh, xs), loss(Wh, xs))
        _close(transform(fg.grad(loss))(Wh, xs), fg.grad(loss)(Wh, xs))
    _close(fg.jvp(fg.jit(loss), (Wh, xs), (Wh, xs)), fg.jvp(loss, (Wh, xs), (Wh, xs)))
    batch = np.stack([xs, 0.5 * xs])
    _close(
        fg.jit(fg.vmap(loss, in_axes=(None, 0)))(Wh, batch),
        fg.vmap(loss, in_axes=(None, 0))(Wh, batch),
    )
