"""``checkpoint`` (``remat``) with policies: what is saved, what is recomputed (counted by
implementation calls), equal gradients under every composition, and the error messages.
The basic rematerialisation tests live in ``test_custom.py``."""

from __future__ import annotations

import re

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.avals import ShapedArray
from funcgrad.primitives.conv import conv2d_p
from funcgrad.primitives.correlate import correlate_p
from funcgrad.primitives.elementwise import exp_p, tanh_p
from funcgrad.primitives.products import einsum_p, matmul_p
from funcgrad.testing import check_grads

from ..counting import counting

P = fg.checkpoint_policies
RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 3))
W1 = RNG.normal(size=(3, 4)) / 2
W2 = RNG.normal(size=(4, 2)) / 2


def block(w1, w2, x):
    """Two dense layers: two matmuls, two tanhs."""
    return fnp.tanh(fnp.tanh(x @ w1) @ w2)


def loss_of(f):
    return lambda w1, w2, x: fnp.sum(f(w1, w2, x) ** 2)


POLICIES = {
    "default": None,
    "nothing_saveable": P.nothing_saveable,
    "dots_saveable": P.dots_saveable,
    "dots_with_no_batch_dims_saveable": P.dots_with_no_batch_dims_saveable,
    "everything_saveable": P.everything_saveable,
}


def remat(policy):
    return fg.checkpoint(block, policy=policy)


def assert_same(got, expected):
    """Bitwise equal pytrees: the backward pass does the same arithmetic."""
    assert fg.tree.structure(got) == fg.tree.structure(expected)
    fg.tree.map(np.testing.assert_array_equal, got, expected)


def assert_close(got, expected):
    """Equal pytrees to rounding (rtol 1e-13), where a transformation reorders arithmetic."""
    assert fg.tree.structure(got) == fg.tree.structure(expected)
    check = lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)  # noqa: E731
    fg.tree.map(check, got, expected)


def phases(f, *args):
    """(matmuls, tanhs) computed in vjp's forward pass and in its backward pass."""
    with counting(matmul_p) as fwd_mm, counting(tanh_p) as fwd_tanh:
        out, pullback = fg.vjp(f, *args)
    with counting(matmul_p) as bwd_mm, counting(tanh_p) as bwd_tanh:
        grads = pullback(np.ones_like(out))
    return (fwd_mm[0], fwd_tanh[0]), (bwd_mm[0], bwd_tanh[0]), grads


# --- the names -----------------------------------------------------------------------


def test_remat_is_checkpoint_and_the_policies_have_jax_names():
    assert fg.remat is fg.checkpoint
    assert P.checkpoint_dots is P.dots_saveable
    assert P.checkpoint_dots_with_no_batch_dims is P.dots_with_no_batch_dims_saveable
    assert "checkpoint_policies" in dir(fg) and "remat" in dir(fg)


def test_policies_decide_by_primitive_and_shapes():
    m2, m3 = ShapedArray((3, 4), np.float64), ShapedArray((2, 3, 4), np.float64)
    assert P.dots_saveable(matmul_p, m2, m2) and P.dots_saveable(matmul_p, m3, m3)
    assert P.dots_saveable(conv2d_p, m2, m2) and P.dots_saveable(correlate_p, m2, m2)
    assert P.dots_saveable(einsum_p, m2, m2, subscripts="ij,jk->ik")
    assert not P.dots_saveable(einsum_p, m2, subscripts="ij->j")  # a reduction, no product
    assert not P.dots_saveable(tanh_p, m2)
    nb = P.dots_with_no_batch_dims_saveable
    assert nb(matmul_p, m2, m2) and not nb(matmul_p, m3, m2) and not nb(matmul_p, m2, m3)
    assert nb(einsum_p, m2, m2, subscripts="ij,jk->ik")
    assert not nb(einsum_p, m3, m3, subscripts="bij,bjk->bik")  # b: a batch dimension
    assert not nb(conv2d_p, m2, m2) and not nb(tanh_p, m2)
    for name in ("everything_saveable", "nothing_saveable"):
        answers = {getattr(P, name)(p, m2) for p in (tanh_p, matmul_p)}
        assert answers == {name == "everything_saveable"}


