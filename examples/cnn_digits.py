"""Classify real handwritten digits with a CNN: 8x8 images, held-out accuracy above 97%.

The same data and fixed split as ``mlp_digits.py`` (the UCI handwritten digits, no
download), seen as images: (N, 1, 8, 8). The network is ``train_cnn.py``'s: conv 3x3
(8 channels) -> ReLU -> 2x2 max pool -> conv 3x3 (16) -> ReLU -> 2x2 max pool -> dense,
with about 1,900 weights (the MLP has 26,000). Convolutions share their weights across
the image, which suits strokes that may sit anywhere; the picture shows the learning
curves, the held-out confusion matrix and a few of the mistakes.

Run:  python examples/cnn_digits.py              (about 6 s; --plot PATH for the PNG)
      python examples/cnn_digits.py --epochs 2   (quick)
"""

from __future__ import annotations

import os

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _digits
from train_cnn import init_cnn

import funcgrad as fg


def main(argv=None) -> float:
    """Train; return the held-out accuracy."""
    args = _digits.parser(__doc__, __file__, lr=1e-2).parse_args(argv)
    model = init_cnn(fg.random.key(0), size=8, classes=10)
    weights = sum(leaf.size for leaf in fg.tree.leaves(model))
    return _digits.run(
        args,
        model,
        as_inputs=lambda images: images[:, None],  # NCHW: one channel
        describe=f"CNN conv8-pool-conv16-pool-dense ({weights} weights)",
        title="CNN on digits",
    )


if __name__ == "__main__":
    main()
