"""No primitive escapes the table: every one has all its rules and is reached by a row.

A recording trace, outermost, sees every primitive bound while each row runs forward,
backward (vjp) and forward-mode (jvp) -- so primitives used only inside other rules
(scatter, pad, ...) count as covered through the rows that need them.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
from funcgrad import tree
from funcgrad.core.primitive import CallPrimitive, all_primitives
from funcgrad.core.rules import BATCH, JVP, VJP
from funcgrad.core.trace import Trace, Tracer, new_trace

from ._draw import draw_case
from .table import OPS, ids

# Calls (custom rules, checkpoint, jit) are handled by each trace's call handlers.
# So is the marker graph tracing puts on an inlined custom-rule call (its rules refuse;
# tests/transforms/test_custom.py covers it).
CALL_PSEUDO_PRIMITIVES = {
    name for name, prim in all_primitives().items() if isinstance(prim, CallPrimitive)
} | {"custom_rule_inlined"}


class RecordingTracer(Tracer):
    __slots__ = ("val",)

    def __init__(self, trace, val):
        self._trace = trace
        self.val = val

    @property
    def shape(self):
        return np.shape(self.val)

    @property
    def dtype(self):
        return self.val.dtype

    def concrete(self):
        return self.val


class RecordingTrace(Trace):
    __slots__ = ("seen",)

    def __init__(self):
        super().__init__()
        self.seen = set()

    def process_primitive(self, prim, args, params):
        self.seen.add(prim.name)
        vals = [a.val if isinstance(a, RecordingTracer) else a for a in args]
        out = prim.bind(*vals, **params)
        if prim.multiple_results:
            return tuple(RecordingTracer(self, o) for o in out)
        return RecordingTracer(self, out)


SEEN: set = set()
ROWS_RUN: set = set()


def _exercise(f, args, spec, trace):
    wrapped = tuple(tree.map(lambda x: RecordingTracer(trace, np.asarray(x)), a) for a in args)
    out, pullback = fg.vjp(f, *wrapped)
    if spec.differentiable:
        pullback(tree.map(lambda o: fg.numpy.ones_like(o), out))
        tangents = tuple(tree.map(lambda x: fg.numpy.ones_like(x), a) for a in wrapped)
        fg.jvp(f, wrapped, tangents)


def test_every_primitive_has_all_rules():
    missing = [
        f"{name}: {table.name}"
        for name, prim in all_primitives().items()
        if name not in CALL_PSEUDO_PRIMITIVES
        for table in (VJP, JVP, BATCH)
        if prim not in table
    ]
    assert not missing, f"primitives without rules: {missing}"


@pytest.mark.parametrize("spec", OPS, ids=ids)
@settings(max_examples=4, derandomize=True)
@given(data=st.data())
def test_row_records_its_primitives(spec, data):
    f, args = draw_case(spec, data)
    with new_trace(RecordingTrace()) as trace:
        _exercise(f, args, spec, trace)
    SEEN.update(trace.seen)
    ROWS_RUN.add(spec.name)


def test_every_primitive_is_reached_by_a_table_row():
    # Runs after the parametrised test above (file order); meaningless in a partial run.
    if len(ROWS_RUN) < len({s.name for s in OPS}):
        pytest.skip("needs every row of test_row_records_its_primitives in the same run")
    registered = set(all_primitives()) - CALL_PSEUDO_PRIMITIVES
    unreached = sorted(registered - SEEN)
    assert not unreached, f"primitives no table row reaches (add rows): {unreached}"
