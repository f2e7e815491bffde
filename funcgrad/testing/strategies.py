"""Hypothesis strategies made for testing derivatives: finite, well-scaled values.

By default array values are drawn as a seeded uniform sample in ``[min_value, max_value]``,
so they are generic (no exact ties, no exact zeros, no repeated entries) -- what finite
differences need -- while hypothesis still chooses and shrinks shapes and seeds.
Pass ``elements=`` to draw every entry with a hypothesis strategy instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..core.namespace import public_namespace

__all__ = ["arrays", "broadcastable_shapes", "pytrees", "shapes"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes with ``min_dims..max_dims`` axes of ``min_side..max_side`` each."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    n: int, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of ``n`` shapes that broadcast together (numpy's rules)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: tuple(r.input_shapes))


@st.composite
def arrays(
    draw: Any,
    shape: tuple[int, ...] | st.SearchStrategy | None = None,
    dtype: Any = np.float64,
    min_value: float = -2.0,
    max_value: float = 2.0,
    elements: st.SearchStrategy | None = None,
) -> np.ndarray:
    """Arrays of ``dtype`` and ``shape`` (a shape, a strategy of shapes, or None: any).

    Values lie in ``[min_value, max_value]``; with ``elements`` each entry is drawn from it.
    """
    if shape is None:
        shape = shapes()
    drawn = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    shape = tuple(drawn)
    if elements is not None:
        return draw(hnp.arrays(dtype, shape, elements=elements))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = rng.uniform(min_value, max_value, size=shape)
    if np.issubdtype(np.dtype(dtype), np.complexfloating):
        values = values + 1j * rng.uniform(min_value, max_value, size=shape)
    return np.asarray(values, dtype=dtype)


def pytrees(
    leaves: st.SearchStrategy | None = None, max_leaves: int = 5
) -> st.SearchStrategy[Any]:
    """Nested dicts, lists and tuples of leaves (default: ``arrays()``)."""
    base = arrays() if leaves is None else leaves
    return st.recursive(
        base,
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=3),
            st.lists(children, min_size=1, max_size=3).map(tuple),
            st.dictionaries(st.sampled_from("abcdefgh"), children, min_size=1, max_size=3),
        ),
        max_leaves=max_leaves,
    )
