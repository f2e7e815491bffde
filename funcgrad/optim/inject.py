"""``inject_hyperparams``: hyperparameters that live in the optimizer state, as in optax.

The wrapped factory builds its transformation anew on every ``update`` from the
hyperparameters stored in the state (0-d arrays), so they can be read, logged and
replaced between steps, and a hyperparameter may be a schedule of the step count.
Imports only numpy, ``funcgrad.tree``, ``funcgrad.numpy``, ``funcgrad.core.errors``,
``optim.base`` and the private helpers.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import numpy as np

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree
from funcgrad.core.errors import FuncgradValueError

from ._numerics import Numeric, dtype_of, increment, real_dtype, zero_count
from .base import LEAFWISE_EQ, GradientTransformation, OptState, Params, PyTree, Updates


@attrs.frozen
class InjectHyperparamsState:
    """The step count (int32), the current hyperparameters and the inner state.

    ``hyperparams`` maps each numeric or scheduled argument of the factory to a 0-d
    array: after an ``update`` it holds the values that update used. Replace a numeric
    one between steps with ``attrs.evolve(state, hyperparams={**state.hyperparams,
    "learning_rate": np.asarray(1e-4)})``; scheduled ones are recomputed every step.
    """

    count: Numeric = attrs.field(eq=LEAFWISE_EQ)
    hyperparams: dict[str, Numeric] = attrs.field(eq=LEAFWISE_EQ)
    inner_state: OptState = attrs.field(eq=LEAFWISE_EQ)


def _float_dtype(tree: PyTree) -> np.dtype:
    """The widest real float dtype among the leaves (complex counts as its real part)."""
    dtypes = [real_dtype(dtype_of(x)) for x in fgtree.leaves(tree)]
    floats = [d for d in dtypes if d.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.number | np.ndarray):
        return True
    return hasattr(value, "shape") and hasattr(value, "dtype")  # a tracer


def _as_hyperparam(value: Numeric, dtype: np.dtype) -> Numeric:
    """Floats in ``dtype``, Python ints as int32 (as JAX's default), other arrays as they are."""
    if isinstance(value, float) or dtype_of(value).kind == "f":
        return value.astype(dtype) if hasattr(value, "astype") else fnp.asarray(value, dtype)
    if isinstance(value, int):
        return fnp.asarray(value, dtype=fnp.int32)
    return value


def inject_hyperparams(
    inner_factory: Callable[..., GradientTransformation],
    static_args: str | Iterable[str] = (),
    hyperparam_dtype: Any | None = None,
) -> Callable[..., GradientTransformation]:
    """Wrap an optimizer factory so its numeric hyperparameters live in the state.

    ``inject_hyperparams(adam)(learning_rate=1e-3)`` behaves as ``adam(1e-3)``, with
    state ``InjectHyperparamsState(count, hyperparams, inner_state)``. Every argument of
    the factory (given or defaulted) that is a number or array is stored in
    ``hyperparams`` as a 0-d array; every callable not named in ``static_args`` is a
    schedule, evaluated at the step count (0 for the first update) and stored likewise;
    bools, ``None`` and other values are passed through as they are. Each ``update``
    calls ``inner_factory(**hyperparams, **others).update(...)``.

    Args:
      inner_factory: a function returning a ``GradientTransformation`` (e.g. ``adam``).
      static_args: names of callable arguments that are not schedules.
      hyperparam_dtype: the dtype of float hyperparameters; ``None`` takes the widest
        float dtype of the params (the real one for complex params), or float64.

    Returns:
      A function with ``inner_factory``'s signature returning the wrapped transformation.

    Raises:
      FuncgradValueError: if ``static_args`` names an argument ``inner_factory`` lacks.

    Example:
      >>> import attrs
      >>> import numpy as np
      >>> from funcgrad.optim import sgd
      >>> opt = inject_hyperparams(sgd)(learning_rate=0.1)
      >>> state = opt.init(np.zeros(1))
      >>> state.hyperparams["learning_rate"]
      array(0.1)
      >>> state = attrs.evolve(state, hyperparams={"learning_rate": np.asarray(0.5)})
      >>> opt.update(np.ones(1), state)[0]
      array([-0.5])
    """
    static = {static_args} if isinstance(static_args, str) else set(static_args)
    signature = inspect.signature(inner_factory)
    if not static.issubset(signature.parameters):
        raise FuncgradValueError(
            f"inject_hyperparams: `static_args` {sorted(static)} must name parameters of "
            f"{getattr(inner_factory, '__name__', 'inner_factory')}, which has "
            f"{list(signature.parameters)}"
        )

    @functools.wraps(inner_factory)
    def wrapped(*args: Any, **kwargs: Any) -> GradientTransformation:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        schedules: dict[str, Callable[[Numeric], Numeric]] = {}
        numbers: dict[str, Numeric] = {}
        others: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            if name in static:
                others[name] = value
            elif callable(value):
                schedules[name] = value
            elif _is_number(value):
                numbers[name] = value
            else:
                others[name] = value

        def dtype_for(tree: PyTree) -> np.dtype:
            return (
                np.dtype(hyperparam_dtype) if hyperparam_dtype is not None else _float_dtype(tree)
            )

        def current(stored: dict[str, Numeric], count: Numeric, dtype: np.dtype) -> dict:
            values = {k: _as_hyperparam(v, dtype) for k, v in stored.items() if k not in schedules}
            values.update({k: _as_hyperparam(f(count), dtype) for k, f in schedules.items()})
            return values

        def init(params: Params) -> InjectHyperparamsState:
            count = zero_count()
            hyperparams = current(numbers, count, dtype_for(params))
            inner_state = inner_factory(**others, **hyperparams).init(params)
            return InjectHyperparamsState(count, hyperparams, inner_state)

        def update(
            updates: Updates, state: InjectHyperparamsState, params: Params | None = None
        ) -> tuple[Updates, InjectHyperparamsState]:
            dtype = dtype_for(params if params is not None else updates)
            hyperparams = current(state.hyperparams, state.count, dtype)
            updates, inner_state = inner_factory(**others, **hyperparams).update(
                updates, state.inner_state, params
            )
            return updates, InjectHyperparamsState(
                increment(state.count), hyperparams, inner_state
            )

        return GradientTransformation(init, update)

    return wrapped
