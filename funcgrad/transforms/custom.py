"""User-defined derivative rules: ``custom_vjp`` and ``custom_jvp``.

Each is a ``CallPrimitive``: with nothing traced it just calls the function; otherwise
every trace handles the call with its meaning, so the rule applies in every composition:

=================  ====================  ====================  =======================
call               reverse (grad, vjp)   forward (jvp)         batching (vmap)
=================  ====================  ====================  =======================
custom_vjp         fwd now, bwd later    refused (as in JAX)   the rule, batched
custom_jvp         the rule, transposed  the rule              the rule, batched
=================  ====================  ====================  =======================

and graph tracing (``make_graph``, ``jit``) records each as one equation that keeps its
rule. A rule cannot speak for the derivative of a traced value its function closes over:
that is an error naming the value (pass it as an argument), as in JAX.
Imports core, tree and the other transformations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.primitive import CallPrimitive
from ..core.rules import VJP
from ..primitives.reductions import sum_
from ..primitives.shape import move_axis, zeros_like
from ..tree import PyTreeDef, flatten, flatten_up_to, unflatten
from . import batching, forward, reverse
from ._common import flatten_fun, unwrap
from .calls import CallSite, batched, closure_error, handle, owns, untraced_call, vjp_of

_NONDIFF = "nondiff_argnums"  # how errors name the static positions of a custom rule

# --- custom_vjp ----------------------------------------------------------------------

custom_vjp_call_p = CallPrimitive("custom_vjp_call")


def _custom_vjp_vjp(out_bar, out, *args, bwd, res, name, **params):
    del out, params
    return bwd(res, list(out_bar), args, name)


VJP.define_joint(custom_vjp_call_p, _custom_vjp_vjp)
_CUSTOM_VJP_RULE = VJP.lookup(custom_vjp_call_p)


def _custom_vjp_reverse(trace: reverse.ReverseTrace, fun, args, params):
    vals, parents = reverse.parents_of(trace, args)
    start = len(trace.tape)
    outs, res = params["fwd"](*vals)
    if len(trace.tape) > start or owns(outs, trace):
        error = closure_error("custom_vjp function", params["name"], fun, vals, trace)
        del trace.tape[start:]
        raise error
    node_params = {"bwd": params["bwd"], "res": res, "name": params["name"]}
    return trace.record(custom_vjp_call_p, _CUSTOM_VJP_RULE, node_params, vals, outs, parents)


def _custom_vjp_forward(trace, fun, args, params):
    del trace, fun, args
    raise FuncgradTypeError(
        f"custom_vjp function `{params['name']}` has only a reverse-mode rule, so forward "
        "mode (jvp, jacfwd, hessian, linearize) cannot differentiate it (JAX refuses too). "
        "Define it with fg.custom_jvp instead (reverse mode is derived from that rule), or "
        "use jacrev."
    )


def _custom_vjp_batch(trace: batching.BatchTrace, fun, args, params):
    vals, dims = unwrap(trace, args)
    size = trace.axis_size
    fwd, bwd = params["fwd"], params["bwd"]

    def batched_fwd(*xs: Any) -> tuple[list, Any]:
        return batching.vmap(fwd, in_axes=tuple(dims), out_axes=0, axis_size=size)(*xs)

    def batched_bwd(res: Any, out_bar: list, xs: Sequence[Any], name: str) -> list:
        def one(r: Any, g: list, *x: Any) -> list:
            return bwd(r, g, x, name)

        cts = batching.vmap(one, in_axes=(0, 0, *dims), out_axes=0, axis_size=size)(
            res, out_bar, *xs
        )
        # cotangents come batched on axis 0: sum over the batch for an unbatched input
        return [
            None if c is None else sum_(c, (0,)) if d is None else move_axis(c, 0, d)
            for c, d in zip(cts, dims, strict=True)
        ]

    outs = custom_vjp_call_p.bind(
        *vals, fun=batched(fun, dims, size), **{**params, "fwd": batched_fwd, "bwd": batched_bwd}
    )
    return [batching.BatchTracer(trace, o, 0) for o in outs]


handle(
    custom_vjp_call_p,
    reverse=_custom_vjp_reverse,
    forward=_custom_vjp_forward,
    batching=_custom_vjp_batch,
)


class custom_vjp:
    """Decorator: a function with a user-defined reverse-mode rule.

    ``f.defvjp(fwd, bwd)`` with ``fwd(*args) -> (out, residuals)`` and
    ``bwd(residuals, g) -> tuple of cotangents, one per (non-static) argument`` (None, or
    None leaves, for zero). With ``nondiff_argnums``, those arguments are passed through
    unchanged and ``bwd`` receives them first: ``bwd(*nondiff, residuals, g)`` (JAX's
    convention). The rule applies under ``grad``, ``vjp``, ``vmap`` of either and graph
    tracing; forward mode raises (define a ``custom_jvp`` for it).

    Example::

        @fg.custom_vjp
        def f(x):
            return fnp.sin(x)

        def f_fwd(x):
            return fnp.sin(x), fnp.cos(x)        # (output, residuals)

        def f_bwd(cos_x, g):
            return (g * cos_x,)                   # one cotangent per argument

        f.defvjp(f_fwd, f_bwd)

    Raises:
      TypeError: the function closes over a value being differentiated (pass it as an
        argument), ``bwd`` returns the wrong number or structure of cotangents, or forward
        mode meets the function.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, g) -> cotangents``."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        site = CallSite(self.fun, args, self.nondiff_argnums, "custom_vjp function", _NONDIFF)
        fwd, bwd, name = self.fwd, self.bwd, site.name
        if fwd is None or bwd is None:
            raise FuncgradTypeError(
                f"custom_vjp function `{name}` has no rule: call {name}.defvjp(fwd, bwd) first"
            )
        if not site.traced:
            return untraced_call(site)
        flat_fun, out_tree = flatten_fun(lambda *dyn: self.fun(*site.full(dyn)), site.in_tree)

        def flat_fwd(*leaves: Any) -> tuple[list, Any]:
            out, res = _fwd_pair(fwd(*site.from_leaves(leaves)), name)
            out_leaves, treedef = flatten(out)
            out_tree.record(treedef)
            return out_leaves, res

        def flat_bwd(res: Any, out_bar: list, xs: Sequence[Any], name: str) -> list:
            cts = bwd(*site.static_values, res, unflatten(out_tree(), out_bar))
            return _flat_cotangents(cts, site.in_tree, xs, name)

        outs = custom_vjp_call_p.bind(
            *site.flat, fun=flat_fun, fwd=flat_fwd, bwd=flat_bwd, name=name
        )
        return unflatten(out_tree(), list(outs))


