"""Classify real handwritten digits with an MLP: 8x8 images, held-out accuracy above 95%.

The data is the UCI "Optical Recognition of Handwritten Digits" set: the 1,797 images by
13 writers that scikit-learn ships as ``load_digits`` (read from scikit-learn, or from
the identical copy in ``examples/data/`` when it is not installed: no download). A fixed
seeded split holds out 360 images that training never sees. The network is
``train_mlp.py``'s (He-initialised ``Dense`` layers with ReLU), 64 -> 128 -> 128 -> 10,
trained with Adam, a cosine learning-rate decay and a little weight decay; the picture
shows the learning curves, the held-out confusion matrix and a few of the mistakes.

Run:  python examples/mlp_digits.py              (a few seconds; --plot PATH for the PNG)
      python examples/mlp_digits.py --epochs 3   (quick)
"""

from __future__ import annotations

import os

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _digits
from train_mlp import init_mlp

import funcgrad as fg


def main(argv=None) -> float:
    """Train; return the held-out accuracy."""
    parser = _digits.parser(__doc__, __file__, lr=3e-3)
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args(argv)
    model = init_mlp(fg.random.key(0), [64, args.hidden, args.hidden, 10])
    return _digits.run(
        args,
        model,
        as_inputs=lambda images: images.reshape(len(images), 64),
        describe=f"MLP 64-{args.hidden}-{args.hidden}-10",
        title="MLP on digits",
    )


if __name__ == "__main__":
    main()
