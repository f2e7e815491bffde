"""``scan`` and ``truncated_scan``: values, derivatives in every mode (backpropagation through
time), vmap, pytrees, reverse, truncation, checkpointing and the error messages."""

from __future__ import annotations

import re

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import tanh_p
from funcgrad.primitives.loops import unstack
from funcgrad.testing import check_grads

from ..counting import counting


def _assert_close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _tree_close(a, b, **kw):
    la, ta = fg.tree.flatten(a)
    lb, tb = fg.tree.flatten(b)
    assert ta == tb
    for x, y in zip(la, lb, strict=True):
        _assert_close(x, y, **kw)


def _python_scan(f, init, xs, length=None, reverse=False):
    """The reference: the loop scan's docstring describes, written out."""
    leaves, tree = fg.tree.flatten(xs)
    n = length if length is not None else len(leaves[0])
    carry, ys = init, [None] * n
    for t in reversed(range(n)) if reverse else range(n):
        carry, ys[t] = f(carry, tree.unflatten([x[t] for x in leaves]))
    y_leaves = [fg.tree.leaves(y) for y in ys]
    y_tree = fg.tree.structure(ys[0])
    stacked = [fnp.stack([y[j] for y in y_leaves]) for j in range(len(y_leaves[0]))]
    return carry, y_tree.unflatten(stacked)


RNG = np.random.default_rng(0)
W = RNG.standard_normal((3, 3)) * 0.5
U = RNG.standard_normal((3, 2))
H0 = RNG.standard_normal(3) * 0.1
XS = RNG.standard_normal((5, 2))


def _rnn_loss(scan_fn):
    """A small tanh RNN whose parameters are closed over by the step function."""

    def loss(w, u, h0, xs):
        def step(h, x):
            h = fnp.tanh(w @ h + u @ x)
            return h, fnp.sum(h * h)

        h, ys = scan_fn(step, h0, xs)
        return fnp.sum(ys) + fnp.sum(fnp.sin(h))

    return loss


# --- values --------------------------------------------------------------------------


def test_values_match_a_python_loop_with_pytrees():
    def f(carry, x):
        h, count = carry["h"], carry["n"]
        h = fnp.tanh(W @ h + U @ x["a"]) * x["b"]
        return {"h": h, "n": count + 1}, (h, {"sq": h * h, "none": None})

    init = {"h": H0, "n": np.int64(0)}
    xs = {"a": XS, "b": RNG.standard_normal(5)}
    for reverse in (False, True):
        got = fg.scan(f, init, xs, reverse=reverse)
        want = _python_scan(f, init, xs, reverse=reverse)
        _tree_close(got, want)
    carry, _ = fg.scan(f, init, xs)
    assert int(carry["n"]) == 5
    assert isinstance(fg.scan(f, init, xs)[1][0], np.ndarray)


def test_reverse_puts_each_y_at_its_own_position():
    carry, ys = fg.scan(lambda c, x: (c + x, c), 0.0, np.arange(1.0, 5.0), reverse=True)
    assert float(carry) == 10.0
    _assert_close(ys, [9.0, 7.0, 4.0, 0.0])  # ys[t] is the carry before xs[t] was added


def test_xs_none_with_length_and_ys_none():
    carry, ys = fg.scan(lambda c, x: (c * 2.0, None), 1.0, None, length=4)
    assert float(carry) == 16.0 and ys is None
    carry, ys = fg.scan(lambda c, x: (c + 1.0, x), 0.0, None, length=3)
    assert ys is None and float(carry) == 3.0


def test_zero_steps_give_empty_ys_of_the_right_shape():
    carry, ys = fg.scan(lambda c, x: (c + x, (c * x, x[:1])), H0, np.zeros((0, 3)))
    _assert_close(carry, H0)
    assert ys[0].shape == (0, 3) and ys[1].shape == (0, 1)


