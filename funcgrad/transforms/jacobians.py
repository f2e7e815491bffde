"""``jacfwd``, ``jacrev`` and ``hessian``: one batched pass each (vmap over jvp / vjp).

The Jacobian of an array function has shape ``out.shape + in.shape``; with pytrees the
output structure is outermost and the input structure inside, as in JAX.
Imports tree, primitives and the other transformations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

import numpy as np

from ..core.errors import api_boundary
from ..tree import flatten, unflatten
from ._common import fresh_outputs, fun_name, split_aux, substitute
from .batching import vmap
from .differentiate import argnums_tuple, check_args, vjp
from .forward import jvp

P = ParamSpec("P")  # the transformed function's parameters, kept by the result


def _basis(leaves: list) -> tuple[list, int]:
    """Identity basis over all entries of ``leaves``: one batch of tangents per leaf."""
    sizes = [int(np.size(x)) for x in leaves]
    total = sum(sizes)
    eye = np.eye(total)
    out, start = [], 0
    for x, n in zip(leaves, sizes, strict=True):
        dtype = x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
        block = eye[:, start : start + n].astype(dtype, copy=False)
        out.append(block.reshape((total, *np.shape(x))))
        start += n
    return out, total


def jacfwd(
    fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[P, Any]:
    """Jacobian of ``fun`` by forward mode: one ``vmap`` of ``jvp`` over the input basis.

    Returns a function giving the Jacobian (``(jacobian, aux)`` with ``has_aux``, where
    ``fun`` returns ``(out, aux)``); for array input and output its shape is
    ``out.shape + in.shape``. Efficient when inputs are fewer than outputs.
    """
    return _jacobian(fun, argnums, forward=True, has_aux=has_aux)


def jacrev(
    fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[P, Any]:
    """Jacobian of ``fun`` by reverse mode: one ``vmap`` of the VJP over the output basis.

    Returns a function giving the Jacobian (``(jacobian, aux)`` with ``has_aux``); for
    array input and output its shape is ``out.shape + in.shape``. Efficient when outputs
    are fewer than inputs.
    """
    return _jacobian(fun, argnums, forward=False, has_aux=has_aux)


def hessian(
    fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[P, Any]:
    """Hessian of scalar ``fun``: ``jacfwd(jacrev(fun))``; shape ``in.shape + in.shape``.

    With ``has_aux``, ``fun`` returns ``(scalar, aux)`` and the result is ``(hessian, aux)``.
    """
    if not has_aux:
        return jacfwd(jacrev(fun, argnums), argnums)

    def jac_with_aux(*args: P.args, **kwargs: P.kwargs) -> tuple[Any, Any]:
        jac, aux = jacrev(fun, argnums, has_aux=True)(*args, **kwargs)
        return jac, aux

    return jacfwd(jac_with_aux, argnums, has_aux=True)


def _jacobian(
    fun: Callable, argnums: int | Sequence[int], forward: bool, has_aux: bool
) -> Callable:
    who = "jacfwd" if forward else "jacrev"
    name = fun_name(fun)

    @api_boundary
    def jac_fun(*args: Any) -> Any:
        nums = argnums_tuple(argnums, len(args), who)
        check_args(fun, args, nums, who)
        diff = tuple(args[i] for i in nums)

        def with_aux(*d: Any) -> tuple[Any, Any]:
            out = fun(*substitute(args, nums, d))
            return split_aux(out, name, who) if has_aux else (out, None)

        def partial_fun(*d: Any) -> Any:
            return with_aux(*d)[0]

        in_leaves, in_tree = flatten(diff)
        if forward:
            out, aux = with_aux(*diff)
            basis, _ = _basis(in_leaves)

            def push(*t_leaves: Any) -> Any:
                return flatten(jvp(partial_fun, diff, unflatten(in_tree, t_leaves))[1])[0]

            cols = vmap(push, in_axes=0, out_axes=-1)(*basis)
            out_leaves, out_tree = flatten(out)
            result = []
            for c, o in zip(cols, out_leaves, strict=True):
                blocks, start = [], 0
                for x in in_leaves:
                    n = int(np.size(x))
                    block = c if len(in_leaves) == 1 else c[..., start : start + n]
                    blocks.append(_reshape(block, (*np.shape(o), *np.shape(x))))
                    start += n
                result.append(unflatten(in_tree, blocks))
        else:
            out, pullback, aux = vjp(with_aux, *diff, has_aux=True)
            out_leaves, out_tree = flatten(out)
            basis, _ = _basis(out_leaves)

            def pull(*ct_leaves: Any) -> Any:
                return flatten(pullback(unflatten(out_tree, ct_leaves)))[0]

            rows = vmap(pull)(*basis)
            result, start = [], 0
            for o in out_leaves:
                n = int(np.size(o))
                blocks = [
                    # one output leaf: no slicing (no indexing primitive in hessian's graph)
                    _reshape(
                        r if len(out_leaves) == 1 else r[start : start + n],
                        (*np.shape(o), *np.shape(x)),
                    )
                    for r, x in zip(rows, in_leaves, strict=True)
                ]
                result.append(unflatten(in_tree, blocks))
                start += n
        jac = unflatten(out_tree, [_one_or_tuple(r, argnums) for r in result])
        if has_aux:
            aux_leaves, aux_tree = flatten(aux)
            return jac, unflatten(aux_tree, fresh_outputs(aux_leaves))
        return jac

    jac_fun.__name__ = f"{who}({name})"
    return jac_fun


def _one_or_tuple(per_arg: Any, argnums: int | Sequence[int]) -> Any:
    return per_arg[0] if isinstance(argnums, (int, np.integer)) else tuple(per_arg)


def _reshape(x: Any, shape: tuple[int, ...]) -> Any:
    from ..primitives.shape import reshape

    return fresh_outputs([reshape(x, shape)])[0]
