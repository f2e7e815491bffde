"""Every script in examples/ runs (at a small size), shows what it claims, and draws its
picture (into tmp_path; when matplotlib is missing, the one-line notice instead)."""

import importlib.util
import io
import pathlib
import sys

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load(name):
    # The examples import their shared helpers (_progress, _plots, ...) and each other
    # by name, as they do when run as scripts from examples/.
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plot_args(tmp_path, name):
    return ["--plot", str(tmp_path / f"{name}.png")]


def assert_plotted(tmp_path, name, out):
    """The PNG exists and the script said where; without matplotlib, it said why not."""
    path = tmp_path / f"{name}.png"
    if HAVE_MATPLOTLIB:
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert f"plot written to {path.resolve()}" in out
    else:
        assert not path.exists()
        assert "no plot made" in out and "pip install 'funcgrad[examples]'" in out


# --- the progress line and the plotting switch ------------------------------------------


def test_progress_prints_periodic_lines_with_rate_and_eta_when_not_a_terminal():
    progress_mod = load("_progress")
    stream = io.StringIO()
    with progress_mod.Progress(50, "train", stream=stream, tty=False) as progress:
        for step in range(1, 51):
            progress.update(step, loss=1.0 / step, acc="90.0%")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in stream.getvalue()
    assert lines[-1].startswith("train 50/50 [") and "100%" in lines[-1]
    for line in lines:
        assert "it/s" in line and "elapsed" in line and "left" in line and "acc 90.0%" in line
    assert "loss 0.0200" in lines[-1] and "0:00 left" in lines[-1]


def test_progress_updates_one_line_in_place_on_a_terminal():
    progress_mod = load("_progress")
    stream = io.StringIO()
    with progress_mod.Progress(3, "fit", stream=stream, tty=True) as progress:
        progress.update(loss=2.0)
        progress.write("a sample")
        progress.update(loss=1.0)
        progress.update(loss=0.5)
    text = stream.getvalue()
    assert text.endswith("\n") and text.count("\n") == 2  # the message and the final line
    assert "\ra sample\n" in text  # the updating line is wiped before the message
    assert text.rsplit("\r", 1)[1].startswith("fit 3/3 [")
    assert progress_mod.format_duration(3725) == "1:02:05"
    assert progress_mod.format_duration(float("nan")) == "?"
    with pytest.raises(ValueError, match="total"):
        progress_mod.Progress(0)


