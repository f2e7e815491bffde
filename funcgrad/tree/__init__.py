"""Pytrees: nested containers of arrays, flattened to leaves and rebuilt.

Layer 2: imports only the tree modules (and attrs).
"""

from .api import PyTree as PyTree
from .api import leaves as leaves
from .api import map as map
from .api import structure as structure
from .api import unflatten as unflatten
from .registry import register as register
from .registry import static_field as static_field
from .treedef import PyTreeDef as PyTreeDef
from .treedef import flatten as flatten
from .treedef import flatten_up_to as flatten_up_to
