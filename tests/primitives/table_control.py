"""Rows of the primitive table: ``scan`` (the control family; it reaches ``unstack``).

A small nonlinear recurrence over the leading axis of the drawn array, with a numpy loop
as the reference; the vmap property batches over the time axis as well as the others.
``truncated_scan`` has no row: its derivatives differ from finite differences by design
(tests/transforms/test_scan.py checks them against hand-computed truncated ones).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing.strategies import shapes

from .spec import OpSpec, unary


def _step(c, x):
    c = fnp.tanh(0.9 * c + x)
    return c, c * x


def _scan(xs, reverse):
    carry, ys = fg.scan(_step, fnp.zeros_like(xs[0]), xs, reverse=reverse)
    return ys + carry


def _scan_reference(xs, reverse):
    c, ys = np.zeros_like(xs[0]), [None] * len(xs)
    for t in reversed(range(len(xs))) if reverse else range(len(xs)):
        c = np.tanh(0.9 * c + xs[t])
        ys[t] = c * xs[t]
    return np.stack(ys) + c


def _reverse(args):
    return st.fixed_dictionaries({"reverse": st.booleans()})


SEQUENCES = unary(shape=shapes(min_dims=1))

CONTROL = [
    OpSpec("scan", _scan, SEQUENCES, params=_reverse, reference=_scan_reference),
]
