"""JAX: ``jax.value_and_grad`` over ``jax.numpy``, eager (op by op) and under ``jax.jit``.

The CNN uses ``jax.lax.conv_general_dilated`` (NCHW/OIHW, valid), the RNNs ``jax.lax.scan``
(which traces and compiles its body even in the eager variant).

x64 is enabled in every worker so float64 runs are float64 (float32 inputs stay float32).
Results are waited for with ``jax.block_until_ready``; CPU time is taken for the whole
process, so work done on XLA's threads is counted too.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..workloads import Case, Ops, adam_init, adam_update
from . import Runner, flat, unsupported_kind


def setup() -> dict:
    jax.config.update("jax_enable_x64", True)
    return {
        "versions": {"jax": jax.__version__, "jaxlib": version("jaxlib")},
        "settings": ["jax_enable_x64=True", f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')}"],
        "variants": ["jax", "jax-jit"],
    }


def _identity(f: Any) -> Any:
    return f


def conv2d(x: Any, w: Any) -> Any:
    return jax.lax.conv_general_dilated(
        x, w, window_strides=(1, 1), padding="VALID", dimension_numbers=("NCHW", "OIHW", "NCHW")
    )


OPS = Ops(jnp, conv2d=conv2d, scan=jax.lax.scan)


def build(variant: str, case: Case) -> Runner:
    params = tuple(jnp.asarray(p) for p in case.params)
    data = tuple(jnp.asarray(d) for d in case.data)
    kind = case.workload.kind
    loss = case.loss(OPS)
    jit = jax.jit if variant == "jax-jit" else _identity
    ready = jax.block_until_ready
    fwd = jit(loss)

    def forward() -> Any:
        return ready(fwd(params, *data))

    if kind == "loss":
        vg = jit(jax.value_and_grad(loss))
        return Runner(lambda: ready(vg(params, *data)), forward, lambda r: to_numpy(flat(*r)))

    if kind == "step":
        state = adam_init(params, jnp.zeros_like)

        def step(params: Any, state: Any, *data: Any) -> tuple:
            value, grads = jax.value_and_grad(loss)(params, *data)
            new_params, state = adam_update(jnp.sqrt, grads, state, params)
            return value, new_params, state

        step = jit(step)
        return Runner(
            lambda: ready(step(params, state, *data)), forward,
            lambda r: to_numpy(flat(r[0], r[1])),
        )  # fmt: skip

    if kind == "per_example":
        per_example = jit(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
        return Runner(lambda: ready(per_example(params, *data)), forward, to_numpy)

    raise unsupported_kind(variant, kind)


def to_numpy(arrays: Any) -> list[np.ndarray]:
    return [np.asarray(a) for a in arrays]
