"""``debug_nans``: raise at the first non-finite value, forward or backward, saying where.

Inside ``with fg.debug_nans():`` (or for the whole process with ``FUNCGRAD_DEBUG_NANS=1``)
every primitive's output is checked as it is computed, and in reverse mode every
cotangent a VJP rule produces. The first NaN/Inf made from finite inputs raises a
``FuncgradFloatingPointError`` naming the primitive, the user's ``file:line`` that created
the value, the pass (forward or backward) and the inputs' ranges. A non-finite cotangent
where the incoming cotangent is zero is the ``where(mask, sqrt(x), 0)`` trap (the untaken
branch's derivative is inf, and 0 * inf = nan): the message says how to write it (the
double-where idiom). A jitted function checks its outputs and, on a non-finite one, runs
again eagerly to find the origin.

Nothing is checked outside the block: the checks are installed when it starts (wrapping
each primitive's implementation and swapping reverse mode's record and backward steps)
and removed when it ends, so the normal path costs nothing. The switch is process-wide
(not per thread).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np

from ..core.errors import FuncgradFloatingPointError, call_site
from ..core.primitive import all_primitives
from ..transforms import reverse
from ..transforms.graph import jit as jit_module

_PHASE: ContextVar[str] = ContextVar("funcgrad_nan_phase", default="forward")
_lock = threading.Lock()
_depth = 0
_saved: dict[str, Any] = {}

_TRAP_ADVICE = (
    "This is the where-trap: the value is masked by fnp.where(mask, f(x), other), but f's "
    "derivative at the masked points is infinite, and 0 * inf = nan. Make the untaken "
    "branch safe too (the double-where idiom): `safe = fnp.where(mask, x, 1.0); "
    "y = fnp.where(mask, f(safe), other)`."
)


def _nonfinite(x: Any) -> bool:
    if isinstance(x, (np.ndarray, np.generic)) and np.asarray(x).dtype.kind in "fc":
        return not bool(np.all(np.isfinite(x)))
    if isinstance(x, (float, complex)):
        return not np.isfinite(x)
    return False


def _describe_inputs(args: Any) -> str:
    parts = []
    for i, a in enumerate(args):
        if (
            isinstance(a, (np.ndarray, np.generic, float, int))
            and np.asarray(a).dtype.kind in "fiu"
        ):
            a = np.asarray(a)
            if a.size:
                with np.errstate(all="ignore"):
                    parts.append(
                        f"input {i} {a.dtype}{list(a.shape)} in [{a.min():.4g}, {a.max():.4g}]"
                    )
    return "; ".join(parts) or "no float inputs"


def _checked(prim: Any, impl: Callable) -> Callable:
    def checked(*args: Any, **params: Any) -> Any:
        with np.errstate(all="ignore"):  # our check reports it, with its origin
            out = impl(*args, **params)
        outs = out if prim.multiple_results else (out,)
        if any(_nonfinite(o) for o in outs) and not any(_nonfinite(a) for a in args):
            site = call_site()
            raise FuncgradFloatingPointError(
                f"debug_nans: primitive `{prim.name}` produced a NaN/Inf from finite inputs in "
                f"the {_PHASE.get()} pass, creating a value at {site} ({_describe_inputs(args)})."
                + (" " + _hint(prim.name) if _hint(prim.name) else "")
            )
        return out

    return checked


def _hint(name: str) -> str:
    if name in ("sqrt", "log", "log2", "log10", "log1p", "arcsin", "arccos", "power", "divide"):
        return (
            f"`{name}` is outside its domain there; if the value is masked later by "
            "fnp.where, compute it on safe inputs (fnp.where(mask, x, safe_value))."
        )
    return ""


def _record_with_site(self: Any, prim: Any, rule: Any, params: dict, vals: list, out: Any,
                      parents: tuple) -> Any:  # fmt: skip
    site = call_site()
    result = _saved["record"](self, prim, rule, params, vals, out, parents)
    # keyed by the tape list itself, which the pullback keeps after the trace ends
    _tape_sites.setdefault(id(self.tape), {})[len(self.tape) - 1] = site
    return result


_tape_sites: dict[int, dict[int, Any]] = {}


def _checked_backward(tape: list, seeds: Any, keep: dict | None = None) -> list:
    token = _PHASE.set("backward")
    try:
        with np.errstate(all="ignore"):  # rules' numpy arithmetic: the check reports it
            return _saved["backward"](tape, seeds, keep, check=_check_cotangent)
    finally:
        _PHASE.reset(token)


def _check_cotangent(tape: list, node: int, argnum: int, ct: Any, x_bar: Any) -> None:
    """Raise if the VJP of ``tape[node]`` turned a finite cotangent into a non-finite one."""
    if not _nonfinite(x_bar) or _any_nonfinite(ct):
        return
    prim = tape[node][0]
    site = _tape_sites.get(id(tape), {}).get(node)
    trap = _is_trap(ct, x_bar)
    raise FuncgradFloatingPointError(
        f"debug_nans: the VJP of `{prim.name}` (the value created at {site or 'an unknown line'})"
        f" gave a NaN/Inf cotangent for its argument {argnum} from a finite one, in the "
        f"backward pass. " + (_TRAP_ADVICE if trap else _hint(prim.name))
    )


def _any_nonfinite(ct: Any) -> bool:
    if isinstance(ct, list):
        return any(_nonfinite(c) for c in ct if c is not None)
    return _nonfinite(ct)


def _is_trap(ct: Any, x_bar: Any) -> bool:
    if isinstance(ct, list) or not isinstance(ct, np.ndarray):
        return False
    bad = ~np.isfinite(np.asarray(x_bar))
    try:
        zero = np.broadcast_to(ct == 0, bad.shape)
    except ValueError:
        return False
    return bool(bad.any() and np.all(zero[bad]))


def _install() -> None:
    _saved["impls"] = {p: p.impl for p in all_primitives().values()}
    for prim, impl in _saved["impls"].items():
        prim.impl = _checked(prim, impl)
    _saved["record"] = reverse.ReverseTrace.record
    reverse.ReverseTrace.record = _record_with_site  # type: ignore[method-assign]
    _saved["backward"] = reverse.backward
    reverse.backward = _checked_backward  # type: ignore[assignment]
    jit_module.DEBUG_NANS = True


def _uninstall() -> None:
    for prim, impl in _saved.pop("impls").items():
        prim.impl = impl
    reverse.ReverseTrace.record = _saved.pop("record")  # type: ignore[method-assign]
    reverse.backward = _saved.pop("backward")
    jit_module.DEBUG_NANS = False
    _tape_sites.clear()


@contextlib.contextmanager
def debug_nans() -> Iterator[None]:
    """Raise at the first NaN/Inf made from finite values, naming its origin (see module).

    Example::

        with fg.debug_nans():
            fg.grad(loss)(params, x)   # FuncgradFloatingPointError: ... `sqrt` ... at model.py:12
    """
    global _depth
    with _lock:
        if _depth == 0:
            _install()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _uninstall()


if os.environ.get("FUNCGRAD_DEBUG_NANS", "") not in ("", "0"):  # on for the whole process
    debug_nans().__enter__()
