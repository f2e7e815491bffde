"""What every transformation repeats, written once.

* ``unwrap``: split a primitive's arguments into the values one level down and the trace's
  payloads (tangents, batch axes, tape references, graph variables);
* ``fit``: a derivative brought to its input's (or output's) shape and dtype;
* ``flatten_fun``: a function over pytrees as a function over flat lists of leaves, with
  its output structure recorded;
* ``substitute``: a call's arguments with some positions replaced (the differentiated
  ones);
* ``as_input`` / ``fresh_outputs``: what enters a transformation (Python scalars become
  0-d arrays) and what leaves it (fresh, writable, C-contiguous arrays, none aliasing
  another or the caller's).

Imports core, tree and primitives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError
from ..core.trace import Trace, Tracer
from ..primitives.elementwise import astype, real
from ..primitives.reductions import unbroadcast
from ..primitives.shape import broadcast_to
from ..tree import PyTreeDef, flatten, unflatten


def unwrap(trace: Trace, args: Sequence[Any]) -> tuple[list, list]:
    """``(values, payloads)``: for each tracer of ``trace`` its ``lower()`` pair (the value
    one level down, the trace's payload); any other argument as it is, with payload None."""
    values, payloads = [], []
    for a in args:
        if isinstance(a, Tracer) and a._trace is trace:
            v, p = a.lower()
        else:
            v, p = a, None
        values.append(v)
        payloads.append(p)
    return values, payloads


def fit(x: Any, like: Any, *, reduce: bool) -> Any:
    """``x`` with ``like``'s shape and dtype.

    ``reduce=True`` (cotangents, reverse mode) sums broadcast axes away; ``reduce=False``
    (tangents, forward mode) broadcasts to ``like``'s shape. A complex ``x`` for a real
    ``like`` keeps its real part (the transpose of embedding the reals in the complex
    numbers, JAX's convention); other dtype differences are casts.
    """
    shape = like.shape if hasattr(like, "shape") else np.shape(like)
    if x.shape != shape:
        x = unbroadcast(x, shape) if reduce else broadcast_to(x, shape)
    dtype = like.dtype if hasattr(like, "dtype") else np.result_type(like)
    if x.dtype != dtype:
        if x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
            x = real(x)
        if x.dtype != dtype:
            x = astype(x, dtype)
    return x


class OutTree:
    """The output structure a flattened function recorded when it ran (``flatten_fun``)."""

    __slots__ = ("treedef",)

    def __init__(self) -> None:
        self.treedef: PyTreeDef | None = None

    def __call__(self) -> PyTreeDef:
        if self.treedef is None:
            raise AssertionError("the flattened function has not run yet")
        return self.treedef

    def record(self, treedef: PyTreeDef) -> None:
        if self.treedef is None:
            self.treedef = treedef


def split_aux(out: Any, fname: str, who: str) -> tuple[Any, Any]:
    """``(output, aux)`` of a ``has_aux`` function; a clear error for anything else."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        got = f"a {type(out).__name__}"
        if isinstance(out, (tuple, list)):
            got += f" of length {len(out)}"
        elif isinstance(out, Tracer):
            got = f"a single array ({out.aval})"
        raise FuncgradTypeError(
            f"{who} with has_aux=True expects `{fname}` to return a pair (output, aux), but "
            f"it returned {got}. Return `loss, aux` (a tuple of two), or drop has_aux=True."
        )
    return out[0], out[1]


def flatten_fun(
    fun: Callable[..., Any], in_tree: PyTreeDef, *, has_aux: bool = False, who: str = ""
) -> tuple[Callable[..., Any], OutTree]:
    """``fun`` over pytrees as a function of flat leaves returning flat output leaves.

    Returns ``(flat_fun, out_tree)``; after ``flat_fun`` has run, ``out_tree()`` is the
    structure of its output. With ``has_aux``, ``fun`` returns ``(out, aux)`` and so does
    ``flat_fun`` (``out`` flattened, ``aux`` as it is).
    """
    out_tree = OutTree()

    def flat_fun(*leaves: Any) -> Any:
        out = fun(*unflatten(in_tree, leaves))
        if has_aux:
            out, aux = split_aux(out, fun_name(fun), who)
        out_leaves, treedef = flatten(out)
        out_tree.record(treedef)
        return (out_leaves, aux) if has_aux else out_leaves

    return flat_fun, out_tree


def substitute(args: Sequence[Any], positions: Sequence[int], values: Sequence[Any]) -> list:
    """``args`` as a list with ``args[positions[k]]`` replaced by ``values[k]``."""
    full = list(args)
    for i, v in zip(positions, values, strict=True):
        full[i] = v
    return full


def fun_name(fun: Callable[..., Any]) -> str:
    """The name used for ``fun`` in messages."""
    return getattr(fun, "__name__", type(fun).__name__)


def as_input(x: Any) -> Any:
    """An input of a transformation: Python scalars and lists become numpy arrays."""
    if isinstance(x, (Tracer, np.ndarray)):
        return x
    return np.asarray(x)


def fresh_outputs(leaves: Sequence[Any], not_these: Sequence[Any] = ()) -> list:
    """Leaves as arrays a caller may own: fresh, writable, C-contiguous, distinct objects.

    Tracers pass through. An ndarray is copied when it is a view, read-only, not
    C-contiguous, appears earlier in ``leaves``, or is one of ``not_these`` (the caller's
    own inputs and cotangents); numpy scalars and Python numbers become 0-d arrays.
    """
    taken = {id(x) for x in not_these}
    out = []
    for x in leaves:
        if isinstance(x, Tracer):
            out.append(x)
            continue
        if not isinstance(x, np.ndarray):
            x = np.asarray(x)
            if x.base is not None or not x.flags.writeable:
                x = x.copy()
        elif (
            id(x) in taken
            or x.base is not None
            or not x.flags.writeable
            or not x.flags.c_contiguous
        ):
            x = np.array(x, order="C", copy=True)
        taken.add(id(x))
        out.append(x)
    return out
