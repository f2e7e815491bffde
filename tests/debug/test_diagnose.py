"""``fg.diagnose``: gradient norms, update ratios, saturation, dead units, decay in scans."""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn, optim

RNG = np.random.default_rng(0)


def _tanh_rnn(scale, hidden=32, steps=100):
    params = {
        "W": RNG.standard_normal((hidden, hidden)) * scale / np.sqrt(hidden),
        "U": RNG.standard_normal((4, hidden)) * 0.5,
    }
    xs = RNG.standard_normal((steps, 8, 4))

    def loss(p, xs):
        def step(h, x):
            return fnp.tanh(h @ p["W"] + x @ p["U"]), None

        h, _ = fg.scan(step, np.zeros((8, hidden)), xs)
        return fnp.sum(h**2)

    return loss, params, xs


def test_the_measured_decay_of_a_tanh_rnn_agrees_with_its_spectral_estimate():
    loss, params, xs = _tanh_rnn(scale=0.3)
    (scan,) = fg.diagnose(loss, params, xs).scans
    assert len(scan.norms) == 100
    assert scan.verdict == "vanishing" and "LSTM" in scan.remedy
    assert abs(scan.rate - scan.estimate) / scan.estimate < 0.10


def test_large_recurrent_weights_are_reported_as_exploding():
    loss, params, xs = _tanh_rnn(scale=3.0, steps=20)
    xs = xs * 0.01  # little input: the recurrence, not saturation, decides
    params = {"W": np.eye(32) * 1.5, "U": params["U"]}
    (scan,) = fg.diagnose(loss, params, xs).scans
    assert scan.verdict == "exploding" and "clip" in scan.remedy


def test_leaf_norms_update_ratios_and_non_finite_counts():
    def loss(p, x):
        return fnp.sum((x @ p["w"]) ** 2) + fnp.sum(p["b"])

    params = {"w": RNG.standard_normal((3, 2)), "b": np.array([1.0, np.nan])}
    d = fg.diagnose(loss, params, np.ones((4, 3)), optimizer=optim.adam(1e-3))
    by_path = {x.path: x for x in d.leaves}
    gw = fg.grad(loss)(params, np.ones((4, 3)))["w"]
    assert by_path["['w']"].grad_norm == pytest.approx(np.linalg.norm(gw))
    assert by_path["['b']"].param_nonfinite == 1
    assert by_path["['w']"].update_ratio == pytest.approx(
        np.sqrt(6) * 1e-3 / np.linalg.norm(params["w"]), rel=1e-3
    )
    text = str(d)
    assert "| ['w'] | [3, 2] |" in text
    assert d.to_dict()["leaves"][0]["path"] == "['b']"


def test_saturated_sigmoids_and_dead_relus_are_counted():
    x = np.concatenate([RNG.standard_normal((16, 4)), np.full((16, 4), 30.0)], axis=1)

    def loss(w, x):
        h = nn.relu(x @ w["a"])
        return fnp.sum(nn.sigmoid(x * w["s"])) + fnp.sum(h)

    w = {"a": np.concatenate([np.ones((8, 3)), -np.ones((8, 3))], axis=1), "s": np.ones(8)}
    x = np.abs(x)
    d = fg.diagnose(loss, w, x)
    kinds = {a.kind: a for a in d.activations}
    assert kinds["sigmoid"].saturated == pytest.approx(0.5, abs=0.1)
    assert kinds["relu"].dead == pytest.approx(0.5)


def test_the_report_plots(tmp_path):
    pytest.importorskip("matplotlib")
    loss, params, xs = _tanh_rnn(scale=0.5, steps=10)
    path = tmp_path / "diagnosis.png"
    fg.diagnose(loss, params, xs).plot(str(path))
    assert path.read_bytes().startswith(b"\x89PNG")
