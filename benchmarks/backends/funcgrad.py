"""funcgrad: eager ``value_and_grad`` over ``funcgrad.numpy``; ``vmap(grad)`` per example.

The CNN uses ``funcgrad.nn.conv2d``, the RNNs ``funcgrad.scan``.

Variants: ``funcgrad`` (eager). ``funcgrad-jit`` is added automatically once
``funcgrad.jit`` exists (the same calls wrapped in ``jit``; its first call is what a jit
user waits for).
"""

from __future__ import annotations

from typing import Any

import funcgrad as fg
import funcgrad.nn
import funcgrad.numpy as fnp

from ..workloads import Case, Ops
from . import Runner, Unsupported, flat, unsupported_kind

# funcgrad.numpy plus the CNN's conv2d and the RNNs' scan (see workloads.py).
OPS = Ops(fnp, conv2d=funcgrad.nn.conv2d, scan=fg.scan)


def setup() -> dict:
    variants = ["funcgrad"]
    if hasattr(fg, "jit"):
        variants.append("funcgrad-jit")
    return {"versions": {"funcgrad": fg.__version__}, "settings": [], "variants": variants}


def _optim() -> Any:
    try:
        import funcgrad.optim as optim

        optim.adam, optim.apply_updates  # noqa: B018 - probe the API
    except (ImportError, AttributeError) as e:
        raise Unsupported(f"funcgrad.optim not usable: {e}") from e
    return optim


def _identity(f: Any) -> Any:
    return f


def build(variant: str, case: Case) -> Runner:
    params, data, kind = case.params, case.data, case.workload.kind
    loss = case.loss(OPS)
    jit = fg.jit if variant == "funcgrad-jit" else _identity
    vg = jit(fg.value_and_grad(loss))
    fwd = jit(loss)

    if kind == "loss":
        extra = {}
        if case.workload.fd and variant == "funcgrad":
            from funcgrad.testing import numerical_grad

            x, y = data
            extra["fd"] = lambda: numerical_grad(lambda p: loss(p, x, y), params)
        return Runner(
            lambda: vg(params, *data), lambda: fwd(params, *data), lambda r: flat(*r), extra
        )

    if kind == "step":
        optim = _optim()
        opt = optim.adam(1e-3)
        state = opt.init(params)

        def step(params: Any, state: Any, *data: Any) -> tuple:
            value, grads = fg.value_and_grad(loss)(params, *data)
            updates, state = opt.update(grads, state, params)
            return value, optim.apply_updates(params, updates), state

        step = jit(step)
        return Runner(
            lambda: step(params, state, *data), lambda: fwd(params, *data),
            lambda r: flat(r[0], r[1]),
        )  # fmt: skip

    if kind == "per_example":
        per_example = jit(fg.vmap(fg.grad(loss), in_axes=(None, 0, 0)))
        return Runner(lambda: per_example(params, *data), lambda: fwd(params, *data), list)

    raise unsupported_kind(variant, kind)
