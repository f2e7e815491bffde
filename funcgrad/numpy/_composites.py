"""funcgrad.numpy functions built from elementwise primitives: aliases of numpy's with
extra arguments (``clip``, ``where``, ``round``), and small compositions.

Outside transformations each calls numpy itself (bitwise-equal results). Imports the
primitives layer and core only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from ..core.trace import is_traced
from ..primitives import elementwise as _ew, reductions as _red
from ._convert import as_array


def true_divide(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 / x2 (numpy.true_divide, the same as divide)."""
    x1, x2 = as_array(x1), as_array(x2)
    return _ew.divide_p.bind(x1, x2)


def mod(x1: Any, x2: Any, /) -> Any:
    """Elementwise remainder with the sign of x2 (numpy.mod, the same as remainder)."""
    x1, x2 = as_array(x1), as_array(x2)
    return _ew.remainder_p.bind(x1, x2)


def absolute(x: Any, /) -> Any:
    """Elementwise absolute value (numpy.absolute, the same as abs)."""
    x = as_array(x)
    return _ew.abs_p.bind(x)


def fabs(x: Any, /) -> Any:
    """Elementwise absolute value of real input (numpy.fabs)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.fabs(x)
    return _ew.abs_p.bind(x)


def positive(x: Any, /) -> Any:
    """Elementwise +x (numpy.positive)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.positive(x)
    return x


def degrees(x: Any, /) -> Any:
    """Radians to degrees (numpy.degrees)."""
    x = as_array(x)
    return _ew.rad2deg_p.bind(x)


def radians(x: Any, /) -> Any:
    """Degrees to radians (numpy.radians)."""
    x = as_array(x)
    return _ew.deg2rad_p.bind(x)


def conjugate(x: Any, /) -> Any:
    """Complex conjugate (numpy.conjugate)."""
    x = as_array(x)
    return _ew.conj_p.bind(x)


def angle(z: Any, deg: bool = False) -> Any:
    """Argument of complex ``z`` (numpy.angle): arctan2(imag, real)."""
    z = as_array(z)
    if not is_traced((z,)):
        return np.angle(z, deg=deg)
    a = _ew.arctan2_p.bind(_ew.imag(z), _ew.real(z))
    return _ew.rad2deg_p.bind(a) if deg else a


def where(condition: Any, x: Any = None, y: Any = None, /) -> Any:
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (numpy.where).

    Differentiable in ``x`` and ``y``; the one-argument form (indices) is not traced.
    """
    condition, x, y = as_array(condition), as_array(x), as_array(y)
    if x is None and y is None:
        return np.where(condition)
    if x is None or y is None:
        raise FuncgradValueError(
            "where: either both or neither of x and y should be given; use "
            "fnp.where(condition, x, y), or fnp.nonzero(condition) for the indices"
        )
    return _ew.where_p.bind(condition, x, y)


def clip(
    a: Any,
    a_min: Any = np._NoValue,
    a_max: Any = np._NoValue,
    out: None = None,
    *,
    min: Any = np._NoValue,  # numpy 2 names, shadowing the builtins inside clip only
    max: Any = np._NoValue,
) -> Any:
    """Limit values to ``[a_min, a_max]`` (numpy.clip): ``minimum(maximum(a, a_min), a_max)``.

    numpy 2's keywords ``min=``/``max=`` may replace ``a_min``/``a_max`` (not both); a bound
    of None (or left out) is no bound. Derivative 1 inside, 0 outside, and 1/2 to each of
    ``a`` and the bound where they are equal (the ties of maximum and minimum, as in JAX).
    ``out`` must be None (funcgrad never writes into arrays).
    """
    a, a_min, a_max = as_array(a), as_array(a_min), as_array(a_max)
    min, max = as_array(min), as_array(max)
    if out is not None:
        raise FuncgradTypeError(
            "clip: out= is not supported (funcgrad never writes into arrays); use the result"
        )
    if not is_traced((a, a_min, a_max, min, max)):
        kw = {k: v for k, v in (("min", min), ("max", max)) if v is not np._NoValue}
        return np.clip(a, a_min, a_max, **kw)
    if min is not np._NoValue or max is not np._NoValue:
        if a_min is not np._NoValue or a_max is not np._NoValue:
            raise FuncgradValueError(
                "clip: passing `min` or `max` keyword argument when `a_min` and `a_max` are "
                "provided is forbidden; give the bounds one way"
            )
        a_min, a_max = min, max
    result = a
    if a_min is not None and a_min is not np._NoValue:
        result = _ew.maximum(result, a_min)
    if a_max is not None and a_max is not np._NoValue:
        result = _ew.minimum(result, a_max)
    return result


def isclose(a: Any, b: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False):
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (numpy.isclose); zero derivative.

    Infinities are close only to themselves; NaNs to NaNs with ``equal_nan``.
    """
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b, rtol, atol)):
        return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    a, b = _ew.stop_gradient(a), _ew.stop_gradient(b)
    finite = _ew.logical_and(_ew.isfinite_p.bind(a), _ew.isfinite_p.bind(b))
    near = _ew.less_equal_p.bind(_ew.abs(a - b), atol + rtol * _ew.abs(b))
    out = _ew.logical_or(_ew.logical_and(finite, near), _ew.equal(a, b))
    if equal_nan:
        out = _ew.logical_or(out, _ew.logical_and(_ew.isnan(a), _ew.isnan(b)))
    return out


