"""Additive transformations: decoupled weight decay and annealed gradient noise, as in optax.

``add_decayed_weights`` adds ``weight_decay * p`` (optionally masked, optionally
scheduled); ``add_noise`` adds Gaussian noise drawn with a ``funcgrad.random`` key that
lives in the state, so every update is a pure function of its inputs. Imports only numpy,
``funcgrad.tree``, ``funcgrad.numpy``, ``funcgrad.random``, ``funcgrad.core.errors``, the
optim modules ``base`` and ``wrappers``, and the private helpers.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

import funcgrad.numpy as fnp
from funcgrad import random as fgrandom, tree as fgtree
from funcgrad.core.errors import FuncgradTypeError

from ._numerics import Numeric, cast_like, dtype_of, increment, real_dtype, shape_of, zero_count
from ._structure import map_updates
from .base import (
    LEAFWISE_EQ,
    EmptyState,
    GradientTransformation,
    OptState,
    Params,
    ScalarOrSchedule,
    Updates,
    require_params,
)
from .wrappers import MaskOrFn, masked

# --- add_decayed_weights ---------------------------------------------------------------


@attrs.frozen
class AddDecayedWeightsState:
    """The step count (int32) fed to a weight-decay schedule (optax's WeightDecaySchedule)."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)


def add_decayed_weights(
    weight_decay: ScalarOrSchedule = 0.0, mask: MaskOrFn = None
) -> GradientTransformation:
    """Add the parameters scaled by ``weight_decay`` (decoupled weight decay, AdamW).

    ``u = g + weight_decay * p`` (``weight_decay(count) * p`` for a schedule). Placed
    before the learning-rate scaling, the decay is multiplied by the learning rate.
    ``update`` requires ``params``.

    Args:
      weight_decay: a float, or a schedule of the step count (the state then counts
        steps in an ``AddDecayedWeightsState``; otherwise it is ``EmptyState``).
      mask: a pytree of bools (the structure of the params, or a prefix of it) or a
        function ``params -> such a tree``; only leaves marked ``True`` are decayed (see
        ``masked``).

    Raises:
      FuncgradValueError: from ``update``, when ``params`` is not given or does not
        match the gradients.

    Example:
      >>> import numpy as np
      >>> opt = add_decayed_weights(0.1, mask={"w": True, "b": False})
      >>> params = {"w": np.array([10.0]), "b": np.array([10.0])}
      >>> opt.update({"w": np.zeros(1), "b": np.zeros(1)}, opt.init(params), params)[0]
      {'b': array([0.]), 'w': array([1.])}
    """
    scheduled = callable(weight_decay)

    def init(params: Params) -> OptState:
        del params
        return AddDecayedWeightsState(count=zero_count()) if scheduled else EmptyState()

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        params = require_params(params, "add_decayed_weights")
        if callable(weight_decay):
            rate = weight_decay(state.count)
            new_state: OptState = AddDecayedWeightsState(count=increment(state.count))
        else:
            rate, new_state = weight_decay, state
        updates = map_updates(
            lambda g, p: g + cast_like(rate, g) * p,
            updates,
            params,
            where="add_decayed_weights",
            against="params",
        )
        return updates, new_state

    transform = GradientTransformation(init, update)
    return transform if mask is None else masked(transform, mask)


# --- add_noise -------------------------------------------------------------------------


@attrs.frozen
class AddNoiseState:
    """The step count (int32) and the ``funcgrad.random`` key for the next noise."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    rng_key: Numeric = attrs.field(eq=LEAFWISE_EQ)


def _as_key(key: Any, where: str) -> np.ndarray:
    if key is None:
        raise FuncgradTypeError(
            f"{where} needs a random key: pass `key=funcgrad.random.key(0)` (or an int seed)"
        )
    if isinstance(key, int | np.integer):
        return fgrandom.key(int(key))
    k = np.asarray(key)
    if k.shape != (2,) or k.dtype != np.uint32:
        raise FuncgradTypeError(
            f"{where}: `key` must be an int seed or a key made by funcgrad.random.key or "
            f"split (uint32 array of shape (2,)), got {k.dtype}{list(k.shape)}"
        )
    return k.copy()


def _normal_like(key: np.ndarray, g: Numeric) -> np.ndarray:
    dtype = dtype_of(g)
    if dtype.kind != "c":
        return fgrandom.normal(key, shape_of(g), dtype)
    # As jax.random.normal for complex dtypes: real and imaginary parts each N(0, 1/2).
    key_re, key_im = fgrandom.split(key)
    real = real_dtype(dtype)
    sample = fgrandom.normal(key_re, shape_of(g), real) + 1j * fgrandom.normal(
        key_im, shape_of(g), real
    )
    return (sample / np.sqrt(2)).astype(dtype)


def add_noise(eta: Numeric, gamma: Numeric, key: Any = None) -> GradientTransformation:
    """Add annealed Gaussian noise to the updates (Neelakantan et al., 2015).

    With the state's key ``k`` and ``t = 1, 2, ...``::

        k, k_sample = split(k)
        n_i ~ N(0, 1) leaf by leaf, from split(k_sample, number of leaves)
        u_t = g_t + sqrt(eta / t**gamma) * n

    The key lives in the state (``AddNoiseState.rng_key``), so the noise is a pure
    function of the state: the same state gives the same noise. Complex leaves get
    complex noise whose real and imaginary parts each have variance 1/2 (as JAX).

    Args:
      eta: the variance of the noise at ``t = 1``.
      gamma: the decay exponent of the variance.
      key: a ``funcgrad.random`` key or an int seed; required.

    Raises:
      FuncgradTypeError: if ``key`` is missing or not a key; from ``update`` if the key
        in the state is traced (``funcgrad.random`` needs a concrete key, so ``vmap`` or
        ``jit`` over the state of this transformation is not supported).

    Example:
      >>> import numpy as np
      >>> from funcgrad import random
      >>> opt = add_noise(eta=0.01, gamma=0.55, key=random.key(0))
      >>> state = opt.init(np.zeros(2))
      >>> a, _ = opt.update(np.zeros(2), state)
      >>> b, _ = opt.update(np.zeros(2), state)
      >>> bool(np.all(a == b)) and bool(np.all(a != 0))
      True
    """
    initial_key = _as_key(key, "add_noise")

    def init(params: Params) -> AddNoiseState:
        del params
        return AddNoiseState(count=zero_count(), rng_key=initial_key.copy())

    def update(
        updates: Updates, state: AddNoiseState, params: Params | None = None
    ) -> tuple[Updates, AddNoiseState]:
        del params
        if not isinstance(state.rng_key, np.ndarray):
            raise FuncgradTypeError(
                "add_noise: the random key in the optimizer state is a traced value "
                f"({type(state.rng_key).__name__}); funcgrad.random needs a concrete key, so "
                "do not vmap or jit over the state of a noisy optimizer (close over it, or "
                "run one optimizer per key)"
            )
        count = increment(state.count)
        std = fnp.sqrt(eta / fnp.power(count, gamma))
        rng_key, sample_key = fgrandom.split(state.rng_key)
        leaves, treedef = fgtree.flatten(updates)
        keys = fgrandom.split(sample_key, len(leaves))
        noisy = [
            g + cast_like(std, g) * _normal_like(k, g) for g, k in zip(leaves, keys, strict=True)
        ]
        return treedef.unflatten(noisy), AddNoiseState(count=count, rng_key=rng_key)

    return GradientTransformation(init, update)
