"""Rows of the primitive table: funcgrad.nn activations and losses (no numpy twins)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

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


NN = [
    nn_row("nn.relu", nn.relu, unary()),
    nn_row("nn.sigmoid", nn.sigmoid, unary(min_value=-8.0, max_value=8.0)),
    nn_row("nn.softplus", nn.softplus, unary(min_value=-8.0, max_value=8.0)),
    nn_row("nn.leaky_relu", nn.leaky_relu, unary()),
    nn_row("nn.elu", nn.elu, unary()),
    nn_row("nn.gelu", nn.gelu, unary()),
    nn_row("nn.gelu_exact", lambda x: nn.gelu(x, approximate=False), unary()),
    nn_row("nn.softmax", nn.softmax, unary(shape=shapes(min_dims=1)), params=axis_only),
    nn_row("nn.log_softmax", nn.log_softmax, unary(shape=shapes(min_dims=1)), params=axis_only),
    nn_row("nn.logsumexp", nn.logsumexp, unary(), params=axis_and_keepdims),
    nn_row("nn.mse", nn.mse, same_shape_pair()),
    nn_row("nn.softmax_cross_entropy", nn.softmax_cross_entropy, _logits_and_labels),
    nn_row(
        "nn.softmax_cross_entropy_with_integer_labels",
        lambda logits, labels: nn.softmax_cross_entropy_with_integer_labels(logits, labels),
        unary(shape=shapes(min_dims=1)),
        params=_integer_labels,
    ),
    nn_row(
        "nn.sigmoid_binary_cross_entropy",
        nn.sigmoid_binary_cross_entropy,
        same_shape_pair(0.0, 1.0),
    ),
    nn_row("nn.l2_penalty", lambda a, b: nn.l2_penalty({"a": a, "b": [b]}), binary()),
]
