"""The namespace of a public module: ``dir()`` lists its ``__all__``, a typo is an error.

Every public module of funcgrad ends with::

    if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
        __getattr__, __dir__ = public_namespace(__name__, __all__)

Python calls a module's ``__getattr__`` only for a name the module does not have: this
one loads a lazy submodule (``lazy``) or raises an ``AttributeError`` that names the
closest public names. ``__dir__`` hides what the module uses but does not offer (``np``,
``Any``, ``TYPE_CHECKING``, its private helpers). Imports nothing of funcgrad.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def no_attribute(module: str, name: str, public: Iterable[str]) -> AttributeError:
    """The error for ``module.name`` that does not exist, suggesting close public names."""
    hint = ""
    if not (name.startswith("__") and name.endswith("__")):  # probes like __wrapped__
        import difflib  # only for a typo: `import funcgrad` stays light

        close = difflib.get_close_matches(name, sorted(public), n=3)
        if close:
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?"
        else:
            hint = f"; dir({module}) lists its public names"
    return AttributeError(f"module {module!r} has no attribute {name!r}{hint}", name=name)


def public_namespace(
    module: str, public: Sequence[str], lazy: Sequence[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the module named ``module`` whose ``__all__`` is
    ``public``; names in ``lazy`` are submodules imported on first access."""
    names = tuple(public)

    def __getattr__(name: str) -> Any:
        if name in lazy:
            return importlib.import_module(f"{module}.{name}")
        raise no_attribute(module, name, names)

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__
