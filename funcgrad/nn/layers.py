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
from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..tree import static_field
from .initializers import glorot_uniform, he_normal

_INITS: dict[str, Callable[..., np.ndarray]] = {
    "he_normal": he_normal,
    "glorot_uniform": glorot_uniform,
}


def initializer_named(name: str, where: str) -> Callable[..., np.ndarray]:
    """The initialiser called ``name``; a FuncgradValueError listing the choices if none."""
    init = _INITS.get(name)
    if init is None:
        raise FuncgradValueError(
            f"{where}: unknown initializer {name!r}; use one of {sorted(_INITS)}"
        )
    return init


def positive_int(value: Any, name: str, where: str) -> int:
    """``value`` as an int >= 1; a FuncgradValueError naming ``name`` otherwise."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise FuncgradValueError(f"{where}: {name} must be a positive int, got {value!r}")


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
        """Weights from ``initializer`` ("he_normal" or "glorot_uniform"), zero bias.

        Raises:
          FuncgradValueError: if a width is not a positive int or the initializer is unknown.
        """
        init = initializer_named(initializer, "Dense.init")
        in_features = positive_int(in_features, "in_features", "Dense.init")
        out_features = positive_int(out_features, "out_features", "Dense.init")
        w = init(key, (out_features, in_features), dtype)
        return cls(w, np.zeros(out_features, dtype=dtype))

    def __call__(self, x: Any) -> Any:
        shape, expected = fnp.shape(x), fnp.shape(self.weight)[1]
        got = shape[-1] if shape else 1
        if not shape or got != expected:
            raise FuncgradValueError(
                f"Dense: the input has shape {shape}, but this layer (weight shape "
                f"{fnp.shape(self.weight)}) expects {expected} features on its last axis; "
                f"reshape the input or build the layer with in_features={got}"
            )
        return x @ self.weight.T + self.bias


@attrs.frozen
class LayerNorm:
    """Layer normalisation over the trailing axes (PyTorch's ``nn.LayerNorm``).

    ``y = (x - mean) / sqrt(var + eps) * scale + offset``, mean and (biased) variance over
    the last ``len(normalized_shape)`` axes; ``scale`` (ones) and ``offset`` (zeros) have
    ``normalized_shape`` and are learnable, or None when disabled. ``eps`` is static.
    """

    scale: Any
    offset: Any
    eps: float = static_field(default=1e-5)

    @classmethod
    def init(
        cls,
        key: Any,
        normalized_shape: Any,
        *,
        eps: float = 1e-5,
        use_scale: bool = True,
        use_offset: bool = True,
        dtype: Any = float,
    ) -> LayerNorm:
        """Scale ones and offset zeros of ``normalized_shape`` (an int or a tuple).

        ``key`` is accepted for the uniform ``init(key, ...)`` interface; the
        initialisation is deterministic.

        Raises:
          FuncgradValueError: if ``normalized_shape`` is empty or not positive ints, or
            ``eps`` is negative.
        """
        del key
        shape = (normalized_shape,) if np.ndim(normalized_shape) == 0 else normalized_shape
        shape = tuple(positive_int(n, "normalized_shape", "LayerNorm.init") for n in shape)
        if not shape:
            raise FuncgradValueError("LayerNorm.init: normalized_shape must not be empty")
        if not eps >= 0:
            raise FuncgradValueError(f"LayerNorm.init: eps must be >= 0, got {eps!r}")
        scale = np.ones(shape, dtype) if use_scale else None
        offset = np.zeros(shape, dtype) if use_offset else None
        return cls(scale, offset, eps)

    def __call__(self, x: Any) -> Any:
        param = self.scale if self.scale is not None else self.offset
        norm_shape = fnp.shape(param) if param is not None else fnp.shape(x)[-1:]
        k = len(norm_shape)
        if fnp.shape(x)[len(fnp.shape(x)) - k :] != norm_shape or fnp.ndim(x) < k:
            raise FuncgradValueError(
                f"LayerNorm: the input has shape {fnp.shape(x)}, but the layer normalises "
                f"trailing axes of shape {norm_shape}; its last {k} axes must match"
            )
        axes = tuple(range(-k, 0))
        mean = fnp.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        var = fnp.mean(centred * centred, axis=axes, keepdims=True)
        y = centred / fnp.sqrt(var + self.eps)
        if self.scale is not None:
            y = y * self.scale
        if self.offset is not None:
            y = y + self.offset
        return y


@attrs.frozen
class Embedding:
    """A lookup table: integer ids -> rows of ``weight`` (num_embeddings, features).

    ``layer(ids)`` has shape ``ids.shape + (features,)``; the gradient with respect to
    ``weight`` is non-zero only in the rows that were looked up (repeats add up).
    """

    weight: Any

    @classmethod
    def init(
        cls, key: Any, num_embeddings: int, features: int, *, dtype: Any = float
    ) -> Embedding:
        """Rows drawn from a standard normal (PyTorch's ``nn.Embedding`` default).

        Raises:
          FuncgradValueError: if a size is not a positive int.
        """
        n = positive_int(num_embeddings, "num_embeddings", "Embedding.init")
        d = positive_int(features, "features", "Embedding.init")
        return cls(random.normal(key, (n, d), dtype))

    def __call__(self, ids: Any) -> Any:
        if not hasattr(ids, "dtype"):
            ids = np.asarray(ids)
        n = fnp.shape(self.weight)[0]
        if ids.dtype.kind not in "iu":
            raise FuncgradTypeError(
                f"Embedding: ids must be integers, got dtype {ids.dtype} (shape "
                f"{fnp.shape(ids)}); cast them with .astype(int)"
            )
        if isinstance(ids, np.ndarray) and ids.size and (ids.min() < 0 or ids.max() >= n):
            raise FuncgradValueError(
                f"Embedding: ids must lie in [0, {n}) for a table of {n} rows, got values "
                f"from {ids.min()} to {ids.max()}; build the layer with more rows"
            )
        return fnp.take(self.weight, ids, axis=0)


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


def _sequential_flatten_with_keys(seq: Sequential) -> tuple[list, tuple]:
    children, aux = _sequential_flatten(seq)
    dynamic = [i for i, layer in enumerate(seq.layers) if not _is_static(layer)]
    # one key entry per child, printed as the attribute path to it: .layers[i]
    keys = [tree.GetAttrKey(f"layers[{i}]") for i in dynamic]
    return list(zip(keys, children, strict=True)), aux


tree.register(
    Sequential, _sequential_flatten, _sequential_unflatten, _sequential_flatten_with_keys
)
