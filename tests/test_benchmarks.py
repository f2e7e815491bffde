"""The benchmark suite must not rot: its smoke mode runs end to end, and its numpy floor
(the hand-written gradients every backend is checked against) is itself right.

No timing assertions: only that the harness completes and reports every case.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.backends import numpy as floor
from benchmarks.workloads import WORKLOADS
from funcgrad.testing import numerical_grad

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_run_completes_and_reports_every_case(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--backends", "funcgrad",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| numpy | float64 |" in proc.stdout
    results = json.loads(out.read_text())
    assert set(results["backends"]) == {"numpy", "funcgrad"}
    expected = {f"{w.name}/{d}" for w in WORKLOADS for d in w.dtypes}
    assert set(results["cases"]) == expected
    for key, case in results["cases"].items():
        floor_entry = case["variants"]["numpy"]
        assert floor_entry["status"] == "ok", key
        assert set(floor_entry["times"]) == {"grad", "forward"}, key
        assert case["variants"]["funcgrad"]["status"] in {"ok", "error", "unsupported"}, key
    assert results["imports"]["funcgrad"]["cpu"] > 0


LOSS_WORKLOADS = [w for w in WORKLOADS if w.kind == "loss"]


@pytest.mark.parametrize("workload", LOSS_WORKLOADS, ids=lambda w: w.name)
def test_numpy_floor_gradients_match_finite_differences(workload):
    case = workload.case("float64", smoke=True)
    forward = floor.forward(case)
    loss, grads = floor.value_and_grad(case)(case.params, *case.data)
    (numeric,) = numerical_grad(lambda p: forward(p, *case.data), case.params)
    np.testing.assert_allclose(loss, forward(case.params, *case.data), rtol=1e-12)
    for g, n in zip(grads, numeric, strict=True):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-8)


def test_numpy_floor_per_example_gradients_average_to_the_batch_gradient():
    (workload,) = [w for w in WORKLOADS if w.kind == "per_example"]
    case = workload.case("float64", smoke=True)
    per_example = floor.relu_xent_per_example_grads(case.params, *case.data)
    _, batch = floor.relu_xent_value_and_grad(case.params, *case.data)
    for p, b in zip(per_example, batch, strict=True):
        np.testing.assert_allclose(p.mean(axis=0), b, rtol=1e-12, atol=1e-15)


def test_transform_ratios_smoke():
    from benchmarks import transforms

    results = transforms.main(["--smoke"])
    assert all(v > 0 for v in results.values())


NEW_MODELS = [w for w in WORKLOADS if w.model in ("cnn_xent", "rnn_mse", "lstm_mse")]


@pytest.mark.parametrize("workload", NEW_MODELS, ids=lambda w: w.name)
def test_shared_cnn_and_rnn_models_on_funcgrad_match_the_numpy_floor(workload):
    """The model funcgrad runs (``fg.nn.conv2d``, ``fg.scan``) is the one the floor
    differentiates by hand: same loss, same gradients, at smoke sizes."""
    import funcgrad as fg
    from benchmarks.backends.funcgrad import OPS

    case = workload.case("float64", smoke=True)
    loss = case.loss(OPS)
    value, grads = fg.value_and_grad(loss)(case.params, *case.data)
    ref_value, ref_grads = floor.value_and_grad(case)(case.params, *case.data)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-14)
