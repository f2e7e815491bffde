"""The popular optimizers, each a ``chain`` of building blocks, as optax builds them.

No formula lives here: every alias only chains transformations (and so produces optax's
trajectories for the same names and defaults). The state of each is a ``ChainState``.
This module holds SGD and its noisy variant, Adagrad, RMSProp and Adafactor; the Adam
family (Adam, NAdam, AdamW, Adamax, LAMB, Lion) is in ``optim.alias_adam``. Imports only
the optim modules that define the blocks.
"""

from __future__ import annotations

from typing import Any

from .adding import add_decayed_weights, add_noise
from .base import GradientTransformation, ScalarOrSchedule, chain, identity
from .clipping import clip_by_block_rms
from .factorized import scale_by_factored_rms
from .moments import scale_by_adagrad, scale_by_rms
from .transforms import ema, scale, scale_by_learning_rate, scale_by_param_block_rms, trace
from .wrappers import MaskOrFn


def _momentum(momentum: float | None, nesterov: bool) -> GradientTransformation:
    return identity() if momentum is None else trace(decay=momentum, nesterov=nesterov)


def sgd(
    learning_rate: ScalarOrSchedule, momentum: float | None = None, nesterov: bool = False
) -> GradientTransformation:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``chain(trace(momentum, nesterov), scale_by_learning_rate(learning_rate))``::

        m_t = g_t + momentum * m_{t-1}                         (m_0 = 0)
        u_t = -lr_t * m_t                                      (nesterov=False)
        u_t = -lr_t * (g_t + momentum * m_t)                   (nesterov=True)
        u_t = -lr_t * g_t                                      (momentum=None)

    Args:
      learning_rate: a float, or a schedule ``count -> lr_t`` (count starts at 0).
      momentum: the momentum coefficient, or ``None`` for plain gradient descent.
      nesterov: use Nesterov's form of momentum.

    Example:
      >>> import numpy as np
      >>> opt = sgd(learning_rate=0.1)
      >>> params = np.array([1.0, 2.0])
      >>> updates, state = opt.update(np.array([1.0, -1.0]), opt.init(params), params)
      >>> updates
      array([-0.1,  0.1])
    """
    return chain(_momentum(momentum, nesterov), scale_by_learning_rate(learning_rate))


def noisy_sgd(
    learning_rate: ScalarOrSchedule, eta: float = 0.01, gamma: float = 0.55, key: Any = None
) -> GradientTransformation:
    """SGD with annealed Gaussian gradient noise (Neelakantan et al., 2015).

    ``chain(add_noise(eta, gamma, key), scale_by_learning_rate(learning_rate))``; with
    ``t = 1, 2, ...`` and ``n_t ~ N(0, 1)`` drawn from the key kept in the state::

        u_t = -lr_t * (g_t + sqrt(eta / t**gamma) * n_t)

    Args:
      learning_rate: a float or a schedule.
      eta: the noise variance at ``t = 1``.
      gamma: the decay exponent of the variance.
      key: a ``funcgrad.random`` key or an int seed; required (the noise is a pure
        function of the state, so the same key gives the same trajectory).

    Raises:
      FuncgradTypeError: if ``key`` is missing; from ``update`` under ``vmap``/``jit``
        over the state (see ``add_noise``).

    Example:
      >>> import numpy as np
      >>> from funcgrad import random
      >>> opt = noisy_sgd(learning_rate=0.1, key=random.key(0))
      >>> params = np.zeros(3)
      >>> updates, state = opt.update(np.zeros(3), opt.init(params), params)
      >>> bool(np.all(np.abs(updates) < 0.1)), bool(np.all(updates != 0))
      (True, True)
    """
    return chain(add_noise(eta, gamma, key), scale_by_learning_rate(learning_rate))


def adagrad(
    learning_rate: ScalarOrSchedule, initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    """Adagrad (Duchi et al., 2011): per-parameter steps shrinking with past gradients.

    ``chain(scale_by_adagrad(initial_accumulator_value, eps), scale_by_learning_rate(lr))``::

        s_t = s_{t-1} + |g_t|**2                               (s_0 = initial_accumulator_value)
        u_t = -lr_t * g_t / sqrt(s_t + eps)

    Args:
      learning_rate: a float or a schedule.
      initial_accumulator_value: starting value of the sum of squares (>= 0).
      eps: added inside the square root.

    Example:
      >>> import numpy as np
      >>> opt = adagrad(learning_rate=0.1, initial_accumulator_value=0.0, eps=0.0)
      >>> params = np.zeros(2)
      >>> opt.update(np.array([3.0, -0.5]), opt.init(params), params)[0]
      array([-0.1,  0.1])
    """
    return chain(
        scale_by_adagrad(initial_accumulator_value=initial_accumulator_value, eps=eps),
        scale_by_learning_rate(learning_rate),
    )


def rmsprop(
    learning_rate: ScalarOrSchedule,
    decay: float = 0.9,
    eps: float = 1e-8,
    momentum: float | None = None,
    *,
    nesterov: bool = False,
    initial_scale: float = 0.0,
    eps_in_sqrt: bool = True,
) -> GradientTransformation:
    """RMSProp (Tieleman & Hinton, 2012), optax's variant: ``eps`` inside the square root.

    ``chain(scale_by_rms(decay, eps, initial_scale, eps_in_sqrt),
    scale_by_learning_rate(lr), trace(momentum, nesterov))``::

        v_t = (1 - decay) * |g_t|**2 + decay * v_{t-1}         (v_0 = initial_scale)
        d_t = -lr_t * g_t / sqrt(v_t + eps)                    (eps_in_sqrt=False: sqrt(v_t) + eps)
        u_t = d_t                                              (momentum=None)
        m_t = d_t + momentum * m_{t-1};  u_t = m_t             (with momentum; m_0 = 0)

    Note that, as in optax, the momentum acts on the already scaled step ``d_t``.

    Args:
      learning_rate: a float or a schedule.
      decay: decay of the running mean of squared gradients.
      eps: keeps the denominator away from zero.
      momentum: momentum coefficient, or ``None`` for none.
      nesterov: keyword-only; Nesterov momentum.
      initial_scale: keyword-only; initial value of ``v``.
      eps_in_sqrt: keyword-only; ``False`` adds ``eps`` outside the root (PyTorch's form).

    Example:
      >>> import numpy as np
      >>> opt = rmsprop(learning_rate=0.01, decay=0.75, eps=0.0)
      >>> params = np.zeros(2)
      >>> opt.update(np.array([1.0, -4.0]), opt.init(params), params)[0]  # -lr * sign(g) / 0.5
      array([-0.02,  0.02])
    """
    return chain(
        scale_by_rms(decay=decay, eps=eps, initial_scale=initial_scale, eps_in_sqrt=eps_in_sqrt),
        scale_by_learning_rate(learning_rate),
        _momentum(momentum, nesterov),
    )


def adafactor(
    learning_rate: ScalarOrSchedule | None = None,
    min_dim_size_to_factor: int = 128,
    decay_rate: float = 0.8,
    decay_offset: int = 0,
    multiply_by_parameter_scale: bool = True,
    clipping_threshold: float | None = 1.0,
    momentum: float | None = None,
    dtype_momentum: Any | None = None,
    weight_decay_rate: ScalarOrSchedule | None = None,
    eps: float = 1e-30,
    factored: bool = True,
    weight_decay_mask: MaskOrFn = None,
) -> GradientTransformation:
    """Adafactor (Shazeer & Stern, 2018): Adam-like steps with factored second moments.

    A chain of ``scale_by_factored_rms(factored, decay_rate, decay_offset,
    min_dim_size_to_factor, eps)``, then, each only when its argument is set,
    ``clip_by_block_rms(clipping_threshold)``, ``scale_by_learning_rate(lr,
    flip_sign=False)``, ``scale_by_param_block_rms()`` (``multiply_by_parameter_scale``),
    ``ema(momentum, debias=False)``, ``add_decayed_weights(weight_decay_rate,
    weight_decay_mask)``, and finally ``scale(-1)``. Per leaf, with ``v_hat_t`` the
    (factored) running mean of ``|g|**2 + eps`` with decay ``b_t = 1 - t**(-decay_rate)``::

        d_t = g_t / sqrt(v_hat_t)
        d_t = d_t / max(1, rms(d_t) / clipping_threshold)
        u_t = -lr_t * max(rms(p_t), 1e-3) * d_t        (then momentum, weight decay)

    Args:
      learning_rate: a float, a schedule, or ``None`` (no learning-rate scaling).
      min_dim_size_to_factor: factor a leaf only if two dimensions are this big.
      decay_rate: the exponent of the second-moment decay.
      decay_offset: steps to subtract (restarts the decay when fine-tuning).
      multiply_by_parameter_scale: scale steps by the RMS of each parameter leaf.
      clipping_threshold: the update-RMS clipping threshold (>= 1), or ``None``.
      momentum: the ``ema`` decay of the updates, or ``None`` for no momentum.
      dtype_momentum: the dtype of the momentum buffer; ``None`` keeps the params'
        (optax defaults to float32).
      weight_decay_rate: decoupled weight decay (float or schedule), or ``None``.
      eps: added to the squared gradients.
      factored: use factored second moments where possible.
      weight_decay_mask: which leaves to decay (see ``add_decayed_weights``).

    Example:
      >>> import numpy as np
      >>> opt = adafactor(learning_rate=0.1)
      >>> params = np.array([1.0, -2.0])
      >>> updates, state = opt.update(np.array([0.5, 0.5]), opt.init(params), params)
      >>> updates.round(6)
      array([-0.158114, -0.158114])
    """
    transforms = [
        scale_by_factored_rms(factored, decay_rate, decay_offset, min_dim_size_to_factor, eps)
    ]
    if clipping_threshold is not None:
        transforms.append(clip_by_block_rms(clipping_threshold))
    if learning_rate is not None:
        transforms.append(scale_by_learning_rate(learning_rate, flip_sign=False))
    if multiply_by_parameter_scale:
        transforms.append(scale_by_param_block_rms())
    if momentum is not None:
        transforms.append(ema(momentum, debias=False, accumulator_dtype=dtype_momentum))
    if weight_decay_rate is not None:
        transforms.append(add_decayed_weights(weight_decay_rate, mask=weight_decay_mask))
    transforms.append(scale(-1))
    return chain(*transforms)
