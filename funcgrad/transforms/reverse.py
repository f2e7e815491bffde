"""Reverse mode on a tape: ``ReverseTrace`` and the backward pass behind vjp/grad.

The forward pass runs for real; every primitive applied to a ``ReverseTracer`` appends one
entry to its trace's tape. A tape entry is a tuple::

    (prim, rule, params, args, out, parents)   # parents: ((argnum, node, index), ...)

(``prim`` None marks an input of the trace; ``index`` -1 a single-output primitive). A
``ReverseTracer`` is the output ``index`` of the entry at position ``node``. The backward
pass walks the tape from the output back to the inputs, iteratively (deep graphs need no
recursion), sums cotangents per entry, skips the ones that are zero (``None``), calls the
VJP rules, and fits each result to its input's shape and dtype in one place
(``_common.fit``, which undoes broadcasting). Rules compute with funcgrad operations, so
the backward pass can itself be traced by an outer transformation (higher derivatives).
Imports core and primitives; ``differentiate.py`` holds the user-facing functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import VJP, RuleKind
from ..core.trace import Trace, Tracer, new_trace
from ..primitives.shape import zeros_like
from ..tree import flatten
from ._common import fit

TapeEntry = tuple  # (prim, rule, params, args, out, parents); see the module docstring
_PER_INPUT, _ZERO = RuleKind.PER_INPUT, RuleKind.ZERO
_NO_PARAMS: dict = {}


class ReverseTracer(Tracer):
    """A value on the tape: output ``index`` (-1: the only one) of the entry ``node``."""

    __slots__ = ("index", "node", "value")
    carries_derivative = True

    def __init__(self, trace: ReverseTrace, value: Any, node: int, index: int) -> None:
        self._trace = trace
        self.value = value
        self.node = node
        self.index = index

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def dtype(self) -> Any:
        return self.value.dtype

    def lower(self) -> tuple[Any, tuple[int, int]]:
        return self.value, (self.node, self.index)

    def concrete(self) -> Any:
        v = self.value
        return v.concrete() if isinstance(v, Tracer) else v


class ReverseTrace(Trace):
    """The tape of one reverse-mode transformation."""

    __slots__ = ("tape",)
    call_handlers: ClassVar[dict[Any, Any]] = {}  # filled by transforms.calls.handle

    def __init__(self) -> None:
        super().__init__()
        self.tape: list[TapeEntry] = []

    def new_input(self, value: Any) -> ReverseTracer:
        self.tape.append((None, None, None, (), value, ()))
        return ReverseTracer(self, value, len(self.tape) - 1, -1)

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        # parents_of and record, inlined: this runs for every primitive under grad, and
        # the two frames were a tenth of an elementwise op's recording cost.
        vals, parents = [], []
        for i, a in enumerate(args):
            if type(a) is ReverseTracer and a._trace is self:
                parents.append((i, a.node, a.index))
                a = a.value
            vals.append(a)
        # At level 0 no lower-level tracer can exist: compute with numpy directly.
        out = prim.impl(*vals, **params) if self.level == 0 else prim.bind(*vals, **params)
        rule = VJP.lookup(prim)
        if rule.kind is _ZERO:
            return out
        if rule.missing_inputs:
            for argnum, _, _ in parents:
                if rule.per_input[argnum] is None:
                    raise VJP.missing_input_rule(prim, argnum)
        node = len(self.tape)
        self.tape.append((prim, rule, params or _NO_PARAMS, vals, out, tuple(parents)))
        if prim.multiple_results:
            return tuple(ReverseTracer(self, o, node, k) for k, o in enumerate(out))
        return ReverseTracer(self, out, node, -1)

    def record(
        self, prim: Primitive, rule: Any, params: dict, vals: list, out: Any, parents: tuple
    ) -> Any:
        """Append a tape entry; its output tracer(s)."""
        if not params:
            params = _NO_PARAMS  # one shared empty dict, not one per entry (64 bytes each)
        node = len(self.tape)
        self.tape.append((prim, rule, params, vals, out, parents))
        if prim.multiple_results:
            return tuple(ReverseTracer(self, o, node, k) for k, o in enumerate(out))
        return ReverseTracer(self, out, node, -1)


def parents_of(trace: ReverseTrace, args: Sequence[Any]) -> tuple[list, tuple]:
    """``(values, parents)`` of ``args`` for a tape entry (the loop of process_primitive)."""
    vals, parents = [], []
    for i, a in enumerate(args):
        if type(a) is ReverseTracer and a._trace is trace:
            parents.append((i, a.node, a.index))
            a = a.value
        vals.append(a)
    return vals, tuple(parents)


def backward(
    tape: list[TapeEntry],
    seeds: Sequence[tuple[int, int, Any]],
    keep: dict[int, Any] | None = None,
    check: Callable[..., None] | None = None,
) -> list[Any]:
    """Propagate cotangents from ``seeds`` ``(node, index, cotangent)`` to the inputs.

    ``tape`` is a finished tape. Returns the cotangent of every input entry, by node
    (None where it is zero, and at nodes that are not inputs). ``keep``, if given, receives
    every entry's cotangent by node (the debugging views read them); ``check``, if given, is
    called as ``check(tape, node, argnum, ct, x_bar)`` for every cotangent a rule makes
    (``debug_nans``).
    """
    cts: list[Any] = [None] * len(tape)
    for node, k, ct in seeds:
        _accumulate(cts, tape, node, k, ct)
    inputs: list[Any] = [None] * len(tape)
    start = max((node for node, _, _ in seeds), default=-1)
    for node in range(start, -1, -1):
        ct = cts[node]
        if ct is None:
            continue
        cts[node] = None  # free memory as we go
        if keep is not None:
            keep[node] = ct
        prim, rule, params, args, out, parents = tape[node]
        if prim is None:
            inputs[node] = ct
            continue
        if prim.multiple_results:
            ct = [zeros_like(o) if c is None else c for c, o in zip(ct, out, strict=True)]
        if rule.kind is _PER_INPUT:
            for argnum, parent, k in parents:
                x_bar = rule.per_input[argnum](ct, out, *args, **params)
                if x_bar is not None:
                    if check is not None:
                        check(tape, node, argnum, ct, x_bar)
                    _accumulate_fitted(cts, tape, parent, k, x_bar, args[argnum])
        else:  # RuleKind.JOINT
            x_bars = rule.joint(ct, out, *args, **params)
            for argnum, parent, k in parents:
                x_bar = x_bars[argnum]
                if x_bar is not None:
                    if check is not None:
                        check(tape, node, argnum, ct, x_bar)
                    _accumulate_fitted(cts, tape, parent, k, x_bar, args[argnum])
    return inputs


def _accumulate_fitted(cts: list, tape: list, node: int, k: int, x_bar: Any, arg: Any) -> None:
    if x_bar.shape != arg.shape or x_bar.dtype != arg.dtype:
        x_bar = fit(x_bar, arg, reduce=True)
    _accumulate(cts, tape, node, k, x_bar)


def _accumulate(cts: list, tape: list, node: int, k: int, ct: Any) -> None:
    if k < 0:
        old = cts[node]
        cts[node] = ct if old is None else old + ct
        return
    slots = cts[node]
    if slots is None:
        slots = cts[node] = [None] * len(tape[node][4])
    slots[k] = ct if slots[k] is None else slots[k] + ct


def vjp_flat(
    flat_fun: Callable[..., tuple[list, Any]],
    primals: Sequence[Any],
    trace: ReverseTrace | None = None,
) -> tuple[list, Callable[[Sequence[Any]], list], Any]:
    """Trace ``flat_fun(*tracers) -> (out_leaves, aux)``; its VJP over flat lists.

    Returns ``(out, pullback, aux)``: ``out`` and ``aux`` hold plain (or lower-level)
    values; ``pullback(cts)``, with one cotangent (or None for zero) per output leaf,
    returns one cotangent (None for zero) per primal. ``trace``: a fresh ``ReverseTrace``
    (a subclass that records differently, as ``checkpoint``'s) to record on.
    """
    with new_trace(ReverseTrace() if trace is None else trace) as trace:
        tracers = [trace.new_input(p) for p in primals]
        out_leaves, aux = flat_fun(*tracers)
        out: list[Any] = []
        refs: list[tuple[int, int] | None] = []
        for o in out_leaves:
            if type(o) is ReverseTracer and o._trace is trace:
                out.append(o.value)
                refs.append((o.node, o.index))
            else:
                out.append(o)
                refs.append(None)
        if aux is not None:
            aux_leaves, aux_tree = flatten(aux)
            aux = aux_tree.unflatten([_lower(a, trace) for a in aux_leaves])
    inputs = [t.node for t in tracers]
    tape, trace.tape = trace.tape, []  # the tape outlives the trace without a cycle

    def pullback(cts: Sequence[Any]) -> list[Any]:
        seeds = [(*ref, ct) for ref, ct in zip(refs, cts, strict=True) if ref and ct is not None]
        grads = backward(tape, seeds)
        return [grads[i] for i in inputs]

    return out, pullback, aux


def _lower(x: Any, trace: ReverseTrace) -> Any:
    if type(x) is ReverseTracer and x._trace is trace:
        v = x.value
        return np.asarray(v) if isinstance(v, np.generic) else v
    return x
