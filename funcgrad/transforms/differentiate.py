"""The reverse-mode user functions: ``vjp``, ``grad``, ``value_and_grad``.

They check their inputs (float leaves, argnums, cotangents), flatten pytrees and run
``reverse.vjp_flat``; results are fresh arrays. Imports core, tree, primitives and
``transforms.reverse``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

import numpy as np

from ..core.avals import is_float_dtype
from ..core.errors import FuncgradTypeError, FuncgradValueError, api_boundary
from ..core.trace import Tracer
from ..primitives.shape import zeros_like
from ..tree import PyTreeDef, flatten, unflatten
from ._common import as_input, flatten_fun, fresh_outputs, fun_name, split_aux, substitute
from .reverse import vjp_flat

__all__ = ["grad", "value_and_grad", "vjp"]

P = ParamSpec("P")  # the differentiated function's parameters, kept by its gradient


def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate ``fun(*primals)`` and return its vector-Jacobian product function.

    Args:
      fun: a function of pytrees of float arrays returning a pytree of arrays (or
        ``(out, aux)`` with ``has_aux``).
      primals: the arguments; every leaf must have a float dtype.

    Returns:
      ``(out, vjp_fun)`` or ``(out, vjp_fun, aux)``; ``vjp_fun(cotangent)``, with
      ``cotangent`` shaped like ``out`` (Python scalars and arrays of a castable dtype are
      accepted), returns a tuple with one cotangent per primal. Complex values follow
      JAX's convention: the map is the plain transpose, linear in the cotangent.

    Raises:
      TypeError: a primal leaf is not float; ValueError: the cotangent's structure or
      shapes differ from ``out``'s.

    Example:
      >>> out, f_vjp = vjp(lambda x: x ** 2, 3.0)
      >>> f_vjp(1.0)
      (array(6.),)
    """
    flat, in_tree = flatten(primals)
    for i, x in enumerate(flat):
        check_differentiable(x, functools.partial(_leaf_position, in_tree, i, "primal"), "vjp")
    flat = [as_input(x) for x in flat]
    name = fun_name(fun)
    flat_fun, out_tree = flatten_fun(fun, in_tree, has_aux=has_aux, who="vjp")
    with_aux = flat_fun if has_aux else (lambda *leaves: (flat_fun(*leaves), None))
    out_vals, pullback, aux = vjp_flat(with_aux, flat)
    out_vals = fresh_outputs(out_vals, flat)
    treedef = out_tree()

    @api_boundary
    def vjp_fun(cotangent: Any) -> tuple:
        ct_flat, ct_tree = flatten(cotangent)
        if ct_tree != treedef:
            raise FuncgradValueError(
                f"vjp: the cotangent has structure {ct_tree} but `{name}` returned {treedef}; "
                "pass a cotangent shaped like the output"
            )
        cts = [
            _cotangent(c, o, i, name)
            for i, (c, o) in enumerate(zip(ct_flat, out_vals, strict=True))
        ]
        grads = pullback(cts)
        grads = [zeros_like(p) if g is None else g for g, p in zip(grads, flat, strict=True)]
        return tuple(unflatten(in_tree, fresh_outputs(grads, [*flat, *ct_flat])))

    out = unflatten(treedef, out_vals)
    return (out, vjp_fun, aux) if has_aux else (out, vjp_fun)


def _cotangent(c: Any, out: Any, i: int, name: str) -> Any:
    """A cotangent leaf checked against its output leaf and given the output's dtype."""
    if not isinstance(c, (np.ndarray, Tracer)):
        c = np.asarray(c)
    if np.shape(c) != np.shape(out):
        raise FuncgradValueError(
            f"vjp: cotangent leaf {i} has shape {np.shape(c)} but the output of `{name}` there "
            f"has shape {np.shape(out)}; each cotangent leaf must have its output's shape"
        )
    out_dtype = np.dtype(out.dtype)
    c_dtype = np.dtype(c.dtype)
    if c_dtype == out_dtype:
        return c
    if c_dtype.kind == "c" and out_dtype.kind != "c":
        raise FuncgradTypeError(
            f"vjp: cotangent leaf {i} is complex ({c_dtype.name}) but the output of `{name}` "
            f"there is {out_dtype.name}; a real output takes a real cotangent"
        )
    if not is_float_dtype(out_dtype):
        return None  # an integer or boolean output carries no derivative
    if c_dtype.kind not in "biufc":
        raise FuncgradTypeError(
            f"vjp: cotangent leaf {i} has dtype {c_dtype.name}; give an array of numbers "
            f"castable to {out_dtype.name}"
        )
    from ..primitives.elementwise import astype

    return astype(c, out_dtype)


def check_differentiable(x: Any, position: str | Callable[[], str], fname: str) -> None:
    """Raise a TypeError naming ``position`` unless ``x`` has a float dtype.

    ``position`` may be a function making the label: it is called only on failure.
    """
    dtype = getattr(x, "dtype", None)
    if getattr(dtype, "kind", None) in ("f", "c"):
        return  # the common case, kept cheap: every call of grad checks every leaf
    if callable(position):
        position = position()
    if dtype is None:
        dtype = np.dtype(bool) if isinstance(x, bool) else np.asarray(x).dtype
    kind = np.dtype(dtype).kind
    if kind in "biu":
        raise FuncgradTypeError(
            f"{fname} can only differentiate with respect to float arrays, but {position} "
            f"has dtype {np.dtype(dtype).name}"
            + (" (a Python int or bool)" if isinstance(x, (int, bool)) else "")
            + ". Convert it with x.astype(float) (or pass 1.0 instead of 1), or leave it "
            "out of argnums."
        )
    if not is_float_dtype(dtype):  # a string, a function, an object: not numbers at all
        raise FuncgradTypeError(
            f"{fname} can only differentiate with respect to float arrays, but {position} "
            f"is a {type(x).__name__} (not an array of numbers). In a model, mark such "
            "fields with tree.static_field(); otherwise leave the argument out of argnums."
        )