def test_python_scalar_init_takes_the_dtype_of_f():
    xs = np.arange(4, dtype=np.float32)
    carry, ys = fg.scan(lambda c, x: (c + x, c), 0.0, xs)
    assert carry.dtype == np.float32 and ys.dtype == np.float32
    assert float(carry) == 6.0


def test_float32_stays_float32_under_grad():
    xs = XS.astype(np.float32)
    w = W.astype(np.float32)

    def loss(w):
        h, _ = fg.scan(lambda h, x: (fnp.tanh(w @ h + fnp.sum(x)), None), H0.astype("f4"), xs)
        return fnp.sum(h)

    assert fg.grad(loss)(w).dtype == np.float32


# --- derivatives ---------------------------------------------------------------------


def test_grad_is_backprop_through_time():
    args = (W, U, H0, XS)
    got = fg.grad(_rnn_loss(fg.scan), argnums=(0, 1, 2, 3))(*args)
    want = fg.grad(_rnn_loss(_python_scan), argnums=(0, 1, 2, 3))(*args)
    _tree_close(got, want)


def test_check_grads_orders_1_and_2_in_both_modes():
    check_grads(_rnn_loss(fg.scan), (W, U, H0, XS), order=2, modes=("rev", "fwd"))


def test_check_grads_with_reverse_and_vector_outputs():
    def f(w, xs):
        return fg.scan(lambda h, x: (fnp.tanh(w @ h + U @ x), h * x[0]), H0, xs, reverse=True)

    check_grads(f, (W, XS), order=2)


def test_jvp_matches_the_python_loop():
    tangents = tuple(RNG.standard_normal(np.shape(a)) for a in (W, U, H0, XS))
    got = fg.jvp(_rnn_loss(fg.scan), (W, U, H0, XS), tangents)
    want = fg.jvp(_rnn_loss(_python_scan), (W, U, H0, XS), tangents)
    _tree_close(got, want)


def test_gradient_with_respect_to_the_sequence_is_dense():
    def loss(xs):
        _, ys = fg.scan(lambda c, x: (c + x, c * x), 1.0, xs)
        return fnp.sum(ys)

    xs = np.arange(1.0, 5.0)
    check_grads(loss, (xs,), order=2)


def test_hessian_and_jacobians_through_scan():
    def run(scan_fn):
        def f(h0, xs):
            return scan_fn(lambda h, x: (fnp.tanh(W @ h + U @ x), h * h), h0, xs)[1]

        return f

    for jac in (fg.jacrev, fg.jacfwd):
        _assert_close(jac(run(fg.scan), 1)(H0, XS), jac(run(_python_scan), 1)(H0, XS))
    loss = _rnn_loss(fg.scan)
    _assert_close(
        fg.hessian(loss, 2)(W, U, H0, XS), fg.hessian(_rnn_loss(_python_scan), 2)(W, U, H0, XS)
    )


# --- vmap ----------------------------------------------------------------------------


def test_vmap_over_a_batch_of_sequences_equals_a_loop():
    batch = RNG.standard_normal((4, 5, 2))

    def run(xs):
        return fg.scan(lambda h, x: (fnp.tanh(W @ h + U @ x), h), H0, xs)

    got = fg.vmap(run)(batch)
    want = [run(xs) for xs in batch]
    _assert_close(got[0], np.stack([w[0] for w in want]))
    _assert_close(got[1], np.stack([w[1] for w in want]))
    # the batch axis of xs behind the time axis, and batched initial states
    got_t = fg.vmap(run, in_axes=1)(np.moveaxis(batch, 0, 1))
    _assert_close(got_t[1], got[1])
    h0s = RNG.standard_normal((4, 3))

    def from_state(h0):
        return fg.scan(lambda h, x: (fnp.tanh(W @ h + U @ x), h), h0, XS)

    got_h = fg.vmap(from_state)(h0s)
    for i in range(4):
        _assert_close(got_h[0][i], from_state(h0s[i])[0])


