"""The ``Primitive``: a named operation with a numpy implementation, and ``bind``.

``bind`` is the single dispatch point: with no tracer among the arguments it calls the numpy
implementation directly (plain arrays in, plain arrays out); otherwise the innermost trace
among the arguments processes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .avals import ShapedArray, typeof
from .errors import FuncgradError, FuncgradValueError
from .trace import Tracer

_registry: dict[str, Primitive] = {}


class Primitive:
    """A named operation; its rules live in the tables of ``core.rules``.

    Args:
      name: unique name, shown in graphs and error messages.
      impl: the numpy implementation, called with positional arrays and keyword params.
      abstract_eval: ``(*avals, **params) -> ShapedArray`` (tuple of them with
        ``multiple_results``); by default the implementation runs on zero-filled arrays.
      multiple_results: ``impl`` returns a tuple of arrays.
    """

    __slots__ = ("_abstract_eval", "impl", "multiple_results", "name")

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        abstract_eval: Callable[..., Any] | None = None,
        multiple_results: bool = False,
    ) -> None:
        if name in _registry:
            raise ValueError(f"a primitive named {name!r} already exists")
        self.name = name
        self.impl = impl
        self._abstract_eval = abstract_eval
        self.multiple_results = multiple_results
        _registry[name] = self

    def __repr__(self) -> str:
        return f"Primitive({self.name})"

    def bind(self, *args: Any, **params: Any) -> Any:
        # find_top_trace, inlined: this runs for every primitive application.
        top = None
        level = -1
        for a in args:
            if isinstance(a, Tracer):
                t = a._trace
                if t.level > level:
                    top, level = t, t.level
        if top is None:
            return self.impl(*args, **params)
        if not top.alive:
            top.check_alive(next(a for a in args if isinstance(a, Tracer) and a._trace is top))
        try:
            return top.process_primitive(self, args, params)
        except FuncgradError:
            raise
        except ValueError as e:
            # The one place traced shape errors get the primitive's name (numpy's own text
            # follows); the innermost bind prefixes, outer ones see a FuncgradValueError.
            text = str(e)
            if not text.startswith(f"{self.name}:"):
                text = f"{self.name}: {text}"
            raise FuncgradValueError(text) from e

    def abstract_eval(self, *avals: ShapedArray, **params: Any) -> Any:
        """Shape and dtype of the result for arguments of the given abstract values."""
        if self._abstract_eval is not None:
            return self._abstract_eval(*avals, **params)
        import numpy as np

        dummies = [np.zeros(a.shape, a.dtype) for a in avals]
        with np.errstate(all="ignore"):
            out = self.impl(*dummies, **params)
        if self.multiple_results:
            return tuple(typeof(o) for o in out)
        return typeof(out)


def all_primitives() -> dict[str, Primitive]:
    """Every primitive defined so far, by name."""
    return dict(_registry)
