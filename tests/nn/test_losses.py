"""Losses: optax's formulas, the ``reduction`` argument, one_hot and glu.

(Accuracy for confident logits is in test_activations.py; derivatives to order 2, vmap and
jit of every loss and reduction are table rows in tests/primitives/table_nn.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError

RNG = np.random.default_rng(3)
LOGITS = RNG.normal(size=(4, 3)) * 3
PROBS = RNG.uniform(size=(4, 3))
PROBS = PROBS / PROBS.sum(axis=1, keepdims=True)
INT_LABELS = np.array([0, 2, 1, 2])


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


PER_EXAMPLE = [
    (
        "softmax_cross_entropy",
        lambda r: nn.softmax_cross_entropy(LOGITS, PROBS, reduction=r),
        -(PROBS * _log_softmax(LOGITS)).sum(axis=-1),
    ),
    (
        "softmax_cross_entropy_with_integer_labels",
        lambda r: nn.softmax_cross_entropy_with_integer_labels(LOGITS, INT_LABELS, reduction=r),
        -_log_softmax(LOGITS)[np.arange(4), INT_LABELS],
    ),
    (
        "sigmoid_binary_cross_entropy",
        lambda r: nn.sigmoid_binary_cross_entropy(LOGITS, PROBS, reduction=r),
        -(
            PROBS * np.log(1 / (1 + np.exp(-LOGITS)))
            + (1 - PROBS) * np.log(1 / (1 + np.exp(LOGITS)))
        ),
    ),
    ("mse", lambda r: nn.mse(LOGITS, PROBS, reduction=r), (LOGITS - PROBS) ** 2),
]


@pytest.mark.parametrize(
    ("name", "loss", "per_example"), PER_EXAMPLE, ids=[p[0] for p in PER_EXAMPLE]
)
def test_reductions_mean_sum_none(name, loss, per_example):
    np.testing.assert_allclose(loss("none"), per_example, rtol=1e-13)
    np.testing.assert_allclose(loss("sum"), per_example.sum(), rtol=1e-13)
    np.testing.assert_allclose(loss("mean"), per_example.mean(), rtol=1e-13)
    assert loss("none").shape == per_example.shape
    with pytest.raises(
        FuncgradValueError, match=rf"{name}: reduction must be 'mean', 'sum' or 'none', got 'avg'"
    ):
        loss("avg")


def test_default_reduction_is_the_mean_api_fixes():
    assert nn.softmax_cross_entropy(LOGITS, PROBS) == nn.softmax_cross_entropy(
        LOGITS, PROBS, reduction="mean"
    )
    assert nn.mse(LOGITS, PROBS) == np.mean((LOGITS - PROBS) ** 2)


def test_huber_loss_is_optaxs_formula():
    pred = np.array([-3.0, -1.0, -0.2, 0.0, 0.4, 1.0, 2.5])
    target = np.zeros_like(pred)
    for delta in (0.5, 1.0, 2.0):
        q = np.minimum(np.abs(pred), delta)  # optax: 0.5 q^2 + delta (|e| - q)
        expected = 0.5 * q**2 + delta * (np.abs(pred) - q)
        got = nn.huber_loss(pred, target, delta=delta, reduction="none")
        np.testing.assert_allclose(got, expected, rtol=1e-15)
        np.testing.assert_allclose(nn.huber_loss(pred, delta=delta, reduction="none"), expected)
        assert nn.huber_loss(pred, target, delta) == pytest.approx(expected.mean(), rel=1e-15)
        # the derivative is clip(e, -delta, delta), continuous through |e| = delta
        g = fg.grad(lambda p, d=delta: nn.huber_loss(p, target, d, reduction="sum"))(pred)
        np.testing.assert_allclose(g, np.clip(pred, -delta, delta), rtol=1e-15)
    with pytest.raises(FuncgradValueError, match="huber_loss: delta must be positive, got 0"):
        nn.huber_loss(pred, target, delta=0)
    with pytest.raises(FuncgradValueError, match=r"predictions has shape \(7,\) but targets"):
        nn.huber_loss(pred, target[:3])


def test_penalties():
    params = {"w": np.array([[1.0, -2.0]]), "b": [np.array([-3.0])]}
    assert nn.l1_penalty(params) == 6.0
    assert nn.l2_penalty(params) == 14.0
    g = fg.grad(nn.l1_penalty)(params)
    np.testing.assert_array_equal(g["w"], [[1.0, -1.0]])
    np.testing.assert_array_equal(
        fg.grad(nn.l1_penalty)(np.zeros(2)), [1.0, 1.0]
    )  # JAX: abs'(0) = 1


def test_loss_errors_name_arguments_shapes_and_fix():
    with pytest.raises(
        FuncgradValueError,
        match=r"mse: pred has shape \(4, 3\) but target has shape \(3,\); they must match",
    ):
        nn.mse(LOGITS, PROBS[0])
    with pytest.raises(
        FuncgradValueError,
        match=r"labels must have shape logits.shape\[:-1\] = \(4,\), got \(4, 3\); for one-hot",
    ):
        nn.softmax_cross_entropy_with_integer_labels(LOGITS, PROBS)
    with pytest.raises(
        FuncgradTypeError,
        match="labels must be an integer array of class indices, got dtype float64; cast",
    ):
        nn.softmax_cross_entropy_with_integer_labels(LOGITS, INT_LABELS * 1.0)


def test_one_hot_matches_jax():
    x = np.array([[0, 2], [3, -1]])
    got = nn.one_hot(x, 3)
    assert got.shape == (2, 2, 3) and got.dtype == np.float64
    np.testing.assert_array_equal(got[0], [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(got[1], np.zeros((2, 3)))  # out of range: all zeros
    first = nn.one_hot(x, 3, axis=0)
    assert first.shape == (3, 2, 2)
    np.testing.assert_array_equal(np.moveaxis(first, 0, -1), got)
    assert nn.one_hot(x, 3, dtype=np.float32, axis=1).shape == (2, 3, 2)
    assert nn.one_hot(x, 3, dtype=np.float32).dtype == np.float32
    batched = fg.vmap(lambda v: nn.one_hot(v, 4))(x)
    np.testing.assert_array_equal(batched, nn.one_hot(x, 4))
    with pytest.raises(
        FuncgradTypeError, match=r"one_hot: num_classes must be an int, got float 3\.0"
    ):
        nn.one_hot(x, 3.0)
    with pytest.raises(
        FuncgradValueError,
        match=r"axis 3 is out of range for a result of 3 dimensions \(x has shape \(2, 2\)\)",
    ):
        nn.one_hot(x, 3, axis=3)


def test_glu_halves_and_errors():
    x = RNG.normal(size=(2, 6))
    a, b = x[:, :3], x[:, 3:]
    np.testing.assert_allclose(nn.glu(x), a / (1 + np.exp(-b)), rtol=1e-15)
    np.testing.assert_allclose(nn.glu(x.T, axis=0), (a / (1 + np.exp(-b))).T, rtol=1e-15)
    with pytest.raises(
        FuncgradValueError, match=r"glu: x has shape \(3, 6\), whose axis 0 has odd"
    ):
        nn.glu(np.ones((3, 6)), axis=0)
