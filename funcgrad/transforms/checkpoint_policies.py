"""Policies for ``checkpoint``: which primitives' outputs are saved rather than recomputed.

A policy is a callable ``policy(prim, *avals, **params) -> bool``, asked once per primitive
the checkpointed function applies to its traced inputs during the forward pass: ``prim`` is
the ``Primitive``, ``avals`` the ``ShapedArray`` of each of its inputs, ``params`` its
static parameters. True saves the primitive's output for the backward pass (as a plain
``grad`` would); False recomputes it there from the saved values and the call's inputs.
The names are JAX's (``jax.checkpoint_policies``); "dots" are the contractions: ``matmul``
(``@``, ``dot``, ``tensordot``, ``inner``, ...), ``einsum`` of two or more operands, and
the convolutions (``conv2d`` and the ``correlate`` behind ``fnp.convolve`` and
``funcgrad.scipy.signal``). Imports core and the primitive families.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.namespace import public_namespace
from ..core.primitive import Primitive
from ..primitives.conv import conv2d_p
from ..primitives.correlate import correlate_p
from ..primitives.products import einsum_p, matmul_p

__all__ = [
    "checkpoint_dots",
    "checkpoint_dots_with_no_batch_dims",
    "dots_saveable",
    "dots_with_no_batch_dims_saveable",
    "everything_saveable",
    "nothing_saveable",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)

_CONVOLUTIONS = (conv2d_p, correlate_p)


def everything_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save every output: nothing is recomputed, as if ``checkpoint`` were not used."""
    del prim, avals, params
    return True


def nothing_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save nothing: only the inputs are kept and the whole function runs again in the
    backward pass (``checkpoint``'s default, ``policy=None``)."""
    del prim, avals, params
    return False


def _is_dot(prim: Primitive, avals: tuple) -> bool:
    return prim is matmul_p or (prim is einsum_p and len(avals) > 1)


def dots_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save the outputs of matrix products and convolutions; recompute everything else
    (the elementwise work between them is cheap to redo, the products are not)."""
    del params
    return _is_dot(prim, avals) or prim in _CONVOLUTIONS


def dots_with_no_batch_dims_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save the outputs of matrix products without batch dimensions (a heuristic for
    transformers); recompute everything else, convolutions included.

    A ``matmul`` has batch dimensions when an operand has more than two axes (a stack of
    matrices); an ``einsum`` when a letter of its output appears in two or more operands.
    """
    if prim is matmul_p:
        return all(len(a.shape) <= 2 for a in avals)
    if prim is einsum_p and len(avals) > 1:
        terms, out = params["subscripts"].split("->")
        shared = [c for c in out if sum(c in t for t in terms.split(",")) > 1]
        return not shared
    return False


checkpoint_dots = dots_saveable  # JAX's other name for it
checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable  # likewise