def _fwd_pair(out: Any, name: str) -> tuple[Any, Any]:
    if not (isinstance(out, tuple) and len(out) == 2):
        raise FuncgradTypeError(
            f"custom_vjp `{name}`: fwd must return a pair (output, residuals), got "
            f"{type(out).__name__}"
        )
    return out


def _flat_cotangents(cts: Any, in_tree: PyTreeDef, xs: Sequence[Any], name: str) -> list:
    """``bwd``'s cotangents, checked against the arguments and flattened to their leaves."""
    n = len(in_tree.children)
    if not isinstance(cts, (tuple, list)) or len(cts) != n:
        raise FuncgradTypeError(
            f"custom_vjp `{name}`: bwd must return a tuple with one cotangent per argument "
            f"({n}), got {type(cts).__name__}"
            + (f" of length {len(cts)}" if isinstance(cts, (tuple, list)) else "")
        )
    flat: list[Any] = []
    positions: list[int] = []
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
    for a, c, i in zip(xs, flat, positions, strict=True):
        if c is not None and np.shape(c) != np.shape(a):
            raise FuncgradValueError(
                f"custom_vjp `{name}`: bwd returned a cotangent of shape {np.shape(c)} for "
                f"argument {i}, of shape {np.shape(a)}"
            )
    return flat


# --- custom_jvp ----------------------------------------------------------------------

custom_jvp_call_p = CallPrimitive("custom_jvp_call")


def _custom_jvp_vjp(out_bar, out, *args, jvp, name):
    # Reverse mode from the forward rule: the VJP of the (linear) map tangents -> out_dot.
    del out, name
    primals = list(args)
    zeros = [zeros_like(a) for a in primals]
    return vjp_of(lambda *t: jvp(primals, list(t))[1], zeros, list(out_bar))


VJP.define_joint(custom_jvp_call_p, _custom_jvp_vjp)
_CUSTOM_JVP_RULE = VJP.lookup(custom_jvp_call_p)


def _custom_jvp_reverse(trace: reverse.ReverseTrace, fun, args, params):
    vals, parents = reverse.parents_of(trace, args)
    start = len(trace.tape)
    outs = fun(*vals)
    if len(trace.tape) > start or owns(outs, trace):
        error = closure_error("custom_jvp function", params["name"], fun, vals, trace)
        del trace.tape[start:]
        raise error
    return trace.record(custom_jvp_call_p, _CUSTOM_JVP_RULE, dict(params), vals, outs, parents)


