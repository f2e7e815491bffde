"""Keys and the stream behind them: ``key``, ``split``, ``fold_in`` and argument checks.

A key is a ``uint32`` array of shape (2,). Numbers come from numpy's Philox counter-based
generator keyed by the key and a purpose tag, so sampling, ``split`` and ``fold_in`` draw
from independent streams. Imports numpy and funcgrad's error classes.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError

Key = np.ndarray  # uint32[2]

_SAMPLE, _SPLIT, _FOLD = 0, 1, 2


def check_key(key: Any, fname: str) -> np.ndarray:
    """``key`` as a uint32[2] array, or a FuncgradTypeError naming ``fname``.

    Inside ``debug_key_reuse()`` every function but ``fold_in`` consumes its key: a second
    use raises ``KeyReuseError``.
    """
    k = np.asarray(key)
    if k.shape != (2,) or k.dtype != np.uint32:
        raise FuncgradTypeError(
            f"random.{fname}: `key` must be a key made by funcgrad.random.key(seed), split "
            f"or fold_in (a uint32 array of shape (2,)), got {k.dtype}{list(k.shape)}; "
            "unpack split's result (`k1, k2 = random.split(key)`) to get single keys"
        )
    ledger = _LEDGER.get()
    if ledger is not None and fname != "fold_in":
        _consume(ledger, k, fname)
    return k


class KeyReuseError(FuncgradValueError):
    """A key was used twice inside ``debug_key_reuse()``: the two draws are not independent."""


_LEDGER: ContextVar[dict | None] = ContextVar("funcgrad_key_ledger", default=None)


def _consume(ledger: dict, k: np.ndarray, fname: str) -> None:
    from ..core.errors import call_site

    token = (int(k[0]), int(k[1]))
    site = call_site()
    first = ledger.get(token)
    if first is not None:
        raise KeyReuseError(
            f"random.{fname}: this key was already used by random.{first[0]} at {first[1]}; "
            "draws from one key are not independent. Split it first "
            "(`key, sub = random.split(key)`) and use each key once."
        )
    ledger[token] = (fname, site)


@contextlib.contextmanager
def debug_key_reuse() -> Iterator[None]:
    """Report a PRNG key used twice (by any sampler or ``split``) inside the block.

    Every function of ``funcgrad.random`` except ``fold_in`` consumes its key; using a
    consumed key again raises ``KeyReuseError`` naming both places. Outside the block
    nothing is tracked (no cost).

    Example::

        with random.debug_key_reuse():
            a = random.normal(key, (3,))
            b = random.normal(key, (3,))   # KeyReuseError: ... already used ... at line 2
    """
    token = _LEDGER.set({})
    try:
        yield
    finally:
        _LEDGER.reset(token)


def generator(key: np.ndarray, purpose: int = _SAMPLE, data: int = 0) -> np.random.Generator:
    """The numpy Generator of ``key``'s stream for ``purpose`` (sampling by default)."""
    k0, k1 = (int(w) for w in key)
    # 128-bit Philox key: the two key words, the purpose tag and fold_in data.
    philox_key = k0 | (k1 << 32) | (purpose << 64) | ((data & 0xFFFFFFFF) << 96)
    return np.random.Generator(np.random.Philox(key=philox_key))


def integer(value: Any, fname: str, name: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise FuncgradTypeError(
            f"random.{fname}: `{name}` must be an integer, got {type(value).__name__} {value!r}"
        ) from None


def key(seed: int) -> Key:
    """A new key from an integer seed (any Python int; taken modulo 2**64).

    Example:
      >>> key(0)
      array([0, 0], dtype=uint32)
    """
    seed = integer(seed, "key", "seed") % (1 << 64)
    return np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint32)


def split(key: Key, num: int = 2) -> np.ndarray:
    """``num`` new independent keys, as a ``(num, 2)`` uint32 array (iterate to unpack).

    Example:
      >>> k1, k2 = split(key(0))
      >>> k1.shape, k1.dtype, bool((k1 != k2).any())
      ((2,), dtype('uint32'), True)
    """
    k = check_key(key, "split")
    n = integer(num, "split", "num")
    if n < 0:
        raise FuncgradValueError(f"random.split: `num` must be >= 0, got {n}")
    return generator(k, _SPLIT).integers(0, 1 << 32, size=(n, 2), dtype=np.uint32)


def fold_in(key: Key, data: int) -> Key:
    """A new key derived from ``key`` and the integer ``data`` (e.g. a step number).

    ``data`` is taken modulo 2**32, as JAX's uint32 ``data``.
    """
    k = check_key(key, "fold_in")
    d = integer(data, "fold_in", "data")
    return generator(k, _FOLD, d).integers(0, 1 << 32, size=2, dtype=np.uint32)


def float_dtype(dtype: Any, fname: str) -> np.dtype:
    """``dtype`` as float32 or float64, or an error naming ``dtype``."""
    try:
        dt: np.dtype | None = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in (np.float32, np.float64):
        raise FuncgradTypeError(
            f"random.{fname}: `dtype` must be float32 or float64 (or float), got {dtype!r}"
        )
    return dt


def shape_tuple(shape: Any, fname: str, name: str = "shape") -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple of non-negative ints."""
    try:
        dims = (
            (operator.index(shape),)
            if np.ndim(shape) == 0
            else tuple(operator.index(d) for d in shape)
        )
    except TypeError:
        raise FuncgradTypeError(
            f"random.{fname}: `{name}` must be an int or a tuple of ints, got {shape!r}"
        ) from None
    if any(d < 0 for d in dims):
        raise FuncgradValueError(
            f"random.{fname}: `{name}` must have non-negative sizes, got {dims}"
        )
    return dims


def broadcast_shape(fname: str, shape: tuple[int, ...], **arrays: np.ndarray) -> None:
    """Check that the ``arrays`` broadcast to ``shape`` (the requested sample shape)."""
    for name, arr in arrays.items():
        try:
            out = np.broadcast_shapes(arr.shape, shape)
        except ValueError:
            out = None
        if out != shape:
            raise FuncgradValueError(
                f"random.{fname}: `{name}` of shape {arr.shape} does not broadcast to "
                f"`shape` {shape}; pass a shape that {name}'s shape broadcasts to, or "
                "shape=None"
            )


def axis_index(axis: Any, ndim: int, fname: str, name: str = "axis") -> int:
    """``axis`` as a non-negative axis of an ``ndim``-dimensional array."""
    ax = integer(axis, fname, name)
    if not -ndim <= ax < ndim:
        raise FuncgradValueError(
            f"random.{fname}: `{name}` {ax} is out of bounds for an array of {ndim} dimensions"
        )
    return ax % ndim