def test_a_policy_is_asked_with_the_primitive_its_input_avals_and_its_params():
    asked = []

    def policy(prim, *avals, **params):
        asked.append((prim, avals, params))
        return False

    f = fg.checkpoint(lambda x: fnp.sum(fnp.tanh(x @ W1), axis=0), policy=policy)
    fg.grad(lambda x: fnp.sum(f(x)))(X)
    by_name = {p.name: (avals, params) for p, avals, params in asked}
    assert by_name["matmul"] == (
        (ShapedArray((5, 3), np.float64), ShapedArray((3, 4), np.float64)),
        {},
    )
    assert by_name["tanh"][0] == (ShapedArray((5, 4), np.float64),)
    assert by_name["sum"][1]["axis"] == (0,)
    assert len(asked) == 3  # once per primitive, in the forward pass only


# --- what is recomputed --------------------------------------------------------------

# (matmuls, tanhs) in the backward pass, for block's 2 matmuls (2 VJP matmuls each: 4)
# and 2 tanhs: recomputing adds the forward's 2 matmuls and/or its 2 tanhs.
BACKWARD = {
    "plain": (4, 0),
    "default": (6, 2),
    "nothing_saveable": (6, 2),
    "dots_saveable": (4, 2),  # the matmuls' outputs were saved: only the tanhs run again
    "dots_with_no_batch_dims_saveable": (4, 2),
    "everything_saveable": (4, 0),  # as if there were no checkpoint
}


@pytest.mark.parametrize("name", list(BACKWARD))
def test_the_backward_pass_recomputes_what_the_policy_does_not_save(name):
    f = block if name == "plain" else remat(POLICIES[name])
    (_, fwd_tanh), backward, grads = phases(f, W1, W2, X)
    assert fwd_tanh == 2  # the forward pass runs once
    assert backward == BACKWARD[name]
    assert_same(grads, phases(block, W1, W2, X)[2])


@pytest.mark.parametrize("name", ["dots_saveable", "everything_saveable"])
def test_a_saving_policy_runs_the_forward_matmuls_once(name):
    (fwd_mm, _), _, _ = phases(remat(POLICIES[name]), W1, W2, X)
    assert fwd_mm == 2


def test_batched_matmuls_are_recomputed_by_the_no_batch_dims_policy():
    xs = np.stack([X, 2 * X])  # (2, 5, 3) @ (3, 4): a matmul with a batch dimension

    def f(w1, w2, x):
        return fnp.tanh(fnp.tanh(x @ w1) @ w2)

    for policy, recomputed in ((P.dots_saveable, 0), (P.dots_with_no_batch_dims_saveable, 2)):
        _, (mm, _), grads = phases(fg.checkpoint(f, policy=policy), W1, W2, xs)
        assert mm == 4 + recomputed
        assert_same(grads, phases(f, W1, W2, xs)[2])


def test_the_function_runs_twice_with_a_policy_and_once_without_reverse_mode():
    calls = []

    def f(w1, w2, x):
        calls.append(1)
        return block(w1, w2, x)

    g = fg.checkpoint(f, policy=P.dots_saveable)
    g(W1, W2, X)
    assert len(calls) == 1
    calls.clear()
    fg.grad(loss_of(g))(W1, W2, X)
    assert len(calls) == 2  # the forward pass, and the replay in the backward pass


def test_an_impure_function_that_changes_path_is_recomputed_not_given_stale_values():
    # the replay meets exp where the forward pass saved tanh: exp must not get tanh's value
    runs = []

    def f(x):
        runs.append(1)
        y = fnp.tanh(x) if len(runs) == 1 else fnp.exp(x)
        return y * x

    x = np.array([0.3, -0.8])
    with counting(exp_p) as exps:
        g = fg.grad(lambda x: fnp.sum(fg.checkpoint(f, policy=P.everything_saveable)(x)))(x)
    assert exps[0] == 1
    assert_close(g, np.exp(x) * x + np.exp(x))


