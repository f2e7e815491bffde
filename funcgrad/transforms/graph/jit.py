"""``jit``: trace once per input signature, optimise, run generated straight-line numpy.

A call of a jitted function computes its input signature (tree structure, shapes, dtypes,
weak Python scalars, static values) and looks it up in a bounded LRU cache. On a miss the
function is traced with its real arguments (so it runs eagerly this once, and Python
control flow on traced values is recorded as guards), the graph is optimised by the passes
and compiled to Python source of numpy calls. Later calls run the compiled code; a guard
that fails inside it (the data took the other branch) makes a new variant, traced with
these values; past ``max_variants`` the function runs eagerly, with a one-time warning.
``FUNCGRAD_EXPLAIN_RETRACE=1`` (or ``explain_retrace=True``) logs why each retrace happens.

Called with tracers of an enclosing transformation (``grad(jit(f))``, ``vmap(jit(f))``),
a jitted function binds ``jit_call_p`` with its graph: reverse mode splits the graph into
a forward part that also returns residuals and a backward part, each compiled; forward
mode and batching transform the graph. Imports core, tree and the other transformations.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from ...core.avals import ShapedArray
from ...core.errors import FuncgradTypeError, FuncgradWarning, api_boundary
from ...core.graph import Graph, eval_graph
from ...core.primitive import CallPrimitive
from ...core.rules import VJP
from ...core.trace import Tracer
from ...primitives.shape import zeros_like
from ...tree import PyTreeDef, flatten, keystr, unflatten
from ...tree.registry import node_kind
from ...tree.treedef import _hashable, flatten_with_path
from .._common import fresh_outputs, fun_name, unwrap
from ..batching import BatchTrace, BatchTracer
from ..forward import JVPTrace
from ..reverse import ReverseTrace, parents_of
from .ad import SplitVJP, batch_graph, jvp_graph, vjp_graph
from .codegen import Compiled, GuardMiss, compile_graph
from .passes import optimize
from .trace import GraphTrace, Guard, input_aval, peek, trace_flat

log = logging.getLogger("funcgrad.jit")
DEBUG_NANS = False  # set by funcgrad.debug_nans: check outputs, find a NaN's origin eagerly

_SCALARS = (bool, int, float, complex)

jit_call_p = CallPrimitive("jit_call")


class FuncgradJitWarning(FuncgradWarning):
    """``jit`` gave up compiling a function (too many control-flow variants)."""


class Program:
    """A compiled graph, and the graphs derived from it (its VJP, JVP, batched forms)."""

    __slots__ = ("_derived", "compiled", "graph")

    def __init__(self, graph: Graph, guards: Sequence[Guard] = ()) -> None:
        self.graph = graph
        self.compiled: Compiled = compile_graph(graph, guards, name="jitted")
        self._derived: dict[Hashable, Any] = {}

    def derived(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """A program derived from this one (made once, then kept)."""
        value = self._derived.get(key)
        if value is None:
            value = self._derived[key] = make()
        return value


class Variant(Program):
    """One compiled program for a signature: valid while its guards hold.

    ``call`` is the program as the jitted function runs it: it returns the output pytree
    of fresh arrays (or a ``GuardMiss``); ``compiled.fn`` returns the flat outputs (for
    enclosing transformations and derived programs).
    """

    __slots__ = ("call", "guards", "out_tree")

    def __init__(self, graph: Graph, guards: list[Guard], out_tree: PyTreeDef) -> None:
        super().__init__(graph, guards)
        self.guards = guards
        self.out_tree = out_tree
        self.call = compile_graph(graph, guards, name="jitted", out_tree=out_tree).fn


class _Entry:
    __slots__ = ("eager", "variants")

    def __init__(self) -> None:
        self.variants: list[Variant] = []
        self.eager = False


class JitFunction:
    """The function ``jit`` returns; call it like the original.

    ``.lower(*args)`` returns the compiled program for those arguments' signature
    (``.source``: the generated Python; ``.graph``: the optimised graph);
    ``.cache_info()`` counts signatures and variants; ``.clear_cache()``.
    """

    def __init__(
        self,
        fun: Callable,
        static_argnums: Sequence[int],
        max_variants: int,
        cache_size: int,
        explain_retrace: bool | None,
    ) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.max_variants = max_variants
        self.cache_size = cache_size
        if explain_retrace is None:
            explain_retrace = os.environ.get("FUNCGRAD_EXPLAIN_RETRACE", "") not in ("", "0")
        self.explain = explain_retrace
        self._cache: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._warned = False
        self.traces = 0  # how often the Python body ran to trace (tests, diagnostics)
        self._last_call: _Call | None = None  # the last traced call (for explanations)

    def __repr__(self) -> str:
        return f"jit({fun_name(self.fun)})"

    # --- the call ---------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The hot path: plain arrays with a cached program whose guards hold.
        key, leaves = signature(args, kwargs, self.static_argnums)
        if key is not None:
            entry = self._cache.get(key)
            if entry is not None and not entry.eager:
                for variant in entry.variants:
                    out = variant.call(*leaves)
                    if type(out) is not GuardMiss:
                        if DEBUG_NANS and _has_nonfinite(out):
                            return self.fun(*args, **kwargs)  # again, eagerly: find the origin
                        return out
        return self._call(args, kwargs)

    @api_boundary
    def _call(self, args: tuple, kwargs: dict) -> Any:
        call = _Call(self, args, kwargs)
        entry = self._entry(call)
        if entry.eager:
            return self.fun(*args, **kwargs)
        if call.traced:
            return self._call_traced(call, entry)
        for variant in entry.variants:
            out = variant.call(*call.leaves)
            if type(out) is not GuardMiss:
                return out
            if self.explain:
                self._explain_guard(variant, out.index)
        traced, outs = self._retrace(call, entry)
        if traced is None:
            return self.fun(*args, **kwargs)
        return unflatten(
            traced.out_tree, fresh_outputs(outs, [*call.leaves, *traced.graph.consts])
        )

    def _call_traced(self, call: _Call, entry: _Entry) -> Any:
        # Under an enclosing transformation: reuse a variant without guards (its graph is
        # valid for any values); a graph with guards is traced again for these values.
        variant = next((v for v in entry.variants if not v.guards), None)
        if variant is None:
            variant, _ = self._retrace(call, entry)
            if variant is None or variant.guards:
                return self.fun(*call.args, **call.kwargs)
        outs = jit_call_p.bind(*call.leaves, fun=variant.compiled.fn, program=variant)
        return unflatten(variant.out_tree, list(outs))

    def _entry(self, call: _Call) -> _Entry:
        entry = self._cache.get(call.key)
        if entry is not None:
            self._cache.move_to_end(call.key)
            return entry
        if self.explain and self._cache:
            self._explain_signature(call)
        entry = self._cache[call.key] = _Entry()
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return entry

    def _retrace(self, call: _Call, entry: _Entry) -> tuple[Variant | None, list]:
        if len(entry.variants) >= self.max_variants:
            entry.eager = True
            if not self._warned:
                self._warned = True
                where = entry.variants[0].guards[0].source if entry.variants[0].guards else "?"
                warnings.warn(
                    f"jit({fun_name(self.fun)}): Python control flow on traced values (first at "
                    f"{where}) took {self.max_variants} different paths for one signature; "
                    "running it eagerly from now on. Use fg.cond/fg.while_loop or fnp.where "
                    "for data-dependent choices, or raise max_variants.",
                    FuncgradJitWarning,
                    stacklevel=4,
                )
            return None, []
        self.traces += 1
        traced = trace_flat(
            call.flat_fun(),
            [input_aval(x) for x in call.leaves],
            call.known(),
            call.hints if self.explain else None,
            differentiated=call.differentiated,
            weak_scalars=True,
        )
        graph = traced.graph
        graph.guards = traced.guards
        graph = optimize(graph, keep=[g.var for g in traced.guards])
        variant = Variant(graph, traced.guards, call.out_tree[0])
        entry.variants.insert(0, variant)
        outs = traced.outs
        if any(o is None for o in outs) and not call.traced:
            outs = list(variant.compiled.fn(*call.leaves))
        self._last_call = call
        return variant, outs

    # --- explanations ---------------------------------------------------------------------
    def _explain_signature(self, call: _Call) -> None:
        if self._last_call is not None:
            log.warning(
                "jit(%s): tracing again for a new signature: %s",
                fun_name(self.fun),
                _difference(self._last_call, call),
            )

    def _explain_guard(self, variant: Variant, index: int) -> None:
        g = variant.guards[index] if 0 <= index < len(variant.guards) else None
        what = (
            f"the {g.kind}() at {g.source} is no longer {g.expected!r}"
            if g is not None
            else "a guard failed"
        )
        log.warning("jit(%s): tracing again because %s", fun_name(self.fun), what)

    # --- inspection -------------------------------------------------------------------------
    def lower(self, *args: Any, **kwargs: Any) -> Compiled:
        """The compiled program for the signature (and control-flow path) of these args."""
        call = _Call(self, args, kwargs)
        entry = self._entry(call)
        for variant in entry.variants:
            if type(variant.compiled.fn(*call.leaves)) is not GuardMiss:
                return variant.compiled
        traced, _ = self._retrace(call, entry)
        if traced is None:
            raise FuncgradTypeError(f"{self!r} runs eagerly for these arguments")
        return traced.compiled

    def cache_info(self) -> dict[str, int]:
        """``{"signatures": ..., "variants": ..., "traces": ...}``."""
        return {
            "signatures": len(self._cache),
            "variants": sum(len(e.variants) for e in self._cache.values()),
            "traces": self.traces,
        }

    def clear_cache(self) -> None:
        self._cache.clear()


def _has_nonfinite(tree: Any) -> bool:
    return any(
        isinstance(x, np.ndarray) and x.dtype.kind in "fc" and not np.all(np.isfinite(x))
        for x in flatten(tree)[0]
    )


class _NotPlain(Exception):
    """A leaf the fast signature does not handle (a tracer, or not an array at all)."""


def _token(x: Any, leaves: list, tracers: bool) -> object:
    """The hashable signature of pytree ``x``; its leaves are appended to ``leaves`` in
    ``tree.flatten``'s order. Arrays by shape and dtype, Python scalars by type (typed
    ``object``: mypy does not count a class as ``Hashable``)."""
    t = type(x)
    if t is np.ndarray:
        leaves.append(x)
        return (x.shape, x.dtype)
    if t is tuple or t is list:
        return (t, tuple([_token(c, leaves, tracers) for c in x]))
    if t in _SCALARS:
        leaves.append(x)
        return t
    if x is None:
        return None
    if isinstance(x, Tracer):
        if not tracers:
            raise _NotPlain
        leaves.append(x)
        return ("traced", x.aval)
    if isinstance(x, (np.ndarray, np.generic)):
        leaves.append(x)
        return (np.shape(x), x.dtype)
    kind = node_kind(t)
    if kind is None:
        raise _NotPlain
    children, aux = kind.flatten(x)
    return (t, _hashable(aux), tuple([_token(c, leaves, tracers) for c in children]))


# (number of positional arguments, static ones as (index, value), tokens of the dynamic
# ones, (name, token) of the keyword ones)
CacheKey = tuple[
    int, tuple[tuple[int, Any], ...], tuple[object, ...], tuple[tuple[str, object], ...]
]


def signature(
    args: tuple, kwargs: dict, static_argnums: tuple[int, ...], tracers: bool = False
) -> tuple[CacheKey | None, list]:
    """``(cache key, dynamic leaves)`` of a call, or ``(None, [])`` where the fast path does
    not apply (a tracer, a non-array leaf or an unhashable static argument)."""
    leaves: list = []
    n = len(args)
    try:
        if static_argnums:
            static = {i % n for i in static_argnums if -n <= i < n}
            statics = tuple((i, args[i]) for i in sorted(static))
            hash(statics)
            dynamic = tuple(_token(args[i], leaves, tracers) for i in range(n) if i not in static)
        else:
            statics = ()
            dynamic = tuple(_token(a, leaves, tracers) for a in args)
        kw = (
            tuple((k, _token(kwargs[k], leaves, tracers)) for k in sorted(kwargs))
            if kwargs
            else ()
        )
    except (_NotPlain, TypeError):
        return None, []
    return (n, statics, dynamic, kw), leaves


class _Call:
    """One call of a jitted function (the slow path): its split, signature and tree."""

    __slots__ = (
        "args", "differentiated", "dynamic", "in_tree", "jitted", "key", "kwargs", "leaves",
        "out_tree", "sig", "traced",
    )  # fmt: skip

    def __init__(self, jitted: JitFunction, args: tuple, kwargs: dict) -> None:
        self.jitted, self.args, self.kwargs = jitted, args, kwargs
        n = len(args)
        static = {i % n for i in jitted.static_argnums if -n <= i < n}
        self.dynamic = [i for i in range(n) if i not in static]
        self.leaves, self.in_tree = flatten(([args[i] for i in self.dynamic], kwargs))
        self.traced = self.differentiated = False
        self.sig: list[Any] = []
        for k, x in enumerate(self.leaves):
            if isinstance(x, Tracer):
                self.traced = True
                self.differentiated |= bool(x.carries_derivative)
                self.sig.append(x.aval)
            elif isinstance(x, (np.ndarray, np.generic)):
                self.sig.append(ShapedArray(np.shape(x), x.dtype))
            elif isinstance(x, _SCALARS):
                self.sig.append((type(x), input_aval(x)))
            else:
                raise FuncgradTypeError(
                    f"{jitted!r}: argument {self.hints[k]} is a {type(x).__name__}, not an "
                    "array; mark it static with static_argnums (its value is then part of "
                    "the cache key) or pass it as an array"
                )
        for i in sorted(static):
            try:
                hash(args[i])
            except TypeError:
                raise FuncgradTypeError(
                    f"{jitted!r}: static argument {i} must be hashable (it keys the cache), "
                    f"got a {type(args[i]).__name__}; pass a tuple instead of a list, or make "
                    "it a traced argument"
                ) from None
        key, leaves = signature(args, kwargs, jitted.static_argnums, tracers=True)
        assert key is not None and len(leaves) == len(self.leaves)
        self.key = key
        self.out_tree: list[PyTreeDef] = []

    @property
    def hints(self) -> list[str]:
        """Readable names of the leaves (``argument 0['w1']``), for messages."""
        pairs, _ = flatten_with_path(([self.args[i] for i in self.dynamic], self.kwargs))
        return [_hint(p, self.dynamic) for p, _ in pairs]

    def known(self) -> list:
        return [peek(x) for x in self.leaves]

    def flat_fun(self) -> Callable[..., list]:
        def flat(*xs: Any) -> list:
            dyn, kw = unflatten(self.in_tree, xs)
            full = list(self.args)
            for i, v in zip(self.dynamic, dyn, strict=True):
                full[i] = v
            out_leaves, out_tree = flatten(self.jitted.fun(*full, **kw))
            self.out_tree.append(out_tree)
            return out_leaves

        return flat


def _hint(path: Any, dynamic: list[int]) -> str:
    if not path:
        return "?"
    head, rest = path[0], path[1:]
    if getattr(head, "idx", None) == 0 and rest:  # positional arguments
        pos = dynamic[rest[0].idx]
        return f"argument {pos}" + (keystr(rest[1:]) if rest[1:] else "")
    return "keyword " + keystr(rest)


def _difference(old: _Call, new: _Call) -> str:
    if len(old.args) != len(new.args) or old.in_tree != new.in_tree:
        return f"the arguments' structure changed ({old.in_tree} -> {new.in_tree})"
    for hint, a, b in zip(new.hints, old.sig, new.sig, strict=True):
        if a != b:
            return f"{hint} changed from {_sig_str(a)} to {_sig_str(b)}"
    if old.key[1] != new.key[1]:
        return f"a static argument changed ({old.key[1]!r} -> {new.key[1]!r})"
    return "a signature dropped from the cache was used again"


def _sig_str(s: Any) -> str:
    return f"Python {s[0].__name__}" if isinstance(s, tuple) else str(s)


def jit(
    fun: Callable,
    static_argnums: int | Sequence[int] = (),
    *,
    max_variants: int = 8,
    cache_size: int = 64,
    explain_retrace: bool | None = None,
) -> JitFunction:
    """Compile ``fun``: trace once per input signature, optimise, run generated numpy.

    Args:
      fun: a function of pytrees of arrays (Python scalars are traced values too, typed as
        numpy types them; other objects must be static).
      static_argnums: positional arguments passed as they are (hashable: their values
        are part of the cache key), e.g. sizes, flags, functions.
      max_variants: how many control-flow paths (guard outcomes) one signature may have
        before the function runs eagerly.
      cache_size: signatures kept (least recently used ones are dropped).
      explain_retrace: log why each retrace happens (default: the environment variable
        ``FUNCGRAD_EXPLAIN_RETRACE``).

    Returns:
      A ``JitFunction`` with ``fun``'s results (equal to eager up to float rounding; fresh
      arrays). ``fun``'s Python body runs once per signature and control-flow path.
      Composes with every transformation, in any order.

    Example:
      >>> import numpy as np, funcgrad.numpy as fnp
      >>> f = jit(lambda x: fnp.sum(x * 2.0))
      >>> f(np.arange(3.0))
      array(6.)
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    return JitFunction(fun, static, max_variants, cache_size, explain_retrace)


