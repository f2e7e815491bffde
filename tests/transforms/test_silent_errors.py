"""Regressions for the classes of silently wrong results: each test sweeps its class.

Dropped derivatives (float() of a tracer), bitwise operators, custom rules in every
composition, aliased or read-only results, Python-scalar cotangents, keyword arguments of
vmap, and threads sharing the trace stack.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.trace import trace_stack

# --- converting a value with a derivative to a Python number -------------------------

CONVERSIONS = {
    "float": lambda x: float(x),
    "complex": lambda x: complex(x),
    "item": lambda x: x.item(),
    "tolist": lambda x: x.tolist(),
}
MODES = {
    "grad": lambda f: fg.grad(f)(3.0),
    "vjp": lambda f: fg.vjp(f, 3.0)[1](1.0),
    "jvp": lambda f: fg.jvp(f, (3.0,), (1.0,)),
    "jacrev": lambda f: fg.jacrev(f)(3.0),
    "hessian": lambda f: fg.hessian(f)(3.0),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("conversion", CONVERSIONS)
def test_converting_a_differentiated_value_to_a_python_number_is_refused(conversion, mode):
    convert = CONVERSIONS[conversion]

    def f(x):
        return fnp.real(convert(x) * x)

    with pytest.raises(TypeError, match=r"silently drop the derivative.*stop_gradient") as e:
        MODES[mode](f)
    assert "test_silent_errors.py" in str(e.value)  # names the user's line


@pytest.mark.parametrize("mode", MODES)
def test_control_flow_sizes_and_stop_gradient_conversions_keep_working(mode):
    def f(x):
        n = int(fnp.floor(x))  # a size: zero derivative
        y = x * n if x > 0 else -x  # control flow
        return y + float(fg.stop_gradient(x)) * x  # dropping it on purpose

    result = MODES[mode](f)
    assert result is not None
    assert np.allclose(fg.grad(f)(3.0), 3.0 + 3.0)


def test_grad_of_float_times_x_no_longer_gives_the_wrong_answer():
    with pytest.raises(TypeError):
        fg.grad(lambda x: float(x) * x)(3.0)
    assert fg.grad(lambda x: x * x)(3.0) == 6.0


# --- bitwise operators are numpy's bitwise ufuncs ------------------------------------

INTS = np.array([3, 5, 6])
BITWISE = {
    "~": (lambda a, b: ~a, lambda a, b: ~a),
    "&": (lambda a, b: a & b, lambda a, b: a & b),
    "|": (lambda a, b: a | b, lambda a, b: a | b),
    "^": (lambda a, b: a ^ b, lambda a, b: a ^ b),
    "ndarray &": (lambda a, b: INTS & a, lambda a, b: INTS & a),
}


@pytest.mark.parametrize("op", BITWISE)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_bitwise_operators_on_tracers_equal_numpy(op, dtype):
    traced, plain = BITWISE[op]
    a = INTS.astype(dtype)
    b = np.array([1, 4, 7]).astype(dtype)
    if op == "ndarray &" and dtype is np.bool_:
        pytest.skip("int & bool promotes; covered by the int cases")
    expected = plain(a, b)
    got = fg.vmap(lambda x, y: traced(x, y), in_axes=(0, 0))(a[None], b[None])[0]
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype

    def under_grad(x):
        out = traced(a, b) if op == "ndarray &" else traced(fnp.astype(x, dtype) * 0 + a, b)
        return fnp.sum(x) + 0 * fnp.sum(fnp.astype(out, float))

    assert fg.grad(under_grad)(np.ones(3)).tolist() == [1.0, 1.0, 1.0]


# --- custom rules apply in every composition -----------------------------------------


def _sin_with_wrong_vjp():
    """sin whose reverse rule is deliberately 3 cos x (so its use is visible)."""

    @fg.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda c, g: (3.0 * g * c,))
    return f


def _sin_with_wrong_jvp():
    @fg.custom_jvp
    def f(x):
        return fnp.sin(x)

    f.defjvp(lambda p, t: (fnp.sin(p[0]), 3.0 * fnp.cos(p[0]) * t[0]))
    return f


X = np.array([0.3, -0.5, 1.1])
RULE = 3.0 * np.cos(X)


@pytest.mark.parametrize(
    "compose",
    [
        pytest.param(lambda f: fg.grad(lambda x: fnp.sum(f(x)))(X), id="grad"),
        pytest.param(lambda f: fg.grad(lambda x: fnp.sum(fg.vmap(f)(x)))(X), id="grad(vmap)"),
        pytest.param(lambda f: fg.vmap(fg.grad(lambda x: fnp.sum(f(x))))(X), id="vmap(grad)"),
        pytest.param(lambda f: np.diag(fg.jacrev(f)(X)), id="jacrev"),
        pytest.param(lambda f: np.diag(fg.jacrev(fg.vmap(f))(X)), id="jacrev(vmap)"),
        pytest.param(
            lambda f: fg.vmap(fg.grad(lambda x: fnp.sum(fg.vmap(f)(x))))(np.stack([X, X]))[1],
            id="vmap(grad(vmap))",
        ),
    ],
)
def test_a_custom_vjp_rule_applies_in_every_reverse_composition(compose):
    np.testing.assert_allclose(compose(_sin_with_wrong_vjp()), RULE, rtol=1e-12)


@pytest.mark.parametrize(
    "compose",
    [
        pytest.param(lambda f: fg.jvp(f, (X,), (np.ones(3),))[1], id="jvp"),
        pytest.param(lambda f: fg.jvp(fg.vmap(f), (X,), (np.ones(3),))[1], id="jvp(vmap)"),
        pytest.param(lambda f: fg.vmap(lambda x: fg.jvp(f, (x,), (1.0,))[1])(X), id="vmap(jvp)"),
        pytest.param(lambda f: np.diag(fg.jacfwd(f)(X)), id="jacfwd"),
        pytest.param(lambda f: np.diag(fg.jacfwd(fg.vmap(f))(X)), id="jacfwd(vmap)"),
        pytest.param(lambda f: np.diag(fg.jacrev(fg.vmap(f))(X)), id="jacrev(vmap)"),
        pytest.param(lambda f: fg.grad(lambda x: fnp.sum(fg.vmap(f)(x)))(X), id="grad(vmap)"),
    ],
)
def test_a_custom_jvp_rule_applies_in_every_composition(compose):
    np.testing.assert_allclose(compose(_sin_with_wrong_jvp()), RULE, rtol=1e-12)


@pytest.mark.parametrize(
    "forward",
    [
        lambda f: fg.jvp(f, (X,), (np.ones(3),)),
        lambda f: fg.jacfwd(f)(X),
        lambda f: fg.jvp(fg.vmap(f), (X,), (np.ones(3),)),
    ],
)
def test_forward_mode_through_a_custom_vjp_is_refused_clearly(forward):
    with pytest.raises(TypeError, match=r"custom_vjp function `f`.*forward mode.*custom_jvp"):
        forward(_sin_with_wrong_vjp())


def test_forward_over_reverse_differentiates_the_rule_of_a_custom_vjp():
    # As in JAX: reverse mode consumes the rule, forward mode then differentiates fwd/bwd.
    h = fg.hessian(lambda x: fnp.sum(_sin_with_wrong_vjp()(x)))(X)
    np.testing.assert_allclose(h, np.diag(-3.0 * np.sin(X)), rtol=1e-12, atol=1e-15)


def test_custom_vjp_with_nondiff_argnums_passes_them_first_to_bwd():
    seen = {}

    def f(x, k):
        return x * k

    g = fg.custom_vjp(f, nondiff_argnums=(1,))

    def bwd(k, res, ct):
        seen["k"] = k
        return (ct * k * 10.0,)

    g.defvjp(lambda x, k: (x * k, None), bwd)
    assert fg.grad(lambda x: g(x, 2.0))(1.0) == 20.0
    assert seen["k"] == 2.0
    assert fg.vmap(fg.grad(lambda x: g(x, 3.0)))(np.ones(2)).tolist() == [30.0, 30.0]


def test_custom_jvp_defjvps_gives_one_rule_per_argument():
    @fg.custom_jvp
    def f(x, y):
        return x * y

    f.defjvps(lambda t, out, x, y: t * y * 10.0, lambda t, out, x, y: t * x)
    assert fg.jvp(f, (2.0, 3.0), (1.0, 0.0))[1] == 30.0
    assert fg.grad(f, argnums=(0, 1))(2.0, 3.0) == (30.0, 2.0)


def test_checkpoint_closing_over_a_traced_value_rematerialises_it():
    from funcgrad.primitives.elementwise import tanh_p

    from ..counting import counting

    w, x = np.array([0.3, -0.7]), np.array([0.5, 0.1])

    def loss(w, remat):
        step = lambda h: fnp.tanh(w * h + x)  # noqa: E731 - closes over the traced w
        if remat:
            step = fg.checkpoint(step)
        return fnp.sum(step(step(x)))

    expected = fg.grad(loss)(w, False)
    _, pullback = fg.vjp(lambda w: loss(w, True), w)
    with counting(tanh_p) as backward_tanhs:
        (got,) = pullback(1.0)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert backward_tanhs[0] == 2  # both calls recomputed in the backward pass, w included
    _, plain_pullback = fg.vjp(lambda w: loss(w, False), w)
    with counting(tanh_p) as plain_tanhs:
        plain_pullback(1.0)
    assert plain_tanhs[0] == 0


# --- every returned array is fresh, writable and unaliased ---------------------------


def _owns(x):
    return isinstance(x, np.ndarray) and x.base is None and x.flags.writeable


FRESH = {
    "grad of (a + b) * c": lambda: fg.grad(lambda p: (p["a"] + p["b"]) * p["c"])(
        {"a": np.array(1.0), "b": np.array(2.0), "c": np.array(3.0)}
    ),
    "grad of a sum (broadcast cotangent)": lambda: fg.grad(lambda x: fnp.sum(x))(np.ones((2, 3))),
    "grad of identity": lambda: fg.grad(lambda x, y: x + y, argnums=(0, 1))(1.0, 2.0),
    "vjp of identity": lambda: fg.vjp(lambda x: x, np.ones(3))[1](np.ones(3)),
    "vjp outputs": lambda: fg.vjp(lambda x: (x, x, x.T), np.ones((2, 2)))[0],
    "jvp of identity": lambda: fg.jvp(lambda x: (x, x), (np.ones(2),), (np.ones(2),)),
    "vmap of identity": lambda: fg.vmap(lambda x: (x, x))(np.ones((2, 3))),
    "vmap broadcast output": lambda: fg.vmap(lambda x: np.ones(3))(np.ones((2, 3))),
    "jacrev": lambda: fg.jacrev(lambda x: x)(np.ones(2)),
    "hessian": lambda: fg.hessian(lambda x: fnp.sum(x**2))(np.ones(2)),
}


@pytest.mark.parametrize("call", FRESH)
def test_returned_arrays_are_fresh_writable_and_distinct(call):
    leaves = fg.tree.leaves(FRESH[call]())
    for leaf in leaves:
        assert _owns(leaf), (call, leaf.flags, leaf.base is not None)
        assert leaf.flags.c_contiguous
    assert len({id(x) for x in leaves}) == len(leaves)
    leaves[0][...] = 123.0  # writing one result changes no other
    assert all(not np.all(x == 123.0) for x in leaves[1:] if x.size)


def test_results_never_alias_the_callers_arrays():
    x, ct = np.ones(3), np.full(3, 2.0)
    out, f_vjp = fg.vjp(lambda v: v, x)
    (g,) = f_vjp(ct)
    assert out is not x and g is not ct
    g[0] = 9.0
    assert ct[0] == 2.0 and x[0] == 1.0


# --- cotangents and keyword arguments --------------------------------------------------


@pytest.mark.parametrize("ct", [1.0, 1, np.float32(1.0), np.array(1.0), True])
def test_vjp_accepts_python_scalar_and_castable_cotangents(ct):
    (g,) = fg.vjp(lambda x: x * 2.0, np.array(3.0))[1](ct)
    assert g == 2.0 and g.dtype == np.float64


def test_vjp_cotangent_is_cast_to_the_outputs_float32():
    (g,) = fg.vjp(lambda x: x * 2, np.ones(2, np.float32))[1](np.ones(2))
    assert g.dtype == np.float32


def test_vmap_batches_keyword_arguments_along_axis_0():
    f = fg.vmap(lambda x, scale: x * scale, in_axes=(None,))
    got = f(np.ones(2), scale=np.arange(3.0))
    np.testing.assert_array_equal(got, np.arange(3.0)[:, None] * np.ones(2))
    with pytest.raises(ValueError, match=r"inconsistent sizes.*size 2.*size 3"):
        fg.vmap(lambda x, s: x * s)(np.ones((2, 1)), s=np.ones(3))


def test_vmap_axis_size_for_a_function_without_batched_inputs():
    out = fg.vmap(lambda x: x + 1.0, in_axes=None, axis_size=4)(np.ones(2))
    assert out.shape == (4, 2)


# --- threads ---------------------------------------------------------------------------


def _workloads():
    w = np.array([[0.3, -0.2], [0.5, 0.1]])

    def loss(w, x):
        return fnp.sum(fnp.tanh(x @ w) ** 2)

    xs = np.random.default_rng(0).standard_normal((4, 3, 2))
    return {
        "grad": lambda i: fg.grad(loss)(w, xs[i]),
        "vmap(grad)": lambda i: fg.vmap(fg.grad(loss), in_axes=(None, 0))(w, xs[i][:, None]),
        "hessian": lambda i: fg.hessian(lambda v: loss(v.reshape(2, 2), xs[i]))(w.ravel()),
        "jvp(grad)": lambda i: fg.jvp(lambda v: fg.grad(loss)(v, xs[i]), (w,), (w,)),
    }


def test_transformations_in_concurrent_threads_match_single_threaded_results():
    work = _workloads()
    expected = {(name, i): f(i) for name, f in work.items() for i in range(4)}
    results: dict = {}
    errors: list = []

    def run(name, i):
        try:
            for _ in range(15):
                got = work[name](i)
                fg.tree.map(
                    lambda a, b: np.testing.assert_allclose(a, b, rtol=0, atol=0),
                    got,
                    expected[name, i],
                )
            results[name, i] = True
            assert trace_stack() == ()
        except BaseException as e:
            errors.append((name, i, repr(e)))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # force interleavings inside the transformations
    try:
        threads = [threading.Thread(target=run, args=(name, i)) for name in work for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
    assert len(results) == len(expected)


def test_an_exception_or_interrupt_inside_a_transformation_leaves_the_stack_clean():
    def boom(x):
        raise KeyboardInterrupt

    for transform in (fg.grad, fg.vmap, lambda f: lambda x: fg.jvp(f, (x,), (x,))):
        with pytest.raises(KeyboardInterrupt):
            transform(boom)(np.ones(2))
        assert trace_stack() == ()
