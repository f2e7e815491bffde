"""Pure optimizers over pytrees, with optax's formulas and defaults for the same names.

An optimizer is a ``GradientTransformation``: ``state = opt.init(params)``, then
``updates, state = opt.update(grads, state, params)`` and
``params = apply_updates(params, updates)``. Nothing is mutated, and states are frozen
attrs classes (pytrees), so they can be saved, compared, vmapped and jitted.

Complex parameters follow optax: every square is ``|g|**2 = real(conj(g) * g)`` and
every norm ``sqrt(sum |g|**2)``, so a complex leaf is optimised as the pair of its real
and imaginary parts *when the optimizer is given* ``conj`` *of JAX's gradient*. JAX's
(and funcgrad's) ``grad`` of a real loss ``f(z)`` returns ``df/dx - i df/dy``
(``grad(lambda z: abs(z)**2)(3+4j) == 6-8j``), the conjugate of the ascent direction;
as optax asks, conjugate it before ``update``:
``opt.update(tree.map(fnp.conj, grads), state, params)``.

Example:
  >>> import numpy as np
  >>> from funcgrad import optim
  >>> opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adam(learning_rate=1e-2))
  >>> params = {"w": np.zeros(3)}
  >>> state = opt.init(params)
  >>> updates, state = opt.update({"w": np.array([3.0, 0.0, -4.0])}, state, params)
  >>> optim.apply_updates(params, updates)["w"].round(6)
  array([-0.01,  0.  ,  0.01])
"""

from typing import TYPE_CHECKING

from ..core.namespace import public_namespace
from .adding import (
    AddDecayedWeightsState as AddDecayedWeightsState,
    AddNoiseState as AddNoiseState,
    add_decayed_weights as add_decayed_weights,
    add_noise as add_noise,
)
from .alias import (
    adafactor as adafactor,
    adagrad as adagrad,
    noisy_sgd as noisy_sgd,
    rmsprop as rmsprop,
    sgd as sgd,
)
from .alias_adam import (
    adam as adam,
    adamax as adamax,
    adamw as adamw,
    lamb as lamb,
    lion as lion,
    nadam as nadam,
)
from .base import (
    ChainState as ChainState,
    EmptyState as EmptyState,
    GradientTransformation as GradientTransformation,
    OptState as OptState,
    Params as Params,
    ScalarOrSchedule as ScalarOrSchedule,
    Schedule as Schedule,
    TransformInitFn as TransformInitFn,
    TransformUpdateFn as TransformUpdateFn,
    Updates as Updates,
    apply_updates as apply_updates,
    chain as chain,
    identity as identity,
)
from .clipping import (
    clip as clip,
    clip_by_block_rms as clip_by_block_rms,
    clip_by_global_norm as clip_by_global_norm,
    global_norm as global_norm,
)
from .combine import MultiTransformState as MultiTransformState, multi_transform as multi_transform
from .factorized import (
    FactoredState as FactoredState,
    decay_rate_pow as decay_rate_pow,
    scale_by_factored_rms as scale_by_factored_rms,
)
from .inject import (
    InjectHyperparamsState as InjectHyperparamsState,
    inject_hyperparams as inject_hyperparams,
)
from .moments import (
    ScaleByAdagradState as ScaleByAdagradState,
    ScaleByAdamState as ScaleByAdamState,
    ScaleByLionState as ScaleByLionState,
    ScaleByRmsState as ScaleByRmsState,
    scale_by_adagrad as scale_by_adagrad,
    scale_by_adam as scale_by_adam,
    scale_by_adamax as scale_by_adamax,
    scale_by_lion as scale_by_lion,
    scale_by_rms as scale_by_rms,
)
from .schedules import (
    constant_schedule as constant_schedule,
    cosine_decay_schedule as cosine_decay_schedule,
    exponential_decay as exponential_decay,
    join_schedules as join_schedules,
    linear_schedule as linear_schedule,
    piecewise_constant_schedule as piecewise_constant_schedule,
    warmup_cosine_decay_schedule as warmup_cosine_decay_schedule,
    warmup_exponential_decay_schedule as warmup_exponential_decay_schedule,
)
from .transforms import (
    ApplyEveryState as ApplyEveryState,
    EmaState as EmaState,
    ScaleByScheduleState as ScaleByScheduleState,
    TraceState as TraceState,
    apply_every as apply_every,
    ema as ema,
    scale as scale,
    scale_by_learning_rate as scale_by_learning_rate,
    scale_by_param_block_rms as scale_by_param_block_rms,
    scale_by_schedule as scale_by_schedule,
    scale_by_trust_ratio as scale_by_trust_ratio,
    set_to_zero as set_to_zero,
    trace as trace,
)
from .wrappers import (
    MaskedNode as MaskedNode,
    MaskedState as MaskedState,
    MultiSteps as MultiSteps,
    MultiStepsState as MultiStepsState,
    masked as masked,
    skip_large_updates as skip_large_updates,
    skip_not_finite as skip_not_finite,
)

__all__ = [
    "AddDecayedWeightsState",
    "AddNoiseState",
    "ApplyEveryState",
    "ChainState",
    "EmaState",
    "EmptyState",
    "FactoredState",
    "GradientTransformation",
    "InjectHyperparamsState",
    "MaskedNode",
    "MaskedState",
    "MultiSteps",
    "MultiStepsState",
    "MultiTransformState",
    "OptState",
    "Params",
    "ScalarOrSchedule",
    "ScaleByAdagradState",
    "ScaleByAdamState",
    "ScaleByLionState",
    "ScaleByRmsState",
    "ScaleByScheduleState",
    "Schedule",
    "TraceState",
    "TransformInitFn",
    "TransformUpdateFn",
    "Updates",
    "adafactor",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "add_decayed_weights",
    "add_noise",
    "apply_every",
    "apply_updates",
    "chain",
    "clip",
    "clip_by_block_rms",
    "clip_by_global_norm",
    "constant_schedule",
    "cosine_decay_schedule",
    "decay_rate_pow",
    "ema",
    "exponential_decay",
    "global_norm",
    "identity",
    "inject_hyperparams",
    "join_schedules",
    "lamb",
    "linear_schedule",
    "lion",
    "masked",
    "multi_transform",
    "nadam",
    "noisy_sgd",
    "piecewise_constant_schedule",
    "rmsprop",
    "scale",
    "scale_by_adagrad",
    "scale_by_adam",
    "scale_by_adamax",
    "scale_by_factored_rms",
    "scale_by_learning_rate",
    "scale_by_lion",
    "scale_by_param_block_rms",
    "scale_by_rms",
    "scale_by_schedule",
    "scale_by_trust_ratio",
    "set_to_zero",
    "sgd",
    "skip_large_updates",
    "skip_not_finite",
    "trace",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
