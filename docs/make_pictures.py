"""Regenerate the pictures the README shows, by running their examples at full size.

Run from anywhere (needs matplotlib: ``pip install 'funcgrad[examples]'``)::

    python docs/make_pictures.py

It writes ``docs/vanishing_gradients.png`` and ``docs/cnn_digits.png`` (about 15 s), and
the circuit pictures of the README's "Debugging your gradients" (``docs/circuit.svg``,
``docs/circuit_mlp.svg``; they need Graphviz's ``dot``); the figures printed along the way
are the ones the README quotes.
"""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
EXAMPLES = DOCS.parent / "examples"
PICTURES = ("vanishing_gradients", "cnn_digits")  # committed: see .gitignore's exceptions


def main() -> None:
    if importlib.util.find_spec("matplotlib") is None:
        sys.exit("docs/make_pictures.py needs matplotlib: pip install 'funcgrad[examples]'")
    sys.path.insert(0, str(EXAMPLES))
    for name in PICTURES:
        print(f"== examples/{name}.py")
        importlib.import_module(name).main(["--plot", str(DOCS / f"{name}.png")])
    circuits()


def circuits() -> None:
    """The textbook circuit and a small MLP's, as SVG; and a diagnosis table."""
    import numpy as np

    import funcgrad as fg
    import funcgrad.numpy as fnp
    from funcgrad import nn

    print("== fg.show((x + y) * z)")
    c = fg.show(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0)
    print(c)
    c.render(str(DOCS / "circuit.svg"))
    keys = fg.random.split(fg.random.key(0), 3)
    model = nn.Sequential([nn.Dense.init(keys[0], 4, 8), nn.Dense.init(keys[1], 8, 8),
                           nn.Dense.init(keys[2], 8, 1)])  # fmt: skip
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 1))
    fg.show(lambda m, x, y: nn.mse(m(x), y), model, x, y).render(
        str(DOCS / "circuit_mlp.svg"), collapse=True
    )
    print("== fg.diagnose of a tanh RNN over 100 steps")
    hidden = 32
    params = {"W": rng.standard_normal((hidden, hidden)) * 0.3 / np.sqrt(hidden),
              "U": rng.standard_normal((4, hidden)) * 0.5}  # fmt: skip
    xs = rng.standard_normal((100, 8, 4))

    def loss(p, xs):
        def step(h, x):
            return fnp.tanh(h @ p["W"] + x @ p["U"]), None

        h, _ = fg.scan(step, np.zeros((8, hidden)), xs)
        return fnp.sum(h**2)

    print(fg.diagnose(loss, params, xs, optimizer=fg.optim.adam(1e-3)))


if __name__ == "__main__":
    main()
