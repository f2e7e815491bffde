"""funcgrad.scipy.integrate: ``odeint``, adaptive Runge-Kutta integration with adjoint gradients.

The solver is Dormand-Prince 5(4) with adaptive steps (Dormand & Prince 1980; the initial
step as Hairer, Norsett & Wanner, "Solving ODEs I", II.4), in numpy, on the state raveled
to one float64 vector; it steps exactly onto each requested time. Gradients come from the
adjoint method (Chen et al. 2018, arXiv:1806.07366, App. C; as ``jax.experimental.ode``):
the state, its adjoint ``a`` and the running cotangents of ``t[0]`` and ``args`` are
integrated backwards from each output time to the previous one with the same solver,
``da/ds = a^T df/dy``, ``d args_bar/ds = a^T df/dargs``, ``d t0_bar/ds = a^T df/dt`` (``s =
-t``), each right-hand side one ``funcgrad.vjp`` of ``func``. So reverse mode costs one
backward solve and no stored trajectory. It is wired in with ``custom_vjp``; the forward
solve cannot be traced, so forward mode, ``vmap``, ``jit`` and second derivatives raise a
clear error. Layer 5: imports tree, core's errors and the transformations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tree
from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.namespace import public_namespace
from ..core.trace import Tracer, is_traced
from ..transforms.custom import custom_vjp
from ..transforms.differentiate import vjp

__all__ = ["odeint"]

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)


# Dormand-Prince 5(4): nodes, stage weights, 5th-order weights, and the 5th minus the
# embedded 4th-order weights (the local error estimate).
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = (
    np.array([1 / 5]),
    np.array([3 / 40, 9 / 40]),
    np.array([44 / 45, -56 / 15, 32 / 9]),
    np.array([19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]),
    np.array([9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]),
    np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]),
)
_E = np.array([71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40])
_SAFETY, _MAX_GROWTH, _MAX_SHRINK = 0.9, 10.0, 0.2

_UNTRACEABLE = (
    "odeint supports reverse-mode derivatives of first order (grad, value_and_grad, vjp "
    "with array cotangents): its solver runs in numpy on concrete values, so jvp, jacfwd, "
    "jacrev, hessian, vmap, jit and derivatives of derivatives cannot trace through it. "
    "Call odeint outside those transformations (e.g. loop over a batch, or take "
    "gradients one output at a time)."
)
_CLOSURE = (
    "odeint: `func` returned a traced value for untraced inputs, so it closes over a value "
    "being differentiated (e.g. a parameter from an enclosing function). Pass that value "
    "to odeint as an extra argument instead: odeint(func, y0, t, params), with "
    "func(y, t, params)."
)

Flat = Callable[[np.ndarray, float], np.ndarray]


# --- the solver ------------------------------------------------------------------------


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0


def _initial_step(f: Flat, t0: float, y0, f0, rtol: float, atol: float) -> float:
    scale = atol + np.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    d2 = _rms((f(y0 + h0 * f0, t0 + h0) - f0) / scale) / h0
    d = max(d1, d2)
    h1 = max(1e-6, h0 * 1e-3) if d <= 1e-15 else (0.01 / d) ** (1 / 5)
    return min(100 * h0, h1)


def _step(f: Flat, t: float, y, fy, h: float):
    """One Dormand-Prince step: ``(y_new, f(y_new), error estimate)``."""
    k = np.empty((7, y.size))
    k[0] = fy
    for i, a in enumerate(_A, start=1):
        k[i] = f(y + h * (a @ k[:i]), t + _C[i] * h)
    return y + h * (_A[-1] @ k[:6]), k[6], h * (_E @ k)


def _solve(f: Flat, y0, ts, rtol: float, atol: float, mxstep: float, hmax: float):
    """``y`` at each of the increasing times ``ts``, as rows of a float64 matrix."""
    t, y = float(ts[0]), y0
    fy = f(y, t)
    h = min(_initial_step(f, t, y, fy, rtol, atol), hmax)
    ys = [y0]
    for target in map(float, ts[1:]):
        steps = 0
        while t < target:
            if steps >= mxstep:
                raise FuncgradValueError(
                    f"odeint: more than mxstep={mxstep:g} steps between t={t:.6g} and "
                    f"t={target:.6g}; raise `mxstep`, or loosen `rtol`/`atol` (the problem "
                    "may be stiff)"
                )
            steps += 1
            land = h >= target - t
            step = target - t if land else h
            y_new, f_new, err = _step(f, t, y, fy, step)
            with np.errstate(over="ignore", invalid="ignore"):
                tol = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
                ratio = _rms(err / tol)
            ratio = math.inf if math.isnan(ratio) else ratio
            accept = ratio <= 1.0
            if ratio == 0.0:
                factor = _MAX_GROWTH
            else:
                floor = 1.0 if accept else _MAX_SHRINK
                factor = min(_MAX_GROWTH, max(floor, _SAFETY * ratio ** (-1 / 5)))
            proposal = min(step * factor, hmax)
            if accept:
                t, y, fy = (target if land else t + step), y_new, f_new
                # a step shortened to land on `target` says nothing against the old size
                h = max(h, proposal) if land else proposal
            else:
                h = proposal
            if t + h <= t:
                raise FuncgradValueError(
                    f"odeint: the step size underflowed at t={t:.6g} (the solution may blow "
                    "up, become non-finite, or be too stiff for an explicit method)"
                )
        ys.append(y)
    return np.stack(ys)


# --- pytrees <-> the flat float64 state -------------------------------------------------


def _ravel(leaves: list) -> np.ndarray:
    return np.concatenate([np.ravel(x).astype(np.float64) for x in leaves] or [np.zeros(0)])


class _Layout:
    """Where each leaf of a pytree sits in the raveled float64 vector."""

    def __init__(self, like: list) -> None:
        self.shapes = [np.shape(x) for x in like]
        self.offsets = np.cumsum([0, *(math.prod(s) for s in self.shapes)])

    def unravel(self, v: np.ndarray) -> list:
        """Leaves from a vector (or, along the last axis, from rows of vectors)."""
        bounds = zip(self.offsets[:-1], self.offsets[1:], self.shapes, strict=True)
        return [v[..., a:b].reshape((*v.shape[:-1], *s)) for a, b, s in bounds]


def _is_float(x: Any) -> bool:
    return hasattr(x, "dtype") and np.issubdtype(x.dtype, np.floating)


def _flat_func(func: Callable, y_def, layout: _Layout, args: tuple) -> Flat:
    """``func`` on the raveled state, checking what it returns."""
    shapes = layout.shapes

    def f(y: np.ndarray, t: float) -> np.ndarray:
        out = func(tree.unflatten(y_def, layout.unravel(y)), np.asarray(t), *args)
        leaves, out_def = tree.flatten(out)
        if out_def != y_def or [np.shape(x) for x in leaves] != shapes:
            raise FuncgradValueError(
                f"odeint: func(y, t, *args) must return the structure and shapes of y0 "
                f"({y_def}, shapes {shapes}), got {out_def} with shapes "
                f"{[np.shape(x) for x in leaves]}"
            )
        if is_traced(leaves):
            raise FuncgradTypeError(_CLOSURE)
        return _ravel(leaves)

    return f


# --- odeint -----------------------------------------------------------------------------


def _check_times(ts: np.ndarray) -> None:
    if ts.size and not (np.isfinite(ts).all() and (np.diff(ts) > 0).all()):
        raise FuncgradValueError(
            f"odeint: `t` must be finite and strictly increasing, got {ts}; sort it (and "
            "drop repeats)"
        )


def odeint(
    func: Callable[..., Any],
    y0: Any,
    t: Any,
    *args: Any,
    rtol: float = 1.4e-8,
    atol: float = 1.4e-8,
    mxstep: float = math.inf,
    hmax: float = math.inf,
) -> Any:
    """Integrate ``dy/dt = func(y, t, *args)`` from ``y(t[0]) = y0`` (jax.experimental.ode).

    Adaptive Dormand-Prince 5(4) steps with local error at most ``atol + rtol * |y|``
    (root-mean-square over the state); gradients with respect to ``y0``, ``t`` and
    ``args`` by the adjoint method (one backward solve). Reverse mode of first order only:
    ``jvp``, ``jacfwd``, ``jacrev``, ``hessian``, ``vmap``, ``jit`` and second derivatives
    raise ``FuncgradTypeError``. The state is integrated in float64; results keep the
    float dtypes of ``y0``'s leaves.

    Args:
      func: ``func(y, t, *args)`` returns ``dy/dt`` with ``y0``'s structure and shapes;
        ``t`` arrives as a 0-d float64 array. It must use ``funcgrad.numpy`` for the
        gradients, and may not close over values being differentiated (pass them in
        ``args``).
      y0: float array or pytree of float arrays.
      t: 1-D float array of strictly increasing times; ``t[0]`` is the initial time.
      args: extra arguments of ``func`` (pytrees of arrays or scalars); float leaves are
        differentiated, the others are constants.
      rtol, atol: relative and absolute local error tolerances.
      mxstep: most steps (accepted or not) between two consecutive times.
      hmax: largest step size.

    Returns:
      ``y`` at every time of ``t``: ``y0``'s structure with a new leading axis ``len(t)``.

    Raises:
      FuncgradTypeError: non-float ``y0`` or ``t``, an untraceable transformation, or a
        ``func`` that closes over traced values. FuncgradValueError: bad ``t`` or
        tolerances, a ``func`` returning the wrong structure, more than ``mxstep`` steps,
        or a step size that underflows.

    Example:
      >>> y = odeint(lambda y, t, k: -k * y, np.array(1.0), np.array([0.0, 1.0]), 0.5)
      >>> bool(abs(y[1] - np.exp(-0.5)) < 1e-7)
      True
    """
    for name, v in (("rtol", rtol), ("atol", atol), ("mxstep", mxstep), ("hmax", hmax)):
        number = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        if not (number and v > 0):
            raise FuncgradValueError(f"odeint: `{name}` must be a positive number, got {v!r}")
    y0 = tree.map(lambda x: x if isinstance(x, Tracer) else np.asarray(x), y0)
    y_leaves, y_def = tree.flatten(y0)
    for i, x in enumerate(y_leaves):
        if not _is_float(x):
            raise FuncgradTypeError(
                f"odeint: every leaf of y0 must be a float array; leaf {i} has dtype "
                f"{getattr(x, 'dtype', type(x).__name__)}; convert it with .astype(float)"
            )
    t = t if isinstance(t, Tracer) else np.asarray(t)
    if t.ndim != 1 or t.shape[0] < 1 or not _is_float(t):
        raise FuncgradTypeError(
            f"odeint: `t` must be a non-empty 1-D float array of times, got {t.dtype}"
            f"{list(t.shape)}; e.g. np.linspace(0.0, 1.0, 11)"
        )
    for x in tree.leaves(args):
        if not (isinstance(x, (Tracer, np.ndarray, np.generic, int, float, complex, bool))):
            raise FuncgradTypeError(
                f"odeint: the contents of *args must be arrays or scalars, got {type(x).__name__}"
            )
    settings = (float(rtol), float(atol), float(mxstep), float(hmax))
    layout = _Layout(y_leaves)
    y_dtypes = [x.dtype for x in y_leaves]

    def forward(y0: Any, t: Any, args: tuple) -> tuple[Any, np.ndarray]:
        if is_traced([*tree.leaves(y0), t, *tree.leaves(args)]):
            raise FuncgradTypeError(_UNTRACEABLE)
        ts = np.asarray(t, np.float64)
        _check_times(ts)
        f = _flat_func(func, y_def, layout, args)
        ys = _solve(f, _ravel(tree.leaves(y0)), ts, *settings)
        outs = [x.astype(d) for x, d in zip(layout.unravel(ys), y_dtypes, strict=True)]
        return tree.unflatten(y_def, outs), ys

    @custom_vjp
    def _odeint(y0: Any, t: Any, *args: Any) -> Any:
        return forward(y0, t, args)[0]

    def fwd(y0: Any, t: Any, *args: Any) -> tuple[Any, tuple]:
        out, ys = forward(y0, t, args)
        return out, (ys, np.asarray(t), args)

    def bwd(res: tuple, g: Any) -> tuple:
        ys, ts, args = res
        return _adjoint(func, y_def, layout, y_dtypes, settings, ys, ts, args, g)

    _odeint.defvjp(fwd, bwd)
    return _odeint(y0, t, *args)


def _adjoint(func, y_def, layout, y_dtypes, settings, ys, ts, args, g) -> tuple:
    """Cotangents of ``(y0, t, *args)`` by integrating the adjoint system backwards."""
    g_leaves = tree.leaves(g)
    if is_traced(g_leaves):
        raise FuncgradTypeError(_UNTRACEABLE)
    count, n = ys.shape
    g_rows = np.concatenate(
        [np.reshape(np.asarray(x, np.float64), (count, -1)) for x in g_leaves]
        or [np.zeros((count, 0))],
        axis=1,
    )
    a_leaves, a_def = tree.flatten(args)
    diff = [i for i, x in enumerate(a_leaves) if _is_float(np.asarray(x))]
    p_like = [np.asarray(a_leaves[i], np.float64) for i in diff]
    p_layout = _Layout(p_like)
    p = sum(x.size for x in p_like)
    f = _flat_func(func, y_def, layout, args)

    def with_params(y_tree: Any, t: Any, *params: Any) -> Any:
        full = list(a_leaves)
        for i, v in zip(diff, params, strict=True):
            full[i] = v
        return func(y_tree, t, *tree.unflatten(a_def, full))

    def augmented(z: np.ndarray, s: float) -> np.ndarray:
        # z = [y, a, t0_bar, args_bar] at s = -t; d/ds = [-f, a^T f_y, a^T f_t, a^T f_args]
        y, a = z[:n], z[n : 2 * n]
        y_tree = tree.unflatten(y_def, layout.unravel(y))
        out, pullback = vjp(with_params, y_tree, np.asarray(-s), *p_like)
        cts = pullback(tree.unflatten(y_def, layout.unravel(a)))
        return np.concatenate(
            [-_ravel(tree.leaves(out)), _ravel(tree.leaves(cts[0])), [float(cts[1])],
             _ravel(list(cts[2:]))]
        )  # fmt: skip

    a = g_rows[-1].copy()
    t0_bar, p_bar = 0.0, np.zeros(p)
    t_bar = np.zeros(count)
    for i in range(count - 1, 0, -1):
        t_bar[i] = f(ys[i], ts[i]) @ g_rows[i]
        t0_bar -= t_bar[i]
        z0 = np.concatenate([ys[i], a, [t0_bar], p_bar])
        z = _solve(augmented, z0, np.array([-ts[i], -ts[i - 1]]), *settings)[-1]
        a = z[n : 2 * n] + g_rows[i - 1]
        t0_bar, p_bar = float(z[2 * n]), z[2 * n + 1 :]
    t_bar[0] = t0_bar
    y0_bar = [x.astype(d) for x, d in zip(layout.unravel(a), y_dtypes, strict=True)]
    p_cts: list = [None] * len(a_leaves)
    for i, v in zip(diff, p_layout.unravel(p_bar), strict=True):
        p_cts[i] = v.astype(np.asarray(a_leaves[i]).dtype)
    return (
        tree.unflatten(y_def, y0_bar),
        t_bar.astype(ts.dtype),
        *tree.unflatten(a_def, p_cts),
    )
