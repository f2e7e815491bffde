"""funcgrad: functional automatic differentiation on numpy.

``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``vmap``, ``jit`` ... over pytrees of numpy
arrays; ``funcgrad.numpy`` is the differentiable numpy mirror. Public names are explicit
re-exports.
"""

from typing import TYPE_CHECKING

from . import numpy as numpy, tree as tree, typing as typing
from .core.avals import ShapedArray as ShapedArray
from .core.graph import Graph as Graph
from .core.namespace import public_namespace
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
from .typing import Array as Array

__version__ = "0.1.0"

if TYPE_CHECKING:
    from . import (
        distributed as distributed,
        nn as nn,
        optim as optim,
        random as random,
        scipy as scipy,
        testing as testing,
    )

__all__ = [
    "Array",
    "Graph",
    "ShapedArray",
    "checkpoint",
    "checkpoint_policies",
    "cond",
    "custom_jvp",
    "custom_vjp",
    "debug_nans",
    "diagnose",
    "distributed",
    "fori_loop",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jit",
    "jvp",
    "linearize",
    "make_graph",
    "nn",
    "numpy",
    "optim",
    "random",
    "remat",
    "scan",
    "scipy",
    "show",
    "stop_gradient",
    "testing",
    "tree",
    "truncated_scan",
    "typing",
    "value_and_grad",
    "vjp",
    "vmap",
    "while_loop",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    # these submodules load on first use: `import funcgrad` stays light.
    __getattr__, __dir__ = public_namespace(
        __name__, __all__, lazy=("distributed", "nn", "optim", "random", "scipy", "testing")
    )
