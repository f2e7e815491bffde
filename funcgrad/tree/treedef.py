"""``PyTreeDef`` and flattening: a tree's structure without its leaves, and back.

Imports ``tree.registry``, ``tree.keys`` and funcgrad's error classes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..core.errors import FuncgradValueError
from .keys import KeyPath
from .registry import node_kind


class PyTreeDef:
    """The structure of a pytree: container types, aux data, and where the leaves go.

    Hashable and comparable, so it can key a cache. ``num_leaves`` counts the leaves.
    """

    __slots__ = ("_hash", "aux", "children", "kind_type", "num_leaves")

    def __init__(self, kind_type: type | None, aux: Any, children: tuple[PyTreeDef, ...]):
        self.kind_type = kind_type  # None marks a leaf
        self.aux = aux
        self.children = children
        self.num_leaves: int = 1 if kind_type is None else sum(c.num_leaves for c in children)
        self._hash: int | None = None

    def _key(self) -> tuple[Any, ...]:
        return (self.kind_type, _hashable(self.aux), self.children)

    def __eq__(self, other: object) -> bool:
        if self is other:  # LEAF is shared, and a loop compares a structure with itself
            return True
        return isinstance(other, PyTreeDef) and self._key() == other._key()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self._key())
        return self._hash

    @property
    def is_leaf(self) -> bool:
        return self.kind_type is None

    def __repr__(self) -> str:
        return f"PyTreeDef({self._str()})"

    def _str(self) -> str:
        if self.kind_type is None:
            return "*"
        kids = ", ".join(c._str() for c in self.children)
        if self.kind_type is tuple:
            return f"({kids}{',' if len(self.children) == 1 else ''})"
        if self.kind_type is list:
            return f"[{kids}]"
        if self.kind_type is dict:
            return (
                "{"
                + ", ".join(
                    f"{k!r}: {c._str()}" for k, c in zip(self.aux, self.children, strict=True)
                )
                + "}"
            )
        if self.kind_type is type(None):
            return "None"
        return f"{self.kind_type.__qualname__}({kids})"

    def unflatten(self, leaves: Any) -> Any:
        it = iter(leaves)
        out = self._build(it)
        if next(it, _SENTINEL) is not _SENTINEL:
            raise FuncgradValueError(
                f"too many leaves for tree structure {self} ({self.num_leaves})"
            )
        return out

    def _build(self, it: Iterator[Any]) -> Any:
        cls = self.kind_type
        if cls is None:
            try:
                return next(it)
            except StopIteration:
                raise FuncgradValueError(f"too few leaves for tree structure {self}") from None
        if cls is tuple:  # the common containers without their NodeKind's frames
            return tuple([c._build(it) for c in self.children])
        if cls is list:
            return [c._build(it) for c in self.children]
        kind = node_kind(cls)
        assert kind is not None
        return kind.unflatten(self.aux, [c._build(it) for c in self.children])


_SENTINEL = object()
LEAF = PyTreeDef(None, None, ())


def _hashable(aux: Any) -> Any:
    try:
        hash(aux)
        return aux
    except TypeError:
        return repr(aux)


def flatten(
    tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> tuple[list[Any], PyTreeDef]:
    """Return ``(leaves, treedef)``; leaves in a fixed order (dict keys sorted)."""
    leaves: list[Any] = []
    treedef = _flatten(tree, is_leaf, leaves)
    return leaves, treedef


def _flatten(tree: Any, is_leaf: Callable[[Any], bool] | None, leaves: list[Any]) -> PyTreeDef:
    if is_leaf is not None:
        if is_leaf(tree):
            leaves.append(tree)
            return LEAF
    else:  # the common types first: every call of a transformation flattens its arguments
        cls = type(tree)
        if cls is np.ndarray:
            leaves.append(tree)
            return LEAF
        if cls is tuple or cls is list:
            return PyTreeDef(cls, None, tuple([_flatten(c, None, leaves) for c in tree]))
    kind = node_kind(type(tree))
    if kind is None:
        leaves.append(tree)
        return LEAF
    children, aux = kind.flatten(tree)
    return PyTreeDef(type(tree), aux, tuple(_flatten(c, is_leaf, leaves) for c in children))


def flatten_with_path(
    tree: Any,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """Return ``([(key_path, leaf), ...], treedef)``, leaves in ``flatten``'s order.

    A key path is a tuple of key entries (``SequenceKey``, ``DictKey``, ``GetAttrKey``,
    ``FlattenedIndexKey``); ``keystr`` prints it. With ``is_leaf_takes_path``,
    ``is_leaf`` is called as ``is_leaf(key_path, x)``.

    Example:
      >>> flatten_with_path({"b": [1.0]})[0]
      [((DictKey(key='b'), SequenceKey(idx=0)), 1.0)]
    """
    if is_leaf is not None and not is_leaf_takes_path:
        plain = is_leaf
        is_leaf = lambda _path, x: plain(x)  # noqa: E731 - a one-line adapter
    pairs: list[Any] = []
    treedef = _flatten_with_path(tree, (), is_leaf, pairs)
    return pairs, treedef


def _flatten_with_path(
    tree: Any, path: KeyPath, is_leaf: Callable[..., bool] | None, pairs: list[Any]
) -> PyTreeDef:
    if is_leaf is not None and is_leaf(path, tree):
        pairs.append((path, tree))
        return LEAF
    kind = node_kind(type(tree))
    if kind is None:
        pairs.append((path, tree))
        return LEAF
    keyed, aux = kind.flatten_with_keys(tree)
    children = tuple(_flatten_with_path(c, (*path, k), is_leaf, pairs) for k, c in keyed)
    return PyTreeDef(type(tree), aux, children)


def flatten_up_to(treedef: PyTreeDef, tree: Any) -> list[Any]:
    """Flatten ``tree`` only as deep as ``treedef`` (a prefix); its subtrees become leaves.

    Raises:
      ValueError: if ``tree`` does not have the structure of ``treedef`` down to its leaves.
    """
    out: list[Any] = []
    _flatten_up_to(treedef, tree, out)
    return out


def _flatten_up_to(treedef: PyTreeDef, tree: Any, out: list[Any]) -> None:
    if treedef.kind_type is None:
        out.append(tree)
        return
    if type(tree) is not treedef.kind_type:
        raise FuncgradValueError(
            f"tree structure mismatch: expected {treedef.kind_type.__name__}, got "
            f"{type(tree).__name__}"
        )
    kind = node_kind(treedef.kind_type)
    assert kind is not None
    children, aux = kind.flatten(tree)
    if len(children) != len(treedef.children) or _hashable(aux) != _hashable(treedef.aux):
        raise FuncgradValueError(
            f"tree structure mismatch: expected {treedef}, got {flatten(tree)[1]}"
        )
    for c, sub in zip(children, treedef.children, strict=True):
        _flatten_up_to(sub, c, out)
