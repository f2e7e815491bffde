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


def test_newton_converges_in_a_few_steps_where_gradient_descent_does_not():
    mod = load("newton")
    newton_hist, gd_hist = mod.main(["--n", "200", "--d", "8", "--gd-steps", "200"])
    assert newton_hist[-1][1] < 1e-8
    assert len(newton_hist) <= 12
    assert gd_hist[-1][1] > 1e3 * newton_hist[-1][1]


def test_per_example_gradients_match_a_loop_and_training_works(capsys):
    mod = load("per_example_gradients")
    loss = mod.main(["--steps", "40", "--batch", "16"])
    out = capsys.readouterr().out
    diff = float(out.split("max difference ")[1].split()[0])
    assert diff < 1e-12
    assert loss < 0.6
