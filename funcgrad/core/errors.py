"""funcgrad's exception classes and message helpers.

Every class refines a builtin, so ``except TypeError`` keeps working. This module imports
nothing from funcgrad.
"""

from __future__ import annotations

from typing import Any


class FuncgradError(Exception):
    """Base class of every error funcgrad raises on purpose."""


class FuncgradTypeError(FuncgradError, TypeError):
    """A value of the wrong kind: integer input to ``grad``, a non-scalar loss, ..."""


class FuncgradValueError(FuncgradError, ValueError):
    """A value of the right kind but wrong shape or size."""


class MissingRuleError(FuncgradError, NotImplementedError):
    """A primitive has no rule for the transformation that met it."""


class EscapedTracerError(FuncgradError, RuntimeError):
    """A tracer was used after the transformation that created it had returned."""


class ConcretizationError(FuncgradTypeError):
    """A traced value was needed as a concrete Python value (``bool``, ``float``, ...)."""


def describe(x: Any) -> str:
    """Return ``shape dtype`` text for an array-like (or its type name) for messages."""
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    if shape is None or dtype is None:
        return type(x).__name__
    return f"{dtype}{list(shape)}"


ARRAY_CONVERSION_MESSAGE = (
    "a funcgrad tracer ({what}) cannot be converted to a numpy array: numpy functions "
    "cannot see through funcgrad transformations. Inside functions passed to grad/jvp/vmap/"
    "jit use `import funcgrad.numpy as fnp` and call `fnp.{hint}` instead of `np.{hint}`."
)

ITEM_ASSIGNMENT_MESSAGE = (
    "funcgrad arrays are immutable inside transformations: `x[idx] = v` is not allowed. "
    "Use the functional update `x = x.at[idx].set(v)` (or `.add(v)`, `.multiply(v)`), "
    "which returns a new array."
)
