"""Which Python types are pytree containers, and how each one flattens.

Built in: ``tuple``, ``list``, ``dict`` (sorted keys), namedtuples, ``None`` (an empty
node), and every attrs class (fields in definition order; fields made with
``static_field()`` travel in the tree's structure instead of its leaves). ``register`` adds
a type with JAX's ``register_pytree_node`` convention. Imports nothing (attrs lazily).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_STATIC = "funcgrad_static"

FlattenFn = Callable[[Any], tuple[Any, Any]]
UnflattenFn = Callable[[Any, Any], Any]


class NodeKind:
    """How one container type flattens: ``flatten(obj) -> (children, aux)`` and back."""

    __slots__ = ("flatten", "name", "unflatten")

    def __init__(self, name: str, flatten: FlattenFn, unflatten: UnflattenFn) -> None:
        self.name = name
        self.flatten = flatten
        self.unflatten = unflatten


def static_field(**kwargs: Any) -> Any:
    """An attrs field holding configuration (sizes, flags): not a leaf, not differentiated."""
    import attrs  # attrs loads on first use: `import funcgrad` does not need it

    metadata = dict(kwargs.pop("metadata", {}))
    metadata[_STATIC] = True
    return attrs.field(metadata=metadata, **kwargs)


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


def _dict_flatten(d: dict) -> tuple[list, tuple]:
    keys = _sorted_keys(d)
    return [d[k] for k in keys], tuple(keys)


_registry: dict[type, NodeKind] = {
    tuple: NodeKind("tuple", lambda t: (t, None), lambda _, c: tuple(c)),
    list: NodeKind("list", lambda t: (t, None), lambda _, c: list(c)),
    dict: NodeKind("dict", _dict_flatten, lambda keys, c: dict(zip(keys, c, strict=True))),
    type(None): NodeKind("None", lambda _: ((), None), lambda _a, _c: None),
}


def register(cls: type, flatten_fn: FlattenFn, unflatten_fn: UnflattenFn) -> None:
    """Make ``cls`` a pytree container.

    Args:
      cls: the container type.
      flatten_fn: ``obj -> (children, aux_data)``; children is a sequence of subtrees and
        ``aux_data`` hashable data kept in the tree structure.
      unflatten_fn: ``(aux_data, children) -> obj``.
    """
    _registry[cls] = NodeKind(cls.__qualname__, flatten_fn, unflatten_fn)
    _leaf_types.discard(cls)


def _namedtuple_kind(cls: type) -> NodeKind:
    return NodeKind(cls.__qualname__, lambda t: (tuple(t), None), lambda _, c: cls(*c))


def _attrs_kind(cls: type) -> NodeKind:
    import attrs

    fields = attrs.fields(cls)
    dynamic = tuple(f.name for f in fields if not f.metadata.get(_STATIC))
    static = tuple(f.name for f in fields if f.metadata.get(_STATIC))

    def flatten(obj: Any) -> tuple[list, tuple]:
        return [getattr(obj, n) for n in dynamic], tuple(getattr(obj, n) for n in static)

    def unflatten(aux: tuple, children: Any) -> Any:
        # Bypass __init__: converters and validators must not see tracers or placeholders.
        obj = object.__new__(cls)
        for n, v in zip(dynamic, children, strict=True):
            object.__setattr__(obj, n, v)
        for n, v in zip(static, aux, strict=True):
            object.__setattr__(obj, n, v)
        return obj

    return NodeKind(cls.__qualname__, flatten, unflatten)


def _is_attrs_class(cls: type) -> bool:
    # attrs marks its classes with __attrs_attrs__; checking it avoids importing attrs
    return getattr(cls, "__attrs_attrs__", None) is not None


_leaf_types: set[type] = set()  # types known to be leaves (arrays, floats, ...)


def node_kind(cls: type) -> NodeKind | None:
    """The ``NodeKind`` of a container type, or None for a leaf type."""
    kind = _registry.get(cls)
    if kind is not None:
        return kind
    if cls in _leaf_types:
        return None
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        kind = _namedtuple_kind(cls)
    elif _is_attrs_class(cls):
        kind = _attrs_kind(cls)
    else:
        _leaf_types.add(cls)
        return None
    _registry[cls] = kind
    return kind
