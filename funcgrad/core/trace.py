"""Traces, tracers and the trace stack.

A transformation owns a ``Trace`` subclass; while it runs, its trace sits on the stack at a
*level*, and the values it follows are ``Tracer``s of that trace. ``find_top_trace`` picks
the innermost (highest-level) trace among a primitive's arguments; that trace processes the
primitive and binds it again on unwrapped values, which the next trace out then sees.

The stack is per thread (and per asyncio task): a ``ContextVar`` holding a tuple, so two
threads running ``grad`` at once never see each other's traces.

This module knows no numpy function names: tracer operators and methods call the
functions of ``ARRAY_API``, which ``funcgrad.numpy`` installs when it is imported (the
one hook between the core and the numpy layer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from .avals import ShapedArray
from .errors import (
    ARRAY_CONVERSION_MESSAGE,
    DROPPED_DERIVATIVE_MESSAGE,
    ITEM_ASSIGNMENT_MESSAGE,
    ConcretizationError,
    EscapedTracerError,
    FuncgradAttributeError,
    FuncgradTypeError,
)

_STACK: ContextVar[tuple[Trace, ...]] = ContextVar("funcgrad_trace_stack", default=())


class Trace:
    """One running transformation. Subclasses implement ``process_primitive``."""

    __slots__ = ("alive", "level")
    # CallPrimitive -> handler(trace, fun, args, params) -> outputs: how this kind of trace
    # handles a call (custom rules, checkpoint); each subclass has its own table.
    call_handlers: ClassVar[dict[Any, Any]] = {}

    def __init__(self) -> None:
        self.level = -1
        self.alive = False

    def process_primitive(self, prim: Any, args: Sequence[Any], params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def process_call(self, prim: Any, fun: Any, args: Sequence[Any], params: dict) -> Any:
        """Handle a ``CallPrimitive`` (custom rules, checkpoint, jit) with this trace's
        handler for it; without one, run ``fun`` on the tracers (inline)."""
        handler = self.call_handlers.get(prim)
        if handler is None:
            return fun(*args)
        return handler(self, fun, args, params)

    def check_alive(self, tracer: Tracer) -> None:
        if not self.alive:
            raise EscapedTracerError(
                f"a value traced by {type(self).__name__} ({tracer.aval}) was used after the "
                "transformation that created it returned. Return it from the transformed "
                "function instead of storing it in a global, closure or attribute."
            )


T = TypeVar("T", bound=Trace)


class new_trace(Generic[T]):
    """Push ``trace`` on this thread's stack for the duration of the block, then retire it.

    The stack is left as it was however the block ends (return, exception, Ctrl-C). A
    class rather than ``@contextmanager``: every ``grad`` call enters one, and the
    generator machinery cost a twentieth of a small model's gradient.
    """

    __slots__ = ("token", "trace")

    def __init__(self, trace: T) -> None:
        self.trace = trace

    def __enter__(self) -> T:
        trace, stack = self.trace, _STACK.get()
        trace.level = len(stack)
        trace.alive = True
        self.token = _STACK.set((*stack, trace))
        return trace

    def __exit__(self, *exc: object) -> None:
        self.trace.alive = False
        _STACK.reset(self.token)


def trace_stack() -> tuple[Trace, ...]:
    """This thread's running traces, outermost first (for tests and debugging tools)."""
    return _STACK.get()


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


class ArrayAPI:
    """The functions tracer operators and methods call; ``funcgrad.numpy`` installs them.

    Operators are primitives' ``bind``s (the hot path, no wrapper frame); ``numpy`` is the
    ``funcgrad.numpy`` module, whose functions the array methods (``.sum``, ...) call.
    """

    numpy: Any
    negative: Any
    abs: Any
    add: Any
    subtract: Any
    multiply: Any
    divide: Any
    floor_divide: Any
    mod: Any
    power: Any
    matmul: Any
    less: Any
    less_equal: Any
    greater: Any
    greater_equal: Any
    equal: Any
    not_equal: Any
    invert: Any
    bitwise_and: Any
    bitwise_or: Any
    bitwise_xor: Any
    getitem: Any

    def install(self, **functions: Any) -> None:
        """Set the functions (called once, by ``funcgrad.numpy`` at import)."""
        missing = set(type(self).__annotations__) - set(functions)
        if missing:
            raise TypeError(f"ArrayAPI.install: missing {sorted(missing)}")
        for name, f in functions.items():
            setattr(self, name, f)


ARRAY_API = ArrayAPI()


