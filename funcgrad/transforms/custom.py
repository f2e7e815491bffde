"""User-defined derivative rules and rematerialisation: ``custom_vjp``, ``custom_jvp``,
``checkpoint``.

Each is a ``CallPrimitive``: with nothing traced it just calls the function; otherwise
every trace handles the call with its meaning, so the rule (or the rematerialisation)
applies in every composition:

=================  ====================  ====================  =======================
call               reverse (grad, vjp)   forward (jvp)         batching (vmap)
=================  ====================  ====================  =======================
custom_vjp         fwd now, bwd later    refused (as in JAX)   the rule, batched
custom_jvp         the rule, transposed  the rule              the rule, batched
checkpoint         recompute in bwd      inline                the graph, batched
=================  ====================  ====================  =======================

and graph tracing (``make_graph``, ``jit``) records each as one equation that keeps its
rule. ``checkpoint`` traces its function to a graph first: traced values it closes over
become explicit inputs of the call (closure conversion), so it rematerialises whatever it
closes over. A custom rule cannot speak for a closed-over traced value's derivative: that
is an error naming the value (pass it as an argument), as in JAX.
Imports core, tree and the other transformations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.graph import eval_graph
from ..core.primitive import CallPrimitive
from ..core.rules import VJP
from ..core.trace import Tracer, find_top_trace, is_traced, trace_stack
from ..primitives.reductions import sum_
from ..primitives.shape import move_axis, zeros_like
from ..tree import PyTreeDef, flatten, flatten_up_to, unflatten
from . import batching, forward, reverse
from ._common import flatten_fun, fun_name, substitute, unwrap
from .graph import trace as graph_trace

# --- shared ----------------------------------------------------------------------------


def _static_split(
    args: tuple, static: tuple[int, ...], who: str, name: str
) -> tuple[list, list[int]]:
    """The positions of ``args`` that are traced inputs (not in ``static``)."""
    for i in static:
        if not -len(args) <= i < len(args):
            raise FuncgradValueError(
                f"{who} `{name}`: argument number {i} is out of range for a call with "
                f"{len(args)} arguments"
            )
    static = tuple(i % len(args) for i in static) if args else ()
    for i in static:
        if is_traced(flatten(args[i])[0]):
            raise FuncgradTypeError(
                f"{who} `{name}`: argument {i} is declared static (nondiff_argnums/"
                "static_argnums) but holds a traced array; pass traced values as ordinary "
                "arguments"
            )
    return list(static), [i for i in range(len(args)) if i not in static]


def _vjp_of(flat_fun: Callable, vals: list, out_bar: list) -> list:
    """Cotangents of ``flat_fun`` at ``vals`` (None for non-float inputs)."""
    diff = [i for i, v in enumerate(vals) if np.dtype(getattr(v, "dtype", object)).kind in "fc"]

    def over_diff(*tracers: Any) -> tuple[list, None]:
        return flat_fun(*substitute(vals, diff, tracers)), None

    _, pullback, _ = reverse.vjp_flat(over_diff, [vals[i] for i in diff])
    result: list = [None] * len(vals)
    for i, g in zip(diff, pullback(out_bar), strict=True):
        result[i] = g
    return result


def _closure_error(who: str, name: str, fun: Callable, vals: list, trace: Any) -> Exception:
    """The error for a custom rule whose function closes over values of ``trace``."""
    try:  # which closed-over values: trace the function; they are its traced constants
        probe = graph_trace.trace_flat(
            fun, [np_aval(v) for v in vals], [_concrete_or_none(v) for v in vals]
        )
        consts = probe.graph.consts
    except Exception:
        consts = []
    shapes = [str(c.aval) for c in consts if isinstance(c, Tracer) and _belongs_to(c, trace)]
    what = ", ".join(shapes) if shapes else "a value computed from one"
    return FuncgradTypeError(
        f"{who} `{name}` closes over a traced value ({what}) that the transformation being "
        "applied differentiates, and its rule cannot give that value's derivative. Pass the "
        f"value to `{name}` as an argument (and return its cotangent from the rule)."
    )


def _untraced_call(fun: Callable, args: tuple, who: str, name: str) -> Any:
    """A custom-rule function called on untraced arguments: a plain call, unless its
    result carries a derivative it closed over (which its rule cannot account for)."""
    out = fun(*args)
    for leaf in flatten(out)[0]:
        if isinstance(leaf, Tracer) and leaf.carries_derivative:
            raise _closure_error(who, name, lambda: flatten(fun(*args))[0], [], leaf._trace)
    return out


def _belongs_to(t: Tracer, trace: Any) -> bool:
    while isinstance(t, Tracer):
        if t._trace is trace:
            return True
        t = t.lower()[0]
    return False


def np_aval(x: Any) -> Any:
    from ..core.avals import typeof

    return typeof(x)


def _own(outs: Sequence[Any], trace: Any) -> bool:
    return any(isinstance(o, Tracer) and o._trace is trace for o in outs)


def _batched(fun: Callable, dims: list, size: int) -> Callable:
    """``fun`` over flat leaves, vmapped with ``dims``; every output batched on axis 0."""
    return lambda *xs: batching.vmap(fun, in_axes=tuple(dims), out_axes=0, axis_size=size)(*xs)


def _record_in_graph(prim: CallPrimitive) -> Callable:
    """Graph tracing of a call: one equation holding the function's own graph."""

    def handler(trace: Any, fun: Callable, args: Sequence[Any], params: dict) -> Any:
        params.pop("known", None)
        pairs = [trace.atom(a) for a in args]
        atoms = [a for a, _ in pairs]
        known = [k for _, k in pairs]
        avals = [a.aval for a in atoms]
        inner = graph_trace.trace_flat(fun, avals, known, differentiated=trace.differentiated)
        trace.guards.extend(inner.guards)
        out_avals = [a.aval for a in inner.graph.outvars]
        eqn_params = {**params, "graph": inner.graph}
        return list(trace.emit(prim, atoms, eqn_params, out_avals, inner.outs))

    return handler


