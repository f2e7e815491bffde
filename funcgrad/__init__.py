"""funcgrad: functional automatic differentiation on numpy.

``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``vmap``, ``jit`` ... over pytrees of numpy
arrays; ``funcgrad.numpy`` is the differentiable numpy mirror. Public names are explicit
re-exports.
"""

from typing import TYPE_CHECKING

from . import numpy as numpy
from . import tree as tree
from .primitives.elementwise import stop_gradient as stop_gradient
from .transforms.batching import vmap as vmap
from .transforms.control import scan as scan
from .transforms.control import truncated_scan as truncated_scan
from .transforms.custom import checkpoint as checkpoint
from .transforms.custom import custom_jvp as custom_jvp
from .transforms.custom import custom_vjp as custom_vjp
from .transforms.differentiate import grad as grad
from .transforms.differentiate import value_and_grad as value_and_grad
from .transforms.differentiate import vjp as vjp
from .transforms.forward import jvp as jvp
from .transforms.forward import linearize as linearize
from .transforms.jacobians import hessian as hessian
from .transforms.jacobians import jacfwd as jacfwd
from .transforms.jacobians import jacrev as jacrev

__version__ = "0.1.0"

# nn, optim, random and testing load on first use: `import funcgrad` stays light.
_LAZY_SUBMODULES = ("nn", "optim", "random", "testing")

if TYPE_CHECKING:
    from . import nn as nn
    from . import optim as optim
    from . import random as random
    from . import testing as testing


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'funcgrad' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY_SUBMODULES))
