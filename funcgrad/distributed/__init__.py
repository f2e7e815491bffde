"""funcgrad.distributed: data-parallel gradients and hyperparameter sweeps on Dask.

Because funcgrad's models, optimizer states and keys are values and its functions pure,
work maps onto Dask's distributed scheduler directly: ``data_parallel`` splits each
step's batch across workers and combines the gradients (a training loop with any
``funcgrad.optim`` optimizer runs on it unchanged); ``sweep`` runs one training function
over many configurations; ``connect`` reaches a scheduler within a bounded time.
Needs the optional extra: ``pip install 'funcgrad[distributed]'`` (dask and
distributed). A public face: imports any funcgrad layer, and nothing in the rest of
funcgrad imports it. See ``docs/distributed.md``.
"""

try:
    import distributed as _distributed  # noqa: F401 (checked here for a clear message)
except ImportError as _e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "funcgrad.distributed needs dask's distributed scheduler, which is not installed: "
        "pip install 'funcgrad[distributed]' (or: pip install dask distributed)"
    ) from _e

from ._cluster import connect as connect
from ._data_parallel import data_parallel as data_parallel
from ._errors import (
    ClusterConnectionError as ClusterConnectionError,
    ClusterTimeoutError as ClusterTimeoutError,
    DistributedError as DistributedError,
    ShardError as ShardError,
)
from ._sweep import sweep as sweep
