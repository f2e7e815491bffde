"""examples/train_cnn.py runs at a small size and learns the bar/shape images."""

import importlib.util
import pathlib

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "train_cnn.py"


def _load():
    spec = importlib.util.spec_from_file_location("train_cnn", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cnn_example_learns_the_shapes(capsys):
    mod = _load()
    chance = np.log(len(mod.CLASSES))
    loss, acc = mod.main(["--steps", "80"])
    assert loss < 0.5 * chance
    assert acc > 0.7
    out = capsys.readouterr().out
    assert "step   80/80" in out and "held-out accuracy" in out


def test_images_have_the_advertised_shapes():
    mod = _load()
    x, y = mod.make_images(16, seed=3)
    assert x.shape == (16, 1, 8, 8) and y.shape == (16,)
    assert set(np.unique(y)) <= set(range(len(mod.CLASSES)))
