"""Checking that gradients match the optimizer state or the params (private).

Every ``update`` that combines the incoming gradients with a tree of its state (or with
``params``) goes through ``map_updates``, so a mismatch is reported in the optimizer's
words: which keys or positions differ between the *gradients* and the *optimizer state*
(or *params*), never as a bare tree-mapping error. Imports only ``funcgrad.tree``,
``funcgrad.core.errors`` and ``optim._numerics``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from funcgrad import tree as fgtree
from funcgrad.core.errors import FuncgradValueError

from ._numerics import shape_of

PyTree = Any

_MAX_LINES = 8
_HINTS = {
    "gradients": "Pass gradients with the structure and shapes of the params given to "
    "`init`, and the state returned by this optimizer's `init` or previous `update`.",
    "updates": "Pass the updates returned by `opt.update` for these params.",
    "mask": "Give the mask the structure of the params, or of a prefix of it (a bool may "
    "stand for a whole subtree).",
    "labels": "Give the labels the structure of the params, or of a prefix of it.",
}
_MAX_REPR = 240


def map_updates(
    f: Callable[..., Any],
    updates: PyTree,
    reference: PyTree,
    *others: PyTree,
    where: str,
    against: str = "optimizer state",
    got: str = "gradients",
    shapes: bool = True,
) -> PyTree:
    """``tree.map(f, updates, reference, *others)`` after checking ``updates`` against
    ``reference`` (its structure, and with ``shapes`` every leaf's shape).

    ``others`` must already share ``reference``'s structure (they come from the same
    state). ``where`` names the transformation for the message.

    Raises:
      FuncgradValueError: naming every differing key or position.
    """
    leaves, treedef, ref_leaves = _flatten_checked(updates, reference, where, against, got, shapes)
    rest = [fgtree.flatten(o)[0] for o in others]
    return treedef.unflatten(map(f, leaves, ref_leaves, *rest))


def check_matches(
    updates: PyTree,
    reference: PyTree,
    *,
    where: str,
    against: str,
    got: str = "gradients",
    shapes: bool = True,
) -> None:
    """Raise ``mismatch_error`` unless ``updates`` has ``reference``'s structure (and shapes)."""
    _flatten_checked(updates, reference, where, against, got, shapes)


def _flatten_checked(
    updates: PyTree, reference: PyTree, where: str, against: str, got: str, shapes: bool
) -> tuple[list, Any, list]:
    leaves, treedef = fgtree.flatten(updates)
    ref_leaves, ref_treedef = fgtree.flatten(reference)
    if treedef != ref_treedef or (
        shapes and any(shape_of(a) != shape_of(b) for a, b in zip(leaves, ref_leaves, strict=True))
    ):
        raise mismatch_error(updates, reference, where=where, got=got, expected=against)
    return leaves, treedef, ref_leaves


def mismatch_error(
    got_tree: PyTree,
    expected_tree: PyTree,
    *,
    where: str,
    got: str,
    expected: str,
    prefix: bool = False,
) -> FuncgradValueError:
    """The error for ``got_tree`` (e.g. gradients) not matching ``expected_tree``.

    With ``prefix``, a leaf of ``got_tree`` may stand for a whole subtree (a mask).
    """
    lines: list[str] = []
    _differences(expected_tree, got_tree, "", expected, got, lines, prefix)
    if not lines:  # equal structures whose static data differ in a way the walk cannot name
        lines.append("the tree structures differ")
    shown = lines[:_MAX_LINES]
    if len(lines) > _MAX_LINES:
        shown.append(f"... and {len(lines) - _MAX_LINES} more")
    details = "\n".join(f"  {line}" for line in shown)
    return FuncgradValueError(
        f"{where}: the {got} {'do' if got.endswith('s') else 'does'} not match the "
        f"{expected}:\n{details}\n"
        f"expected ({expected}): {_short(fgtree.structure(expected_tree))}\n"
        f"got ({got}): {_short(fgtree.structure(got_tree))}\n"
        f"{_HINTS.get(got, _HINTS['gradients'])}"
    )


def _short(treedef: Any) -> str:
    text = repr(treedef)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def _children(node: Any) -> tuple[list, Any]:
    """``node``'s immediate children and its one-level structure."""
    return fgtree.flatten(node, is_leaf=lambda x: x is not node)


def _labels(node: Any, treedef: Any, n: int) -> list[str]:
    kind = treedef.kind_type
    if kind is dict:
        return [f"[{k!r}]" for k in treedef.aux]
    fields = getattr(kind, "_fields", None)  # namedtuple
    if fields is None and getattr(kind, "__attrs_attrs__", None) is not None:
        # The children of an attrs class are its fields not marked by tree.static_field()
        # (whose metadata key is "funcgrad_static"); a count mismatch falls back to indices.
        fields = [a.name for a in kind.__attrs_attrs__ if not a.metadata.get("funcgrad_static")]
    if fields is not None and len(fields) == n:
        return [f".{name}" for name in fields]
    return [f"[{i}]" for i in range(n)]


def _what(node: Any, treedef: Any) -> str:
    if not treedef.is_leaf:
        return f"a {treedef.kind_type.__name__}"
    if hasattr(node, "shape"):
        return f"an array of shape {shape_of(node)}"
    return f"a {type(node).__name__}"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # static data holding arrays: compare what is printed
        return repr(a) == repr(b)


def _differences(
    expected: Any,
    got: Any,
    path: str,
    expected_name: str,
    got_name: str,
    out: list[str],
    prefix: bool,
) -> None:
    if len(out) > _MAX_LINES:
        return
    e_children, e_def = _children(expected)
    g_children, g_def = _children(got)
    where = path or "the top level"
    if prefix and g_def.is_leaf:
        return
    if e_def.is_leaf and g_def.is_leaf:
        if shape_of(expected) != shape_of(got):
            out.append(
                f"{where}: shape {shape_of(got)} in the {got_name}, "
                f"{shape_of(expected)} in the {expected_name}"
            )
        return
    if e_def.kind_type is not g_def.kind_type:
        out.append(
            f"{where}: {_what(got, g_def)} in the {got_name}, "
            f"{_what(expected, e_def)} in the {expected_name}"
        )
        return
    if e_def.kind_type is dict:
        e_keys, g_keys = list(e_def.aux), list(g_def.aux)
        for k in e_keys:
            if k not in g_keys:
                out.append(f"{path}[{k!r}]: missing from the {got_name}")
        for k in g_keys:
            if k not in e_keys:
                out.append(f"{path}[{k!r}]: in the {got_name} but not in the {expected_name}")
        for k in e_keys:
            if k in g_keys:
                sub = f"{path}[{k!r}]"
                _differences(expected[k], got[k], sub, expected_name, got_name, out, prefix)
        return
    if len(e_children) != len(g_children):
        out.append(
            f"{where}: {len(g_children)} entries in the {got_name}, "
            f"{len(e_children)} in the {expected_name}"
        )
    elif not _same(e_def.aux, g_def.aux):
        out.append(
            f"{where}: {e_def.kind_type.__name__} with different static fields in the "
            f"{got_name} ({g_def.aux!r}) and the {expected_name} ({e_def.aux!r})"
        )
    labels = _labels(expected, e_def, len(e_children))
    for label, e_child, g_child in zip(labels, e_children, g_children, strict=False):
        _differences(e_child, g_child, path + label, expected_name, got_name, out, prefix)
