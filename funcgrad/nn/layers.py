"""Layers: frozen attrs classes (pytrees) holding parameters, called as pure functions.

Construct with ``Layer.init(key, ...)``; call ``layer(x)``. Non-array configuration is a
static field (not a leaf). Imports funcgrad.numpy, tree and random.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from .. import numpy as fnp, random, tree
from ..tree import static_field
from .initializers import glorot_uniform, he_normal

_INITS: dict[str, Callable[..., np.ndarray]] = {
    "he_normal": he_normal,
    "glorot_uniform": glorot_uniform,
}


@attrs.frozen
class Dense:
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features)."""

    weight: Any
    bias: Any

    @classmethod
    def init(
        cls,
        key: Any,
        in_features: int,
        out_features: int,
        *,
        initializer: str = "he_normal",
        dtype: Any = float,
    ) -> Dense:
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
    """Layers and activation functions applied in order.

    Layers (pytrees such as ``Dense``) are the children of the tree; plain functions
    (activations like ``nn.relu``) are static structure, not leaves.
    """

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


def _is_static(layer: Any) -> bool:
    return callable(layer) and tree.structure(layer).is_leaf


def _sequential_flatten(seq: Sequential) -> tuple[list, tuple]:
    children = [layer for layer in seq.layers if not _is_static(layer)]
    static = tuple((i, layer) for i, layer in enumerate(seq.layers) if _is_static(layer))
    return children, (len(seq.layers), static)


def _sequential_unflatten(aux: tuple, children: Any) -> Sequential:
    n, static = aux
    layers: list = [None] * n
    for i, layer in static:
        layers[i] = layer
    it = iter(children)
    layers = [next(it) if layer is None else layer for layer in layers]
    obj = object.__new__(Sequential)
    object.__setattr__(obj, "layers", tuple(layers))
    return obj


tree.register(Sequential, _sequential_flatten, _sequential_unflatten)
