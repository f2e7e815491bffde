"""Reverse mode on a tape: ``ReverseTrace`` and the backward pass behind vjp/grad.

The forward pass runs for real; every primitive applied to a ``ReverseTracer`` appends a
``Node`` (primitive, params, argument values, output) to its trace's tape. The backward pass
walks the tape from the output back to the inputs, iteratively (deep graphs need no
recursion), sums cotangents per node, skips the ones that are zero (``None``), calls the
VJP rules, and fits each result to its input's shape and dtype in one place
(``_fit``, which undoes broadcasting). Rules compute with funcgrad operations, so the
backward pass can itself be traced by an outer transformation (higher derivatives).
Imports core and primitives only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.avals import is_float_dtype
from ..core.errors import FuncgradTypeError
from ..core.primitive import Primitive
from ..core.rules import JOINT, PER_INPUT, VJP, ZERO
from ..core.trace import Trace, Tracer, new_trace
from ..primitives.elementwise import astype, real
from ..primitives.reductions import unbroadcast
from ..primitives.shape import zeros_like


class Node:
    """A recorded primitive with several outputs (``value`` is the tuple of outputs)."""

    __slots__ = ("args", "params", "parents", "prim", "value")

    def __init__(self, prim, params, args, value, parents):
        self.prim = prim
        self.params = params
        self.args = args
        self.value = value
        self.parents = parents  # tuple of (argnum, node_id, out_index)


class ReverseTracer(Tracer):
    """A value on the tape; for a single-output primitive it is also the tape's node.

    ``prim`` is None for an input of the trace (and for outputs of a multi-output
    ``Node``, which is then the tape entry, at ``node_id``).
    """

    __slots__ = ("args", "node_id", "out_index", "params", "parents", "prim", "value")

    def __init__(self, trace, value, node_id, out_index, prim, params, args, parents):
        self._trace = trace
        self.value = value
        self.node_id = node_id
        self.out_index = out_index
        self.prim = prim
        self.params = params
        self.args = args
        self.parents = parents

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    def concrete(self):
        v = self.value
        return v.concrete() if isinstance(v, Tracer) else v


class ReverseTrace(Trace):
    """The tape of one reverse-mode transformation."""

    __slots__ = ("nodes",)

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[Node] = []

    def new_input(self, value: Any) -> ReverseTracer:
        t = ReverseTracer(self, value, len(self.nodes), -1, None, None, (), ())
        self.nodes.append(t)
        return t

    def _unwrap(self, args: Sequence[Any]) -> tuple[list, tuple]:
        vals = []
        parents = []
        for i, a in enumerate(args):
            if type(a) is ReverseTracer and a._trace is self:
                vals.append(a.value)
                parents.append((i, a.node_id, a.out_index))
            else:
                vals.append(a)
        return vals, tuple(parents)

    def _record_multiple(self, prim, params, vals, outs, parents) -> list[ReverseTracer]:
        """Append a ``Node`` for a multi-output application; one tracer per output."""
        nid = len(self.nodes)
        self.nodes.append(Node(prim, params, vals, outs, parents))
        return [ReverseTracer(self, o, nid, k, None, None, (), ()) for k, o in enumerate(outs)]

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        # The hot path of reverse mode: unwrap, compute, record. Kept flat on purpose.
        vals = []
        parents = []
        for i, a in enumerate(args):
            if type(a) is ReverseTracer and a._trace is self:
                parents.append((i, a.node_id, a.out_index))
                a = a.value
            vals.append(a)
        # At level 0 no lower-level tracer can exist: compute with numpy directly.
        out = prim.impl(*vals, **params) if self.level == 0 else prim.bind(*vals, **params)
        try:
            kind, rules = _VJP_ENTRIES[prim]
        except KeyError:
            raise VJP.lookup(prim) from None  # lookup raises the MissingRuleError
        if kind is ZERO:
            return out
        if kind is PER_INPUT and None in rules:
            for argnum, _, _ in parents:
                if rules[argnum] is None:
                    raise VJP.missing_input_rule(prim, argnum)
        if prim.multiple_results:
            return tuple(self._record_multiple(prim, params, vals, out, tuple(parents)))
        nodes = self.nodes
        t = ReverseTracer(self, out, len(nodes), -1, prim, params, vals, tuple(parents))
        nodes.append(t)
        return t

    def process_call(self, kind: str, fun: Callable, args: Sequence[Any], params: dict) -> Any:
        handler = CALL_HANDLERS.get(kind)
        if handler is None:
            return fun(*args)
        vals, parents = self._unwrap(args)
        prim, node_params, outs = handler(fun, vals, params)
        if any(type(o) is ReverseTracer and o._trace is self for o in outs):
            # ``fun`` closes over values this trace follows, so running it on unwrapped
            # arguments missed their derivatives: record it primitive by primitive instead
            # (correct; the custom rule or rematerialisation is skipped for this call).
            return fun(*args)
        return self._record_multiple(prim, node_params, vals, outs, parents)


# Call-like constructs with their own reverse behaviour (custom_vjp, checkpoint, ...):
# kind -> handler(fun, vals, params) -> (pseudo-primitive, node params, flat outputs).
# Filled by transforms.custom; the pseudo-primitive's VJP is a joint rule in the VJP table.
CALL_HANDLERS: dict[str, Callable[..., tuple[Primitive, dict, list]]] = {}

_VJP_ENTRIES = VJP._entries  # read directly on the hot path (lookup() raises if missing)


def _fit(x_bar: Any, like: Any) -> Any:
    """Sum ``x_bar`` back to ``like``'s shape and cast it to ``like``'s dtype."""
    shape = like.shape if hasattr(like, "shape") else np.shape(like)
    if x_bar.shape != shape:
        x_bar = unbroadcast(x_bar, shape)
    dtype = like.dtype if hasattr(like, "dtype") else np.result_type(like)
    if x_bar.dtype != dtype:
        if np.issubdtype(x_bar.dtype, np.complexfloating) and not np.issubdtype(
            dtype, np.complexfloating
        ):
            x_bar = real(x_bar)
        if x_bar.dtype != dtype:
            x_bar = astype(x_bar, dtype)
    return x_bar


def backward(nodes: list, seeds: Sequence[tuple[int, int, Any]]) -> list[Any]:
    """Propagate cotangents from ``seeds`` (node_id, out_index, cotangent) to the inputs.

    ``nodes`` is a finished tape. Returns the cotangents per node id (None where zero);
    only input nodes are kept.
    """
    cts: list[Any] = [None] * len(nodes)
    for nid, k, ct in seeds:
        _accumulate(cts, nodes, nid, k, ct)
    start = max((nid for nid, _, _ in seeds), default=-1)
    inputs: list[Any] = [None] * len(nodes)
    for nid in range(start, -1, -1):
        ct = cts[nid]
        if ct is None:
            continue
        cts[nid] = None  # free memory as we go
        node = nodes[nid]
        prim = node.prim
        if prim is None:
            inputs[nid] = ct
            continue
        args, out, params = node.args, node.value, node.params
        if prim.multiple_results:
            ct = [zeros_like(o) if c is None else c for c, o in zip(ct, out, strict=True)]
        kind, rule = _VJP_ENTRIES[prim]
        if kind is PER_INPUT:
            for argnum, pid, k in node.parents:
                if params:
                    x_bar = rule[argnum](ct, out, *args, **params)
                else:
                    x_bar = rule[argnum](ct, out, *args)
                if x_bar is None:
                    continue
                arg = args[argnum]
                # Equal size and rank imply equal shape here (broadcasting only grows).
                if (
                    x_bar.size != arg.size
                    or x_bar.ndim != arg.ndim
                    or x_bar.dtype is not arg.dtype
                ):
                    x_bar = _fit(x_bar, arg)
                if k < 0:
                    old = cts[pid]
                    cts[pid] = x_bar if old is None else old + x_bar
                else:
                    _accumulate(cts, nodes, pid, k, x_bar)
        else:
            assert kind == JOINT
            x_bars = rule(ct, out, *args, **params)
            for argnum, pid, k in node.parents:
                x_bar = x_bars[argnum]
                if x_bar is not None:
                    _accumulate(cts, nodes, pid, k, _fit(x_bar, args[argnum]))
    return inputs


def _accumulate(cts: list, nodes: list[Node], nid: int, k: int, ct: Any) -> None:
    if k < 0:
        old = cts[nid]
        cts[nid] = ct if old is None else old + ct
        return
    slots = cts[nid]
    if slots is None:
        slots = cts[nid] = [None] * len(nodes[nid].value)
    slots[k] = ct if slots[k] is None else slots[k] + ct


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
        if isinstance(x, bool) or not isinstance(x, (float, complex, int)):
            dtype = np.asarray(x).dtype if not isinstance(x, bool) else np.dtype(bool)
        else:
            dtype = np.asarray(x).dtype
    if np.dtype(dtype) == object:  # not array-like at all: a function, a string, ...
        raise FuncgradTypeError(
            f"{fname} can only differentiate with respect to float arrays, but {position} "
            f"is a {type(x).__name__} (dtype object). In a model, mark such fields with "
            "tree.static_field(); otherwise leave the argument out of argnums."
        )
    if not is_float_dtype(dtype):
        raise FuncgradTypeError(
            f"{fname} can only differentiate with respect to float arrays, but {position} "
            f"has dtype {np.dtype(dtype).name}"
            + (" (a Python int or bool)" if isinstance(x, (int, bool)) else "")
            + ". Convert it with x.astype(float) (or pass 1.0 instead of 1), or leave it "
            "out of argnums."
        )


def as_input_array(x: Any) -> Any:
    """Inputs of a transformation: Python scalars become 0-d numpy arrays (float64, ...)."""
    if isinstance(x, (Tracer, np.ndarray)):
        return x
    return np.asarray(x)


def vjp_flat(
    fun: Callable[[list], Any], primals: Sequence[Any]
) -> tuple[Any, Callable[[list], list], Any]:
    """Trace ``fun(list_of_tracers) -> (out, aux)`` and return its vjp over flat lists.

    Returns ``(out, pullback, aux)``, where ``out`` and ``aux`` hold plain (or lower-level)
    values; ``pullback(out_bar)`` takes a cotangent with the structure of ``out`` (a flat
    list of arrays) and returns a list of cotangents, one per primal.
    """
    from ..tree import flatten  # local: tree is a lower layer, kept lazy for import time

    with new_trace(ReverseTrace()) as trace:
        tracers = [trace.new_input(p) for p in primals]
        out_flat, aux = fun(tracers)
        out_vals = []
        out_refs: list[tuple[int, int] | None] = []
        for o in out_flat:
            if type(o) is ReverseTracer and o._trace is trace:
                out_vals.append(o.value)
                out_refs.append((o.node_id, o.out_index))
            else:
                out_vals.append(o)
                out_refs.append(None)
        aux_leaves, aux_tree = flatten(aux)
        aux = aux_tree.unflatten([_strip(a, trace) for a in aux_leaves])
    input_ids = [t.node_id for t in tracers]
    tape, trace.nodes = trace.nodes, []  # the tape outlives the trace without a cycle

    def pullback(cts: Sequence[Any]) -> list[Any]:
        seeds = [
            (ref[0], ref[1], ct)
            for ref, ct in zip(out_refs, cts, strict=True)
            if ref is not None and ct is not None
        ]
        grads = backward(tape, seeds)
        return [grads[i] for i in input_ids]

    return out_vals, pullback, aux


def _strip(x: Any, trace: ReverseTrace) -> Any:
    if type(x) is ReverseTracer and x._trace is trace:
        v = x.value
        return np.asarray(v) if isinstance(v, np.generic) else v  # outputs are ndarrays
    return x
