"""examples/rnn_sequence.py runs at a small size: truncated BPTT with a horizon longer
than the delay learns the recall task; one shorter than the delay cannot."""

import importlib.util
import pathlib

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "rnn_sequence.py"


def _load():
    spec = importlib.util.spec_from_file_location("rnn_sequence", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rnn_example_learns_only_when_the_truncation_spans_the_delay(capsys):
    mod = _load()
    chance = np.log(6)
    loss, acc = mod.main(["--steps", "80", "--delay", "3", "--truncation", "10"])
    assert loss < 0.6 * chance and acc > 0.5
    out = capsys.readouterr().out
    assert "step   80/80" in out and "truncation 10" in out
    short_loss, _ = mod.main(["--steps", "40", "--delay", "3", "--truncation", "2"])
    assert short_loss > 0.85 * chance
