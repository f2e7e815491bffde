"""``data_parallel``: one gradient step with the batch split across Dask workers.

Each step scatters the parameters once to every worker (a pytree of numpy arrays), sends
each shard of the batch inside its own task (so the scheduler can re-run it elsewhere if
its worker dies), runs ``fun`` there, checks every shard's result and combines them by a
weighted tree-mean in shard order (so the result does not depend on which worker finished
first). ``fun`` itself is sent once, when ``data_parallel`` is called.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any, Literal

import distributed
import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..tree import PyTree, flatten, unflatten
from ._cluster import (
    Box,
    check_client,
    check_no_tracers,
    check_timeout,
    collect,
    send_function,
    task_name,
)
from ._paths import leaf_paths
from ._reduce import Reduction, check_shard, combine, combine_aux

AuxReduction = Literal["mean", "sum", "concatenate", "list"]


def data_parallel(
    fun: Callable[..., Any],
    client: distributed.Client,
    *,
    shards: int,
    reduction: Reduction = "mean",
    has_aux: bool = False,
    aux_reduction: AuxReduction | None = None,
    retries: int = 2,
    timeout: float | None = None,
    check_finite: bool = True,
) -> Callable[..., Any]:
    """Return ``fun`` computed with its batch split into ``shards`` Dask tasks.

    ``fun(params, *batch) -> (value, grads)`` is a ``value_and_grad``-style function
    (``fg.value_and_grad(loss)``); the returned ``step(params, *batch)`` returns the same,
    computed on the workers of ``client``: every leaf of ``batch`` is split along its
    leading axis into ``shards`` contiguous shards (sizes differ by at most one, as
    ``numpy.array_split``), each shard runs ``fun`` on a worker, and the shards' values and
    gradients are combined by a tree-mean weighted by shard size. So when ``fun`` computes
    a *mean* over the batch, ``step`` equals the single-process ``fun(params, *batch)`` to
    float rounding, for unequal shards too; for a ``fun`` that *sums* over the batch pass
    ``reduction="sum"``. Losses that couple examples (batch normalisation, contrastive
    losses) are not decomposable and differ.

    Args:
      fun: ``fun(params, *batch) -> (value, grads)``, or ``((value, aux), grads)`` with
        ``has_aux``. Pure and picklable (cloudpickle); sent to the cluster once.
      client: a synchronous ``distributed.Client``.
      shards: how many tasks each step is split into (1 <= shards <= batch size);
        usually the number of workers.
      reduction: ``"mean"`` (weights ``n_i / n``) or ``"sum"`` (weights 1).
      has_aux: ``fun`` returns ``((value, aux), grads)``, as
        ``value_and_grad(loss, has_aux=True)`` does.
      aux_reduction: how the shards' ``aux`` combine: ``"mean"``/``"sum"`` leafwise like
        the value (metrics), ``"concatenate"`` along the leading axis (per-example
        outputs, e.g. logits), or ``"list"`` (one aux per shard, in order). Defaults to
        ``reduction``.
      retries: how often the scheduler re-runs a shard whose task raised (workers that
        die are handled separately: Dask reschedules their tasks up to
        ``distributed.scheduler.allowed-failures`` times). ``fun`` is pure, so a retried
        shard gives the same result.
      timeout: seconds to wait for a step's shards, or ``None`` for no limit.
      check_finite: check every value and gradient for NaN and Inf.

    Returns:
      ``step(params, *batch) -> (value, grads)`` (or ``((value, aux), grads)``): ``value``
      a 0-d array of the shards' value dtype, ``grads`` fresh arrays with the structure,
      shapes and dtypes of ``params``. ``step`` must be called outside any funcgrad
      transformation.

    Raises:
      ShardError: (a ``ValueError``) when a shard returns NaN/Inf, a non-scalar value, or
        gradients whose structure, shape or dtype differ from ``params``; the message
        names the shard, its rows of the batch, the leaf (``['w1']``) and what was
        expected.
      ClusterTimeoutError: when the shards do not finish within ``timeout``.
      FuncgradValueError, FuncgradTypeError: for bad arguments, batch leaves without a
        common leading size, or fewer examples than shards.
      Any exception ``fun`` raises on a worker, with a note naming the shard.

    Example:
      >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
      >>> def loss(w, x, y):
      ...     return fnp.mean((x @ w - y) ** 2)
      >>> x, y, w = np.arange(10.0).reshape(5, 2), np.ones(5), np.array([0.5, -0.5])
      >>> local = dict(processes=False, n_workers=2, dashboard_address="127.0.0.1:0")
      >>> with distributed.Client(**local) as client:
      ...     step = data_parallel(fg.value_and_grad(loss), client, shards=2)
      ...     value, grads = step(w, x, y)  # shards of 3 and 2 rows
      >>> value, grads
      (array(2.25), array([-12., -15.]))
      >>> fg.value_and_grad(loss)(w, x, y)
      (array(2.25), array([-12., -15.]))
    """
    check_client(client, "data_parallel")
    if not callable(fun):
        raise FuncgradTypeError(f"data_parallel: `fun` must be callable, got {type(fun).__name__}")
    _check_int("shards", shards, minimum=1)
    _check_int("retries", retries, minimum=0)
    check_timeout(timeout, "data_parallel")
    _check_choice("reduction", reduction, ("mean", "sum"))
    aux_reduction = reduction if aux_reduction is None else aux_reduction
    _check_choice("aux_reduction", aux_reduction, ("mean", "sum", "concatenate", "list"))
    fun_future = send_function(client, fun, "fun")

    @functools.wraps(fun)
    def step(params: PyTree, *batch: Any) -> Any:
        check_no_tracers(params, "params", "data_parallel")
        check_no_tracers(batch, "batch", "data_parallel")
        params = _to_numpy(params)
        bounds = _shard_bounds(batch, shards)
        shard_batches = [_slice_batch(batch, lo, hi) for lo, hi in bounds]
        # one copy of the parameters per worker, fetched by every shard task there
        (params_future,) = client.scatter([params], broadcast=True, hash=False)
        name = task_name("shard")
        futures = [
            client.submit(
                _run_shard,
                fun_future,
                params_future,
                Box(shard),
                key=f"{name}-{i}",
                retries=retries,
                pure=False,
            )
            for i, shard in enumerate(shard_batches)
        ]

        def describe(i: int) -> str:
            lo, hi = bounds[i]
            return f"shard {i} of {shards} (batch rows {lo}:{hi})"

        results = collect(futures, timeout=timeout, fname="data_parallel", describe=describe)
        checked = [
            check_shard(out, params, i, describe(i), has_aux=has_aux, check_finite=check_finite)
            for i, out in enumerate(results)
        ]
        sizes = [hi - lo for lo, hi in bounds]
        value, grads, auxes = combine(checked, sizes, reduction, params)
        if not has_aux:
            return value, grads
        return (value, _combine_aux(auxes, sizes, aux_reduction, describe)), grads

    return step


def _run_shard(fun: Callable[..., Any], params: PyTree, batch: Box) -> Any:
    """The task: ``fun`` on one shard, on a worker."""
    return fun(params, *batch.value)


def _to_numpy(params: PyTree) -> PyTree:
    flat, treedef = flatten(params)
    return unflatten(treedef, [np.asarray(leaf) for leaf in flat])


def _shard_bounds(batch: tuple[Any, ...], shards: int) -> list[tuple[int, int]]:
    """``(start, stop)`` rows of each shard, as ``numpy.array_split`` divides them."""
    if not batch:
        raise FuncgradTypeError(
            "data_parallel: step(params, *batch) needs at least one batch argument to split"
        )
    paths, flat = leaf_paths(batch), flatten(batch)[0]
    sizes = {}
    for path, leaf in zip(paths, flat, strict=True):
        shape = np.shape(leaf)
        if not shape:
            raise FuncgradValueError(
                f"data_parallel: batch{path} is a scalar; every batch leaf is split along "
                f"its leading axis, so it needs one (pass constants inside `fun` instead)"
            )
        sizes[path] = shape[0]
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"batch{p}: {n}" for p, n in sizes.items())
        raise FuncgradValueError(
            f"data_parallel: the batch leaves have different leading sizes ({listed}); "
            f"they must agree, as the batch is split along that axis"
        )
    n = next(iter(sizes.values()))
    if n < shards:
        raise FuncgradValueError(
            f"data_parallel: a batch of {n} examples cannot be split into {shards} shards; "
            f"use a batch of at least {shards} or fewer shards"
        )
    # numpy.array_split puts the larger shards first; so do we (sizes differ by <= 1)
    base, extra = divmod(n, shards)
    edges = [i * base + min(i, extra) for i in range(shards + 1)]
    return list(itertools.pairwise(edges))


def _slice_batch(batch: tuple[Any, ...], lo: int, hi: int) -> tuple[Any, ...]:
    flat, treedef = flatten(batch)
    return tuple(unflatten(treedef, [np.asarray(leaf)[lo:hi] for leaf in flat]))


def _combine_aux(
    auxes: list[Any], sizes: list[int], how: str, describe: Callable[[int], str]
) -> PyTree:
    if how == "list":
        return auxes
    return combine_aux(auxes, sizes, how, describe)


def _check_int(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise FuncgradTypeError(
            f"data_parallel: `{name}` must be an int, got {type(value).__name__} {value!r}"
        )
    if value < minimum:
        raise FuncgradValueError(f"data_parallel: `{name}` must be >= {minimum}, got {value}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise FuncgradValueError(
            f"data_parallel: `{name}` must be one of {', '.join(map(repr, choices))}, "
            f"got {value!r}"
        )
