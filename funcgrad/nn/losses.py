"""Losses (MSE, Huber, cross-entropies) and parameter penalties (L1, L2).

Each loss computes per-element (or per-example) values with optax's formulas, then reduces
them as ``reduction`` says: ``"mean"`` (the default, which API.md fixes), ``"sum"``, or
``"none"`` (the per-example values, as optax returns them). Values are accurate for
logits up to |x| = 1000 (cross-entropies go through ``log_softmax`` / ``softplus``, never
``log(softmax)``). Imports funcgrad.numpy, tree and core's errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp, tree
from ..core.errors import FuncgradTypeError, FuncgradValueError
from .activations import log_softmax, softplus

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(fname: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise FuncgradValueError(
            f"{fname}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )


def _reduce(values: Any, reduction: str) -> Any:
    if reduction == "mean":
        return fnp.mean(values)
    if reduction == "sum":
        return fnp.sum(values)
    return values


def _check_same_shape(fname: str, a: Any, b: Any, an: str, bn: str) -> None:
    if fnp.shape(a) != fnp.shape(b):
        raise FuncgradValueError(
            f"{fname}: {an} has shape {fnp.shape(a)} but {bn} has shape {fnp.shape(b)}; "
            f"they must match (reshape or broadcast {bn} first)"
        )


def mse(pred: Any, target: Any, reduction: str = "mean") -> Any:
    """(pred - target)**2, reduced by ``reduction`` (default: mean over all elements).

    Raises:
      FuncgradValueError: if the shapes differ or ``reduction`` is unknown.
    """
    _check_reduction("mse", reduction)
    _check_same_shape("mse", pred, target, "pred", "target")
    return _reduce(fnp.square(pred - target), reduction)


def huber_loss(
    predictions: Any, targets: Any = None, delta: float = 1.0, reduction: str = "mean"
) -> Any:
    """Huber loss (optax's formula): quadratic for |error| <= delta, linear beyond.

    Per element ``0.5 e**2`` if ``|e| <= delta`` else ``delta * (|e| - 0.5 delta)``, with
    ``e = predictions - targets`` (``targets=None``: ``e = predictions``); the derivative is
    continuous, ``clip(e, -delta, delta)``. Reduced by ``reduction`` (default: mean).

    Raises:
      FuncgradValueError: if the shapes differ, ``delta <= 0`` or ``reduction`` is unknown.

    Example:
      >>> float(huber_loss(np.array([0.5, 3.0]), np.zeros(2), reduction="sum"))
      2.625
    """
    _check_reduction("huber_loss", reduction)
    if not delta > 0:
        raise FuncgradValueError(f"huber_loss: delta must be positive, got {delta!r}")
    if targets is not None:
        _check_same_shape("huber_loss", predictions, targets, "predictions", "targets")
    err = predictions if targets is None else predictions - targets
    abs_err = fnp.abs(err)
    values = fnp.where(abs_err <= delta, 0.5 * err * err, delta * (abs_err - 0.5 * delta))
    return _reduce(values, reduction)


def softmax_cross_entropy(logits: Any, labels: Any, reduction: str = "mean") -> Any:
    """-sum(labels * log_softmax(logits)) over the last axis, then ``reduction``.

    ``labels`` are one-hot or probabilities with ``logits``' shape. ``reduction="none"``
    returns the per-example losses, shape ``logits.shape[:-1]`` (optax's result); the
    default is their mean.

    Raises:
      FuncgradValueError: if the shapes differ or ``reduction`` is unknown.
    """
    _check_reduction("softmax_cross_entropy", reduction)
    _check_same_shape("softmax_cross_entropy", logits, labels, "logits", "labels")
    return _reduce(-fnp.sum(labels * log_softmax(logits, axis=-1), axis=-1), reduction)


def softmax_cross_entropy_with_integer_labels(
    logits: Any, labels: Any, reduction: str = "mean"
) -> Any:
    """Cross-entropy with class indices: ``labels`` has ``logits.shape[:-1]``, integers.

    ``reduction="none"`` returns the per-example losses (shape ``labels.shape``); the
    default is their mean.

    Raises:
      FuncgradValueError: if ``labels`` has the wrong shape or ``reduction`` is unknown.
      FuncgradTypeError: if ``labels`` is not an integer array.
    """
    fname = "softmax_cross_entropy_with_integer_labels"
    _check_reduction(fname, reduction)
    if fnp.shape(labels) != fnp.shape(logits)[:-1]:
        raise FuncgradValueError(
            f"{fname}: labels must have shape logits.shape[:-1] = {fnp.shape(logits)[:-1]}, "
            f"got {fnp.shape(labels)}; for one-hot labels use softmax_cross_entropy"
        )
    if not hasattr(labels, "dtype"):
        labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise FuncgradTypeError(
            f"{fname}: labels must be an integer array of class indices, got dtype "
            f"{labels.dtype}; cast with .astype(int)"
        )
    logp = log_softmax(logits, axis=-1)
    picked = fnp.take_along_axis(logp, fnp.expand_dims(labels, -1), axis=-1)
    return _reduce(-fnp.squeeze(picked, axis=-1), reduction)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any, reduction: str = "mean") -> Any:
    """-[y log sigmoid(x) + (1 - y) log sigmoid(-x)] per element, then ``reduction``.

    optax's formula, as ``y softplus(-x) + (1 - y) softplus(x)``: a sum of non-negative
    terms for labels in [0, 1], so it keeps relative accuracy (a confident correct logit
    of 30 gives 9.4e-14, not a rounding of ``softplus(30) - 30``).

    Raises:
      FuncgradValueError: if the shapes differ or ``reduction`` is unknown.
    """
    _check_reduction("sigmoid_binary_cross_entropy", reduction)
    _check_same_shape("sigmoid_binary_cross_entropy", logits, labels, "logits", "labels")
    values = labels * softplus(-logits) + (1.0 - labels) * softplus(logits)
    return _reduce(values, reduction)


def l2_penalty(params: Any) -> Any:
    """Sum of squares of every leaf of ``params``."""
    total = 0.0
    for leaf in tree.leaves(params):
        total = total + fnp.sum(fnp.square(leaf))
    return total


def l1_penalty(params: Any) -> Any:
    """Sum of absolute values of every leaf of ``params`` (derivative sign(x); 1 at 0, as
    JAX differentiates abs)."""
    total = 0.0
    for leaf in tree.leaves(params):
        total = total + fnp.sum(fnp.abs(leaf))
    return total
