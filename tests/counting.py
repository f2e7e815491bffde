"""Counting how often a primitive's numpy implementation runs (recomputation tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from funcgrad.core.primitive import Primitive


@contextmanager
def counting(prim: Primitive) -> Iterator[list[int]]:
    """Count evaluations of ``prim`` inside the block; ``calls[0]`` is the count."""
    calls = [0]
    original = prim.impl

    def counted(*args, **params):
        calls[0] += 1
        return original(*args, **params)

    prim.impl = counted
    try:
        yield calls
    finally:
        prim.impl = original
