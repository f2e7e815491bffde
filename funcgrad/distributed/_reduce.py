"""Checking each shard's ``(value, grads)`` and combining the shards by a weighted sum.

The sums run in shard order, in float64 (complex128 for complex leaves) and are cast back
to each leaf's dtype, so a float32 model keeps float32 gradients and the result does not
depend on which worker finished first. Imports numpy and funcgrad's tree only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from ..tree import PyTree, flatten, structure, unflatten
from ._errors import ShardError
from ._paths import leaf_paths

Reduction = Literal["mean", "sum"]

HAS_AUX_HINT = (
    "if `fun` returns ((value, aux), grads), as value_and_grad(loss, has_aux=True) does, "
    "pass has_aux=True to data_parallel"
)


def check_shard(
    out: Any, params: PyTree, shard: int, where: str, *, has_aux: bool, check_finite: bool
) -> tuple[np.ndarray, list[np.ndarray], Any]:
    """``(value, grad leaves, aux)`` of one shard's result, or a ``ShardError`` saying why not."""

    def fail(what: str, path: str = "", part: str = "") -> ShardError:
        return ShardError(f"data_parallel: {where} {what}", shard=shard, path=path, part=part)

    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise fail(
            f"returned a {type(out).__name__}; expected a pair (value, grads), as "
            f"value_and_grad gives"
        )
    value, grads = out
    aux = None
    if has_aux:
        if not (isinstance(value, (tuple, list)) and len(value) == 2):
            raise fail(
                f"returned {type(value).__name__} where has_aux=True expects a pair "
                f"(value, aux) in ((value, aux), grads)"
            )
        value, aux = value
    if isinstance(value, (tuple, list, dict)):
        raise fail(
            f"returned a {type(value).__name__} as its value; expected a scalar. {HAS_AUX_HINT}",
            part="value",
        )
    value = np.asarray(value)
    if value.shape != () or value.dtype.kind != "f":
        raise fail(
            f"returned a value of {value.dtype}{list(value.shape)}; expected a real "
            f"scalar (a mean loss over the shard)",
            part="value",
        )
    if check_finite and not np.isfinite(value):
        raise fail(
            f"returned the value {value}; expected a finite number. Run the same rows "
            f"in one process to see where it overflows",
            part="value",
        )

    p_flat, p_def = flatten(params)
    g_flat, g_def = flatten(grads)
    if g_def != p_def:
        raise fail(
            f"returned gradients of structure {g_def}; expected the structure of params, {p_def}",
            part="grads",
        )
    checked = []
    for path, g, p in zip(leaf_paths(params), g_flat, p_flat, strict=True):
        g = np.asarray(g)
        if g.shape != p.shape:
            raise fail(
                f"returned a gradient at {path} of shape {g.shape}; expected shape "
                f"{p.shape}, the shape of params{path}",
                path,
                "grads",
            )
        if g.dtype != p.dtype:
            raise fail(
                f"returned a gradient of dtype {g.dtype} at {path}; expected "
                f"{p.dtype}, the dtype of params{path}",
                path,
                "grads",
            )
        if check_finite:
            bad = _non_finite(g)
            if bad:
                raise fail(f"returned a gradient at {path} {bad}", path, "grads")
        checked.append(g)
    return value, checked, aux


def _non_finite(x: np.ndarray) -> str:
    """What is not finite in ``x`` (for a message), or ``""`` when all of it is."""
    bad = ~np.isfinite(x)
    if not bad.any():
        return ""
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    n_nan = int(np.isnan(x).sum())
    return (
        f"with {n_nan} NaN and {int(bad.sum()) - n_nan} Inf entries (the first at index "
        f"{first}); expected finite numbers. Run the same rows in one process to see where "
        f"it overflows"
    )


def weights(sizes: Sequence[int], reduction: Reduction) -> list[float]:
    """The weight of each shard: its share of the batch (``"mean"``) or 1 (``"sum"``)."""
    total = sum(sizes)
    return [n / total for n in sizes] if reduction == "mean" else [1.0] * len(sizes)


