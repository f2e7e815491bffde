"""Continuous distributions: normal, uniform, exponential, Gumbel, truncated normal,
multivariate normal. Each draws float64 from its key's stream and casts to ``dtype``.

Imports ``random._keys``, numpy and funcgrad's error classes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.errors import FuncgradError, FuncgradValueError
from ._keys import Key, broadcast_shape, check_key, float_dtype, generator, shape_tuple


def normal(key: Key, shape: Any = (), dtype: Any = float) -> np.ndarray:
    """Standard normal samples of ``shape`` and float ``dtype``.

    Example:
      >>> from funcgrad import random
      >>> random.normal(random.key(0), (2, 3), np.float32).dtype
      dtype('float32')
    """
    k = check_key(key, "normal")
    dt = float_dtype(dtype, "normal")
    return np.asarray(generator(k).standard_normal(shape_tuple(shape, "normal")), dtype=dt)


def uniform(
    key: Key, shape: Any = (), dtype: Any = float, minval: Any = 0.0, maxval: Any = 1.0
) -> np.ndarray:
    """Uniform samples in ``[minval, maxval)`` of ``shape`` and float ``dtype``.

    ``minval`` and ``maxval`` may be arrays broadcasting to ``shape``. Values that round
    up to ``maxval`` in ``dtype`` are moved to the float just below it.
    """
    k = check_key(key, "uniform")
    dt = float_dtype(dtype, "uniform")
    size = shape_tuple(shape, "uniform")
    broadcast_shape("uniform", size, minval=np.asarray(minval), maxval=np.asarray(maxval))
    u = generator(k).random(size)
    out = np.asarray(minval + (maxval - minval) * u, dtype=dt)
    lo, hi = np.asarray(minval, dtype=dt), np.asarray(maxval, dtype=dt)
    rounded_up = (out >= hi) & (hi > lo)
    return np.asarray(np.where(rounded_up, np.nextafter(hi, lo), out), dtype=dt)


def exponential(key: Key, shape: Any = (), dtype: Any = float) -> np.ndarray:
    """Samples of the exponential distribution with rate 1 (mean 1), of ``shape``.

    Example:
      >>> from funcgrad import random
      >>> bool((random.exponential(random.key(0), 100) >= 0).all())
      True
    """
    k = check_key(key, "exponential")
    dt = float_dtype(dtype, "exponential")
    draws = generator(k).standard_exponential(shape_tuple(shape, "exponential"))
    return np.asarray(draws, dtype=dt)


def gumbel(key: Key, shape: Any = (), dtype: Any = float) -> np.ndarray:
    """Samples of the standard Gumbel distribution (location 0, scale 1), of ``shape``.

    ``-log(E)`` for ``E ~ exponential``; always finite. ``argmax(logits + gumbel)`` is a
    sample of ``categorical(logits)``.
    """
    k = check_key(key, "gumbel")
    dt = float_dtype(dtype, "gumbel")
    return np.asarray(gumbel_noise(generator(k), shape_tuple(shape, "gumbel")), dtype=dt)


def gumbel_noise(gen: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    e = gen.standard_exponential(shape)
    # E == 0 has probability 2**-53; keep the result finite (at most -log(tiny) ~ 708)
    return np.asarray(-np.log(np.maximum(e, np.finfo(np.float64).tiny)))


_SQRT_2PI = math.sqrt(2.0 * math.pi)
_MAX_ROUNDS = 1000  # every branch accepts with probability > 1/4: never reached


def truncated_normal(
    key: Key, lower: Any, upper: Any, shape: Any = None, dtype: Any = float
) -> np.ndarray:
    """Standard normal samples conditioned on ``lower < x < upper``.

    Args:
      lower, upper: bounds (arrays broadcasting to ``shape``; ``-inf``/``inf`` allowed),
        with ``lower < upper`` everywhere.
      shape: the sample shape; None broadcasts ``lower`` with ``upper``.
      dtype: float32 or float64; samples lie strictly inside the bounds in this dtype.

    Exact at any bounds, far tails included (Robert 1995 rejection: normal, uniform or
    shifted-exponential proposals, whichever accepts most often for each interval).

    Raises:
      ValueError: if a bound is NaN, ``lower >= upper`` somewhere, or the bounds do not
        broadcast to ``shape``.

    Example:
      >>> from funcgrad import random
      >>> x = random.truncated_normal(random.key(0), 5.0, np.inf, (1000,))
      >>> bool((x > 5.0).all())
      True
    """
    k = check_key(key, "truncated_normal")
    dt = float_dtype(dtype, "truncated_normal")
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    if shape is None:
        try:
            out_shape = np.broadcast_shapes(lo.shape, hi.shape)
        except ValueError:
            raise FuncgradValueError(
                f"random.truncated_normal: `lower` of shape {lo.shape} and `upper` of shape "
                f"{hi.shape} do not broadcast together"
            ) from None
    else:
        out_shape = shape_tuple(shape, "truncated_normal")
        broadcast_shape("truncated_normal", out_shape, lower=lo, upper=hi)
    lo, hi = np.broadcast_to(lo, out_shape).ravel(), np.broadcast_to(hi, out_shape).ravel()
    bad = np.isnan(lo) | np.isnan(hi) | (lo >= hi)
    if bad.any():
        i = int(np.argmax(bad))
        raise FuncgradValueError(
            f"random.truncated_normal: needs `lower` < `upper` (no NaN) everywhere, got "
            f"lower={lo[i]} and upper={hi[i]} at flat index {i}"
        )
    # Sample [a, b] with a >= 0 or a < 0 < b: an interval below zero is mirrored.
    flip = hi <= 0.0
    a, b = np.where(flip, -hi, lo), np.where(flip, -lo, hi)
    z = _robert(generator(k), a, b)
    x = np.where(flip, -z, z).astype(dt).reshape(out_shape)
    # In dtype, stay strictly inside the bounds (float32 rounding may land on them).
    lo_dt = np.broadcast_to(np.asarray(lower, dtype=dt), out_shape)
    hi_dt = np.broadcast_to(np.asarray(upper, dtype=dt), out_shape)
    inf = np.asarray(np.inf, dtype=dt)
    return np.asarray(np.clip(x, np.nextafter(lo_dt, inf), np.nextafter(hi_dt, -inf)), dtype=dt)


def _robert(gen: np.random.Generator, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """N(0, 1) samples on [a, b], where a < b and (a >= 0 or b > 0), by rejection.

    Per element, the proposal that accepts most often (Robert 1995): a normal draw when
    [a, b] holds 0 and is wider than sqrt(2 pi); for a >= 0 and b far enough out, ``a +
    E / alpha`` with the optimal rate ``alpha``; else a uniform draw on [a, b]. The
    formulas are written so that huge ``a`` neither overflows nor cancels.
    """
    straddles = a < 0.0
    wide = straddles & (b - a >= _SQRT_2PI)
    ap = np.maximum(a, 0.0)  # the exponential proposal is only used where a >= 0
    with np.errstate(over="ignore"):
        s = ap + np.hypot(ap, 2.0)  # a + sqrt(a^2 + 4) >= 2
        alpha = 0.5 * s
        reach = ap + 2.0 * math.sqrt(math.e) / s * np.exp(-ap / s)
    tail = ~straddles & (b > reach)
    out = np.empty_like(a)
    todo = np.arange(a.size)
    for _ in range(_MAX_ROUNDS):
        if todo.size == 0:
            return out
        n = todo.size
        u, v = gen.random(n), gen.random(n)
        zn, ze = gen.standard_normal(n), gen.standard_exponential(n)
        ta, tb, tw, tt, ts = a[todo], b[todo], wide[todo], tail[todo], s[todo]
        with np.errstate(invalid="ignore", over="ignore"):
            zu = ta + (tb - ta) * u
            shift = ze / alpha[todo]
            z = np.where(tw, zn, np.where(tt, ta + shift, zu))
            # log of (density / proposal density), scaled to peak at 0
            log_tail = -0.5 * (shift - 2.0 / ts) ** 2  # z - alpha = E/alpha - 2/s
            log_uniform = np.where(ta > 0.0, 0.5 * (ta - zu) * (ta + zu), -0.5 * zu * zu)
            log_ratio = np.where(tt, log_tail, log_uniform)
            # [a, b] closed here: the caller clips to the open interval in its dtype
            accept = (ta <= z) & (z <= tb) & (tw | (v < np.exp(log_ratio)))
        out[todo[accept]] = z[accept]
        todo = todo[~accept]
    raise FuncgradError("random.truncated_normal: rejection sampling did not converge")


_FACTORS = ("cholesky", "eigh", "svd")


def multivariate_normal(
    key: Key,
    mean: Any,
    cov: Any,
    shape: Any = None,
    dtype: Any = float,
    method: str = "cholesky",
) -> np.ndarray:
    """Samples of the normal distribution with ``mean`` (..., n) and ``cov`` (..., n, n).

    Args:
      shape: the batch shape; samples have shape ``shape + (n,)``. None broadcasts
        ``mean.shape[:-1]`` with ``cov.shape[:-2]``; otherwise both must broadcast to it.
      method: how ``cov`` is factored: ``"cholesky"`` (positive definite), ``"eigh"`` or
        ``"svd"`` (also positive semi-definite).

    Raises:
      ValueError: for mismatched ``mean``/``cov`` shapes, an unknown ``method``, or a
        ``cov`` that Cholesky cannot factor (try ``method="eigh"``).

    Example:
      >>> from funcgrad import random
      >>> random.multivariate_normal(random.key(0), np.zeros(3), np.eye(3), (5,)).shape
      (5, 3)
    """
    k = check_key(key, "multivariate_normal")
    dt = float_dtype(dtype, "multivariate_normal")
    if method not in _FACTORS:
        raise FuncgradValueError(
            f"random.multivariate_normal: `method` must be one of {_FACTORS}, got {method!r}"
        )
    mu = np.asarray(mean, dtype=np.float64)
    sigma = np.asarray(cov, dtype=np.float64)
    if mu.ndim < 1 or sigma.ndim < 2 or sigma.shape[-2:] != (mu.shape[-1],) * 2:
        raise FuncgradValueError(
            "random.multivariate_normal: `mean` must have shape (..., n) and `cov` shape "
            f"(..., n, n), got mean {mu.shape} and cov {sigma.shape}"
        )
    n = mu.shape[-1]
    if shape is None:
        try:
            batch = np.broadcast_shapes(mu.shape[:-1], sigma.shape[:-2])
        except ValueError:
            raise FuncgradValueError(
                f"random.multivariate_normal: the batch shapes of `mean` {mu.shape[:-1]} and "
                f"`cov` {sigma.shape[:-2]} do not broadcast together"
            ) from None
    else:
        batch = shape_tuple(shape, "multivariate_normal")
        broadcast_shape(
            "multivariate_normal",
            batch,
            mean=np.empty(mu.shape[:-1]),
            cov=np.empty(sigma.shape[:-2]),
        )
    factor = _factor(sigma, method)
    z = generator(k).standard_normal((*batch, n))
    return np.asarray(mu + np.einsum("...ij,...j->...i", factor, z), dtype=dt)


def _factor(cov: np.ndarray, method: str) -> np.ndarray:
    """A matrix ``A`` with ``A @ A.T == cov`` (batched)."""
    if method == "cholesky":
        try:
            return np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise FuncgradValueError(
                "random.multivariate_normal: `cov` is not positive definite (Cholesky "
                "failed); use method='eigh' or 'svd' for a positive semi-definite cov"
            ) from None
    if method == "eigh":
        w, v = np.linalg.eigh(cov)
        return np.asarray(v * np.sqrt(np.maximum(w, 0.0))[..., None, :])
    u, s, _ = np.linalg.svd(cov)
    return np.asarray(u * np.sqrt(s)[..., None, :])
