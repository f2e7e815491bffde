"""The reverse-mode user functions: ``vjp``, ``grad``, ``value_and_grad``.

They flatten pytrees, check inputs (float dtypes) and outputs (real scalars for ``grad``),
and run ``reverse.vjp_flat``. Imports core, tree, primitives and ``transforms.reverse``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.trace import Tracer
from ..primitives.shape import zeros_like
from ..tree import PyTreeDef, flatten, unflatten
from .reverse import as_input_array, check_differentiable, vjp_flat


def to_output(x: Any) -> Any:
    """Transformation outputs are ndarrays: numpy scalars and Python numbers become 0-d."""
    if isinstance(x, (np.ndarray, Tracer)):
        return x
    return np.asarray(x)


def fun_name(fun: Callable) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def split_aux(out: Any, fname: str, who: str) -> tuple[Any, Any]:
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise FuncgradTypeError(
            f"{who} with has_aux=True requires `{fname}` to return a pair (output, aux), "
            f"but it returned {type(out).__name__}"
        )
    return out[0], out[1]


def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate ``fun(*primals)`` and return its vector-Jacobian product function.

    Args:
      fun: a function of pytrees of float arrays returning a pytree of arrays (or
        ``(out, aux)`` with ``has_aux``).
      primals: the arguments; every leaf must have a float dtype.

    Returns:
      ``(out, vjp_fun)`` or ``(out, vjp_fun, aux)``; ``vjp_fun(cotangent)``, with
      ``cotangent`` shaped like ``out``, returns a tuple with one cotangent per primal.

    Raises:
      TypeError: a primal leaf is not float; ValueError: the cotangent's structure or
      shapes differ from ``out``'s.
    """
    flat, in_tree = flatten(primals)
    for i, x in enumerate(flat):
        check_differentiable(x, lambda i=i: _leaf_position(in_tree, i, "primal"), "vjp")
    flat = [as_input_array(x) for x in flat]
    name = fun_name(fun)
    out_tree_box: list[PyTreeDef] = []

    def flat_fun(tracers: list) -> tuple[list, Any]:
        out = fun(*unflatten(in_tree, tracers))
        aux = None
        if has_aux:
            out, aux = split_aux(out, name, "vjp")
        out_flat, out_tree = flatten(out)
        out_tree_box.append(out_tree)
        return out_flat, aux

    out_vals, pullback, aux = vjp_flat(flat_fun, flat)
    out_tree = out_tree_box[0]
    out_vals = [to_output(o) for o in out_vals]

    def vjp_fun(cotangent: Any) -> tuple:
        ct_flat, ct_tree = flatten(cotangent)
        if ct_tree != out_tree:
            raise FuncgradValueError(
                f"vjp: the cotangent has structure {ct_tree} but `{name}` returned {out_tree}"
            )
        for i, (c, o) in enumerate(zip(ct_flat, out_vals, strict=True)):
            if np.shape(c) != np.shape(o):
                raise FuncgradValueError(
                    f"vjp: cotangent leaf {i} has shape {np.shape(c)} but the output of "
                    f"`{name}` there has shape {np.shape(o)}"
                )
        grads = pullback(ct_flat)
        grads = [
            to_output(zeros_like(p) if g is None else g) for g, p in zip(grads, flat, strict=True)
        ]
        return tuple(unflatten(in_tree, grads))

    out = unflatten(out_tree, out_vals)
    return (out, vjp_fun, aux) if has_aux else (out, vjp_fun)


def _leaf_position(treedef: PyTreeDef, i: int, what: str) -> str:
    if all(c.is_leaf for c in treedef.children):
        return f"{what} {i}"
    return f"leaf {i} of the {what}s"


