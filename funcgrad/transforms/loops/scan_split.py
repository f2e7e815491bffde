"""A scan split by what depends on the carry: work before the loop, in it, and after it.

A scan body ``(consts, carry, x) -> (carry, y)`` does much of its work on values that do
not need the loop: an RNN's input projection ``x @ Wx`` depends only on the step's ``x``,
the transposes of its weights only on the constants, and in a backward scan the weight
gradients ``acc + x.T @ g`` only feed an accumulator. ``plan_split`` sorts the equations
of a body into

- **once, before the loop**: those that depend only on the constants;
- **batched, before the loop**: those that depend on ``x`` but not on the carry, computed
  for all steps at once (the sub-graph batched over the time axis); the loop reads their
  per-step results as extra ``xs``;
- **in the loop**: those the next carry needs;
- **batched, after the loop**: the rest, i.e. per-step outputs no carry needs and the
  contributions to *accumulators* (carries only ever updated as ``acc + contribution``),
  over the per-step values the loop stacks as extra ``ys``. An accumulator ends as
  ``init + sum(contributions, axis=0)``, which the simplify pass turns into one
  contraction over time where the contribution is a ``matmul`` or ``einsum``.

An addition ``(inv1 + dep) + inv2`` of two loop-invariant values and a carry-dependent one
becomes ``(inv1 + inv2) + dep``, so that the bias of ``x @ Wx + h @ Wh + b`` joins the
input projection before the loop.

Results equal the plain loop's to float rounding, not bitwise: accumulators are summed in
another order (over all steps at once instead of one step at a time), additions are
reassociated, and batched primitives may call other kernels. Memory: before- and
after-the-loop values are per-step values stacked over ``T`` steps; an accumulator whose
after-the-loop program would hold a value larger than everything it reads and returns
(``T`` copies of a weight: the contraction rewrite did not apply) stays in the loop.
Imports core, the primitive families and the transformations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.avals import ShapedArray
from ...core.graph import Atom, Equation, Graph, Var, eval_graph
from ...primitives.elementwise import add, add_p
from ...primitives.reductions import sum_
from ..batching import vmap
from ..graph.passes import optimize, reuse_buffers
from ..graph.trace import trace_flat

CONST, X, CARRY = 0, 1, 2  # what a body value depends on, at most
MIN_LENGTH = 2  # shorter loops are left as they are

BindScan = Callable[[list, list, list, Graph, int, bool], list]


class Split:
    """A scan body sorted into once-before, batched-before, loop and batched-after parts,
    for one loop length. ``apply`` binds the parts on a scan's arguments."""

    __slots__ = (
        "accs", "after", "after_in", "after_ys", "before", "before_in", "before_out",
        "const_in", "length", "loop", "loop_carry", "loop_consts", "loop_xs", "loop_ys",
        "n_h", "once", "x_in", "ys",
    )  # fmt: skip

    def apply(self, consts: Sequence[Any], init: Sequence[Any], xs: Sequence[Any],
              reverse: bool, bind_scan: BindScan) -> list:  # fmt: skip
        """The scan's results ``(*final_carry, *ys)``, computed by the parts."""
        fixed: dict[Var, Any] = dict(zip(self.const_in, consts, strict=True))
        if self.once is not None:
            outs = eval_graph(self.once, self.once.consts, list(consts))
            fixed.update(zip(self.once.outvars, outs, strict=True))  # type: ignore[arg-type]
        stacks: dict[Any, Any] = dict(zip(self.x_in, xs, strict=True))
        if self.before is not None:
            outs = eval_graph(
                self.before, self.before.consts, _inputs(self.before_in, fixed, stacks)
            )
            stacks.update(zip(self.before_out, outs, strict=True))
        finals: dict[int, Any] = {}
        if self.loop is not None:
            outs = bind_scan(
                [fixed[v] for v in self.loop_consts],
                [init[k] for k in self.loop_carry],
                [stacks[v] for v in self.loop_xs],
                self.loop,
                self.length,
                reverse,
            )
            n = len(self.loop_carry)
            finals.update(zip(self.loop_carry, outs[:n], strict=True))
            stacks.update(zip(self.loop_ys, outs[n:], strict=True))  # literals by identity
        if self.after is not None:
            args = _inputs(self.after_in, fixed, stacks)
            outs = eval_graph(self.after, self.after.consts, args)
            n = len(self.after_ys)
            stacks.update(zip(self.after_ys, outs[:n], strict=True))
            for k, total in zip(self.accs, outs[n:], strict=True):
                finals[k] = add(init[k], total)
        return [*(finals[k] for k in range(self.n_h)), *(stacks[a] for a in self.ys)]


