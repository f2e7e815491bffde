"""The primitive table: the single source of truth for the systematic tests.

Each family contributes its rows from its own module; every property test runs over all of
them. Adding a funcgrad.numpy function = adding a row; the tests follow.
"""

from __future__ import annotations

from .table_control import CONTROL
from .table_conv import CONV
from .table_elementwise import ELEMENTWISE
from .table_fft import FFT
from .table_indexing import INDEXING
from .table_linalg import LINALG
from .table_nn import NN
from .table_reductions import REDUCTIONS
from .table_scipy_linalg import SCIPY_LINALG
from .table_scipy_signal import SCIPY_SIGNAL
from .table_shape import SHAPE
from .table_special import SPECIAL

OPS = ELEMENTWISE + REDUCTIONS + SHAPE + INDEXING + LINALG + FFT + NN + CONTROL + CONV
OPS += SCIPY_LINALG + SCIPY_SIGNAL + SPECIAL
DIFFERENTIABLE = [s for s in OPS if s.differentiable]
BATCHABLE = [s for s in OPS if s.vmap]


def ids(spec):
    return spec.name
