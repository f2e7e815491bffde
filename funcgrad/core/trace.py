"""Traces, tracers and the trace stack.

A transformation owns a ``Trace`` subclass; while it runs, its trace sits on the stack at a
*level*, and the values it follows are ``Tracer``s of that trace. ``find_top_trace`` picks
the innermost (highest-level) trace among a primitive's arguments; that trace processes the
primitive and binds it again on unwrapped values, which the next trace out then sees. This
module knows no numpy function names: tracer operators and methods are forwarded to the
``tracer_methods`` namespace that ``funcgrad.numpy`` fills in.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .avals import ShapedArray
from .errors import (
    ARRAY_CONVERSION_MESSAGE,
    ITEM_ASSIGNMENT_MESSAGE,
    EscapedTracerError,
    FuncgradTypeError,
)

# Filled by funcgrad.numpy at import: the functions tracer operators and methods call.
tracer_methods = types.SimpleNamespace()

_stack: list[Trace] = []


class Trace:
    """One running transformation. Subclasses implement ``process_primitive``."""

    __slots__ = ("alive", "level")

    def __init__(self) -> None:
        self.level = -1
        self.alive = False

    def process_primitive(self, prim: Any, args: Sequence[Any], params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def process_call(self, kind: str, fun: Any, args: Sequence[Any], params: dict) -> Any:
        """Handle a call-like construct (custom rules, checkpoint); default: run ``fun``."""
        del kind, params
        return fun(*args)

    def check_alive(self, tracer: Tracer) -> None:
        if not self.alive:
            raise EscapedTracerError(
                f"a value traced by {type(self).__name__} ({tracer.aval}) was used after the "
                "transformation that created it returned. Return it from the transformed "
                "function instead of storing it in a global, closure or attribute."
            )


@contextmanager
def new_trace(trace: Trace) -> Iterator[Trace]:
    """Push ``trace`` on the stack for the duration of the block, then retire it."""
    trace.level = len(_stack)
    trace.alive = True
    _stack.append(trace)
    try:
        yield trace
    finally:
        trace.alive = False
        popped = _stack.pop()
        assert popped is trace, "trace stack out of order"


def find_top_trace(args: Sequence[Any]) -> Trace | None:
    """Return the highest-level trace among the tracers in ``args`` (None if none)."""
    top = None
    level = -1
    for a in args:
        if isinstance(a, Tracer):
            t = a._trace
            if t.level > level:
                top, level = t, t.level
    return top


def is_traced(args: Sequence[Any]) -> bool:
    """True if any of ``args`` is a tracer."""
    return any(isinstance(a, Tracer) for a in args)


class Tracer:
    """A value followed by a trace. Behaves like a read-only numpy array."""

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # `ndarray + tracer` reaches here as np.add(ndarray, tracer): run the operator.
        # Any other numpy ufunc (np.exp(tracer), ...) cannot see through a trace.
        op = _OPERATOR_UFUNCS.get(getattr(ufunc, "__name__", ""))
        if method == "__call__" and op is not None and not kwargs:
            return getattr(tracer_methods, op)(*inputs)
        self._trace.check_alive(self)  # a leaked tracer: say that, not "use fnp"
        name = getattr(ufunc, "__name__", "ufunc")
        raise FuncgradTypeError(ARRAY_CONVERSION_MESSAGE.format(what=self.aval, hint=name))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        # np.shape/np.ndim/np.size only read attributes; every other numpy function on a
        # tracer is a mistake (np.sum(x) inside grad): say which fnp function to use.
        if func in _SHAPE_QUERIES:
            return func._implementation(*args, **kwargs)
        self._trace.check_alive(self)
        name = getattr(func, "__name__", "function")
        raise FuncgradTypeError(ARRAY_CONVERSION_MESSAGE.format(what=self.aval, hint=name))

    @property
    def aval(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype)

    # Subclasses define: shape, dtype, and concrete() (or leave it raising).
    @property
    def shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def dtype(self) -> Any:
        raise NotImplementedError

    def concrete(self) -> Any:
        """The concrete numpy value behind this tracer, if it has one."""
        raise FuncgradTypeError(
            f"the concrete value of a traced array ({self.aval}) is needed here, e.g. for "
            "Python control flow, bool(), float() or int(), but it is not known under "
            f"{type(self._trace).__name__}. Use fnp.where for data-dependent choices."
        )

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if not self.shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self.aval}>"

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        self._trace.check_alive(self)
        raise FuncgradTypeError(ARRAY_CONVERSION_MESSAGE.format(what=self.aval, hint="<name>"))

    def __bool__(self) -> bool:
        return bool(self.concrete())

    def __float__(self) -> float:
        return float(self.concrete())

    def __int__(self) -> int:
        return int(self.concrete())

    def __index__(self) -> int:
        return int(self.concrete())

    def __complex__(self) -> complex:
        return complex(self.concrete())

    def __hash__(self) -> int:
        return id(self)

    def __setitem__(self, idx: Any, value: Any) -> None:
        raise FuncgradTypeError(ITEM_ASSIGNMENT_MESSAGE)

    # Operators: forwarded to funcgrad.numpy through tracer_methods.
    def __neg__(self):
        return tracer_methods.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return tracer_methods.abs(self)

    def __add__(self, other):
        return tracer_methods.add(self, other)

    def __radd__(self, other):
        return tracer_methods.add(other, self)

    def __sub__(self, other):
        return tracer_methods.subtract(self, other)

    def __rsub__(self, other):
        return tracer_methods.subtract(other, self)

    def __mul__(self, other):
        return tracer_methods.multiply(self, other)

    def __rmul__(self, other):
        return tracer_methods.multiply(other, self)

    def __truediv__(self, other):
        return tracer_methods.divide(self, other)

    def __rtruediv__(self, other):
        return tracer_methods.divide(other, self)

    def __floordiv__(self, other):
        return tracer_methods.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return tracer_methods.floor_divide(other, self)

    def __mod__(self, other):
        return tracer_methods.mod(self, other)

    def __rmod__(self, other):
        return tracer_methods.mod(other, self)

    def __pow__(self, other):
        return tracer_methods.power(self, other)

    def __rpow__(self, other):
        return tracer_methods.power(other, self)

    def __matmul__(self, other):
        return tracer_methods.matmul(self, other)

    def __rmatmul__(self, other):
        return tracer_methods.matmul(other, self)

    def __lt__(self, other):
        return tracer_methods.less(self, other)

    def __le__(self, other):
        return tracer_methods.less_equal(self, other)

    def __gt__(self, other):
        return tracer_methods.greater(self, other)

    def __ge__(self, other):
        return tracer_methods.greater_equal(self, other)

    def __eq__(self, other):  # type: ignore[override]
        return tracer_methods.equal(self, other)

    def __ne__(self, other):  # type: ignore[override]
        return tracer_methods.not_equal(self, other)

    def __invert__(self):
        return tracer_methods.logical_not(self)

    def __and__(self, other):
        return tracer_methods.logical_and(self, other)

    def __rand__(self, other):
        return tracer_methods.logical_and(other, self)

    def __or__(self, other):
        return tracer_methods.logical_or(self, other)

    def __ror__(self, other):
        return tracer_methods.logical_or(other, self)

    def __getitem__(self, idx):
        return tracer_methods.getitem(self, idx)

    def __getattr__(self, name: str) -> Any:
        # Array methods (.sum, .reshape, .T, .at, ...) live in funcgrad.numpy.
        method = getattr(tracer_methods, "method_" + name, None)
        if method is None:
            raise AttributeError(
                f"traced arrays have no attribute {name!r}; see funcgrad.numpy for the "
                "supported array methods"
            )
        return method(self)


# numpy's binary-operator ufuncs -> tracer_methods names: `ndarray <op> tracer` calls them.
_OPERATOR_UFUNCS = {
    "add": "add",
    "subtract": "subtract",
    "multiply": "multiply",
    "divide": "divide",
    "true_divide": "divide",
    "floor_divide": "floor_divide",
    "remainder": "mod",
    "power": "power",
    "matmul": "matmul",
    "less": "less",
    "less_equal": "less_equal",
    "greater": "greater",
    "greater_equal": "greater_equal",
    "equal": "equal",
    "not_equal": "not_equal",
    "bitwise_and": "logical_and",
    "bitwise_or": "logical_or",
}

_SHAPE_QUERIES = frozenset({np.shape, np.ndim, np.size, np.iscomplexobj, np.isrealobj})