# --- the same derivatives in every composition ---------------------------------------


@pytest.mark.parametrize("name", list(POLICIES))
def test_grad_and_hessian_equal_the_unchekpointed_ones(name):
    f = remat(POLICIES[name])
    args = (W1, W2, X)
    assert_same(
        fg.grad(loss_of(f), argnums=(0, 1, 2))(*args),
        fg.grad(loss_of(block), argnums=(0, 1, 2))(*args),
    )

    def flat(f):
        return lambda w: loss_of(f)(w[:12].reshape(3, 4), w[12:].reshape(4, 2), X)

    w = np.concatenate([W1.ravel(), W2.ravel()])
    assert_close(fg.hessian(flat(f))(w), fg.hessian(flat(block))(w))
    gg = lambda f: fg.grad(lambda w1: fnp.sum(fg.grad(loss_of(f))(w1, W2, X) ** 2))  # noqa: E731
    assert_close(gg(f)(W1), gg(block)(W1))


@pytest.mark.parametrize("name", list(POLICIES))
def test_forward_mode_vmap_and_jit_equal_the_uncheckpointed_ones(name):
    f = remat(POLICIES[name])
    t = (np.ones_like(W1), np.zeros_like(W2), X)
    assert_same(fg.jvp(f, (W1, W2, X), t), fg.jvp(block, (W1, W2, X), t))
    assert_same(fg.vmap(f, in_axes=(None, None, 0))(W1, W2, X), block(W1, W2, X[:, None, :])[:, 0])
    per_example = lambda f: fg.vmap(fg.grad(loss_of(f)), in_axes=(None, None, 0))  # noqa: E731
    assert_close(per_example(f)(W1, W2, X[:, None]), per_example(block)(W1, W2, X[:, None]))
    of_batched = lambda f: fg.grad(  # noqa: E731
        lambda w1: fnp.sum(fg.vmap(f, in_axes=(None, None, 0))(w1, W2, X[:, None]) ** 2)
    )
    assert_close(of_batched(f)(W1), of_batched(block)(W1))
    assert_close(
        fg.jit(fg.grad(loss_of(f), argnums=(0, 1)))(W1, W2, X),
        fg.grad(loss_of(block), argnums=(0, 1))(W1, W2, X),
    )
    assert_close(fg.grad(fg.jit(loss_of(f)))(W1, W2, X), fg.grad(loss_of(block))(W1, W2, X))
    assert_close(fg.jacrev(f)(W1, W2, X), fg.jacrev(block)(W1, W2, X))


def test_check_grads_of_a_policy_to_second_order():
    f = remat(P.dots_saveable)
    check_grads(lambda w1, w2: loss_of(f)(w1, w2, X), (W1, W2), order=2)


# --- inside scan bodies --------------------------------------------------------------

H0 = np.zeros((2, 4))
XS = RNG.normal(size=(6, 2, 4))
U = RNG.normal(size=(4, 4)) / 2


def cell(u, h, x):
    return fnp.tanh(h @ u + x)


def scan_loss(step):
    def loss(u):
        _, hs = fg.scan(lambda h, x: (step(u, h, x),) * 2, H0, XS)
        return fnp.sum(hs**2)

    return loss


@pytest.mark.parametrize(
    ("policy", "extra"),
    [(None, (6, 6)), (P.dots_saveable, (0, 6)), (P.everything_saveable, (0, 0))],
)
def test_a_checkpointed_scan_step_recomputes_per_step_what_the_policy_does_not_save(policy, extra):
    step = fg.checkpoint(cell, policy=policy)
    with counting(matmul_p) as mm, counting(tanh_p) as th:
        got = fg.grad(scan_loss(step))(U)
    with counting(matmul_p) as plain_mm, counting(tanh_p) as plain_th:
        expected = fg.grad(scan_loss(cell))(U)
    assert_same(got, expected)
    if policy is not None:  # the default runs the forward on plain arrays (numpy's @)
        assert (mm[0] - plain_mm[0], th[0] - plain_th[0]) == extra  # one per step of 6
    else:
        assert th[0] - plain_th[0] == extra[1]


