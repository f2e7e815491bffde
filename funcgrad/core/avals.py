"""Abstract values: what a transformation knows of an array without its numbers.

``ShapedArray`` is the shape and dtype of a value; ``typeof`` reads it off any value funcgrad
accepts (arrays, numpy scalars, Python numbers and tracers).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ShapedArray:
    """The shape and dtype of an array; an immutable value, hashable (a cache key).

    ``weak``: a Python scalar (numpy promotes it weakly: ``float32_array * 2.0`` stays
    float32), as a traced input of ``jit`` keeps it.
    """

    __slots__ = ("dtype", "shape", "weak")
    shape: tuple[int, ...]
    dtype: np.dtype
    weak: bool

    def __init__(self, shape: Any, dtype: Any, weak: bool = False) -> None:
        object.__setattr__(self, "shape", tuple(int(d) for d in shape))
        object.__setattr__(self, "dtype", np.dtype(dtype))
        object.__setattr__(self, "weak", bool(weak))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ShapedArray is immutable")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ShapedArray)
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak == other.weak
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak))

    def __repr__(self) -> str:
        weak = ", weak=True" if self.weak else ""
        return f"ShapedArray(shape={self.shape}, dtype={self.dtype}{weak})"

    def dummy(self) -> Any:
        """A value of this shape and dtype (zeros; a Python scalar when weak)."""
        if self.weak:
            return self.dtype.type(0).item()
        return np.zeros(self.shape, self.dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __str__(self) -> str:
        return f"{self.dtype.name}[{','.join(map(str, self.shape))}]" + ("~" if self.weak else "")


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
