"""``r_`` and ``c_``: numpy's index expressions that build arrays by concatenation.

``fnp.r_[a, 0, 1:4]`` and ``fnp.c_[x, y]`` behave as numpy's (slices become ``arange``,
or ``linspace`` with an imaginary step; the first entry may be a directive string
``"axis[,ndmin[,trans1d]]"``); with traced entries the result is traced and
differentiable in them. Without any tracer numpy's own objects build the result (bitwise).
The matrix directives ``"r"``/``"c"`` are numpy-only. Imports core and the primitives layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradValueError
from ..core.trace import Tracer
from ..primitives import elementwise as _ew, shape as _s
from ._convert import as_array, contains_tracer


def _traced(key: tuple) -> bool:
    for item in key:
        if isinstance(item, slice):
            if any(isinstance(v, Tracer) for v in (item.start, item.stop, item.step)):
                raise FuncgradValueError(
                    "r_/c_: slice bounds must be concrete numbers, got a traced value; use "
                    "fnp.linspace or fnp.arange with concrete bounds instead"
                )
        elif contains_tracer(item):
            return True
    return False


def _ndmin(x: Any, ndmin: int) -> Any:
    """``np.array(x, ndmin=ndmin)`` for a tracer: leading length-1 axes."""
    if x.ndim >= ndmin:
        return x
    return _s.reshape(x, (1,) * (ndmin - x.ndim) + tuple(x.shape))


class _AxisConcatenator:
    """numpy's ``AxisConcatenator`` (``axis``, ``ndmin``, ``trans1d``) for traced entries."""

    __slots__ = ("_numpy", "axis", "ndmin", "trans1d")

    def __init__(self, numpy_obj: Any, axis: int, ndmin: int, trans1d: int) -> None:
        self._numpy = numpy_obj
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def __len__(self) -> int:
        return 0

    def __getitem__(self, key: Any) -> Any:
        key = key if isinstance(key, tuple) else (key,)
        if not _traced(key):
            return self._numpy[key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        objs: list[Any] = []
        kinds: list[Any] = []
        for k, item in enumerate(key):
            if isinstance(item, str):
                if k != 0:
                    raise FuncgradValueError("r_/c_: special directives must be the first entry")
                axis, ndmin, trans1d = _directive(item, axis, ndmin, trans1d)
                continue
            if isinstance(item, slice):
                obj = self._numpy[item]  # arange or linspace, concrete
                if ndmin > 1:
                    obj = np.array(obj, copy=None, ndmin=ndmin)
                    if trans1d != -1:
                        obj = obj.swapaxes(-1, trans1d)
                kinds.append(obj.dtype)
            elif type(item) in (int, float, complex, bool) or isinstance(item, np.generic):
                obj = item
                kinds.append(item)
            else:
                obj = as_array(item)
                nd = np.ndim(obj)
                obj = _ndmin(obj, ndmin) if isinstance(obj, Tracer) else np.array(obj, ndmin=ndmin)
                if trans1d != -1 and nd < ndmin:
                    k2, k1 = ndmin - nd, trans1d
                    if k1 < 0:
                        k1 += k2 + 1
                    ax = list(range(ndmin))
                    obj = _s.transpose(obj, tuple(ax[:k1] + ax[k2:] + ax[k1:k2]))
                kinds.append(obj.dtype)
            objs.append(obj)
        dtype = np.result_type(*kinds)
        parts = []
        for obj in objs:
            if isinstance(obj, Tracer):
                parts.append(_ew.astype(_ndmin(obj, ndmin), dtype))
            else:
                parts.append(np.array(obj, copy=None, ndmin=ndmin, dtype=dtype))
        ndim = parts[0].ndim
        if not -ndim <= axis < ndim:
            raise FuncgradValueError(
                f"r_/c_: axis {axis} is out of bounds for the {ndim}-d entries"
            )
        return _s.concatenate(parts, axis % ndim)


def _directive(item: str, axis: int, ndmin: int, trans1d: int) -> tuple[int, int, int]:
    if item in ("r", "c"):
        raise FuncgradValueError(
            "r_/c_: the matrix directives 'r' and 'c' build numpy.matrix objects, which "
            "traced values cannot be; use fnp.atleast_2d or reshape instead"
        )
    try:
        vec = [int(v) for v in item.split(",")]
    except ValueError:
        raise FuncgradValueError(
            f"r_/c_: unknown special directive {item!r}; use 'axis[,ndmin[,trans1d]]'"
        ) from None
    if not 1 <= len(vec) <= 3:
        raise FuncgradValueError(f"r_/c_: unknown special directive {item!r}")
    axis = vec[0]
    if len(vec) > 1:
        ndmin = vec[1]
    if len(vec) > 2:
        trans1d = vec[2]
    return axis, ndmin, trans1d


r_ = _AxisConcatenator(np.r_, axis=0, ndmin=1, trans1d=-1)
"""Concatenation along the first axis by index expression (numpy.r_)."""

c_ = _AxisConcatenator(np.c_, axis=-1, ndmin=2, trans1d=0)
"""Concatenation along the last axis, 1-d entries as columns (numpy.c_)."""
