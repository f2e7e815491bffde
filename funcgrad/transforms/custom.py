"""User-defined derivative rules and rematerialisation: ``custom_vjp``, ``custom_jvp``,
``checkpoint``.

Each is a *call*: with no tracer among its arguments it simply calls the function; otherwise
the innermost trace handles it through ``Trace.process_call``. Traces without a handler
for a kind run the function on their tracers (e.g. ``vmap`` of a ``custom_vjp`` function).
The reverse and forward traces have handlers, registered here, that record a node whose
pseudo-primitive carries a joint VJP rule. Imports core, tree and the transformations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.primitive import Primitive
from ..core.rules import VJP
from ..core.trace import find_top_trace
from ..primitives.shape import zeros_like
from ..tree import PyTreeDef, flatten, flatten_up_to, unflatten
from . import forward, reverse


def _no_impl(*args: Any, **params: Any) -> Any:
    raise AssertionError("call pseudo-primitives are never bound directly")


def _bind_call(kind: str, fun: Callable, args: tuple, params: dict) -> Any:
    """Dispatch a call construct: plain call, or the innermost trace's ``process_call``."""
    flat, in_tree = flatten(args)
    top = find_top_trace(flat)
    if top is None:
        return fun(*args)
    box: list[PyTreeDef] = []

    def flat_fun(*leaves: Any) -> list:
        out_flat, out_tree = flatten(fun(*unflatten(in_tree, leaves)))
        if not box:
            box.append(out_tree)
        return out_flat

    params = dict(params, in_tree=in_tree, out_tree_box=box)
    outs = top.process_call(kind, flat_fun, flat, params)
    return unflatten(box[0], outs)


def _float_positions(vals: list) -> list[int]:
    # Python scalars (no dtype) are constants: they never carry a cotangent.
    return [
        i for i, v in enumerate(vals) if hasattr(v, "dtype") and np.issubdtype(v.dtype, np.inexact)
    ]


def _vjp_of(flat_fun: Callable, vals: list, out_bar: list) -> list:
    """Cotangents of ``flat_fun`` at ``vals`` (None for non-float inputs)."""
    diff = _float_positions(vals)

    def over_diff(tracers: list) -> tuple[list, None]:
        full = list(vals)
        for i, t in zip(diff, tracers, strict=True):
            full[i] = t
        return flat_fun(*full), None

    _, pullback, _ = reverse.vjp_flat(over_diff, [vals[i] for i in diff])
    grads = pullback(out_bar)
    result: list = [None] * len(vals)
    for i, g in zip(diff, grads, strict=True):
        result[i] = g
    return result


# --- checkpoint ----------------------------------------------------------------------

checkpoint_p = Primitive("checkpoint", _no_impl, multiple_results=True)


def _checkpoint_vjp(out_bar, out, *args, fun, **params):
    del out, params
    return _vjp_of(fun, list(args), list(out_bar))  # recompute: nothing was stored


VJP.define_joint(checkpoint_p, _checkpoint_vjp)


def _checkpoint_reverse(fun: Callable, vals: list, params: dict):
    outs = fun(*vals)
    return checkpoint_p, {"fun": fun}, outs


reverse.CALL_HANDLERS["checkpoint"] = _checkpoint_reverse


def checkpoint(fun: Callable) -> Callable:
    """The same function; under reverse mode its intermediates are recomputed, not stored.

    Only the inputs of ``fun`` are kept for the backward pass, where ``fun`` runs again:
    memory for compute, e.g. per layer of a deep network or per step of a long ``scan``.
    """

    @functools.wraps(fun)
    def remat(*args: Any) -> Any:
        return _bind_call("checkpoint", fun, args, {})

    return remat


# --- custom_vjp ----------------------------------------------------------------------

custom_vjp_call_p = Primitive("custom_vjp_call", _no_impl, multiple_results=True)


def _custom_vjp_vjp(out_bar, out, *args, bwd, res, in_tree, out_tree, name):
    del out
    cts = bwd(res, unflatten(out_tree, list(out_bar)))
    if not isinstance(cts, (tuple, list)) or len(cts) != len(in_tree.children):
        raise FuncgradTypeError(
            f"custom_vjp `{name}`: bwd must return a tuple with one cotangent per argument "
            f"({len(in_tree.children)}), got {type(cts).__name__}"
            + (f" of length {len(cts)}" if isinstance(cts, (tuple, list)) else "")
        )
    flat, positions = [], []
    for i, (ct, sub) in enumerate(zip(tuple(cts), in_tree.children, strict=True)):
        try:  # up to the argument's leaves: None there (or for the whole argument) is zero
            leaves = [None] * sub.num_leaves if ct is None else flatten_up_to(sub, ct)
        except ValueError as e:
            raise FuncgradTypeError(
                f"custom_vjp `{name}`: the cotangent bwd returned for argument {i} does not "
                f"have the argument's structure {sub}: {e}"
            ) from None
        flat.extend(leaves)
        positions.extend([i] * len(leaves))
    for a, c, i in zip(args, flat, positions, strict=True):
        if c is not None and np.shape(c) != np.shape(a):
            raise FuncgradValueError(
                f"custom_vjp `{name}`: bwd returned a cotangent of shape {np.shape(c)} for "
                f"argument {i}, of shape {np.shape(a)}"
            )
    return flat


