"""tree.save / tree.load: .npz files keyed by key path, rebuilt through ``like``, with
mismatches reported by key path; no pickle, no aliasing, no mutation."""

from __future__ import annotations

import collections
import io
import zipfile

import attrs
import numpy as np
import pytest
from hypothesis import given

import funcgrad as fg
from funcgrad import tree
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError
from funcgrad.testing import strategies as fst

Pair = collections.namedtuple("Pair", ["first", "second"])


@attrs.frozen
class Block:
    w: np.ndarray
    scale: float
    name: str = tree.static_field(default="block")


def _round_trip(t, like=None):
    f = io.BytesIO()
    tree.save(f, t)
    f.seek(0)
    return tree.load(f, like=t if like is None else like)


def _assert_same(a, b):
    assert tree.structure(a) == tree.structure(b)
    for x, y in zip(tree.leaves(a), tree.leaves(b), strict=True):
        assert type(x) is type(y)
        np.testing.assert_array_equal(x, y)
        assert np.asarray(x).dtype == np.asarray(y).dtype


@given(fst.pytrees())
def test_round_trip_of_nested_containers(t):
    _assert_same(_round_trip(t), t)


def test_members_are_named_by_key_path_and_readable_with_numpy(tmp_path):
    t = {"layers": [Block(np.ones((2, 3)), 0.5)], "step": np.int32(7), "p": Pair(1.0, None)}
    path = tmp_path / "ckpt"  # written as given: no .npz appended
    tree.save(path, t)
    assert path.exists()
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(
            ["['layers'][0].w", "['layers'][0].scale", "['step']", "['p'].first"]
        )
        np.testing.assert_array_equal(npz["['layers'][0].w"], np.ones((2, 3)))
    with zipfile.ZipFile(path) as zf:  # nothing but .npy members
        assert all(n.endswith(".npy") for n in zf.namelist())
    loaded = tree.load(str(path), like=t)
    _assert_same(loaded, t)


def test_scalars_and_0d_arrays_keep_their_types_and_dtypes():
    t = {
        "f": 1.5,
        "i": 3,
        "b": True,
        "c": 1 - 2j,
        "f32": np.float32(0.25),
        "i64": np.int64(-4),
        "zero_d": np.array(2.0),
        "zero_d32": np.array(2.0, dtype=np.float32),
        "u8": np.arange(3, dtype=np.uint8),
        "mask": np.array([True, False]),
    }
    out = _round_trip(t)
    _assert_same(out, t)
    assert type(out["b"]) is bool
    assert type(out["i"]) is int
    assert isinstance(out["zero_d"], np.ndarray)
    assert out["zero_d"].shape == ()
    assert type(out["f32"]) is np.float32
    bare = _round_trip(np.arange(4.0))  # a bare leaf: the empty key path
    np.testing.assert_array_equal(bare, np.arange(4.0))


def test_attrs_models_and_optimizer_states_round_trip_through_like():
    model = fg.nn.Sequential(
        [
            fg.nn.Dense.init(fg.random.key(0), 3, 4),
            fg.nn.Dropout(0.2),
            fg.nn.Dense.init(fg.random.key(1), 4, 1),
        ]
    )
    opt = fg.optim.adam(1e-3)
    state = opt.init(model)
    # a few updates so that the moments are not zeros
    grads = fg.tree.map(np.ones_like, model)
    for _ in range(2):
        _, state = opt.update(grads, state, model)
    ckpt = {"model": model, "opt_state": state, "epoch": 2}
    like = {"model": model, "opt_state": opt.init(model), "epoch": 0}
    out = _round_trip(ckpt, like=like)
    _assert_same(out, ckpt)
    assert type(out["model"]) is fg.nn.Sequential
    assert out["model"].layers[1].rate == 0.2  # static fields come from `like`
    assert out["epoch"] == 2
    block = Block(np.ones(2), 2.0, name="mine")
    restored = _round_trip(block, like=Block(np.zeros(2), 0.0, name="mine"))
    assert restored.name == "mine"
    assert restored.scale == 2.0


