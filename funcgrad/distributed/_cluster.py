"""What ``data_parallel`` and ``sweep`` share: the client check, sending a function once,
collecting futures under a time bound, and ``connect``.

Every Dask call of the package goes through here or through ``distributed.Client``
methods; nothing schedules tasks by itself. Imports dask's ``distributed``, ``numpy`` and
funcgrad's core (errors, tracers) and tree.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import distributed

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.trace import Tracer
from ..tree import leaves
from ._errors import ClusterConnectionError, ClusterTimeoutError
from ._paths import leaf_paths

CONNECT_HINT = (
    "Start a scheduler there (`dask scheduler`, then `dask worker ADDRESS` on each "
    "machine), check the address and any firewall, or for one machine use "
    "`distributed.Client(distributed.LocalCluster(n_workers=2, threads_per_worker=1))`."
)


def connect(address: str, timeout: float = 10.0, **client_kwargs: Any) -> distributed.Client:
    """Connect to the Dask scheduler at ``address``, failing clearly within ``timeout`` s.

    Args:
      address: the scheduler's address, e.g. ``"tcp://10.0.0.5:8786"`` (``tcp://`` may be
        left out).
      timeout: seconds to keep trying before giving up (> 0).
      **client_kwargs: passed on to ``distributed.Client``.

    Returns:
      A connected ``distributed.Client`` (close it, or use it in a ``with`` block).

    Raises:
      ClusterConnectionError: (a ``ConnectionError``) if no scheduler answered in time.
      FuncgradTypeError, FuncgradValueError: for an address that is not a non-empty
        string, or a timeout that is not a positive number.

    Example:
      >>> with distributed.LocalCluster(n_workers=1, processes=False,
      ...                               dashboard_address="127.0.0.1:0") as cluster:
      ...     with connect(cluster.scheduler_address, timeout=5) as client:
      ...         client.submit(sum, [1, 2, 3]).result()
      6
    """
    if not isinstance(address, str) or not address.strip():
        raise FuncgradTypeError(
            f"connect: `address` must be a scheduler address such as 'tcp://host:8786', "
            f"got {address!r}"
        )
    if timeout is None:
        raise FuncgradValueError("connect: `timeout` must be a positive number of seconds")
    check_timeout(timeout, "connect")
    start = time.perf_counter()
    try:
        return distributed.Client(address, timeout=timeout, **client_kwargs)
    except OSError as e:  # dask raises OSError("Timed out trying to connect ...")
        waited = time.perf_counter() - start
        raise ClusterConnectionError(
            f"connect: no Dask scheduler answered at {address!r} within {timeout:g} s "
            f"(gave up after {waited:.1f} s: {e}). {CONNECT_HINT}"
        ) from e


def check_client(client: Any, fname: str) -> None:
    """Raise a clear error unless ``client`` is a synchronous ``distributed.Client``."""
    if not isinstance(client, distributed.Client):
        raise FuncgradTypeError(
            f"{fname}: `client` must be a distributed.Client, got {type(client).__name__}; "
            f"make one with funcgrad.distributed.connect(address) or "
            f"distributed.Client(distributed.LocalCluster())"
        )
    if client.asynchronous:
        raise FuncgradTypeError(
            f"{fname}: `client` is asynchronous; {fname} blocks until the cluster is done, "
            f"so give it a synchronous client (distributed.Client(..., asynchronous=False))"
        )


def check_timeout(timeout: Any, fname: str) -> None:
    """Raise a clear error unless ``timeout`` is None or a positive number of seconds."""
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise FuncgradValueError(
            f"{fname}: `timeout` must be a positive number of seconds or None, got {timeout!r}"
        )


def check_no_tracers(tree: Any, what: str, fname: str) -> None:
    """Refuse a pytree holding funcgrad tracers: they cannot leave this process."""
    for path, leaf in zip(leaf_paths(tree), leaves(tree), strict=True):
        if isinstance(leaf, Tracer):
            raise FuncgradTypeError(
                f"{fname}: {what}{path} is a funcgrad tracer: {fname} runs its function in "
                f"other processes, which cannot take part in this process's grad/vmap/jit. "
                f"Call {fname} outside the transformation (transform the function you give "
                f"it instead, e.g. pass fg.value_and_grad(loss))."
            )


def task_name(prefix: str) -> str:
    """A fresh, readable Dask key prefix (``funcgrad-shard-3f2a...``)."""
    return f"funcgrad-{prefix}-{uuid.uuid4().hex}"


class Box:
    """A value passed to a task as one opaque object.

    Dask walks tuples, lists and dicts among a task's arguments looking for tasks and
    futures (a tuple starting with a callable is taken as a task); a box keeps a batch or
    a configuration exactly as given.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __reduce__(self) -> tuple[Any, ...]:
        return (Box, (self.value,))


def _identity(x: Any) -> Any:
    return x


def send_function(
    client: distributed.Client, fun: Callable[..., Any], prefix: str
) -> distributed.Future[Any]:
    """``fun`` pickled once and held on the cluster as a task's result.

    A task (not scattered data): the scheduler keeps its recipe, so if every worker holding
    it dies it is rebuilt instead of lost. Tasks that take the future receive ``fun``.
    """
    return client.submit(_identity, fun, key=task_name(prefix), pure=False)


def collect(
    futures: Sequence[distributed.Future[Any]],
    *,
    timeout: float | None,
    fname: str,
    describe: Callable[[int], str],
    on_done: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """The results of ``futures`` in their order, waiting at most ``timeout`` seconds.

    On the first failure the other futures are cancelled and the task's own exception is
    raised (its type kept, so ``except ValueError`` still works), with a note naming the
    task by ``describe(index)``. ``on_done(done, total)`` is called as tasks finish.

    Raises:
      ClusterTimeoutError: if they have not all finished within ``timeout``.
    """
    if not futures:
        return []
    client = futures[0].client
    index = {f.key: i for i, f in enumerate(futures)}
    done = 0
    try:
        for future in distributed.as_completed(futures, loop=client.loop, timeout=timeout):
            if future.status != "finished":
                _raise_task_error(future, fname, describe(index[future.key]))
            done += 1
            if on_done is not None:
                on_done(done, len(futures))
    except TimeoutError:
        pending = [describe(i) for i, f in enumerate(futures) if f.status == "pending"]
        raise ClusterTimeoutError(
            f"{fname}: {len(pending)} of {len(futures)} tasks did not finish within "
            f"{timeout:g} s ({', '.join(pending[:5])}{', ...' if len(pending) > 5 else ''}); "
            f"check that the cluster has workers (client.scheduler_info()['workers']) and "
            f"that they are not overloaded, or raise `timeout`"
        ) from None
    finally:
        if done < len(futures):
            client.cancel([f for f in futures if f.status == "pending"])
    results: list[Any] = client.gather(list(futures))
    return results


def _raise_task_error(future: distributed.Future[Any], fname: str, where: str) -> None:
    try:
        future.result()
    except Exception as e:
        note = f"(raised on a Dask worker by {fname}, {where})"
        if hasattr(e, "add_note"):  # Python >= 3.11
            e.add_note(note)
        raise
    raise distributed.CancelledError(f"{fname}: {where} was cancelled ({future.status})")
