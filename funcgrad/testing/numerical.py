"""Central finite differences in float64: the reference derivatives for ``check_grads``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import tree


def _as_f64(x: Any) -> Any:
    x = np.asarray(x)
    return x.astype(np.complex128 if np.iscomplexobj(x) else np.float64)


def numerical_grad(f: Callable[..., Any], *args: Any, eps: float = 1e-6) -> tuple:
    """Central-difference gradient of scalar ``f`` with respect to every positional argument.

    Args:
      f: returns a real scalar.
      args: pytrees of float or complex arrays (evaluated in float64 / complex128).
      eps: the step.

    Returns:
      A tuple with one entry per argument, each with that argument's pytree structure and
      its leaves' shapes (float64; complex128 for complex leaves, where the gradient is
      ``df/dRe - i df/dIm``, JAX's convention, which ``funcgrad.grad`` follows).

    Cost: two evaluations of ``f`` per scalar input entry (backprop needs one pass).
    """
    flat, treedef = tree.flatten(args)
    flat = [_as_f64(x) for x in flat]
    grads = []
    for i, x in enumerate(flat):
        g = np.zeros(x.shape, x.dtype)
        for idx in np.ndindex(x.shape):
            g[idx] = _central(f, flat, treedef, i, idx, eps)
            if np.iscomplexobj(x):
                g[idx] -= 1j * _central(f, flat, treedef, i, idx, eps * 1j)
        grads.append(g)
    return tuple(tree.unflatten(treedef, grads))


def _central(f, flat, treedef, i, idx, eps):
    """The central difference along ``eps`` (real, or imaginary for the imaginary part)."""

    def at(delta: complex) -> float:
        leaves = list(flat)
        x = leaves[i].copy()
        x[idx] += delta
        leaves[i] = x
        return float(np.real(f(*tree.unflatten(treedef, leaves))))

    return (at(eps) - at(-eps)) / (2 * abs(eps))


def directional_derivative(
    f: Callable[..., Any], args: tuple, direction: tuple, eps: float = 1e-6
) -> Any:
    """Central difference of (pytree-valued) ``f`` along ``direction`` (same tree as args)."""
    flat, treedef = tree.flatten(args)
    dflat = tree.flatten(direction)[0]
    flat = [_as_f64(x) for x in flat]
    plus = treedef.unflatten([x + eps * d for x, d in zip(flat, dflat, strict=True)])
    minus = treedef.unflatten([x - eps * d for x, d in zip(flat, dflat, strict=True)])
    return tree.map(
        lambda a, b: (
            (np.asarray(a, np.complex128 if np.iscomplexobj(a) else np.float64) - b) / (2 * eps)
        ),
        f(*plus),
        f(*minus),
    )
