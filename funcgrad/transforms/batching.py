"""Batching: ``BatchTrace`` and ``vmap``.

A ``BatchTracer`` holds a value with one extra axis, ``bdim``, along which the examples of a
batch lie. Each primitive's batching rule computes the whole batch at once with numpy's own
vectorisation (broadcasting, batch dimensions of ``matmul``, ``axis=`` arguments) and says
where the batch axis of its output is; there is no Python loop over the batch.
Unbatched values stay plain (not broadcast). Imports core, tree and primitives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, ParamSpec

import numpy as np

from ..core.errors import FuncgradValueError, api_boundary
from ..core.primitive import Primitive
from ..core.rules import BATCH
from ..core.trace import Trace, Tracer, new_trace
from ..primitives.shape import broadcast_to, expand_dims, move_axis
from ..tree import flatten, flatten_up_to, unflatten
from ._common import fresh_outputs, unwrap

P = ParamSpec("P")  # the transformed function's parameters, kept by the result


class BatchTracer(Tracer):
    """A batched value: ``val`` carries the batch along axis ``bdim``."""

    __slots__ = ("bdim", "val")

    def __init__(self, trace: BatchTrace, val: Any, bdim: int):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def shape(self):
        s = self.val.shape
        return s[: self.bdim] + s[self.bdim + 1 :]

    @property
    def dtype(self):
        return self.val.dtype

    def lower(self) -> tuple[Any, int]:
        return self.val, self.bdim


class BatchTrace(Trace):
    """One ``vmap``: knows the batch size."""

    __slots__ = ("axis_size",)
    call_handlers: ClassVar[dict[Any, Any]] = {}  # filled by transforms.calls.handle

    def __init__(self, axis_size: int) -> None:
        super().__init__()
        self.axis_size = axis_size

    def process_primitive(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        vals, dims = unwrap(self, args)
        rule = BATCH.lookup(prim)
        out, out_dim = rule(self.axis_size, vals, dims, **params)
        if prim.multiple_results:
            return tuple(self._wrap(o, d) for o, d in zip(out, out_dim, strict=True))
        return self._wrap(out, out_dim)

    def _wrap(self, val: Any, bdim: int | None) -> Any:
        return val if bdim is None else BatchTracer(self, val, bdim)


def _normalize_axis(axis: int, ndim: int, what: str) -> int:
    if not -ndim <= axis < ndim:
        raise FuncgradValueError(
            f"vmap: {what} is {axis}, out of range for an argument of rank {ndim}"
        )
    return axis % ndim


def _broadcast_prefix(axes: Any, tree: Any, what: str) -> list:
    """One axis per leaf of ``tree``, from ``axes``: an int, None, or a prefix pytree."""
    if axes is None or isinstance(axes, int):
        return [axes] * len(flatten(tree)[0])
    prefix_leaves, prefix_def = flatten(axes, is_leaf=lambda x: x is None)
    try:
        subtrees = flatten_up_to(prefix_def, tree)
    except ValueError as e:
        raise FuncgradValueError(
            f"vmap: {what} {axes!r} is not a prefix of the structure of the values "
            f"({flatten(tree)[1]}): {e}"
        ) from None
    out: list = []
    for ax, sub in zip(prefix_leaves, subtrees, strict=True):
        if ax is not None and not isinstance(ax, int):
            raise FuncgradValueError(f"vmap: {what} entries must be int or None, got {ax!r}")
        out.extend([ax] * len(flatten(sub)[0]))
    return out


def vmap(
    fun: Callable[P, Any], in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None
) -> Callable[P, Any]:
    """Vectorise ``fun`` over a batch axis of its arguments.

    Args:
      fun: a function of arrays (pytrees of arrays).
      in_axes: int, None (argument not batched) or a pytree prefix of the positional
        arguments (a tuple with one entry per argument); negative axes count from the end.
        Keyword arguments are always batched along their leading axis (as in JAX): pass
        an unbatched value positionally with ``in_axes`` None, or close over it.
      out_axes: int, None, or a pytree prefix of the output: where the batch axis goes.
        None requires the output not to depend on the batch.
      axis_size: the batch size; needed only when no argument is batched (then every
        output is broadcast to it), else it must agree with the batched arguments.

    Returns:
      The batched function. Outputs that do not depend on the batch are broadcast along
      the batch axis (unless their ``out_axes`` is None). Outputs are fresh arrays.

    Raises:
      ValueError: if batched arguments have different sizes along their batch axes (the
        message lists every size), or an axis is out of range.

    Example:
      >>> import numpy as np
      >>> vmap(lambda x: x.sum())(np.arange(6.0).reshape(2, 3))
      array([ 3., 12.])
    """

    @api_boundary
    def batched(*args: Any, **kwargs: Any) -> Any:
        axes_spec: Any = tuple(in_axes) if isinstance(in_axes, list) else in_axes
        if isinstance(axes_spec, tuple) and len(axes_spec) != len(args):
            raise FuncgradValueError(
                f"vmap: in_axes has {len(axes_spec)} entries but the function was called "
                f"with {len(args)} positional arguments"
            )
        flat_args, in_tree = flatten((args, kwargs))
        flat_axes = _broadcast_prefix(axes_spec, args, "in_axes") + [0] * (
            len(flat_args) - len(flatten(args)[0])
        )
        sizes: list[tuple[str, int]] = []
        norm_axes: list[int | None] = []
        for i, (x, ax) in enumerate(zip(flat_args, flat_axes, strict=True)):
            if ax is None:
                norm_axes.append(None)
                continue
            shape = np.shape(x)
            if not shape:
                raise FuncgradValueError(
                    f"vmap: leaf {i} of the arguments is a scalar but in_axes asks to batch "
                    "it (keyword arguments are always batched on axis 0); use in_axes=None "
                    "for it, or pass it positionally"
                )
            ax = _normalize_axis(ax, len(shape), f"in_axes for leaf {i}")
            norm_axes.append(ax)
            sizes.append((f"leaf {i} (shape {shape}, axis {ax})", shape[ax]))
        if axis_size is not None:
            sizes.append(("axis_size", int(axis_size)))
        if not sizes:
            raise FuncgradValueError(
                "vmap: in_axes must batch at least one argument, or give axis_size="
            )
        if len({s for _, s in sizes}) > 1:
            listing = "; ".join(f"{w}: size {s}" for w, s in sizes)
            raise FuncgradValueError(
                f"vmap got inconsistent sizes for the batched axes of its arguments: {listing}"
            )
        size = sizes[0][1]
        with new_trace(BatchTrace(size)) as trace:
            tracers = [
                x if ax is None else BatchTracer(trace, x, ax)
                for x, ax in zip(flat_args, norm_axes, strict=True)
            ]
            call_args, call_kwargs = unflatten(in_tree, tracers)
            out = fun(*call_args, **call_kwargs)
            out_flat, out_tree = flatten(out)
            flat_out_axes = _broadcast_prefix(out_axes, out, "out_axes")
            results = [
                _finish(o, ax, trace, size) for o, ax in zip(out_flat, flat_out_axes, strict=True)
            ]
        return unflatten(out_tree, fresh_outputs(results, flat_args))

    return batched


def _finish(o: Any, out_axis: int | None, trace: BatchTrace, axis_size: int) -> Any:
    batched = type(o) is BatchTracer and o._trace is trace
    if out_axis is None:
        if batched:
            raise FuncgradValueError(
                "vmap: out_axes is None for an output that depends on the batch "
                f"(shape {o.shape}); give it an int out_axes"
            )
        return o if isinstance(o, Tracer) else np.asarray(o)
    if not batched:
        o = o if isinstance(o, Tracer) else np.asarray(o)
        val = broadcast_to(expand_dims(o, 0), (axis_size, *o.shape))
        bdim = 0
    else:
        val, bdim = o.val, o.bdim
    ndim = len(val.shape)
    return move_axis(val, bdim, _normalize_axis(out_axis, ndim, "out_axes"))
