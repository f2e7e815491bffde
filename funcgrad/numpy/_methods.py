"""Installs ``core.trace.ARRAY_API``: what tracer operators and array methods call.

``Tracer`` (core) defines every operator and method as a real method (``x + y``, ``x[i]``,
``x.sum()``, ``x.T``, ``x.at``); each forwards to ``ARRAY_API``, which this module fills
once at import. Operators get primitives' ``bind`` directly (the hot path: no wrapper
frame); methods call the ``funcgrad.numpy`` function of the same name.
"""

from __future__ import annotations

import sys
from typing import Any

from ..core.trace import ARRAY_API
from ..primitives import elementwise as _ew
from . import _products

_fnp = sys.modules[__package__]


def _getitem(x: Any, idx: Any) -> Any:
    return _fnp._getitem(x, idx)


ARRAY_API.install(
    numpy=_fnp,
    negative=_ew.negative_p.bind,
    abs=_ew.abs_p.bind,
    add=_ew.add_p.bind,
    subtract=_ew.subtract_p.bind,
    multiply=_ew.multiply_p.bind,
    divide=_ew.divide_p.bind,
    floor_divide=_ew.floor_divide_p.bind,
    mod=_ew.remainder_p.bind,
    power=_ew.power_p.bind,
    matmul=_products.matmul_operator,
    less=_ew.less_p.bind,
    less_equal=_ew.less_equal_p.bind,
    greater=_ew.greater_p.bind,
    greater_equal=_ew.greater_equal_p.bind,
    equal=_ew.equal_p.bind,
    not_equal=_ew.not_equal_p.bind,
    invert=_ew.invert_p.bind,
    bitwise_and=_ew.bitwise_and_p.bind,
    bitwise_or=_ew.bitwise_or_p.bind,
    bitwise_xor=_ew.bitwise_xor_p.bind,
    getitem=_getitem,
)
