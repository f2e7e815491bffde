"""Derivative testing as a product feature: ``check_grads`` and ``numerical_grad``.

``funcgrad.testing.strategies`` (needs hypothesis) has strategies for derivative tests.
"""

from .check_grads import check_grads as check_grads
from .numerical import numerical_grad as numerical_grad
