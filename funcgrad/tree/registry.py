"""Which Python types are pytree containers, and how each one flattens.

Built in: ``tuple``, ``list``, ``dict`` (sorted keys), namedtuples, ``None`` (an empty
node), and every attrs class (fields in definition order; fields made with
``static_field()`` travel in the tree's structure instead of its leaves). ``register`` adds
a type with JAX's ``register_pytree_node`` convention. Each kind also flattens with key
entries (``tree.keys``) for key paths. Imports only ``tree.keys`` (attrs lazily).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .keys import DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey

_STATIC = "funcgrad_static"

FlattenFn = Callable[[Any], tuple[Any, Any]]
UnflattenFn = Callable[[Any, Any], Any]
FlattenWithKeysFn = Callable[[Any], tuple[Any, Any]]  # obj -> ([(key, child), ...], aux)


class NodeKind:
    """How one container type flattens: ``flatten(obj) -> (children, aux)`` and back.

    ``flatten_with_keys(obj) -> ([(key, child), ...], aux)`` gives the same children and
    aux with a key entry for each child; without one, the children get
    ``FlattenedIndexKey(i)``.
    """

    __slots__ = ("flatten", "flatten_with_keys", "name", "unflatten")

    def __init__(
        self,
        name: str,
        flatten: FlattenFn,
        unflatten: UnflattenFn,
        flatten_with_keys: FlattenWithKeysFn | None = None,
    ) -> None:
        self.name = name
        self.flatten = flatten
        self.unflatten = unflatten
        self.flatten_with_keys = flatten_with_keys or _indexed(flatten)


def _indexed(flatten: FlattenFn) -> FlattenWithKeysFn:
    def flatten_with_keys(obj: Any) -> tuple[list[Any], Any]:
        children, aux = flatten(obj)
        return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux

    return flatten_with_keys


def _sequence_with_keys(seq: Any) -> tuple[list[Any], None]:
    return [(SequenceKey(i), c) for i, c in enumerate(seq)], None


def static_field(**kwargs: Any) -> Any:
    """An attrs field holding configuration (sizes, flags): not a leaf, not differentiated."""
    import attrs  # attrs loads on first use: `import funcgrad` does not need it

    metadata = dict(kwargs.pop("metadata", {}))
    metadata[_STATIC] = True
    return attrs.field(metadata=metadata, **kwargs)


def _sorted_keys(d: dict[Any, Any]) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


def _dict_flatten(d: dict[Any, Any]) -> tuple[list[Any], tuple[Any, ...]]:
    keys = _sorted_keys(d)
    return [d[k] for k in keys], tuple(keys)


def _dict_flatten_with_keys(d: dict[Any, Any]) -> tuple[list[Any], tuple[Any, ...]]:
    keys = _sorted_keys(d)
    return [(DictKey(k), d[k]) for k in keys], tuple(keys)


_registry: dict[type, NodeKind] = {
    tuple: NodeKind("tuple", lambda t: (t, None), lambda _, c: tuple(c), _sequence_with_keys),
    list: NodeKind("list", lambda t: (t, None), lambda _, c: list(c), _sequence_with_keys),
    dict: NodeKind(
        "dict",
        _dict_flatten,
        lambda keys, c: dict(zip(keys, c, strict=True)),
        _dict_flatten_with_keys,
    ),
    type(None): NodeKind("None", lambda _: ((), None), lambda _a, _c: None, lambda _: ((), None)),
}


def register(
    cls: type,
    flatten_fn: FlattenFn,
    unflatten_fn: UnflattenFn,
    flatten_with_keys_fn: FlattenWithKeysFn | None = None,
) -> None:
    """Make ``cls`` a pytree container (JAX's ``register_pytree_node``).

    Args:
      cls: the container type.
      flatten_fn: ``obj -> (children, aux_data)``; children is a sequence of subtrees and
        ``aux_data`` hashable data kept in the tree structure.
      unflatten_fn: ``(aux_data, children) -> obj``.
      flatten_with_keys_fn: optional ``obj -> ([(key, child), ...], aux_data)``, the
        children of ``flatten_fn`` in the same order, each with a key entry (e.g.
        ``GetAttrKey("items")``) for key paths (JAX's ``register_pytree_with_keys``).
        Without it the key paths through ``cls`` use ``FlattenedIndexKey(i)``.

    Example:
      >>> class Box:
      ...     def __init__(self, items): self.items = items
      >>> register(Box, lambda b: ((b.items,), None), lambda _, c: Box(*c),
      ...          lambda b: (((GetAttrKey("items"), b.items),), None))
      >>> from funcgrad import tree
      >>> tree.leaves_with_path(Box([1.0]))
      [((GetAttrKey(name='items'), SequenceKey(idx=0)), 1.0)]
    """
    _registry[cls] = NodeKind(cls.__qualname__, flatten_fn, unflatten_fn, flatten_with_keys_fn)
    _leaf_types.discard(cls)


def _namedtuple_kind(cls: type) -> NodeKind:
    def flatten_with_keys(t: Any) -> tuple[list[Any], None]:
        return [(GetAttrKey(n), v) for n, v in zip(cls._fields, t, strict=True)], None  # type: ignore[attr-defined]

    return NodeKind(
        cls.__qualname__, lambda t: (tuple(t), None), lambda _, c: cls(*c), flatten_with_keys
    )


def _attrs_kind(cls: type) -> NodeKind:
    import attrs

    fields = attrs.fields(cls)
    dynamic = tuple(f.name for f in fields if not f.metadata.get(_STATIC))
    static = tuple(f.name for f in fields if f.metadata.get(_STATIC))

    def flatten(obj: Any) -> tuple[list[Any], tuple[Any, ...]]:
        return [getattr(obj, n) for n in dynamic], tuple(getattr(obj, n) for n in static)

    def flatten_with_keys(obj: Any) -> tuple[list[Any], tuple[Any, ...]]:
        children = [(GetAttrKey(n), getattr(obj, n)) for n in dynamic]
        return children, tuple(getattr(obj, n) for n in static)

    def unflatten(aux: tuple[Any, ...], children: Any) -> Any:
        # Bypass __init__: converters and validators must not see tracers or placeholders.
        obj: Any = object.__new__(cls)
        for n, v in zip(dynamic, children, strict=True):
            object.__setattr__(obj, n, v)
        for n, v in zip(static, aux, strict=True):
            object.__setattr__(obj, n, v)
        return obj

    return NodeKind(cls.__qualname__, flatten, unflatten, flatten_with_keys)


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