def _custom_jvp_forward(trace: forward.JVPTrace, fun, args, params):
    primals, tangents = unwrap(trace, args)
    tangents = [zeros_like(p) if t is None else t for p, t in zip(primals, tangents, strict=True)]
    outs, out_dots = params["jvp"](primals, tangents)
    if owns(outs, trace) or owns(out_dots, trace):
        raise closure_error("custom_jvp function", params["name"], fun, primals, trace)
    return [trace.wrap(o, d) for o, d in zip(outs, out_dots, strict=True)]


def _custom_jvp_batch(trace: batching.BatchTrace, fun, args, params):
    vals, dims = unwrap(trace, args)
    size, jvp = trace.axis_size, params["jvp"]

    def batched_jvp(primals: list, tangents: list) -> tuple[list, list]:
        def one(*pt: Any) -> tuple[list, list]:
            n = len(pt) // 2
            return jvp(list(pt[:n]), list(pt[n:]))

        # a tangent has its primal's layout (batched where the primal is)
        axes = (*dims, *dims)
        return batching.vmap(one, in_axes=axes, out_axes=0, axis_size=size)(*primals, *tangents)

    outs = custom_jvp_call_p.bind(
        *vals, fun=batched(fun, dims, size), **{**params, "jvp": batched_jvp}
    )
    return [batching.BatchTracer(trace, o, 0) for o in outs]


handle(
    custom_jvp_call_p,
    reverse=_custom_jvp_reverse,
    forward=_custom_jvp_forward,
    batching=_custom_jvp_batch,
)


class custom_jvp:
    """Decorator: a function with a user-defined forward-mode rule (reverse mode derived).

    ``f.defjvp(rule)`` with ``rule(primals, tangents) -> (out, tangent_out)``, where
    ``primals`` and ``tangents`` are tuples with one entry per (non-static) argument; or
    ``f.defjvps(*rules)`` with one ``rule_i(t_i, out, *primals) -> contribution`` per
    argument (None: no derivative), summed. The rule must be linear in the tangents. With
    ``nondiff_argnums``, those arguments come first: ``rule(*nondiff, primals, tangents)``.
    The rule applies under ``jvp``, ``grad`` (transposed), ``vmap`` and graph tracing.

    Raises:
      TypeError: the function closes over a value being differentiated (pass it as an
        argument).
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.rule: Callable | None = None

    def defjvp(self, rule: Callable) -> Callable:
        """Set the JVP rule; returns it, so it can be used as a decorator."""
        self.rule = rule
        return rule

    def defjvps(self, *rules: Callable | None) -> None:
        """One rule per argument, ``rule_i(t_i, out, *primals) -> out_dot contribution``."""

        def joint(*args: Any) -> tuple[Any, Any]:
            primals, tangents = args[-2], args[-1]
            out = self.fun(*args[:-2], *primals)
            total = None
            for rule, t in zip(rules, tangents, strict=True):
                if rule is None:
                    continue
                c = rule(t, out, *primals)
                total = c if total is None else _tree_add(total, c)
            return out, _tree_zeros(out) if total is None else total

        self.rule = joint

    def __call__(self, *args: Any) -> Any:
        site = CallSite(self.fun, args, self.nondiff_argnums, "custom_jvp function", _NONDIFF)
        rule, name = self.rule, site.name
        if rule is None:
            raise FuncgradTypeError(
                f"custom_jvp function `{name}` has no rule: call {name}.defjvp(rule) first"
            )
        if not site.traced:
            return untraced_call(site)
        flat_fun, out_tree = flatten_fun(lambda *dyn: self.fun(*site.full(dyn)), site.in_tree)

        def flat_jvp(primals: list, tangents: list) -> tuple[list, list]:
            p = tuple(unflatten(site.in_tree, primals))
            t = tuple(unflatten(site.in_tree, tangents))
            out, out_dot = rule(*site.static_values, p, t)
            out_leaves, treedef = flatten(out)
            out_tree.record(treedef)
            return out_leaves, flatten_up_to(treedef, out_dot)

        outs = custom_jvp_call_p.bind(*site.flat, fun=flat_fun, jvp=flat_jvp, name=name)
        return unflatten(out_tree(), list(outs))


def _tree_add(a: Any, b: Any) -> Any:
    la, ta = flatten(a)
    return unflatten(ta, [x + y for x, y in zip(la, flatten_up_to(ta, b), strict=True)])


def _tree_zeros(a: Any) -> Any:
    la, ta = flatten(a)
    return unflatten(ta, [zeros_like(x) for x in la])
