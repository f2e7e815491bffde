"""Regenerate the pictures the README shows, by running their examples at full size.

Run from anywhere (needs matplotlib: ``pip install 'funcgrad[examples]'``)::

    python docs/make_pictures.py

It writes ``docs/vanishing_gradients.png`` and ``docs/cnn_digits.png`` (about 15 s); the
figures printed along the way are the ones the README quotes.
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


if __name__ == "__main__":
    main()
