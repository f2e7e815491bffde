"""Backend adapters: one small module per library, all building ``Runner``s for a ``Case``.

Every adapter module provides

- ``setup() -> dict``: configure the library (threads, precision) once per worker and
  return ``{"versions": {...}, "settings": [...], "variants": [...]}``;
- ``build(variant, case) -> Runner``, raising ``Unsupported`` for a workload the variant
  cannot run (a missing function, no ``vmap``, ...).

A variant is one column of the tables (``jax`` and ``jax-jit`` are two variants of the jax
adapter, run in the same worker process). New variants (``funcgrad-jit``, ...) are one more
branch in their adapter's ``build`` and one more name in its ``setup``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable
from typing import Any

# Adapter name -> the modules it needs; checked without importing them.
REQUIRES: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "funcgrad": ("funcgrad",),
    "autograd": ("autograd",),
    "jax": ("jax", "jaxlib"),
    "torch": ("torch",),
}
BACKENDS = tuple(REQUIRES)
# The module whose import time is reported (numpy is the baseline itself).
IMPORT_MODULE: dict[str, str] = {"funcgrad": "funcgrad", "autograd": "autograd", "jax": "jax",
                                 "torch": "torch"}  # fmt: skip


class Unsupported(Exception):
    """The variant cannot run this workload; the message says why."""


@dataclasses.dataclass
class Runner:
    """One variant built for one case: zero-argument callables over prepared inputs.

    ``grad`` computes the loss and gradients (the Adam step, or per-example gradients,
    as the workload's ``kind`` says) and returns only when the result is ready;
    ``forward`` computes the loss alone; ``result`` turns ``grad``'s output into the flat
    list of numpy arrays that is compared with the numpy floor's; ``extra`` holds further
    timed calls (``"fd"``: a finite-difference gradient).
    """

    grad: Callable[[], Any]
    forward: Callable[[], Any]
    result: Callable[[Any], list[Any]]
    extra: dict[str, Callable[[], Any]] = dataclasses.field(default_factory=dict)


def available(name: str) -> str | None:
    """``None`` if adapter ``name`` can run here, else the reason it cannot."""
    missing = [m for m in REQUIRES[name] if importlib.util.find_spec(m) is None]
    return f"not importable: {', '.join(missing)}" if missing else None


def flat(loss: Any, grads: Any) -> list[Any]:
    """The loss followed by the gradient leaves (a tuple of arrays)."""
    return [loss, *grads]


def unsupported_kind(variant: str, kind: str) -> Unsupported:
    return Unsupported(f"{variant} has no {kind!r} implementation")
