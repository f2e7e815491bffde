"""The rule tables: declared here, filled next to each primitive, read by transformations.

Each table maps a primitive to one entry. Derivative tables (``VJP``, ``JVP``) hold either one
rule per input (``define``; ``None`` for an input that carries no derivative, such as an
integer index), one rule for all inputs at once (``define_joint``), an explicit zero
(``define_zero``) or, for ``JVP`` only, linearity (``define_linear``). ``BATCH`` holds one
rule per primitive. A missing entry fails through ``RuleTable.lookup`` with a message that
names the primitive and where to add the rule.

Rule signatures (linear input first, then the primal output, then the primal inputs):
  VJP per input:  ``rule(out_bar, out, *args, **params) -> x_bar``
  VJP joint:      ``rule(out_bar, out, *args, **params) -> tuple of x_bar or None``
  JVP per input:  ``rule(x_dot, out, *args, **params) -> out_dot``
  JVP joint:      ``rule(x_dots, out, *args, **params) -> out_dot`` (x_dots hold None for 0)
  BATCH:          ``rule(axis_size, args, dims, **params) -> (out, out_dim)``
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import MissingRuleError

PER_INPUT = "per_input"
JOINT = "joint"
LINEAR = "linear"
ZERO = "zero"


class RuleTable:
    """A table of rules of one transformation, keyed by primitive."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[Any, tuple[str, Any]] = {}

    def _set(self, prim: Any, entry: tuple[str, Any]) -> None:
        if prim in self._entries:
            raise ValueError(f"{self.name} rule for primitive {prim.name!r} defined twice")
        self._entries[prim] = entry

    def define(self, prim: Any, *rules: Callable[..., Any] | None) -> None:
        """One rule per positional input (``None``: that input has no derivative)."""
        if self.name == "batching":
            if len(rules) != 1:
                raise ValueError("a batching rule is one function per primitive")
            self._set(prim, (JOINT, rules[0]))
        else:
            self._set(prim, (PER_INPUT, tuple(rules)))

    def define_joint(self, prim: Any, rule: Callable[..., Any]) -> None:
        """One rule that handles every input at once."""
        self._set(prim, (JOINT, rule))

    def define_zero(self, prim: Any) -> None:
        """The primitive's derivative is zero everywhere (piecewise constant, integer, ...)."""
        self._set(prim, (ZERO, None))

    def define_linear(self, prim: Any) -> None:
        """The primitive is linear in all its inputs jointly: apply it to the tangents."""
        if self.name != "JVP":
            raise ValueError("define_linear is for the JVP table")
        self._set(prim, (LINEAR, None))

    def __contains__(self, prim: Any) -> bool:
        return prim in self._entries

    def lookup(self, prim: Any, argnum: int | None = None) -> tuple[str, Any]:
        """The entry of ``prim``; a ``MissingRuleError`` naming it if there is none."""
        entry = self._entries.get(prim)
        if entry is None:
            where = "" if argnum is None else f" (argument {argnum})"
            raise MissingRuleError(
                f"no {self.name} rule for primitive {prim.name!r}{where}; add one next to "
                f"its definition in funcgrad/primitives/ ({self.name}.define(...))"
            )
        return entry

    def missing_input_rule(self, prim: Any, argnum: int) -> MissingRuleError:
        return MissingRuleError(
            f"primitive {prim.name!r} has no {self.name} rule for argument {argnum}: that "
            "argument carries no derivative (e.g. an integer index), but a differentiable "
            "value was passed there"
        )


VJP = RuleTable("VJP")
JVP = RuleTable("JVP")
BATCH = RuleTable("batching")
