"""funcgrad: functional automatic differentiation on numpy.

``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``vmap``, ``jit`` ... over pytrees of numpy
arrays; ``funcgrad.numpy`` is the differentiable numpy mirror. Public names are explicit
re-exports.
"""

from . import nn as nn
from . import numpy as numpy
from . import optim as optim
from . import random as random
from . import testing as testing
from . import tree as tree
from .primitives.elementwise import stop_gradient as stop_gradient
from .transforms.batching import vmap as vmap
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
