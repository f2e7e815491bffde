"""Combining transformations over parts of the parameters: ``multi_transform``, as in optax.

(``chain``, which combines transformations in sequence, lives in ``optim.base``.)
``multi_transform`` gives each parameter a label and applies the transformation of that
label to it, each one ``masked`` to its own leaves. Imports only ``funcgrad.tree``,
``funcgrad.core.errors``, the optim modules ``base`` and ``wrappers``, and the private
helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

import attrs

from funcgrad import tree as fgtree
from funcgrad.core.errors import FuncgradValueError

from ._structure import mismatch_error
from .base import LEAFWISE_EQ, GradientTransformation, OptState, Params, PyTree, Updates
from .wrappers import masked


@attrs.frozen
class MultiTransformState:
    """The state of ``multi_transform``: one inner (``MaskedState``) state per label."""

    inner_states: dict[Hashable, OptState] = attrs.field(eq=LEAFWISE_EQ)


def multi_transform(
    transforms: Mapping[Hashable, GradientTransformation],
    param_labels: PyTree | Callable[[Params], PyTree],
) -> GradientTransformation:
    """Apply a different transformation to each labelled group of parameters.

    Every leaf of ``param_labels`` names the key of ``transforms`` whose transformation
    updates that leaf (or the whole subtree it stands for); each transformation is
    ``masked`` to its own leaves and keeps state only for them. (optax now also calls
    this ``partition``.)

    Args:
      transforms: ``{label: transformation}``.
      param_labels: a pytree of labels with the structure of the params or a prefix of
        it, or a function from the params (in ``init``) and the updates (in ``update``)
        to such a tree.

    Returns:
      A ``GradientTransformation`` whose state is a ``MultiTransformState``.

    Raises:
      FuncgradValueError: if a label has no transformation, or the labels do not match
        the params.

    Example:
      >>> import numpy as np
      >>> from funcgrad.optim import adam, sgd
      >>> params = {"w": np.ones(2), "b": np.ones(2)}
      >>> opt = multi_transform({"adam": adam(0.1), "sgd": sgd(0.5)}, {"w": "adam", "b": "sgd"})
      >>> updates, state = opt.update(params, opt.init(params), params)
      >>> updates["w"].round(6), updates["b"]
      (array([-0.1, -0.1]), array([-0.5, -0.5]))
    """
    transforms = dict(transforms)
    labels_are_fn = callable(param_labels)

    def labels_for(tree: PyTree, what: str) -> PyTree:
        labels = param_labels(tree) if labels_are_fn else param_labels
        try:
            fgtree.flatten_up_to(fgtree.structure(labels), tree)
        except ValueError:
            raise mismatch_error(
                labels, tree, where="multi_transform", got="labels", expected=what, prefix=True
            ) from None
        unknown = sorted({repr(x) for x in fgtree.leaves(labels) if x not in transforms})
        if unknown:
            raise FuncgradValueError(
                f"multi_transform: the labels {', '.join(unknown)} have no transformation; "
                f"`transforms` has the labels {sorted(map(repr, transforms))}. Add them to "
                "`transforms` (e.g. `set_to_zero()` for a frozen group)"
            )
        return labels

    def group(labels: PyTree, label: Hashable) -> GradientTransformation:
        mask = fgtree.map(lambda x: x == label, labels)
        return masked(transforms[label], mask)

    def init(params: Params) -> MultiTransformState:
        labels = labels_for(params, "params")
        return MultiTransformState({k: group(labels, k).init(params) for k in transforms})

    def update(
        updates: Updates, state: MultiTransformState, params: Params | None = None
    ) -> tuple[Updates, MultiTransformState]:
        labels = labels_for(updates, "gradients")
        inner_states = {}
        for label in transforms:
            updates, inner_states[label] = group(labels, label).update(
                updates, state.inner_states[label], params
            )
        return updates, MultiTransformState(inner_states)

    return GradientTransformation(init, update)
