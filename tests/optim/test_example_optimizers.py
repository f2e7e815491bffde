"""``examples/optimizers.py`` runs at its small size and shows what it claims to show."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "optimizers.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_optimizers", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_small_run_lowers_every_loss_and_momentum_beats_gradient_descent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = load_example().main(["--small", "--no-plot"])
    printed = capsys.readouterr().out
    assert "epoch" in printed and "momentum" in printed

    for problem, curves in results.items():
        assert set(curves) == {"gd", "momentum", "adagrad", "rmsprop", "adam"}
        for name, losses in curves.items():
            assert len(losses) == 6  # before training and after each of 5 epochs
            assert losses[-1] < losses[0], (problem, name, losses)
    quadratic = results["quadratic"]
    assert quadratic["momentum"][-1] < 0.01 * quadratic["gd"][-1]
