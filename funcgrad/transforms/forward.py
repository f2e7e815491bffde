"""Forward mode: ``JVPTrace`` carries (primal, tangent) pairs through JVP rules.

A tangent of ``None`` is a symbolic zero and is skipped; a rule's result is fitted to the
output's shape (broadcast) and dtype in one place (``_common.fit``). Imports core, tree and
primitives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError, api_boundary
from ..core.primitive import Primitive
from ..core.rules import JVP, RuleKind
from ..core.trace import Trace, Tracer, new_trace
from ..primitives.shape import zeros_like
from ..tree import flatten, unflatten
from ._common import as_input, fit, flatten_fun, fresh_outputs, unwrap


class JVPTracer(Tracer):
    """A primal value with its tangent (never None on a live tracer)."""

    __slots__ = ("primal", "tangent")
    carries_derivative = True

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def shape(self) -> tuple[int, ...]:
        return self.primal.shape

    @property
    def dtype(self) -> Any:
        return self.primal.dtype

    def lower(self) -> tuple[Any, Any]:
        return self.primal, self.tangent

    def concrete(self) -> Any:
        p = self.primal
        return p.concrete() if isinstance(p, Tracer) else p


class JVPTrace(Trace):
    """One forward-mode transformation."""

    __slots__ = ()
    call_handlers: ClassVar[dict[Any, Any]] = {}  # filled by transforms.calls.handle

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        primals, tangents = unwrap(self, args)
        out = prim.bind(*primals, **params)
        rule = JVP.lookup(prim)
        if rule.kind is RuleKind.ZERO:
            return out
        if rule.kind is RuleKind.PER_INPUT:
            out_dot = None
            for argnum, t in enumerate(tangents):
                if t is None:
                    continue
                input_rule = rule.per_input[argnum]
                if input_rule is None:
                    raise JVP.missing_input_rule(prim, argnum)
                c = input_rule(t, out, *primals, **params)
                if c is not None:
                    out_dot = c if out_dot is None else _add_tangents(out_dot, c)
        elif rule.kind is RuleKind.LINEAR:
            filled = [
                zeros_like(p) if t is None else t for p, t in zip(primals, tangents, strict=True)
            ]
            out_dot = prim.bind(*filled, **params)
        else:  # RuleKind.JOINT
            assert rule.joint is not None
            out_dot = rule.joint(tangents, out, *primals, **params)
        if out_dot is None:  # every rule gave a zero contribution
            return tuple(out) if prim.multiple_results else out
        if prim.multiple_results:
            return tuple(self.wrap(o, d) for o, d in zip(out, out_dot, strict=True))
        return self.wrap(out, out_dot)

    def wrap(self, out: Any, out_dot: Any) -> Any:
        """A tracer for ``out`` with tangent ``out_dot`` fitted to it (None: plain ``out``)."""
        return out if out_dot is None else JVPTracer(self, out, fit(out_dot, out, reduce=False))


def _add_tangents(a: Any, b: Any) -> Any:
    if isinstance(a, (tuple, list)):
        return [x if y is None else (y if x is None else x + y) for x, y in zip(a, b, strict=True)]
    return a + b


def jvp_flat(
    fun: Callable[..., list], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[list, list]:
    """Run ``fun(*tracers)`` on flat primals and tangents; flat outputs and their tangents.

    Output tangents are instantiated: an output that does not depend on the inputs gets
    zeros of its shape and dtype.
    """
    with new_trace(JVPTrace()) as trace:
        tracers = [JVPTracer(trace, p, t) for p, t in zip(primals, tangents, strict=True)]
        outs = fun(*tracers)
        out_primals, out_tangents = unwrap(trace, outs)
        out_tangents = [
            zeros_like(o) if t is None else t
            for o, t in zip(out_primals, out_tangents, strict=True)
        ]
    return out_primals, out_tangents


def check_tangent(primal: Any, tangent: Any, position: str) -> None:
    """Raise a TypeError/ValueError unless ``tangent`` matches ``primal``'s shape and dtype."""
    pshape, tshape = np.shape(primal), np.shape(tangent)
    if pshape != tshape:
        raise FuncgradValueError(
            f"jvp: tangent {position} has shape {tshape} but its primal has shape {pshape}; "
            "each tangent must have its primal's shape"
        )
    pd = np.dtype(getattr(primal, "dtype", None) or np.result_type(primal))
    if not np.issubdtype(pd, np.inexact):
        raise FuncgradTypeError(
            f"jvp: primal {position} has dtype {pd.name}; only float arrays carry tangents. "
            "Convert it with x.astype(float)."
        )


@api_boundary
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
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise FuncgradTypeError(
            "jvp: primals and tangents must be tuples (one entry per argument), got "
            f"{type(primals).__name__} and {type(tangents).__name__}"
        )
    flat_p, tree_p = flatten(tuple(primals))
    flat_t, tree_t = flatten(tuple(tangents))
    if tree_p != tree_t:
        raise FuncgradValueError(
            f"jvp: primals have structure {tree_p} but tangents {tree_t}; give one tangent "
            "per primal leaf"
        )
    for i, (p, t) in enumerate(zip(flat_p, flat_t, strict=True)):
        check_tangent(p, t, f"leaf {i}")
    flat_p = [as_input(p) for p in flat_p]
    flat_t = [
        t if isinstance(t, Tracer) else np.asarray(t, dtype=p.dtype)
        for p, t in zip(flat_p, flat_t, strict=True)
    ]
    flat_fun, out_tree = flatten_fun(fun, tree_p)
    outs, out_dots = jvp_flat(flat_fun, flat_p, flat_t)
    taken = [*flat_p, *flat_t]
    return (
        unflatten(out_tree(), fresh_outputs(outs, taken)),
        unflatten(out_tree(), fresh_outputs(out_dots, [*taken, *outs])),
    )


def linearize(fun: Callable, *primals: Any) -> tuple[Any, Callable]:
    """Return ``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the JVP at primals.

    ``f_jvp`` reruns forward mode at the stored primals on each call.
    """
    out = fun(*primals)

    def f_jvp(*tangents: Any) -> Any:
        return jvp(fun, primals, tangents)[1]

    return out, f_jvp
