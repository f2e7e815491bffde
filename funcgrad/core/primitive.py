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
from .trace import Tracer, find_top_trace

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
    is_call = False

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
            if not self._rejects(args, params):
                raise  # the inputs are fine: an internal error (a rule's bug), kept visible
            # The user's inputs are invalid for this primitive (numpy's text follows); the
            # innermost bind prefixes the name, outer ones see a FuncgradValueError.
            text = str(e)
            if not text.startswith(f"{self.name}:"):
                text = f"{self.name}: {text}"
            raise FuncgradValueError(text) from e

    def _rejects(self, args: tuple, params: dict) -> bool:
        """True if the primitive fails on arguments of these shapes and dtypes alone."""
        try:
            self.abstract_eval(*(typeof(a) for a in args), **params)
        except ValueError:
            return True
        except Exception:
            return False
        return False

    def abstract_eval(self, *avals: Any, **params: Any) -> Any:
        """Shape and dtype of the result for arguments of the given abstract values.

        An argument that is not a ``ShapedArray`` (a Python scalar) is passed as it is, so
        numpy's promotion of Python scalars is kept.
        """
        if self._abstract_eval is not None:
            return self._abstract_eval(*avals, **params)
        import numpy as np

        dummies = [a.dummy() if isinstance(a, ShapedArray) else a for a in avals]
        with np.errstate(all="ignore"):
            out = self.impl(*dummies, **params)
        if self.multiple_results:
            return tuple(typeof(o) for o in out)
        return typeof(out)


class CallPrimitive(Primitive):
    """A primitive that calls a function: ``bind(*args, fun=f, **params)``.

    Custom derivative rules, ``checkpoint`` and ``jit`` are calls: with nothing traced,
    ``bind`` returns ``fun(*args)`` (a list of outputs); otherwise the innermost trace
    handles the call in ``Trace.process_call``, with the call's own meaning (a custom rule,
    rematerialisation, a compiled graph). A graph records a call as one equation.
    """

    __slots__ = ()
    is_call = True  # a graph equation of a call holds the function as ``graph``

    def __init__(self, name: str) -> None:
        super().__init__(name, _call_impl, multiple_results=True)

    def call_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """The ``bind`` params of a recorded equation of this call: its ``graph`` param
        turned back into the ``fun`` it runs (loops override: their function is a loop)."""
        from .graph import graph_function

        params = dict(params)
        params["fun"] = graph_function(params.pop("graph"))
        return params

    def bind(self, *args: Any, fun: Callable[..., Any], **params: Any) -> Any:
        top = find_top_trace(args)
        if top is None:
            return fun(*args)
        if not top.alive:
            top.check_alive(next(a for a in args if isinstance(a, Tracer) and a._trace is top))
        return top.process_call(self, fun, args, params)


def _call_impl(*args: Any, fun: Callable[..., Any], **params: Any) -> Any:
    del params
    return fun(*args)


def all_primitives() -> dict[str, Primitive]:
    """Every primitive defined so far, by name."""
    return dict(_registry)
