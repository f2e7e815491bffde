"""Which part of a scan each equation of its body runs in (``scan_split`` builds them).

A body ``(consts, carry, x) -> (carry, y)`` is read once: every value gets a *class*, what
it depends on at most (``CONST``: the constants and the carries the body returns
unchanged; ``X``: also the step's ``x``; ``CARRY``: the carry), and every equation a
*stage*:

- ``ONCE``: class ``CONST``, computed once before the loop;
- ``BEFORE``: class ``X``, computed for all steps at once before the loop;
- ``LOOP``: what the carries need (the recurrence), and what would make a batched stage
  hold a value larger than every value the recurrence itself handles (``T`` copies of
  it would be the memory cost);
- ``AFTER``: the rest, for all steps at once after the loop: outputs no carry needs, and
  what feeds only *accumulators* (carries updated only as ``acc + contribution``).

``(inv1 + dep) + inv2`` of two loop-invariant values and a carry-dependent one becomes
``(inv1 + inv2) + dep`` first, so that a bias joins the input projection (float rounding
may differ). Imports core and the primitive families.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...core.avals import ShapedArray
from ...core.graph import Atom, Equation, Graph, Var
from ...primitives.elementwise import add_p

CONST, X, CARRY = 0, 1, 2  # what a body value depends on, at most
ONCE, BEFORE, LOOP, AFTER, ACCUMULATE = "once", "before", "loop", "after", "accumulate"


class Stages:
    """The body's equations (reassociated, buffer decisions dropped), the class of every
    value, the stage of every equation (by ``id``), the carries passed through unchanged,
    the accumulators' contributions ``{k: c}`` and ``bound``, the largest per-step value
    the recurrence handles."""

    __slots__ = ("bound", "cls", "contrib", "eqns", "passed", "stage")

    def __init__(self, body: Graph, n_c: int, n_h: int, accs: Sequence[int] | None) -> None:
        self.eqns, self.cls = _reassociated(body, n_c, n_h)
        self.passed = _passed(body, n_c, n_h)
        if accs is None:
            accs = _accumulators(body, self.eqns, self.cls, n_c, n_h)
        producer = {v: e for e in self.eqns for v in e.outputs}
        carry_in, carry_out = body.invars[n_c : n_c + n_h], body.outvars[:n_h]
        self.contrib: dict[int, Var] = {}
        adds = set()
        for k in accs:
            add = producer[carry_out[k]]  # type: ignore[index]
            a, b = add.inputs
            self.contrib[k] = b if a is carry_in[k] else a  # type: ignore[assignment]
            adds.add(id(add))
        self.stage: dict[int, str] = dict.fromkeys(adds, ACCUMULATE)
        loop_carry = [k for k in range(n_h) if k not in self.contrib and k not in self.passed]
        self._recurrence(producer, [carry_out[k] for k in loop_carry])
        per_step = [v for e in self.eqns if self.stage.get(id(e)) == LOOP for v in e.outputs]
        per_step += [carry_in[k] for k in loop_carry] + body.invars[n_c + n_h :]
        per_step += [a for a in body.outvars[n_h:] if isinstance(a, Var)]
        self.bound = max((_size(v) for v in per_step), default=1)
        self._the_rest(producer, _feeds_only(self.eqns, body.outvars, adds))

    def _recurrence(self, producer: dict[Var, Equation], carry_out: list[Atom]) -> None:
        todo = list(carry_out)
        while todo:
            v = todo.pop()
            e = producer.get(v) if isinstance(v, Var) and self.cls[v] == CARRY else None
            if e is not None and id(e) not in self.stage:
                self.stage[id(e)] = LOOP
                todo.extend(e.inputs)

    def _the_rest(self, producer: dict[Var, Equation], accumulating: set[int]) -> None:
        cls, stage, bound = self.cls, self.stage, self.bound
        moved: set[Var] = set()  # outputs of equations moved into the loop
        for e in self.eqns:
            if id(e) in stage:
                continue
            c = self.class_of(e)
            if c == CONST:
                stage[id(e)] = ONCE
                continue
            if id(e) in accumulating:  # the contraction rewrite may shrink it; checked later
                stage[id(e)] = AFTER
                continue
            big = any(
                isinstance(a, Var) and cls[a] != CONST and _size(a) > bound
                for a in (*e.inputs, *e.outputs)
            )
            if big or (c == X and any(a in moved for a in e.inputs)):
                self._into_loop(e, producer, moved)
            else:
                stage[id(e)] = BEFORE if c == X else AFTER

    def _into_loop(self, eqn: Equation, producer: dict[Var, Equation], moved: set[Var]) -> None:
        """``eqn`` and the after-the-loop equations it reads run in the loop."""
        todo = [eqn]
        while todo:
            e = todo.pop()
            self.stage[id(e)] = LOOP
            moved.update(e.outputs)
            for a in e.inputs:
                p = producer.get(a) if isinstance(a, Var) else None
                if p is not None and self.stage.get(id(p)) == AFTER:
                    todo.append(p)

    def class_of(self, e: Equation) -> int:
        return self.cls[e.outputs[0]] if e.outputs else _class_of(e.inputs, self.cls)

    def of(self, stage: str) -> list[Equation]:
        return [e for e in self.eqns if self.stage[id(e)] == stage]


def _size(v: Var) -> int:
    return int(np.prod(v.aval.shape, dtype=np.int64))


def _feeds_only(eqns: list[Equation], outvars: Sequence[Atom], adds: set[int]) -> set[int]:
    """The equations whose results reach the outputs only through the equations ``adds``."""
    users: dict[Var, list[int]] = {}
    for e in eqns:
        for a in e.inputs:
            if isinstance(a, Var):
                users.setdefault(a, []).append(id(e))
    outs = {a for a in outvars if isinstance(a, Var)}
    only = set(adds)
    for e in reversed(eqns):
        if all(v not in outs and all(u in only for u in users.get(v, ())) for v in e.outputs):
            only.add(id(e))
    return only - adds


def _classes(body: Graph, n_c: int, n_h: int) -> dict[Var, int]:
    cls: dict[Var, int] = dict.fromkeys(body.constvars, CONST)
    for i, v in enumerate(body.invars):
        cls[v] = CONST if i < n_c else CARRY if i < n_c + n_h else X
    for k in _passed(body, n_c, n_h):
        cls[body.invars[n_c + k]] = CONST
    return cls


def _passed(body: Graph, n_c: int, n_h: int) -> list[int]:
    """The carries the body returns unchanged (strongly typed: a weak Python scalar would
    come out of the loop as a 0-d array)."""
    return [
        k
        for k in range(n_h)
        if body.outvars[k] is body.invars[n_c + k] and not body.invars[n_c + k].aval.weak
    ]


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


def _invariant_pair(eqn: Equation, c: int, cls: dict, uses: dict, producer: dict[Var, int],
                    eqns: list[Equation | None]) -> tuple[int, list[Var], Var] | None:  # fmt: skip
    """For ``eqn = add(add(inv1, dep), inv2)``: (index of the inner add, [inv1, inv2], dep)."""
    if eqn.prim is not add_p or c != CARRY:
        return None
    out = eqn.outputs[0].aval
    for inner, inv2 in (eqn.inputs, eqn.inputs[::-1]):
        if not (isinstance(inner, Var) and isinstance(inv2, Var)) or cls[inv2] == CARRY:
            continue
        index = producer.get(inner)
        if index is None:
            continue
        first = eqns[index]
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
        if not isinstance(out, Var):
            continue
        eqn = producer.get(out)
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
