"""``check_grads``: compare every derivative up to ``order`` with finite differences.

Imports the public transformations and ``testing.numerical``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import tree
from ..core.errors import FuncgradValueError
from ..transforms.differentiate import vjp
from ..transforms.forward import jvp
from .numerical import directional_derivative, numerical_grad

DEFAULT_EPS = 1e-6
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-3


def _random_like(x: Any, rng: np.random.Generator) -> np.ndarray:
    x = np.asarray(x)
    values = rng.standard_normal(x.shape)
    if np.iscomplexobj(x):
        values = values + 1j * rng.standard_normal(x.shape)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.float64
    return np.asarray(values, dtype=dtype)


def _inner(u: Any, out: Any) -> Any:
    """``Re(sum(u * out))`` over all leaves: the scalar whose gradient is the VJP with ``u``.

    JAX's pairing (no conjugation), under which the VJP is the transpose of the JVP.
    """
    total = 0.0
    for a, b in zip(tree.leaves(u), tree.leaves(out), strict=True):
        total = total + np.real(np.sum(np.asarray(a, np.complex128) * b))
    return total


# The error floor of a central difference with step eps: rounding, a few ulps of the
# function divided by eps, and truncation, of order eps^2 (its factor taken as 100).
_NOISE_ULPS = 16 * float(np.finfo(np.float64).eps)
_TRUNCATION = 100.0


def _magnitude(values: Any) -> float:
    """The largest finite magnitude among the leaves of ``values`` (0 if none)."""
    m = 0.0
    for v in tree.leaves(values):
        v = np.abs(np.asarray(v, np.complex128))
        v = v[np.isfinite(v)]
        if v.size:
            m = max(m, float(v.max()))
    return m


def _abs_tol(a: np.ndarray, n: np.ndarray, atol: float, noise: float | None) -> float:
    """``atol``; with a relative criterion (``noise`` given), ``atol`` times the scale of
    the derivative where that scale is below 1, but never below the finite-difference
    noise ``noise``: small derivatives are then checked relative to their own size."""
    if noise is None:
        return atol
    scale = max(_magnitude(a), _magnitude(n))
    return min(atol, max(noise, atol * scale))


def _compare(
    analytic: Any,
    numeric: Any,
    atol: float,
    rtol: float,
    what: str,
    mode: str,
    noise: float | None = None,
) -> None:
    a_leaves, a_def = tree.flatten(analytic)
    n_leaves = tree.flatten(numeric)[0]
    for j, (a, n) in enumerate(zip(a_leaves, n_leaves, strict=True)):
        a = np.asarray(a)
        n = np.asarray(n)
        if a.shape != n.shape:
            raise AssertionError(
                f"check_grads ({mode}): {what} has shape {a.shape} but finite differences "
                f"give shape {n.shape}"
            )
        if a.size == 0:
            continue
        tol = _abs_tol(a, n, atol, noise)
        excess = np.abs(a - n) - (tol + rtol * np.maximum(np.abs(a), np.abs(n)))
        excess = np.where(np.isnan(excess), np.inf, excess)
        worst = np.unravel_index(int(np.argmax(excess)), a.shape)
        if excess[worst] > 0:
            leaf = "" if a_def.is_leaf else f", leaf {j}"
            raise AssertionError(
                f"check_grads ({mode}): the derivative of {what}{leaf} is wrong at index "
                f"{tuple(int(i) for i in worst)}: analytic {a[worst].item()!r}, "
                f"numeric {n[worst].item()!r} "
                f"(|difference| {abs(a[worst] - n[worst]):.3g} exceeds atol {tol:g} + "
                f"rtol {rtol:g} * magnitude)"
            )


def _noise(values: Any, eps: float, relative: bool) -> float | None:
    if not relative:
        return None
    return max(_NOISE_ULPS * _magnitude(values) / eps, _TRUNCATION * eps * eps)


def _check_rev(f, args, eps, atol, rtol, rng, label, relative):
    out = f(*args)
    u = tree.map(lambda o: _random_like(o, rng), out)
    _, pullback = vjp(f, *args)
    analytic = pullback(u)
    numeric = numerical_grad(lambda *a: _inner(u, f(*a)), *args, eps=eps)
    terms = [
        np.abs(np.asarray(a) * b) for a, b in zip(tree.leaves(u), tree.leaves(out), strict=True)
    ]
    noise = _noise([np.sum(t) for t in terms], eps, relative)
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        _compare(a, n, atol, rtol, f"argument {i}{label}", "reverse mode", noise)


def _check_fwd(f, args, eps, atol, rtol, rng, label, relative):
    for i in range(len(args)):
        tangents = tuple(
            tree.map(lambda x: _random_like(x, rng), a)
            if k == i
            else tree.map(lambda x: np.zeros(np.shape(x), np.asarray(x).dtype), a)
            for k, a in enumerate(args)
        )
        out, analytic = jvp(f, args, tangents)
        numeric = directional_derivative(f, args, tangents, eps=eps)
        _compare(
            analytic,
            numeric,
            atol,
            rtol,
            f"the output along argument {i}{label}",
            "forward mode",
            _noise(out, eps, relative),
        )


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 1,
    modes: Sequence[str] = ("rev", "fwd"),
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    *,
    relative: bool = False,
) -> None:
    """Check every derivative of ``f`` up to ``order`` against central finite differences.

    Reverse mode compares the VJP with a random cotangent ``u`` against the
    finite-difference gradient of ``Re(sum(u * f))``, entry by entry (complex arguments
    follow JAX's convention, see ``numerical_grad``); forward mode compares the JVP along a
    random tangent of each argument against the finite-difference directional derivative.
    Order ``k`` checks the derivative functions of order ``k - 1`` in the same way.
    Finite differences run in float64.

    Args:
      f: a function of positional pytrees of float arrays, returning a pytree of arrays.
      args: the point to check at.
      order: highest derivative order to check.
      modes: any of ``"rev"`` and ``"fwd"``.
      eps, atol, rtol: the finite-difference step and tolerances (defaults 1e-6, 1e-5,
        1e-3: a derivative wrong by 1% fails).
      relative: also check small derivatives relative to their size: the absolute
        tolerance becomes ``atol`` times the largest magnitude of each derivative array
        where that is below 1, bounded below by the error floor of the finite
        differences (a few ulps of ``f`` divided by ``eps``, and ``100 eps^2``). Then a
        derivative 1% wrong fails down to magnitudes near that floor (1e-8 for the
        default ``eps`` and ``|f| <= 1``), not only above ``atol``.

    Raises:
      AssertionError: naming the mode, the argument, the index of the worst entry and the
        analytic and numeric values.
    """
    eps = DEFAULT_EPS if eps is None else eps
    atol = DEFAULT_ATOL if atol is None else atol
    rtol = DEFAULT_RTOL if rtol is None else rtol
    for mode in modes:
        if mode not in ("rev", "fwd"):
            raise FuncgradValueError(f"check_grads: unknown mode {mode!r}; use 'rev' and/or 'fwd'")
    rng = np.random.default_rng(0)
    _check(f, tuple(args), order, tuple(modes), eps, atol, rtol, rng, "", relative)


def _check(f, args, order, modes, eps, atol, rtol, rng, label, relative):
    for mode in modes:
        check = _check_rev if mode == "rev" else _check_fwd
        check(f, args, eps, atol, rtol, rng, label, relative)
    if order <= 1:
        return
    for mode in modes:
        df: Callable[..., Any]
        if mode == "rev":
            u = tree.map(lambda o: _random_like(o, rng), f(*args))

            def df_rev(*a, u=u):
                return vjp(f, *a)[1](u)

            df, sub = df_rev, f"{label} (in the reverse derivative)"
        else:
            v = tuple(tree.map(lambda x: _random_like(x, rng), a) for a in args)

            def df_fwd(*a, v=v):
                return jvp(f, a, v)[1]

            df, sub = df_fwd, f"{label} (in the forward derivative)"
        _check(df, args, order - 1, modes, eps, atol, rtol, rng, sub, relative)