def weighted_sum(arrays: Sequence[np.ndarray], w: Sequence[float], dtype: Any) -> np.ndarray:
    """``sum_i w[i] * arrays[i]`` in shard order, accumulated in double precision."""
    acc_dtype = np.result_type(dtype, np.float64)
    acc = np.asarray(arrays[0], dtype=acc_dtype) * w[0]
    for a, wi in zip(arrays[1:], w[1:], strict=True):
        acc += np.asarray(a, dtype=acc_dtype) * wi
    return np.array(acc, dtype=dtype)  # a fresh array, 0-d for a scalar


def combine(
    checked: list[tuple[np.ndarray, list[np.ndarray], Any]],
    sizes: Sequence[int],
    reduction: Reduction,
    params: PyTree,
) -> tuple[np.ndarray, PyTree, list[Any]]:
    """The weighted tree-mean (or sum) of the shards' values and gradients."""
    values = [v for v, _, _ in checked]
    for i, v in enumerate(values[1:], start=1):
        if v.dtype != values[0].dtype:
            raise ShardError(
                f"data_parallel: shard {i} returned a value of dtype {v.dtype}; expected "
                f"{values[0].dtype}, the dtype of shard 0's value",
                shard=i,
                part="value",
            )
    w = weights(sizes, reduction)
    value = weighted_sum(values, w, values[0].dtype)
    p_flat, p_def = flatten(params)
    grads = [weighted_sum([g[j] for _, g, _ in checked], w, p.dtype) for j, p in enumerate(p_flat)]
    return value, unflatten(p_def, grads), [a for _, _, a in checked]


def combine_aux(
    auxes: list[Any], sizes: Sequence[int], how: str, describe: Callable[[int], str]
) -> PyTree:
    """Combine the shards' ``aux``: leafwise ``"mean"``/``"sum"``, or ``"concatenate"``."""
    first_def = structure(auxes[0])
    paths = leaf_paths(auxes[0])
    columns: list[list[np.ndarray]] = [[] for _ in paths]
    for i, aux in enumerate(auxes):

        def fail(what: str, path: str = "", i: int = i) -> ShardError:
            return ShardError(
                f"data_parallel: {describe(i)} {what}", shard=i, path=path, part="aux"
            )

        flat, treedef = flatten(aux)
        if treedef != first_def:
            raise fail(
                f"returned aux of structure {treedef}; expected {first_def}, the "
                f"structure of shard 0's aux"
            )
        for path, leaf, column in zip(paths, flat, columns, strict=True):
            leaf = np.asarray(leaf)
            ref = column[0] if column else leaf
            same = (
                leaf.shape[1:] == ref.shape[1:]
                if how == "concatenate"
                else (leaf.shape == ref.shape)
            )
            if how == "concatenate" and leaf.ndim == 0:
                raise fail(
                    f"returned a scalar aux{path}; aux_reduction='concatenate' needs "
                    f"a leading (batch) axis on every aux leaf",
                    path,
                )
            if not same or leaf.dtype != ref.dtype:
                raise fail(
                    f"returned aux{path} of {leaf.dtype}{list(leaf.shape)}; expected "
                    f"{ref.dtype}{list(ref.shape)} like shard 0's "
                    f"(aux_reduction={how!r})",
                    path,
                )
            if how != "concatenate" and leaf.dtype.kind not in "biufc":
                raise fail(
                    f"returned a non-numeric aux{path} ({leaf.dtype}); use "
                    f"aux_reduction='list' to get each shard's aux",
                    path,
                )
            column.append(leaf)
    if how == "concatenate":
        return unflatten(first_def, [np.concatenate(c, axis=0) for c in columns])
    w = weights(sizes, how)  # type: ignore[arg-type]
    out = []
    for column in columns:
        dtype = column[0].dtype
        if how == "sum" and dtype.kind in "biu":  # counts stay exact integers
            out.append(np.sum(np.stack(column), axis=0, dtype=np.result_type(dtype, np.int64)))
        else:
            out.append(
                weighted_sum(
                    column, w, np.result_type(dtype, np.float64) if dtype.kind in "biu" else dtype
                )
            )
    return unflatten(first_def, out)
