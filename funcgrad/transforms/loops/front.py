"""The user-facing loops under graph tracing: ``scan`` as ``scan_p``, ``truncated_scan`` as
scans over chunks; ``cond``, ``fori_loop`` and ``while_loop`` (eager and traced).

``transforms/control_flow.py`` calls ``scan_traced``/``truncated_scan_traced`` when a graph
is being traced; ``cond``, ``fori_loop`` and ``while_loop`` are defined here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...core.avals import ShapedArray
from ...core.errors import FuncgradTypeError
from ...core.graph import Graph, Var
from ...core.trace import Tracer, trace_stack
from ...primitives.elementwise import stop_gradient
from ...primitives.shape import flip
from ...tree import flatten, unflatten
from .. import control_flow as cf
from ..graph.trace import input_aval
from ._common import Body, aval_of, graph_mode, strong, trace_body
from .cond import bind_cond
from .scan import bind_scan
from .while_loop import bind_while


def _slice_aval(x: Any) -> ShapedArray:
    a = aval_of(x)
    return ShapedArray(a.shape[1:], a.dtype)


def scan_traced(name: str, f: Callable, init: Any, xs: Any, length: Any, reverse: bool) -> Any:
    """``scan`` as one ``scan_p`` equation (its body traced once)."""
    xs_leaves, xs_tree = flatten(xs)
    n = cf._length(name, xs_leaves, length)
    check = cf._CarryCheck(name, init)
    init_leaves, init_tree = flatten(init)
    body, y_tree = _trace_step(name, f, init_tree, init_leaves, xs_tree, xs_leaves)
    n_h = len(init_leaves)
    carry = unflatten(init_tree, [a.dummy() for a in body.graph.out_avals[:n_h]])
    retry = check.first(carry)
    if retry is not None:  # Python scalars in init adopt f's dtypes, as in the eager loop
        init_leaves = flatten(retry)[0]
        body, y_tree = _trace_step(name, f, init_tree, init_leaves, xs_tree, xs_leaves)
        carry = unflatten(init_tree, [a.dummy() for a in body.graph.out_avals[:n_h]])
    check.check(carry, 0)
    outs = bind_scan(body.hoisted, init_leaves, xs_leaves, body.graph, n, reverse)
    return unflatten(init_tree, outs[:n_h]), unflatten(y_tree, outs[n_h:])


def _trace_step(
    name: str, f: Callable, init_tree: Any, init_leaves: list, xs_tree: Any, xs_leaves: list
) -> tuple[Body, Any]:
    """One step of ``f`` traced on the carry's and one slice of ``xs``'s avals."""
    n_h = len(init_leaves)
    trees: list = []

    def step(*leaves: Any) -> list:
        carry = unflatten(init_tree, leaves[:n_h])
        x = unflatten(xs_tree, leaves[n_h:]) if xs_leaves else None
        new_carry, y = cf._run_step(name, f, carry, x)
        carry_leaves, carry_tree = flatten(new_carry)
        if carry_tree != init_tree:
            raise FuncgradTypeError(
                f"{name}: the carry returned by `f` has structure {carry_tree} but init has "
                f"structure {init_tree}"
            )
        y_leaves, y_tree = flatten(y)
        trees.append(y_tree)
        return [*carry_leaves, *y_leaves]

    avals = [input_aval(c) for c in init_leaves] + [_slice_aval(x) for x in xs_leaves]
    return trace_body(step, avals), trees[0]


def truncated_scan_traced(
    f: Callable, init: Any, xs: Any, truncation: int, length: Any, reverse: bool
) -> Any:
    """``truncated_scan`` as scans over chunks of ``truncation`` steps (each chunk's carry
    cut), so its body is traced once, not once per step."""
    name = "truncated_scan"
    xs_leaves, xs_tree = flatten(xs)
    n = cf._length(name, xs_leaves, length)
    if reverse:  # steps run from the end: scan the flipped sequence forwards
        flipped = unflatten(xs_tree, [flip(x, (0,)) for x in xs_leaves]) if xs_leaves else None
        carry, ys = truncated_scan_traced(f, init, flipped, truncation, n, False)
        ys_leaves, ys_tree = flatten(ys)
        return carry, unflatten(ys_tree, [flip(y, (0,)) for y in ys_leaves])
    k = truncation
    first = min(k, n)

    def part(leaves: list, start: int, stop: int) -> Any:
        return unflatten(xs_tree, [x[start:stop] for x in leaves]) if leaves else None

    carry, ys_first = scan_traced(name, f, init, part(xs_leaves, 0, first), first, False)
    pieces = [ys_first]
    chunks = (n - first) // k
    if chunks:

        def chunk(c: Any, xc: Any) -> tuple[Any, Any]:
            c = _cut(c)
            return scan_traced(name, f, c, xc, k, False)

        body_xs = (
            unflatten(xs_tree, [
                x[first : first + chunks * k].reshape((chunks, k, *x.shape[1:]))
                for x in xs_leaves
            ]) if xs_leaves else None
        )  # fmt: skip
        carry, ys_chunks = scan_traced(name, chunk, carry, body_xs, chunks, False)
        pieces.append(_merge_chunks(ys_chunks))
    rest = n - first - chunks * k
    if rest:
        carry, ys_rest = scan_traced(
            name, f, _cut(carry), part(xs_leaves, n - rest, n), rest, False
        )
        pieces.append(ys_rest)
    return carry, _concat_ys(pieces)


def _cut(carry: Any) -> Any:
    leaves, tree = flatten(carry)
    return unflatten(tree, [stop_gradient(c) for c in leaves])


def _merge_chunks(ys: Any) -> Any:
    leaves, tree = flatten(ys)
    return unflatten(tree, [y.reshape((y.shape[0] * y.shape[1], *y.shape[2:])) for y in leaves])


def _concat_ys(pieces: list) -> Any:
    from ...primitives.shape import concatenate

    if len(pieces) == 1:
        return pieces[0]
    trees = [flatten(p) for p in pieces]
    tree = trees[0][1]
    columns = zip(*(t[0] for t in trees), strict=True)
    return unflatten(tree, [concatenate(list(ls), 0) for ls in columns])


# --- cond ----------------------------------------------------------------------------------


def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    ``pred`` is a scalar (bool, or a number: nonzero is true). With a concrete ``pred`` the
    chosen branch simply runs; with a traced one (under ``jit``, or batched by ``vmap``) both
    branches are traced: they must return the same structure, shapes and dtypes, and the
    choice is made without Python branching (``vmap`` selects elementwise). Differentiable
    in every mode.

    Raises:
      TypeError: ``pred`` is not a scalar, or the branches' outputs differ (both shown).
    """
    if np.shape(pred) != ():
        raise FuncgradTypeError(
            f"cond: pred must be a scalar (bool), got shape {np.shape(pred)}; reduce it (e.g. "
            "fnp.all(...)) or use fnp.where for an elementwise choice"
        )
    if not isinstance(pred, Tracer):
        return (true_fun if bool(pred) else false_fun)(*operands)
    if not graph_mode():
        try:  # a value of grad or jvp: its branch runs (its derivative is the branch's)
            return (true_fun if bool(pred.concrete()) else false_fun)(*operands)
        except FuncgradTypeError:
            pass  # batched by vmap: no single value
    leaves, tree = flatten(operands)
    avals = [strong(input_aval(x)) for x in leaves]
    trees: list = []

    def branch(fun: Callable) -> Callable[..., list]:
        def flat(*xs: Any) -> list:
            out_leaves, out_tree = flatten(fun(*unflatten(tree, xs)))
            trees.append(out_tree)
            return out_leaves

        return flat

    tb = trace_body(branch(true_fun), avals)
    fb = trace_body(branch(false_fun), avals)
    t_avals, f_avals = tb.graph.out_avals, fb.graph.out_avals
    if trees[0] != trees[1] or [strong(a) for a in t_avals] != [strong(a) for a in f_avals]:
        raise FuncgradTypeError(
            "cond: both branches must return the same structure, shapes and dtypes; "
            f"true_fun returns {trees[0]} with {[str(a) for a in t_avals]}, false_fun "
            f"{trees[1]} with {[str(a) for a in f_avals]}"
        )
    nt, nf = len(tb.hoisted), len(fb.hoisted)
    t_graph = _padded(tb.graph, nt, [v.aval for v in fb.graph.invars[:nf]], after=True)
    f_graph = _padded(fb.graph, nf, [v.aval for v in tb.graph.invars[:nt]], after=False)
    outs = bind_cond(pred, [*tb.hoisted, *fb.hoisted, *leaves], [t_graph, f_graph])
    return unflatten(trees[0], outs)


