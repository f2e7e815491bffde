"""Rows of the primitive table: the reductions family (sum, max, prod, cumprod, var, ...)."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad.testing.strategies import shapes

from .spec import OpSpec, axis_and_keepdims, unary
from .specials import attach

# --- input strategies ------------------------------------------------------------------


@st.composite
def _with_zeros(draw, shape=None, min_abs=0.5, max_abs=1.5):
    """``(x,)`` with |entries| in [min_abs, max_abs] (both signs) and some exact zeros.

    Products of up to 64 such entries stay well scaled; the zeros check the zero-safe
    derivatives (finite differences are exact there: products are multilinear).
    """
    shape = draw(shapes() if shape is None else shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(min_abs, max_abs, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    n_zeros = draw(st.integers(0, min(2, x.size)))
    x.flat[rng.choice(x.size, size=n_zeros, replace=False)] = 0.0
    return (x,)


@st.composite
def _with_nans(draw):
    """``(x,)`` with NaNs only where every index is >= 1: no reduction sees only NaNs."""
    shape = draw(shapes())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(-2.0, 2.0, size=shape)
    if x.ndim:
        inner = tuple(slice(1, None) for _ in shape)
        block = x[inner]
        block[rng.uniform(size=block.shape) < 0.5] = np.nan
    return (x,)


@st.composite
def _weighted(draw):
    """``(a, weights)``: weights of a's shape, or of a's shape along some axes; positive."""
    shape = draw(shapes())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.uniform(-2.0, 2.0, size=shape)
    if len(shape) and draw(st.booleans()):
        k = draw(st.integers(1, len(shape)))
        axes = draw(st.permutations(range(len(shape))))[:k]
        w_shape = tuple(shape[i] for i in axes)
    else:
        w_shape = shape
    return a, rng.uniform(0.5, 2.0, size=w_shape)


# --- parameter strategies --------------------------------------------------------------


def _axis_or_none(args):
    """``{"axis": None | int}`` (negatives too) for a scan or an arg-reduction."""
    ndim = np.ndim(args[0])
    axis = st.none() if ndim == 0 else st.one_of(st.none(), st.integers(-ndim, ndim - 1))
    return st.fixed_dictionaries({"axis": axis})


def _arg_params(args):
    return st.tuples(_axis_or_none(args), st.booleans()).map(lambda t: {**t[0], "keepdims": t[1]})


def _reduced_size(x, axis):
    ndim = np.ndim(x)
    if axis is None:
        return np.size(x)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(np.shape(x)[a % ndim] for a in axes)


def _with_ddof(min_size):
    """axis/keepdims plus a ``ddof`` below the reduced size; reductions of >= min_size."""

    def params(args):
        def add_ddof(p):
            n = _reduced_size(args[0], p["axis"])
            return st.integers(0, min(n - 1, 2)).map(lambda d: {**p, "ddof": d})

        base = axis_and_keepdims(args).filter(
            lambda p: _reduced_size(args[0], p["axis"]) >= min_size
        )
        return base.flatmap(add_ddof)

    return params


def _average_params(args):
    a, w = args
    returned = st.booleans()
    if np.shape(w) == np.shape(a):
        base = axis_and_keepdims(args)
    else:
        fits = [
            p
            for p in itertools.permutations(range(a.ndim), w.ndim)
            if tuple(a.shape[i] for i in p) == w.shape
        ]
        one = [p[0] for p in fits if len(p) == 1]
        axis = st.sampled_from(fits + one)
        base = st.fixed_dictionaries({"axis": axis, "keepdims": st.booleans()})
    return st.tuples(base, returned).map(lambda t: {**t[0], "returned": t[1]})


def _diff_params(args):
    ndim = np.ndim(args[0])
    return st.fixed_dictionaries({"n": st.integers(0, 2), "axis": st.integers(-ndim, ndim - 1)})


@st.composite
def _gradient_params(draw, args):
    """numpy.gradient's spacing forms: none, one scalar, or per axis a scalar or 1-d
    coordinates (increasing, uneven or even); ``axis`` None, an int or a tuple."""
    shape = np.shape(args[0])
    nd = len(shape)
    axis = draw(
        st.one_of(st.none(), st.integers(-nd, nd - 1), st.permutations(range(nd)).map(tuple))
    )
    axes = range(nd) if axis is None else [axis % nd] if np.ndim(axis) == 0 else axis
    how = draw(st.sampled_from(["none", "scalar", "each"]))
    if how == "none":
        spacing = ()
    elif how == "scalar":
        spacing = (draw(st.floats(0.5, 2.0)),)
    else:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        spacing = tuple(
            draw(st.floats(0.5, 2.0))
            if draw(st.booleans())
            else np.cumsum(
                rng.uniform(0.5, 1.5, shape[a]) if draw(st.booleans()) else np.ones(shape[a])
            )
            for a in axes
        )
    return {"spacing": spacing, "axis": axis, "edge_order": draw(st.sampled_from([1, 2]))}


def _gradient(xp):
    def f(x, spacing, **kw):
        return xp.gradient(x, *spacing, **kw)

    return f


@st.composite
def _coordinates(draw):
    """``(f, x)``: samples along one axis and their (uneven, increasing) coordinates."""
    n = draw(st.integers(3, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.uniform(-2, 2, size=(n, draw(st.integers(1, 3)))), np.cumsum(
        rng.uniform(0.5, 1.5, n)
    )


_AT_LEAST_1D = unary(shape=shapes(min_dims=1))
# extrema: no two entries within a finite-difference step of each other
_SEPARATED = unary(separated=True)
# std's derivative is infinite at zero variance: reduce over >= 2 generic entries.
_SIDES_2 = unary(shape=shapes(min_dims=1, min_side=2))

REDUCTIONS = [
    OpSpec("sum", fnp.sum, unary(), params=axis_and_keepdims),
    OpSpec("mean", fnp.mean, unary(), params=axis_and_keepdims),
    OpSpec("prod", fnp.prod, unary(), params=axis_and_keepdims),
    OpSpec("prod_with_zeros", fnp.prod, _with_zeros, params=axis_and_keepdims),
    OpSpec("max", fnp.max, _SEPARATED, params=axis_and_keepdims),
    OpSpec("min", fnp.min, _SEPARATED, params=axis_and_keepdims),
    OpSpec("amax", fnp.amax, _SEPARATED, params=axis_and_keepdims),
    OpSpec("amin", fnp.amin, _SEPARATED, params=axis_and_keepdims),
    OpSpec("ptp", fnp.ptp, _SEPARATED, params=axis_and_keepdims),
    OpSpec("var", fnp.var, unary(), params=_with_ddof(1)),
    OpSpec("std", fnp.std, _SIDES_2, params=_with_ddof(2)),
    OpSpec(
        "average",
        lambda a, w, **kw: fnp.average(a, weights=w, **kw),
        _weighted,
        params=_average_params,
        reference=lambda a, w, **kw: np.average(a, weights=w, **kw),
    ),
    OpSpec(
        "average_unweighted",
        fnp.average,
        unary(),
        params=lambda args: st.tuples(axis_and_keepdims(args), st.booleans()).map(
            lambda t: {**t[0], "returned": t[1]}
        ),
    ),
    OpSpec("nansum", fnp.nansum, _with_nans, params=axis_and_keepdims),
    OpSpec("nanmean", fnp.nanmean, _with_nans, params=axis_and_keepdims),
    OpSpec("cumsum", fnp.cumsum, unary(), params=_axis_or_none),
    OpSpec("cumprod", fnp.cumprod, _with_zeros, params=_axis_or_none),
    OpSpec("diff", fnp.diff, _AT_LEAST_1D, params=_diff_params),
    OpSpec(
        "diff_prepend_append",
        lambda x, **kw: fnp.diff(x, prepend=0.5, append=-0.5, **kw),
        _AT_LEAST_1D,
        params=_diff_params,
        reference=lambda x, **kw: np.diff(x, prepend=0.5, append=-0.5, **kw),
    ),
    OpSpec(
        "gradient",
        _gradient(fnp),
        unary(shape=shapes(min_dims=1, min_side=3)),
        params=_gradient_params,
        reference=_gradient(np),
    ),
    OpSpec(  # differentiable in the coordinates too
        "gradient_coordinates",
        lambda f, x, edge_order: fnp.gradient(f, x, axis=0, edge_order=edge_order),
        _coordinates,
        params=lambda args: st.fixed_dictionaries({"edge_order": st.sampled_from([1, 2])}),
        reference=lambda f, x, edge_order: np.gradient(f, x, axis=0, edge_order=edge_order),
    ),
    # Zero-derivative functions: their derivative is checked to be exactly zero.
    OpSpec("argmax", fnp.argmax, unary(), params=_arg_params, differentiable=False),
    OpSpec("argmin", fnp.argmin, unary(), params=_arg_params, differentiable=False),
    OpSpec("all", fnp.all, _with_zeros, params=axis_and_keepdims, differentiable=False),
    OpSpec("any", fnp.any, _with_zeros, params=axis_and_keepdims, differentiable=False),
    OpSpec(
        "count_nonzero",
        fnp.count_nonzero,
        _with_zeros,
        params=axis_and_keepdims,
        differentiable=False,
    ),
]
REDUCTIONS = attach(REDUCTIONS)