def _inputs(spec: tuple[list[Var], list[Var]], fixed: dict, stacks: dict) -> list:
    return [*(fixed[v] for v in spec[0]), *(stacks[v] for v in spec[1])]


def plan_split(body: Graph, n_c: int, n_h: int, length: int) -> Split | None:
    """How ``body`` (``(consts, carry, x) -> (carry, y)``) runs as parts around a loop of
    ``length`` steps, or None where nothing would leave the loop."""
    if length < MIN_LENGTH or not body.eqns:
        return None
    eqns, cls = _reassociated(body, n_c, n_h)
    accs = _accumulators(body, eqns, cls, n_c, n_h)
    while True:
        split = _build(body, eqns, cls, n_c, n_h, length, accs)
        if split is None:
            return None
        too_big = _oversized_accumulators(split)
        if not too_big:
            return split
        accs = [k for k in accs if k not in too_big]


def _classes(body: Graph, n_c: int, n_h: int) -> dict[Var, int]:
    cls: dict[Var, int] = dict.fromkeys(body.constvars, CONST)
    for i, v in enumerate(body.invars):
        cls[v] = CONST if i < n_c else CARRY if i < n_c + n_h else X
    return cls


def _class_of(inputs: Sequence[Atom], cls: dict[Var, int]) -> int:
    return max((cls[a] for a in inputs if isinstance(a, Var)), default=CONST)


def _reassociated(body: Graph, n_c: int, n_h: int) -> tuple[list[Equation], dict[Var, int]]:
    """The body's equations (buffer decisions dropped: the parts get their own) with
    ``(inv1 + dep) + inv2`` rewritten as ``(inv1 + inv2) + dep``, and every value's class."""
    cls = _classes(body, n_c, n_h)
    uses = _use_counts(body.eqns, body.outvars)
    eqns: list[Equation | None] = []
    producer: dict[Var, int] = {}  # var -> index in eqns
    for old in body.eqns:
        eqn = Equation(old.prim, old.inputs, old.params, old.outputs, old.source)
        c = _class_of(eqn.inputs, cls)
        pair = _invariant_pair(eqn, c, cls, uses, producer, eqns)
        if pair is not None:  # the inner add goes; both invariant terms are summed here
            index, inv, dep = pair
            shape = np.broadcast_shapes(inv[0].aval.shape, inv[1].aval.shape)
            inner = Var(ShapedArray(shape, eqn.outputs[0].aval.dtype))
            eqns[index] = None
            cls[inner] = _class_of(inv, cls)
            producer[inner] = len(eqns)
            eqns.append(Equation(add_p, inv, {}, [inner], eqn.source))
            eqn = Equation(add_p, [inner, dep], {}, eqn.outputs, eqn.source)
        for v in eqn.outputs:
            cls[v] = c
            producer[v] = len(eqns)
        eqns.append(eqn)
    return [e for e in eqns if e is not None], cls


def _invariant_pair(eqn: Equation, c: int, cls: dict, uses: dict, producer: dict,
                    eqns: list[Equation | None]) -> tuple[int, list[Var], Var] | None:  # fmt: skip
    """For ``eqn = add(add(inv1, dep), inv2)``: (index of the inner add, [inv1, inv2], dep)."""
    if eqn.prim is not add_p or c != CARRY:
        return None
    out = eqn.outputs[0].aval
    for inner, inv2 in (eqn.inputs, eqn.inputs[::-1]):
        if not (isinstance(inner, Var) and isinstance(inv2, Var)) or cls[inv2] == CARRY:
            continue
        index = producer.get(inner)
        first = eqns[index] if index is not None else None
        if first is None or first.prim is not add_p or uses.get(inner) != 1:
            continue
        for inv1, dep in (first.inputs, first.inputs[::-1]):
            if not (isinstance(inv1, Var) and isinstance(dep, Var)):
                continue
            if cls[inv1] == CARRY or cls[dep] != CARRY:
                continue
            avals = [inv1.aval, dep.aval, inv2.aval, inner.aval]
            if any(a.weak or a.dtype != out.dtype for a in avals):
                continue
            both = np.broadcast_shapes(inv1.aval.shape, inv2.aval.shape)
            if np.broadcast_shapes(both, dep.aval.shape) != tuple(out.shape):
                continue
            return index, [inv1, inv2], dep
    return None


