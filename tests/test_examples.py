"""Every script in examples/ runs (at a small size) and shows what it claims."""

import importlib.util
import pathlib

import numpy as np

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_mlp_lowers_the_loss(capsys):
    mod = load("train_mlp")
    first = mod.main(["--steps", "1"])
    final = mod.main(["--steps", "150"])
    assert final < 0.8 * first
    assert "step  150/150" in capsys.readouterr().out


def test_backprop_basics_seed_examples():
    mod = load("backprop_basics")
    value, grads = mod.circuit()
    assert float(value) == -12.0
    assert [float(g) for g in grads] == [-4.0, -4.0, 3.0]
    assert mod.sigmoid_derivative() < 1e-12
    e1, e2 = mod.two_layer_network()
    assert e1 < 1e-12 and e2 < 1e-12
    rows = mod.numerical_vs_backprop(sizes=(2, 16))
    # numerical cost grows with the number of weights; backprop's stays a few passes
    assert rows[1][0] > rows[0][0]
    assert np.isfinite(rows[1][1])