class Tracer:
    """A value followed by a trace. Behaves like a read-only numpy array.

    Subclasses define ``shape``, ``dtype`` and ``concrete()`` (the value, where known), and
    set ``carries_derivative`` when their values have derivatives attached (reverse and
    forward mode), which ``float()``, ``complex()`` and ``.item()`` must not drop.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000
    carries_derivative = False

    # --- what subclasses provide ------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def dtype(self) -> Any:
        raise NotImplementedError

    def concrete(self) -> Any:
        """The concrete numpy value behind this tracer, if it has one."""
        raise ConcretizationError(
            f"the concrete value of a traced array ({self.aval}) is needed here, e.g. for "
            "Python control flow, bool(), float() or int(), but it is not known under "
            f"{type(self._trace).__name__}. Use fnp.where for data-dependent choices."
        )

    # --- array attributes ---------------------------------------------------------------
    @property
    def aval(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def T(self) -> Any:
        return ARRAY_API.numpy.transpose(self)

    @property
    def mT(self) -> Any:
        return ARRAY_API.numpy.swapaxes(self, -1, -2)

    @property
    def real(self) -> Any:
        return ARRAY_API.numpy.real(self)

    @property
    def imag(self) -> Any:
        return ARRAY_API.numpy.imag(self)

    @property
    def at(self) -> Any:
        """Functional updates: ``x.at[idx].set(v)``, ``.add(v)``, ... (see fnp.at)."""
        return ARRAY_API.numpy.at(self)

    def __len__(self) -> int:
        if not self.shape:
            raise FuncgradTypeError(
                "len() of unsized object (a 0-d traced array); use `.size` or `.shape`"
            )
        return self.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if not self.shape:
            raise FuncgradTypeError("iteration over a 0-d traced array; it has no elements")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        try:
            value = self.concrete()
        except Exception:  # no concrete value under this trace: shape and dtype only
            return f"{type(self).__name__}<{self.aval}>"
        text = np.array2string(np.asarray(value), separator=", ", threshold=20)
        return f"{type(self).__name__}<{self.aval}>(value={text})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if spec:
            try:
                return format(np.asarray(self.concrete()), spec)
            except Exception:
                pass
        return repr(self)

    def __hash__(self) -> int:
        return id(self)

    def __getattr__(self, name: str) -> Any:  # only reached for names Tracer lacks
        if name.startswith("__"):  # protocol probes (numpy's __array_interface__, ...)
            raise AttributeError(name)
        raise FuncgradAttributeError(
            f"traced arrays have no attribute {name!r}; see funcgrad.numpy for the "
            "supported functions and array methods"
        )

    # --- conversions ----------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        self._trace.check_alive(self)
        raise FuncgradTypeError(ARRAY_CONVERSION_MESSAGE.format(what=self.aval, hint="<name>"))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # `ndarray + tracer` reaches here as np.add(ndarray, tracer): run the operator.
        # Any other numpy ufunc (np.exp(tracer), ...) cannot see through a trace.
        op = _OPERATOR_UFUNCS.get(getattr(ufunc, "__name__", ""))
        if method == "__call__" and op is not None and not kwargs:
            return getattr(ARRAY_API, op)(*inputs)
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

    def _refuse_to_drop_derivative(self, conversion: str) -> None:
        if self.carries_derivative and np.dtype(self.dtype).kind in "fc":
            raise ConcretizationError(
                DROPPED_DERIVATIVE_MESSAGE.format(conversion=conversion, what=self.aval)
            )

    def __bool__(self) -> bool:  # Python control flow: the derivative of a branch is 0
        return bool(self.concrete())

    def __int__(self) -> int:  # sizes and indices: zero derivative
        return int(self.concrete())

    def __index__(self) -> int:
        return int(self.concrete())

    def __float__(self) -> float:
        self._refuse_to_drop_derivative("float()")
        return float(self.concrete())

    def __complex__(self) -> complex:
        self._refuse_to_drop_derivative("complex()")
        return complex(self.concrete())

    def item(self, *args: Any) -> Any:
        """The element as a Python scalar (not allowed where it would drop a derivative)."""
        self._refuse_to_drop_derivative(".item()")
        return np.asarray(self.concrete()).item(*args)

    def tolist(self) -> Any:
        """The value as nested Python lists (not allowed where it would drop a derivative)."""
        self._refuse_to_drop_derivative(".tolist()")
        return np.asarray(self.concrete()).tolist()

    def __setitem__(self, idx: Any, value: Any) -> None:
        raise FuncgradTypeError(ITEM_ASSIGNMENT_MESSAGE)

    # --- operators (primitives' binds, installed by funcgrad.numpy) ---------------------
    def __neg__(self) -> Any:
        return ARRAY_API.negative(self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return ARRAY_API.abs(self)

    def __add__(self, other: Any) -> Any:
        return ARRAY_API.add(self, other)

    def __radd__(self, other: Any) -> Any:
        return ARRAY_API.add(other, self)

    def __sub__(self, other: Any) -> Any:
        return ARRAY_API.subtract(self, other)

    def __rsub__(self, other: Any) -> Any:
        return ARRAY_API.subtract(other, self)

    def __mul__(self, other: Any) -> Any:
        return ARRAY_API.multiply(self, other)

    def __rmul__(self, other: Any) -> Any:
        return ARRAY_API.multiply(other, self)

    def __truediv__(self, other: Any) -> Any:
        return ARRAY_API.divide(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return ARRAY_API.divide(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return ARRAY_API.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return ARRAY_API.floor_divide(other, self)

    def __mod__(self, other: Any) -> Any:
        return ARRAY_API.mod(self, other)

    def __rmod__(self, other: Any) -> Any:
        return ARRAY_API.mod(other, self)

    def __pow__(self, other: Any) -> Any:
        return ARRAY_API.power(self, other)

    def __rpow__(self, other: Any) -> Any:
        return ARRAY_API.power(other, self)

    def __matmul__(self, other: Any) -> Any:
        return ARRAY_API.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return ARRAY_API.matmul(other, self)

    def __lt__(self, other: Any) -> Any:
        return ARRAY_API.less(self, other)

    def __le__(self, other: Any) -> Any:
        return ARRAY_API.less_equal(self, other)

    def __gt__(self, other: Any) -> Any:
        return ARRAY_API.greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return ARRAY_API.greater_equal(self, other)

    def __eq__(self, other: Any) -> Any:
        return ARRAY_API.equal(self, other)

    def __ne__(self, other: Any) -> Any:
        return ARRAY_API.not_equal(self, other)

    # numpy's bitwise ufuncs: on booleans they are the logical ones
    def __invert__(self) -> Any:
        return ARRAY_API.invert(self)

    def __and__(self, other: Any) -> Any:
        return ARRAY_API.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Any:
        return ARRAY_API.bitwise_and(other, self)

    def __or__(self, other: Any) -> Any:
        return ARRAY_API.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Any:
        return ARRAY_API.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Any:
        return ARRAY_API.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Any:
        return ARRAY_API.bitwise_xor(other, self)

    def __getitem__(self, idx: Any) -> Any:
        return ARRAY_API.getitem(self, idx)

    # --- array methods: x.name(...) is funcgrad.numpy.name(x, ...) ----------------------
    def sum(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.sum(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.mean(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.min(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.prod(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.std(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.var(self, *args, **kwargs)

    def ptp(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.ptp(self, *args, **kwargs)

    def all(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.all(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.any(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.argmin(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.cumsum(self, *args, **kwargs)

    def cumprod(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.cumprod(self, *args, **kwargs)

    def argsort(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.argsort(self, *args, **kwargs)

    def sort(self, *args: Any, **kwargs: Any) -> Any:  # returns the sorted array (no in-place)
        return ARRAY_API.numpy.sort(self, *args, **kwargs)

    def nonzero(self) -> Any:
        return ARRAY_API.numpy.nonzero(self)

    def clip(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.clip(self, *args, **kwargs)

    def round(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.round(self, *args, **kwargs)

    def conj(self) -> Any:
        return ARRAY_API.numpy.conj(self)

    def conjugate(self) -> Any:
        return ARRAY_API.numpy.conj(self)

    def astype(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.astype(self, *args, **kwargs)

    def dot(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.dot(self, *args, **kwargs)

    def trace(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.trace(self, *args, **kwargs)

    def diagonal(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.diagonal(self, *args, **kwargs)

    def repeat(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.repeat(self, *args, **kwargs)

    def take(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.take(self, *args, **kwargs)

    def squeeze(self, *args: Any, **kwargs: Any) -> Any:
        return ARRAY_API.numpy.squeeze(self, *args, **kwargs)

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        return ARRAY_API.numpy.swapaxes(self, axis1, axis2)

    def ravel(self, order: str = "C") -> Any:
        return ARRAY_API.numpy.ravel(self, order=order)

    def flatten(self, order: str = "C") -> Any:
        return ARRAY_API.numpy.ravel(self, order=order)

    def copy(self) -> Any:  # values are immutable: a copy is the value itself
        return self

    def reshape(self, *shape: Any, order: str = "C") -> Any:
        """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``, as on ndarray."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ARRAY_API.numpy.reshape(self, shape, order=order)

    def transpose(self, *axes: Any) -> Any:
        """``x.transpose()``, ``x.transpose(1, 0)`` or ``x.transpose((1, 0))``."""
        order = (
            axes[0]
            if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list)))
            else axes
        )
        return ARRAY_API.numpy.transpose(self, order or None)


# numpy's binary-operator ufuncs -> ARRAY_API names: `ndarray <op> tracer` calls them.
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
    "bitwise_and": "bitwise_and",
    "bitwise_or": "bitwise_or",
    "bitwise_xor": "bitwise_xor",
}

_SHAPE_QUERIES = frozenset({np.shape, np.ndim, np.size, np.iscomplexobj, np.isrealobj})
