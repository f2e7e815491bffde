"""Abstract values: what a transformation knows of an array without its numbers.

``ShapedArray`` is the shape and dtype of a value; ``typeof`` reads it off any value funcgrad
accepts (arrays, numpy scalars, Python numbers and tracers).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ShapedArray:
    """The shape and dtype of an array; an immutable value, hashable (a cache key)."""

    __slots__ = ("dtype", "shape")
    shape: tuple[int, ...]
    dtype: np.dtype

    def __init__(self, shape: Any, dtype: Any) -> None:
        object.__setattr__(self, "shape", tuple(int(d) for d in shape))
        object.__setattr__(self, "dtype", np.dtype(dtype))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ShapedArray is immutable")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ShapedArray)
            and self.shape == other.shape
            and self.dtype == other.dtype
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype))

    def __repr__(self) -> str:
        return f"ShapedArray(shape={self.shape}, dtype={self.dtype})"

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
    return np.dtype(dtype).kind in "fc"
