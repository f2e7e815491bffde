"""Neural-network building blocks: activations, losses, initialisers and layers."""

from .activations import elu as elu
from .activations import gelu as gelu
from .activations import leaky_relu as leaky_relu
from .activations import log_softmax as log_softmax
from .activations import logsumexp as logsumexp
from .activations import relu as relu
from .activations import sigmoid as sigmoid
from .activations import softmax as softmax
from .activations import softplus as softplus
from .activations import tanh as tanh
from .conv import Conv2d as Conv2d
from .conv import avg_pool2d as avg_pool2d
from .conv import conv2d as conv2d
from .conv import max_pool2d as max_pool2d
from .initializers import glorot_uniform as glorot_uniform
from .initializers import he_normal as he_normal
from .layers import Dense as Dense
from .layers import Dropout as Dropout
from .layers import Sequential as Sequential
from .losses import l2_penalty as l2_penalty
from .losses import mse as mse
from .losses import sigmoid_binary_cross_entropy as sigmoid_binary_cross_entropy
from .losses import softmax_cross_entropy as softmax_cross_entropy
from .losses import (
    softmax_cross_entropy_with_integer_labels as softmax_cross_entropy_with_integer_labels,
)
from .recurrent import GRU as GRU
from .recurrent import LSTM as LSTM
from .recurrent import RNN as RNN
from .recurrent import orthogonal as orthogonal
