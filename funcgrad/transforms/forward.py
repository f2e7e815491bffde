"""Forward mode: ``JVPTrace`` carries (primal, tangent) pairs through JVP rules.

A tangent of ``None`` is a symbolic zero and is skipped; a rule's result is fitted to the
output's shape (broadcast) and dtype in one place, ``_fit``. Imports core and primitives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError
from ..core.primitive import Primitive
from ..core.rules import JOINT, JVP, LINEAR, PER_INPUT, ZERO
from ..core.trace import Trace, Tracer, new_trace
from ..primitives.elementwise import astype, real
from ..primitives.shape import broadcast_to, zeros_like


class JVPTracer(Tracer):
    """A primal value with its tangent (never None on a live tracer)."""

    __slots__ = ("primal", "tangent")

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def shape(self):
        return self.primal.shape

    @property
    def dtype(self):
        return self.primal.dtype

    def concrete(self):
        p = self.primal
        return p.concrete() if isinstance(p, Tracer) else p


class JVPTrace(Trace):
    """One forward-mode transformation."""

    __slots__ = ()

    def _unwrap(self, args: Sequence[Any]) -> tuple[list, list]:
        primals, tangents = [], []
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                primals.append(a.primal)
                tangents.append(a.tangent)
            else:
                primals.append(a)
                tangents.append(None)
        return primals, tangents

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        primals, tangents = self._unwrap(args)
        out = prim.bind(*primals, **params)
        kind, rule = JVP.lookup(prim)
        if kind == ZERO:
            return out
        if kind == PER_INPUT:
            out_dot = None
            for argnum, t in enumerate(tangents):
                if t is None:
                    continue
                if rule[argnum] is None:
                    raise JVP.missing_input_rule(prim, argnum)
                c = rule[argnum](t, out, *primals, **params)
                if c is not None:
                    out_dot = c if out_dot is None else _add_tangents(out_dot, c)
        elif kind == LINEAR:
            filled = [
                zeros_like(p) if t is None else t for p, t in zip(primals, tangents, strict=True)
            ]
            out_dot = prim.bind(*filled, **params)
        else:
            assert kind == JOINT
            out_dot = rule(tangents, out, *primals, **params)
        if out_dot is None:  # every rule gave a zero contribution
            return tuple(out) if prim.multiple_results else out
        if prim.multiple_results:
            return tuple(
                o if d is None else JVPTracer(self, o, _fit(d, o))
                for o, d in zip(out, out_dot, strict=True)
            )
        return JVPTracer(self, out, _fit(out_dot, out))

    def process_call(self, kind: str, fun: Callable, args: Sequence[Any], params: dict) -> Any:
        handler = CALL_HANDLERS.get(kind)
        if handler is None:
            return fun(*args)
        primals, tangents = self._unwrap(args)
        outs, out_dots = handler(fun, primals, tangents, params)
        if any(type(o) is JVPTracer and o._trace is self for o in outs):
            return fun(*args)  # closes over traced values: see ReverseTrace.process_call
        return [
            o if d is None else JVPTracer(self, o, _fit(d, o))
            for o, d in zip(outs, out_dots, strict=True)
        ]


# kind -> handler(fun, primals, tangents, params) -> (flat outs, flat out tangents).
CALL_HANDLERS: dict[str, Callable[..., tuple[list, list]]] = {}


def _add_tangents(a: Any, b: Any) -> Any:
    if isinstance(a, (tuple, list)):
        return [x if y is None else (y if x is None else x + y) for x, y in zip(a, b, strict=True)]
    return a + b


def _fit(t: Any, like: Any) -> Any:
    """Broadcast tangent ``t`` to ``like``'s shape and cast it to ``like``'s dtype."""
    shape = like.shape if hasattr(like, "shape") else np.shape(like)
    if t.shape != shape:
        t = broadcast_to(t, shape)
    dtype = like.dtype if hasattr(like, "dtype") else np.result_type(like)
    if t.dtype != dtype:
        if np.issubdtype(t.dtype, np.complexfloating) and not np.issubdtype(
            dtype, np.complexfloating
        ):
            t = real(t)
        if t.dtype != dtype:
            t = astype(t, dtype)
    return t


def jvp_flat(
    fun: Callable[[list], list], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[list, list]:
    """Run ``fun`` on flat lists of primals and tangents; return flat outputs and tangents.

    Output tangents are instantiated: an output that does not depend on the inputs gets
    zeros of its shape and dtype.
    """
    with new_trace(JVPTrace()) as trace:
        tracers = [JVPTracer(trace, p, t) for p, t in zip(primals, tangents, strict=True)]
        outs = fun(tracers)
        out_primals, out_tangents = [], []
        for o in outs:
            if type(o) is JVPTracer and o._trace is trace:
                out_primals.append(o.primal)
                out_tangents.append(o.tangent)
            else:
                out_primals.append(o)
                out_tangents.append(zeros_like(o))
    return out_primals, out_tangents


def check_tangent(primal: Any, tangent: Any, position: str) -> None:
    """Raise a TypeError/ValueError unless ``tangent`` matches ``primal``'s shape and dtype."""
    pshape, tshape = np.shape(primal), np.shape(tangent)
    if pshape != tshape:
        raise ValueError(
            f"jvp: tangent {position} has shape {tshape} but its primal has shape {pshape}; "
            "each tangent must have its primal's shape"
        )
    pd = np.dtype(getattr(primal, "dtype", None) or np.result_type(primal))
    if not np.issubdtype(pd, np.inexact):
        raise FuncgradTypeError(
            f"jvp: primal {position} has dtype {pd.name}; only float arrays carry tangents. "
            "Convert it with x.astype(float)."
        )


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Evaluate ``fun(*primals)`` and its Jacobian-vector product with ``tangents``.

    Args:
      fun: a function of pytrees of arrays returning a pytree of arrays.
      primals: tuple (or list) of the arguments.
      tangents: tuple of the same structure; each leaf with its primal's shape.

    Returns:
      ``(out, out_tangent)`` with the same structure; tangents of outputs that do not
      depend on the inputs are zeros.

    Raises:
      TypeError: a primal is not float, or ``primals``/``tangents`` are not tuples;
      ValueError: structures or shapes differ.

    Example:
      >>> jvp(lambda x: x ** 2, (3.0,), (1.0,))
      (array(9.), array(6.))
    """
    from ..tree import flatten, unflatten
    from .differentiate import to_output

    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise FuncgradTypeError(
            "jvp: primals and tangents must be tuples (one entry per argument), got "
            f"{type(primals).__name__} and {type(tangents).__name__}"
        )
    flat_p, tree_p = flatten(tuple(primals))
    flat_t, tree_t = flatten(tuple(tangents))
    if tree_p != tree_t:
        raise ValueError(f"jvp: primals have structure {tree_p} but tangents {tree_t}")
    for i, (p, t) in enumerate(zip(flat_p, flat_t, strict=True)):
        check_tangent(p, t, f"leaf {i}")
    flat_p = [p if isinstance(p, (Tracer, np.ndarray)) else np.asarray(p) for p in flat_p]
    flat_t = [
        t
        if isinstance(t, Tracer)
        else np.asarray(t, dtype=np.asarray(p).dtype)
        if not isinstance(p, Tracer)
        else t
        for p, t in zip(flat_p, flat_t, strict=True)
    ]
    out_tree_box = []

    def flat_fun(tracers):
        out_flat, out_tree = flatten(fun(*unflatten(tree_p, tracers)))
        out_tree_box.append(out_tree)
        return out_flat

    outs, out_dots = jvp_flat(flat_fun, flat_p, flat_t)
    out_tree = out_tree_box[0]
    return (
        unflatten(out_tree, [to_output(o) for o in outs]),
        unflatten(out_tree, [to_output(t) for t in out_dots]),
    )


def linearize(fun: Callable, *primals: Any) -> tuple[Any, Callable]:
    """Return ``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the JVP at primals.

    ``f_jvp`` reruns forward mode at the stored primals on each call.
    """
    out = fun(*primals)

    def f_jvp(*tangents: Any) -> Any:
        return jvp(fun, primals, tangents)[1]

    return out, f_jvp
