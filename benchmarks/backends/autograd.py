"""HIPS autograd: ``autograd.value_and_grad`` over ``autograd.numpy``; Adam written out.

autograd has no ``vmap``, so the per-example workload is reported as unsupported, and no
differentiable 2-D convolution in ``autograd.numpy``, so neither is the CNN. The RNNs run
their ``scan`` as a Python loop over time (``loop_scan``).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np

from ..workloads import Case, Ops, adam_init, adam_update, loop_scan
from . import Runner, Unsupported, flat, unsupported_kind

OPS = Ops(anp, scan=lambda f, init, xs: loop_scan(anp.stack, f, init, xs))


def setup() -> dict:
    versions = {"autograd": version("autograd")}
    return {"versions": versions, "settings": [], "variants": ["autograd"]}


def build(variant: str, case: Case) -> Runner:
    params, data, kind = case.params, case.data, case.workload.kind
    if case.workload.model == "cnn_xent":
        raise Unsupported("autograd.numpy has no differentiable conv2d")
    loss = case.loss(OPS)
    vg = autograd.value_and_grad(loss)

    if kind == "loss":
        return Runner(lambda: vg(params, *data), lambda: loss(params, *data), lambda r: flat(*r))

    if kind == "step":
        state = adam_init(params, np.zeros_like)

        def step(params: Any, state: Any, *data: Any) -> tuple:
            value, grads = vg(params, *data)
            new_params, state = adam_update(np.sqrt, grads, state, params)
            return value, new_params, state

        return Runner(
            lambda: step(params, state, *data), lambda: loss(params, *data),
            lambda r: flat(r[0], r[1]),
        )  # fmt: skip

    raise unsupported_kind(variant, kind)
