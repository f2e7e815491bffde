"""Every elementwise row with references: values and first derivatives are accurate in
*relative* terms, in float64 and float32, over a log-spaced grid of both signs up to
|x| = 1000 (and approaching each finite domain bound), against exact references
(``exact.py``: Python ``math`` per element; float64 references for float32 results).

Points where a reference is not representable in the dtype (overflow, underflow below
the smallest normal number) are left out; everywhere else no warning may be raised
(pytest's ``filterwarnings = error``): a derivative may not overflow where the true value
is finite. The VJP (cotangent of ones) and the JVP (a tangent of ones per argument) are
both checked.
"""

from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg

from .table import OPS, ids

ROWS = [s for s in OPS if s.exact is not None]
MAGNITUDES = {1: 10.0 ** np.linspace(-8, 3, 56), 2: 10.0 ** np.linspace(-8, 3, 12)}


def _grid(lo: float, hi: float, arity: int) -> np.ndarray:
    """Both signs of the magnitudes, and each finite bound approached from inside."""
    mags = MAGNITUDES[arity]
    pts = [mags, -mags]
    for bound in (lo, hi):
        if -1000.0 < bound < 1000.0:
            near = mags[mags <= 1.0]
            pts += [bound + near, bound - near]
    pts = np.concatenate(pts)
    return np.unique(pts[(pts > lo) & (pts < hi)])


def _reference(fn, points: list[np.ndarray]) -> np.ndarray:
    out = np.empty(points[0].shape)
    for k in range(out.size):
        try:
            out.flat[k] = fn(*(float(p.flat[k]) for p in points))
        except (OverflowError, ValueError, ZeroDivisionError):
            out.flat[k] = np.nan
    return out


def _sensitivity(fn, points: list[np.ndarray], h: float = 1e-6) -> np.ndarray:
    """``sum_i |x_i d fn / d x_i|`` per point (central differences of the reference)."""
    total = np.zeros(points[0].shape)
    for i in range(len(points)):
        up = [q * (1 + h) if j == i else q for j, q in enumerate(points)]
        down = [q * (1 - h) if j == i else q for j, q in enumerate(points)]
        total += np.abs(_reference(fn, up) - _reference(fn, down)) / (2 * h)
    return total


def _representable(ref: np.ndarray, dtype: np.dtype) -> np.ndarray:
    info = np.finfo(dtype)
    mag = np.abs(ref)
    return np.isfinite(ref) & (mag <= info.max) & ((mag == 0) | (mag >= info.tiny))


def _check(what: str, got, ref, scale, rtol: float, args: list, dtype) -> None:
    """``|got - ref| <= rtol * scale`` (``scale``: |ref|, or a sensitivity bound)."""
    got = np.asarray(got)
    assert got.dtype == dtype, f"{what}: dtype {got.dtype}, expected {dtype}"
    got = got.astype(np.float64)
    err = np.where(
        scale == 0, np.abs(got - ref), np.abs(got - ref) / np.where(scale == 0, 1, scale)
    )
    err = np.where(np.isnan(err), np.inf, err)
    k = int(np.argmax(err))
    where = ", ".join(f"{float(a[k])!r}" for a in args)
    assert err[k] <= rtol, (
        f"{what} at ({where}): got {got[k]!r}, exact {ref[k]!r}, relative error "
        f"{err[k]:.3g} > {rtol:g} (relative to {scale[k]:.3g})"
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("spec", ROWS, ids=ids)
def test_values_and_first_derivatives_are_accurate(spec, dtype):
    ex = spec.exact
    arity = len(ex.domain)
    grids = [_grid(lo, hi, arity) for lo, hi in ex.domain]
    points = [g.ravel() for g in np.meshgrid(*grids, indexing="ij")]
    points = [p.astype(dtype) for p in points]
    inside = np.ones(points[0].shape, bool)
    for p, (lo, hi) in zip(points, ex.domain, strict=True):
        inside &= (p > lo) & (p < hi)
    points = [p[inside] for p in points]
    fns = (ex.value, *ex.derivs)
    refs = [_reference(fn, points) for fn in fns]
    keep = np.logical_and.reduce([_representable(r, dtype) for r in refs])
    args = [p[keep] for p in points]
    refs = [r[keep] for r in refs]
    if np.dtype(dtype).name in ex.conditioned:
        scales = [np.abs(r) + _sensitivity(fn, args) for r, fn in zip(refs, fns, strict=True)]
    else:
        scales = [np.abs(r) for r in refs]
    rtol = ex.rtol if dtype == np.float64 else ex.rtol32
    out_dtype = np.asarray(spec.numpy_fun()(*args[:1], *args[1:])).dtype

    name = spec.name
    _check(f"{name} value", spec.fun(*args), refs[0], scales[0], rtol, args, out_dtype)
    out, pullback = fg.vjp(spec.fun, *args)
    for i, g in enumerate(pullback(np.ones_like(out))):
        _check(f"{name} VJP d/d(arg {i})", g, refs[1 + i], scales[1 + i], rtol, args, dtype)
    for i in range(arity):
        tangents = tuple(np.full_like(a, float(k == i)) for k, a in enumerate(args))
        _, t = fg.jvp(spec.fun, tuple(args), tangents)
        d = refs[1 + i]
        _check(f"{name} JVP d/d(arg {i})", t, d, scales[1 + i], rtol, args, out_dtype)
