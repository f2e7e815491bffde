"""Weight initialisers with PyTorch's fan convention for out-features-first shapes.

``fan_in = prod(shape[1:])`` and ``fan_out = shape[0] * prod(shape[2:])``. Imports
funcgrad.random.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import random
from ..core.errors import FuncgradValueError


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape (out-features first; OIHW for convolutions)."""
    if len(shape) < 2:
        raise FuncgradValueError(
            f"fans: a weight shape needs at least 2 axes (out_features, in_features, ...), "
            f"got shape {shape}; for a bias use zeros"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def he_normal(key: Any, shape: tuple[int, ...], dtype: Any = float) -> np.ndarray:
    """Normal with std sqrt(2 / fan_in) (He et al. 2015), for ReLU networks."""
    fan_in, _ = fans(tuple(shape))
    return (random.normal(key, shape, dtype) * np.sqrt(2.0 / fan_in)).astype(dtype)


def glorot_uniform(key: Any, shape: tuple[int, ...], dtype: Any = float) -> np.ndarray:
    """Uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010), for tanh/sigmoid."""
    fan_in, fan_out = fans(tuple(shape))
    limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
    return random.uniform(key, shape, dtype, -limit, limit)