def test_loaded_arrays_are_fresh_and_writable_and_save_does_not_touch_its_input():
    w = np.arange(6.0).reshape(2, 3)
    w.flags.writeable = False
    t = {"w": w, "v": np.ones(2)}
    before = {k: v.copy() for k, v in t.items()}
    f = io.BytesIO()
    tree.save(f, t)
    assert not w.flags.writeable  # flags untouched
    for k in t:
        np.testing.assert_array_equal(t[k], before[k])
    f.seek(0)
    out = tree.load(f, like=t)
    for k in t:
        assert out[k].flags.writeable
        assert not np.shares_memory(out[k], t[k])
    out["w"][0, 0] = 100.0
    assert t["w"][0, 0] == 0.0
    f.seek(0)
    again = tree.load(f, like=t)
    assert again["w"][0, 0] == 0.0  # two loads share nothing
    assert not np.shares_memory(again["w"], out["w"])


def _saved(t):
    f = io.BytesIO()
    tree.save(f, t)
    f.seek(0)
    return f


def test_load_rejects_a_different_structure_naming_the_leaves():
    f = _saved({"a": np.ones(2), "b": {"c": np.zeros(1)}})
    with pytest.raises(FuncgradValueError) as info:
        tree.load(f, like={"a": np.ones(2), "b": {"d": np.zeros(1)}})
    msg = str(info.value)
    assert "structure of `like`" in msg
    assert "['b']['d']" in msg  # missing from the file
    assert "['b']['c']" in msg  # in the file, not in like
    f.seek(0)
    with pytest.raises(FuncgradValueError, match=r"\['b'\]\['c'\]"):
        tree.load(f, like={"a": np.ones(2)})


def test_load_rejects_other_shapes_and_dtypes_with_expected_and_found():
    f = _saved({"layer": Block(np.ones((2, 3)), 1.0)})
    with pytest.raises(
        FuncgradValueError, match=r"\['layer'\]\.w.*expected \(3, 2\).*found \(2, 3\)"
    ):
        tree.load(f, like={"layer": Block(np.ones((3, 2)), 1.0)})
    f.seek(0)
    with pytest.raises(
        FuncgradTypeError, match=r"\['layer'\]\.w.*expected float32, found float64"
    ):
        tree.load(f, like={"layer": Block(np.ones((2, 3), np.float32), 1.0)})
    f.seek(0)
    with pytest.raises(
        FuncgradTypeError, match=r"\['layer'\]\.scale.*expected int64, found float64"
    ):
        tree.load(f, like={"layer": Block(np.ones((2, 3)), 1)})


def test_save_rejects_leaves_that_would_need_pickle_naming_them():
    with pytest.raises(FuncgradTypeError, match=r"\['name'\] is a str"):
        tree.save(io.BytesIO(), {"name": "model", "w": np.ones(1)})
    with pytest.raises(FuncgradTypeError, match=r"\['o'\] has dtype object"):
        tree.save(io.BytesIO(), {"o": np.array([object()])})
    with pytest.raises(FuncgradTypeError, match=r"\[0\] has dtype object.*int64"):
        tree.save(io.BytesIO(), [2**70])
    f = _saved({1: 1.0, "1": 2.0})  # keys print differently: [1] and ['1']
    assert tree.load(f, like={1: 0.0, "1": 0.0}) == {1: 1.0, "1": 2.0}


class Twin:
    """Two dict keys with the same repr give the same key path."""

    def __init__(self, tag):
        self.tag = tag

    def __repr__(self):
        return "twin"

    def __lt__(self, other):
        return self.tag < other.tag


def test_save_rejects_two_leaves_with_the_same_key_path():
    with pytest.raises(FuncgradValueError, match=r"same key path '\[twin\]'"):
        tree.save(io.BytesIO(), {Twin(1): 1.0, Twin(2): 2.0})


def test_load_rejects_files_that_are_not_npz(tmp_path):
    npy = tmp_path / "one.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(FuncgradValueError, match=r"single \.npy array"):
        tree.load(npy, like=np.ones(2))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file at all")
    with pytest.raises(FuncgradValueError, match="cannot read"):
        tree.load(junk, like=np.ones(2))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{"['o']": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(FuncgradTypeError, match=r"\['o'\] cannot be read"):
        tree.load(pickled, like={"o": np.ones(1)})
