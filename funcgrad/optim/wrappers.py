"""Wrappers around a whole transformation: ``masked`` and ``MultiSteps``, as in optax.

``masked(inner, mask)`` applies ``inner`` to part of the parameters and passes the rest
through unchanged; ``MultiSteps(opt, k)`` accumulates gradients over ``k`` mini-steps and
applies ``opt`` once per ``k``. Both keep their states as frozen attrs pytrees and decide
with ``fnp.where`` rather than Python branches on traced values, so they run under
``grad``, ``vmap`` and ``jit``. Imports only numpy, ``funcgrad.tree``,
``funcgrad.numpy``, ``funcgrad.core.errors``, ``optim.base`` and the private helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree
from funcgrad.core.errors import FuncgradTypeError

from ._numerics import Numeric, abs_sq, cast_like, dtype_of, increment, zero_count
from ._structure import map_updates, mismatch_error
from .base import LEAFWISE_EQ, GradientTransformation, OptState, Params, PyTree, Updates

MaskOrFn = PyTree | Callable[[Params], PyTree] | None
"""A pytree of bools (the params' structure or a prefix of it), or ``params -> such a tree``."""

# --- masked ----------------------------------------------------------------------------


@attrs.frozen
class MaskedNode:
    """Stands in for a masked-out subtree: a pytree node without leaves, so tree maps
    pass over it and the inner transformation keeps no state for it."""


@attrs.frozen
class MaskedState:
    """The state of ``masked(inner, mask)``: ``inner``'s state over the unmasked leaves."""

    inner_state: OptState = attrs.field(eq=LEAFWISE_EQ)


def _mask_is_callable(mask: Any) -> bool:
    flags = fgtree.leaves(fgtree.map(callable, mask))
    return len(flags) > 0 and all(flags)


def _mask_flag(m: Any) -> bool:
    if isinstance(m, bool | np.bool_):
        return bool(m)
    raise FuncgradTypeError(
        f"masked: every leaf of the mask must be a Python or numpy bool, got "
        f"{type(m).__name__} {m!r}; build the mask from shapes or names, not from values "
        "(e.g. `tree.map(lambda p: p.ndim > 1, params)`)"
    )


def masked(inner: GradientTransformation, mask: MaskOrFn) -> GradientTransformation:
    """Apply ``inner`` only where ``mask`` is ``True``; other updates pass through unchanged.

    ``inner`` sees the params and updates with every masked-out subtree replaced by a
    ``MaskedNode`` (it keeps state only for the selected leaves); its outputs replace the
    selected updates, the others are returned as they came in.

    Args:
      inner: the transformation to apply to the selected leaves.
      mask: a pytree of bools with the structure of the params or a prefix of it
        (a ``True`` or ``False`` leaf covers a whole subtree), or a function from the
        params (in ``init``) and the updates (in ``update``) to such a tree.

    Raises:
      FuncgradValueError: if the mask's structure is not a prefix of the params'.
      FuncgradTypeError: if a mask leaf is not a bool.

    Example:
      >>> import numpy as np
      >>> from funcgrad.optim import scale
      >>> opt = masked(scale(10.0), {"w": True, "b": False})
      >>> grads = {"w": np.ones(2), "b": np.ones(2)}
      >>> opt.update(grads, opt.init(grads))[0]
      {'b': array([1., 1.]), 'w': array([10., 10.])}
    """
    mask_is_fn = _mask_is_callable(mask)

    def mask_for(tree: PyTree, what: str) -> PyTree:
        mask_tree = mask(tree) if mask_is_fn and callable(mask) else mask
        treedef = fgtree.structure(mask_tree)
        try:
            fgtree.flatten_up_to(treedef, tree)
        except ValueError:
            raise mismatch_error(
                mask_tree, tree, where="masked", got="mask", expected=what, prefix=True
            ) from None
        return mask_tree

    def apply_mask(tree: PyTree, mask_tree: PyTree) -> PyTree:
        return fgtree.map(lambda m, x: x if _mask_flag(m) else MaskedNode(), mask_tree, tree)

    def init(params: Params) -> MaskedState:
        mask_tree = mask_for(params, "params")
        return MaskedState(inner_state=inner.init(apply_mask(params, mask_tree)))

    def update(
        updates: Updates, state: MaskedState, params: Params | None = None
    ) -> tuple[Updates, MaskedState]:
        mask_tree = mask_for(updates, "gradients")
        masked_params = None if params is None else apply_mask(params, mask_tree)
        new_updates, inner_state = inner.update(
            apply_mask(updates, mask_tree), state.inner_state, masked_params
        )
        updates = fgtree.map(
            lambda m, new, old: new if _mask_flag(m) else old, mask_tree, new_updates, updates
        )
        return updates, MaskedState(inner_state=inner_state)

    return GradientTransformation(init, update)


# --- MultiSteps ------------------------------------------------------------------------


@attrs.frozen
class MultiStepsState:
    """The state of ``MultiSteps``.

    Attributes:
      mini_step: mini-steps accumulated so far in this gradient step (int32, 0..k-1).
      gradient_step: gradient steps taken by the inner optimizer so far (int32).
      inner_opt_state: the state of the wrapped optimizer.
      acc_grads: the accumulated gradients (mean or sum of the mini-steps so far).
      skip_state: what ``should_skip_update_fn`` returned last (``()`` without one).
    """

    mini_step: Numeric = attrs.field(eq=LEAFWISE_EQ)
    gradient_step: Numeric = attrs.field(eq=LEAFWISE_EQ)
    inner_opt_state: OptState = attrs.field(eq=LEAFWISE_EQ)
    acc_grads: Updates = attrs.field(eq=LEAFWISE_EQ)
    skip_state: PyTree = attrs.field(default=(), eq=LEAFWISE_EQ)


ShouldSkipUpdateFn = Callable[[Updates, Numeric, Params | None], tuple[Numeric, PyTree]]
"""``(updates, gradient_step, params) -> (skip, skip_state)`` with ``skip`` a bool scalar."""


def skip_not_finite(
    updates: Updates, gradient_step: Numeric, params: Params | None
) -> tuple[Numeric, PyTree]:
    """For ``MultiSteps``: skip a mini-step whose updates contain an inf or a NaN.

    Returns ``(skip, {"should_skip": skip, "num_not_finite": n})``.
    """
    del gradient_step, params
    num_not_finite = fnp.zeros((), dtype=int)
    for g in fgtree.leaves(updates):
        num_not_finite = num_not_finite + fnp.sum(fnp.logical_not(fnp.isfinite(g)))
    should_skip = num_not_finite > 0
    return should_skip, {"should_skip": should_skip, "num_not_finite": num_not_finite}


def skip_large_updates(
    updates: Updates, gradient_step: Numeric, params: Params | None, max_squared_norm: Numeric
) -> tuple[Numeric, PyTree]:
    """For ``MultiSteps`` (with ``functools.partial``): skip updates with a large norm.

    Skips when ``global_norm(updates)**2 >= max_squared_norm`` (or is NaN). Returns
    ``(skip, {"should_skip": skip, "norm_squared": n2})``.
    """
    del gradient_step, params
    norm_sq = fnp.zeros(())
    for g in fgtree.leaves(updates):
        norm_sq = norm_sq + fnp.sum(abs_sq(g))
    should_skip = fnp.logical_not(norm_sq < max_squared_norm)
    return should_skip, {"should_skip": should_skip, "norm_squared": norm_sq}


def _never_skip(
    updates: Updates, gradient_step: Numeric, params: Params | None
) -> tuple[Numeric, PyTree]:
    del updates, gradient_step, params
    return fnp.zeros((), dtype=bool), ()


def _select(condition: Numeric, if_true: PyTree, if_false: PyTree) -> PyTree:
    """Leafwise ``where(condition, if_true, if_false)`` in the dtypes of ``if_false``."""

    def pick(a: Numeric, b: Numeric) -> Numeric:
        return fnp.where(condition, a, b).astype(dtype_of(b))

    return fgtree.map(pick, if_true, if_false)


@attrs.frozen
class MultiSteps:
    """Gradient accumulation: apply ``opt`` once every ``k`` calls of ``update``.

    On each mini-step the gradients are added to an accumulator (their running mean
    with ``use_grad_mean``, else their sum) and ``update`` returns zeros; on the
    ``k``-th it returns ``opt``'s update of the accumulated gradients, commits ``opt``'s
    new state and resets the accumulator. With ``n = mini_step`` (0-based)::

        a <- a + (g - a) / (n + 1)    (use_grad_mean)   or   a <- a + g
        u = opt.update(a, ...)        if n == k - 1,    0 otherwise

    Args:
      opt: the inner optimizer.
      every_k_schedule: ``k``, or a function ``gradient_step -> k`` (a varying batch size).
      use_grad_mean: average the mini-step gradients (``True``) or sum them.
      should_skip_update_fn: ``(updates, gradient_step, params) -> (skip, skip_state)``;
        a skipped mini-step leaves the state as it was (e.g. ``skip_not_finite``).
      accumulator_dtype: the dtype of the accumulator; ``None`` keeps the params'
        (optax defaults to float32; funcgrad keeps float64 params exact).

    ``init`` and ``update`` are methods, so an instance can be used where a
    ``GradientTransformation`` is expected; ``gradient_transformation()`` returns one.

    Example:
      >>> import numpy as np
      >>> from funcgrad.optim import sgd
      >>> opt = MultiSteps(sgd(1.0), every_k_schedule=2)
      >>> state = opt.init(np.zeros(1))
      >>> u1, state = opt.update(np.array([1.0]), state)
      >>> u2, state = opt.update(np.array([3.0]), state)
      >>> u1, u2  # zeros, then -lr times the mean gradient
      (array([0.]), array([-2.]))
    """

    # Configuration only: static pytree fields, so a MultiSteps is a pytree without leaves.
    opt: GradientTransformation = fgtree.static_field()  # noqa: RUF009
    every_k_schedule: int | Callable[[Numeric], Numeric] = fgtree.static_field()  # noqa: RUF009
    use_grad_mean: bool = fgtree.static_field(default=True)
    should_skip_update_fn: ShouldSkipUpdateFn | None = fgtree.static_field(default=None)  # noqa: RUF009
    accumulator_dtype: Any | None = fgtree.static_field(default=None)  # noqa: RUF009

    @property
    def inner_opt(self) -> GradientTransformation:
        """The wrapped optimizer."""
        return self.opt

    def _k(self, gradient_step: Numeric) -> Numeric:
        if callable(self.every_k_schedule):
            return self.every_k_schedule(gradient_step)
        return self.every_k_schedule

    def _skip_fn(self) -> ShouldSkipUpdateFn:
        return self.should_skip_update_fn or _never_skip

    def init(self, params: Params) -> MultiStepsState:
        """The initial ``MultiStepsState`` for ``params``."""
        gradient_step = zero_count()
        zeros = fgtree.map(lambda p: fnp.zeros_like(p, dtype=self.accumulator_dtype), params)
        _, skip_state = self._skip_fn()(fgtree.map(fnp.zeros_like, params), gradient_step, params)
        return MultiStepsState(
            mini_step=zero_count(),
            gradient_step=gradient_step,
            inner_opt_state=self.opt.init(params),
            acc_grads=zeros,
            skip_state=skip_state,
        )

    def update(
        self, updates: Updates, state: MultiStepsState, params: Params | None = None
    ) -> tuple[Updates, MultiStepsState]:
        """Accumulate ``updates``; return zeros, or the inner update every ``k`` steps."""
        k = self._k(state.gradient_step)
        skip, skip_state = self._skip_fn()(updates, state.gradient_step, params)
        skip_dtype = getattr(skip, "dtype", None)
        if skip_dtype != np.bool_ or tuple(getattr(skip, "shape", (None,))) != ():
            raise FuncgradTypeError(
                "MultiSteps: `should_skip_update_fn` must return a bool scalar array first, "
                f"got {skip_dtype}{list(getattr(skip, 'shape', []))}"
            )
        n = state.mini_step
        if self.use_grad_mean:
            acc_grads = map_updates(
                lambda g, a: a + (g - a) / cast_like(n + 1, a),
                updates,
                state.acc_grads,
                where="MultiSteps",
            )
        else:
            acc_grads = map_updates(
                lambda g, a: a + g, updates, state.acc_grads, where="MultiSteps"
            )
        as_updates = fgtree.map(lambda a, g: a.astype(dtype_of(g)), acc_grads, updates)
        inner_updates, inner_state = self.opt.update(as_updates, state.inner_opt_state, params)

        emit = fnp.logical_and(n == k - 1, fnp.logical_not(skip))
        done = MultiStepsState(
            mini_step=fnp.asarray(increment(n) % k).astype(np.int32),
            gradient_step=fnp.where(emit, increment(state.gradient_step), state.gradient_step),
            inner_opt_state=_select(emit, inner_state, state.inner_opt_state),
            acc_grads=_select(emit, fgtree.map(fnp.zeros_like, acc_grads), acc_grads),
            skip_state=skip_state,
        )
        new_state = MultiStepsState(
            mini_step=fnp.where(skip, n, done.mini_step),
            gradient_step=done.gradient_step,
            inner_opt_state=done.inner_opt_state,
            acc_grads=_select(skip, state.acc_grads, done.acc_grads),
            skip_state=skip_state,
        )
        if self.accumulator_dtype is not None:
            new_state = attrs.evolve(
                new_state,
                acc_grads=fgtree.map(
                    lambda a: a.astype(self.accumulator_dtype), new_state.acc_grads
                ),
            )
        zeros = fgtree.map(fnp.zeros_like, inner_updates)
        return _select(emit, inner_updates, zeros), new_state

    def has_updated(self, state: MultiStepsState) -> Numeric:
        """Whether the last ``update`` that produced ``state`` applied the inner optimizer."""
        return fnp.logical_and(state.mini_step == 0, state.gradient_step > 0)

    def gradient_transformation(self) -> GradientTransformation:
        """This wrapper as a plain ``GradientTransformation`` (``init``, ``update``)."""
        return GradientTransformation(self.init, self.update)
