"""The public pytree functions: ``map``, ``leaves``, ``flatten``, ``unflatten``, ...

Imports only the tree layer and funcgrad's error classes.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from typing import Any

from ..core.errors import FuncgradTypeError, FuncgradValueError
from .keys import KeyPath, keystr
from .treedef import PyTreeDef, flatten, flatten_up_to, flatten_with_path

PyTree = Any


def leaves(tree: PyTree, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
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


def _leaves_like(treedef: PyTreeDef, tree: PyTree, position: int, fname: str = "map") -> list[Any]:
    try:
        return flatten_up_to(treedef, tree)
    except ValueError as e:
        raise FuncgradValueError(
            f"tree.{fname}: tree {position} has a different structure from the first tree: "
            f"expected {treedef}, got {structure(tree)}"
        ) from e


def leaves_with_path(
    tree: PyTree,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> list[tuple[KeyPath, Any]]:
    """The ``(key_path, leaf)`` pairs of ``tree`` in flattening order.

    Example:
      >>> [(keystr(p), v) for p, v in leaves_with_path({"layers": [{"w": 1.0}]})]
      [("['layers'][0]['w']", 1.0)]
    """
    return flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def map_with_path(
    f: Callable[..., Any],
    tree: PyTree,
    *rest: PyTree,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> PyTree:
    """Like ``map``, with each leaf's key path first: ``f(key_path, x, *xs)``.

    Example:
      >>> map_with_path(lambda p, x: f"{keystr(p)}={x}", {"a": 1, "b": (2,)})
      {'a': "['a']=1", 'b': ("['b'][0]=2",)}
    """
    pairs, treedef = flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [_leaves_like(treedef, r, i, "map_with_path") for i, r in enumerate(rest, start=1)]
    return treedef.unflatten(f(p, x, *xs) for (p, x), *xs in zip(pairs, *others, strict=True))


def all(tree: PyTree, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """True if every leaf is truthy (``bool(leaf)``; reduce array leaves with ``np.all`` first).

    Example:
      >>> all({"a": True, "b": (1, None)}), all([1, 0])
      (True, False)
    """
    return builtins.all(leaves(tree, is_leaf))


class _NoInitializer:
    def __repr__(self) -> str:
        return "<no initializer>"


_NO_INITIALIZER: Any = _NoInitializer()


def reduce(
    function: Callable[[Any, Any], Any],
    tree: PyTree,
    initializer: Any = _NO_INITIALIZER,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """``functools.reduce(function, leaves(tree), initializer)``, left to right.

    Raises:
      TypeError: if ``tree`` has no leaves and no ``initializer`` is given.

    Example:
      >>> reduce(lambda acc, x: acc + x, {"a": 1, "b": [2, 3]}, initializer=10)
      16
    """
    flat = leaves(tree, is_leaf)
    if initializer is not _NO_INITIALIZER:
        return functools.reduce(function, flat, initializer)
    if not flat:
        raise FuncgradTypeError(
            f"tree.reduce: the tree {structure(tree)} has no leaves; pass `initializer=` "
            "(the value to return for an empty tree)"
        )
    return functools.reduce(function, flat)


def transpose(
    outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None, pytree_to_transpose: PyTree
) -> PyTree:
    """Turn a tree of structure ``outer`` of ``inner`` trees into ``inner`` of ``outer``.

    Args:
      outer_treedef: the structure of the outer tree (e.g. ``structure([0, 0])``).
      inner_treedef: the structure of each subtree at the outer tree's leaves; None infers
        it from the first of them.
      pytree_to_transpose: the tree to transpose; its leaves below ``inner_treedef``'s
        leaves (whole subtrees) travel as they are.

    Raises:
      TypeError: if ``pytree_to_transpose`` does not have the structure ``outer_treedef``
        down to its leaves, or a subtree there does not have ``inner_treedef``'s
        structure (the message names the subtree's key path); or if ``inner_treedef``
        is None and the outer tree has no leaves.

    Example:
      >>> outer, inner = structure([0, 0]), structure((0, 0, 0))
      >>> transpose(outer, inner, [(1, 2, 3), (4, 5, 6)])
      ([1, 4], [2, 5], [3, 6])
    """
    try:
        subtrees = flatten_up_to(outer_treedef, pytree_to_transpose)
    except ValueError as e:
        raise FuncgradTypeError(
            f"tree.transpose: pytree_to_transpose does not have the outer structure: "
            f"expected {outer_treedef} (of inner trees), got {structure(pytree_to_transpose)}"
        ) from e
    if inner_treedef is None:
        if not subtrees:
            raise FuncgradTypeError(
                f"tree.transpose: cannot infer inner_treedef: outer_treedef {outer_treedef} "
                "has no leaves; pass inner_treedef"
            )
        inner_treedef = structure(subtrees[0])
    rows = []
    for i, sub in enumerate(subtrees):
        try:
            rows.append(flatten_up_to(inner_treedef, sub))
        except ValueError as e:
            raise FuncgradTypeError(
                f"tree.transpose: the subtree at {_where(outer_treedef, pytree_to_transpose, i)} "
                f"does not have the inner structure: expected {inner_treedef}, got "
                f"{structure(sub)}"
            ) from e
    columns = zip(*rows, strict=True) if rows else [()] * inner_treedef.num_leaves
    return inner_treedef.unflatten(outer_treedef.unflatten(col) for col in columns)


def _where(treedef: PyTreeDef, tree: PyTree, i: int) -> str:
    """The key path of the ``i``-th leaf of ``treedef`` in ``tree`` (for messages)."""
    subtrees = flatten_up_to(treedef, tree)
    ids = {id(s) for s in subtrees}
    pairs, found = flatten_with_path(tree, is_leaf=lambda x: id(x) in ids)
    if found != treedef:  # a subtree object also occurs as a container of the outer tree
        return f"outer leaf {i}"
    return keystr(pairs[i][0]) or "the root"
