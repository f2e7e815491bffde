"""The Adam family: Adam, NAdam, AdamW, Adamax, LAMB and Lion, as optax builds them.

No formula lives here: each optimizer only chains blocks from ``optim.moments``,
``optim.adding`` and ``optim.transforms``, so it produces optax's trajectories for the
same names and defaults. The state of each is a ``ChainState``. In the equations ``g_t``
is the gradient, ``p_t`` the parameter, ``t = 1, 2, ...`` the step, ``lr_t`` the learning
rate (a schedule is read at count ``t - 1``), and ``|g|**2 = real(conj(g) * g)``.
Imports only those optim modules.
"""

from __future__ import annotations

from typing import Any

from .adding import add_decayed_weights
from .base import GradientTransformation, ScalarOrSchedule, chain
from .moments import scale_by_adam, scale_by_adamax, scale_by_lion
from .transforms import scale_by_learning_rate, scale_by_trust_ratio
from .wrappers import MaskOrFn


def adam(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any | None = None,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Adam (Kingma & Ba, 2014).

    ``chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
    scale_by_learning_rate(learning_rate))``; with ``m_0 = v_0 = 0``::

        m_t = (1 - b1) * g_t + b1 * m_{t-1}
        v_t = (1 - b2) * |g_t|**2 + b2 * v_{t-1}
        m_hat = m_t / (1 - b1**t)
        m_hat = b1 * m_t / (1 - b1**(t+1)) + (1 - b1) * g_t / (1 - b1**t)   (nesterov)
        u_t = -lr_t * m_hat / (sqrt(v_t / (1 - b2**t) + eps_root) + eps)

    Args:
      learning_rate: a float or a schedule (``lr_t`` is the schedule at count ``t - 1``).
      b1: decay of the first moment.
      b2: decay of the second moment.
      eps: added to the denominator outside the square root.
      eps_root: added inside the square root (e.g. to differentiate through the update).
      mu_dtype: the dtype of the first moment; ``None`` keeps the params'.
      nesterov: keyword-only; Nesterov momentum (this is ``nadam``).

    Example:
      >>> import numpy as np
      >>> opt = adam(learning_rate=1e-3)
      >>> params = {"w": np.ones(2, np.float32)}
      >>> state = opt.init(params)
      >>> updates, state = opt.update({"w": np.array([0.5, -2.0], np.float32)}, state, params)
      >>> updates["w"]  # the first Adam step is -lr * sign(g) (up to eps)
      array([-0.001,  0.001], dtype=float32)
    """
    return chain(
        scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
        scale_by_learning_rate(learning_rate),
    )


def nadam(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any | None = None,
) -> GradientTransformation:
    """NAdam (Dozat, 2016): Adam with Nesterov momentum, ``adam(..., nesterov=True)``.

    With Adam's ``m_t`` and ``v_t``::

        m_hat = b1 * m_t / (1 - b1**(t+1)) + (1 - b1) * g_t / (1 - b1**t)
        u_t = -lr_t * m_hat / (sqrt(v_t / (1 - b2**t) + eps_root) + eps)

    Args: as ``adam``.

    Example:
      >>> import numpy as np
      >>> opt = nadam(learning_rate=0.1)
      >>> params = np.zeros(2)
      >>> opt.update(np.array([2.0, -1.0]), opt.init(params), params)[0].round(6)
      array([-0.147368,  0.147368])
    """
    return adam(learning_rate, b1, b2, eps, eps_root, mu_dtype, nesterov=True)


def adamw(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: ScalarOrSchedule = 1e-4,
    *,
    eps_root: float = 0.0,
    mu_dtype: Any | None = None,
    mask: MaskOrFn = None,
    nesterov: bool = False,
) -> GradientTransformation:
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    ``chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
    add_decayed_weights(weight_decay, mask), scale_by_learning_rate(learning_rate))``;
    with Adam's ``m_hat`` and ``v_t``::

        u_t = -lr_t * (m_hat / (sqrt(v_t / (1 - b2**t) + eps_root) + eps)
                       + weight_decay * p_t)

    As in optax (and PyTorch), the decay is multiplied by the learning rate. ``update``
    needs ``params``. (``weight_decay`` is the fifth positional argument, as funcgrad's
    API fixes; optax's extra arguments are keyword-only here.)

    Args:
      learning_rate: a float or a schedule.
      b1: decay of the first moment.
      b2: decay of the second moment.
      eps: added to the denominator outside the square root.
      weight_decay: the decay coefficient, a float or a schedule.
      eps_root: keyword-only; added inside the square root.
      mu_dtype: keyword-only; the dtype of the first moment.
      mask: keyword-only; which leaves to decay (see ``add_decayed_weights``).
      nesterov: keyword-only; Nesterov momentum.

    Example:
      >>> import numpy as np
      >>> opt = adamw(learning_rate=0.1, weight_decay=0.5)
      >>> params = np.array([2.0, 0.0])
      >>> opt.update(np.array([1.0, -1.0]), opt.init(params), params)[0].round(6)
      array([-0.2,  0.1])
    """
    return chain(
        scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    )


