"""Key paths (JAX's key entries, keystr, *_with_path, register with keys) and the tree
folds: all, reduce, transpose; and that ``dir(funcgrad.tree)`` shows only public names."""

from __future__ import annotations

import collections
import copy
import pickle

import attrs
import numpy as np
import pytest
from hypothesis import given

import funcgrad
from funcgrad import tree
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError
from funcgrad.testing import strategies as fst
from funcgrad.tree import DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey

Point = collections.namedtuple("Point", ["x", "y"])


@attrs.frozen
class Layer:
    w: object
    b: object
    act: str = tree.static_field(default="tanh")


class Plain:
    """Registered without key names: its children get FlattenedIndexKey."""

    def __init__(self, a, b):
        self.a, self.b = a, b


class Named:
    """Registered with a key-aware flatten."""

    def __init__(self, first, rest):
        self.first, self.rest = first, rest


tree.register(Plain, lambda p: ((p.a, p.b), None), lambda _, c: Plain(*c))
tree.register(
    Named,
    lambda n: ((n.first, n.rest), "aux"),
    lambda _, c: Named(*c),
    lambda n: (((GetAttrKey("first"), n.first), (GetAttrKey("rest"), n.rest)), "aux"),
)


def _follow(t, path):
    """Reach into ``t`` along ``path`` the way Python would."""
    for k in path:
        match k:
            case SequenceKey(idx=i):
                t = t[i]
            case DictKey(key=key):
                t = t[key]
            case GetAttrKey(name=name):
                t = getattr(t, name)
            case _:
                raise AssertionError(f"cannot follow {k!r}")
    return t


# --- key entries and keystr ------------------------------------------------------------


def test_key_entries_print_like_jax():
    cases = [
        (SequenceKey(3), "[3]", "SequenceKey(idx=3)"),
        (DictKey("w"), "['w']", "DictKey(key='w')"),
        (DictKey(2), "[2]", "DictKey(key=2)"),
        (GetAttrKey("mu"), ".mu", "GetAttrKey(name='mu')"),
        (FlattenedIndexKey(1), "[<flat index 1>]", "FlattenedIndexKey(key=1)"),
    ]
    for entry, text, rep in cases:
        assert str(entry) == text
        assert repr(entry) == rep


def test_key_entries_are_immutable_hashable_values():
    assert SequenceKey(1) == SequenceKey(1)
    assert SequenceKey(1) != FlattenedIndexKey(1)  # same value, different kind
    assert DictKey("a") != DictKey("b")
    assert len({SequenceKey(0), SequenceKey(0), DictKey(0), GetAttrKey("x")}) == 3
    with pytest.raises(AttributeError):
        SequenceKey(0).idx = 1
    for entry in [SequenceKey(2), DictKey(("t", 1)), GetAttrKey("w"), FlattenedIndexKey(0)]:
        assert pickle.loads(pickle.dumps(entry)) == entry
        assert copy.deepcopy(entry) == entry
    with pytest.raises(TypeError):
        SequenceKey(1.5)  # positions are integers


def test_keystr_joins_entries_and_has_a_simple_form():
    path = (DictKey("layers"), SequenceKey(0), GetAttrKey("w"))
    assert tree.keystr(path) == "['layers'][0].w"
    assert tree.keystr(path, simple=True, separator="/") == "layers/0/w"
    assert tree.keystr((FlattenedIndexKey(2),), simple=True) == "2"
    assert tree.keystr(()) == ""
    assert tree.keystr(("custom", SequenceKey(1)), separator=" ") == "custom [1]"


# --- flatten_with_path / leaves_with_path / map_with_path ------------------------------


def test_paths_of_every_container_kind():
    t = {
        "layers": [Layer(w=1.0, b=2.0), Layer(w=3.0, b=4.0, act="relu")],
        "point": Point(5.0, None),
        "plain": Plain(6.0, (7.0,)),
        "named": Named(8.0, [9.0]),
        "none": None,
    }
    got = [(tree.keystr(p), v) for p, v in tree.leaves_with_path(t)]
    assert got == [
        ("['layers'][0].w", 1.0),
        ("['layers'][0].b", 2.0),
        ("['layers'][1].w", 3.0),
        ("['layers'][1].b", 4.0),
        ("['named'].first", 8.0),
        ("['named'].rest[0]", 9.0),
        ("['plain'][<flat index 0>]", 6.0),
        ("['plain'][<flat index 1>][0]", 7.0),
        ("['point'].x", 5.0),
    ]
    assert tree.flatten_with_path(t)[1] == tree.structure(t)
    path = tree.leaves_with_path(t)[0][0]
    assert path == (DictKey("layers"), SequenceKey(0), GetAttrKey("w"))
    assert tree.leaves_with_path(np.ones(2))[0][0] == ()  # a bare leaf has the empty path


@given(fst.pytrees())
def test_flatten_with_path_agrees_with_flatten_and_paths_reach_their_leaves(t):
    pairs, treedef = tree.flatten_with_path(t)
    leaves, plain_treedef = tree.flatten(t)
    assert treedef == plain_treedef
    assert len(pairs) == len(leaves)
    assert all(p[1] is leaf for p, leaf in zip(pairs, leaves, strict=True))
    assert all(_follow(t, path) is leaf for path, leaf in pairs)
    assert len({path for path, _ in pairs}) == len(pairs)  # distinct paths


