"""funcgrad.scipy: differentiable versions of the scipy functions autodiff users reach for.

As ``jax.scipy``: ``special``, ``stats``, ``signal``, ``integrate`` and ``linalg``, each
loaded on first use (``funcgrad.scipy.special.logsumexp``). scipy itself is not needed.
Layer 5 (a public face): may import every layer above it.
"""

from typing import TYPE_CHECKING

_SUBMODULES = ("integrate", "linalg", "signal", "special", "stats")

if TYPE_CHECKING:
    from . import (
        integrate as integrate,
        linalg as linalg,
        signal as signal,
        special as special,
        stats as stats,
    )


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'funcgrad.scipy' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(_SUBMODULES)