# --- checkpoint ----------------------------------------------------------------------

checkpoint_p = CallPrimitive("checkpoint")


def _checkpoint_vjp(out_bar, out, *args, policy=None, name="", fun):
    del out, policy, name
    return _vjp_of(fun, list(args), list(out_bar))  # recompute: nothing was stored


VJP.define_joint(checkpoint_p, _checkpoint_vjp)
_CHECKPOINT_RULE = VJP.lookup(checkpoint_p)


def _checkpoint_reverse(trace: reverse.ReverseTrace, fun, args, params):
    known = params.pop("known", None)
    vals, parents = reverse.parents_of(trace, args)
    # The forward values were computed while tracing the graph; at level 0 they are these.
    outs = known if known is not None and trace.level == 0 else fun(*vals)
    return trace.record(
        checkpoint_p, _CHECKPOINT_RULE, {**params, "fun": fun}, vals, outs, parents
    )


def _checkpoint_batch(trace: batching.BatchTrace, fun, args, params):
    params.pop("known", None)
    vals, dims = unwrap(trace, args)
    outs = checkpoint_p.bind(*vals, fun=_batched(fun, dims, trace.axis_size), **params)
    return [batching.BatchTracer(trace, o, 0) for o in outs]


def _checkpoint_inline(trace, fun, args, params):
    del trace, params
    return fun(*args)


reverse.CALL_HANDLERS[checkpoint_p] = _checkpoint_reverse
batching.CALL_HANDLERS[checkpoint_p] = _checkpoint_batch
forward.CALL_HANDLERS[checkpoint_p] = _checkpoint_inline
graph_trace.CALL_HANDLERS[checkpoint_p] = _record_in_graph(checkpoint_p)


