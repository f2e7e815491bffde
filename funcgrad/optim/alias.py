"""The popular optimizers, each a ``chain`` of building blocks, as optax builds them.

No formula lives here: every alias only chains transformations from ``transforms`` (and
so produces optax's trajectories for the same names and defaults). The state of each is
a ``ChainState``. Imports only ``optim.base`` and ``optim.transforms``.
"""

from __future__ import annotations

from .base import GradientTransformation, ScalarOrSchedule, chain, identity
from .transforms import (
    add_decayed_weights,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)


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


def adagrad(
    learning_rate: ScalarOrSchedule, initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    """Adagrad (Duchi et al., 2011): per-parameter steps shrinking with past gradients.

    ``chain(scale_by_adagrad(initial_accumulator_value, eps), scale_by_learning_rate(lr))``::

        s_t = s_{t-1} + g_t**2                                 (s_0 = initial_accumulator_value)
        u_t = -lr_t * g_t / sqrt(s_t + eps)

    Args:
      learning_rate: a float or a schedule.
      initial_accumulator_value: starting value of the sum of squares (>= 0).
      eps: added inside the square root.
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

        v_t = (1 - decay) * g_t**2 + decay * v_{t-1}           (v_0 = initial_scale)
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
    """
    return chain(
        scale_by_rms(decay=decay, eps=eps, initial_scale=initial_scale, eps_in_sqrt=eps_in_sqrt),
        scale_by_learning_rate(learning_rate),
        _momentum(momentum, nesterov),
    )


def adam(
    learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> GradientTransformation:
    """Adam (Kingma & Ba, 2014).

    ``chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(learning_rate))``; with
    ``m_0 = v_0 = 0`` and ``t = 1, 2, ...``::

        m_t = (1 - b1) * g_t + b1 * m_{t-1}
        v_t = (1 - b2) * g_t**2 + b2 * v_{t-1}
        u_t = -lr_t * (m_t / (1 - b1**t)) / (sqrt(v_t / (1 - b2**t)) + eps)

    Args:
      learning_rate: a float or a schedule (``lr_t`` is the schedule at count ``t - 1``).
      b1: decay of the first moment.
      b2: decay of the second moment.
      eps: added to the denominator outside the square root.

    Example:
      >>> import numpy as np
      >>> opt = adam(learning_rate=1e-3)
      >>> params = {"w": np.ones(2, np.float32)}
      >>> state = opt.init(params)
      >>> updates, state = opt.update({"w": np.array([0.5, -2.0], np.float32)}, state, params)
      >>> updates["w"]  # the first Adam step is -lr * sign(g) (up to eps)
      array([-0.001,  0.001], dtype=float32)
    """
    return chain(scale_by_adam(b1=b1, b2=b2, eps=eps), scale_by_learning_rate(learning_rate))


def adamw(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-4,
) -> GradientTransformation:
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    ``chain(scale_by_adam(b1, b2, eps), add_decayed_weights(weight_decay),
    scale_by_learning_rate(learning_rate))``; with Adam's ``m_t``, ``v_t``::

        u_t = -lr_t * ((m_t / (1 - b1**t)) / (sqrt(v_t / (1 - b2**t)) + eps)
                       + weight_decay * p_t)

    As in optax (and PyTorch), the decay is multiplied by the learning rate. ``update``
    needs ``params``.

    Args:
      learning_rate: a float or a schedule.
      b1: decay of the first moment.
      b2: decay of the second moment.
      eps: added to the denominator outside the square root.
      weight_decay: the decay coefficient.
    """
    return chain(
        scale_by_adam(b1=b1, b2=b2, eps=eps),
        add_decayed_weights(weight_decay),
        scale_by_learning_rate(learning_rate),
    )
