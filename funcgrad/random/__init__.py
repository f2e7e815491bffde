"""Pure, splittable pseudo-random keys: the same key always gives the same numbers.

A key is a ``uint32`` array of shape (2,), a value: nothing here holds state. Numbers come
from numpy's Philox counter-based generator keyed by the key and a purpose tag, so
sampling, ``split`` and ``fold_in`` draw from independent streams. Philox is specified bit
for bit, so the raw draws (and ``key``, ``split``, ``fold_in``, ``randint``, ``uniform``,
``permutation``, ``choice``) agree on every platform; distributions that pass through
``exp``/``log`` agree wherever numpy's math functions do (they differ by at most an ulp).
Distributions follow ``jax.random``'s names, signatures and defaults (float64 where JAX
uses its default float). Imports numpy and funcgrad's error classes.
``dir(funcgrad.random)`` lists exactly ``__all__``.
"""

from typing import TYPE_CHECKING

from ..core.namespace import public_namespace
from ._continuous import (
    exponential as exponential,
    gumbel as gumbel,
    multivariate_normal as multivariate_normal,
    normal as normal,
    truncated_normal as truncated_normal,
    uniform as uniform,
)
from ._discrete import (
    bernoulli as bernoulli,
    categorical as categorical,
    choice as choice,
    permutation as permutation,
    randint as randint,
)
from ._keys import (
    Key as Key,
    KeyReuseError as KeyReuseError,
    debug_key_reuse as debug_key_reuse,
    fold_in as fold_in,
    key as key,
    split as split,
)

__all__ = [
    "Key",
    "KeyReuseError",
    "bernoulli",
    "categorical",
    "choice",
    "debug_key_reuse",
    "exponential",
    "fold_in",
    "gumbel",
    "key",
    "multivariate_normal",
    "normal",
    "permutation",
    "randint",
    "split",
    "truncated_normal",
    "uniform",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
