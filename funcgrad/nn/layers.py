"""Layers: frozen attrs classes (pytrees) holding parameters, called as pure functions.

Construct with ``Layer.init(key, ...)``; call ``layer(x)``. Non-array configuration is a
static field (not a leaf). Imports funcgrad.numpy, tree and random.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from .. import numpy as fnp
from .. import random
from ..tree import static_field
from .initializers import glorot_uniform, he_normal

_INITS: dict[str, Callable[..., np.ndarray]] = {"he_normal": he_normal,
                                                 "glorot_uniform": glorot_uniform}


@attrs.frozen
class Dense:
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features)."""

    weight: Any
    bias: Any

    @classmethod
    def init(cls, key: Any, in_features: int, out_features: int, *,
             initializer: str = "he_normal", dtype: Any = float) -> Dense:
        """Weights from ``initializer`` ("he_normal" or "glorot_uniform"), zero bias."""
        w = _INITS[initializer](key, (out_features, in_features), dtype)
        return cls(w, np.zeros(out_features, dtype=dtype))

    def __call__(self, x: Any) -> Any:
        if fnp.shape(x)[-1] != fnp.shape(self.weight)[1]:
            raise ValueError(
                f"Dense: input has {fnp.shape(x)[-1]} features (shape {fnp.shape(x)}) but the "
                f"layer expects {fnp.shape(self.weight)[1]}"
            )
        return x @ self.weight.T + self.bias


@attrs.frozen
class Sequential:
    """Layers and activation functions applied in order."""

    layers: tuple = attrs.field(converter=tuple)

    def __call__(self, x: Any, *, key: Any = None) -> Any:
        for layer in self.layers:
            if isinstance(layer, Dropout):
                key, sub = (None, None) if key is None else random.split(key)
                x = layer(x, key=sub)
            else:
                x = layer(x)
        return x


@attrs.frozen
class Dropout:
    """Zeroes entries with probability ``rate`` and rescales the rest (needs a key).

    With ``key=None`` (evaluation) it is the identity.
    """

    rate: float = static_field(default=0.5)

    def __call__(self, x: Any, *, key: Any = None) -> Any:
        if key is None or self.rate == 0.0:
            return x
        keep = random.bernoulli(key, 1.0 - self.rate, fnp.shape(x))
        return fnp.where(keep, x / (1.0 - self.rate), 0.0 * x)
