"""funcgrad's exception classes, the user's location in messages, and traceback filtering.

Every class refines a builtin, so ``except TypeError`` keeps working. Every error funcgrad
raises on purpose is a ``FuncgradError``; its message ends with the user's ``file:line``
(the innermost frame outside funcgrad when it was raised). Transformations wrap the
functions they return in ``api_boundary``, which drops funcgrad's own frames from the
traceback of a ``FuncgradError`` so that it ends at the user's line
(``FUNCGRAD_TRACEBACK=full`` keeps every frame). This module imports nothing from funcgrad.
"""

from __future__ import annotations

import functools
import os
import sys
import types
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class FuncgradError(Exception):
    """Base class of every error funcgrad raises on purpose.

    ``location`` is the user's ``file:line`` at the time of raising (None if every frame
    was funcgrad's); ``str()`` of the error ends with it.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.location = user_location()

    def __str__(self) -> str:
        text = super().__str__()
        location = getattr(self, "location", None)
        if location is None or location in text:
            return text
        return f"{text} [at {location}]"


class FuncgradTypeError(FuncgradError, TypeError):
    """A value of the wrong kind: integer input to ``grad``, a non-scalar loss, ..."""


class FuncgradValueError(FuncgradError, ValueError):
    """A value of the right kind but wrong shape or size."""


class FuncgradAttributeError(FuncgradError, AttributeError):
    """An attribute traced arrays do not have (``x.numpy()``, ...)."""


class FuncgradIndexError(FuncgradError, IndexError):
    """An index that does not fit the array: out of bounds, too many, mismatched masks."""


class FuncgradNotImplementedError(FuncgradError, NotImplementedError):
    """A numpy option funcgrad does not support under transformations (the message says
    which forms are)."""


class FuncgradAxisError(FuncgradValueError, np.exceptions.AxisError):
    """An ``axis`` out of bounds (numpy's AxisError, a ValueError and an IndexError)."""

    def __init__(self, message: str) -> None:
        np.exceptions.AxisError.__init__(self, message)
        self.location = user_location()


class FuncgradLinAlgError(FuncgradValueError, np.linalg.LinAlgError):
    """A linear-algebra argument of the wrong shape (numpy's LinAlgError)."""


class MissingRuleError(FuncgradError, NotImplementedError):
    """A primitive has no rule for the transformation that met it."""


class EscapedTracerError(FuncgradError, RuntimeError):
    """A tracer was used after the transformation that created it had returned."""


class ConcretizationError(FuncgradTypeError):
    """A traced value was needed as a concrete Python value (``bool``, ``float``, ...)."""


class FuncgradFloatingPointError(FuncgradError, FloatingPointError):
    """A NaN or Inf found by ``debug_nans`` (the message names its origin)."""


class FuncgradWarning(UserWarning):
    """Base class of funcgrad's warnings."""


def is_internal(filename: str) -> bool:
    """True for a file of the funcgrad package itself (its frames are hidden)."""
    return filename.startswith(_PACKAGE_DIR)


def user_location() -> str | None:
    """``file:line`` of the innermost frame outside funcgrad (None if there is none)."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not is_internal(filename) and not filename.startswith("<frozen"):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None


class Site:
    """Where user code made a value: ``file:line`` in ``function``; ``layer`` is the
    ``funcgrad.nn`` layer class whose call made it (None outside layers), ``layer_id``
    that layer object's id (two layers of one class are two groups)."""

    __slots__ = ("file", "function", "layer", "layer_id", "line")

    def __init__(
        self, file: str, line: int, function: str, layer: str | None, layer_id: int = 0
    ) -> None:
        self.file, self.line, self.function = file, line, function
        self.layer, self.layer_id = layer, layer_id

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def __repr__(self) -> str:
        return f"Site({self}, in {self.function}" + (f", {self.layer})" if self.layer else ")")


_NN_DIR = _PACKAGE_DIR + "nn" + os.sep


def call_site() -> Site | None:
    """The ``Site`` of the innermost user frame (None if every frame is funcgrad's)."""
    frame: types.FrameType | None = sys._getframe(1)
    layer, layer_id = None, 0
    while frame is not None:
        filename = frame.f_code.co_filename
        if not is_internal(filename) and not filename.startswith("<"):
            return Site(filename, frame.f_lineno, frame.f_code.co_name, layer, layer_id)
        if layer is None and filename.startswith(_NN_DIR):
            owner = frame.f_locals.get("self")
            if owner is not None:
                layer, layer_id = type(owner).__name__, id(owner)
        frame = frame.f_back
    return None


def _user_frames_only(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback ``tb`` without funcgrad's frames (the user's frames, linked)."""
    kept = []
    while tb is not None:
        if not is_internal(tb.tb_frame.f_code.co_filename):
            kept.append(tb)
        tb = tb.tb_next
    out = None
    for entry in reversed(kept):
        out = types.TracebackType(out, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return out


F = TypeVar("F", bound=Callable[..., Any])


def api_boundary(fun: F) -> F:
    """Wrap a function a transformation returns: its ``FuncgradError``s lose funcgrad's
    frames, so the traceback ends at the user's line."""

    @functools.wraps(fun)
    def boundary(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # pytest: show the user's frames
        try:
            return fun(*args, **kwargs)
        except FuncgradError as e:
            if os.environ.get("FUNCGRAD_TRACEBACK") == "full":
                raise
            raise e.with_traceback(_user_frames_only(e.__traceback__))  # noqa: B904

    return boundary  # type: ignore[return-value]


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

DROPPED_DERIVATIVE_MESSAGE = (
    "{conversion} of a traced value ({what}) that carries a derivative would return a plain "
    "Python number and silently drop the derivative. Keep it an array (e.g. `x * y`, not "
    "`float(x) * y`), or write `fg.stop_gradient(x)` first if dropping the derivative is "
    "what you intend."
)
