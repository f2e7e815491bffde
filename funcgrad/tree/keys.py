"""Key paths: where a leaf sits in a pytree, as JAX's ``jax.tree_util`` spells it.

A key path is a tuple of key entries, one per container on the way from the root to the
leaf: ``SequenceKey(idx)`` for tuples and lists, ``DictKey(key)`` for dicts,
``GetAttrKey(name)`` for attrs classes and namedtuples, ``FlattenedIndexKey(key)`` for
types registered without key names. ``keystr`` prints a path the way Python would reach
the leaf (``['layers'][0].w``). Imports nothing from funcgrad.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable
from typing import Any


class _KeyEntry:
    """One step of a key path: an immutable, hashable value with JAX's ``repr``."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def __init__(self, value: Any) -> None:
        object.__setattr__(self, self.__match_args__[0], value)

    @property
    def _value(self) -> Any:
        return getattr(self, self.__match_args__[0])

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._value == other._value

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__match_args__[0]}={self._value!r})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self._value,)


class SequenceKey(_KeyEntry):
    """The position ``idx`` in a tuple or list; prints as ``[idx]``.

    Example:
      >>> str(SequenceKey(0)), SequenceKey(0)
      ('[0]', SequenceKey(idx=0))
    """

    __slots__ = ("idx",)
    __match_args__ = ("idx",)
    idx: int

    def __init__(self, idx: int) -> None:
        super().__init__(operator.index(idx))

    def __str__(self) -> str:
        return f"[{self.idx}]"


class DictKey(_KeyEntry):
    """The dict key ``key``; prints as ``[repr(key)]``.

    Example:
      >>> str(DictKey("w")), DictKey("w")
      ("['w']", DictKey(key='w'))
    """

    __slots__ = ("key",)
    __match_args__ = ("key",)
    key: Hashable

    def __init__(self, key: Hashable) -> None:
        super().__init__(key)

    def __str__(self) -> str:
        return f"[{self.key!r}]"


class GetAttrKey(_KeyEntry):
    """The attribute ``name`` (attrs fields, namedtuple fields); prints as ``.name``.

    Example:
      >>> str(GetAttrKey("w")), GetAttrKey("w")
      ('.w', GetAttrKey(name='w'))
    """

    __slots__ = ("name",)
    __match_args__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        super().__init__(str(name))

    def __str__(self) -> str:
        return f".{self.name}"


class FlattenedIndexKey(_KeyEntry):
    """The ``key``-th child of a type registered without key names.

    Example:
      >>> str(FlattenedIndexKey(1)), FlattenedIndexKey(1)
      ('[<flat index 1>]', FlattenedIndexKey(key=1))
    """

    __slots__ = ("key",)
    __match_args__ = ("key",)
    key: int

    def __init__(self, key: int) -> None:
        super().__init__(operator.index(key))

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry = SequenceKey | DictKey | GetAttrKey | FlattenedIndexKey
KeyPath = tuple[Any, ...]  # key entries, or any objects with a str() (custom registrations)


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Join the ``str`` of each key entry of a key path.

    Args:
      keys: a key path, as returned by ``leaves_with_path``.
      simple: print only each entry's value (``layers``, ``0``, ``w``); compact but
        ambiguous (``0`` may be a list position or a dict key), so use it with a
        ``separator``.
      separator: put between the entries.

    Example:
      >>> path = (DictKey("layers"), SequenceKey(0), GetAttrKey("w"))
      >>> keystr(path), keystr(path, simple=True, separator="/")
      ("['layers'][0].w", 'layers/0/w')
    """
    if simple:
        return separator.join(str(k._value) if isinstance(k, _KeyEntry) else str(k) for k in keys)
    return separator.join(str(k) for k in keys)
