"""``sweep``: one pure training function over many configurations, as Dask tasks.

``train_fn`` is sent once; each configuration (and its key) travels in its own task, so
the scheduler can re-run it elsewhere if its worker dies, and results come back in the
order of the configurations whatever the order they finish in.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import distributed

from .. import random
from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..tree import PyTree
from ._cluster import (
    Box,
    check_client,
    check_no_tracers,
    check_timeout,
    collect,
    send_function,
    task_name,
)


def sweep(
    train_fn: Callable[..., Any],
    configs: Sequence[PyTree],
    client: distributed.Client,
    *,
    key: Any = None,
    retries: int = 2,
    timeout: float | None = None,
    progress: bool | TextIO = True,
) -> list[PyTree]:
    """Run ``train_fn`` on every configuration as a Dask task; results in ``configs`` order.

    Each configuration is a pytree (a dict of hyperparameters, arrays, a ``Dense`` model,
    a ``funcgrad.random`` key ...). With ``key`` given, configuration ``i`` also gets its
    own key ``funcgrad.random.fold_in(key, i)``: ``train_fn(config, key_i)``, so a sweep is
    reproducible and each run's randomness independent. ``train_fn`` must be pure and
    picklable; it is sent to the cluster once.

    On one machine with configurations of equal shapes, ``fg.vmap`` over them is often
    faster (one numpy call per primitive for all of them, no processes); see
    ``docs/distributed.md``.

    Args:
      train_fn: ``train_fn(config) -> result`` (or ``train_fn(config, key)``); any pytree.
      configs: a sequence of configurations.
      client: a synchronous ``distributed.Client``.
      key: a ``funcgrad.random`` key to derive one key per configuration from, or None.
      retries: how often the scheduler re-runs a configuration whose task raised.
      timeout: seconds to wait for the whole sweep, or ``None`` for no limit.
      progress: show a progress line on stderr (``True``), on a given text stream, or
        not at all (``False``).

    Returns:
      A list with ``train_fn``'s result for each configuration, in order.

    Raises:
      ClusterTimeoutError: when the sweep does not finish within ``timeout``.
      FuncgradTypeError: for a ``train_fn`` that is not callable, ``configs`` that is not a
        sequence, or a configuration holding funcgrad tracers.
      Any exception ``train_fn`` raises, with a note naming the configuration; the
        configurations still running are cancelled.

    Example:
      >>> local = dict(processes=False, n_workers=2, dashboard_address="127.0.0.1:0")
      >>> with distributed.Client(**local) as client:
      ...     sweep(lambda c: c["lr"] * 10, [{"lr": 0.1}, {"lr": 0.3}], client, progress=False)
      [1.0, 3.0]
    """
    check_client(client, "sweep")
    if not callable(train_fn):
        raise FuncgradTypeError(
            f"sweep: `train_fn` must be callable, got {type(train_fn).__name__}"
        )
    if isinstance(configs, (str, bytes, dict)) or not isinstance(configs, Sequence):
        raise FuncgradTypeError(
            f"sweep: `configs` must be a sequence (list or tuple) of configurations, got "
            f"{type(configs).__name__}; wrap a single configuration in a list"
        )
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise FuncgradValueError(f"sweep: `retries` must be an int >= 0, got {retries!r}")
    check_timeout(timeout, "sweep")
    configs = list(configs)
    check_no_tracers(configs, "configs", "sweep")
    if not configs:
        return []
    keys = [None] * len(configs) if key is None else [random.fold_in(key, i) for i in
                                                       range(len(configs))]  # fmt: skip
    fn_future = send_function(client, train_fn, "train-fn")
    name = task_name("sweep")
    futures = [
        client.submit(
            _run_config, fn_future, Box((config, k)), key=f"{name}-{i}", retries=retries,
            pure=False,
        )
        for i, (config, k) in enumerate(zip(configs, keys, strict=True))
    ]  # fmt: skip

    def describe(i: int) -> str:
        text = repr(configs[i])
        return f"configuration {i} of {len(configs)} ({text[:120]}{'...' * (len(text) > 120)})"

    line = _ProgressLine(progress, len(configs))
    try:
        return collect(
            futures, timeout=timeout, fname="sweep", describe=describe, on_done=line.update
        )
    finally:
        line.close()


def _run_config(train_fn: Callable[..., Any], payload: Box) -> Any:
    """The task: ``train_fn`` on one configuration, on a worker."""
    config, key = payload.value
    return train_fn(config) if key is None else train_fn(config, key)


class _ProgressLine:
    """``sweep: 3/8 done, 1.2 s``: rewritten in place on a terminal, every 10% elsewhere."""

    def __init__(self, progress: bool | TextIO, total: int) -> None:
        self.stream: TextIO | None = sys.stderr if progress is True else progress or None
        self.total = total
        self.start = time.perf_counter()
        self.tty = bool(self.stream is not None and getattr(self.stream, "isatty", bool)())
        self.shown = -1
        self.update(0, total)

    def update(self, done: int, total: int) -> None:
        if self.stream is None:
            return
        tenth = done * 10 // total
        if not self.tty and tenth == self.shown:
            return
        self.shown = tenth
        text = f"sweep: {done}/{total} done, {time.perf_counter() - self.start:.1f} s"
        self.stream.write(f"\r{text}" if self.tty else f"{text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()
