"""Algebraic simplification of what derivative programs are full of.

The rules, and what each does to the results ("bitwise": the program computes exactly
the same bits; "rounding": it may differ in float rounding only). No rule changes an
output's shape or dtype: a rule replacing an equation's output by one of its inputs ``x``
fires only where ``x`` is a variable whose ``ShapedArray`` equals the output's exactly
(shape, dtype and weakness: ``int * 1.0`` changes the dtype, broadcasting the shape, and a
weak input is a Python scalar at run time), never a literal (a Python scalar is weakly
typed where the value it replaces was a strong numpy scalar).

- ``multiply(x, 1)``, ``multiply(1, x)``, ``divide(x, 1)`` -> ``x``: bitwise. Real dtypes
  only, like the rules with ``0`` (for complex ``x``, ``x * (1+0j)`` turns an infinite
  part into nan).
- ``subtract(x, 0)`` -> ``x``: bitwise for ``+0`` (``-0.0 - 0.0`` is ``-0.0``); ``add(x, 0)``,
  ``add(0, x)`` and ``subtract(x, -0.0)`` -> ``x``: bitwise except the sign of a zero
  (``-0.0 + 0.0`` is ``+0.0``, the rewrite keeps ``-0.0``); counted as rounding.
  The ``1`` and ``0`` may be literals or constant arrays whose elements all equal it.
  ``multiply(x, 0)`` is left alone: ``0 * inf`` and ``0 * nan`` are nan, not 0.
- ``negative(negative(x))`` -> ``x``: bitwise.
- ``reshape(x, x.shape)``, ``broadcast_to(x, x.shape)``, ``transpose(x, identity)`` -> ``x``,
  ``reshape(reshape(x, s), t)`` -> ``reshape(x, t)``, ``transpose(transpose(x, p), q)`` ->
  one transpose by the composed permutation (or ``x`` for the identity): bitwise (the
  same elements; views either way).
- A real constant array whose elements are all the same bits, used by an elementwise binary
  ufunc whose other operand already has the output's shape, becomes a 0-d numpy scalar
  of the same dtype (``np.float64(c)``; never a Python float, which numpy would type
  weakly, turning a float64 constant times a float32 array into float32): this removes
  the ``ones / n`` broadcast constants of ``mean``'s VJP. Bitwise for the correctly
  rounded ufuncs in ``EXACT_UFUNCS`` (``add``, ``multiply``, comparisons, ...); rounding
  for the others (``power``, ``arctan2``, ...: numpy may pick another inner loop for a
  scalar operand). The result dtype is checked against numpy's promotion first.

More rules, bitwise but for the sign of a zero:

- ``add(zeros_like(z), y)``, ``add(y, zeros_like(z))`` -> ``y`` (as ``add(y, 0)``: real
  dtypes, ``y`` of the output's exact ``ShapedArray``; ``-0.0 + 0.0`` is ``+0.0``).
- a sum of ``scatter``s of slices that tile one axis of their common shape
  (``add(add(scatter(a, [:, 0:n]), scatter(b, [:, n:2n])), ...)``, what the VJP of slicing
  a value into gates gives) -> ``concatenate`` of the pieces along that axis: the same
  numbers without the zero arrays; real dtypes.
- ``reshape(transpose(x, (n-1, 0, ..., n-2)), (last, rest))`` ->
  ``transpose(reshape(x, (rest, last)))``: the same elements, a view instead of a copy
  where ``x`` is contiguous.

``contract_batched_sums`` is a separate pass (rounding: the summation order changes), for
the programs that batching a scan's after-the-loop part gives
(``transforms/loops/scan_split.py``), where a per-step weight gradient summed over time
would otherwise be a ``(T, *W.shape)`` stack:

- ``sum(matmul(a, b), axis=(0,))`` over a leading batch axis shared by 3-d operands
  ``a (T, m, k)``, ``b (T, k, n)`` -> one ``(m, T*k) @ (T*k, n)`` matmul of the merged
  operands (``a`` written ``transpose(reshape(x, (T*k, m)))`` where it is
  ``transpose(x, (0, 2, 1))``, a view);
- ``sum(multiply(a, b), axis=(0,))`` of outer products ``a (T, m, 1)``, ``b (T, 1, n)``
  -> ``(m, T) @ (T, n)``;
- ``sum(einsum(s, ...), axis)`` -> ``einsum`` with the summed letters left out of the
  output; ``sum(sum(x, a), b)`` -> one ``sum`` over both sets of axes.

These rules (and ``reshape(transpose)``) fire only where the inner value has no other
use (else the rewrite would add work).

Equations defining a variable in ``keep`` stay (a guard tests it); their inputs may still
be renamed. Sub-graphs of call equations are simplified first. Imports core and the
primitive families (to recognise their primitives).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeGuard

import numpy as np

from ....core.avals import ShapedArray
from ....core.errors import Site
from ....core.graph import Atom, Equation, Graph, Literal, Var
from ....primitives._index import Slice
from ....primitives.elementwise import (
    add_p,
    divide_p,
    multiply_p,
    negative_p,
    subtract_p,
)
from ....primitives.indexing import scatter_p
from ....primitives.products import einsum_p, matmul_p
from ....primitives.reductions import sum_p
from ....primitives.shape import (
    broadcast_to_p,
    concatenate_p,
    reshape_p,
    transpose_p,
    zeros_like_p,
)
from ._rewrite import each_level, rebuild, renamed, renamed_atoms

# Binary ufuncs whose result for a scalar operand is bitwise the result for an array of
# copies of it: IEEE-exact (correctly rounded) arithmetic, comparisons, selections, bits.
EXACT_UFUNCS = frozenset(
    (
        *(np.add, np.subtract, np.multiply, np.divide),
        *(np.maximum, np.minimum, np.fmax, np.fmin, np.copysign),
        *(np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal),
        *(np.logical_and, np.logical_or, np.logical_xor),
        *(np.bitwise_and, np.bitwise_or, np.bitwise_xor),
    )
)


def simplify(graph: Graph, keep: Iterable[Var] = ()) -> Graph:
    """``graph`` with the algebraic rules of this module applied (see the module text).

    Args:
      graph: the graph (not modified).
      keep: variables whose defining equations must stay (guards test them).

    Returns:
      A new ``Graph`` with the same outputs' shapes and dtypes (or ``graph`` itself).
    """
    return each_level(graph, keep, _simplify)


def contract_batched_sums(graph: Graph, keep: Iterable[Var] = ()) -> Graph:
    """``graph`` with sums over a leading batch axis of matmuls, outer products, einsums
    and sums made single contractions (see the module text; float rounding may differ).

    Args:
      graph: the graph (not modified).
      keep: variables whose defining equations must stay (guards test them).

    Returns:
      A new ``Graph`` with the same outputs' shapes and dtypes (or ``graph`` itself); the
      equations the rewrites leave unused are for dead-code elimination to remove.
    """
    return each_level(graph, keep, lambda g, kept: _simplify(g, kept, _CONTRACTIONS))


class _Level:
    """One graph being simplified: its constants' values, producers, new scalars."""

    def __init__(self, graph: Graph) -> None:
        self.values = dict(zip(graph.constvars, graph.consts, strict=True))
        self.producer: dict[Atom, Equation] = {}  # literals have none
        self.uniform_cache: dict[Var, Any] = {}
        self.scalars: dict[tuple[str, bytes], Var] = {}
        self.constvars = list(graph.constvars)
        self.consts = list(graph.consts)
        self.graph = graph
        self._uses: dict[Var, int] | None = None

    def used_once(self, v: Atom) -> bool:
        """``v`` is read once in the graph (by one equation input, not an output)."""
        if self._uses is None:
            uses: dict[Var, int] = {}
            for eqn in self.graph.eqns:
                for a in eqn.inputs:
                    if isinstance(a, Var):
                        uses[a] = uses.get(a, 0) + 1
            for a in self.graph.outvars:
                if isinstance(a, Var):
                    uses[a] = uses.get(a, 0) + 2
            self._uses = uses
        return isinstance(v, Var) and self._uses.get(v, 0) == 1

    def uniform(self, v: Var) -> Any:
        """The 0-d numpy scalar all elements of constant ``v`` equal (bitwise), or None."""
        if v in self.uniform_cache:
            return self.uniform_cache[v]
        value = self.values.get(v)
        scalar = None
        if isinstance(value, (np.ndarray, np.generic)) and value.size:
            scalar = _uniform_scalar(np.asarray(value))
        self.uniform_cache[v] = scalar
        return scalar

    def scalar_var(self, scalar: Any) -> Var:
        """A constant variable bound to ``scalar`` (one per dtype and bit pattern)."""
        key = (scalar.dtype.str, scalar.tobytes())
        v = self.scalars.get(key)
        if v is None:
            v = self.scalars[key] = Var(ShapedArray((), scalar.dtype))
            self.constvars.append(v)
            self.consts.append(scalar)
            self.values[v] = scalar
        return v

    def equals(self, a: Atom, target: int) -> bool:
        """``a`` is a real literal or uniform real constant equal to ``target`` (0 or 1)."""
        if isinstance(a, Literal):
            value = a.value
            return type(value) in (bool, int, float) and value == target
        if a not in self.values:
            return False
        scalar = self.uniform(a)
        return scalar is not None and scalar.dtype.kind in "biuf" and scalar == target


