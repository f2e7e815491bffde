"""Factored second moments (Adafactor's ``scale_by_factored_rms``), as in optax.

For a leaf with two dimensions of at least ``min_dim_size_to_factor``, the running mean
of squared gradients is kept as a row and a column vector (``O(n + m)`` memory instead of
``O(n m)``) and their outer product, normalised, stands for the full matrix; other leaves
keep a full running mean. Imports only numpy, ``funcgrad.tree``, ``funcgrad.numpy``,
``optim.base`` and the private helpers.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree

from ._numerics import Numeric, abs_sq, cast_like, increment, real_dtype, shape_of, zero_count
from ._structure import check_matches
from .base import LEAFWISE_EQ, GradientTransformation, Params, Updates, require_params


def decay_rate_pow(i: Numeric, exponent: Numeric = 0.8) -> Numeric:
    """Adafactor's second-moment decay at step ``i`` (from 0): ``1 - (i + 1)**(-exponent)``.

    Computed in float64 (optax computes it in float32).
    """
    t = fnp.asarray(i + 1).astype(np.float64)
    return 1.0 - fnp.power(t, -exponent)


def _factored_dims(
    shape: tuple[int, ...], factored: bool, min_dim_size_to_factor: int
) -> tuple[int, int] | None:
    """The axes ``(d1, d0)`` of the second-largest and largest dimension, or None."""
    if not factored or len(shape) < 2:
        return None
    order = np.argsort(shape, kind="stable")
    if shape[order[-2]] < min_dim_size_to_factor:
        return None
    return int(order[-2]), int(order[-1])


@attrs.frozen
class FactoredState:
    """Adafactor's step count (int32) and its second-moment statistics, per leaf.

    For a factored leaf ``v_row`` and ``v_col`` hold the row and column means (the leaf
    without its largest, resp. second-largest, axis) and ``v`` a ``(1,)`` placeholder;
    for any other leaf ``v`` holds the full running mean and ``v_row``, ``v_col`` are
    ``(1,)`` placeholders. All in the leaf's real dtype.
    """

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    v_row: Updates = attrs.field(eq=LEAFWISE_EQ)
    v_col: Updates = attrs.field(eq=LEAFWISE_EQ)
    v: Updates = attrs.field(eq=LEAFWISE_EQ)


def scale_by_factored_rms(
    factored: bool = True,
    decay_rate: Numeric = 0.8,
    step_offset: int = 0,
    min_dim_size_to_factor: int = 128,
    epsilon: Numeric = 1e-30,
    decay_rate_fn: Callable[[Numeric, Numeric], Numeric] = decay_rate_pow,
) -> GradientTransformation:
    """Rescale updates by a factored estimate of their root mean square (Shazeer & Stern, 2018).

    With ``b_t = decay_rate_fn(t - 1 - step_offset, decay_rate)`` (by default
    ``1 - (t - step_offset)**(-decay_rate)``), ``s = |g_t|**2 + epsilon`` and, for a
    factored leaf with largest axis ``d0`` and second-largest ``d1``::

        R_t = b_t * R_{t-1} + (1 - b_t) * mean(s, axis=d0)
        C_t = b_t * C_{t-1} + (1 - b_t) * mean(s, axis=d1)
        u_t = g_t * (R_t / mean(R_t over d1))**-0.5 (broadcast over d0) * C_t**-0.5 (over d1)

    and for any other leaf::

        v_t = b_t * v_{t-1} + (1 - b_t) * s;    u_t = g_t * v_t**-0.5

    Args:
      factored: factor the statistics of leaves with two large enough dimensions.
      decay_rate: the exponent passed to ``decay_rate_fn``.
      step_offset: subtracted from the step (to restart the decay when fine-tuning).
      min_dim_size_to_factor: factor only when two dimensions are at least this big.
      epsilon: added to the squared gradients.
      decay_rate_fn: ``(step, decay_rate) -> b``; the step counts from 0.

    Raises:
      FuncgradValueError: from ``update``, when ``params`` is not given or does not
        match the gradients.
    """

    def dims(p: Numeric) -> tuple[int, int] | None:
        return _factored_dims(shape_of(p), factored, min_dim_size_to_factor)

    def placeholder(p: Numeric) -> Numeric:
        return fnp.zeros((1,), dtype=real_dtype(p.dtype))

    def init_row(p: Numeric) -> Numeric:
        d = dims(p)
        if d is None:
            return placeholder(p)
        return fnp.zeros(_without(shape_of(p), d[1]), dtype=real_dtype(p.dtype))

    def init_col(p: Numeric) -> Numeric:
        d = dims(p)
        if d is None:
            return placeholder(p)
        return fnp.zeros(_without(shape_of(p), d[0]), dtype=real_dtype(p.dtype))

    def init_v(p: Numeric) -> Numeric:
        if dims(p) is None:
            return fnp.zeros_like(p, dtype=real_dtype(p.dtype))
        return placeholder(p)

    def init(params: Params) -> FactoredState:
        params = fgtree.map(fnp.asarray, params)
        return FactoredState(
            count=zero_count(),
            v_row=fgtree.map(init_row, params),
            v_col=fgtree.map(init_col, params),
            v=fgtree.map(init_v, params),
        )

    def update(
        updates: Updates, state: FactoredState, params: Params | None = None
    ) -> tuple[Updates, FactoredState]:
        params = require_params(params, "scale_by_factored_rms")
        where = "scale_by_factored_rms"
        check_matches(updates, state.v, where=where, against="optimizer state", shapes=False)
        check_matches(updates, params, where=where, against="params")
        decay = decay_rate_fn(state.count - step_offset, decay_rate)

        def leaf(g: Numeric, v_row: Numeric, v_col: Numeric, v: Numeric, p: Numeric) -> tuple:
            d = dims(p)
            b = cast_like(decay, v)
            s = abs_sq(g) + cast_like(epsilon, v)
            if d is None:
                new_v = b * v + (1 - b) * s
                return g * new_v**-0.5, v_row, v_col, new_v
            d1, d0 = d
            new_row = b * v_row + (1 - b) * fnp.mean(s, axis=d0)
            new_col = b * v_col + (1 - b) * fnp.mean(s, axis=d1)
            row_axis = d1 - 1 if d1 > d0 else d1  # where d1 sits once d0 is gone
            row_factor = (new_row / fnp.mean(new_row, axis=row_axis, keepdims=True)) ** -0.5
            col_factor = new_col**-0.5
            u = g * fnp.expand_dims(row_factor, d0) * fnp.expand_dims(col_factor, d1)
            return u, new_row, new_col, v

        leaves, treedef = fgtree.flatten(updates)
        parts = zip(
            leaves,
            fgtree.leaves(state.v_row),
            fgtree.leaves(state.v_col),
            fgtree.leaves(state.v),
            fgtree.leaves(params),
            strict=True,
        )
        results = [leaf(*args) for args in parts]
        new_state = FactoredState(
            count=increment(state.count),
            v_row=treedef.unflatten(r[1] for r in results),
            v_col=treedef.unflatten(r[2] for r in results),
            v=treedef.unflatten(r[3] for r in results),
        )
        return treedef.unflatten(r[0] for r in results), new_state

    return GradientTransformation(init, update)


def _without(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return shape[:axis] + shape[axis + 1 :]
