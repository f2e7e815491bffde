"""The 8x8 handwritten digits, a fixed train/test split, and the training loop and picture
shared by ``mlp_digits.py`` and ``cnn_digits.py``.

The data is the UCI "Optical Recognition of Handwritten Digits" set as scikit-learn
ships it (``sklearn.datasets.load_digits``: 1,797 images, pixels 0..16): taken from
scikit-learn when it is installed, otherwise from the identical copy in
``examples/data/digits.npz`` (source and licence in ``examples/data/README.md``). No
download either way.
"""

from __future__ import annotations

import argparse
import pathlib
from collections.abc import Callable
from typing import Any

import _plots
import numpy as np
from _progress import Progress

import funcgrad as fg
from funcgrad import nn, optim

DATA = pathlib.Path(__file__).resolve().parent / "data" / "digits.npz"
TEST_SIZE = 360  # 20% of 1,797, held out for good (fixed by a seeded permutation)


def load_digits(prefer_sklearn: bool = True) -> tuple[np.ndarray, np.ndarray, str]:
    """``(images (1797, 8, 8) uint8 in 0..16, labels (1797,) int64, source)``."""
    if prefer_sklearn:
        try:
            from sklearn.datasets import load_digits as sklearn_digits
        except ImportError:
            pass
        else:
            digits = sklearn_digits()
            return digits.images.astype(np.uint8), digits.target.astype(np.int64), "scikit-learn"
    with np.load(DATA) as data:
        return data["images"], data["labels"].astype(np.int64), f"examples/data/{DATA.name}"


def train_test_split(images: np.ndarray, labels: np.ndarray, seed: int = 0):
    """The fixed split: ``(x_train, y_train, x_test, y_test)``, pixels scaled to [0, 1]."""
    order = np.random.default_rng(seed).permutation(len(labels))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    x = images.astype(np.float64) / 16.0
    return x[train], labels[train], x[test], labels[test]


def loss_fn(model: Any, x: Any, y: Any, weight_decay: float) -> Any:
    """Mean cross-entropy plus ``weight_decay / 2`` times the squared weights."""
    logits = model(x)
    loss = nn.softmax_cross_entropy_with_integer_labels(logits, y)
    return loss + 0.5 * weight_decay * nn.l2_penalty(model)


def predict(model: Callable, x: np.ndarray, batch: int = 512) -> np.ndarray:
    """Predicted classes, evaluated in batches (plain numpy: no tracing)."""
    chunks = [np.argmax(model(x[i : i + batch]), axis=-1) for i in range(0, len(x), batch)]
    return np.concatenate(chunks)


