"""funcgrad.scipy: differentiable versions of the scipy functions autodiff users reach for.

As ``jax.scipy``: ``special``, ``stats``, ``signal``, ``integrate`` and ``linalg``, each
loaded on first use (``funcgrad.scipy.special.logsumexp``). scipy itself is not needed.
Layer 5 (a public face): may import every layer above it.
"""

from typing import TYPE_CHECKING

from ..core.namespace import public_namespace

if TYPE_CHECKING:
    from . import (
        integrate as integrate,
        linalg as linalg,
        signal as signal,
        special as special,
        stats as stats,
    )

__all__ = ["integrate", "linalg", "signal", "special", "stats"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__, lazy=__all__)