def _use_counts(eqns: Sequence[Equation], outvars: Sequence[Atom]) -> dict[Var, int]:
    uses: dict[Var, int] = {}
    for a in [a for e in eqns for a in e.inputs] + list(outvars):
        if isinstance(a, Var):
            uses[a] = uses.get(a, 0) + 1
    return uses


def _accumulators(body: Graph, eqns: list[Equation], cls: dict, n_c: int, n_h: int) -> list[int]:
    """Carry positions ``k`` whose new value is ``carry[k] + c`` and nothing else reads
    ``carry[k]`` or the sum (``c`` of the carry's shape and dtype, not a constant)."""
    uses = _use_counts(eqns, body.outvars)
    producer = {v: e for e in eqns for v in e.outputs}
    found = []
    for k in range(n_h):
        acc, out = body.invars[n_c + k], body.outvars[k]
        eqn = producer.get(out) if isinstance(out, Var) else None
        if eqn is None or eqn.prim is not add_p or acc not in eqn.inputs:
            continue
        c = eqn.inputs[1] if eqn.inputs[0] is acc else eqn.inputs[0]
        if not isinstance(c, Var) or c is acc or cls[c] == CONST:
            continue
        if uses.get(acc) != 1 or uses.get(out) != 1:
            continue
        if not (c.aval.shape == acc.aval.shape == out.aval.shape):
            continue
        if not (c.aval.dtype == acc.aval.dtype == out.aval.dtype):
            continue
        found.append(k)
    return found


def _build(body: Graph, eqns: list[Equation], cls: dict[Var, int], n_c: int, n_h: int,
           length: int, accs: list[int]) -> Split | None:  # fmt: skip
    const_in, x_in = body.invars[:n_c], body.invars[n_c + n_h :]
    carry_in = body.invars[n_c : n_c + n_h]
    carry_out, ys = body.outvars[:n_h], body.outvars[n_h:]
    producer = {v: e for e in eqns for v in e.outputs}
    acc_adds = {id(producer[carry_out[k]]) for k in accs}  # type: ignore[index]
    contrib = {}
    for k in accs:
        a, b = producer[carry_out[k]].inputs  # type: ignore[index]
        contrib[k] = b if a is carry_in[k] else a
    in_loop: set[int] = set()  # what the carries that stay in the loop need
    todo = [carry_out[k] for k in range(n_h) if k not in contrib]
    while todo:
        v = todo.pop()
        e = producer.get(v) if isinstance(v, Var) and cls[v] == CARRY else None
        if e is not None and id(e) not in in_loop:
            in_loop.add(id(e))
            todo.extend(e.inputs)

    def eqn_class(e: Equation) -> int:
        return cls[e.outputs[0]] if e.outputs else _class_of(e.inputs, cls)

    once_e = [e for e in eqns if eqn_class(e) == CONST]
    before_e = [e for e in eqns if eqn_class(e) == X]
    loop_e = [e for e in eqns if id(e) in in_loop]
    after_e = [e for e in eqns if eqn_class(e) == CARRY and id(e) not in in_loop | acc_adds]
    if not (once_e or before_e or after_e or accs):
        return None
    after_vars = {v for e in after_e for v in e.outputs}
    constvars = set(body.constvars)

    def stacked_outside(a: Atom) -> bool:  # a per-step value not made by the loop
        return isinstance(a, Var) and (cls[a] == X or a in after_vars)

    after_ys = _unique(a for a in ys if isinstance(a, Var) and a in after_vars)
    after_fixed, after_stacked = _external(after_e, [*after_ys, *contrib.values()], cls, constvars)
    loop_carry = [k for k in range(n_h) if k not in contrib]
    loop_ys = _unique([*(a for a in ys if not stacked_outside(a)),
                       *(v for v in after_stacked if cls[v] == CARRY)])  # fmt: skip
    loop_outs = [*(carry_out[k] for k in loop_carry), *loop_ys]
    loop_in = {carry_in[k] for k in loop_carry}
    loop_consts, loop_xs = _external(loop_e, loop_outs, cls, constvars | loop_in)
    assert all(cls[v] == X for v in loop_xs), "the loop reads only its own carries"
    before_fixed, before_xs = _external(before_e, [], cls, constvars)
    before_vars = {v for e in before_e for v in e.outputs}
    wanted = [*loop_xs, *after_stacked, *ys]
    before_out = _unique(a for a in wanted if isinstance(a, Var) and a in before_vars)
    once_vars = {v for e in once_e for v in e.outputs}
    wanted = [*loop_consts, *after_fixed, *before_fixed]
    once_out = _unique(v for v in wanted if v in once_vars)

    split = Split()
    split.length, split.n_h, split.ys = length, n_h, list(ys)
    split.const_in, split.x_in = list(const_in), list(x_in)
    split.once = _graph(body, list(const_in), once_e, once_out) if once_out else None
    split.before, split.before_in, split.before_out = None, ([], []), before_out
    if before_out:
        p1 = _graph(body, [*before_fixed, *before_xs], before_e, before_out)
        split.before = _batched(p1, len(before_fixed), length, 0)
        split.before_in = (before_fixed, before_xs)
    split.loop = None
    if loop_outs:
        loop = _graph(body, [*loop_consts, *(carry_in[k] for k in loop_carry), *loop_xs],
                      loop_e, loop_outs)  # fmt: skip
        split.loop = reuse_buffers(loop)
        split.loop.cache[("split", length)] = NO_SPLIT  # already split: it is all recurrent
    split.loop_consts, split.loop_carry, split.loop_xs = loop_consts, loop_carry, loop_xs
    split.loop_ys = loop_ys
    split.accs, split.after_ys, split.after, split.after_in = (
        list(contrib),
        after_ys,
        None,
        ([], []),
    )
    if after_ys or contrib:
        q1 = _graph(body, [*after_fixed, *after_stacked], after_e, [*after_ys, *contrib.values()])
        split.after = _batched(q1, len(after_fixed), length, len(contrib))
        split.after_in = (after_fixed, after_stacked)
    return split


