"""Pure, splittable pseudo-random keys: the same key always gives the same numbers.

A key is a ``uint32`` array of shape (2,). Numbers come from numpy's Philox counter-based
generator keyed by the key and a purpose tag, so sampling, ``split`` and ``fold_in`` draw
from independent streams; Philox is specified bit for bit, so results agree on every
platform. Keys are values: nothing here holds state. Imports numpy only.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

Key = np.ndarray

_SAMPLE, _SPLIT, _FOLD = 0, 1, 2


def _check_key(key: Any, fname: str) -> np.ndarray:
    k = np.asarray(key)
    if k.shape != (2,) or k.dtype != np.uint32:
        raise TypeError(
            f"random.{fname}: expected a key made by funcgrad.random.key(seed) or split "
            f"(uint32 array of shape (2,)), got {k.dtype}{list(k.shape)}"
        )
    return k


def _generator(key: np.ndarray, purpose: int, data: int = 0) -> np.random.Generator:
    k0, k1 = (int(w) for w in key)
    # 128-bit Philox key: the two key words, the purpose tag and fold_in data.
    philox_key = k0 | (k1 << 32) | (purpose << 64) | ((data & 0xFFFFFFFF) << 96)
    return np.random.Generator(np.random.Philox(key=philox_key))


def key(seed: int) -> Key:
    """A new key from an integer seed (any Python int; taken modulo 2**64)."""
    seed = operator.index(seed) % (1 << 64)
    return np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint32)


def split(key: Key, num: int = 2) -> np.ndarray:
    """``num`` new independent keys, as a ``(num, 2)`` uint32 array (iterate to unpack)."""
    k = _check_key(key, "split")
    return _generator(k, _SPLIT).integers(0, 1 << 32, size=(num, 2), dtype=np.uint32)


def fold_in(key: Key, data: int) -> Key:
    """A new key derived from ``key`` and the integer ``data`` (e.g. a step number)."""
    k = _check_key(key, "fold_in")
    return _generator(k, _FOLD, operator.index(data)).integers(0, 1 << 32, size=2, dtype=np.uint32)


def _float_dtype(dtype: Any, fname: str) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"random.{fname}: dtype must be float32 or float64, got {dt}")
    return dt


def _shape(shape: Any) -> tuple[int, ...]:
    return (operator.index(shape),) if np.ndim(shape) == 0 and shape != () else tuple(shape)


def normal(key: Key, shape: Any = (), dtype: Any = float) -> np.ndarray:
    """Standard normal samples of ``shape`` and float ``dtype``."""
    k = _check_key(key, "normal")
    dt = _float_dtype(dtype, "normal")
    return np.asarray(_generator(k, _SAMPLE).standard_normal(_shape(shape)), dtype=dt)


def uniform(
    key: Key, shape: Any = (), dtype: Any = float, minval: float = 0.0, maxval: float = 1.0
) -> np.ndarray:
    """Uniform samples in ``[minval, maxval)`` of ``shape`` and float ``dtype``."""
    k = _check_key(key, "uniform")
    dt = _float_dtype(dtype, "uniform")
    u = _generator(k, _SAMPLE).random(_shape(shape))
    return np.asarray(minval + (maxval - minval) * u, dtype=dt)


def bernoulli(key: Key, p: Any = 0.5, shape: Any = None) -> np.ndarray:
    """Boolean samples, True with probability ``p`` (shape: ``p``'s shape by default)."""
    k = _check_key(key, "bernoulli")
    p = np.asarray(p)
    shape = p.shape if shape is None else _shape(shape)
    return _generator(k, _SAMPLE).random(shape) < p


def randint(key: Key, shape: Any, minval: int, maxval: int) -> np.ndarray:
    """Integers in ``[minval, maxval)`` of ``shape`` (int64)."""
    k = _check_key(key, "randint")
    return _generator(k, _SAMPLE).integers(minval, maxval, size=_shape(shape), dtype=np.int64)


def permutation(key: Key, x: Any) -> np.ndarray:
    """A random permutation of ``range(x)`` (int ``x``) or of ``x`` along its first axis."""
    k = _check_key(key, "permutation")
    gen = _generator(k, _SAMPLE)
    if np.ndim(x) == 0:
        return gen.permutation(operator.index(x))
    return np.asarray(x)[gen.permutation(np.shape(x)[0])]
