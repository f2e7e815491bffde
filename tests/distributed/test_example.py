"""examples/data_parallel.py runs (small) on the test cluster and shows what it claims:
the loss falls, and the distributed run's parameters equal the one-process run's."""

import importlib.util
import pathlib

import pytest

pytest.importorskip(
    "distributed",
    reason="funcgrad.distributed needs the extra: pip install 'funcgrad[distributed]'",
)

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data_parallel.py"


def load():
    spec = importlib.util.spec_from_file_location("data_parallel_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_trains_and_matches_one_process(cluster, capsys):
    mod = load()
    first, _ = mod.main(["--steps", "1", "--batch", "64", "--hidden", "16",
                         "--scheduler", cluster.scheduler_address])  # fmt: skip
    final, diff = mod.main(["--steps", "30", "--batch", "64", "--hidden", "16",
                            "--scheduler", cluster.scheduler_address])  # fmt: skip
    assert final < 0.7 * first
    assert diff < 1e-10
    out = capsys.readouterr().out
    assert "2 Dask workers; batch 64 in 2 shards" in out
    assert "step   30/30" in out and "max |distributed - one process|" in out