def test_paths_with_is_leaf_stop_at_subtrees():
    t = {"a": (1, 2), "b": [3, {"c": (4, 5)}]}
    pairs = tree.leaves_with_path(t, is_leaf=lambda x: isinstance(x, tuple))
    assert [(tree.keystr(p), v) for p, v in pairs] == [
        ("['a']", (1, 2)),
        ("['b'][0]", 3),
        ("['b'][1]['c']", (4, 5)),
    ]
    # with is_leaf_takes_path the predicate sees where it is: stop one level below the root
    shallow = tree.leaves_with_path(t, is_leaf=lambda p, x: len(p) == 1, is_leaf_takes_path=True)
    assert [(tree.keystr(p), v) for p, v in shallow] == [("['a']", (1, 2)), ("['b']", t["b"])]


def test_map_with_path_passes_the_path_and_the_other_trees():
    params = {"w": np.ones(2), "b": np.zeros(1)}
    grads = {"w": np.full(2, 0.5), "b": np.full(1, 2.0)}
    # e.g. no weight decay on biases: the path decides
    out = tree.map_with_path(
        lambda p, x, g: x - g * (0.0 if tree.keystr(p) == "['b']" else 1.0), params, grads
    )
    np.testing.assert_array_equal(out["w"], [0.5, 0.5])
    np.testing.assert_array_equal(out["b"], [0.0])
    labels = tree.map_with_path(lambda p, _: tree.keystr(p), Point(1, [2, 3]))
    assert labels == Point(".x", [".y[0]", ".y[1]"])
    with pytest.raises(FuncgradValueError, match=r"map_with_path: tree 1 .*different structure"):
        tree.map_with_path(lambda p, x, y: x, {"a": 1}, {"b": 1})


# --- all, reduce -----------------------------------------------------------------------


def test_all_is_true_iff_every_leaf_is_truthy():
    assert tree.all({"a": True, "b": [1, np.True_]})
    assert not tree.all({"a": True, "b": [1, 0]})
    assert tree.all([None, ()])  # no leaves
    assert tree.all([(0, 0)], is_leaf=lambda x: isinstance(x, tuple))  # (0, 0) is truthy


def test_reduce_folds_left_to_right_in_leaf_order():
    t = {"b": ["x", "y"], "a": "w"}
    assert tree.reduce(lambda acc, s: acc + s, t) == "wxy"
    assert tree.reduce(lambda acc, s: acc + s, t, initializer=">") == ">wxy"
    assert tree.reduce(lambda acc, s: acc + s, [None], initializer=0) == 0
    pairs = {"p": (1, 2), "q": (3, 4)}
    assert tree.reduce(lambda acc, t: [*acc, t], pairs, [], lambda x: isinstance(x, tuple)) == [
        (1, 2),
        (3, 4),
    ]
    with pytest.raises(FuncgradTypeError, match=r"no leaves.*initializer"):
        tree.reduce(lambda a, b: a + b, {"a": None})


# --- transpose -------------------------------------------------------------------------


def test_transpose_swaps_outer_and_inner_structures():
    t = [(1, 2, 3), (4, 5, 6)]
    outer, inner = tree.structure([0, 0]), tree.structure((0, 0, 0))
    assert tree.transpose(outer, inner, t) == ([1, 4], [2, 5], [3, 6])
    assert tree.transpose(outer, None, t) == ([1, 4], [2, 5], [3, 6])  # inner inferred
    back = tree.transpose(inner, outer, tree.transpose(outer, inner, t))
    assert back == t
    records = [{"loss": 1.0, "acc": 0.5}, {"loss": 0.8, "acc": 0.6}, {"loss": 0.7, "acc": 0.9}]
    cols = tree.transpose(tree.structure([0] * 3), None, records)
    assert cols == {"acc": [0.5, 0.6, 0.9], "loss": [1.0, 0.8, 0.7]}
    # subtrees below the inner leaves travel whole
    pairs = {"a": ([1, 2], {"s": 3}), "b": ([4, 5], {"s": 6})}
    out = tree.transpose(tree.structure({"a": 0, "b": 0}), tree.structure((0, 0)), pairs)
    assert out == ({"a": [1, 2], "b": [4, 5]}, {"a": {"s": 3}, "b": {"s": 6}})
    # an outer tree without leaves gives inner's structure of empty outer trees
    assert tree.transpose(tree.structure([]), tree.structure((0, 0)), []) == ([], [])


def test_transpose_names_the_subtree_that_has_the_wrong_structure():
    outer, inner = tree.structure({"a": 0, "b": 0}), tree.structure((0, 0))
    with pytest.raises(FuncgradTypeError, match=r"subtree at \['b'\].*\(\*, \*\).*\(\*, \*, \*\)"):
        tree.transpose(outer, inner, {"a": (1, 2), "b": (3, 4, 5)})
    with pytest.raises(FuncgradTypeError, match="outer structure"):
        tree.transpose(outer, inner, {"a": (1, 2)})
    with pytest.raises(FuncgradTypeError, match="cannot infer inner_treedef"):
        tree.transpose(tree.structure([]), None, [])
    with pytest.raises(FuncgradTypeError, match=r"subtree at \[1\]"):
        tree.transpose(tree.structure([0, 0]), None, [(1, 2), [1, 2]])  # tuple vs list


# --- the public namespace --------------------------------------------------------------


def test_dir_of_tree_lists_only_its_public_names():
    names = dir(funcgrad.tree)
    assert names == sorted(funcgrad.tree.__all__)
    for name in names:
        assert not name.startswith("_")
        assert getattr(funcgrad.tree, name) is not None
    for leaked in ["np", "Any", "annotations", "api", "registry", "treedef", "builtins"]:
        assert leaked not in names
    expected = {"map_with_path", "flatten_with_path", "leaves_with_path", "keystr", "all"}
    assert expected | {"reduce", "transpose", "save", "load", "register"} <= set(names)
    assert callable(funcgrad.tree.map) and funcgrad.tree.map is not map
