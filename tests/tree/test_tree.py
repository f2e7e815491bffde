"""Pytrees: flatten/unflatten, containers (dict, None, namedtuple, attrs), register, map,
and structures as values."""

from __future__ import annotations

import collections

import attrs
import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
from funcgrad import tree
from funcgrad.testing import strategies as fst

Pair = collections.namedtuple("Pair", ["first", "second"])


@attrs.frozen
class Layer:
    w: np.ndarray
    b: np.ndarray
    activation: str = tree.static_field(default="tanh")
    width: int = tree.static_field(default=3)


@attrs.frozen
class Converted:
    x: float = attrs.field(converter=float)


@attrs.define
class Mutable:
    a: object
    b: object


def _same(a, b):
    """Equal structure and identical leaves."""
    assert tree.structure(a) == tree.structure(b)
    for x, y in zip(tree.leaves(a), tree.leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)


# --- flatten / unflatten -------------------------------------------------------------


@given(fst.pytrees())
def test_flatten_unflatten_round_trip(t):
    leaves, treedef = tree.flatten(t)
    assert treedef.num_leaves == len(leaves)
    rebuilt = tree.unflatten(treedef, leaves)
    _same(rebuilt, t)
    assert type(rebuilt) is type(t)
    # leaves are the objects themselves, not copies
    assert all(a is b for a, b in zip(tree.leaves(rebuilt), leaves, strict=True))


@given(fst.pytrees(leaves=st.integers()))
def test_unflatten_with_new_leaves_keeps_the_structure(t):
    leaves, treedef = tree.flatten(t)
    new = tree.unflatten(treedef, [str(v) for v in leaves])
    assert tree.leaves(new) == [str(v) for v in leaves]
    assert tree.structure(tree.map(int, new)) == treedef


def test_unflatten_with_the_wrong_number_of_leaves_is_an_error():
    treedef = tree.structure({"a": 1, "b": (2, 3)})
    with pytest.raises(ValueError, match="too few"):
        tree.unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="too many"):
        tree.unflatten(treedef, [1, 2, 3, 4])


def test_dict_leaves_follow_sorted_keys_whatever_the_insertion_order():
    d1 = {"b": 1, "a": 2, "c": {"z": 3, "y": 4}}
    d2 = {"c": {"y": 4, "z": 3}, "a": 2, "b": 1}
    assert tree.leaves(d1) == [2, 1, 4, 3]
    assert tree.leaves(d2) == [2, 1, 4, 3]
    assert tree.structure(d1) == tree.structure(d2)
    rebuilt = tree.unflatten(tree.structure(d1), [20, 10, 40, 30])
    assert rebuilt == {"a": 20, "b": 10, "c": {"y": 40, "z": 30}}
    assert list(rebuilt) == ["a", "b", "c"]


def test_none_is_an_empty_node():
    leaves, treedef = tree.flatten(None)
    assert leaves == []
    assert treedef.num_leaves == 0
    assert tree.unflatten(treedef, []) is None
    t = [1, None, {"a": None, "b": 2}]
    assert tree.leaves(t) == [1, 2]
    assert tree.map(lambda v: v * 10, t) == [10, None, {"a": None, "b": 20}]
    assert tree.structure([1, None]) != tree.structure([1, 2])


def test_namedtuple_is_a_container_of_its_own_type():
    p = Pair(np.array(1.0), [np.array(2.0), np.array(3.0)])
    leaves, treedef = tree.flatten(p)
    assert [float(v) for v in leaves] == [1.0, 2.0, 3.0]
    rebuilt = tree.unflatten(treedef, leaves)
    assert type(rebuilt) is Pair
    assert tree.structure(p) != tree.structure((p.first, p.second))
    assert tree.map(lambda v: v * 2, p).second[1] == 6.0


def test_attrs_class_fields_in_definition_order_and_static_fields_in_the_structure():
    layer = Layer(w=np.ones((2, 2)), b=np.zeros(2), activation="relu", width=2)
    leaves, treedef = tree.flatten(layer)
    assert len(leaves) == 2
    assert leaves[0] is layer.w
    assert leaves[1] is layer.b
    rebuilt = tree.unflatten(treedef, [np.zeros((2, 2)), np.ones(2)])
    assert type(rebuilt) is Layer
    assert rebuilt.activation == "relu"
    assert rebuilt.width == 2
    np.testing.assert_array_equal(rebuilt.b, np.ones(2))
    other = Layer(w=np.ones((2, 2)), b=np.zeros(2), activation="tanh", width=2)
    assert tree.structure(other) != treedef  # static values are part of the structure
    assert tree.structure(attrs.evolve(layer, w=np.zeros((5, 5)))) == treedef
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rebuilt.w = 1


