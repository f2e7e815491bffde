"""Train a small convolutional network on synthetic 8x8 images of bars and shapes.

The images are made here with numpy (no download): a horizontal bar, a vertical bar, a
diagonal line or a hollow square, at a random place, on a noisy background. The network
is conv 3x3 (8 channels) -> ReLU -> 2x2 max pool -> conv 3x3 (16) -> ReLU -> 2x2 max pool
-> dense, a ``Sequential`` of ``Conv2d`` and ``Dense`` layers trained with Adam on
minibatches; accuracy is measured on held-out images. The picture (``--plot``) shows the
loss, the held-out confusion matrix and a few images with their predicted class.

Run:  python examples/train_cnn.py             (a few seconds)
      python examples/train_cnn.py --steps 50  (quick)
"""

from __future__ import annotations

import argparse
import functools
import os

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _plots
import numpy as np
from _progress import Progress

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn

CLASSES = ("horizontal bar", "vertical bar", "diagonal", "square")


def make_images(n: int, size: int = 8, noise: float = 0.3, seed: int = 0):
    """``n`` images (n, 1, size, size) of the four CLASSES, and their integer labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(CLASSES), n)
    x = rng.normal(0.0, noise, (n, 1, size, size))
    for img, label in zip(x[:, 0], y, strict=True):
        length = rng.integers(4, size + 1)
        r, c = rng.integers(0, size - length + 1, 2)
        if label == 0:
            img[rng.integers(0, size), c : c + length] += 1.0
        elif label == 1:
            img[r : r + length, rng.integers(0, size)] += 1.0
        elif label == 2:
            idx = np.arange(length)
            img[r + idx, c + idx] += 1.0
        else:
            side = rng.integers(3, 6)
            r, c = rng.integers(0, size - side + 1, 2)
            img[r : r + side, [c, c + side - 1]] += 1.0
            img[[r, r + side - 1], c + 1 : c + side - 1] += 1.0
    return x, y


def flatten(h):
    """(N, C, H, W) -> (N, C*H*W); (C, H, W) -> (C*H*W,)."""
    return fnp.reshape(h, (*h.shape[:-3], -1))


def init_cnn(key, size: int = 8, classes: int = len(CLASSES)):
    k1, k2, k3 = fg.random.split(key, 3)
    pool = functools.partial(nn.max_pool2d, window=2)
    return nn.Sequential(
        [
            nn.Conv2d.init(k1, 1, 8, 3, padding="SAME"),
            nn.relu,
            pool,
            nn.Conv2d.init(k2, 8, 16, 3, padding="SAME"),
            nn.relu,
            pool,
            flatten,
            nn.Dense.init(k3, 16 * (size // 4) ** 2, classes),
        ]
    )


def loss_fn(model, x, y):
    logits = model(x)
    return nn.softmax_cross_entropy_with_integer_labels(logits, y), logits


def accuracy(logits, y) -> float:
    return float(np.mean(np.argmax(logits, axis=-1) == y))


def main(argv=None) -> tuple[float, float]:
    """Train; return (final training loss, held-out accuracy)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)

    x, y = make_images(2048, seed=0)
    x_test, y_test = make_images(512, seed=1)
    model = init_cnn(fg.random.key(0))
    opt = fg.optim.adam(args.lr)
    state = opt.init(model)
    step_fn = fg.value_and_grad(loss_fn, has_aux=True)
    print(
        f"{len(y)} training images 8x8 of {len(CLASSES)} classes ({', '.join(CLASSES)}); "
        f"CNN conv8-pool-conv16-pool-dense, Adam lr={args.lr}, batch {args.batch}"
    )
    rng = np.random.default_rng(0)
    losses = []
    with Progress(args.steps, "train") as progress:
        for step in range(1, args.steps + 1):
            idx = rng.integers(0, len(y), args.batch)
            (loss, logits), grads = step_fn(model, x[idx], y[idx])
            updates, state = opt.update(grads, state, model)
            model = fg.optim.apply_updates(model, updates)
            losses.append(float(loss))
            progress.update(step, loss=losses[-1], batch_acc=f"{accuracy(logits, y[idx]):.1%}")
    train_loss, _ = loss_fn(model, x, y)
    predicted = np.argmax(model(x_test), axis=-1)
    test_acc = float(np.mean(predicted == y_test))
    print(
        f"done in {progress.elapsed:.1f} s: training loss {float(train_loss):.4f}, "
        f"held-out accuracy {test_acc:.1%}"
    )
    plt = _plots.pyplot(args)
    if plt is not None:
        fig = plt.figure(figsize=(11, 4.2))
        grid = fig.add_gridspec(2, 4, width_ratios=[2.6, 2.6, 1, 1])
        ax = fig.add_subplot(grid[:, 0])
        ax.semilogy(losses, alpha=0.6)
        ax.set_xlabel("step (minibatch)")
        ax.set_ylabel("cross-entropy")
        ax.set_title("training loss")
        counts = _plots.confusion_matrix(y_test, predicted, len(CLASSES))
        names = ["horiz.", "vert.", "diag.", "square"]
        _plots.draw_confusion(fig.add_subplot(grid[:, 1]), counts, names,
                              f"held out: {test_acc:.1%} correct")  # fmt: skip
        for k in range(4):
            ax = fig.add_subplot(grid[k // 2, 2 + k % 2])
            ax.imshow(x_test[k, 0], cmap="gray_r")
            ax.set_title(f"{names[y_test[k]]} -> {names[predicted[k]]}", fontsize=9)
            ax.axis("off")
        _plots.save(fig, args.plot)
    return float(train_loss), test_acc


if __name__ == "__main__":
    main()
