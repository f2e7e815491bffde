"""Key paths of pytree leaves (``['w1']``, ``[0]``, ``.layers[1].w``) for error messages.

Walks the containers with ``funcgrad.tree``'s registry, so every registered type gets a
path: dict keys as ``[key]``, attrs and namedtuple fields as ``.name``, sequence and
custom children as ``[i]``. Leaves come in ``funcgrad.tree.flatten`` order.
"""

from __future__ import annotations

from typing import Any

from ..tree.registry import _STATIC, node_kind


def leaf_paths(tree: Any) -> list[str]:
    """The key path of every leaf of ``tree``, in ``funcgrad.tree.leaves`` order.

    Example:
      >>> leaf_paths({"w": [1.0, 2.0], "b": 3.0})
      ["['b']", "['w'][0]", "['w'][1]"]
    """
    out: list[str] = []
    stack: list[tuple[str, Any]] = [("", tree)]
    while stack:  # iterative, depth first, children in order
        path, node = stack.pop()
        kind = node_kind(type(node))
        if kind is None:
            out.append(path)
            continue
        children, aux = kind.flatten(node)
        names = _child_names(node, aux, len(children))
        pairs = list(zip(names, children, strict=True))
        stack.extend((path + name, child) for name, child in reversed(pairs))
    return out


def _child_names(node: Any, aux: Any, n: int) -> list[str]:
    if isinstance(node, dict):
        return [f"[{key!r}]" for key in aux]
    fields = getattr(type(node), "_fields", None)  # namedtuple
    if isinstance(node, tuple) and fields is not None:
        return [f".{name}" for name in fields]
    attrs_fields = getattr(type(node), "__attrs_attrs__", None)
    if attrs_fields is not None:
        dynamic = [f.name for f in attrs_fields if not f.metadata.get(_STATIC)]
        if len(dynamic) == n:
            return [f".{name}" for name in dynamic]
    return [f"[{i}]" for i in range(n)]
