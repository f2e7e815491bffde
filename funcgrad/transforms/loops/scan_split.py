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
  ``init + sum(contributions, axis=0)``, which ``contract_batched_sums`` (graph passes,
  simplify) turns into one contraction over time where the contribution is a ``matmul``,
  an outer product or an ``einsum``: ``xs.reshape(-1, I).T @ g.reshape(-1, H)``.

Carries the body returns unchanged are constants; a step's incoming carry, where the
after-the-loop part reads it, is the stack of outgoing carries shifted by one step.

An addition ``(inv1 + dep) + inv2`` of two loop-invariant values and a carry-dependent one
becomes ``(inv1 + inv2) + dep``, so that the bias of ``x @ Wx + h @ Wh + b`` joins the
input projection before the loop.

Results equal the plain loop's to float rounding, not bitwise: accumulators are summed in
another order (over all steps at once instead of one step at a time), additions are
reassociated, and batched primitives may call other kernels. Memory: before- and
after-the-loop values are per-step values stacked over ``T`` steps. Work whose values are
larger than every value the recurrence itself handles stays in the loop (``scan_stages``),
and so does an accumulator whose after-the-loop program would still hold ``T`` times more
than that (``T`` copies of a weight: the contraction did not apply).
Imports core, the primitive families and the transformations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.avals import ShapedArray
from ...core.graph import Atom, Equation, Graph, Var, eval_graph
from ...core.trace import Tracer
from ...primitives.elementwise import add
from ...primitives.reductions import sum_
from ...primitives.shape import concatenate, reshape, slice_
from ..batching import vmap
from ..graph.passes import optimize, reuse_buffers
from ..graph.passes.simplify import contract_batched_sums
from ..graph.trace import trace_flat
from .scan_stages import AFTER, BEFORE, CONST, LOOP, ONCE, Stages

MIN_LENGTH = 2  # shorter loops are left as they are

BindScan = Callable[[list, list, list, Graph, int, bool], list]


class Split:
    """A scan body sorted into once-before, batched-before, loop and batched-after parts,
    for one loop length. ``apply`` binds the parts on a scan's arguments."""

    __slots__ = (
        "accs", "after", "after_in", "after_ys", "before", "before_in", "before_out",
        "const_in", "length", "loop", "loop_carry", "loop_consts", "loop_xs", "loop_ys",
        "n_fixed_after", "n_h", "once", "passed", "shifted", "x_in", "ys",
    )  # fmt: skip
    length: int  # the loop length the split is for
    n_h: int  # carries
    ys: list[Atom]  # the body's per-step outputs
    passed: list[tuple[int, Var]]  # (carry index, its variable): returned unchanged
    const_in: list[Var]
    x_in: list[Var]
    once: Graph | None  # what depends on the constants only
    before: Graph | None  # what depends on x but not on the carry, over all steps
    before_in: tuple[list[Var], list[Var]]  # its (fixed, per-step) inputs
    before_out: list[Var]
    loop: Graph | None  # what the next carry needs
    loop_consts: list[Var]
    loop_carry: list[int]  # indices of the carries the loop updates
    loop_xs: list[Var]
    loop_ys: list[Atom]
    shifted: list[tuple[int, Var, Atom]]  # (carry index, incoming, outgoing)
    after: Graph | None  # the rest, over all steps
    after_in: tuple[list[Var], list[Var]]  # its (fixed, per-step) inputs
    after_ys: list[Var]
    accs: list[int]  # indices of the accumulator carries
    n_fixed_after: int

    def apply(self, consts: Sequence[Any], init: Sequence[Any], xs: Sequence[Any],
              reverse: bool, bind_scan: BindScan) -> list:  # fmt: skip
        """The scan's results ``(*final_carry, *ys)``, computed by the parts."""
        fixed: dict[Atom, Any] = dict(zip(self.const_in, consts, strict=True))
        finals: dict[int, Any] = {}
        for k, v in self.passed:  # a carry the body returns unchanged: a constant
            fixed[v] = finals[k] = _as_array(init[k], v.aval)
        if self.once is not None:
            outs = eval_graph(self.once, self.once.consts, [fixed[v] for v in self.once.invars])
            fixed.update(zip(self.once.outvars, outs, strict=True))
        stacks: dict[Any, Any] = dict(zip(self.x_in, xs, strict=True))
        if self.before is not None:
            outs = eval_graph(
                self.before, self.before.consts, _inputs(self.before_in, fixed, stacks)
            )
            stacks.update(zip(self.before_out, outs, strict=True))
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
            for k, v_in, v_out in self.shifted:
                stacks[v_in] = _previous(stacks[v_out], init[k], v_in.aval, reverse)
        if self.after is not None:
            args = _inputs(self.after_in, fixed, stacks)
            outs = eval_graph(self.after, self.after.consts, args)
            n = len(self.after_ys)
            stacks.update(zip(self.after_ys, outs[:n], strict=True))
            for k, total in zip(self.accs, outs[n:], strict=True):
                finals[k] = add(init[k], total)
        return [*(finals[k] for k in range(self.n_h)), *(stacks[a] for a in self.ys)]


def _previous(carries: Any, init: Any, aval: ShapedArray, reverse: bool) -> Any:
    """The carry each step received, from the stack of those it returned."""
    first = reshape(_as_array(init, aval), (1, *aval.shape))
    n = np.shape(carries)[0]
    if reverse:
        return concatenate([slice_(carries, (1,), (n,)), first], 0)
    return concatenate([first, slice_(carries, (0,), (n - 1,))], 0)


def _as_array(x: Any, aval: ShapedArray) -> Any:
    """``x``, a Python scalar made the carry's (strong) array, as the loop would return it."""
    return x if isinstance(x, (Tracer, np.ndarray)) else np.asarray(x, aval.dtype)


