"""Gradient transformations: the ``(init, update)`` pair, ``chain``, and ``apply_updates``.

A gradient transformation is two pure functions over pytrees, as in optax:
``init(params) -> state`` and ``update(updates, state, params=None) -> (updates, state)``.
States are frozen attrs classes, hence pytrees that can be saved, compared, vmapped and
jitted. This module imports only numpy, ``funcgrad.tree``, ``funcgrad.numpy``,
``funcgrad.core.errors`` and the private helpers ``optim._numerics`` and
``optim._structure``; no optim module imports funcgrad's transformations (optimizers run
*under* them, they never call them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import attrs
import numpy as np

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError

from ._numerics import Numeric
from ._structure import map_updates

PyTree = fgtree.PyTree
Params = PyTree
Updates = PyTree
OptState = PyTree
Schedule = Callable[[Numeric], Numeric]
"""A function from the step count (an int32 scalar, counting from 0) to a value."""
ScalarOrSchedule = float | Schedule


def _trees_equal(a: PyTree, b: PyTree) -> bool:
    # States are compared outside transformations, on concrete arrays, so numpy is safe here.
    leaves_a, treedef_a = fgtree.flatten(a)
    leaves_b, treedef_b = fgtree.flatten(b)
    return treedef_a == treedef_b and all(
        np.asarray(x).dtype == np.asarray(y).dtype and np.array_equal(x, y)
        for x, y in zip(leaves_a, leaves_b, strict=True)
    )


LEAFWISE_EQ = attrs.cmp_using(eq=_trees_equal, class_name="LeafwiseEq")
"""``attrs.field(eq=LEAFWISE_EQ)``: a state field compared as a pytree, leaf by leaf, so
that ``state_a == state_b`` is a plain bool (same structure, dtypes and values)."""


class TransformInitFn(Protocol):
    """``init(params) -> state``: the state for parameters shaped like ``params``."""

    def __call__(self, params: Params) -> OptState: ...


class TransformUpdateFn(Protocol):
    """``update(updates, state, params=None) -> (updates, state)``, without side effects."""

    def __call__(
        self, updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]: ...


@attrs.frozen
class GradientTransformation:
    """A pure optimizer building block: a pair of functions over pytrees.

    Attributes:
      init: ``init(params) -> state``.
      update: ``update(updates, state, params=None) -> (new_updates, new_state)``;
        ``updates`` (usually gradients) and the result have the structure of ``params``.

    Both are static pytree fields: a ``GradientTransformation`` is a pytree without
    leaves, so it can travel inside the arguments of a transformed function and is
    never differentiated or batched.

    Example:
      >>> opt = chain(identity(), identity())
      >>> opt.update({"w": 1.0}, opt.init({"w": 0.0}))[0]
      {'w': 1.0}
    """

    init: TransformInitFn = fgtree.static_field()  # noqa: RUF009 - an attrs.field
    update: TransformUpdateFn = fgtree.static_field()  # noqa: RUF009 - an attrs.field


@attrs.frozen
class EmptyState:
    """The state of a stateless transformation: a pytree with no leaves."""


def init_empty(params: Params) -> EmptyState:
    """The ``init`` of every stateless transformation."""
    del params
    return EmptyState()


def identity() -> GradientTransformation:
    """The transformation that returns its updates unchanged (state: ``EmptyState``)."""

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        del params
        return updates, state

    return GradientTransformation(init_empty, update)


@attrs.frozen
class ChainState:
    """The state of ``chain(t_1, ..., t_n)``: the inner states, in chain order."""

    inner_states: tuple[OptState, ...] = attrs.field(converter=tuple, eq=LEAFWISE_EQ)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Compose transformations: ``update`` applies ``t_1``, then ``t_2``, ... in order.

    The order matters: ``chain(clip(1.0), scale(0.1))`` gives steps in ``[-0.1, 0.1]``,
    ``chain(scale(0.1), clip(1.0))`` steps in ``[-1, 1]``. Each transformation sees the
    same ``params``.

    Args:
      *transforms: the transformations, applied first to last.

    Returns:
      A ``GradientTransformation`` whose state is a ``ChainState`` holding the inner
      states in order.

    Example:
      >>> import numpy as np
      >>> from funcgrad.optim import clip, scale
      >>> opt = chain(clip(1.0), scale(0.1))
      >>> opt.update(np.array([5.0, -0.5]), opt.init(np.zeros(2)))[0]
      array([ 0.1 , -0.05])
    """
    transforms = tuple(transforms)

    def init(params: Params) -> ChainState:
        return ChainState(tuple(t.init(params) for t in transforms))

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, ChainState]:
        if not isinstance(state, ChainState) or len(state.inner_states) != len(transforms):
            raise FuncgradTypeError(
                f"chain of {len(transforms)} transformations got state {type(state).__name__}; "
                "pass the state returned by this optimizer's `init` (or previous `update`)"
            )
        new_states = []
        for transform, inner in zip(transforms, state.inner_states, strict=True):
            updates, inner = transform.update(updates, inner, params)
            new_states.append(inner)
        return updates, ChainState(tuple(new_states))

    return GradientTransformation(init, update)


def apply_updates(params: Params, updates: Updates) -> Params:
    """Return ``params + updates`` leafwise, each leaf keeping the dtype of ``params``.

    Args:
      params: a pytree of parameters.
      updates: a pytree of the same structure and shapes (e.g. from ``opt.update``).

    Returns:
      New parameters; neither argument is modified.

    Raises:
      FuncgradValueError: if ``updates`` does not have the structure and shapes of
        ``params``; the message names the keys or positions that differ.

    Example:
      >>> apply_updates({"w": 1.0}, {"w": -0.25})
      {'w': 0.75}
    """
    return map_updates(
        _add_keep_dtype, updates, params, where="apply_updates", against="params", got="updates"
    )


NO_PARAMS_MESSAGE = (
    "{where} needs the parameters: call `opt.update(grads, state, params)` with the current params"
)


def require_params(params: Params | None, where: str) -> Params:
    """``params``, or a ``FuncgradValueError`` saying that ``where`` needs them."""
    if params is None:
        raise FuncgradValueError(NO_PARAMS_MESSAGE.format(where=where))
    return params


def _add_keep_dtype(u: Numeric, p: Numeric) -> Numeric:
    if isinstance(p, float):
        return p + u
    return fnp.asarray(p + u).astype(fnp.asarray(p).dtype)
