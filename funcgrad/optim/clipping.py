"""Gradient clipping: elementwise (``clip``) and by the global norm of the whole tree.

Stateless transformations with optax's formulas, written with ``funcgrad.numpy`` so they
run under funcgrad's transformations. Norms of complex leaves use ``|x|**2 =
real(conj(x) * x)``, as optax does. Imports only ``funcgrad.tree``, ``funcgrad.numpy``,
``funcgrad.core.errors``, ``optim.base`` and ``optim._numerics``.
"""

from __future__ import annotations

import funcgrad.numpy as fnp
from funcgrad import tree as fgtree
from funcgrad.core.errors import FuncgradTypeError

from ._numerics import Numeric, abs_sq, cast_like, is_complex
from .base import GradientTransformation, OptState, Params, PyTree, Updates, init_empty


def global_norm(tree: PyTree) -> Numeric:
    """The L2 norm of all leaves of ``tree`` taken together: ``sqrt(sum_leaves sum(|x|**2))``.

    ``|x|**2`` is ``real(conj(x) * x)``, so complex leaves count as pairs of reals and the
    norm is always real. Returns a 0-d value in the promoted real dtype of the leaves (0.0
    for a tree without leaves).

    Example:
      >>> import numpy as np
      >>> float(global_norm({"a": np.array([3.0]), "b": np.array([[4.0]])}))
      5.0
    """
    return fnp.sqrt(sum(fnp.sum(abs_sq(x)) for x in fgtree.leaves(tree)))


def clip(max_delta: Numeric) -> GradientTransformation:
    """Clip every element of every update to ``[-max_delta, max_delta]``.

    ``u = clip(g, -max_delta, max_delta)``. Stateless.

    Raises:
      FuncgradTypeError: from ``update``, for complex updates (they have no order; as in
        JAX, use ``clip_by_global_norm`` or ``clip_by_block_rms`` instead).

    Example:
      >>> import numpy as np
      >>> clip(1.0).update(np.array([-3.0, 0.5, 2.0]), None)[0]
      array([-1. ,  0.5,  1. ])
    """

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        del params

        def clip_leaf(g: Numeric) -> Numeric:
            if is_complex(g):
                raise FuncgradTypeError(
                    f"clip: complex updates ({g.dtype}) cannot be clipped elementwise; "
                    "use clip_by_global_norm or clip_by_block_rms, which scale by norms"
                )
            bound = cast_like(max_delta, g)
            return fnp.clip(g, -bound, bound)

        return fgtree.map(clip_leaf, updates), state

    return GradientTransformation(init_empty, update)


def clip_by_global_norm(max_norm: Numeric) -> GradientTransformation:
    """Rescale the updates so that their global norm is at most ``max_norm``.

    With ``n = global_norm(g)`` over all leaves::

        u = g                        if n < max_norm
        u = (g / n) * max_norm       otherwise

    so the direction is kept and ``global_norm(u) <= max_norm`` (Pascanu et al., 2012).
    Stateless; ``max_norm`` must be positive.
    """

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        del params
        norm = global_norm(updates)
        keep = norm < max_norm
        # In the kept branch the norm may be 0; divide by 1 there so the discarded branch
        # raises no 0/0 warning and its derivative stays finite.
        safe_norm = fnp.where(keep, 1, norm)

        def clip_leaf(g: Numeric) -> Numeric:
            return fnp.where(keep, g, (g / cast_like(safe_norm, g)) * cast_like(max_norm, g))

        return fgtree.map(clip_leaf, updates), state

    return GradientTransformation(init_empty, update)


def clip_by_block_rms(threshold: Numeric) -> GradientTransformation:
    """Scale each leaf's update down so that its root mean square is at most ``threshold``.

    For every leaf, ``u = g / max(1, sqrt(mean |g|**2) / threshold)`` (Adafactor's update
    clipping). Stateless.

    Example:
      >>> import numpy as np
      >>> clip_by_block_rms(1.0).update(np.array([3.0, -3.0]), None)[0]
      array([ 1., -1.])
    """

    def update(
        updates: Updates, state: OptState, params: Params | None = None
    ) -> tuple[Updates, OptState]:
        del params

        def clip_leaf(g: Numeric) -> Numeric:
            rms = fnp.sqrt(fnp.mean(abs_sq(g)))
            return g / cast_like(fnp.maximum(1.0, rms / threshold), g)

        return fgtree.map(clip_leaf, updates), state

    return GradientTransformation(init_empty, update)