def _inputs(spec: tuple[list[Var], list[Var]], fixed: dict, stacks: dict) -> list:
    return [*(fixed[v] for v in spec[0]), *(stacks[v] for v in spec[1])]


def plan_split(body: Graph, n_c: int, n_h: int, length: int) -> Split | None:
    """How ``body`` (``(consts, carry, x) -> (carry, y)``) runs as parts around a loop of
    ``length`` steps, or None where nothing would leave the loop."""
    if length < MIN_LENGTH or not body.eqns:
        return None
    accs = None
    while True:
        stages = Stages(body, n_c, n_h, accs)
        if all(stages.stage[id(e)] == LOOP for e in stages.eqns) and not stages.passed:
            return None
        split = _build(body, stages, n_c, n_h, length)
        too_big = _oversized_accumulators(split, length * stages.bound)
        if not too_big:
            return split
        accs = [k for k in stages.contrib if k not in too_big]


def _build(body: Graph, stages: Stages, n_c: int, n_h: int, length: int) -> Split:
    cls, contrib, passed = stages.cls, stages.contrib, stages.passed
    const_in, x_in = body.invars[:n_c], body.invars[n_c + n_h :]
    carry_in = body.invars[n_c : n_c + n_h]
    carry_out, ys = body.outvars[:n_h], body.outvars[n_h:]
    once_e, before_e = stages.of(ONCE), stages.of(BEFORE)
    loop_e, after_e = stages.of(LOOP), stages.of(AFTER)
    made = {name: {v for e in stages.of(name) for v in e.outputs} for name in (BEFORE, AFTER)}
    outside = set(x_in) | made[BEFORE] | made[AFTER]  # per-step values the loop does not make
    constvars = set(body.constvars)
    loop_carry = [k for k in range(n_h) if k not in contrib and k not in passed]

    after_ys = _unique(a for a in ys if isinstance(a, Var) and a in made[AFTER])
    after_fixed, after_stacked = _external(after_e, [*after_ys, *contrib.values()], cls, constvars)
    loop_ys = _unique([*(a for a in ys if not (isinstance(a, Var) and a in outside)),
                       *(v for v in after_stacked if v not in outside)])  # fmt: skip
    # a step's incoming carry, where its outgoing one is stacked anyway: shifted after
    shifted = [
        (k, carry_in[k], carry_out[k])
        for k in loop_carry
        if carry_in[k] in loop_ys and any(a is carry_out[k] for a in loop_ys)
    ]
    loop_ys = [a for a in loop_ys if not any(a is v for _, v, _ in shifted)]
    loop_outs = [*(carry_out[k] for k in loop_carry), *loop_ys]
    loop_in = [carry_in[k] for k in loop_carry]
    loop_consts, loop_xs = _external(loop_e, loop_outs, cls, constvars | set(loop_in))
    assert all(v in outside for v in loop_xs), "the loop reads only its own carries"
    before_fixed, before_xs = _external(before_e, [], cls, constvars)
    wanted = [*loop_xs, *after_stacked, *ys]
    before_out = _unique(a for a in wanted if isinstance(a, Var) and a in made[BEFORE])
    once_vars = {v for e in once_e for v in e.outputs}
    once_out = _unique(v for v in [*loop_consts, *after_fixed, *before_fixed] if v in once_vars)

    split = Split()
    split.length, split.n_h, split.ys = length, n_h, list(ys)
    split.passed = [(k, carry_in[k]) for k in passed]
    split.const_in, split.x_in = list(const_in), list(x_in)
    fixed_in = [*const_in, *(carry_in[k] for k in passed)]
    split.once = _graph(body, fixed_in, once_e, once_out) if once_out else None
    split.before, split.before_in, split.before_out = None, ([], []), before_out
    if before_out:
        p1 = _graph(body, [*before_fixed, *before_xs], before_e, before_out)
        split.before = _batched(p1, len(before_fixed), length, 0)
        split.before_in = (before_fixed, before_xs)
    split.loop = None
    if loop_outs:
        loop = _graph(body, [*loop_consts, *loop_in, *loop_xs], loop_e, loop_outs)
        split.loop = reuse_buffers(loop)
        split.loop.cache[("split", length)] = NO_SPLIT  # already split: it is all recurrent
    split.loop_consts, split.loop_carry, split.loop_xs = loop_consts, loop_carry, loop_xs
    split.loop_ys, split.shifted = loop_ys, shifted
    split.accs, split.after_ys = list(contrib), after_ys
    split.after, split.after_in, split.n_fixed_after = None, ([], []), len(after_fixed)
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

    batched = optimize(trace_flat(combined, avals).graph)
    return optimize(contract_batched_sums(batched)) if n_sum else batched


def _oversized_accumulators(split: Split, limit: int) -> list[int]:
    """The accumulators whose after-the-loop program holds a per-step stack larger than
    ``limit`` (``T`` times the largest value of the recurrence) on their way: ``T`` copies
    of a weight the contraction rewrite did not remove."""
    after = split.after
    if after is None or not split.accs:
        return []
    producer = {v: e for e in after.eqns for v in e.outputs}
    stacked = set(after.invars[split.n_fixed_after :])
    n_ys = len(split.after_ys)
    found = []
    for k, out in zip(split.accs, after.outvars[n_ys:], strict=True):
        todo, seen = [out], set()
        while todo:
            v = todo.pop()
            if not isinstance(v, Var) or v in seen:
                continue
            seen.add(v)
            if (v in producer or v in stacked) and int(np.prod(v.aval.shape)) > limit:
                found.append(k)
                break
            if v in producer:
                todo.extend(producer[v].inputs)
    return found