VJP.define_joint(custom_vjp_call_p, _custom_vjp_vjp)


def _custom_vjp_reverse(fun: Callable, vals: list, params: dict):
    in_tree = params["in_tree"]
    out, res = params["fwd"](*unflatten(in_tree, vals))
    outs, out_tree = flatten(out)
    box = params["out_tree_box"]
    if not box:
        box.append(out_tree)
    node_params = {
        "bwd": params["bwd"],
        "res": res,
        "in_tree": in_tree,
        "out_tree": out_tree,
        "name": params["name"],
    }
    return custom_vjp_call_p, node_params, outs


reverse.CALL_HANDLERS["custom_vjp"] = _custom_vjp_reverse


class custom_vjp:
    """Decorator: a function with a user-defined reverse-mode rule.

    Example::

        @fg.custom_vjp
        def f(x):
            return fnp.sin(x)

        def f_fwd(x):
            return fnp.sin(x), fnp.cos(x)        # (output, residuals)

        def f_bwd(cos_x, g):
            return (g * cos_x,)                   # one cotangent per argument

        f.defvjp(f_fwd, f_bwd)
    """

    def __init__(self, fun: Callable) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, g) -> cotangents``."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        if self.fwd is None:
            raise FuncgradTypeError(
                f"custom_vjp function `{self.fun.__name__}` has no rule: call "
                f"{self.fun.__name__}.defvjp(fwd, bwd) first"
            )
        params = {"fwd": self.fwd, "bwd": self.bwd, "name": self.fun.__name__}
        return _bind_call("custom_vjp", self.fun, args, params)


# --- custom_jvp ----------------------------------------------------------------------

custom_jvp_call_p = Primitive("custom_jvp_call", _no_impl, multiple_results=True)


def _custom_jvp_vjp(out_bar, out, *args, rule, in_tree, **params):
    # Reverse mode from the forward rule: the VJP of the (linear) map tangents -> out_dot.
    del out, params
    args = list(args)

    def tangent_map(*t_leaves: Any) -> list:
        primals = tuple(unflatten(in_tree, args))
        tangents = tuple(unflatten(in_tree, t_leaves))
        return flatten(rule(primals, tangents)[1])[0]

    zeros = [zeros_like(a) for a in args]
    return _vjp_of(tangent_map, zeros, list(out_bar))


VJP.define_joint(custom_jvp_call_p, _custom_jvp_vjp)


def _custom_jvp_reverse(fun: Callable, vals: list, params: dict):
    outs = fun(*vals)
    return custom_jvp_call_p, {"rule": params["rule"], "in_tree": params["in_tree"]}, outs


def _custom_jvp_forward(fun: Callable, primals: list, tangents: list, params: dict):
    in_tree = params["in_tree"]
    tangents = [zeros_like(p) if t is None else t for p, t in zip(primals, tangents, strict=True)]
    out, out_dot = params["rule"](
        tuple(unflatten(in_tree, primals)), tuple(unflatten(in_tree, tangents))
    )
    outs, out_tree = flatten(out)
    box = params["out_tree_box"]
    if not box:
        box.append(out_tree)
    return outs, flatten(out_dot)[0]


reverse.CALL_HANDLERS["custom_jvp"] = _custom_jvp_reverse
forward.CALL_HANDLERS["custom_jvp"] = _custom_jvp_forward


class custom_jvp:
    """Decorator: a function with a user-defined forward-mode rule (reverse mode derived).

    ``f.defjvp(rule)`` with ``rule(primals, tangents) -> (out, tangent_out)``, where
    ``primals`` and ``tangents`` are tuples with one entry per argument.
    """

    def __init__(self, fun: Callable) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.rule: Callable | None = None

    def defjvp(self, rule: Callable) -> Callable:
        """Set the JVP rule; returns it, so it can be used as a decorator."""
        self.rule = rule
        return rule

    def __call__(self, *args: Any) -> Any:
        if self.rule is None:
            raise FuncgradTypeError(
                f"custom_jvp function `{self.fun.__name__}` has no rule: call "
                f"{self.fun.__name__}.defjvp(rule) first"
            )
        return _bind_call("custom_jvp", self.fun, args, {"rule": self.rule})