def checkpoint(
    fun: Callable, static_argnums: int | Sequence[int] = (), policy: Any = None
) -> Callable:
    """The same function; under reverse mode its intermediates are recomputed, not stored.

    Only the inputs of ``fun`` are kept for the backward pass, where ``fun``'s traced
    program runs again: memory for compute, e.g. per layer of a deep network or per step of
    a long ``scan``. Traced values ``fun`` closes over (model parameters) become inputs of
    the rematerialised call, so they are differentiated too. ``static_argnums`` name
    arguments that are not arrays (flags, sizes): they are passed through unchanged.
    ``policy`` is reserved for saving chosen intermediates (None: save nothing).
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    name = fun_name(fun)

    @functools.wraps(fun)
    def remat(*args: Any) -> Any:
        _, dynamic = _static_split(args, static, "checkpoint", name)
        flat, in_tree = flatten([args[i] for i in dynamic])
        if not trace_stack():
            return fun(*args)  # nothing to differentiate, here or in a closure

        def of_dynamic(*dyn: Any) -> Any:
            return fun(*substitute(args, dynamic, dyn))

        flat_fun, out_tree = flatten_fun(of_dynamic, in_tree)
        known = [_concrete_or_none(x) for x in flat]
        traced = graph_trace.trace_flat(
            flat_fun, [np_aval(x) for x in flat], known, differentiated=True
        )
        graph = traced.graph
        n_consts = len(graph.consts)
        outs = checkpoint_p.bind(
            *graph.consts,
            *flat,
            fun=lambda *xs: eval_graph(graph, xs[:n_consts], xs[n_consts:]),
            policy=policy,
            name=name,
            known=traced.outs if all(o is not None for o in traced.outs) else None,
        )
        return unflatten(out_tree(), list(outs))

    return remat


def _concrete_or_none(x: Any) -> Any:
    if not isinstance(x, Tracer):
        return x
    try:
        return x.concrete()
    except Exception:
        return None


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
    if len(trace.tape) > start or _own(outs, trace):
        error = _closure_error("custom_vjp function", params["name"], fun, vals, trace)
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
        *vals, fun=_batched(fun, dims, size), **{**params, "fwd": batched_fwd, "bwd": batched_bwd}
    )
    return [batching.BatchTracer(trace, o, 0) for o in outs]


reverse.CALL_HANDLERS[custom_vjp_call_p] = _custom_vjp_reverse
forward.CALL_HANDLERS[custom_vjp_call_p] = _custom_vjp_forward
batching.CALL_HANDLERS[custom_vjp_call_p] = _custom_vjp_batch
graph_trace.CALL_HANDLERS[custom_vjp_call_p] = _record_in_graph(custom_vjp_call_p)


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
        name = fun_name(self.fun)
        if self.fwd is None or self.bwd is None:
            raise FuncgradTypeError(
                f"custom_vjp function `{name}` has no rule: call {name}.defvjp(fwd, bwd) first"
            )
        static, dynamic = _static_split(args, self.nondiff_argnums, "custom_vjp", name)
        nondiff = [args[i] for i in static]
        flat, in_tree = flatten([args[i] for i in dynamic])
        if find_top_trace(flat) is None:
            return _untraced_call(self.fun, args, "custom_vjp function", name)
        fun, fwd, bwd = self.fun, self.fwd, self.bwd

        def full(dyn: Sequence[Any]) -> list:
            return substitute(args, dynamic, dyn)

        flat_fun, out_tree = flatten_fun(lambda *dyn: fun(*full(dyn)), in_tree)

        def flat_fwd(*leaves: Any) -> tuple[list, Any]:
            out, res = _fwd_pair(fwd(*full(unflatten(in_tree, leaves))), name)
            out_leaves, treedef = flatten(out)
            out_tree.record(treedef)
            return out_leaves, res

        def flat_bwd(res: Any, out_bar: list, xs: Sequence[Any], name: str) -> list:
            cts = bwd(*nondiff, res, unflatten(out_tree(), out_bar))
            return _flat_cotangents(cts, in_tree, xs, name)

        outs = custom_vjp_call_p.bind(*flat, fun=flat_fun, fwd=flat_fwd, bwd=flat_bwd, name=name)
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
    return _vjp_of(lambda *t: jvp(primals, list(t))[1], zeros, list(out_bar))


VJP.define_joint(custom_jvp_call_p, _custom_jvp_vjp)
_CUSTOM_JVP_RULE = VJP.lookup(custom_jvp_call_p)


def _custom_jvp_reverse(trace: reverse.ReverseTrace, fun, args, params):
    vals, parents = reverse.parents_of(trace, args)
    start = len(trace.tape)
    outs = fun(*vals)
    if len(trace.tape) > start or _own(outs, trace):
        error = _closure_error("custom_jvp function", params["name"], fun, vals, trace)
        del trace.tape[start:]
        raise error
    return trace.record(custom_jvp_call_p, _CUSTOM_JVP_RULE, dict(params), vals, outs, parents)


def _custom_jvp_forward(trace: forward.JVPTrace, fun, args, params):
    primals, tangents = unwrap(trace, args)
    tangents = [zeros_like(p) if t is None else t for p, t in zip(primals, tangents, strict=True)]
    outs, out_dots = params["jvp"](primals, tangents)
    if _own(outs, trace) or _own(out_dots, trace):
        raise _closure_error("custom_jvp function", params["name"], fun, primals, trace)
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
        *vals, fun=_batched(fun, dims, size), **{**params, "jvp": batched_jvp}
    )
    return [batching.BatchTracer(trace, o, 0) for o in outs]


reverse.CALL_HANDLERS[custom_jvp_call_p] = _custom_jvp_reverse
forward.CALL_HANDLERS[custom_jvp_call_p] = _custom_jvp_forward
batching.CALL_HANDLERS[custom_jvp_call_p] = _custom_jvp_batch
graph_trace.CALL_HANDLERS[custom_jvp_call_p] = _record_in_graph(custom_jvp_call_p)


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
        name = fun_name(self.fun)
        if self.rule is None:
            raise FuncgradTypeError(
                f"custom_jvp function `{name}` has no rule: call {name}.defjvp(rule) first"
            )
        static, dynamic = _static_split(args, self.nondiff_argnums, "custom_jvp", name)
        nondiff = [args[i] for i in static]
        flat, in_tree = flatten([args[i] for i in dynamic])
        if find_top_trace(flat) is None:
            return _untraced_call(self.fun, args, "custom_jvp function", name)
        fun, rule = self.fun, self.rule

        def full(dyn: Sequence[Any]) -> list:
            return substitute(args, dynamic, dyn)

        flat_fun, out_tree = flatten_fun(lambda *dyn: fun(*full(dyn)), in_tree)

        def flat_jvp(primals: list, tangents: list) -> tuple[list, list]:
            p = tuple(unflatten(in_tree, primals))
            t = tuple(unflatten(in_tree, tangents))
            out, out_dot = rule(*nondiff, p, t)
            out_leaves, treedef = flatten(out)
            out_tree.record(treedef)
            return out_leaves, flatten_up_to(treedef, out_dot)

        outs = custom_jvp_call_p.bind(*flat, fun=flat_fun, jvp=flat_jvp, name=name)
        return unflatten(out_tree(), list(outs))


def _tree_add(a: Any, b: Any) -> Any:
    la, ta = flatten(a)
    return unflatten(ta, [x + y for x, y in zip(la, flatten_up_to(ta, b), strict=True)])


def _tree_zeros(a: Any) -> Any:
    la, ta = flatten(a)
    return unflatten(ta, [zeros_like(x) for x in la])