def _leaf_position(treedef: PyTreeDef, i: int, what: str) -> str:
    if all(c.is_leaf for c in treedef.children):
        return f"{what} {i}"
    return f"leaf {i} of the {what}s"


def argnums_tuple(argnums: int | Sequence[int], nargs: int, who: str) -> tuple[int, ...]:
    """``argnums`` as a tuple of non-negative ints; an error if out of range."""
    nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not -nargs <= n < nargs:
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


def check_args(fun: Callable, args: Sequence[Any], nums: tuple[int, ...], who: str) -> None:
    """Every leaf of the differentiated arguments is a float array (else a TypeError)."""
    for i in nums:
        leaves, tdef = flatten(args[i])
        for j, x in enumerate(leaves):
            check_differentiable(x, functools.partial(_label, fun, i, j, tdef), who)


def _label(fun: Callable, i: int, j: int, tdef: PyTreeDef) -> str:
    label = _arg_label(fun, i)
    return label if tdef.is_leaf else f"{label}, leaf {j}"


def value_and_grad(
    fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[P, tuple[Any, Any]]:
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
      TypeError: if ``fun`` returns a non-scalar or non-real value, or a selected argument
        is not float (the message names the argument and its dtype).

    Example:
      >>> import numpy as np
      >>> value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))[1]
      array([2., 4.])
    """
    name = fun_name(fun)
    known_nums: dict[int, tuple[int, ...]] = {}  # argnums checked, by number of arguments

    @api_boundary
    def value_and_grad_fun(*args: Any, **kwargs: Any) -> tuple:
        # vjp's steps without its public wrapper (one flatten of the arguments, one seed):
        # for a small model this fixed cost is a fifth of the call.
        nums = known_nums.get(len(args))
        if nums is None:
            nums = known_nums[len(args)] = argnums_tuple(argnums, len(args), "grad")
        flat, in_tree = flatten([args[i] for i in nums])
        for x in flat:
            if getattr(getattr(x, "dtype", None), "kind", None) not in ("f", "c"):
                check_args(fun, args, nums, "grad")  # the error names the argument
                break
        flat = [as_input(x) for x in flat]

        def flat_fun(*leaves: Any) -> tuple[list, Any]:
            out = fun(*substitute(args, nums, unflatten(in_tree, leaves)), **kwargs)
            out, aux = split_aux(out, name, "grad") if has_aux else (out, None)
            return [out], aux

        (out,), pullback, aux = vjp_flat(flat_fun, flat)
        if not isinstance(out, (np.ndarray, Tracer)) and flatten(out)[1].is_leaf:
            out = np.asarray(out)  # a Python or numpy scalar
        check_scalar_output(out, name)
        out = fresh_outputs([out], flat)[0]
        seed = np.array(1, dtype=out.dtype)
        grads = pullback([seed])
        grads = [zeros_like(p) if g is None else g for g, p in zip(grads, flat, strict=True)]
        grads = unflatten(in_tree, fresh_outputs(grads, [*flat, seed]))
        g = grads[0] if isinstance(argnums, (int, np.integer)) else tuple(grads)
        return ((out, aux), g) if has_aux else (out, g)

    value_and_grad_fun.__name__ = f"value_and_grad({name})"
    value_and_grad_fun.__doc__ = fun.__doc__
    return value_and_grad_fun


def check_scalar_output(out: Any, name: str) -> None:
    """``grad``'s output is a real float scalar (else a TypeError saying what it was)."""
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
    if dtype.kind == "c":
        raise FuncgradTypeError(
            f"grad requires a real scalar output, but `{name}` returned a complex scalar "
            f"({dtype.name}); return a real loss (e.g. fnp.abs(z) ** 2 or fnp.real(z)), or "
            "use `vjp` for the complex map"
        )
    if dtype.kind != "f":
        raise FuncgradTypeError(
            f"grad requires a float scalar output, but `{name}` returned dtype {dtype.name}, "
            "which carries no derivative (an integer or boolean result, e.g. from argmax, a "
            "comparison or integer inputs); compute the loss in floats"
        )


def grad(
    fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[P, Any]:
    """Return a function computing the gradient of scalar-valued ``fun``.

    Args:
      fun: returns a real scalar, or ``(scalar, aux)`` when ``has_aux`` is true.
      argnums: int or tuple of ints; which positional arguments to differentiate.

    Returns:
      A function with ``fun``'s signature returning the gradient (``(grads, aux)`` with
      ``has_aux``), with the structure, shapes and float dtypes of the selected arguments.
      For a complex argument ``z`` of a real ``fun`` the result is JAX's (the conjugate
      of the steepest-ascent direction: step along ``conj(grad)`` to increase ``fun``).

    Raises:
      TypeError: as ``value_and_grad``.

    Example:
      >>> grad(lambda x: x ** 3)(2.0)
      array(12.)
    """
    vg = value_and_grad(fun, argnums, has_aux)

    @api_boundary
    def grad_fun(*args: Any, **kwargs: Any) -> Any:
        out, g = vg(*args, **kwargs)
        return (g, out[1]) if has_aux else g

    grad_fun.__name__ = f"grad({fun_name(fun)})"
    grad_fun.__doc__ = fun.__doc__
    return grad_fun
