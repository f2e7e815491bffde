"""Abstract values: what a transformation knows of an array without its numbers.

``ShapedArray`` is the shape and dtype of a value; ``typeof`` reads it off any value funcgrad
accepts (arrays, numpy scalars, Python numbers and tracers).
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np


@attrs.frozen
class ShapedArray:
    """The shape and dtype of an array; hashable, so usable as a cache key."""

    shape: tuple[int, ...] = attrs.field(converter=tuple)
    dtype: np.dtype = attrs.field(converter=np.dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __str__(self) -> str:
        return f"{self.dtype.name}[{','.join(map(str, self.shape))}]"


def typeof(x: Any) -> ShapedArray:
    """Return the ``ShapedArray`` of ``x``; Python floats count as float64, ints as int64."""
    aval = getattr(x, "aval", None)
    if aval is not None:
        return aval
    if isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, x.dtype)
    arr = np.asarray(x)
    return ShapedArray(arr.shape, arr.dtype)


def is_float_dtype(dtype: Any) -> bool:
    """True for real and complex floating dtypes (the ones that carry derivatives)."""
    return np.issubdtype(dtype, np.inexact)
