"""PyTorch: eager autograd (``torch.autograd.grad``, ``torch.optim.Adam``) and ``torch.func``.

The shared models are written against a numpy-like namespace; ``TorchOps`` maps the few
names they use onto torch (``conv2d`` is ``torch.nn.functional.conv2d``; ``scan`` is a
Python loop over time, as an eager torch user would write it). Threads:
``torch.set_num_threads(1)`` and one inter-op thread.
"""

from __future__ import annotations

import contextlib
from importlib.metadata import version
from typing import Any

import numpy as np
import torch
import torch.func

from ..workloads import Case, adam_init, adam_update, loop_scan
from . import Runner, flat, unsupported_kind


def setup() -> dict:
    torch.set_num_threads(1)
    # Raises if inter-op work already ran; then the intra-op count above is what matters.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)
    return {
        "versions": {"torch": version("torch")},
        "settings": [
            f"torch.get_num_threads()={torch.get_num_threads()}",
            f"torch.get_num_interop_threads()={torch.get_num_interop_threads()}",
        ],
        "variants": ["torch", "torch-func"],
    }


class TorchOps:
    """numpy's names, as the shared models call them, on torch tensors."""

    tanh = staticmethod(torch.tanh)
    exp = staticmethod(torch.exp)
    log = staticmethod(torch.log)
    sqrt = staticmethod(torch.sqrt)

    @staticmethod
    def maximum(x: Any, y: Any) -> Any:
        return torch.clamp_min(x, y) if isinstance(y, float) else torch.maximum(x, y)

    @staticmethod
    def sum(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
        return torch.sum(x) if axis is None else torch.sum(x, dim=axis, keepdim=keepdims)

    @staticmethod
    def max(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
        return torch.amax(x) if axis is None else torch.amax(x, dim=axis, keepdim=keepdims)

    reshape = staticmethod(torch.reshape)
    conv2d = staticmethod(torch.nn.functional.conv2d)

    @staticmethod
    def scan(f: Any, init: Any, xs: Any) -> tuple:
        return loop_scan(torch.stack, f, init, xs)


def build(variant: str, case: Case) -> Runner:
    kind = case.workload.kind
    loss = case.loss(TorchOps)
    data = tuple(torch.from_numpy(d.copy()) for d in case.data)
    if variant == "torch":
        return _eager(case, loss, data, kind)
    params = tuple(torch.from_numpy(p.copy()) for p in case.params)

    def forward() -> Any:
        return loss(params, *data)

    if kind == "loss":
        gv = torch.func.grad_and_value(loss)
        return Runner(lambda: gv(params, *data), forward, lambda r: to_numpy(flat(r[1], r[0])))

    if kind == "step":
        state = adam_init(params, torch.zeros_like)
        gv = torch.func.grad_and_value(loss)

        def step() -> tuple:
            grads, value = gv(params, *data)
            new_params, new_state = adam_update(torch.sqrt, grads, state, params)
            return value, new_params, new_state

        return Runner(step, forward, lambda r: to_numpy(flat(r[0], r[1])))

    if kind == "per_example":
        per_example = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))
        return Runner(lambda: per_example(params, *data), forward, to_numpy)

    raise unsupported_kind(variant, kind)


def _eager(case: Case, loss: Any, data: tuple, kind: str) -> Runner:
    params = tuple(torch.from_numpy(p.copy()).requires_grad_() for p in case.params)

    def forward() -> Any:
        with torch.no_grad():
            return loss(params, *data)

    if kind == "loss":

        def value_and_grad() -> tuple:
            value = loss(params, *data)
            return value.detach(), torch.autograd.grad(value, params)

        return Runner(value_and_grad, forward, lambda r: to_numpy(flat(*r)))

    if kind == "step":
        opt = torch.optim.Adam(params, lr=1e-3)

        def step() -> tuple:
            opt.zero_grad(set_to_none=True)
            value = loss(params, *data)
            value.backward()
            opt.step()  # trains on: every call is one more step of the same run
            return value.detach(), params

        return Runner(step, forward, lambda r: to_numpy(flat(r[0], r[1])))

    raise unsupported_kind("torch", kind)


def to_numpy(tensors: Any) -> list[np.ndarray]:
    return [t.detach().numpy().copy() for t in tensors]