def test_attrs_unflatten_bypasses_converters_and_mutable_classes_work():
    # transformations put placeholders and tracers in the leaves: no converter may run
    c = tree.unflatten(tree.structure(Converted(1)), ["not a float"])
    assert c.x == "not a float"
    m = Mutable(a=1, b=[2, 3])
    assert tree.leaves(m) == [1, 2, 3]
    assert tree.map(lambda v: -v, m) == Mutable(a=-1, b=[-2, -3])


def test_grad_through_attrs_models():
    layer = Layer(w=np.array([[1.0, 2.0]]), b=np.array([0.5]), activation="tanh", width=1)

    def loss(m, x):
        return fg.numpy.sum(fg.numpy.tanh(m.w @ x + m.b))

    g = fg.grad(loss)(layer, np.array([0.1, 0.2]))
    assert type(g) is Layer
    assert g.activation == "tanh"
    assert g.w.shape == (1, 2)


# --- register ------------------------------------------------------------------------


class Box:
    """A user container: ``items`` are children, ``label`` is aux data."""

    def __init__(self, items, label):
        self.items = items
        self.label = label


tree.register(
    Box,
    lambda box: (tuple(box.items), box.label),
    lambda label, children: Box(list(children), label),
)


def test_register_makes_a_class_a_container():
    box = Box([np.array(1.0), {"k": np.array(2.0)}], label="boxed")
    leaves, treedef = tree.flatten(box)
    assert [float(v) for v in leaves] == [1.0, 2.0]
    rebuilt = tree.unflatten(treedef, [np.array(5.0), np.array(6.0)])
    assert isinstance(rebuilt, Box)
    assert rebuilt.label == "boxed"
    assert rebuilt.items[1]["k"] == 6.0
    assert tree.structure(Box([1, {"k": 2}], "other")) != treedef  # aux data compared
    assert tree.structure(Box([1, {"k": 2}], "boxed")) == treedef
    g = fg.grad(lambda b: b.items[0] * b.items[1]["k"])(box)
    assert isinstance(g, Box)
    assert float(g.items[0]) == 2.0
    assert float(g.items[1]["k"]) == 1.0


# --- map, leaves, structure ----------------------------------------------------------


def test_map_over_several_trees():
    a = {"x": 1, "y": (2, 3)}
    b = {"y": (20, 30), "x": 10}
    c = {"x": 100, "y": (200, 300)}
    assert tree.map(lambda u, v, w: u + v + w, a, b, c) == {"x": 111, "y": (222, 333)}


def test_map_with_mismatched_trees_is_an_error_showing_both_structures():
    with pytest.raises(ValueError, match=r"tree 1.*different structure") as info:
        tree.map(lambda u, v: u + v, {"x": 1, "y": 2}, {"x": 1, "z": 2})
    assert "'y'" in str(info.value)
    assert "'z'" in str(info.value)
    with pytest.raises(ValueError, match="tree 2"):
        tree.map(lambda u, v, w: u, [1, 2], [1, 2], (1, 2))
    with pytest.raises(ValueError):
        tree.map(lambda u, v: u, [1, 2], [1, 2, 3])


def test_map_with_is_leaf_and_subtrees_of_later_trees():
    t = {"a": (1, 2), "b": (3, 4)}
    assert tree.map(sum, t, is_leaf=lambda v: isinstance(v, tuple)) == {"a": 3, "b": 7}
    # later trees may hold whole subtrees where the first tree has a leaf
    assert tree.map(lambda u, v: (u, v), [1, 2], [{"p": 0}, (5,)]) == [(1, {"p": 0}), (2, (5,))]
    assert tree.leaves(t, is_leaf=lambda v: isinstance(v, tuple)) == [(1, 2), (3, 4)]


@given(fst.pytrees(leaves=st.integers()), fst.pytrees(leaves=st.integers()))
def test_structures_are_hashable_values(t1, t2):
    s1, s2 = tree.structure(t1), tree.structure(t2)
    assert s1 == tree.structure(tree.map(lambda v: v + 1, t1))
    assert hash(s1) == hash(tree.structure(tree.map(str, t1)))
    if s1 == s2:
        assert hash(s1) == hash(s2)
    cache = {s1: "first"}
    assert cache[tree.structure(t1)] == "first"
    assert (s1 == s2) == (repr(s1) == repr(s2))  # for dicts/lists/tuples repr is exact


def test_structure_distinguishes_container_kinds():
    kinds = [(1, 2), [1, 2], {"a": 1, "b": 2}, Pair(1, 2), Mutable(1, 2), Box([1, 2], None)]
    structures = [tree.structure(k) for k in kinds]
    assert len(set(structures)) == len(kinds)
    assert tree.structure(np.ones(3)) == tree.structure(5.0)  # both leaves
    assert tree.structure((1,)) != tree.structure(1)
    assert "PyTreeDef" in repr(tree.structure({"a": (1, [2])}))