def allclose(a: Any, b: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False):
    """Whether every entry of ``a`` is close to ``b`` (numpy.allclose); zero derivative.

    Outside transformations a Python bool, as numpy; traced, a 0-d boolean array (use it in
    ``fnp.where`` or ``cond``; ``bool()`` of it needs concrete values).
    """
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b, rtol, atol)):
        return np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    close = isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return _red.all_(close, tuple(range(np.ndim(close))))


def round(a: Any, decimals: int = 0) -> Any:
    """Round to ``decimals`` decimals (numpy.round); zero derivative."""
    a = as_array(a)
    return _ew.round_p.bind(a, decimals=decimals)


def sinc(x: Any, /) -> Any:
    """Normalised sinc, sin(pi x) / (pi x) with sinc(0) = 1 (numpy.sinc).

    Every derivative is exact at and near 0 (a series there; ``sinc''(0) = -pi^2 / 3``).
    """
    x = as_array(x)
    return _ew.sinc(x)


def nan_to_num(
    x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None, neginf: Any = None
) -> Any:
    """Replace NaN and infinities with finite numbers (numpy.nan_to_num)."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.nan_to_num(x, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
    info = np.finfo(x.dtype)
    out = _ew.where(_ew.isnan(x), nan, x)
    out = _ew.where(
        _ew.logical_and(_ew.isinf_p.bind(out), _ew.greater(out, 0.0)),
        info.max if posinf is None else posinf,
        out,
    )
    out = _ew.where(
        _ew.logical_and(_ew.isinf_p.bind(out), _ew.less(out, 0.0)),
        info.min if neginf is None else neginf,
        out,
    )
    return out


def stop_gradient(x: Any) -> Any:
    """Return ``x`` with zero derivative in every mode."""
    x = as_array(x)
    return _ew.stop_gradient(x)


def astype(x: Any, dtype: Any, /, *, copy: bool = True) -> Any:
    """Cast to ``dtype`` (numpy.astype); differentiable to float dtypes, else zero."""
    x = as_array(x)
    if not is_traced((x,)):
        return np.astype(x, dtype, copy=copy)
    return _ew.astype(x, dtype)


def real_if_close(a: Any, tol: float = 100) -> Any:
    """The real part if every imaginary part is within ``tol`` machine epsilons of 0.

    Under a transformation the decision needs concrete values (available in grad and jvp,
    not under vmap, where it raises).
    """
    a = as_array(a)
    if not is_traced((a,)):
        return np.real_if_close(a, tol=tol)
    if a.dtype.kind != "c":
        return a
    imag_part = np.imag(a.concrete())
    eps = np.finfo(a.dtype).eps
    cutoff = tol * eps if tol > 1 else tol
    if np.all(np.abs(imag_part) < cutoff):
        return _ew.real(a)
    return a
