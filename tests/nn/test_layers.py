"""LayerNorm, Embedding, Conv1d, and the errors of every nn layer (FuncgradError
subclasses whose messages name the argument, the shapes and the fix)."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn
from funcgrad.core.errors import FuncgradError, FuncgradTypeError, FuncgradValueError
from funcgrad.testing import check_grads

RNG = np.random.default_rng(7)
KEY = fg.random.key(0)


# --- LayerNorm ---------------------------------------------------------------------------


def test_layer_norm_normalises_the_trailing_axes():
    x = RNG.normal(size=(3, 4, 5)) * 4 + 2
    layer = nn.LayerNorm.init(KEY, (4, 5), eps=1e-6)
    y = layer(x)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-6), rtol=1e-12)
    scale, offset = RNG.normal(size=5), RNG.normal(size=5)
    y = nn.LayerNorm(scale, offset)(x)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, ref * scale + offset, rtol=1e-12)
    bare = nn.LayerNorm.init(KEY, 5, use_scale=False, use_offset=False)
    assert bare.scale is None and bare.offset is None and fg.tree.leaves(bare) == []
    np.testing.assert_allclose(bare(x), ref, rtol=1e-12)
    assert nn.LayerNorm.init(KEY, 5, dtype=np.float32)(x.astype(np.float32)).dtype == np.float32


def test_layer_norm_is_differentiable_in_input_and_parameters():
    x = RNG.normal(size=(2, 4))
    layer = nn.LayerNorm(RNG.uniform(0.5, 2, size=4), RNG.normal(size=4), eps=1e-3)
    check_grads(lambda x, s, o: nn.LayerNorm(s, o, eps=1e-3)(x), (x, layer.scale, layer.offset))
    grads = fg.grad(lambda m: (m(x) ** 3).sum())(layer)
    assert isinstance(grads, nn.LayerNorm) and grads.eps == 1e-3


def test_layer_norm_errors():
    with pytest.raises(FuncgradValueError, match=r"LayerNorm: the input has shape \(2, 3\), but"):
        nn.LayerNorm.init(KEY, 4)(np.ones((2, 3)))
    with pytest.raises(FuncgradValueError, match="normalized_shape must be a positive int"):
        nn.LayerNorm.init(KEY, (0,))
    with pytest.raises(FuncgradValueError, match="eps must be >= 0"):
        nn.LayerNorm.init(KEY, 3, eps=-1.0)


# --- Embedding ---------------------------------------------------------------------------


def test_embedding_looks_up_rows_and_sends_gradient_only_to_them():
    table = nn.Embedding.init(KEY, 10, 3)
    assert table.weight.shape == (10, 3)
    ids = np.array([[1, 4], [4, 7]])
    out = table(ids)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out, table.weight[ids])
    g = fg.grad(lambda t: (t(ids) * np.arange(3.0)).sum())(table).weight
    used = np.zeros(10, bool)
    used[[1, 4, 7]] = True
    np.testing.assert_array_equal(g[~used], 0.0)
    np.testing.assert_array_equal(g[1], np.arange(3.0))
    np.testing.assert_array_equal(g[4], 2 * np.arange(3.0))  # looked up twice: summed
    np.testing.assert_array_equal(fg.vmap(table)(ids), out)
    assert table(3).shape == (3,)


def test_embedding_errors():
    table = nn.Embedding.init(KEY, 5, 2)
    with pytest.raises(
        FuncgradValueError, match=r"ids must lie in \[0, 5\).*got values from 0 to 5"
    ):
        table(np.array([0, 5]))
    with pytest.raises(
        FuncgradTypeError, match="Embedding: ids must be integers, got dtype float64"
    ):
        table(np.array([0.0, 1.0]))
    with pytest.raises(
        FuncgradValueError, match=r"Embedding\.init: features must be a positive int"
    ):
        nn.Embedding.init(KEY, 5, 0)


# --- Conv1d ------------------------------------------------------------------------------


def loop_conv1d(x, w, stride=1, pads=(0, 0), dilation=1):
    n, c, length = x.shape
    o, _, k = w.shape
    xp = np.zeros((n, c, length + sum(pads)))
    xp[:, :, pads[0] : pads[0] + length] = x
    lo = (xp.shape[-1] - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((n, o, lo))
    for i in range(lo):
        window = xp[:, :, i * stride : i * stride + dilation * (k - 1) + 1 : dilation]
        out[:, :, i] = np.einsum("nck,ock->no", window, w)
    return out


@pytest.mark.parametrize(
    ("stride", "padding", "pads", "dilation"),
    [(1, 0, (0, 0), 1), (2, 1, (1, 1), 1), (1, (2, 0), (2, 0), 2), (3, "VALID", (0, 0), 1)],
)
def test_conv1d_matches_a_direct_loop(stride, padding, pads, dilation):
    x, w = RNG.normal(size=(2, 3, 9)), RNG.normal(size=(4, 3, 3))
    got = nn.conv1d(x, w, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(got, loop_conv1d(x, w, stride, pads, dilation), rtol=1e-12)
    np.testing.assert_allclose(nn.conv1d(x[0], w, stride, padding, dilation), got[0])


def test_conv1d_same_padding_and_groups():
    x = RNG.normal(size=(1, 4, 7))
    assert nn.conv1d(x, RNG.normal(size=(2, 4, 3)), stride=2, padding="SAME").shape == (1, 2, 4)
    w = RNG.normal(size=(4, 2, 3))
    got = nn.conv1d(x, w, groups=2)
    ref = np.concatenate([loop_conv1d(x[:, :2], w[:2]), loop_conv1d(x[:, 2:], w[2:])], axis=1)
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_conv1d_layer_and_its_gradients():
    layer = nn.Conv1d.init(KEY, 3, 5, 3, padding=1)
    assert layer.weight.shape == (5, 3, 3) and layer.bias.shape == (5,)
    x = RNG.normal(size=(2, 3, 6))
    y = layer(x)
    np.testing.assert_allclose(y, loop_conv1d(x, layer.weight, 1, (1, 1)) + layer.bias[:, None])
    check_grads(lambda x, w: nn.conv1d(x, w, stride=2, padding=1), (x, layer.weight), order=2)
    per_example = fg.vmap(fg.grad(lambda m, xi: (m(xi) ** 2).sum()), in_axes=(None, 0))(layer, x)
    assert per_example.weight.shape == (2, 5, 3, 3)
    assert nn.Conv1d.init(KEY, 2, 2, 1, use_bias=False).bias is None


def test_conv1d_errors():
    x, w = np.ones((1, 3, 5)), np.ones((2, 3, 3))
    with pytest.raises(FuncgradValueError, match=r"conv1d: x must be NCL \(or CL\) and w OIK"):
        nn.conv1d(np.ones((1, 1, 3, 5)), w)
    with pytest.raises(FuncgradValueError, match=r"x has 2 channels \(shape \(1, 2, 5\)\)"):
        nn.conv1d(np.ones((1, 2, 5)), w)
    with pytest.raises(FuncgradValueError, match="does not fit the input"):
        nn.conv1d(x, np.ones((2, 3, 7)))
    with pytest.raises(FuncgradValueError, match="conv1d: stride must be a positive int, got 0"):
        nn.conv1d(x, w, stride=0)
    with pytest.raises(FuncgradValueError, match=r"padding must be .* got 'FULL'"):
        nn.conv1d(x, w, padding="FULL")
    with pytest.raises(FuncgradValueError, match="must be divisible by groups=2"):
        nn.Conv1d.init(KEY, 3, 4, 3, groups=2)


# --- errors across funcgrad.nn -------------------------------------------------------------


def test_dense_errors_name_shapes_and_fix():
    layer = nn.Dense.init(KEY, 3, 2)
    with pytest.raises(
        FuncgradValueError,
        match=r"Dense: the input has shape \(4, 5\), but this layer \(weight shape \(2, 3\)\) "
        r"expects 3 features on its last axis; reshape the input or build the layer with "
        r"in_features=5",
    ):
        layer(np.ones((4, 5)))
    with pytest.raises(
        FuncgradValueError, match=r"Dense\.init: out_features must be a positive int"
    ):
        nn.Dense.init(KEY, 3, 0)
    with pytest.raises(FuncgradValueError, match=r"unknown initializer 'xavier'; use one of"):
        nn.Dense.init(KEY, 3, 2, initializer="xavier")
    with pytest.raises(FuncgradValueError, match=r"Conv2d\.init: unknown initializer"):
        nn.Conv2d.init(KEY, 1, 1, 3, initializer="xavier")
    with pytest.raises(
        FuncgradValueError, match=r"LSTM\.init: hidden_size must be a positive int"
    ):
        nn.LSTM.init(KEY, 3, 0)
    with pytest.raises(FuncgradValueError, match=r"fans: a weight shape needs at least 2 axes"):
        nn.he_normal(KEY, (3,))


def test_every_deliberate_error_in_nn_is_a_funcgrad_error():
    """Parse funcgrad/nn: each ``raise`` names a Funcgrad* class (or re-raises)."""
    package = pathlib.Path(nn.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                call = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = getattr(call, "id", getattr(call, "attr", ""))
                if not name.startswith("Funcgrad"):
                    offenders.append(f"{path.name}:{node.lineno} raises {name}")
    assert not offenders, offenders
    assert issubclass(FuncgradValueError, FuncgradError)
