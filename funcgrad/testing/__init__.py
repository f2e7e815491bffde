"""Derivative testing as a product feature: ``check_grads`` and ``numerical_grad``.

``funcgrad.testing.strategies`` (needs hypothesis) has strategies for derivative tests.
"""

from typing import TYPE_CHECKING

from ..core.namespace import public_namespace
from .check_grads import check_grads as check_grads
from .numerical import numerical_grad as numerical_grad

__all__ = ["check_grads", "numerical_grad"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