def adamax(
    learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> GradientTransformation:
    """Adamax (Kingma & Ba, 2014, section 7.1): Adam with an infinity norm.

    ``chain(scale_by_adamax(b1, b2, eps), scale_by_learning_rate(learning_rate))``; with
    ``m_0 = v_0 = 0``::

        m_t = (1 - b1) * g_t + b1 * m_{t-1}
        v_t = max(|g_t| + eps, b2 * v_{t-1})
        u_t = -lr_t * (m_t / (1 - b1**t)) / v_t

    Args:
      learning_rate: a float or a schedule.
      b1: decay of the first moment.
      b2: decay of the running maximum of ``|g|``.
      eps: added to ``|g|``.

    Example:
      >>> import numpy as np
      >>> opt = adamax(learning_rate=0.1, eps=0.0)
      >>> params = np.zeros(2)
      >>> opt.update(np.array([2.0, -0.5]), opt.init(params), params)[0]
      array([-0.1,  0.1])
    """
    return chain(scale_by_adamax(b1, b2, eps), scale_by_learning_rate(learning_rate))


def lamb(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-6,
    eps_root: float = 0.0,
    weight_decay: ScalarOrSchedule = 0.0,
    mask: MaskOrFn = None,
) -> GradientTransformation:
    """LAMB (You et al., 2020): Adam steps rescaled per leaf by a trust ratio.

    ``chain(scale_by_adam(b1, b2, eps, eps_root), add_decayed_weights(weight_decay,
    mask), scale_by_trust_ratio(), scale_by_learning_rate(learning_rate))``; per leaf,
    with Adam's step ``a_t = m_hat / (sqrt(v_hat + eps_root) + eps)``::

        d_t = a_t + weight_decay * p_t
        u_t = -lr_t * (||p_t|| / ||d_t||) * d_t      (u_t = -lr_t * d_t if a norm is 0)

    Args:
      learning_rate: a float or a schedule.
      b1: decay of the first moment.
      b2: decay of the second moment.
      eps: added to the denominator outside the square root.
      eps_root: added inside the square root.
      weight_decay: the decay coefficient, a float or a schedule.
      mask: which leaves to decay (see ``add_decayed_weights``).

    Example:
      >>> import numpy as np
      >>> opt = lamb(learning_rate=0.1)
      >>> params = np.array([3.0, 4.0])
      >>> opt.update(np.array([1.0, 1.0]), opt.init(params), params)[0].round(6)
      array([-0.353553, -0.353553])
    """
    return chain(
        scale_by_adam(b1, b2, eps, eps_root),
        add_decayed_weights(weight_decay, mask),
        scale_by_trust_ratio(),
        scale_by_learning_rate(learning_rate),
    )


def lion(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.99,
    mu_dtype: Any | None = None,
    weight_decay: ScalarOrSchedule = 1e-3,
    mask: MaskOrFn = None,
) -> GradientTransformation:
    """Lion (Chen et al., 2023): the sign of an interpolated momentum, plus weight decay.

    ``chain(scale_by_lion(b1, b2, mu_dtype), add_decayed_weights(weight_decay, mask),
    scale_by_learning_rate(learning_rate))``; with ``m_0 = 0``::

        c_t = (1 - b1) * g_t + b1 * m_{t-1}
        u_t = -lr_t * (sign(c_t) + weight_decay * p_t)
        m_t = (1 - b2) * g_t + b2 * m_{t-1}

    Its steps have norm about ``sqrt(n)``; use a learning rate 3-10x smaller than
    AdamW's and a weight decay 3-10x larger. ``update`` needs ``params``.

    Args:
      learning_rate: a float or a schedule.
      b1: weight of the momentum in the direction.
      b2: decay of the momentum.
      mu_dtype: the dtype of the momentum; ``None`` keeps the params'.
      weight_decay: the decay coefficient, a float or a schedule.
      mask: which leaves to decay (see ``add_decayed_weights``).

    Example:
      >>> import numpy as np
      >>> opt = lion(learning_rate=0.1, weight_decay=0.0)
      >>> params = np.zeros(3)
      >>> opt.update(np.array([0.3, -2.0, 1e-3]), opt.init(params), params)[0]
      array([-0.1,  0.1, -0.1])
    """
    return chain(
        scale_by_lion(b1, b2, mu_dtype),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    )
