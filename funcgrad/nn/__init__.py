"""Neural-network building blocks: activations, losses, initialisers and layers."""

from typing import TYPE_CHECKING

from ..core.namespace import public_namespace
from .activations import (
    elu as elu,
    gelu as gelu,
    glu as glu,
    hard_tanh as hard_tanh,
    leaky_relu as leaky_relu,
    log_sigmoid as log_sigmoid,
    log_softmax as log_softmax,
    logsumexp as logsumexp,
    relu as relu,
    relu6 as relu6,
    sigmoid as sigmoid,
    silu as silu,
    softmax as softmax,
    softplus as softplus,
    swish as swish,
    tanh as tanh,
)
from .conv import (
    Conv2d as Conv2d,
    avg_pool2d as avg_pool2d,
    conv2d as conv2d,
    max_pool2d as max_pool2d,
)
from .conv1d import Conv1d as Conv1d, conv1d as conv1d
from .encoding import one_hot as one_hot
from .initializers import glorot_uniform as glorot_uniform, he_normal as he_normal
from .layers import (
    Dense as Dense,
    Dropout as Dropout,
    Embedding as Embedding,
    LayerNorm as LayerNorm,
    Sequential as Sequential,
)
from .losses import (
    huber_loss as huber_loss,
    l1_penalty as l1_penalty,
    l2_penalty as l2_penalty,
    mse as mse,
    sigmoid_binary_cross_entropy as sigmoid_binary_cross_entropy,
    softmax_cross_entropy as softmax_cross_entropy,
    softmax_cross_entropy_with_integer_labels as softmax_cross_entropy_with_integer_labels,
)
from .recurrent import GRU as GRU, LSTM as LSTM, RNN as RNN, orthogonal as orthogonal

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Conv1d",
    "Conv2d",
    "Dense",
    "Dropout",
    "Embedding",
    "LayerNorm",
    "Sequential",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "elu",
    "gelu",
    "glorot_uniform",
    "glu",
    "hard_tanh",
    "he_normal",
    "huber_loss",
    "l1_penalty",
    "l2_penalty",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "max_pool2d",
    "mse",
    "one_hot",
    "orthogonal",
    "relu",
    "relu6",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "silu",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "softplus",
    "swish",
    "tanh",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