def test_per_example_gradients_through_scan():
    batch = RNG.standard_normal((3, 5, 2))
    loss = _rnn_loss(fg.scan)
    got = fg.vmap(fg.grad(loss), in_axes=(None, None, None, 0))(W, U, H0, batch)
    for i in range(3):
        _assert_close(got[i], fg.grad(loss)(W, U, H0, batch[i]))


def test_unstack_under_every_transformation():
    x = RNG.standard_normal((3, 4, 2))
    for axis in range(3):
        parts = unstack(x, axis)
        assert len(parts) == x.shape[axis]
        _assert_close(np.stack(parts, axis), x)
        for b in range(3):  # vmap with the batch axis before and after the split axis
            if b == axis:
                continue
            a = axis - (b < axis)
            got = fg.vmap(lambda v, a=a: fnp.stack(unstack(v, a)), in_axes=b)(x)
            want = np.stack([np.stack(unstack(np.take(x, i, b), a)) for i in range(x.shape[b])])
            _assert_close(got, want)
    weights = RNG.standard_normal(x.shape)

    def f(v):
        pairs = zip(unstack(v, 1), unstack(weights, 1), strict=True)
        return fnp.stack([fnp.sin(s) * w for s, w in pairs])

    check_grads(f, (x,), order=2)


# --- truncated backpropagation through time ------------------------------------------


