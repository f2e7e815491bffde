"""``scan``: a loop over a leading axis with a carried state; ``truncated_scan`` for TBPTT.

``scan`` is not a primitive. It runs ``f`` in a Python loop, once per step, on the slices
of ``xs`` (one ``unstack`` node splits each leaf) and stacks the per-step outputs (one
``stack`` node per leaf; each is the other's VJP). Every transformation therefore sees
ordinary primitives: under ``grad`` the tape records each step and the backward pass
*is* backpropagation through time; ``vmap`` batches each step; ``jvp`` carries tangents
from step to step; values that ``f`` closes over (model parameters) need nothing
special. Under ``jit`` a scan stays one loop (transforms/loops). Imports core, tree and
primitives.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError, api_boundary
from ..core.trace import Tracer, is_traced
from ..primitives.elementwise import stop_gradient
from ..primitives.loops import stack, unstack
from ..tree import PyTreeDef, flatten, unflatten

_PY_SCALARS = (bool, int, float, complex)
_ARRAYS = (np.ndarray, Tracer)  # always pytree leaves


@api_boundary
def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any,
    length: int | None = None,
    reverse: bool = False,
) -> tuple[Any, Any]:
    """Loop ``f`` over the leading axis of ``xs``, carrying a state: ``(final_carry, ys)``.

    The semantics, for pytrees ``init`` and ``xs`` (``xs`` may be None, then ``length``
    gives the number of steps and ``f`` receives ``x=None``)::

        carry, ys = init, []
        for t in range(length):                  # reversed(range(length)) if reverse
            carry, y = f(carry, xs[t])           # xs[t]: slice t of every leaf
            ys.append(y)                         # ys[t] always belongs to xs[t]
        return carry, stack(ys)                  # leaf by leaf, on a new leading axis

    ``f`` must return a carry with the structure, shapes and dtypes of ``init`` (a Python
    scalar in ``init`` adopts the dtype ``f`` gives it, e.g. ``0.0`` with float32 data) and
    a ``y`` with the same structure and shapes at every step (``y`` may be None). ``f`` may
    close over traced values such as model parameters: this is the common case.

    Derivatives in every mode: ``grad`` through scan is backpropagation through time and
    stores every step's intermediates. For long sequences, two remedies:

    * truncated BPTT: :func:`truncated_scan` stops the gradient through the carry every
      ``truncation`` steps (values unchanged), or run the sequence in windows and carry
      the final state of one window into the next as plain data.
    * rematerialisation: ``scan(lambda c, x: fg.checkpoint(step)(params, c, x), ...)``
      keeps only each step's inputs and recomputes the step in the backward pass. Pass
      traced parameters to the checkpointed function as arguments, not by closure.

    Raises:
      TypeError: ``f`` does not return a pair, or its carry differs from ``init`` in
        structure, shape or dtype (the message names both), or ``y`` changes between steps.
      ValueError: the leaves of ``xs`` have different leading lengths (all are listed),
        ``length`` disagrees with them, or neither ``xs`` nor ``length`` gives the length.

    Example:
      >>> import numpy as np
      >>> carry, ys = scan(lambda c, x: (c + x, 2 * c), 0.0, np.arange(4.0))
      >>> float(carry), ys
      (6.0, array([0., 0., 2., 6.]))
    """
    from .loops._common import graph_mode

    if graph_mode():  # under jit/make_graph/checkpoint: one loop primitive, body traced once
        from .loops.front import scan_traced

        return scan_traced("scan", f, init, xs, length, reverse)
    return _loop("scan", f, init, xs, length, reverse, None)


@api_boundary
def truncated_scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any,
    truncation: int,
    length: int | None = None,
    reverse: bool = False,
) -> tuple[Any, Any]:
    """``scan`` with truncated backpropagation through time (TBPTT).

    The same values as ``scan(f, init, xs, length, reverse)``; in every derivative mode the
    carry is cut (``stop_gradient`` on each leaf) before steps ``truncation``,
    ``2 * truncation``, ... (counted in the order the steps run). The sequence falls into
    chunks of ``truncation`` steps: the derivative of an output of step t flows back only
    to the start of its chunk, and ``init`` receives gradient from the first chunk only.
    The tape still holds every step; to bound memory too, scan windows of ``truncation``
    steps in separate ``grad`` calls and pass each final carry on as data.
    """
    if isinstance(truncation, bool) or not isinstance(truncation, (int, np.integer)):
        raise FuncgradTypeError(
            f"truncated_scan: truncation must be a positive int, got {truncation!r}"
        )
    if truncation < 1:
        raise FuncgradValueError(f"truncated_scan: truncation must be >= 1, got {truncation}")
    from .loops._common import graph_mode

    if graph_mode():
        from .loops.front import truncated_scan_traced

        return truncated_scan_traced(f, init, xs, int(truncation), length, reverse)
    return _loop("truncated_scan", f, init, xs, length, reverse, int(truncation))


# --- the loop ------------------------------------------------------------------------


# A debugging view's hook: called as ``hook(name, step, carry)`` after every step of an
# eager scan (funcgrad.debug.diagnose reads the carries' cotangents per step).
STEP_HOOK: ContextVar[Callable[[str, int, Any], None] | None] = ContextVar(
    "funcgrad_scan_step_hook", default=None
)


def _loop(name, f, init, xs, length, reverse, truncation):
    hook = STEP_HOOK.get()
    xs_leaves, xs_tree = flatten(xs)
    n = _length(name, xs_leaves, length)
    slices = [unstack(x) for x in xs_leaves]
    carry_check = _CarryCheck(name, init)
    y_tree: PyTreeDef | None = None
    y_avals: list = []
    y_leaf = False  # y is one array (known after the first step)
    ys_steps: list = [None] * n
    carry = init
    order = range(n - 1, -1, -1) if reverse else range(n)
    for count, t in enumerate(order):
        if truncation is not None and count and count % truncation == 0:
            carry = _cut(carry)
        x = _slice_at(xs_tree, slices, t)
        new_carry, y = _run_step(name, f, carry, x)
        if count == 0:
            retry = carry_check.first(new_carry)
            if retry is not None:  # Python scalars in init took f's dtypes: run again
                carry = retry
                new_carry, y = _run_step(name, f, carry, x)
        carry_check.check(new_carry, t)
        carry = new_carry
        if hook is not None:
            hook(name, t, carry)
        if y_leaf and isinstance(y, _ARRAYS) and (y.shape, y.dtype) == y_avals[0]:
            ys_steps[t] = [y]  # one array, as at every step before: nothing to flatten
            continue
        y_leaves, tree = flatten(y)
        avals = _avals(y_leaves)
        if y_tree is None:
            y_leaf = tree.is_leaf
            y_tree, y_avals = tree, avals
        elif tree != y_tree or avals != y_avals:
            raise FuncgradTypeError(
                f"{name}: the y returned by `f` must keep its structure, shapes and dtypes "
                f"at every step; at step {t} it is {tree} with {_describe(avals)}, before "
                f"it was {y_tree} with {_describe(y_avals)}"
            )
        ys_steps[t] = y_leaves
    if n == 0:
        return init, _empty_ys(name, f, init, xs_leaves, xs_tree)
    assert y_tree is not None  # n > 0 steps ran
    ys = [_stack([ys_steps[t][j] for t in range(n)]) for j in range(len(y_avals))]
    return carry, unflatten(y_tree, ys)


def _length(name: str, xs_leaves: list, length: Any) -> int:
    lengths = []
    for i, x in enumerate(xs_leaves):
        shape = np.shape(x)
        if not shape:
            raise FuncgradValueError(
                f"{name}: every leaf of xs needs a leading axis to scan over, but leaf {i} "
                f"is a scalar ({type(x).__name__})"
            )
        lengths.append(shape[0])
    if len(set(lengths)) > 1:
        shapes = [np.shape(x) for x in xs_leaves]
        raise FuncgradValueError(
            f"{name}: the leaves of xs must share their leading axis length, got lengths "
            f"{lengths} (shapes {shapes})"
        )
    if length is not None:
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise FuncgradValueError(f"{name}: length must be an int >= 0, got {length!r}")
        if lengths and lengths[0] != length:
            raise FuncgradValueError(
                f"{name}: length={length} but the leaves of xs have leading length {lengths[0]}"
            )
        return int(length)
    if not lengths:
        raise FuncgradValueError(
            f"{name}: xs is None (or holds no arrays), so the number of steps is unknown: "
            "pass length="
        )
    return lengths[0]


def _slice_at(xs_tree: PyTreeDef, slices: list, t: int) -> Any:
    if xs_tree.is_leaf:
        return slices[0][t]
    return xs_tree.unflatten([s[t] for s in slices])


def _run_step(name: str, f: Callable, carry: Any, x: Any) -> tuple[Any, Any]:
    out = f(carry, x)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        what = f"a {type(out).__name__}"
        if isinstance(out, (tuple, list)):
            what += f" of length {len(out)}"
        raise FuncgradTypeError(f"{name}: `f` must return a pair (carry, y), got {what}")
    return out[0], out[1]


def _cut(carry: Any) -> Any:
    leaves, tree = flatten(carry)
    return tree.unflatten([stop_gradient(c) if isinstance(c, Tracer) else c for c in leaves])


def _aval(x: Any) -> tuple[tuple[int, ...], np.dtype]:
    if isinstance(x, (Tracer, np.ndarray)):
        return tuple(x.shape), np.dtype(x.dtype)
    return tuple(np.shape(x)), np.asarray(x).dtype


def _avals(leaves: list) -> list:
    """``[_aval(v) for v in leaves]``, read straight off arrays and tracers (the per-step
    check of a scan: 3x cheaper than the general form when every leaf is one)."""
    try:
        return [(x.shape, x.dtype) for x in leaves]
    except AttributeError:  # a Python number
        return [_aval(v) for v in leaves]


def _describe(avals: list) -> str:
    return "[" + ", ".join(f"{d.name}{list(s)}" for s, d in avals) + "]"


class _CarryCheck:
    """The structure, shapes and dtypes every carry must keep (those of ``init``)."""

    def __init__(self, name: str, init: Any) -> None:
        self.name = name
        self.leaves, self.tree = flatten(init)
        self.avals = [_aval(v) for v in self.leaves]
        self.weak = [isinstance(v, _PY_SCALARS) for v in self.leaves]

    def first(self, carry: Any) -> Any:
        """After step one: init with its Python scalars cast to f's dtypes (None: no change)."""
        if not any(self.weak):
            return None
        leaves, tree = flatten(carry)
        if tree != self.tree:
            return None  # check() reports it
        new, changed = list(self.leaves), False
        for i, (v, out) in enumerate(zip(self.leaves, leaves, strict=True)):
            dtype = _aval(out)[1]
            weak = self.weak[i] and np.shape(out) == () and dtype != self.avals[i][1]
            if weak and np.result_type(dtype, v) == dtype:  # v is weak: f's dtype wins
                new[i] = np.asarray(v, dtype=dtype)
                self.avals[i] = ((), dtype)
                changed = True
        return self.tree.unflatten(new) if changed else None

    def check(self, carry: Any, t: int) -> None:
        leaf = self.tree.is_leaf and isinstance(carry, _ARRAYS)
        if leaf and (carry.shape, carry.dtype) == self.avals[0]:
            return
        leaves, tree = flatten(carry)
        if tree == self.tree and _avals(leaves) == self.avals:
            return
        if tree != self.tree:
            raise FuncgradTypeError(
                f"{self.name}: the carry returned by `f` has structure {tree} but init has "
                f"structure {self.tree} (at step {t})"
            )
        n = len(leaves)
        for i, (out, (shape, dtype)) in enumerate(zip(leaves, self.avals, strict=True)):
            out_shape, out_dtype = _aval(out)
            where = f" (carry leaf {i} of {n}, at step {t})" if n > 1 else f" (at step {t})"
            if out_shape != shape:
                raise FuncgradTypeError(
                    f"{self.name}: the carry returned by `f` has shape {out_shape} but init "
                    f"has shape {shape}{where}"
                )
            if out_dtype != dtype:
                raise FuncgradTypeError(
                    f"{self.name}: the carry returned by `f` has dtype {out_dtype.name} but "
                    f"init has dtype {dtype.name}{where}; make init's dtype match (e.g. "
                    "init.astype(...)) or cast the new carry in `f`"
                )


def _stack(leaves: list) -> Any:
    if not is_traced(leaves):
        return np.stack(leaves)
    return stack([v if isinstance(v, Tracer) else np.asarray(v) for v in leaves], 0)


def _empty_ys(name: str, f: Callable, init: Any, xs_leaves: list, xs_tree: PyTreeDef) -> Any:
    """Zero steps: ys are empty arrays, shaped by one run of ``f`` on zero inputs."""
    dummies = [np.zeros(np.shape(x)[1:], _aval(x)[1]) for x in xs_leaves]
    _, y = _run_step(name, f, init, xs_tree.unflatten(dummies))
    y_leaves, y_tree = flatten(y)
    return y_tree.unflatten([np.zeros((0, *s), d) for s, d in map(_aval, y_leaves)])
