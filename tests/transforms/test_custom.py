"""User-defined derivatives and rematerialisation: ``custom_vjp``, ``custom_jvp``,
``checkpoint``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import sin_p
from funcgrad.testing import check_grads, strategies as fst

from ..counting import counting


def _assert_close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# --- custom_vjp ----------------------------------------------------------------------


def _tripled_sin(log):
    """sin with a deliberately *wrong* reverse rule (3 cos x), so its use is visible."""

    @fg.custom_vjp
    def f(x):
        log.append("fun")
        return fnp.sin(x)

    def fwd(x):
        log.append("fwd")
        return fnp.sin(x), {"cos": fnp.cos(x), "x": x}

    def bwd(res, g):
        log.append("bwd")
        return (g * 3.0 * res["cos"],)

    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_without_transformation_calls_only_the_function():
    log: list = []
    f = _tripled_sin(log)
    _assert_close(f(0.5), np.sin(0.5))
    assert log == ["fun"]


@given(st.floats(-3.0, 3.0))
def test_custom_vjp_is_used_by_grad_with_fwd_and_bwd_called_once(x):
    log: list = []
    f = _tripled_sin(log)
    value, g = fg.value_and_grad(f)(x)
    _assert_close(value, np.sin(x))
    _assert_close(g, 3.0 * np.cos(x))
    assert log == ["fwd", "bwd"]


def test_custom_vjp_residuals_reach_bwd_unchanged():
    seen = {}

    @fg.custom_vjp
    def f(x, y):
        return x * y

    def fwd(x, y):
        return x * y, (x, y, "tag")

    def bwd(res, g):
        seen["res"] = res
        x, y, _ = res
        return g * y, g * x

    f.defvjp(fwd, bwd)
    gx, gy = fg.grad(lambda a, b: fnp.sum(f(a, b)), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([3.0, 4.0])
    )
    _assert_close(gx, [3.0, 4.0])
    _assert_close(gy, [1.0, 2.0])
    x_res, y_res, tag = seen["res"]
    assert tag == "tag"
    _assert_close(x_res, [1.0, 2.0])
    _assert_close(y_res, [3.0, 4.0])


def test_custom_vjp_with_pytree_arguments_and_output():
    @fg.custom_vjp
    def f(params, xs):
        return {"out": params["w"] * xs[0] + params["b"], "aux": xs[1]}

    def fwd(params, xs):
        return f(params, xs), (params, xs)

    def bwd(res, g):
        params, xs = res
        gw = g["out"] * xs[0]
        return {"w": gw, "b": g["out"]}, [g["out"] * params["w"], g["aux"]]

    f.defvjp(fwd, bwd)
    params = {"w": np.array(2.0), "b": np.array(0.5)}
    xs = [np.array(3.0), np.array(-1.0)]

    def loss(p, x):
        out = f(p, x)
        return out["out"] * out["out"] + out["aux"]

    gp, gx = fg.grad(loss, argnums=(0, 1))(params, xs)
    r = 2.0 * 3.0 + 0.5
    assert fg.tree.structure(gp) == fg.tree.structure(params)
    assert isinstance(gx, list)
    _assert_close(gp["w"], 2 * r * 3.0)
    _assert_close(gp["b"], 2 * r)
    _assert_close(gx[0], 2 * r * 2.0)
    _assert_close(gx[1], 1.0)


def test_custom_vjp_bwd_may_return_none_for_an_argument():
    @fg.custom_vjp
    def scale(x, k):
        return x * k

    scale.defvjp(lambda x, k: (x * k, k), lambda k, g: (g * k, None))
    gx, gk = fg.grad(lambda x, k: scale(x, k), argnums=(0, 1))(2.0, 5.0)
    assert gx == 5.0
    assert gk == 0.0
    assert type(gk) is np.ndarray


def _pair(bwd):
    @fg.custom_vjp
    def pair(x, y):
        return x * y

    pair.defvjp(lambda x, y: (x * y, (x, y)), bwd)
    return pair


@pytest.mark.parametrize(
    ("bwd", "error", "pattern"),
    [
        (lambda res, g: (g,), TypeError, r"`pair`.*one cotangent per argument \(2\).*length 1"),
        (lambda res, g: g, TypeError, r"`pair`.*one cotangent per argument \(2\)"),
        (
            lambda res, g: (g, np.ones(3)),
            ValueError,
            r"`pair`.*shape \(3,\).*argument 1.*shape \(\)",
        ),
    ],
    ids=["too few", "not a tuple", "wrong shape"],
)
def test_custom_vjp_bwd_errors_name_the_function_and_the_problem(bwd, error, pattern):
    with pytest.raises(error, match=pattern):
        fg.grad(_pair(bwd))(1.0, 2.0)


def test_custom_vjp_without_a_rule_says_to_call_defvjp():
    @fg.custom_vjp
    def f(x):
        return x

    with pytest.raises(TypeError, match="defvjp"):
        f(1.0)


def _sin_with_fnp_bwd():
    @fg.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (g * fnp.cos(x),))
    return f


@given(st.floats(-3.0, 3.0))
def test_grad_of_grad_through_a_custom_vjp_whose_bwd_uses_fnp(x):
    f = _sin_with_fnp_bwd()
    _assert_close(fg.grad(fg.grad(f))(x), -np.sin(x))
    _assert_close(fg.grad(fg.grad(fg.grad(f)))(x), -np.cos(x))


def test_vmap_of_grad_of_a_custom_vjp():
    log: list = []
    f = _tripled_sin(log)
    xs = np.array([0.1, 0.5, 2.0])
    _assert_close(fg.vmap(fg.grad(f))(xs), 3.0 * np.cos(xs))
    _assert_close(fg.vmap(f)(xs), np.sin(xs))


# --- custom_jvp ----------------------------------------------------------------------


def _tripled_identity(log):
    """The identity with a deliberately *wrong* rule (tangent times 3)."""

    @fg.custom_jvp
    def f(x):
        return x * 1.0

    @f.defjvp
    def rule(primals, tangents):
        log.append("rule")
        (x,), (t,) = primals, tangents
        return f(x), 3.0 * t

    return f


def test_custom_jvp_rule_is_used_by_jvp_and_by_grad():
    log: list = []
    f = _tripled_identity(log)
    out, t = fg.jvp(f, (2.0,), (1.0,))
    assert out == 2.0
    assert t == 3.0
    assert log == ["rule"]
    assert fg.grad(f)(2.0) == 3.0  # reverse mode derived from the rule
    np.testing.assert_array_equal(fg.jacrev(f)(np.array([1.0, 2.0])), 3.0 * np.eye(2))
    np.testing.assert_array_equal(fg.jacfwd(f)(np.array([1.0, 2.0])), 3.0 * np.eye(2))


def test_custom_jvp_without_transformation_calls_only_the_function():
    log: list = []
    f = _tripled_identity(log)
    assert f(2.0) == 2.0
    assert log == []


@fg.custom_jvp
def log1pexp(x):
    return fnp.log(1.0 + fnp.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), t * (1.0 - 1.0 / (1.0 + fnp.exp(x)))


def _naive_log1pexp(x):
    return fnp.log(1.0 + fnp.exp(x))


def test_custom_jvp_makes_a_nan_derivative_safe():
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(fg.grad(_naive_log1pexp)(1000.0))  # inf * 0 in the naive chain
        assert fg.grad(log1pexp)(1000.0) == 1.0
        assert fg.jvp(log1pexp, (1000.0,), (1.0,))[1] == 1.0
        np.testing.assert_array_equal(
            fg.vmap(fg.grad(log1pexp))(np.array([1000.0, 800.0])), [1.0, 1.0]
        )


@given(st.floats(-5.0, 5.0))
def test_custom_jvp_matches_the_true_derivatives(x):
    s = 1.0 / (1.0 + np.exp(-x))
    _assert_close(fg.grad(log1pexp)(x), s)
    _assert_close(fg.jvp(log1pexp, (x,), (2.0,))[1], 2.0 * s)
    _assert_close(fg.grad(fg.grad(log1pexp))(x), s * (1 - s))
    _assert_close(fg.jvp(fg.grad(log1pexp), (x,), (1.0,))[1], s * (1 - s))


def test_custom_jvp_with_several_pytree_arguments():
    @fg.custom_jvp
    def f(p, x):
        return p["a"] * fnp.sin(x)

    @f.defjvp
    def _(primals, tangents):
        (p, x), (tp, tx) = primals, tangents
        return f(p, x), tp["a"] * fnp.sin(x) + p["a"] * fnp.cos(x) * tx

    p = {"a": np.array(2.0)}
    gp, gx = fg.grad(f, argnums=(0, 1))(p, 0.4)
    _assert_close(gp["a"], np.sin(0.4))
    _assert_close(gx, 2.0 * np.cos(0.4))
    _, t = fg.jvp(f, (p, 0.4), ({"a": np.array(1.0)}, 0.0))
    _assert_close(t, np.sin(0.4))


def test_custom_jvp_with_an_integer_argument():
    @fg.custom_jvp
    def power(x, n):
        return x**n

    power.defjvp(lambda p, t: (power(*p), t[0] * p[1] * p[0] ** (p[1] - 1)))
    assert fg.grad(lambda x: power(x, 3))(2.0) == 12.0
    assert fg.jvp(lambda x: power(x, 3), (2.0,), (1.0,))[1] == 12.0


# --- checkpoint ----------------------------------------------------------------------


def _block(x, w):
    h = fnp.tanh(x * w)
    return fnp.sin(h) * h + x


@given(fst.arrays(shape=(3,)), fst.arrays(shape=(3,)))
def test_checkpoint_gives_the_same_gradients(x, w):
    def loss(f):
        return lambda x, w: fnp.sum(f(f(x, w), w) * w)

    plain = fg.grad(loss(_block), argnums=(0, 1))(x, w)
    remat = fg.grad(loss(fg.checkpoint(_block)), argnums=(0, 1))(x, w)
    fg.tree.map(lambda a, b: _assert_close(a, b, rtol=1e-14), remat, plain)


def _counting(calls):
    def body(x):
        calls.append(1)
        return fnp.sin(fnp.sin(x)) * x

    return body


def test_checkpoint_recomputes_during_the_backward_pass():
    calls: list = []
    f = fg.checkpoint(_counting(calls))
    f(0.5)
    assert len(calls) == 1  # no transformation: one call
    calls.clear()
    with counting(sin_p) as sins:
        v, g = fg.value_and_grad(f)(0.5)
    assert len(calls) == 2  # forward once, once more in the backward pass
    assert sins[0] == 4  # two sins forward, the same two once more in the backward pass
    with counting(sin_p) as plain_sins:
        v_plain, g_plain = fg.value_and_grad(_counting([]))(0.5)
    assert plain_sins[0] == 2
    _assert_close(v, v_plain)
    _assert_close(g, g_plain)


def test_checkpoint_nested_in_grad_of_grad():
    f = fg.checkpoint(_counting([]))
    with counting(sin_p) as sins:
        got = fg.grad(fg.grad(f))(0.5)
    with counting(sin_p) as plain_sins:
        expected = fg.grad(fg.grad(_counting([])))(0.5)
    assert sins[0] > plain_sins[0]  # the inner backward pass recomputed the block
    _assert_close(got, expected)
    _assert_close(fg.grad(fg.grad(fg.grad(f)))(0.5), fg.grad(fg.grad(fg.grad(_counting([]))))(0.5))


def test_checkpoint_with_pytrees_and_constant_arguments():
    @fg.checkpoint
    def layer(params, x, k):
        return {"y": fnp.tanh(params["w"] * x + params["b"]) * k}, x * 2.0

    def loss(params, x):
        out, x2 = layer(params, x, 3.0)
        return fnp.sum(out["y"] * x2) + fnp.sum(layer(params, x, 2)[0]["y"])

    def plain(params, x):
        return fnp.sum(fnp.tanh(params["w"] * x + params["b"]) * 3.0 * (x * 2.0)) + fnp.sum(
            fnp.tanh(params["w"] * x + params["b"]) * 2
        )

    params = {"w": np.array([0.5, -1.0]), "b": np.array(0.1)}
    x = np.array([1.0, 2.0])
    got = fg.grad(loss, argnums=(0, 1))(params, x)
    expected = fg.grad(plain, argnums=(0, 1))(params, x)
    assert fg.tree.structure(got) == fg.tree.structure(expected)
    fg.tree.map(_assert_close, got, expected)


def test_checkpoint_under_forward_mode_and_vmap():
    f = fg.checkpoint(_block)
    x, w = np.array([0.1, 0.2]), np.array([1.5, -0.5])
    _assert_close(fg.vmap(f)(x, w), fg.vmap(_block)(x, w))
    t = np.array([1.0, -1.0])
    fg.tree.map(_assert_close, fg.jvp(f, (x, w), (t, t)), fg.jvp(_block, (x, w), (t, t)))
    _assert_close(
        fg.vmap(fg.grad(lambda a, b: fnp.sum(f(a, b))))(x[:, None], w[:, None]),
        fg.vmap(fg.grad(lambda a, b: fnp.sum(_block(a, b))))(x[:, None], w[:, None]),
    )


def test_custom_vjp_cotangent_pytrees_may_hold_none_but_must_match_structure():
    def make(bwd):
        @fg.custom_vjp
        def f(p):
            return p["w"] * p["b"]

        f.defvjp(lambda p: (f(p), p), bwd)
        return f

    p = {"w": np.array(2.0), "b": np.array(3.0)}
    f = make(lambda p, g: ({"w": g * p["b"], "b": None},))
    g = fg.grad(f)(p)
    assert g["w"] == 3.0
    assert g["b"] == 0.0
    f = make(lambda p, g: ({"w": g * p["b"]},))
    with pytest.raises(TypeError, match=r"`f`.*argument 0.*structure"):
        fg.grad(f)(p)


def test_checkpoint_closing_over_a_traced_value_still_differentiates_correctly():
    # The closed-over W is followed by grad; the call falls back to ordinary recording.
    def loss(w, x):
        step = fg.checkpoint(lambda h: fnp.tanh(w * h + x))
        return fnp.sum(step(step(x)))

    check_grads(loss, (np.array([0.3, -0.7]), np.array([0.5, 0.1])), order=2)


@pytest.mark.parametrize("kind", ["custom_vjp", "custom_jvp"])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_custom_rule_closing_over_a_traced_value_is_refused_naming_it(kind, mode):
    def loss(w, x):
        if kind == "custom_vjp":

            @fg.custom_vjp
            def f(x):
                return fnp.sin(w * x)

            f.defvjp(lambda x: (fnp.sin(w * x), x), lambda x, g: (g * w * fnp.cos(w * x),))
        else:

            @fg.custom_jvp
            def f(x):
                return fnp.sin(w * x)

            f.defjvp(lambda p, t: (fnp.sin(w * p[0]), w * fnp.cos(w * p[0]) * t[0]))
        return fnp.sum(f(x))

    w, x = np.array([0.3, -0.7]), np.array([0.5, 0.1])
    if mode == "jvp" and kind == "custom_vjp":
        pattern = "forward mode"
    else:
        pattern = r"closes over a traced value \(float64\[2\]\).*as an argument"
    with pytest.raises(TypeError, match=pattern):
        if mode == "grad":
            fg.grad(loss)(w, x)
        else:
            fg.jvp(loss, (w, x), (w, x))


def _closing_loss(kind):
    """A loss whose custom rule (deliberately 100x off) closes over a value made inside it."""

    def loss(x):
        c = x * 2.0
        if kind == "custom_vjp":

            @fg.custom_vjp
            def f(y):
                return fnp.sin(y) * c

            f.defvjp(lambda y: (fnp.sin(y) * c, y), lambda y, g: (100.0 * g,))
        else:

            @fg.custom_jvp
            def f(y):
                return fnp.sin(y) * c

            f.defjvp(lambda p, t: (fnp.sin(p[0]) * c, 100.0 * t[0]))
        return fnp.sum(f(x))

    return loss


@pytest.mark.parametrize("kind", ["custom_vjp", "custom_jvp"])
def test_a_custom_rule_closing_over_a_jitted_value_is_refused_under_grad_of_jit(kind):
    # jit records such a call as its primal code; differentiating that graph must refuse
    # (as eager grad does), not silently use the primal code's derivative over the rule.
    loss, x = _closing_loss(kind), np.array([0.5, -1.0])
    pattern = r"closes over a value computed inside a jitted function \(float64\[2\]\).*argument"
    for transform in (fg.grad, fg.jacfwd, fg.jacrev):
        with pytest.raises(TypeError, match=pattern):
            transform(fg.jit(loss))(x)
    with pytest.raises(TypeError, match="closes over a traced value"):
        fg.grad(loss)(x)  # eager grad refuses the same program


@pytest.mark.parametrize("kind", ["custom_vjp", "custom_jvp"])
def test_a_jitted_custom_rule_closure_still_evaluates_and_batches(kind):
    loss, x = _closing_loss(kind), np.array([0.5, -1.0])
    np.testing.assert_array_equal(fg.jit(loss)(x), loss(x))
    xs = np.array([[0.5, -1.0], [0.2, 0.3]])
    np.testing.assert_array_equal(fg.vmap(fg.jit(loss))(xs), [loss(r) for r in xs])