@pytest.mark.parametrize("policy", [None, P.dots_saveable, P.everything_saveable])
def test_a_checkpointed_scan_step_under_jit_and_vmap(policy):
    step = fg.checkpoint(cell, policy=policy)
    assert_close(fg.jit(fg.grad(scan_loss(step)))(U), fg.grad(scan_loss(cell))(U))
    us = np.stack([U, -U])
    assert_close(fg.vmap(fg.grad(scan_loss(step)))(us), fg.vmap(fg.grad(scan_loss(cell)))(us))


# --- closures, static arguments, pytrees ---------------------------------------------


def test_a_policy_applies_to_a_function_closing_over_a_traced_value():
    def loss(policy):
        def inner(w1, w2):
            body = lambda x: block(w1, w2, x)  # noqa: E731
            f = body if policy == "plain" else fg.checkpoint(body, policy=policy)
            return fnp.sum(f(X) ** 2)

        return inner

    _, (plain_mm, plain_tanh), expected = phases(loss("plain"), W1, W2)
    assert plain_tanh == 0
    for policy, tanhs in ((P.dots_saveable, 2), (P.everything_saveable, 0)):
        _, backward, got = phases(loss(policy), W1, W2)
        assert backward == (plain_mm, tanhs)
        assert_same(got, expected)


def test_static_arguments_and_pytrees_with_a_policy():
    def layer(params, x, act):
        h = x @ params["w"] + params["b"]
        return {"h": fnp.tanh(h) if act == "tanh" else h}

    f = fg.checkpoint(layer, policy=P.dots_saveable, static_argnums=(2,))
    params = {"w": W1, "b": np.arange(4.0) / 10}

    def loss(layer):
        return lambda p: fnp.sum(layer(p, X, "tanh")["h"] ** 2) + fnp.sum(layer(p, X, "id")["h"])

    assert_same(fg.grad(loss(f))(params), fg.grad(loss(layer))(params))
    g = fg.checkpoint(layer, policy=P.dots_saveable, static_argnums=-1)
    assert_same(fg.grad(loss(g))(params), fg.grad(loss(layer))(params))


def test_make_graph_records_one_call_holding_the_policy():
    f = fg.checkpoint(lambda x: fnp.tanh(x @ W1), policy=P.dots_saveable)
    (eqn,) = fg.make_graph(f)(X).eqns
    assert eqn.prim.name == "checkpoint" and eqn.params["policy"] is P.dots_saveable


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["dots_saveable", 1, True])
def test_a_policy_that_is_not_callable_is_refused_naming_the_fix(policy):
    with pytest.raises(
        TypeError, match=r"checkpoint: policy must be callable.*fg\.checkpoint_policies"
    ):
        fg.checkpoint(block, policy=policy)


@pytest.mark.parametrize("static", ["x", 1.0, (0, "1"), (None,)])
def test_static_argnums_must_be_ints(static):
    with pytest.raises(
        TypeError, match=r"checkpoint: static_argnums must be an int or a tuple of ints"
    ):
        fg.checkpoint(block, static_argnums=static)


def test_out_of_range_static_argnums_name_the_argument_and_the_valid_positions():
    f = fg.checkpoint(block, static_argnums=(3,))
    msg = (
        "argument number 3 is out of range for a call with 3 arguments (static_argnums=(3,));"
        " the positions are 0..2"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        fg.grad(loss_of(f))(W1, W2, X)


def test_a_traced_static_argument_is_refused():
    f = fg.checkpoint(block, static_argnums=0)
    with pytest.raises(TypeError, match=r"argument 0 is declared static \(static_argnums\)"):
        fg.grad(loss_of(f))(W1, W2, X)


def test_policy_and_static_argnums_are_keyword_only():
    with pytest.raises(TypeError):
        fg.checkpoint(block, P.dots_saveable)  # type: ignore[misc]
    with pytest.raises(TypeError, match="`fun` must be callable"):
        fg.checkpoint(np.ones(2))
