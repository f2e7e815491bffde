"""The errors of ``funcgrad.distributed``, each a ``FuncgradError`` refining a builtin.

Imports only ``funcgrad.core.errors``.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import FuncgradError, FuncgradValueError


class DistributedError(FuncgradError):
    """Base class of the errors ``funcgrad.distributed`` raises on purpose."""


class ShardError(DistributedError, FuncgradValueError):
    """One shard's result is unusable: NaN/Inf, or the wrong structure, shape or dtype.

    Attributes:
      shard: the shard's index (0-based, in batch order).
      part: which part of the result: ``"value"``, ``"grads"``, ``"aux"``, or ``""`` for
        the result as a whole.
      path: the offending leaf's key path within that part (``"['w1']"``, ``"[0].b"``),
        or ``""``.
    """

    def __init__(self, message: str, *, shard: int, part: str = "", path: str = "") -> None:
        super().__init__(message)
        self.shard = shard
        self.part = part
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:  # keyword attributes survive pickling
        return (_rebuild_shard_error, (self.args[0], self.shard, self.part, self.path))


def _rebuild_shard_error(message: str, shard: int, part: str, path: str) -> ShardError:
    return ShardError(message, shard=shard, part=part, path=path)


class ClusterConnectionError(DistributedError, ConnectionError):
    """No Dask scheduler answered at the given address within the timeout."""


class ClusterTimeoutError(DistributedError, TimeoutError):
    """Tasks on the cluster did not finish within the ``timeout`` given."""
