"""Scalar losses: MSE, cross-entropies, L2 penalty. Imports funcgrad.numpy and tree."""

from __future__ import annotations

from typing import Any

from .. import numpy as fnp, tree
from .activations import log_softmax, softplus


def _check_same_shape(fname: str, a: Any, b: Any, an: str, bn: str) -> None:
    if fnp.shape(a) != fnp.shape(b):
        raise ValueError(
            f"{fname}: {an} has shape {fnp.shape(a)} but {bn} has shape {fnp.shape(b)}; "
            "they must match"
        )


def mse(pred: Any, target: Any) -> Any:
    """Mean over all elements of (pred - target)**2; shapes must match."""
    _check_same_shape("mse", pred, target, "pred", "target")
    return fnp.mean(fnp.square(pred - target))


def softmax_cross_entropy(logits: Any, labels: Any) -> Any:
    """-sum(labels * log_softmax(logits)) over the last axis, mean over the others.

    ``labels`` are one-hot or probabilities with ``logits``' shape.
    """
    _check_same_shape("softmax_cross_entropy", logits, labels, "logits", "labels")
    return -fnp.mean(fnp.sum(labels * log_softmax(logits, axis=-1), axis=-1))


def softmax_cross_entropy_with_integer_labels(logits: Any, labels: Any) -> Any:
    """Cross-entropy with class indices: ``labels`` has ``logits.shape[:-1]``, ints."""
    if fnp.shape(labels) != fnp.shape(logits)[:-1]:
        raise ValueError(
            "softmax_cross_entropy_with_integer_labels: labels must have shape "
            f"logits.shape[:-1] = {fnp.shape(logits)[:-1]}, got {fnp.shape(labels)}"
        )
    logp = log_softmax(logits, axis=-1)
    picked = fnp.take_along_axis(logp, fnp.expand_dims(labels, -1), axis=-1)
    return -fnp.mean(picked)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """Mean over all elements of -[y log s(x) + (1-y) log(1-s(x))], computed stably."""
    _check_same_shape("sigmoid_binary_cross_entropy", logits, labels, "logits", "labels")
    return fnp.mean(softplus(logits) - labels * logits)


def l2_penalty(params: Any) -> Any:
    """Sum of squares of every leaf of ``params``."""
    total = 0.0
    for leaf in tree.leaves(params):
        total = total + fnp.sum(fnp.square(leaf))
    return total
