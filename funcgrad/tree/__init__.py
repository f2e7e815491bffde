"""Pytrees: nested containers of arrays, flattened to leaves and rebuilt.

Layer 2: imports only the tree modules, funcgrad's error classes, numpy and attrs.
``dir(funcgrad.tree)`` lists exactly ``__all__``.
"""

from typing import TYPE_CHECKING

from ..core.namespace import public_namespace
from .api import (
    PyTree as PyTree,
    all as all,
    leaves as leaves,
    leaves_with_path as leaves_with_path,
    map as map,
    map_with_path as map_with_path,
    reduce as reduce,
    structure as structure,
    transpose as transpose,
    unflatten as unflatten,
)
from .keys import (
    DictKey as DictKey,
    FlattenedIndexKey as FlattenedIndexKey,
    GetAttrKey as GetAttrKey,
    KeyEntry as KeyEntry,
    KeyPath as KeyPath,
    SequenceKey as SequenceKey,
    keystr as keystr,
)
from .registry import register as register, static_field as static_field
from .serialization import load as load, save as save
from .treedef import (
    PyTreeDef as PyTreeDef,
    flatten as flatten,
    flatten_up_to as flatten_up_to,
    flatten_with_path as flatten_with_path,
)

__all__ = [
    "DictKey",
    "FlattenedIndexKey",
    "GetAttrKey",
    "KeyEntry",
    "KeyPath",
    "PyTree",
    "PyTreeDef",
    "SequenceKey",
    "all",
    "flatten",
    "flatten_up_to",
    "flatten_with_path",
    "keystr",
    "leaves",
    "leaves_with_path",
    "load",
    "map",
    "map_with_path",
    "reduce",
    "register",
    "save",
    "static_field",
    "structure",
    "transpose",
    "unflatten",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
