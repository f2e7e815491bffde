"""The rule tables: declared here, filled next to each primitive, read by transformations.

``VJP`` and ``JVP`` are ``DerivativeTable``s: each primitive has one ``DerivativeRule`` of a
``RuleKind`` -- one rule per input (``define``; ``None`` for an input that carries no
derivative, such as an integer index), one rule for all inputs at once (``define_joint``),
an explicit zero (``define_zero``) or, for ``JVP`` only, linearity (``define_linear``).
``BATCH`` is a ``BatchTable``: one rule per primitive. A missing rule fails through
``lookup`` with a message that names the primitive and where to add the rule.

Rule signatures (linear input first, then the primal output, then the primal inputs):
  VJP per input:  ``rule(out_bar, out, *args, **params) -> x_bar`` (None: zero)
  VJP joint:      ``rule(out_bar, out, *args, **params) -> sequence of x_bar or None``
  JVP per input:  ``rule(x_dot, out, *args, **params) -> out_dot`` (None: zero)
  JVP joint:      ``rule(x_dots, out, *args, **params) -> out_dot`` (x_dots hold None for 0)
  BATCH:          ``rule(axis_size, args, dims, **params) -> (out, out_dim)``
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .errors import MissingRuleError

if TYPE_CHECKING:
    from .primitive import Primitive


class RuleKind(enum.Enum):
    """How a primitive's derivative is given."""

    PER_INPUT = "per input"  # one rule per positional input
    JOINT = "joint"  # one rule for every input at once
    LINEAR = "linear"  # JVP only: apply the primitive itself to the tangents
    ZERO = "zero"  # the derivative is zero everywhere


class PerInputRule(Protocol):
    """``rule(linear_input, out, *args, **params) -> contribution or None``."""

    def __call__(self, lin: Any, out: Any, /, *args: Any, **params: Any) -> Any: ...


class JointVJPRule(Protocol):
    """``rule(out_bar, out, *args, **params) -> one x_bar (or None) per input``."""

    def __call__(self, out_bar: Any, out: Any, /, *args: Any, **params: Any) -> Sequence[Any]: ...


class JointJVPRule(Protocol):
    """``rule(x_dots, out, *args, **params) -> out_dot`` (x_dots: None for a zero)."""

    def __call__(self, x_dots: Sequence[Any], out: Any, /, *args: Any, **params: Any) -> Any: ...


class BatchRule(Protocol):
    """``rule(axis_size, args, dims, **params) -> (out, out_dim)``."""

    def __call__(
        self,
        axis_size: int,
        args: Sequence[Any],
        dims: Sequence[int | None],
        /,
        *_: Any,  # with ``**params: Any``: type checkers accept a rule's own keywords
        **params: Any,
    ) -> tuple[Any, Any]: ...


class DerivativeRule:
    """The derivative of one primitive: a kind and its rule(s)."""

    __slots__ = ("joint", "kind", "missing_inputs", "per_input")

    def __init__(
        self,
        kind: RuleKind,
        per_input: tuple[PerInputRule | None, ...] = (),
        joint: Callable[..., Any] | None = None,
    ) -> None:
        self.kind = kind
        self.per_input = per_input  # PER_INPUT: one entry per positional input
        self.joint = joint  # JOINT: the rule
        # some input has no rule (a derivative reaching it is an error): checked per use
        self.missing_inputs = None in per_input

    def __repr__(self) -> str:
        return f"DerivativeRule({self.kind.name})"


_ZERO_RULE = DerivativeRule(RuleKind.ZERO)
_LINEAR_RULE = DerivativeRule(RuleKind.LINEAR)


class DerivativeTable:
    """The derivative rules of one mode (reverse or forward), keyed by primitive."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._rules: dict[Primitive, DerivativeRule] = {}

    def _set(self, prim: Primitive, rule: DerivativeRule) -> None:
        if prim in self._rules:
            raise ValueError(f"{self.name} rule for primitive {prim.name!r} defined twice")
        self._rules[prim] = rule

    def define(self, prim: Primitive, *rules: PerInputRule | None) -> None:
        """One rule per positional input (``None``: that input has no derivative)."""
        self._set(prim, DerivativeRule(RuleKind.PER_INPUT, per_input=tuple(rules)))

    def define_joint(self, prim: Primitive, rule: JointVJPRule | JointJVPRule) -> None:
        """One rule that handles every input at once."""
        self._set(prim, DerivativeRule(RuleKind.JOINT, joint=rule))

    def define_zero(self, prim: Primitive) -> None:
        """The primitive's derivative is zero everywhere (piecewise constant, integer, ...)."""
        self._set(prim, _ZERO_RULE)

    def __contains__(self, prim: object) -> bool:
        return prim in self._rules

    def lookup(self, prim: Primitive) -> DerivativeRule:
        """The rule of ``prim``; a ``MissingRuleError`` naming it if there is none."""
        rule = self._rules.get(prim)
        if rule is None:
            raise MissingRuleError(
                f"no {self.name} rule for primitive {prim.name!r}; add one next to its "
                f"definition in funcgrad/primitives/ ({self.name}.define(...))"
            )
        return rule

    def missing_input_rule(self, prim: Primitive, argnum: int) -> MissingRuleError:
        """The error for a derivative reaching an input that has no rule."""
        return MissingRuleError(
            f"primitive {prim.name!r} has no {self.name} rule for argument {argnum}: that "
            "argument carries no derivative (e.g. an integer index), but a differentiable "
            "value was passed there"
        )


class JVPTable(DerivativeTable):
    """Forward-mode rules; a primitive linear in its inputs may say just that."""

    def define_linear(self, prim: Primitive) -> None:
        """The primitive is linear in all its inputs jointly: apply it to the tangents."""
        self._set(prim, _LINEAR_RULE)


class BatchTable:
    """The batching rules, one per primitive."""

    def __init__(self) -> None:
        self.name = "batching"
        self._rules: dict[Primitive, BatchRule] = {}

    def define(self, prim: Primitive, rule: BatchRule) -> None:
        """The batching rule of ``prim``."""
        if prim in self._rules:
            raise ValueError(f"batching rule for primitive {prim.name!r} defined twice")
        self._rules[prim] = rule

    def __contains__(self, prim: object) -> bool:
        return prim in self._rules

    def lookup(self, prim: Primitive) -> BatchRule:
        """The rule of ``prim``; a ``MissingRuleError`` naming it if there is none."""
        rule = self._rules.get(prim)
        if rule is None:
            raise MissingRuleError(
                f"no batching rule for primitive {prim.name!r}; add one next to its "
                "definition in funcgrad/primitives/ (BATCH.define(...))"
            )
        return rule


VJP = DerivativeTable("VJP")
JVP = JVPTable("JVP")
BATCH = BatchTable()