def _linear_recurrence(scan_fn):
    def loss(a, xs):
        _, hs = scan_fn(lambda h, x: (a * h + x, a * h + x), 0.5, xs)
        return fnp.sum(hs)

    return loss


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_truncated_gradient_equals_the_hand_computed_one(k):
    a, xs = 0.9, np.array([1.0, -2.0, 0.5, 3.0, 1.5, -1.0, 2.0])
    hs = [0.5]  # hs[j]: the carry entering step j
    for x in xs:
        hs.append(a * hs[-1] + x)
    # d h_{s+1} / d a within the chunk of step s: sum_{j=start}^{s} a^(s-j) h_j
    want = sum(a ** (s - j) * hs[j] for s in range(len(xs)) for j in range((s // k) * k, s + 1))
    loss = _linear_recurrence(lambda f, i, x: fg.truncated_scan(f, i, x, truncation=k))
    _assert_close(fg.grad(loss)(a, xs), want)
    _assert_close(fg.jvp(loss, (a, xs), (1.0, np.zeros_like(xs)))[1], want)  # forward mode
    _assert_close(loss(a, xs), _linear_recurrence(fg.scan)(a, xs))  # values unchanged
    full = fg.grad(_linear_recurrence(fg.scan))(a, xs)
    assert (abs(float(fg.grad(loss)(a, xs)) - float(full)) < 1e-12) == (k >= len(xs))


def test_truncated_scan_matches_explicit_stop_gradient_with_pytrees_and_reverse():
    def step(c, x):
        h = fnp.tanh(W @ c["h"] + U @ x)
        return {"h": h, "s": c["s"] + fnp.sum(h)}, h

    def by_hand(w_scale, reverse):
        carry = {"h": H0 * w_scale, "s": 0.0 * w_scale}
        ys = [None] * len(XS)
        order = list(reversed(range(len(XS)))) if reverse else list(range(len(XS)))
        for count, t in enumerate(order):
            if count and count % 2 == 0:
                carry = fg.tree.map(fg.stop_gradient, carry)
            carry, ys[t] = step(carry, XS[t])
        return fnp.sum(fnp.stack(ys) ** 2) + carry["s"]

    def with_tbptt(w_scale, reverse):
        carry, ys = fg.truncated_scan(
            step, {"h": H0 * w_scale, "s": 0.0 * w_scale}, XS, 2, reverse=reverse
        )
        return fnp.sum(ys**2) + carry["s"]

    for reverse in (False, True):
        _assert_close(
            fg.grad(with_tbptt)(1.3, reverse), fg.grad(by_hand)(1.3, reverse), rtol=1e-12
        )


def test_truncation_must_be_a_positive_int():
    with pytest.raises(ValueError, match="truncation must be >= 1"):
        fg.truncated_scan(lambda c, x: (c, x), 0.0, XS, 0)
    with pytest.raises(TypeError, match="positive int"):
        fg.truncated_scan(lambda c, x: (c, x), 0.0, XS, 1.5)


# --- checkpointing each step ---------------------------------------------------------


def test_checkpointed_steps_give_the_same_gradients_and_recompute():
    calls = []

    def cell(w, h, x):
        calls.append(1)
        return fnp.tanh(w @ h + U @ x)

    def loss(w, remat):
        step = fg.checkpoint(cell) if remat else cell

        def f(h, x):
            h = step(w, h, x)  # parameters passed as arguments, not closed over
            return h, h

        _, hs = fg.scan(f, H0, XS)
        return fnp.sum(hs**2)

    with counting(tanh_p) as plain_tanhs:
        plain = fg.grad(loss)(W, False)
    assert len(calls) == len(XS)
    calls.clear()
    with counting(tanh_p) as remat_tanhs:
        remat = fg.grad(loss)(W, True)
    assert len(calls) == 2 * len(XS)  # each step runs again in the backward pass
    assert plain_tanhs[0] == len(XS)
    assert remat_tanhs[0] == 2 * len(XS)
    _assert_close(remat, plain)
    check_grads(lambda w: loss(w, True), (W,), order=2)


# --- errors --------------------------------------------------------------------------


def test_carry_shape_mismatch_names_both_shapes():
    msg = "scan: the carry returned by `f` has shape (3,) but init has shape (4,)"
    with pytest.raises(TypeError, match=re.escape(msg)):
        fg.scan(lambda c, x: (c[:3], x), np.zeros(4), XS)
    with pytest.raises(TypeError, match=re.escape(msg)):  # the same under grad
        fg.grad(lambda c: fnp.sum(fg.scan(lambda c, x: (c[:3], x), c, XS)[1]))(np.zeros(4))


def test_carry_dtype_structure_and_pair_errors():
    with pytest.raises(TypeError, match="has dtype float64 but init has dtype float32"):
        fg.scan(lambda c, x: (c + x, x), np.zeros(2, np.float32), XS)
    with pytest.raises(TypeError, match=r"carry leaf 1 of 2"):
        fg.scan(lambda c, x: ((c[0], c[1][:1]), x), (np.zeros(2), np.zeros(2)), XS)
    with pytest.raises(TypeError, match="has structure"):
        fg.scan(lambda c, x: (c[0], x), (np.zeros(2), np.zeros(2)), XS)
    with pytest.raises(TypeError, match=r"must return a pair \(carry, y\), got a ndarray"):
        fg.scan(lambda c, x: c + x, np.zeros(2), XS)
    with pytest.raises(TypeError, match="has dtype float64 but init has dtype int64"):
        fg.scan(lambda c, x: (c + 0.5, x), np.int64(0), XS)
    carry, _ = fg.scan(lambda c, x: (c + 0.5, x), 0, XS)  # a Python int adopts f's dtype
    assert carry.dtype == np.float64 and float(carry) == 2.5


def test_y_must_keep_its_shape():
    with pytest.raises(TypeError, match="the y returned by `f` must keep"):
        fg.scan(lambda c, x: (c + 1.0, np.zeros(int(c) + 1)), 0.0, XS)


def test_xs_length_errors_list_the_lengths():
    with pytest.raises(ValueError, match=r"got lengths \[5, 4\]"):
        fg.scan(lambda c, x: (c, x), 0.0, (XS, np.zeros(4)))
    with pytest.raises(ValueError, match="length=3 but the leaves of xs have leading length 5"):
        fg.scan(lambda c, x: (c, x), 0.0, XS, length=3)
    with pytest.raises(ValueError, match="pass length="):
        fg.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ValueError, match="leaf 1 is a scalar"):
        fg.scan(lambda c, x: (c, x), 0.0, (XS, 1.0))
