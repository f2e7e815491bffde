"""Rows of the primitive table: funcgrad.nn activations, losses and layers (no numpy twins).

Kinks (relu at 0, relu6 at 0 and 6, hard_tanh at +-1, huber at |e| = delta) are met with
probability 0 by the drawn values; their derivatives are fixed in tests/nn/test_activations.py.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.testing.strategies import arrays, shapes

from .spec import OpSpec, axis_and_keepdims, axis_only, binary, unary


def nn_row(name, fun, args, **kw):
    return OpSpec(name, fun, args, numpy_twin=False, **kw)


def same_shape_pair(lo2: float = -2.0, hi2: float = 2.0):
    @st.composite
    def draw(draw_):
        shape = draw_(shapes(min_dims=1))
        return (
            draw_(arrays(shape=shape)),
            draw_(arrays(shape=shape, min_value=lo2, max_value=hi2)),
        )

    return draw


@st.composite
def _logits_and_labels(draw):
    shape = draw(shapes(min_dims=1))
    logits = draw(arrays(shape=shape))
    labels = draw(arrays(shape=shape, min_value=0.0, max_value=1.0))
    return logits, labels / labels.sum(axis=-1, keepdims=True)


@st.composite
def _integer_labels(draw, args):
    logits = args[0]
    classes = logits.shape[-1]
    labels = draw(
        arrays(shape=logits.shape[:-1], dtype=np.int64, elements=st.integers(0, classes - 1))
    )
    return {"labels": labels}


def _reduction(args):
    return st.fixed_dictionaries({"reduction": st.sampled_from(["mean", "sum", "none"])})


def _huber_params(args):
    return st.fixed_dictionaries(
        {
            "delta": st.sampled_from([0.5, 1.0, 1.7]),
            "reduction": st.sampled_from(["mean", "sum", "none"]),
        }
    )


@st.composite
def _even_last_axis(draw):
    shape = draw(shapes(min_dims=1, max_side=3))
    return (draw(arrays(shape=(*shape[:-1], 2 * shape[-1]), min_value=-3.0, max_value=3.0)),)


@st.composite
def _layer_norm_args(draw):
    shape = draw(shapes(min_dims=1, max_side=4))
    k = draw(st.integers(1, len(shape)))
    norm = shape[len(shape) - k :]
    return (
        draw(arrays(shape=shape)),
        draw(arrays(shape=norm, min_value=0.5, max_value=2.0)),
        draw(arrays(shape=norm)),
    )


def _layer_norm(x, scale, offset):
    return nn.LayerNorm(scale, offset, eps=1e-3)(x)


@st.composite
def _embedding_ids(draw, args):
    rows = args[0].shape[0]
    ids_shape = draw(shapes(min_dims=0, max_dims=2, max_side=4))
    ids = draw(arrays(shape=ids_shape, dtype=np.int64, elements=st.integers(0, rows - 1)))
    return {"ids": ids}


@st.composite
def _conv1d_args(draw):
    n, c, o, k = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2)), 2
    length = draw(st.integers(2, 5))
    return (
        draw(arrays(shape=(n, c, length))),
        draw(arrays(shape=(o, c, k))),
        draw(arrays(shape=(o,))),
    )


def _conv1d_params(args):
    return st.fixed_dictionaries(
        {"stride": st.sampled_from([1, 2]), "padding": st.sampled_from([0, 1, (1, 0), "SAME"])}
    )


def _conv1d_layer(x, w, b, stride, padding):
    return nn.Conv1d(w, b, stride=stride, padding=padding)(x)


NN = [
    nn_row("nn.relu", nn.relu, unary()),
    nn_row("nn.sigmoid", nn.sigmoid, unary(min_value=-8.0, max_value=8.0)),
    nn_row("nn.sigmoid_far", nn.sigmoid, unary(min_value=-40.0, max_value=-20.0), rtol=1e-5),
    nn_row("nn.log_sigmoid", nn.log_sigmoid, unary(min_value=-8.0, max_value=8.0)),
    nn_row("nn.silu", nn.silu, unary(min_value=-8.0, max_value=8.0)),
    nn_row("nn.tanh", nn.tanh, unary(min_value=-3.0, max_value=3.0)),
    nn_row("nn.hard_tanh", nn.hard_tanh, unary()),
    nn_row("nn.relu6", nn.relu6, unary(min_value=-2.0, max_value=8.0)),
    nn_row("nn.glu", nn.glu, _even_last_axis),
    nn_row("nn.softplus", nn.softplus, unary(min_value=-8.0, max_value=8.0)),
    nn_row("nn.leaky_relu", nn.leaky_relu, unary()),
    nn_row("nn.elu", nn.elu, unary(min_value=-3.0, max_value=2.0)),
    nn_row("nn.gelu", nn.gelu, unary()),
    nn_row("nn.gelu_exact", lambda x: nn.gelu(x, approximate=False), unary()),
    nn_row("nn.softmax", nn.softmax, unary(shape=shapes(min_dims=1)), params=axis_only),
    nn_row("nn.log_softmax", nn.log_softmax, unary(shape=shapes(min_dims=1)), params=axis_only),
    nn_row("nn.logsumexp", nn.logsumexp, unary(), params=axis_and_keepdims),
    nn_row("nn.mse", nn.mse, same_shape_pair(), params=_reduction),
    nn_row("nn.huber_loss", nn.huber_loss, same_shape_pair(), params=_huber_params),
    nn_row(
        "nn.softmax_cross_entropy",
        nn.softmax_cross_entropy,
        _logits_and_labels,
        params=_reduction,
    ),
    nn_row(
        "nn.softmax_cross_entropy_with_integer_labels",
        lambda logits, labels, reduction="mean": nn.softmax_cross_entropy_with_integer_labels(
            logits, labels, reduction
        ),
        unary(shape=shapes(min_dims=1)),
        params=lambda args: st.tuples(_integer_labels(args), _reduction(args)).map(
            lambda ds: {**ds[0], **ds[1]}
        ),
    ),
    nn_row(
        "nn.sigmoid_binary_cross_entropy",
        nn.sigmoid_binary_cross_entropy,
        same_shape_pair(0.0, 1.0),
        params=_reduction,
    ),
    nn_row("nn.l2_penalty", lambda a, b: nn.l2_penalty({"a": a, "b": [b]}), binary()),
    nn_row("nn.l1_penalty", lambda a, b: nn.l1_penalty({"a": a, "b": [b]}), binary()),
    nn_row(
        "nn.one_hot",
        lambda x: nn.one_hot(fnp.floor(x), 4),
        unary(min_value=-1.0, max_value=5.0),
        differentiable=False,
    ),
    nn_row("nn.LayerNorm", _layer_norm, _layer_norm_args),
    nn_row(
        "nn.Embedding",
        lambda w, ids: nn.Embedding(w)(ids),
        unary(shape=shapes(min_dims=2, max_dims=2)),
        params=_embedding_ids,
    ),
    nn_row("nn.Conv1d", _conv1d_layer, _conv1d_args, params=_conv1d_params),
]
