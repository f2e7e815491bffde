"""Drawing a row's inputs, shared by the property tests."""

from __future__ import annotations

from functools import partial
from typing import Any

from .spec import OpSpec


def draw_case(spec: OpSpec, data: Any) -> tuple[Any, tuple]:
    """Draw args and params for ``spec``; return ``(f, args)`` with params bound in ``f``."""
    args = data.draw(spec.args(), label="args")
    params = data.draw(spec.params(args), label="params")
    return partial(spec.fun, **params), tuple(args)
