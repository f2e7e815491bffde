"""docs/distributed.md's Python blocks run as written (in order, one namespace), and the
benchmark's smoke mode runs end to end (no timing assertions)."""

import pathlib
import re
import subprocess
import sys

import pytest

pytest.importorskip(
    "distributed",
    reason="funcgrad.distributed needs the extra: pip install 'funcgrad[distributed]'",
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "distributed.md"


def test_the_docs_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert len(namespace["results"]) == 4 and namespace["losses"].shape == (4,)
    assert namespace["client"].status == "closed"


def test_the_benchmark_smoke_run_reports_every_setup():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.distributed", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    for setup in ("one process", "1 worker, via the scheduler", "2 workers, direct"):
        assert f"| {setup} |" in proc.stdout
    assert "parallel efficiency" in proc.stdout
