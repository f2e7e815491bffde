"""The public pytree functions: ``map``, ``leaves``, ``flatten``, ``unflatten``, ...

Imports only the tree layer.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from .treedef import PyTreeDef, flatten, flatten_up_to

PyTree = Any


def leaves(tree: PyTree, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The leaves of ``tree`` in flattening order (dict keys sorted)."""
    return flatten(tree, is_leaf)[0]


def structure(tree: PyTree, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The ``PyTreeDef`` of ``tree``."""
    return flatten(tree, is_leaf)[1]


def unflatten(treedef: PyTreeDef, leaves: Any) -> PyTree:
    """Rebuild a tree of structure ``treedef`` from a sequence of leaves.

    Raises:
      ValueError: if the number of leaves differs from ``treedef.num_leaves``.
    """
    return treedef.unflatten(leaves)


def map(
    f: Callable[..., Any],
    tree: PyTree,
    *rest: PyTree,
    is_leaf: Callable[[Any], bool] | None = None,
) -> PyTree:
    """Apply ``f`` leafwise to ``tree`` and the trees in ``rest`` (same structure).

    Example:
      >>> map(lambda a, b: a + b, {"w": 1, "b": 2}, {"w": 10, "b": 20})
      {'b': 22, 'w': 11}
    """
    flat, treedef = flatten(tree, is_leaf)
    others = [_leaves_like(treedef, r, i) for i, r in enumerate(rest, start=1)]
    return treedef.unflatten(builtins.map(f, flat, *others))


def _leaves_like(treedef: PyTreeDef, tree: PyTree, position: int) -> list:
    try:
        return flatten_up_to(treedef, tree)
    except ValueError as e:
        raise ValueError(
            f"tree.map: tree {position} has a different structure from the first tree: "
            f"expected {treedef}, got {structure(tree)}"
        ) from e
