"""``checkpoint`` (alias ``remat``): rematerialisation, a ``CallPrimitive`` whose function
runs again in the backward pass.

Reverse mode stores the call's inputs and calls the function again in the backward pass.
With a ``policy`` (see ``checkpoint_policies``) the forward pass runs the function on a tape
of its own, a ``_SavingTrace``, which keeps the outputs the policy saves, by their position
on that tape, and drops the rest; the backward pass replays the function on a
``_ReplayTrace``, which records those primitives with their saved outputs instead of
computing them (everything between them is recomputed). A function that closes over values
the reverse trace follows (model parameters captured by a closure) is traced to a graph
instead, and those values become explicit inputs of the call (closure conversion), so it
rematerialises whatever it closes over. Forward mode runs it inline; ``vmap`` batches it
and keeps the call; graph tracing records one equation. Imports core, tree and the other
transformations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.avals import typeof
from ..core.errors import FuncgradTypeError
from ..core.graph import eval_graph
from ..core.primitive import CallPrimitive, Primitive
from ..core.rules import VJP
from ..core.trace import trace_stack
from ..tree import unflatten
from . import batching, reverse
from ._common import flatten_fun, substitute, unwrap
from .calls import CallSite, batched, float_positions, handle, owns, vjp_of
from .checkpoint_policies import nothing_saveable
from .graph import trace as graph_trace

Saved = dict[int, tuple[Primitive, Any]]  # tape position -> (primitive, its output)

# --- the two tapes of a checkpoint with a policy -------------------------------------


class _SavingTrace(reverse.ReverseTrace):
    """The forward pass: a tape that also keeps the outputs ``policy`` saves."""

    __slots__ = ("policy", "saved")

    def __init__(self, policy: Callable[..., Any]) -> None:
        super().__init__()
        self.policy = policy
        self.saved: Saved = {}

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        node = len(self.tape)
        out = super().process_primitive(prim, args, params)
        if len(self.tape) > node:  # recorded (a primitive with a zero derivative is not)
            entry = self.tape[node]
            if self.policy(prim, *(typeof(v) for v in entry[3]), **params):
                self.saved[node] = (prim, entry[4])
        return out


class _ReplayTrace(reverse.ReverseTrace):
    """The backward pass's recomputation: saved outputs are recorded, not computed."""

    __slots__ = ("saved",)

    def __init__(self, saved: Saved) -> None:
        super().__init__()
        self.saved = saved

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        hit = self.saved.get(len(self.tape))
        if hit is not None:
            if hit[0] is prim:
                vals, parents = reverse.parents_of(self, args)
                return self.record(prim, VJP.lookup(prim), params, vals, hit[1], parents)
            # the function took another path than in the forward pass (it is not a pure
            # function of its inputs): the positions no longer match, recompute the rest
            self.saved = {}
        return super().process_primitive(prim, args, params)


def _wrt(vals: list, parents: tuple) -> tuple[int, ...]:
    """The positions of a call's inputs that get cotangents: float ones on the tape."""
    on_tape = {argnum for argnum, _, _ in parents}
    return tuple(i for i in float_positions(vals) if i in on_tape)


def _forward(
    fun: Callable, vals: list, policy: Any, diff: tuple[int, ...]
) -> tuple[list, Saved | None]:
    """``fun(*vals)`` and, with a saving ``policy``, the outputs it saves (None: none),
    by position on a tape of the inputs ``diff`` (the backward pass replays the same)."""
    if policy is None:
        return list(fun(*vals)), None
    saving = _SavingTrace(policy)

    def over_diff(*tracers: Any) -> tuple[list, None]:
        return fun(*substitute(vals, diff, tracers)), None

    outs, _, _ = reverse.vjp_flat(over_diff, [vals[i] for i in diff], saving)
    return outs, saving.saved or None


# --- checkpoint ----------------------------------------------------------------------

checkpoint_p = CallPrimitive("checkpoint")


def _checkpoint_vjp(out_bar, out, *args, policy=None, name="", fun, wrt=None, saved=None):
    del out, policy, name  # recompute, reusing what the policy saved
    trace = _ReplayTrace(saved) if saved else None
    return vjp_of(fun, list(args), list(out_bar), wrt, trace)


VJP.define_joint(checkpoint_p, _checkpoint_vjp)
_CHECKPOINT_RULE = VJP.lookup(checkpoint_p)


def _checkpoint_reverse(trace: reverse.ReverseTrace, fun, args, params):
    policy = params["policy"]
    if policy is nothing_saveable:
        policy = None  # the plain path saves nothing
    vals, parents = reverse.parents_of(trace, args)
    start = len(trace.tape)
    # on the values one level down: nothing lands on this tape ...
    wrt = _wrt(vals, parents)
    outs, saved = _forward(fun, vals, policy, wrt)
    if len(trace.tape) == start and not owns(outs, trace):
        params = {**params, "fun": fun, "wrt": wrt, "saved": saved}
        return trace.record(checkpoint_p, _CHECKPOINT_RULE, params, vals, outs, parents)
    # ... unless fun closes over values this trace follows: convert the closure, they
    # become inputs of the call (the ops computing them from one another stay recorded)
    del trace.tape[start:]
    traced = graph_trace.trace_flat(
        fun, [typeof(v) for v in vals], [graph_trace.peek(v) for v in vals], differentiated=True
    )
    graph = traced.graph
    n = len(graph.consts)
    converted = lambda *xs: eval_graph(graph, xs[:n], xs[n:])  # noqa: E731
    vals, parents = reverse.parents_of(trace, [*graph.consts, *args])
    wrt = _wrt(vals, parents)
    known = traced.outs
    if policy is None and trace.level == 0 and all(o is not None for o in known):
        outs, saved = known, None  # tracing computed them
    else:
        outs, saved = _forward(converted, vals, policy, wrt)
    params = {**params, "fun": converted, "wrt": wrt, "saved": saved}
    return trace.record(checkpoint_p, _CHECKPOINT_RULE, params, vals, list(outs), parents)