# --- jit_call under enclosing transformations -------------------------------------------


def _bind_program(program: Program, args: Sequence[Any]) -> list:
    return list(jit_call_p.bind(*args, fun=program.compiled.fn, program=program))


def _jit_reverse(trace: ReverseTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    program: Program = params["program"]
    split = program.derived("vjp", lambda: _SplitPrograms(vjp_graph(program.graph)))
    vals, parents = parents_of(trace, args)
    both = _bind_program(split.forward, vals)
    outs, residuals = both[: split.n_out], both[split.n_out :]
    node_params = {"split": split, "residuals": residuals}
    return trace.record(jit_call_p, _JIT_RULE, node_params, vals, outs, parents)


class _SplitPrograms:
    __slots__ = ("backward", "diff_in", "diff_out", "forward", "n_out")

    def __init__(self, split: SplitVJP) -> None:
        self.forward, self.backward = Program(split.forward), Program(split.backward)
        self.diff_in, self.diff_out, self.n_out = split.diff_in, split.diff_out, split.n_out


def _jit_vjp(out_bar, out, *args, split, residuals):
    del out
    cts = [out_bar[j] for j in split.diff_out]
    bars = _bind_program(split.backward, [*residuals, *cts])
    result: list[Any] = [None] * len(args)
    for i, b in zip(split.diff_in, bars, strict=True):
        result[i] = b
    return result


VJP.define_joint(jit_call_p, _jit_vjp)
_JIT_RULE = VJP.lookup(jit_call_p)


def _jit_forward(trace: JVPTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    program: Program = params["program"]
    jprog, diff_in, diff_out = program.derived("jvp", lambda: _jvp_program(program))
    primals, tangents = unwrap(trace, args)
    dots = [zeros_like(primals[i]) if tangents[i] is None else tangents[i] for i in diff_in]
    both = _bind_program(jprog, [*primals, *dots])
    n_out = len(program.graph.outvars)
    outs, out_dots = both[:n_out], dict(zip(diff_out, both[n_out:], strict=True))
    return [trace.wrap(o, out_dots.get(j)) for j, o in enumerate(outs)]


def _jvp_program(program: Program) -> tuple[Program, list[int], list[int]]:
    graph, diff_in, diff_out = jvp_graph(program.graph)
    return Program(graph), diff_in, diff_out


def _jit_batch(trace: BatchTrace, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    del fun
    program: Program = params["program"]
    vals, dims = unwrap(trace, args)
    key = ("batch", tuple(dims), trace.axis_size)
    bprog = program.derived(
        key, lambda: Program(batch_graph(program.graph, dims, trace.axis_size))
    )
    return [BatchTracer(trace, o, 0) for o in _bind_program(bprog, vals)]


def _jit_inline(trace: Any, fun: Callable, args: Sequence[Any], params: dict) -> Any:
    # nested jit: its equations join the enclosing graph (and its optimisation)
    del trace, fun
    graph = params["program"].graph
    return eval_graph(graph, graph.consts, args)


ReverseTrace.call_handlers[jit_call_p] = _jit_reverse
JVPTrace.call_handlers[jit_call_p] = _jit_forward
BatchTrace.call_handlers[jit_call_p] = _jit_batch
GraphTrace.call_handlers[jit_call_p] = _jit_inline