def _padded(graph: Graph, n_own: int, other: list, after: bool) -> Graph:
    """A branch taking the other branch's constants too (unused), so both match."""
    extra = [Var(a) for a in other]
    own, rest = graph.invars[:n_own], graph.invars[n_own:]
    invars = [*own, *extra, *rest] if after else [*extra, *own, *rest]
    return Graph(invars, graph.constvars, graph.consts, graph.eqns, graph.outvars)


# --- fori_loop and while_loop -----------------------------------------------------------------


def fori_loop(lower: Any, upper: Any, body_fun: Callable, init_val: Any) -> Any:
    """``body_fun(i, val)`` applied for ``i`` in ``range(lower, upper)``; returns ``val``.

    With concrete bounds this is a ``scan`` (differentiable in every mode; under ``jit`` one
    loop); with traced bounds a ``while_loop`` (no reverse mode).
    """
    if not isinstance(lower, Tracer) and not isinstance(upper, Tracer):
        lo, hi = int(lower), int(upper)
        if not graph_mode():
            val = init_val
            for i in range(lo, hi):
                val = body_fun(i, val)
            return val
        carry, _ = scan_traced(
            "fori_loop", lambda v, i: (body_fun(i, v), None), init_val, np.arange(lo, hi),
            None, False,
        )  # fmt: skip
        return carry

    def keep_going(state: Any) -> Any:
        return state[0] < upper

    def step(state: Any) -> Any:
        i, val = state
        return i + 1, body_fun(i, val)

    return while_loop(keep_going, step, (lower, init_val))[1]


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any) -> Any:
    """Loop ``val = body_fun(val)`` while ``cond_fun(val)``; returns the final ``val``.

    ``body_fun`` must keep ``val``'s structure, shapes and dtypes. Forward mode and ``vmap``
    work (a batched condition loops each element until its own condition fails); reverse
    mode raises a clear error, as in JAX (use ``scan`` or ``fori_loop``).
    """
    leaves, tree = flatten(init_val)
    if not trace_stack():
        val = init_val
        while bool(cond_fun(val)):
            val = body_fun(val)
        return val
    avals = [strong(input_aval(x)) for x in leaves]
    cb = trace_body(lambda *xs: [cond_fun(unflatten(tree, xs))], avals)
    pred = cb.graph.outvars[0].aval
    if pred is None or pred.shape != ():
        raise FuncgradTypeError(
            f"while_loop: cond_fun must return a scalar, got {pred}; reduce it (e.g. fnp.all)"
        )
    out_trees: list = []

    def step(*xs: Any) -> list:
        new_leaves, new_tree = flatten(body_fun(unflatten(tree, xs)))
        out_trees.append(new_tree)
        return new_leaves

    bb = trace_body(step, avals)
    got = [strong(a) for a in bb.graph.out_avals]
    if out_trees[0] != tree or got != avals:
        raise FuncgradTypeError(
            "while_loop: body_fun must return a value with init_val's structure, shapes and "
            f"dtypes; init_val is {tree} with {[str(a) for a in avals]}, body_fun returned "
            f"{out_trees[0]} with {[str(a) for a in got]}"
        )
    outs = bind_while(cb.hoisted, bb.hoisted, leaves, cb.graph, bb.graph)
    return unflatten(tree, outs)