def test_without_matplotlib_the_examples_say_how_to_get_a_plot(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # importing it now fails
    mod = load("vanishing_gradients")
    mod.main(["--steps", "5", "--depth", "3", "--width", "8", *plot_args(tmp_path, "vg")])
    out = capsys.readouterr().out
    assert not (tmp_path / "vg.png").exists()
    notices = [line for line in out.splitlines() if "no plot made" in line]
    hint = "pip install 'funcgrad[examples]'"
    assert notices == [f"no plot made: matplotlib is not installed ({hint} to get one)"]


def test_the_default_plot_is_named_after_the_script_in_the_working_directory(tmp_path):
    import argparse

    parser = argparse.ArgumentParser()
    load("_plots").add_arguments(parser, str(EXAMPLES / "char_rnn.py"))
    assert parser.parse_args([]).plot == "char_rnn.png"
    assert parser.parse_args(["--no-plot"]).no_plot


# --- the examples -------------------------------------------------------------------------


def test_train_mlp_lowers_the_loss(tmp_path, capsys):
    mod = load("train_mlp")
    first = mod.main(["--steps", "1", "--no-plot"])
    final = mod.main(["--steps", "150", *plot_args(tmp_path, "mlp")])
    assert final < 0.8 * first
    out = capsys.readouterr().out
    assert "train 150/150 [" in out and "training accuracy" in out
    assert_plotted(tmp_path, "mlp", out)


def test_backprop_basics_seed_examples(capsys):
    mod = load("backprop_basics")
    value, grads = mod.circuit()
    assert float(value) == -12.0
    assert [float(g) for g in grads] == [-4.0, -4.0, 3.0]
    assert mod.sigmoid_derivative() < 1e-12
    e1, e2 = mod.two_layer_network()
    assert e1 < 1e-12 and e2 < 1e-12
    mod.main(["--sizes", "2", "4"])
    assert "4. numerical gradients against backprop" in capsys.readouterr().out


def test_gradient_check_counts_passes_and_catches_the_wrong_rule(tmp_path, capsys):
    mod = load("gradient_check")
    rows, message = mod.main(
        ["--sizes", "2", "8", "--batch", "32", "--repeat", "1", *plot_args(tmp_path, "gc")]
    )
    for row in rows:
        assert row["forward_passes"] == row["weights"] + 1  # one per weight, plus L(w)
        assert row["central_passes"] == 2 * row["weights"]
        assert row["error"] < 1e-6
    assert rows[1]["weights"] > rows[0]["weights"]
    assert "argument 0" in message and "analytic" in message and "numeric" in message
    import funcgrad as fg

    loss, w = mod.network_loss(4, inputs=3, batch=8)
    counted = mod.Counted(loss)
    fg.grad(counted)(w)
    assert counted.calls == 1  # backprop: one (recorded) forward pass, then the backward one
    out = capsys.readouterr().out
    assert "check_grads passes" in out and "check_grads raises" in out
    assert_plotted(tmp_path, "gc", out)


def test_newton_converges_in_a_few_steps_where_gradient_descent_does_not(tmp_path, capsys):
    mod = load("newton")
    newton_hist, gd_hist = mod.main(
        ["--n", "200", "--d", "8", "--gd-steps", "200", *plot_args(tmp_path, "newton")]
    )
    assert newton_hist[-1][1] < 1e-8
    assert len(newton_hist) <= 12
    assert gd_hist[-1][1] > 1e3 * newton_hist[-1][1]
    out = capsys.readouterr().out
    assert "gradient descent 200/200 [" in out
    assert_plotted(tmp_path, "newton", out)


def test_per_example_gradients_match_a_loop_and_training_works(tmp_path, capsys):
    mod = load("per_example_gradients")
    loss = mod.main(["--steps", "40", "--batch", "16", *plot_args(tmp_path, "dp")])
    out = capsys.readouterr().out
    diff = float(out.split("max difference ")[1].split()[0])
    assert diff < 1e-12
    assert loss < 0.6
    assert "DP-SGD 40/40 [" in out
    assert_plotted(tmp_path, "dp", out)


def test_small_run_lowers_every_loss_and_momentum_beats_gradient_descent(tmp_path, capsys):
    results = load("optimizers").main(["--small", *plot_args(tmp_path, "opt")])
    printed = capsys.readouterr().out
    assert "epoch" in printed and "momentum" in printed

    for problem, curves in results.items():
        assert set(curves) == {"gd", "momentum", "adagrad", "rmsprop", "adam"}
        for name, losses in curves.items():
            assert len(losses) == 6  # before training and after each of 5 epochs
            assert losses[-1] < losses[0], (problem, name, losses)
    quadratic = results["quadratic"]
    assert quadratic["momentum"][-1] < 0.01 * quadratic["gd"][-1]
    verdict = printed.split("\nverdict\n")[1].splitlines()
    assert verdict[0].startswith("- tanh network: ") and verdict[1].startswith("- quadratic: ")
    assert "momentum ends lowest" in verdict[1]
    assert_plotted(tmp_path, "opt", printed)


def test_optimizers_explains_rmsprops_plateau_on_the_quadratic():
    mod = load("optimizers")
    lr = mod.QUADRATIC_RMSPROP_LR
    curves = {
        n: mod.train_quadratic(make(), 30, 10) for n, make in mod.QUADRATIC_OPTIMIZERS.items()
    }
    plateau = 0.5 * mod.CURVATURES[1] * (lr / 2) ** 2  # x_1 hopping between +-lr/2
    assert curves["rmsprop"][-1] == pytest.approx(plateau, rel=0.05)
    line = mod.verdicts(curves, curves)[1]
    assert "RMSProp stalls" in line and f"{plateau:.1e}" in line


def test_cnn_example_learns_the_shapes(tmp_path, capsys):
    mod = load("train_cnn")
    chance = np.log(len(mod.CLASSES))
    loss, acc = mod.main(["--steps", "80", *plot_args(tmp_path, "cnn")])
    assert loss < 0.5 * chance
    assert acc > 0.7
    out = capsys.readouterr().out
    assert "train 80/80 [" in out and "held-out accuracy" in out
    assert_plotted(tmp_path, "cnn", out)


def test_images_have_the_advertised_shapes():
    mod = load("train_cnn")
    x, y = mod.make_images(16, seed=3)
    assert x.shape == (16, 1, 8, 8) and y.shape == (16,)
    assert set(np.unique(y)) <= set(range(len(mod.CLASSES)))


def test_rnn_example_learns_only_when_the_truncation_spans_the_delay(tmp_path, capsys):
    mod = load("rnn_sequence")
    chance = np.log(6)
    loss, acc = mod.main(
        ["--steps", "80", "--delay", "3", "--truncation", "10", *plot_args(tmp_path, "rnn")]
    )
    assert loss < 0.6 * chance and acc > 0.5
    out = capsys.readouterr().out
    assert "train 80/80 [" in out and "truncation 10" in out
    assert_plotted(tmp_path, "rnn", out)
    short_loss, _ = mod.main(["--steps", "40", "--delay", "3", "--truncation", "2", "--no-plot"])
    assert short_loss > 0.85 * chance


def test_the_shipped_digits_and_the_fixed_split():
    digits = load("_digits")
    images, labels, source = digits.load_digits(prefer_sklearn=False)
    assert source == "examples/data/digits.npz"
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and images.max() == 16
    assert labels.shape == (1797,) and np.array_equal(np.bincount(labels) > 170, [True] * 10)
    x, y, _, y_test = digits.train_test_split(images, labels)
    assert len(y) == 1437 and len(y_test) == 360 and x.max() == 1.0


def test_the_shipped_digits_are_scikit_learns():
    sklearn = pytest.importorskip("sklearn.datasets")
    images, labels, _ = load("_digits").load_digits(prefer_sklearn=False)
    reference = sklearn.load_digits()
    assert np.array_equal(images, reference.images) and np.array_equal(labels, reference.target)


def test_mlp_digits_reads_held_out_digits(tmp_path, capsys):
    acc = load("mlp_digits").main(["--epochs", "2", "--no-sklearn", *plot_args(tmp_path, "md")])
    assert acc > 0.9
    out = capsys.readouterr().out
    assert "digits from examples/data/digits.npz: 1437 training, 360 held-out" in out
    assert_plotted(tmp_path, "md", out)


def test_cnn_digits_reads_held_out_digits(tmp_path, capsys):
    acc = load("cnn_digits").main(["--epochs", "2", *plot_args(tmp_path, "cd")])
    assert acc > 0.8
    out = capsys.readouterr().out
    assert "held-out accuracy" in out
    assert_plotted(tmp_path, "cd", out)


def test_char_rnn_corpus_ships_with_python():
    mod = load("char_rnn")
    text = mod.corpus()
    assert text.startswith("The Zen of Python, by Tim Peters\n\nBeautiful is better than ugly.")
    assert len(text) > 100_000 and set(text) <= {"\n", *map(chr, range(32, 127))}
    assert "  " not in text


def test_char_rnn_beats_the_unigram_model(tmp_path, capsys):
    mod = load("char_rnn")
    bits, unigram = mod.main(
        ["--steps", "40", "--hidden", "32", "--batch", "8", "--window", "16", "--lr", "3e-2",
         "--chars", "20000", "--sample-length", "20", *plot_args(tmp_path, "char")]
    )  # fmt: skip
    assert 3.5 < unigram < 5.5
    assert bits < unigram
    out = capsys.readouterr().out
    assert "held-out" in out and "sample (temperature 0.7):" in out and "train 40/40 [" in out
    assert_plotted(tmp_path, "char", out)


def test_vanishing_gradients_through_time_and_depth(tmp_path, capsys):
    mod = load("vanishing_gradients")
    time_norms, depth_norms = mod.main(
        ["--steps", "40", "--hidden", "16", "--depth", "6", "--width", "32",
         *plot_args(tmp_path, "vg")]
    )  # fmt: skip
    rnn, lstm = time_norms["tanh RNN"], time_norms["LSTM (forget bias 3)"]
    assert rnn.shape == (40,) and rnn[-1] == pytest.approx(lstm[-1])  # the same readout
    assert rnn[0] / rnn[-1] < 1e-4 and lstm[0] / lstm[-1] > 1e-2
    sigmoid, relu = depth_norms["sigmoid, Glorot init"], depth_norms["ReLU, He init"]
    assert sigmoid[0] / sigmoid[-1] < 1e-2 and relu[0] / relu[-1] > 0.05
    assert_plotted(tmp_path, "vg", capsys.readouterr().out)


def test_hidden_units_stay_identical_from_a_constant_start(tmp_path, capsys):
    results = load("zero_init_symmetry").main(
        ["--steps", "100", "--hidden", "8", *plot_args(tmp_path, "zero")]
    )
    for start in ("all zeros", "all 0.3"):
        spreads, _, distinct = results[start]
        assert not spreads.any() and distinct == 1
    spreads, _, distinct = results["random (Glorot)"]
    assert spreads[-1] > spreads[0] > 0 and distinct == 8
    assert_plotted(tmp_path, "zero", capsys.readouterr().out)
