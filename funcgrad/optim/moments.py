"""Rescalings by running moment estimates: Adam, Adamax, Lion, RMSProp, Adagrad (optax's).

Each factory returns a ``GradientTransformation`` with its frozen attrs state class right
above it; every formula is written once, with ``funcgrad.numpy``, so updates run under
``grad``, ``vmap`` and ``jit``. In the equations ``g`` is an incoming update leaf, ``t``
the step number counted from 1, operations are elementwise, and ``|g|**2`` is
``real(conj(g) * g)`` (optax's ``abs_sq``): for complex leaves the second moments are real
(stored in the leaf's real dtype, e.g. float64 for complex128) and the updates complex, so
a complex parameter is optimised like the pair of its real and imaginary parts, given the
conjugate of JAX's gradient (see ``funcgrad.optim``). Imports only ``funcgrad.tree``,
``funcgrad.numpy``, ``funcgrad.core.errors``, ``optim.base`` and the private helpers.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree
from funcgrad.core.errors import FuncgradValueError

from ._numerics import (
    Numeric,
    abs_sq,
    bias_correction,
    cast_like,
    full_real_like,
    increment,
    update_moment,
    zero_count,
    zeros_real_like,
)
from ._structure import map_updates
from .base import LEAFWISE_EQ, GradientTransformation, Params, TransformInitFn, Updates

# --- scale_by_adam (and scale_by_adamax, which shares its state) ---------------------


@attrs.frozen
class ScaleByAdamState:
    """Adam's step count (int32) and first and second moment estimates ``mu``, ``nu``."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    mu: Updates = attrs.field(eq=LEAFWISE_EQ)
    nu: Updates = attrs.field(eq=LEAFWISE_EQ)


def _zeros(params: Params, dtype: Any | None) -> Updates:
    return fgtree.map(lambda p: fnp.zeros_like(p, dtype=dtype), params)


def _cast(tree: Updates, dtype: Any | None) -> Updates:
    return tree if dtype is None else fgtree.map(lambda x: x.astype(dtype), tree)


def _adam_init(mu_dtype: Any | None) -> TransformInitFn:
    """The ``init`` shared by Adam and Adamax: zero moments, ``nu`` in the real dtype."""

    def init(params: Params) -> ScaleByAdamState:
        mu = _zeros(params, mu_dtype)
        nu = fgtree.map(zeros_real_like, params)
        return ScaleByAdamState(count=zero_count(), mu=mu, nu=nu)

    return init


