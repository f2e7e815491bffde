"""Operators and array methods of tracers, wired to funcgrad.numpy.

``core.trace.Tracer`` forwards ``x + y``, ``x[idx]``, ``x.sum()``, ``x.T``, ``x.at`` ... to the
``tracer_methods`` namespace; this module fills it. Operators bind primitives directly
(the hot path); methods look up funcgrad.numpy functions when called.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from ..core.trace import tracer_methods as _tm
from ..primitives import elementwise as _ew

_fnp = sys.modules[__package__]

# --- operators -----------------------------------------------------------------------
_tm.negative = _ew.negative_p.bind
_tm.abs = _ew.abs_p.bind
_tm.add = _ew.add_p.bind
_tm.subtract = _ew.subtract_p.bind
_tm.multiply = _ew.multiply_p.bind
_tm.divide = _ew.divide_p.bind
_tm.floor_divide = _ew.floor_divide_p.bind
_tm.mod = _ew.remainder_p.bind
_tm.power = _ew.power_p.bind
_tm.less = _ew.less_p.bind
_tm.less_equal = _ew.less_equal_p.bind
_tm.greater = _ew.greater_p.bind
_tm.greater_equal = _ew.greater_equal_p.bind
_tm.equal = _ew.equal_p.bind
_tm.not_equal = _ew.not_equal_p.bind
_tm.logical_not = _ew.logical_not_p.bind
_tm.logical_and = _ew.logical_and_p.bind
_tm.logical_or = _ew.logical_or_p.bind


def _matmul(a: Any, b: Any) -> Any:
    return _fnp.matmul(a, b)


def _getitem(x: Any, idx: Any) -> Any:
    return _fnp._getitem(x, idx)


_tm.matmul = _matmul
_tm.getitem = _getitem


# --- methods: x.name(...) calls funcgrad.numpy.name(x, ...) ---------------------------
def _forward_to(name: str):
    def method(self: Any) -> Any:
        return functools.partial(getattr(_fnp, name), self)

    return method


for _name in (
    "sum",
    "mean",
    "max",
    "min",
    "prod",
    "std",
    "var",
    "ravel",
    "swapaxes",
    "clip",
    "cumsum",
    "cumprod",
    "argmax",
    "argmin",
    "argsort",
    "sort",
    "dot",
    "conj",
    "conjugate",
    "round",
    "trace",
    "diagonal",
    "repeat",
    "take",
    "all",
    "any",
    "nonzero",
    "squeeze",
    "ptp",
    "astype",
):
    setattr(_tm, "method_" + _name, _forward_to(_name))


def _reshape_method(self: Any) -> Any:
    def reshape(*shape: Any, order: str = "C") -> Any:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _fnp.reshape(self, shape, order=order)

    return reshape


def _transpose_method(self: Any) -> Any:
    def transpose(*axes: Any) -> Any:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return _fnp.transpose(self, axes or None)

    return transpose


_tm.method_reshape = _reshape_method
_tm.method_transpose = _transpose_method
_tm.method_flatten = lambda self: lambda order="C": _fnp.ravel(self, order=order)
_tm.method_copy = lambda self: lambda: self
_tm.method_T = lambda self: _fnp.transpose(self)
_tm.method_real = lambda self: _fnp.real(self)  # properties, as on ndarray
_tm.method_imag = lambda self: _fnp.imag(self)
_tm.method_mT = lambda self: _fnp.swapaxes(self, -1, -2)
_tm.method_at = lambda self: _fnp.at(self)
_tm.method_item = lambda self: lambda *args: self.concrete().item(*args)
_tm.method_tolist = lambda self: lambda: self.concrete().tolist()
