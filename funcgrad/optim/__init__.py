"""Pure optimizers over pytrees, with optax's formulas and defaults for the same names.

An optimizer is a ``GradientTransformation``: ``state = opt.init(params)``, then
``updates, state = opt.update(grads, state, params)`` and
``params = apply_updates(params, updates)``. Nothing is mutated, and states are frozen
attrs classes (pytrees), so they can be saved, compared, vmapped and jitted.

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

from .alias import adagrad as adagrad, adam as adam, adamw as adamw, rmsprop as rmsprop, sgd as sgd
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
    clip_by_global_norm as clip_by_global_norm,
    global_norm as global_norm,
)
from .schedules import (
    constant_schedule as constant_schedule,
    cosine_decay_schedule as cosine_decay_schedule,
    exponential_decay as exponential_decay,
    linear_schedule as linear_schedule,
    piecewise_constant_schedule as piecewise_constant_schedule,
)
from .transforms import (
    ScaleByAdagradState as ScaleByAdagradState,
    ScaleByAdamState as ScaleByAdamState,
    ScaleByRmsState as ScaleByRmsState,
    ScaleByScheduleState as ScaleByScheduleState,
    TraceState as TraceState,
    add_decayed_weights as add_decayed_weights,
    scale as scale,
    scale_by_adagrad as scale_by_adagrad,
    scale_by_adam as scale_by_adam,
    scale_by_learning_rate as scale_by_learning_rate,
    scale_by_rms as scale_by_rms,
    scale_by_schedule as scale_by_schedule,
    trace as trace,
)
