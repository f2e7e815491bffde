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

from .alias import adagrad as adagrad
from .alias import adam as adam
from .alias import adamw as adamw
from .alias import rmsprop as rmsprop
from .alias import sgd as sgd
from .base import ChainState as ChainState
from .base import EmptyState as EmptyState
from .base import GradientTransformation as GradientTransformation
from .base import OptState as OptState
from .base import Params as Params
from .base import ScalarOrSchedule as ScalarOrSchedule
from .base import Schedule as Schedule
from .base import TransformInitFn as TransformInitFn
from .base import TransformUpdateFn as TransformUpdateFn
from .base import Updates as Updates
from .base import apply_updates as apply_updates
from .base import chain as chain
from .base import identity as identity
from .clipping import clip as clip
from .clipping import clip_by_global_norm as clip_by_global_norm
from .clipping import global_norm as global_norm
from .schedules import constant_schedule as constant_schedule
from .schedules import cosine_decay_schedule as cosine_decay_schedule
from .schedules import exponential_decay as exponential_decay
from .schedules import linear_schedule as linear_schedule
from .schedules import piecewise_constant_schedule as piecewise_constant_schedule
from .transforms import ScaleByAdagradState as ScaleByAdagradState
from .transforms import ScaleByAdamState as ScaleByAdamState
from .transforms import ScaleByRmsState as ScaleByRmsState
from .transforms import ScaleByScheduleState as ScaleByScheduleState
from .transforms import TraceState as TraceState
from .transforms import add_decayed_weights as add_decayed_weights
from .transforms import scale as scale
from .transforms import scale_by_adagrad as scale_by_adagrad
from .transforms import scale_by_adam as scale_by_adam
from .transforms import scale_by_learning_rate as scale_by_learning_rate
from .transforms import scale_by_rms as scale_by_rms
from .transforms import scale_by_schedule as scale_by_schedule
from .transforms import trace as trace