def _uniform_scalar(x: np.ndarray) -> Any:
    if x.dtype.kind not in "biuf":  # complex loops may fuse differently for scalars
        return None
    flat = x.reshape(-1)
    first = flat[0]
    if x.ndim and all(s == 0 for s in x.strides):  # a broadcast scalar: uniform by layout
        return first
    # a few samples first, so that a large non-uniform constant is rejected cheaply
    samples = flat[[0, flat.size // 2, flat.size - 1]]
    if not (samples.view(np.uint8).reshape(3, -1) == samples[:1].view(np.uint8)).all():
        return None
    flat = np.ascontiguousarray(flat)
    bits = flat.view(np.uint8).reshape(flat.size, flat.itemsize)
    return first if (bits == bits[:1]).all() else None


def _simplify(graph: Graph, keep: frozenset[Var], rules: dict | None = None) -> Graph:
    rules = _RULES if rules is None else rules
    level = _Level(graph)
    env: dict[Var, Atom] = {}
    eqns: list[Equation] = []
    edited = False
    for old in graph.eqns:
        eqn = _scalarize(renamed(old, env), level)
        rule = rules.get(eqn.prim)
        result = rule(eqn, level) if rule is not None else None
        if isinstance(result, Var) and eqn.outputs[0] not in keep:
            env[eqn.outputs[0]] = result
            edited = True
            continue
        if isinstance(result, list):  # new equations, the last one defining the output
            for new in result[:-1]:
                for v in new.outputs:
                    level.producer[v] = new
                eqns.append(new)
            result = result[-1]
        if isinstance(result, Equation):
            eqn = result
        edited |= eqn is not old
        for v in eqn.outputs:
            level.producer[v] = eqn
        eqns.append(eqn)
    if not edited:
        return graph
    return rebuild(graph, eqns, renamed_atoms(graph.outvars, env), level.constvars, level.consts)


def _scalarize(eqn: Equation, level: _Level) -> Equation:
    """Uniform constant operands of a binary elementwise ufunc -> 0-d scalar constants."""
    values = level.values
    if not any(a in values for a in eqn.inputs) or eqn.params or len(eqn.inputs) != 2:
        return eqn
    impl = eqn.prim.impl
    if not (
        isinstance(impl, np.ufunc) and impl.nin == 2 and impl.nout == 1 and impl.signature is None
    ):
        return eqn
    out = eqn.outputs[0].aval
    inputs = list(eqn.inputs)
    for i, (a, other) in enumerate(((inputs[0], inputs[1]), (inputs[1], inputs[0]))):
        if not (isinstance(a, Var) and a in values and a.aval.ndim >= 1):
            continue
        if not (isinstance(other, Var) and other.aval.shape == out.shape):
            continue
        scalar = level.uniform(a)
        if scalar is None or not _keeps_dtype(impl, i, scalar, other.aval.dtype, out.dtype):
            continue
        inputs[i] = level.scalar_var(scalar)
    if all(x is y for x, y in zip(inputs, eqn.inputs, strict=True)):
        return eqn
    return Equation(eqn.prim, inputs, eqn.params, eqn.outputs, eqn.source)


def _keeps_dtype(impl: np.ufunc, i: int, scalar: Any, other: np.dtype, out: np.dtype) -> bool:
    """numpy gives ``out`` for ``scalar`` at position ``i`` (numpy 1 promotes value-based)."""
    probe: list[Any] = [np.zeros(1, other), np.zeros(1, other)]
    probe[i] = scalar
    try:
        with np.errstate(all="ignore"):
            return bool(impl(*probe).dtype == out)
    except Exception:
        return False


# --- the rules: (eqn, level) -> a Var replacing the output, a new Equation, or None ----


def _same(x: Atom, out: Var) -> TypeGuard[Var]:
    """``x`` can stand for ``out``: a variable of exactly ``out``'s ``ShapedArray``."""
    return isinstance(x, Var) and x.aval == out.aval


def _unit(target: int, commutes: bool) -> Callable[[Equation, _Level], Var | None]:
    """``op(x, target) -> x`` (and ``op(target, x) -> x`` when ``commutes``)."""

    def rule(eqn: Equation, level: _Level) -> Var | None:
        x, y = eqn.inputs
        out = eqn.outputs[0]
        if out.aval.dtype.kind not in "biuf":
            return None
        if _same(x, out) and level.equals(y, target):
            return x
        if commutes and _same(y, out) and level.equals(x, target):
            return y
        return None

    return rule


def _negative(eqn: Equation, level: _Level) -> Var | None:
    inner = level.producer.get(eqn.inputs[0])
    if inner is not None and inner.prim is negative_p:
        x = inner.inputs[0]
        if _same(x, eqn.outputs[0]):
            return x
    return None


def _reshape(eqn: Equation, level: _Level) -> Var | Equation | None:
    x, out = eqn.inputs[0], eqn.outputs[0]
    if _same(x, out):
        return x
    inner = level.producer.get(x)
    if inner is not None and inner.prim is reshape_p:
        x0 = inner.inputs[0]
        if _same(x0, out):
            return x0
        return Equation(reshape_p, [x0], eqn.params, eqn.outputs, eqn.source)
    return None


def _broadcast_to(eqn: Equation, level: _Level) -> Var | None:
    x = eqn.inputs[0]
    return x if _same(x, eqn.outputs[0]) else None


def _transpose(eqn: Equation, level: _Level) -> Var | Equation | None:
    x, out = eqn.inputs[0], eqn.outputs[0]
    if eqn.params.get("axes") is None:
        return None
    axes = tuple(eqn.params["axes"])
    inner = level.producer.get(x)
    if inner is not None and inner.prim is transpose_p and inner.params.get("axes") is not None:
        x = inner.inputs[0]
        axes = tuple(inner.params["axes"][a] for a in axes)
    if axes == tuple(range(len(axes))) and _same(x, out):
        return x
    if x is eqn.inputs[0]:
        return None
    return Equation(transpose_p, [x], {"axes": axes}, eqn.outputs, eqn.source)


# --- rules for batched loop parts (scan_split): contractions over time, zero inits ----


def _derived(prim: Any, inputs: Sequence[Atom], params: dict, source: Site | None) -> Equation:
    """A new equation ``prim(*inputs, **params)`` with a fresh output variable."""
    aval = prim.abstract_eval(*(a.aval for a in inputs), **params)
    return Equation(prim, inputs, params, [Var(ShapedArray(aval.shape, aval.dtype))], source)


def _inexact(*avals: ShapedArray) -> bool:
    return all(a.dtype.kind in "fc" for a in avals)


def _sum(eqn: Equation, level: _Level) -> list[Equation] | Equation | None:
    x, out = eqn.inputs[0], eqn.outputs[0]
    if not isinstance(x, Var):  # a literal: nothing produced it
        return None
    inner = level.producer.get(x)
    if inner is None or eqn.params["keepdims"] or not level.used_once(x):
        return None
    if not _inexact(x.aval, out.aval) or x.aval.dtype != out.aval.dtype:
        return None
    axis = tuple(eqn.params["axis"])
    if inner.prim is matmul_p and axis == (0,):
        return _sum_of_matmul(eqn, inner, level)
    if inner.prim is multiply_p and axis == (0,):
        return _sum_of_outer(eqn, inner)
    if inner.prim is einsum_p and "." not in inner.params["subscripts"]:
        ins, out_s = inner.params["subscripts"].split("->")
        kept = "".join(c for i, c in enumerate(out_s) if i not in axis)
        params: dict[str, Any] = {"subscripts": f"{ins}->{kept}"}
        return Equation(einsum_p, inner.inputs, params, eqn.outputs, eqn.source)
    if inner.prim is sum_p and not inner.params["keepdims"] and isinstance(inner.inputs[0], Var):
        first = tuple(inner.params["axis"])
        rest = [i for i in range(inner.inputs[0].aval.ndim) if i not in first]
        both = tuple(sorted({*first, *(rest[i] for i in axis)}))
        params = {"axis": both, "keepdims": False}
        return Equation(sum_p, inner.inputs, params, eqn.outputs, eqn.source)
    return None


def _sum_of_matmul(eqn: Equation, inner: Equation, level: _Level) -> list[Equation] | None:
    """``sum_t a[t] @ b[t]`` as one matmul over the merged ``(t, k)`` axis."""
    a, b = inner.inputs
    if not (isinstance(a, Var) and isinstance(b, Var) and a.aval.ndim == 3 == b.aval.ndim):
        return None
    (t, m, k), n = a.aval.shape, b.aval.shape[2]
    if b.aval.shape[:2] != (t, k):
        return None  # a broadcast batch axis: no (t, m, n) stack of weights to avoid
    src = eqn.source
    before = level.producer.get(a)
    new: list[Equation] = []
    if before is not None and before.prim is transpose_p and before.params["axes"] == (0, 2, 1):
        new.append(_derived(reshape_p, [before.inputs[0]], {"shape": (t * k, m)}, src))
        new.append(_derived(transpose_p, [new[-1].outputs[0]], {"axes": (1, 0)}, src))
    else:
        new.append(_derived(transpose_p, [a], {"axes": (1, 0, 2)}, src))
        new.append(_derived(reshape_p, [new[-1].outputs[0]], {"shape": (m, t * k)}, src))
    left = new[-1].outputs[0]
    new.append(_derived(reshape_p, [b], {"shape": (t * k, n)}, src))
    new.append(Equation(matmul_p, [left, new[-1].outputs[0]], {}, eqn.outputs, src))
    return new


def _sum_of_outer(eqn: Equation, inner: Equation) -> list[Equation] | None:
    """``sum_t a[t] * b[t]`` of outer products ``a (T, m, 1)``, ``b (T, 1, n)`` (the VJP of
    a vector-matrix product, batched) as one ``(m, T) @ (T, n)`` matmul."""
    a, b = inner.inputs
    if not (isinstance(a, Var) and isinstance(b, Var)):
        return None
    if a.aval.ndim == 3 and a.aval.shape[2] != 1:
        a, b = b, a
    if not (a.aval.ndim == 3 == b.aval.ndim and a.aval.dtype == b.aval.dtype):
        return None
    (t, m, one), (t2, one2, n) = a.aval.shape, b.aval.shape
    if t != t2 or one != 1 or one2 != 1:
        return None
    src = eqn.source
    col = _derived(reshape_p, [a], {"shape": (t, m)}, src)
    left = _derived(transpose_p, col.outputs, {"axes": (1, 0)}, src)
    row = _derived(reshape_p, [b], {"shape": (t, n)}, src)
    product = Equation(matmul_p, [left.outputs[0], row.outputs[0]], {}, eqn.outputs, src)
    return [col, left, row, product]


def _add_zeros_like(eqn: Equation, level: _Level) -> Var | None:
    out = eqn.outputs[0]
    if out.aval.dtype.kind not in "biuf":
        return None
    for zero, y in (eqn.inputs, eqn.inputs[::-1]):
        inner = level.producer.get(zero)
        if inner is not None and inner.prim is zeros_like_p and _same(y, out):
            return y
    return None


def _add_of_scatters(eqn: Equation, level: _Level) -> Equation | None:
    out = eqn.outputs[0].aval
    if out.dtype.kind not in "biuf" or out.ndim == 0:
        return None
    pieces: list[tuple[int, int, int, Atom]] = []  # (axis, start, stop, value)
    todo = list(eqn.inputs)
    while todo:
        a = todo.pop()
        if not isinstance(a, Var):
            return None
        inner = level.producer.get(a)
        if inner is None or not level.used_once(a):
            return None
        if a.aval.shape != out.shape or a.aval.dtype != out.dtype:
            return None
        if inner.prim is add_p:
            todo.extend(inner.inputs)
            continue
        piece = _slice_piece(inner, out.shape) if inner.prim is scatter_p else None
        if piece is None:
            return None
        pieces.append(piece)
    pieces.sort(key=lambda p: p[1])
    axis = pieces[0][0]
    ends = [0, *(p[2] for p in pieces)]
    if any(p[0] != axis or p[1] != end for p, end in zip(pieces, ends, strict=False)):
        return None
    if ends[-1] != out.shape[axis]:
        return None
    values = [p[3] for p in pieces]
    return Equation(concatenate_p, values, {"axis": axis}, eqn.outputs, eqn.source)


def _slice_piece(eqn: Equation, shape: tuple[int, ...]) -> tuple[int, int, int, Atom] | None:
    """``(axis, start, stop, v)`` for ``scatter(v)`` into zeros of ``shape`` at a step-1
    slice of one axis (every other axis whole)."""
    idx, v = eqn.params["idx"], eqn.inputs[0]
    if len(eqn.inputs) != 1 or tuple(eqn.params["shape"]) != tuple(shape):
        return None
    if len(idx) > len(shape) or not all(type(c) is Slice for c in idx):
        return None
    cut = None
    for i, c in enumerate(idx):
        r = range(*slice(*c).indices(shape[i]))
        if r == range(shape[i]):
            continue
        if cut is not None or r.step != 1 or not r:
            return None
        cut = (i, r.start, r.stop, v)
    if cut is None or not isinstance(v, Var) or v.aval.dtype != eqn.outputs[0].aval.dtype:
        return None
    return cut


def _reshape_of_transpose(eqn: Equation, level: _Level) -> list[Equation] | None:
    x, out = eqn.inputs[0], eqn.outputs[0]
    inner = level.producer.get(x)
    if inner is None or inner.prim is not transpose_p or not level.used_once(x):
        return None
    x0 = inner.inputs[0]
    if not isinstance(x0, Var):
        return None
    n = x0.aval.ndim
    if n < 3 or tuple(inner.params["axes"]) != (n - 1, *range(n - 1)):
        return None
    last, rest = x0.aval.shape[-1], int(np.prod(x0.aval.shape[:-1]))
    if tuple(out.aval.shape) != (last, rest):
        return None
    flat = _derived(reshape_p, [x0], {"shape": (rest, last)}, eqn.source)
    return [flat, Equation(transpose_p, flat.outputs, {"axes": (1, 0)}, eqn.outputs, eqn.source)]


def _first(*rules: Callable[[Equation, _Level], Any]) -> Callable[[Equation, _Level], Any]:
    """The result of the first of ``rules`` that rewrites the equation."""

    def rule(eqn: Equation, level: _Level) -> Any:
        for r in rules:
            result = r(eqn, level)
            if result is not None:
                return result
        return None

    return rule


_RULES: dict[Any, Callable[[Equation, _Level], Any]] = {
    multiply_p: _unit(1, commutes=True),
    divide_p: _unit(1, commutes=False),
    add_p: _first(_unit(0, commutes=True), _add_zeros_like, _add_of_scatters),
    subtract_p: _unit(0, commutes=False),
    negative_p: _negative,
    reshape_p: _first(_reshape, _reshape_of_transpose),
    broadcast_to_p: _broadcast_to,
    transpose_p: _transpose,
}
_CONTRACTIONS: dict[Any, Callable[[Equation, _Level], Any]] = {sum_p: _sum}