def _checkpoint_batch(trace: batching.BatchTrace, fun, args, params):
    vals, dims = unwrap(trace, args)
    outs = checkpoint_p.bind(*vals, fun=batched(fun, dims, trace.axis_size), **params)
    return [batching.BatchTracer(trace, o, 0) for o in outs]


def _checkpoint_inline(trace, fun, args, params):
    del trace, params
    return fun(*args)


handle(
    checkpoint_p,
    hoist=True,  # its function is its graph: closed-over tracers can become inputs
    reverse=_checkpoint_reverse,
    forward=_checkpoint_inline,
    batching=_checkpoint_batch,
)


def _static_positions(static_argnums: Any) -> tuple[int, ...]:
    nums = (static_argnums,) if isinstance(static_argnums, (int, np.integer)) else static_argnums
    try:
        nums = tuple(nums)
    except TypeError:
        nums = (static_argnums,)
    for i in nums:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise FuncgradTypeError(
                f"checkpoint: static_argnums must be an int or a tuple of ints (the positions "
                f"of arguments that are not arrays), got {static_argnums!r}; e.g. "
                "checkpoint(f, static_argnums=(1,)) for f(x, n)"
            )
    return tuple(int(i) for i in nums)


def checkpoint(
    fun: Callable, *, policy: Callable[..., Any] | None = None, static_argnums: Any = ()
) -> Callable:
    """The same function; under reverse mode its intermediates are recomputed, not stored.

    By default only the inputs of ``fun`` are kept for the backward pass, where ``fun``'s
    program runs again: memory for compute, e.g. per layer of a deep network or per step of
    a long ``scan``. Traced values ``fun`` closes over (model parameters) become inputs of
    the rematerialised call, so they are differentiated too. ``fg.remat`` is the same
    function. Forward mode (``jvp``), ``vmap`` and ``jit`` give the same values as ``fun``.

    Args:
      fun: the function to rematerialise; arrays (pytrees of them) in and out.
      policy: which intermediates to save rather than recompute, asked once per primitive
        of the forward pass as ``policy(prim, *input_avals, **params) -> bool``; one of
        ``fg.checkpoint_policies`` (``dots_saveable`` keeps matrix products and
        convolutions and recomputes the elementwise work between them) or your own.
        None (the default) saves nothing, as ``nothing_saveable``. The policy decides for
        the primitives ``fun`` applies to its arguments (also inside eager loops); calls
        within it (``custom_vjp``, ``jit``, a nested ``checkpoint``, a loop traced as one
        primitive) run again as a whole, and so does work on constants alone.
      static_argnums: int or tuple of ints; positional arguments that are not arrays
        (flags, sizes), passed through unchanged and not differentiated. Negative
        positions count from the end.

    Returns:
      A function with ``fun``'s signature and results.

    Raises:
      TypeError: ``policy`` is not callable, or ``static_argnums`` is not an int or a
        tuple of ints (at decoration); a static argument holds a traced array (at call).
      ValueError: a static position is out of range for the call's arguments.

    Example:
      >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
      >>> layer = fg.checkpoint(lambda w, x: fnp.tanh(w @ x),
      ...                       policy=fg.checkpoint_policies.dots_saveable)
      >>> fg.grad(lambda w: fnp.sum(layer(w, np.ones(2))))(np.zeros((2, 2)))
      array([[1., 1.],
             [1., 1.]])
    """
    if not callable(fun):
        raise FuncgradTypeError(
            f"checkpoint: `fun` must be callable, got {type(fun).__name__}; pass the "
            "function itself (checkpoint(f)), not its result (checkpoint(f(x)))"
        )
    if policy is not None and not callable(policy):
        raise FuncgradTypeError(
            f"checkpoint: policy must be callable (prim, *avals, **params) -> bool or None, "
            f"got {type(policy).__name__} {policy!r}; use one of fg.checkpoint_policies "
            "(e.g. policy=fg.checkpoint_policies.dots_saveable) or None to save nothing"
        )
    static = _static_positions(static_argnums)

    @functools.wraps(fun)
    def rematerialised(*args: Any) -> Any:
        site = CallSite(fun, args, static, "checkpoint")
        if not trace_stack():
            return fun(*args)  # nothing to differentiate, here or in a closure
        flat_fun, out_tree = flatten_fun(lambda *dyn: fun(*site.full(dyn)), site.in_tree)
        params = {"policy": policy, "name": site.name}
        if site.traced:
            outs = checkpoint_p.bind(*site.flat, fun=flat_fun, **params)
        else:  # nothing traced among the arguments: only a closure can be differentiated
            top = trace_stack()[-1]
            if not isinstance(top, reverse.ReverseTrace):
                return fun(*args)
            outs = top.process_call(checkpoint_p, flat_fun, site.flat, params)
        return unflatten(out_tree(), list(outs))

    return rematerialised


remat = checkpoint  # JAX's other name for it
