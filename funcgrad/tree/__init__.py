"""Pytrees: nested containers of arrays, flattened to leaves and rebuilt.

Layer 2: imports only the tree modules (and attrs).
"""

from .api import (
    PyTree as PyTree,
    leaves as leaves,
    map as map,
    structure as structure,
    unflatten as unflatten,
)
from .registry import register as register, static_field as static_field
from .treedef import PyTreeDef as PyTreeDef, flatten as flatten, flatten_up_to as flatten_up_to
