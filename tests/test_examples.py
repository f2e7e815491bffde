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


def test_small_run_lowers_every_loss_and_momentum_beats_gradient_descent(capsys):
    results = load("optimizers").main(["--small", "--no-plot"])
    printed = capsys.readouterr().out
    assert "epoch" in printed and "momentum" in printed

    for problem, curves in results.items():
        assert set(curves) == {"gd", "momentum", "adagrad", "rmsprop", "adam"}
        for name, losses in curves.items():
            assert len(losses) == 6  # before training and after each of 5 epochs
            assert losses[-1] < losses[0], (problem, name, losses)
    quadratic = results["quadratic"]
    assert quadratic["momentum"][-1] < 0.01 * quadratic["gd"][-1]


def test_cnn_example_learns_the_shapes(capsys):
    mod = load("train_cnn")
    chance = np.log(len(mod.CLASSES))
    loss, acc = mod.main(["--steps", "80"])
    assert loss < 0.5 * chance
    assert acc > 0.7
    out = capsys.readouterr().out
    assert "step   80/80" in out and "held-out accuracy" in out


def test_images_have_the_advertised_shapes():
    mod = load("train_cnn")
    x, y = mod.make_images(16, seed=3)
    assert x.shape == (16, 1, 8, 8) and y.shape == (16,)
    assert set(np.unique(y)) <= set(range(len(mod.CLASSES)))


def test_rnn_example_learns_only_when_the_truncation_spans_the_delay(capsys):
    mod = load("rnn_sequence")
    chance = np.log(6)
    loss, acc = mod.main(["--steps", "80", "--delay", "3", "--truncation", "10"])
    assert loss < 0.6 * chance and acc > 0.5
    out = capsys.readouterr().out
    assert "step   80/80" in out and "truncation 10" in out
    short_loss, _ = mod.main(["--steps", "40", "--delay", "3", "--truncation", "2"])
    assert short_loss > 0.85 * chance