NO_SPLIT = "no split"  # the cached plan of a body that runs as it is


def _unique(atoms: Any) -> list:
    seen: set[int] = set()
    out = []
    for a in atoms:
        if id(a) not in seen:
            seen.add(id(a))
            out.append(a)
    return out


def _external(eqns: list[Equation], outs: Sequence[Atom], cls: dict[Var, int],
              skip: set[Var]) -> tuple[list[Var], list[Var]]:  # fmt: skip
    """The variables ``eqns`` and ``outs`` read that ``eqns`` do not make (other than
    ``skip``): ``(constant ones, per-step ones)``."""
    made = {v for e in eqns for v in e.outputs}
    reads = [a for e in eqns for a in e.inputs] + list(outs)
    needed = _unique(a for a in reads if isinstance(a, Var) and a not in made and a not in skip)
    return [v for v in needed if cls[v] == CONST], [v for v in needed if cls[v] != CONST]


def _graph(body: Graph, invars: list[Var], eqns: list[Equation], outvars: list) -> Graph:
    return Graph(invars, body.constvars, body.consts, eqns, outvars)


def _batched(graph: Graph, n_fixed: int, size: int, n_sum: int) -> Graph:
    """``graph`` over all steps at once: its inputs after the first ``n_fixed`` stacked on a
    leading axis of ``size``, every output stacked, the last ``n_sum`` summed over it."""
    dims = (None,) * n_fixed + (0,) * (len(graph.invars) - n_fixed)
    avals = [
        a if d is None else ShapedArray((size, *a.shape), a.dtype)
        for a, d in zip(graph.in_avals, dims, strict=True)
    ]
    n_plain = len(graph.outvars) - n_sum

    def step(*args: Any) -> list:
        return eval_graph(graph, graph.consts, args)

    def combined(*args: Any) -> list:
        outs = list(vmap(step, in_axes=dims, out_axes=0, axis_size=size)(*args))
        return [*outs[:n_plain], *(sum_(o, axis=(0,)) for o in outs[n_plain:])]

    return optimize(trace_flat(combined, avals).graph)


def _oversized_accumulators(split: Split) -> list[int]:
    """The accumulators whose after-the-loop program holds a value larger than every input
    and result of that program (T copies of a weight the contraction rewrite missed)."""
    after = split.after
    if after is None or not split.accs:
        return []
    sizes = [int(np.prod(a.aval.shape)) for a in [*after.invars, *after.outvars]]
    limit = max(sizes, default=0)
    producer = {v: e for e in after.eqns for v in e.outputs}
    n_ys = len(split.after_ys)
    found = []
    for k, out in zip(split.accs, after.outvars[n_ys:], strict=True):
        todo, seen = [out], set()
        while todo:
            v = todo.pop()
            e = producer.get(v) if isinstance(v, Var) else None
            if e is None or id(e) in seen:
                continue
            seen.add(id(e))
            if any(int(np.prod(o.aval.shape)) > limit for o in e.outputs):
                found.append(k)
                break
            todo.extend(e.inputs)
    return found
