"""Type aliases for code that uses funcgrad (as ``jax.typing`` and ``jax.Array``).

``Array`` is what funcgrad's functions return: a numpy ``ndarray`` outside a
transformation and a tracer inside one, so ``isinstance(x, Array)`` holds for both.
``ArrayLike`` is what they accept: an ``Array`` or anything numpy turns into an array
(Python numbers, nested lists, numpy scalars). ``PyTree`` documents a nested container
of arrays (any type checks: pytrees are defined by registration, not by a type).

Example:
  >>> import numpy as np, funcgrad as fg
  >>> from funcgrad.typing import Array, ArrayLike
  >>> def loss(w: Array, x: ArrayLike) -> Array:
  ...     return fg.numpy.sum(w * x)
  >>> isinstance(fg.grad(loss)(np.ones(2), [1.0, 2.0]), Array)
  True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import numpy as np
import numpy.typing as npt

from .core.namespace import public_namespace
from .core.trace import Tracer

Array = Union[np.ndarray, Tracer]  # noqa: UP007 - isinstance needs a runtime Union
ArrayLike = Union[Array, npt.ArrayLike]  # noqa: UP007
DTypeLike = npt.DTypeLike
Shape = tuple[int, ...]
PyTree = Any

__all__ = [
    "Array",
    "ArrayLike",
    "DTypeLike",
    "PyTree",
    "Shape",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
