"""funcgrad: functional automatic differentiation on numpy.

``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``vmap``, ``jit`` ... over pytrees of numpy
arrays; ``funcgrad.numpy`` is the differentiable numpy mirror. Public names are explicit
re-exports.
"""

from typing import TYPE_CHECKING

from . import numpy as numpy, tree as tree
from .core.avals import ShapedArray as ShapedArray
from .core.graph import Graph as Graph
from .debug.circuit import show as show
from .debug.diagnose import diagnose as diagnose
from .debug.nans import debug_nans as debug_nans
from .primitives.elementwise import stop_gradient as stop_gradient
from .transforms import checkpoint_policies as checkpoint_policies
from .transforms.batching import vmap as vmap
from .transforms.checkpoint import checkpoint as checkpoint, remat as remat
from .transforms.control_flow import scan as scan, truncated_scan as truncated_scan
from .transforms.custom import custom_jvp as custom_jvp, custom_vjp as custom_vjp
from .transforms.differentiate import grad as grad, value_and_grad as value_and_grad, vjp as vjp
from .transforms.forward import jvp as jvp, linearize as linearize
from .transforms.graph.jit import jit as jit
from .transforms.graph.trace import make_graph as make_graph
from .transforms.jacobians import hessian as hessian, jacfwd as jacfwd, jacrev as jacrev
from .transforms.loops.front import (
    cond as cond,
    fori_loop as fori_loop,
    while_loop as while_loop,
)

__version__ = "0.1.0"

# these load on first use: `import funcgrad` stays light.
_LAZY_SUBMODULES = ("distributed", "nn", "optim", "random", "scipy", "testing")

if TYPE_CHECKING:
    from . import (
        distributed as distributed,
        nn as nn,
        optim as optim,
        random as random,
        scipy as scipy,
        testing as testing,
    )


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'funcgrad' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY_SUBMODULES))
