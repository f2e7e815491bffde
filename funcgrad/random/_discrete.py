"""Discrete distributions: bernoulli, randint, categorical, choice, permutation.

Integer results are int64. Imports ``random._keys``, ``random._continuous`` (Gumbel
noise), numpy and funcgrad's error classes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ._continuous import gumbel_noise
from ._keys import Key, axis_index, broadcast_shape, check_key, generator, integer, shape_tuple


def _real(x: Any, fname: str, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise FuncgradTypeError(
            f"random.{fname}: `{name}` must hold real numbers, got dtype {arr.dtype}"
        )
    return arr


def bernoulli(key: Key, p: Any = 0.5, shape: Any = None) -> np.ndarray:
    """Boolean samples, True with probability ``p`` (shape: ``p``'s shape by default).

    Raises:
      ValueError: if ``p`` is outside [0, 1] or does not broadcast to ``shape``.

    Example:
      >>> from funcgrad import random
      >>> random.bernoulli(random.key(0), np.array([0.0, 1.0]))
      array([False,  True])
    """
    k = check_key(key, "bernoulli")
    prob = _real(p, "bernoulli", "p")
    if not ((prob >= 0) & (prob <= 1)).all():
        raise FuncgradValueError(f"random.bernoulli: `p` must lie in [0, 1], got {p!r}")
    out_shape = prob.shape if shape is None else shape_tuple(shape, "bernoulli")
    broadcast_shape("bernoulli", out_shape, p=prob)
    return np.asarray(generator(k).random(out_shape) < prob)


def randint(key: Key, shape: Any, minval: Any, maxval: Any, dtype: Any = np.int64) -> np.ndarray:
    """Integers in ``[minval, maxval)`` of ``shape`` (``minval``/``maxval`` may be arrays).

    Raises:
      ValueError: if ``minval >= maxval`` somewhere.
      TypeError: if ``dtype`` is not an integer dtype.

    Example:
      >>> from funcgrad import random
      >>> x = random.randint(random.key(0), (1000,), 3, 7)
      >>> int(x.min()), int(x.max()), x.dtype
      (3, 6, dtype('int64'))
    """
    k = check_key(key, "randint")
    dt = np.dtype(dtype)
    if dt.kind not in "iu":
        raise FuncgradTypeError(f"random.randint: `dtype` must be an integer dtype, got {dt}")
    lo, hi = np.asarray(minval), np.asarray(maxval)
    if not (lo < hi).all():
        raise FuncgradValueError(
            f"random.randint: needs `minval` < `maxval`, got minval={minval!r}, maxval={maxval!r}"
        )
    size = shape_tuple(shape, "randint")
    broadcast_shape("randint", size, minval=lo, maxval=hi)
    return generator(k).integers(minval, maxval, size=size, dtype=dt)


def categorical(key: Key, logits: Any, axis: int = -1, shape: Any = None) -> np.ndarray:
    """Indices drawn with probabilities ``softmax(logits, axis)`` (Gumbel-max), int64.

    Args:
      logits: unnormalised log-probabilities; ``-inf`` marks an impossible category.
      axis: the axis of the categories.
      shape: the result shape; it must end with ``logits``'s shape without ``axis`` (the
        batch shape), extra leading axes give more samples. None: the batch shape.

    Example:
      >>> from funcgrad import random
      >>> logits = np.array([[-np.inf, 0.0, -np.inf], [0.0, -np.inf, -np.inf]])
      >>> random.categorical(random.key(0), logits)
      array([1, 0])
    """
    k = check_key(key, "categorical")
    lg = _real(logits, "categorical", "logits").astype(np.float64)
    if lg.ndim == 0:
        raise FuncgradValueError("random.categorical: `logits` needs an axis of categories")
    ax = axis_index(axis, lg.ndim, "categorical")
    if np.isnan(lg).any() or (lg == np.inf).any():
        raise FuncgradValueError("random.categorical: `logits` holds NaN or +inf")
    batch = lg.shape[:ax] + lg.shape[ax + 1 :]
    out_shape = batch if shape is None else shape_tuple(shape, "categorical")
    if out_shape[len(out_shape) - len(batch) :] != batch or len(out_shape) < len(batch):
        raise FuncgradValueError(
            f"random.categorical: `shape` {out_shape} must end with the batch shape {batch} "
            f"(logits {lg.shape} without axis {ax})"
        )
    prefix = out_shape[: len(out_shape) - len(batch)]
    noise = gumbel_noise(generator(k), (*prefix, *lg.shape))
    return np.asarray(np.argmax(noise + lg, axis=len(prefix) + ax), dtype=np.int64)


def choice(
    key: Key,
    a: Any,
    shape: Any = (),
    replace: bool = True,
    p: Any = None,
    axis: int = 0,
) -> np.ndarray:
    """Random entries of ``a`` along ``axis`` (of ``range(a)`` for an int ``a``).

    Args:
      a: an int ``n`` (choose from ``range(n)``) or an array.
      shape: how many, as a shape: the result has ``a``'s shape with ``axis`` replaced
        by ``shape``.
      replace: with replacement; False gives distinct entries (at most ``n`` of them).
      p: probabilities of the ``n`` entries (non-negative, normalised here); None:
        uniform. Without replacement, entries are drawn one at a time proportionally
        to ``p`` among those left (as numpy's ``choice``).

    Raises:
      ValueError: for a bad ``p`` (wrong length, negative, zero sum), more distinct
        entries than ``a`` (or than ``p``'s non-zero entries) holds, or sampling from
        an empty ``a``.

    Example:
      >>> from funcgrad import random
      >>> x = random.choice(random.key(0), 5, (5,), replace=False)
      >>> sorted(x.tolist())
      [0, 1, 2, 3, 4]
    """
    k = check_key(key, "choice")
    if np.ndim(a) == 0:
        n, arr, ax = integer(a, "choice", "a"), None, 0
        if n < 0:
            raise FuncgradValueError(f"random.choice: an int `a` must be >= 0, got {n}")
    else:
        arr = np.asarray(a)
        ax = axis_index(axis, arr.ndim, "choice")
        n = arr.shape[ax]
    size = shape_tuple(shape, "choice")
    count = math.prod(size)
    if count and n == 0:
        raise FuncgradValueError(f"random.choice: cannot take {size} samples from 0 entries")
    gen = generator(k)
    prob = None if p is None else _probabilities(p, n)
    if replace:
        idx = gen.integers(0, n, size=size) if prob is None else _inverse_cdf(gen, prob, size)
    else:
        available = n if prob is None else int(np.count_nonzero(prob))
        if count > available:
            what = "entries" if prob is None else "entries with non-zero `p`"
            raise FuncgradValueError(
                f"random.choice: cannot take {count} distinct samples (shape {size}) with "
                f"replace=False from {available} {what}"
            )
        if prob is None:
            order = gen.permutation(n)
        else:  # Gumbel-top-k: sequential sampling without replacement in one sort
            with np.errstate(divide="ignore"):
                scores = np.log(prob) + gumbel_noise(gen, (n,))
            order = np.argsort(-scores, kind="stable")
        idx = order[:count].reshape(size)
    idx = np.asarray(idx, dtype=np.int64)
    return idx if arr is None else np.take(arr, idx, axis=ax)


def _probabilities(p: Any, n: int) -> np.ndarray:
    prob = _real(p, "choice", "p").astype(np.float64)
    if prob.shape != (n,):
        raise FuncgradValueError(
            f"random.choice: `p` must have shape ({n},), one probability per entry, got "
            f"{prob.shape}"
        )
    total = prob.sum()
    if not (np.isfinite(prob).all() and (prob >= 0).all() and total > 0):
        raise FuncgradValueError(
            "random.choice: `p` must be finite and non-negative with a positive sum"
        )
    return np.asarray(prob / total)


def _inverse_cdf(gen: np.random.Generator, prob: np.ndarray, size: tuple[int, ...]) -> Any:
    cdf = np.cumsum(prob)
    idx = np.searchsorted(cdf, gen.random(size) * cdf[-1], side="right")
    # rounding may step past the last entry with non-zero probability: never onto p == 0
    return np.minimum(idx, np.flatnonzero(prob)[-1])


def permutation(key: Key, x: Any, axis: int = 0, independent: bool = False) -> np.ndarray:
    """A shuffled copy of ``x`` along ``axis``, or a permutation of ``range(x)`` (int ``x``).

    With ``independent=True`` each slice along ``axis`` is shuffled on its own; otherwise
    whole slices move together. ``x`` itself is never changed.

    Example:
      >>> from funcgrad import random
      >>> sorted(random.permutation(random.key(0), 6).tolist())
      [0, 1, 2, 3, 4, 5]
    """
    k = check_key(key, "permutation")
    gen = generator(k)
    if np.ndim(x) == 0:
        n = integer(x, "permutation", "x")
        if n < 0:
            raise FuncgradValueError(f"random.permutation: an int `x` must be >= 0, got {n}")
        return gen.permutation(n)
    arr = np.asarray(x)
    ax = axis_index(axis, arr.ndim, "permutation")
    if not independent:
        return np.take(arr, gen.permutation(arr.shape[ax]), axis=ax)
    order = np.argsort(gen.random(arr.shape), axis=ax, kind="stable")
    return np.take_along_axis(arr, order, axis=ax)
