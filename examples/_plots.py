"""The examples' pictures: ``--plot PATH`` / ``--no-plot`` and an optional matplotlib.

matplotlib is not a dependency of funcgrad; ``pip install 'funcgrad[examples]'`` adds it.
Every example calls :func:`add_arguments` on its parser, then, after training::

    plt = _plots.pyplot(args)          # None: --no-plot, or matplotlib is missing (said once)
    if plt is not None:
        fig, ax = plt.subplots()
        ...
        _plots.save(fig, args.plot)    # writes the PNG and says where

The backend is the non-interactive ``Agg``: the scripts write files and never open a
window, so they run the same on a laptop, over SSH and in CI.
"""

from __future__ import annotations

import argparse
import pathlib
from typing import Any

INSTALL_HINT = "pip install 'funcgrad[examples]'"


def add_arguments(parser: argparse.ArgumentParser, script: str) -> None:
    """Add ``--plot`` (default ``<script name>.png`` in the working directory) and
    ``--no-plot`` to ``parser``; ``script`` is the example's ``__file__``."""
    default = f"{pathlib.Path(script).stem}.png"
    parser.add_argument(
        "--plot", default=default, help=f"where to write the PNG (default: ./{default})"
    )
    parser.add_argument("--no-plot", action="store_true", help="do not make a picture")


def pyplot(args: argparse.Namespace) -> Any:
    """``matplotlib.pyplot`` on the Agg backend, or None (with a one-line reason when
    matplotlib is missing; silently with ``--no-plot``)."""
    if args.no_plot:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"no plot made: matplotlib is not installed ({INSTALL_HINT} to get one)")
        return None
    return plt


def save(fig: Any, path: str | pathlib.Path, dpi: int = 100) -> pathlib.Path:
    """Write ``fig`` to ``path`` as a PNG, close it, and print where it went."""
    import matplotlib.pyplot as plt

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    print(f"plot written to {path.resolve()}")
    return path


def confusion_matrix(labels: Any, predictions: Any, classes: int) -> Any:
    """``counts[true, predicted]`` as an int array of shape (classes, classes)."""
    import numpy as np

    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (np.asarray(labels), np.asarray(predictions)), 1)
    return counts


def draw_confusion(ax: Any, counts: Any, names: Any, title: str) -> None:
    """A confusion matrix as an image with the count in every non-empty cell."""
    import numpy as np

    ax.imshow(np.log1p(counts), cmap="Blues")
    for (i, j), n in np.ndenumerate(counts):
        if n:
            colour = "white" if n > counts.max() / 2 else "black"
            ax.text(j, i, str(n), ha="center", va="center", fontsize=7, color=colour)
    ticks = range(len(names))
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
