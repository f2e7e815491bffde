"""Neural-network building blocks: activations, losses, initialisers and layers."""

from .activations import (
    elu as elu,
    gelu as gelu,
    leaky_relu as leaky_relu,
    log_softmax as log_softmax,
    logsumexp as logsumexp,
    relu as relu,
    sigmoid as sigmoid,
    softmax as softmax,
    softplus as softplus,
    tanh as tanh,
)
from .conv import (
    Conv2d as Conv2d,
    avg_pool2d as avg_pool2d,
    conv2d as conv2d,
    max_pool2d as max_pool2d,
)
from .initializers import glorot_uniform as glorot_uniform, he_normal as he_normal
from .layers import Dense as Dense, Dropout as Dropout, Sequential as Sequential
from .losses import (
    l2_penalty as l2_penalty,
    mse as mse,
    sigmoid_binary_cross_entropy as sigmoid_binary_cross_entropy,
    softmax_cross_entropy as softmax_cross_entropy,
    softmax_cross_entropy_with_integer_labels as softmax_cross_entropy_with_integer_labels,
)
from .recurrent import GRU as GRU, LSTM as LSTM, RNN as RNN, orthogonal as orthogonal
