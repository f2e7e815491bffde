"""funcgrad.distributed: data-parallel gradients and hyperparameter sweeps on Dask.

Because funcgrad's models, optimizer states and keys are values and its functions pure,
work maps onto Dask's distributed scheduler directly: ``data_parallel`` splits each
step's batch across workers and combines the gradients (a training loop with any
``funcgrad.optim`` optimizer runs on it unchanged); ``sweep`` runs one training function
over many configurations; ``connect`` reaches a scheduler within a bounded time.
Needs the optional extra: ``pip install 'funcgrad[distributed]'`` (dask and
distributed). A public face: imports any funcgrad layer, and nothing in the rest of
funcgrad imports it. See ``docs/distributed.md``.

The names load on first use, so the package imports without dask (for its error
classes, and for pytest's collection); using ``data_parallel``, ``sweep`` or ``connect``
without dask raises an ``ImportError`` saying what to install.
"""

from typing import TYPE_CHECKING, Any

from ..core.namespace import no_attribute, public_namespace
from ._errors import (
    ClusterConnectionError as ClusterConnectionError,
    ClusterTimeoutError as ClusterTimeoutError,
    DistributedError as DistributedError,
    ShardError as ShardError,
)

_LAZY = {"connect": "_cluster", "data_parallel": "_data_parallel", "sweep": "_sweep"}

MISSING_DASK = (
    "funcgrad.distributed.{name} needs dask's distributed scheduler, which is not "
    "installed: pip install 'funcgrad[distributed]' (or: pip install dask distributed)"
)

if TYPE_CHECKING:
    from ._cluster import connect as connect
    from ._data_parallel import data_parallel as data_parallel
    from ._sweep import sweep as sweep


__all__ = [
    "ClusterConnectionError",
    "ClusterTimeoutError",
    "DistributedError",
    "ShardError",
    "connect",
    "data_parallel",
    "sweep",
]


def _getattr(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise no_attribute(__name__, name, __all__)
    import importlib

    try:
        importlib.import_module("distributed")
    except ImportError as e:
        raise ImportError(MISSING_DASK.format(name=name)) from e
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__ = _getattr
    __dir__ = public_namespace(__name__, __all__)[1]