def scale_by_adam(
    b1: Numeric = 0.9,
    b2: Numeric = 0.999,
    eps: Numeric = 1e-8,
    eps_root: Numeric = 0.0,
    mu_dtype: Any | None = None,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Rescale updates by Adam's bias-corrected moment estimates (Kingma & Ba, 2014).

    With ``m_0 = v_0 = 0`` and ``t = 1, 2, ...``::

        m_t = (1 - b1) * g_t + b1 * m_{t-1}
        v_t = (1 - b2) * |g_t|**2 + b2 * v_{t-1}
        m_hat = m_t / (1 - b1**t)
        m_hat = b1 * m_t / (1 - b1**(t+1)) + (1 - b1) * g_t / (1 - b1**t)   (nesterov)
        v_hat = v_t / (1 - b2**t)
        u_t = m_hat / (sqrt(v_hat + eps_root) + eps)

    Args:
      b1: decay of the first moment (mean of gradients).
      b2: decay of the second moment (mean of squared gradients).
      eps: added to the denominator outside the square root.
      eps_root: added inside the square root (keeps derivatives through the update
        finite, e.g. for meta-learning).
      mu_dtype: the dtype ``m`` is stored in; ``None`` keeps the params'.
      nesterov: keyword-only; Nesterov momentum (NAdam, Dozat 2016).
    """

    def update(
        updates: Updates, state: ScaleByAdamState, params: Params | None = None
    ) -> tuple[Updates, ScaleByAdamState]:
        del params
        where = "scale_by_adam"
        mu = map_updates(lambda g, m: update_moment(g, m, b1), updates, state.mu, where=where)
        nu = fgtree.map(lambda g, v: update_moment(abs_sq(g), v, b2), updates, state.nu)
        count = increment(state.count)
        if nesterov:
            next_count = increment(count)
            mu_hat = fgtree.map(
                lambda m, g: (
                    cast_like(b1, m) * bias_correction(m, b1, next_count)
                    + (1 - cast_like(b1, m)) * bias_correction(g, b1, count)
                ),
                mu,
                updates,
            )
        else:
            mu_hat = fgtree.map(lambda m: bias_correction(m, b1, count), mu)

        def step(m: Numeric, v: Numeric) -> Numeric:
            v_hat = bias_correction(v, b2, count)
            return m / (fnp.sqrt(v_hat + cast_like(eps_root, v)) + cast_like(eps, v))

        updates = fgtree.map(step, mu_hat, nu)
        return updates, ScaleByAdamState(count=count, mu=_cast(mu, mu_dtype), nu=nu)

    return GradientTransformation(_adam_init(mu_dtype), update)


def scale_by_adamax(
    b1: Numeric = 0.9, b2: Numeric = 0.999, eps: Numeric = 1e-8
) -> GradientTransformation:
    """Rescale updates by Adamax's infinity-norm moment (Kingma & Ba, 2014, section 7.1).

    With ``m_0 = v_0 = 0`` and ``t = 1, 2, ...`` (state ``ScaleByAdamState``)::

        m_t = (1 - b1) * g_t + b1 * m_{t-1}
        v_t = max(|g_t| + eps, b2 * v_{t-1})
        u_t = (m_t / (1 - b1**t)) / v_t

    Args:
      b1: decay of the first moment.
      b2: decay of the running maximum of ``|g|``.
      eps: added to ``|g|``, so ``v`` is never 0.
    """

    def update(
        updates: Updates, state: ScaleByAdamState, params: Params | None = None
    ) -> tuple[Updates, ScaleByAdamState]:
        del params
        count = increment(state.count)
        mu = map_updates(
            lambda g, m: update_moment(g, m, b1), updates, state.mu, where="scale_by_adamax"
        )
        nu = fgtree.map(
            lambda g, v: fnp.maximum(fnp.abs(g) + cast_like(eps, v), cast_like(b2, v) * v),
            updates,
            state.nu,
        )
        updates = fgtree.map(lambda m, v: bias_correction(m, b1, count) / v, mu, nu)
        return updates, ScaleByAdamState(count=count, mu=mu, nu=nu)

    return GradientTransformation(_adam_init(None), update)


# --- scale_by_lion ---------------------------------------------------------------------


@attrs.frozen
class ScaleByLionState:
    """Lion's step count (int32) and momentum ``mu``."""

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    mu: Updates = attrs.field(eq=LEAFWISE_EQ)


_LION_MODES = ("hard", "smooth", "refined")


def scale_by_lion(
    b1: Numeric = 0.9,
    b2: Numeric = 0.99,
    mu_dtype: Any | None = None,
    *,
    mode: Literal["hard", "smooth", "refined"] = "hard",
    smooth_beta: float = 1.0,
) -> GradientTransformation:
    """Rescale updates to the sign of an interpolated momentum (Lion, Chen et al., 2023).

    With ``m_0 = 0``::

        c_t = (1 - b1) * g_t + b1 * m_{t-1}
        u_t = sign(c_t)          (mode="hard"; tanh(smooth_beta * c_t) for "smooth";
                                  c_t where |c_t| < 1, else sign(c_t) for "refined")
        m_t = (1 - b2) * g_t + b2 * m_{t-1}

    For complex ``c``, ``sign(c) = c / |c|``, as numpy and JAX define it.

    Args:
      b1: weight of the momentum in the update direction.
      b2: decay of the momentum.
      mu_dtype: the dtype ``m`` is stored in; ``None`` keeps the params'.
      mode: keyword-only; the sign variant, as above.
      smooth_beta: keyword-only; the slope of the ``"smooth"`` variant.

    Raises:
      FuncgradValueError: if ``mode`` is not one of the three.
    """
    if mode not in _LION_MODES:
        raise FuncgradValueError(
            f"scale_by_lion: `mode` must be one of {list(_LION_MODES)}, got {mode!r}"
        )

    def direction(g: Numeric, m: Numeric) -> Numeric:
        c = (1 - cast_like(b1, g)) * g + cast_like(b1, g) * m
        if mode == "hard":
            return fnp.sign(c)
        if mode == "smooth":
            return fnp.tanh(smooth_beta * c)
        return fnp.where(fnp.abs(c) < 1.0, c, fnp.sign(c))

    def init(params: Params) -> ScaleByLionState:
        return ScaleByLionState(count=zero_count(), mu=_zeros(params, mu_dtype))

    def update(
        updates: Updates, state: ScaleByLionState, params: Params | None = None
    ) -> tuple[Updates, ScaleByLionState]:
        del params
        new_updates = map_updates(direction, updates, state.mu, where="scale_by_lion")
        mu = fgtree.map(lambda g, m: update_moment(g, m, b2), updates, state.mu)
        return new_updates, ScaleByLionState(count=increment(state.count), mu=_cast(mu, mu_dtype))

    return GradientTransformation(init, update)


# --- scale_by_rms ----------------------------------------------------------------------


@attrs.frozen
class ScaleByRmsState:
    """RMSProp's running mean of squared updates ``nu``."""

    nu: Updates = attrs.field(eq=LEAFWISE_EQ)


def scale_by_rms(
    decay: Numeric = 0.9,
    eps: Numeric = 1e-8,
    initial_scale: Numeric = 0.0,
    eps_in_sqrt: bool = True,
) -> GradientTransformation:
    """Rescale updates by the root of a running mean of their squares (RMSProp).

    With ``v_0 = initial_scale``::

        v_t = (1 - decay) * |g_t|**2 + decay * v_{t-1}
        u_t = g_t / sqrt(v_t + eps)          (eps_in_sqrt=True, optax's default)
        u_t = g_t / (sqrt(v_t) + eps)        (eps_in_sqrt=False, PyTorch's form)

    Args:
      decay: decay of the running mean of squared updates.
      eps: keeps the denominator away from zero.
      initial_scale: initial value of ``v`` (PyTorch uses 0, TF1 used 1).
      eps_in_sqrt: where ``eps`` is added, as above.
    """

    def init(params: Params) -> ScaleByRmsState:
        return ScaleByRmsState(nu=fgtree.map(lambda p: full_real_like(p, initial_scale), params))

    def update(
        updates: Updates, state: ScaleByRmsState, params: Params | None = None
    ) -> tuple[Updates, ScaleByRmsState]:
        del params
        nu = map_updates(
            lambda g, v: update_moment(abs_sq(g), v, decay),
            updates,
            state.nu,
            where="scale_by_rms",
        )

        def step(g: Numeric, v: Numeric) -> Numeric:
            if eps_in_sqrt:
                return g / fnp.sqrt(v + cast_like(eps, v))
            return g / (fnp.sqrt(v) + cast_like(eps, v))

        return fgtree.map(step, updates, nu), ScaleByRmsState(nu=nu)

    return GradientTransformation(init, update)


# --- scale_by_adagrad ------------------------------------------------------------------


@attrs.frozen
class ScaleByAdagradState:
    """Adagrad's running sum of squared updates (optax's ``ScaleByRssState``)."""

    sum_of_squares: Updates = attrs.field(eq=LEAFWISE_EQ)


def scale_by_adagrad(
    initial_accumulator_value: Numeric = 0.1, eps: Numeric = 1e-7
) -> GradientTransformation:
    """Rescale updates by the root of the sum of all their squares so far (Adagrad).

    This is optax's ``scale_by_rss``. With ``s_0 = initial_accumulator_value``::

        s_t = s_{t-1} + |g_t|**2
        u_t = g_t / sqrt(s_t + eps)     where s_t > 0, and 0 where s_t == 0

    Args:
      initial_accumulator_value: starting value of ``s``; must be >= 0.
      eps: added inside the square root.
    """

    def init(params: Params) -> ScaleByAdagradState:
        return ScaleByAdagradState(
            sum_of_squares=fgtree.map(
                lambda p: full_real_like(p, initial_accumulator_value), params
            )
        )

    def update(
        updates: Updates, state: ScaleByAdagradState, params: Params | None = None
    ) -> tuple[Updates, ScaleByAdagradState]:
        del params
        sum_of_squares = map_updates(
            lambda g, s: abs_sq(g) + s, updates, state.sum_of_squares, where="scale_by_adagrad"
        )

        def step(g: Numeric, s: Numeric) -> Numeric:
            positive = s > 0
            # The inner where keeps 0/0 out of the discarded branch (no warning, no NaN
            # in derivatives) when eps == 0.
            safe = fnp.where(positive, s + cast_like(eps, s), 1)
            return fnp.where(positive, g / fnp.sqrt(safe), 0)

        return fgtree.map(step, updates, sum_of_squares), ScaleByAdagradState(sum_of_squares)

    return GradientTransformation(init, update)
