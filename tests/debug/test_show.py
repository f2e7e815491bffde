"""``fg.show``: every wire's value and gradient, grouped readably, as text, DOT and pictures."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.debug.circuit import summarize


def test_the_textbook_circuit_has_the_textbook_numbers():
    c = fg.show(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0)
    assert [w.name for w in c.inputs] == ["x", "y", "z"]
    assert [float(w.value) for w in c.inputs] == [-2.0, 5.0, -4.0]
    assert [float(w.grad) for w in c.inputs] == [-4.0, -4.0, 3.0]
    (out,) = c.outputs
    assert float(out.value) == -12.0 and float(out.grad) == 1.0
    q = c.gates[0].outputs[0]
    assert float(q.value) == 3.0 and float(q.grad) == -4.0
    text = str(c)
    assert "add(x, y)" in text and "<- output" in text and "-12." in text


def test_gradients_equal_grad_for_every_input():
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))

    def loss(w, x):
        return fnp.mean(fnp.tanh(x @ w) ** 2)

    c = fg.show(loss, w, x)
    gw, gx = fg.grad(loss, argnums=(0, 1))(w, x)
    np.testing.assert_allclose(c.wire("w").grad, gw, rtol=1e-12)
    np.testing.assert_allclose(c.wire("x").grad, gx, rtol=1e-12)


def test_large_values_are_summarised_and_small_ones_shown():
    assert summarize(np.array([1.0, 2.0])) == "[1., 2.]"
    assert summarize(np.arange(10.0)) == "0/4.5/9"


def _mlp():
    keys = fg.random.split(fg.random.key(0), 3)
    return nn.Sequential(
        [nn.Dense.init(keys[0], 4, 8), nn.Dense.init(keys[1], 8, 8), nn.Dense.init(keys[2], 8, 1)]
    )


def test_layers_are_groups_and_large_graphs_collapse():
    model = _mlp()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 1))
    c = fg.show(lambda m, x, y: nn.mse(m(x), y), model, x, y)
    groups = [g.group for g in c.gates]
    assert {"Dense 1", "Dense 2", "Dense 3"} <= set(groups)
    assert [w.name for w in c.inputs][:2] == ["m.layers[0].weight", "m.layers[0].bias"]
    dot = c.to_dot(collapse=True)
    assert dot.count("operations") == len(set(groups))
    assert "Dense 2" in dot
    full = c.to_dot(collapse=False)
    assert "subgraph cluster_" in full


def test_make_graph_to_dot_can_show_values():
    graph = fg.make_graph(lambda x: fnp.sum(fnp.sin(x)))(np.array([0.0, 1.0]))
    plain, with_values = graph.to_dot(), graph.to_dot(values=True)
    assert "0.8415" not in plain and "0.8415" in with_values


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_a_picture_is_rendered(tmp_path, suffix):
    c = fg.show(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0)
    path = c.render(str(tmp_path / f"circuit.{suffix}"))
    with open(path, "rb") as f:
        data = f.read()
    assert data.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in data
