"""Exception classes the primitives and funcgrad.numpy raise that ``core/errors.py`` does
not have yet: the refinements of IndexError, NotImplementedError and numpy's AxisError and
LinAlgError. Each is a ``FuncgradError`` and the builtin (or numpy) class it refines, so
``except IndexError`` / ``except np.linalg.LinAlgError`` keep working. (They belong in
``core/errors.py``; that module imports nothing from funcgrad, and neither does this one.)
"""

from __future__ import annotations

import numpy as np

from ..core.errors import FuncgradError, FuncgradValueError


class FuncgradIndexError(FuncgradError, IndexError):
    """An index that does not fit the array: out of bounds, too many, mismatched masks."""


class FuncgradNotImplementedError(FuncgradError, NotImplementedError):
    """A numpy option funcgrad does not support under transformations (the message says
    which forms are)."""


class FuncgradAxisError(FuncgradValueError, np.exceptions.AxisError):
    """An ``axis`` out of bounds (numpy's AxisError, a ValueError and an IndexError)."""

    def __init__(self, message: str) -> None:
        np.exceptions.AxisError.__init__(self, message)


class FuncgradLinAlgError(FuncgradValueError, np.linalg.LinAlgError):
    """A linear-algebra argument of the wrong shape (numpy's LinAlgError)."""