def train(model, data, *, epochs: int, batch: int, lr: float, weight_decay: float, seed: int = 0):
    """Adam with a cosine-decayed learning rate over shuffled minibatches.

    Returns ``(model, history)`` with ``history`` a dict of per-epoch lists (mean training
    loss, training accuracy, held-out accuracy) and the training time in ``"seconds"``.
    """
    x, y, x_test, y_test = data
    steps_per_epoch = -(-len(y) // batch)
    opt = optim.adam(optim.cosine_decay_schedule(lr, epochs * steps_per_epoch))
    state = opt.init(model)
    step_fn = fg.value_and_grad(loss_fn)
    rng = np.random.default_rng(seed)
    history: dict = {"loss": [], "train_acc": [], "test_acc": []}
    with Progress(epochs * steps_per_epoch, "train") as progress:
        for epoch in range(epochs):
            order = rng.permutation(len(y))
            losses = []
            for i in range(0, len(y), batch):
                idx = order[i : i + batch]
                loss, grads = step_fn(model, x[idx], y[idx], weight_decay)
                updates, state = opt.update(grads, state, model)
                model = optim.apply_updates(model, updates)
                losses.append(float(loss))
                progress.update(loss=losses[-1], epoch=f"{epoch + 1}/{epochs}")
            history["loss"].append(float(np.mean(losses)))
            history["train_acc"].append(float(np.mean(predict(model, x) == y)))
            history["test_acc"].append(float(np.mean(predict(model, x_test) == y_test)))
            progress.set(test_acc=f"{history['test_acc'][-1]:.1%}")
    history["seconds"] = progress.elapsed
    return model, history


def parser(doc: str, script: str, *, lr: float) -> argparse.ArgumentParser:
    """The digit examples' shared options (sizes, optimiser, data source, picture)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument(
        "--no-sklearn", action="store_true", help="use the shipped copy even if sklearn is here"
    )
    _plots.add_arguments(parser, script)
    return parser


def run(args, model, *, as_inputs: Callable, describe: str, title: str) -> float:
    """Load and split the digits, train ``model`` on ``as_inputs(images)``, report the
    held-out accuracy (returned) and draw the picture."""
    images, labels, source = load_digits(prefer_sklearn=not args.no_sklearn)
    x, y, x_test, y_test = train_test_split(images, labels)
    data = (as_inputs(x), y, as_inputs(x_test), y_test)
    print(
        f"digits from {source}: {len(y)} training, {len(y_test)} held-out 8x8 images; "
        f"{describe}, Adam lr={args.lr}, batch {args.batch}"
    )
    model, history = train(
        model, data, epochs=args.epochs, batch=args.batch, lr=args.lr,
        weight_decay=args.weight_decay,
    )  # fmt: skip
    predicted = predict(model, data[2])
    test_acc = float(np.mean(predicted == y_test))
    print(
        f"done in {history['seconds']:.1f} s: training accuracy "
        f"{history['train_acc'][-1]:.1%}, held-out accuracy {test_acc:.1%} "
        f"({int(np.sum(predicted != y_test))} of {len(y_test)} wrong)"
    )
    plt = _plots.pyplot(args)
    if plt is not None:
        plot(plt, args.plot, title, history, x_test, y_test, predicted)
    return test_acc


def plot(plt, path: str, title: str, history: dict, x_test, y_test, predicted) -> None:
    """Learning curves, the held-out confusion matrix, and the first four mistakes."""
    fig = plt.figure(figsize=(12, 4.2))
    grid = fig.add_gridspec(2, 4, width_ratios=[3, 3, 1.1, 1.1])
    curves = fig.add_subplot(grid[:, 0])
    epochs = np.arange(1, len(history["loss"]) + 1)
    curves.plot(epochs, history["loss"], color="tab:blue", label="training loss")
    curves.set_xlabel("epoch")
    curves.set_ylabel("cross-entropy (log scale)")
    curves.set_yscale("log")
    acc = curves.twinx()
    acc.plot(
        epochs,
        100 * np.array(history["train_acc"]),
        "--",
        color="tab:orange",
        label="training accuracy",
    )
    acc.plot(
        epochs, 100 * np.array(history["test_acc"]), color="tab:orange", label="held-out accuracy"
    )
    acc.set_ylabel("accuracy %")
    acc.set_ylim(max(0, 100 * min(history["test_acc"]) - 5), 100.5)
    lines = curves.get_lines() + acc.get_lines()
    curves.legend(lines, [line.get_label() for line in lines], loc="center right")
    curves.set_title(title)
    counts = _plots.confusion_matrix(y_test, predicted, 10)
    _plots.draw_confusion(
        fig.add_subplot(grid[:, 1]),
        counts,
        [str(d) for d in range(10)],
        f"held-out confusion ({np.mean(predicted == y_test):.1%} correct)",
    )
    wrong = np.flatnonzero(predicted != y_test)[:4]
    for k in range(4):
        ax = fig.add_subplot(grid[k // 2, 2 + k % 2])
        ax.axis("off")
        if k < len(wrong):
            i = wrong[k]
            ax.imshow(x_test[i].reshape(8, 8), cmap="gray_r")
            ax.set_title(f"a {y_test[i]} read as {predicted[i]}", fontsize=9)
    _plots.save(fig, path)