def _argnums(argnums: int | Sequence[int], nargs: int, who: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not isinstance(n, (int, np.integer)) or not -nargs <= n < nargs:
            raise FuncgradValueError(
                f"{who}: argnums={argnums!r} is out of range for a call with {nargs} "
                "positional arguments"
            )
    return tuple(int(n) % nargs for n in nums)


def _arg_label(fun: Callable, i: int) -> str:
    try:
        params = list(inspect.signature(fun).parameters)
        return f"argument {i} (`{params[i]}`)" if i < len(params) else f"argument {i}"
    except (TypeError, ValueError):
        return f"argument {i}"


def _check_args(fun: Callable, args: Sequence[Any], nums: tuple[int, ...], who: str) -> None:
    for i in nums:
        leaves, tdef = flatten(args[i])
        for j, x in enumerate(leaves):
            check_differentiable(x, lambda i=i, j=j, tdef=tdef: _label(fun, i, j, tdef), who)


def _label(fun: Callable, i: int, j: int, tdef: PyTreeDef) -> str:
    label = _arg_label(fun, i)
    return label if tdef.is_leaf else f"{label}, leaf {j}"


def value_and_grad(
    fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable:
    """Return a function computing ``fun`` and its gradient in one pass.

    Args:
      fun: returns a real scalar (0-d array or float), or ``(scalar, aux)`` when
        ``has_aux`` is true.
      argnums: int or tuple of ints; which positional arguments to differentiate.

    Returns:
      A function with ``fun``'s signature returning ``(value, grads)`` (or
      ``((value, aux), grads)``); ``grads`` has the pytree structure, shapes and float
      dtypes of the selected arguments (a tuple of them for a tuple ``argnums``).

    Raises:
      TypeError: if ``fun`` returns a non-scalar or complex value, or a selected argument
        is not float (the message names the argument and its dtype).

    Example:
      >>> import numpy as np
      >>> value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))[1]
      array([2., 4.])
    """
    name = fun_name(fun)
    who = "grad"

    def value_and_grad_fun(*args: Any, **kwargs: Any) -> tuple:
        nums = _argnums(argnums, len(args), who)
        _check_args(fun, args, nums, who)

        def partial_fun(*diff_args: Any) -> Any:
            full = list(args)
            for i, a in zip(nums, diff_args, strict=True):
                full[i] = a
            out = fun(*full, **kwargs)
            if has_aux:
                out, aux = split_aux(out, name, who)
                return out, aux
            return out, None

        out, pullback, aux = vjp(partial_fun, *(args[i] for i in nums), has_aux=True)
        _check_scalar(out, name)
        grads = pullback(np.ones((), dtype=out.dtype))
        g = grads[0] if isinstance(argnums, int) else grads
        return ((out, aux), g) if has_aux else (out, g)

    value_and_grad_fun.__name__ = f"value_and_grad({name})"
    value_and_grad_fun.__doc__ = fun.__doc__
    return value_and_grad_fun


def _check_scalar(out: Any, name: str) -> None:
    shape = getattr(out, "shape", None)
    if shape is None:
        raise FuncgradTypeError(
            f"grad requires `{name}` to return a scalar array, but it returned a "
            f"{type(out).__name__}; if it returns (loss, aux) pass has_aux=True"
        )
    if shape != ():
        raise FuncgradTypeError(
            f"grad requires a scalar output, but `{name}` returned shape {tuple(shape)}; "
            "reduce it (e.g. `.sum()`) or use `jacrev`/`vjp`."
        )
    dtype = np.dtype(out.dtype)
    if not np.issubdtype(dtype, np.floating):
        raise FuncgradTypeError(
            f"grad requires a real float scalar output, but `{name}` returned dtype "
            f"{dtype.name}; take the real part or use `vjp`"
        )


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Return a function computing the gradient of scalar-valued ``fun``.

    Args:
      fun: returns a real scalar, or ``(scalar, aux)`` when ``has_aux`` is true.
      argnums: int or tuple of ints; which positional arguments to differentiate.

    Returns:
      A function with ``fun``'s signature returning the gradient (``(grads, aux)`` with
      ``has_aux``), with the structure, shapes and float dtypes of the selected arguments.

    Raises:
      TypeError: as ``value_and_grad``.

    Example:
      >>> grad(lambda x: x ** 3)(2.0)
      array(12.)
    """
    vg = value_and_grad(fun, argnums, has_aux)

    def grad_fun(*args: Any, **kwargs: Any) -> Any:
        out, g = vg(*args, **kwargs)
        return (g, out[1]) if has_aux else g

    grad_fun.__name__ = f"grad({fun_name(fun)})"
    grad_fun.__doc__ = fun.__doc__
    return grad_fun
