"""Rows of the primitive table: the shape family (reshape, join, split, pad, diagonals...)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad.primitives.shape import pad_zeros, slice_
from funcgrad.testing.strategies import arrays, shapes

from .spec import OpSpec, nary, unary

# --- input strategies ------------------------------------------------------------------


def _at_least(min_dims: int, max_dims: int = 3):
    """Draw ``(x,)`` with ``min_dims..max_dims`` axes."""
    return unary(shape=shapes(min_dims=min_dims, max_dims=max_dims))


@st.composite
def _joinable(draw, axis=None, min_dims=1, max_dims=3):
    """1-3 arrays whose shapes agree except along one axis (``axis(ndim)`` or drawn)."""
    shape = list(draw(shapes(min_dims=min_dims, max_dims=max_dims)))
    ax = draw(st.integers(0, len(shape) - 1)) if axis is None else axis(len(shape))
    out = []
    for _ in range(draw(st.integers(1, 3))):
        shape[ax] = draw(st.integers(1, 3))
        out.append(draw(arrays(shape=tuple(shape))))
    return tuple(out)


@st.composite
def _same_shape(draw, min_dims=0, max_dims=3):
    """1-3 arrays of one shape."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    return tuple(draw(arrays(shape=shape)) for _ in range(draw(st.integers(1, 3))))


@st.composite
def _any_shapes(draw):
    """1-3 arrays of independent shapes."""
    return tuple(draw(arrays()) for _ in range(draw(st.integers(1, 3))))


def _axis(ndim: int, extra: int = 0):
    """An axis of an array of ``ndim + extra`` axes, negatives too."""
    n = max(ndim + extra, 1)
    return st.integers(-n, n - 1)


def _axes(ndim: int):
    """None, an int or a tuple of distinct axes (negatives too)."""
    if ndim == 0:
        return st.none()
    many = st.lists(_axis(ndim), min_size=1, max_size=ndim, unique_by=lambda a: a % ndim)
    return st.one_of(st.none(), _axis(ndim), many.map(tuple))


# --- params strategies -----------------------------------------------------------------


@st.composite
def _reshape_params(draw, args):
    x = args[0]
    factors = [f for n in x.shape for f in _prime_factors(n)]
    factors = draw(st.permutations(factors)) if factors else []
    shape, i = [], 0
    while i < len(factors):
        k = draw(st.integers(1, len(factors) - i))
        shape.append(int(np.prod(factors[i : i + k])))
        i += k
    shape += [1] * draw(st.integers(0, 2))
    shape = draw(st.permutations(shape)) if shape else []
    if shape and draw(st.booleans()):
        shape[draw(st.integers(0, len(shape) - 1))] = -1
    new = tuple(shape) if len(shape) != 1 or draw(st.booleans()) else shape[0]
    return {"shape": new, "order": draw(st.sampled_from(["C", "F"]))}


def _prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


def _concat_params(args):
    ndim = np.ndim(args[0])
    ref = args[0].shape
    ok = [
        a
        for a in range(ndim)
        if all(x.shape[:a] + x.shape[a + 1 :] == ref[:a] + ref[a + 1 :] for x in args)
    ]
    if not ok:
        return st.just({"axis": None})
    return st.fixed_dictionaries(
        {"axis": st.one_of(st.none(), st.sampled_from(ok + [a - ndim for a in ok]))}
    )


@st.composite
def _split_params(draw, args, equal=False):
    """Sections (dividing the axis when ``equal``) or indices (any order, out of range)."""
    x = args[0]
    axis = draw(_axis(x.ndim))
    n = x.shape[axis]
    if draw(st.booleans()):
        sections = [d for d in range(1, n + 1) if n % d == 0] if equal else range(1, n + 2)
        return {"indices_or_sections": draw(st.sampled_from(list(sections))), "axis": axis}
    return {
        "indices_or_sections": draw(st.lists(st.integers(-n - 1, n + 1), max_size=3)),
        "axis": axis,
    }


@st.composite
def _nd_split_params(draw, args, axis):
    n = args[0].shape[axis(args[0].ndim)]
    if draw(st.booleans()):
        return {
            "indices_or_sections": draw(
                st.sampled_from([d for d in range(1, n + 1) if n % d == 0])
            )
        }
    return {"indices_or_sections": draw(st.lists(st.integers(-n, n), max_size=3))}


@st.composite
def _squeezable(draw):
    shape = list(draw(shapes(max_dims=3)))
    for _ in range(draw(st.integers(0, 2))):
        shape.insert(draw(st.integers(0, len(shape))), 1)
    return (draw(arrays(shape=tuple(shape))),)


def _squeeze_params(args):
    ones = [i for i, d in enumerate(args[0].shape) if d == 1]
    if not ones:
        return st.fixed_dictionaries({"axis": st.none()})
    many = st.lists(st.sampled_from(ones), min_size=1, unique=True).map(tuple)
    return st.fixed_dictionaries({"axis": st.one_of(st.none(), st.sampled_from(ones), many)})


@st.composite
def _broadcast_to_params(draw, args):
    shape = list(args[0].shape)
    shape = [draw(st.integers(1, 3)) if d == 1 else d for d in shape]
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    return {"shape": tuple(lead + shape)}


@st.composite
def _expand_dims_params(draw, args):
    k = draw(st.integers(1, 2))
    ndim = args[0].ndim + k
    axes = draw(st.lists(_axis(ndim), min_size=k, max_size=k, unique_by=lambda a: a % ndim))
    return {"axis": axes[0] if k == 1 and draw(st.booleans()) else tuple(axes)}


@st.composite
def _moveaxis_params(draw, args):
    ndim = args[0].ndim
    k = draw(st.integers(1, ndim))
    src = draw(st.lists(_axis(ndim), min_size=k, max_size=k, unique_by=lambda a: a % ndim))
    dst = draw(st.lists(_axis(ndim), min_size=k, max_size=k, unique_by=lambda a: a % ndim))
    if k == 1 and draw(st.booleans()):
        return {"source": src[0], "destination": dst[0]}
    return {"source": tuple(src), "destination": tuple(dst)}


def _transpose_params(args):
    ndim = args[0].ndim
    perm = st.permutations(range(ndim)).flatmap(
        lambda p: st.tuples(*(st.sampled_from([a, a - ndim]) for a in p))
    )
    return st.fixed_dictionaries({"axes": st.one_of(st.none(), perm)})


def _two_axes(names=("axis1", "axis2"), distinct=False, offset=None):
    def params(args):
        ndim = args[0].ndim
        pair = st.tuples(_axis(ndim), _axis(ndim))
        if distinct:
            pair = pair.filter(lambda p: p[0] % ndim != p[1] % ndim)
        fields = pair.map(lambda p: dict(zip(names, p, strict=True)))
        if offset is None:
            return fields
        return st.tuples(fields, st.integers(-3, 3)).map(lambda t: {**t[0], offset: t[1]})

    return params


@st.composite
def _tile_params(draw, args):
    reps = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    return {"reps": reps[0] if len(reps) == 1 and draw(st.booleans()) else tuple(reps)}


@st.composite
def _repeat_params(draw, args):
    x = args[0]
    axis = draw(st.one_of(st.none(), _axis(x.ndim))) if x.ndim else None
    n = x.size if axis is None else x.shape[axis]
    if draw(st.booleans()):
        return {"repeats": draw(st.integers(1, 3)), "axis": axis}
    reps = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n).filter(lambda r: sum(r)))
    return {"repeats": reps, "axis": axis}


@st.composite
def _pad_params(draw, args):
    ndim = args[0].ndim
    pair = st.tuples(st.integers(0, 5), st.integers(0, 5))
    per_axis = st.tuples(*[pair] * ndim) if ndim else pair
    width = draw(st.one_of(st.integers(0, 4), pair, per_axis))
    mode = draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    params = {"pad_width": width, "mode": mode}
    if mode == "constant" and draw(st.booleans()):
        params["constant_values"] = draw(st.one_of(st.floats(-2, 2), st.tuples(pair)))
    return params


@st.composite
def _roll_params(draw, args):
    ndim = args[0].ndim
    if ndim == 0 or draw(st.booleans()):
        return {"shift": draw(st.integers(-7, 7)), "axis": None}
    k = draw(st.integers(1, 3))
    axes = draw(st.lists(_axis(ndim), min_size=k, max_size=k))  # repeats add up
    shifts = draw(st.lists(st.integers(-7, 7), min_size=k, max_size=k))
    if k == 1 and draw(st.booleans()):
        return {"shift": shifts[0], "axis": axes[0]}
    return {"shift": tuple(shifts), "axis": tuple(axes)}


@st.composite
def _rot90_params(draw, args):
    ndim = args[0].ndim
    axes = draw(st.tuples(_axis(ndim), _axis(ndim)).filter(lambda p: p[0] % ndim != p[1] % ndim))
    return {"k": draw(st.integers(-5, 5)), "axes": axes}


def _k(args):
    return st.fixed_dictionaries({"k": st.integers(-3, 3)})


@st.composite
def _append_args(draw):
    """``(arr, values)``: any two arrays, or two joinable along some axis."""
    if draw(st.booleans()):
        return (draw(arrays()), draw(arrays()))
    xs = draw(_joinable())
    return (xs[0], xs[-1])


def _append_params(args):
    arr, values = args
    if arr.ndim == values.ndim and arr.ndim:
        return _concat_params(args)
    return st.just({"axis": None})


def _stack_params(args):
    return st.fixed_dictionaries({"axis": _axis(args[0].ndim, extra=1)})


def _flip_params(args):
    return st.fixed_dictionaries({"axis": _axes(args[0].ndim)})


@st.composite
def _slice_params(draw, args):
    """Python slices (None, negatives, out of range, negative steps) on leading axes."""
    shape = args[0].shape
    k = draw(st.integers(1, len(shape)))
    bound = st.one_of(st.none(), st.integers(-6, 6))
    step = st.one_of(st.none(), st.integers(-3, 3).filter(bool))
    return {
        "starts": tuple(draw(bound) for _ in range(k)),
        "stops": tuple(draw(bound) for _ in range(k)),
        "steps": tuple(draw(step) for _ in range(k)),
    }


def _slice_reference(x, starts, stops, steps):
    return x[tuple(map(slice, starts, stops, steps))]


def _pad_zeros_params(args):
    width = st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2))
    return st.fixed_dictionaries({"widths": st.tuples(*[width] * args[0].ndim)})


def _pad_zeros_reference(x, widths):
    shape = [
        lo + hi + n + max(n - 1, 0) * i for n, (lo, hi, i) in zip(x.shape, widths, strict=True)
    ]
    out = np.zeros(shape, x.dtype)
    out[
        tuple(
            slice(lo, lo + n + max(n - 1, 0) * i, i + 1)
            for n, (lo, _, i) in zip(x.shape, widths, strict=True)
        )
    ] = x
    return out


# --- rows ------------------------------------------------------------------------------


@st.composite
def _vectors(draw, k: int = 2):
    """``k`` 1-d arrays of one length."""
    n = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return tuple(rng.uniform(-2, 2, size=n) for _ in range(k))


@st.composite
def _matrices(draw):
    """Two 2-d arrays with the same number of rows (for c_) and of columns (for r_)."""
    n, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.uniform(-2, 2, size=(n, m)), rng.uniform(-2, 2, size=(n, m))


def _index_expressions(xp):
    """r_/c_ expressions written once for fnp and np: entries, scalars, slices, directives."""
    return {
        "r_": lambda a, b: xp.r_[a, 0.5, 1:3, b, -1:1:3j],
        "r_directive": lambda a, b: xp.r_["0,2", a, b],
        "r_directive_trans1d": lambda a, b: xp.r_["1,2,0", a, b],
        "c_": lambda a, b: xp.c_[a, b],
        "c_matrices": lambda a, b: xp.c_[a, b, a * 2.0],
        "r_matrices": lambda a, b: xp.r_[a, b],
    }


_INDEX_EXPRESSIONS = [
    OpSpec(
        name,
        fun,
        _matrices if name.endswith("matrices") else _vectors,
        reference=_index_expressions(np)[name],
    )
    for name, fun in _index_expressions(fnp).items()
]

SHAPE = [
    OpSpec("reshape", fnp.reshape, unary(), params=_reshape_params),
    OpSpec(
        "ravel",
        fnp.ravel,
        unary(),
        params=lambda a: st.fixed_dictionaries({"order": st.sampled_from(["C", "F"])}),
    ),
    OpSpec("transpose", fnp.transpose, unary(), params=_transpose_params),
    OpSpec("swapaxes", fnp.swapaxes, _at_least(1), params=_two_axes()),
    OpSpec("moveaxis", fnp.moveaxis, _at_least(1), params=_moveaxis_params),
    OpSpec(
        "rollaxis",
        fnp.rollaxis,
        _at_least(1),
        params=lambda a: st.fixed_dictionaries(
            {"axis": _axis(a[0].ndim), "start": st.integers(-a[0].ndim, a[0].ndim)}
        ),
    ),
    OpSpec("expand_dims", fnp.expand_dims, unary(), params=_expand_dims_params),
    OpSpec("squeeze", fnp.squeeze, _squeezable, params=_squeeze_params),
    OpSpec("broadcast_to", fnp.broadcast_to, unary(), params=_broadcast_to_params),
    OpSpec(
        "broadcast_arrays",
        lambda *xs: fnp.broadcast_arrays(*xs),
        lambda: st.integers(1, 3).flatmap(lambda n: nary(n)()),
        reference=lambda *xs: np.broadcast_arrays(*xs),
    ),
    OpSpec(
        "concatenate",
        lambda *xs, axis: fnp.concatenate(xs, axis=axis),
        _joinable,
        params=_concat_params,
        reference=lambda *xs, axis: np.concatenate(xs, axis=axis),
    ),
    OpSpec(
        "stack",
        lambda *xs, axis: fnp.stack(xs, axis=axis),
        _same_shape,
        params=_stack_params,
        reference=lambda *xs, axis: np.stack(xs, axis=axis),
    ),
    OpSpec(
        "hstack",
        lambda *xs: fnp.hstack(xs),
        lambda: st.one_of(_joinable(lambda nd: 0 if nd == 1 else 1), _same_shape(max_dims=1)),
        reference=lambda *xs: np.hstack(xs),
    ),
    OpSpec(
        "vstack",
        lambda *xs: fnp.vstack(xs),
        lambda: st.one_of(_joinable(lambda nd: 0, min_dims=2), _same_shape(max_dims=1)),
        reference=lambda *xs: np.vstack(xs),
    ),
    OpSpec(
        "dstack",
        lambda *xs: fnp.dstack(xs),
        lambda: st.one_of(_joinable(lambda nd: 2, min_dims=3), _same_shape(max_dims=2)),
        reference=lambda *xs: np.dstack(xs),
    ),
    OpSpec(
        "column_stack",
        lambda *xs: fnp.column_stack(xs),
        lambda: st.one_of(
            _joinable(lambda nd: 1, min_dims=2, max_dims=2), _same_shape(min_dims=1, max_dims=1)
        ),
        reference=lambda *xs: np.column_stack(xs),
    ),
    OpSpec("append", fnp.append, _append_args, params=_append_params),
    OpSpec("split", fnp.split, _at_least(1), params=lambda a: _split_params(a, equal=True)),
    OpSpec("array_split", fnp.array_split, _at_least(1), params=_split_params),
    OpSpec(
        "hsplit",
        fnp.hsplit,
        _at_least(1),
        params=lambda a: _nd_split_params(a, lambda nd: 1 if nd > 1 else 0),
    ),
    OpSpec("vsplit", fnp.vsplit, _at_least(2), params=lambda a: _nd_split_params(a, lambda nd: 0)),
    OpSpec(
        "dsplit", fnp.dsplit, _at_least(3, 3), params=lambda a: _nd_split_params(a, lambda nd: 2)
    ),
    OpSpec("tile", fnp.tile, unary(), params=_tile_params),
    OpSpec("repeat", fnp.repeat, unary(), params=_repeat_params),
    OpSpec("pad", fnp.pad, unary(), params=_pad_params),
    OpSpec("flip", fnp.flip, unary(), params=_flip_params),
    OpSpec("fliplr", fnp.fliplr, _at_least(2)),
    OpSpec("flipud", fnp.flipud, _at_least(1)),
    OpSpec("rot90", fnp.rot90, _at_least(2), params=_rot90_params),
    OpSpec("roll", fnp.roll, unary(), params=_roll_params),
    OpSpec("diag", fnp.diag, _at_least(1, 2), params=_k),
    OpSpec("diagflat", fnp.diagflat, unary(), params=_k),
    OpSpec(
        "diagonal", fnp.diagonal, _at_least(2), params=_two_axes(distinct=True, offset="offset")
    ),
    OpSpec("trace", fnp.trace, _at_least(2), params=_two_axes(distinct=True, offset="offset")),
    OpSpec("triu", fnp.triu, _at_least(1), params=_k),
    OpSpec("tril", fnp.tril, _at_least(1), params=_k),
    OpSpec(
        "atleast_1d",
        lambda *xs: fnp.atleast_1d(*xs),
        _any_shapes,
        reference=lambda *xs: np.atleast_1d(*xs),
    ),
    OpSpec(
        "atleast_2d",
        lambda *xs: fnp.atleast_2d(*xs),
        _any_shapes,
        reference=lambda *xs: np.atleast_2d(*xs),
    ),
    OpSpec(
        "atleast_3d",
        lambda *xs: fnp.atleast_3d(*xs),
        _any_shapes,
        reference=lambda *xs: np.atleast_3d(*xs),
    ),
    OpSpec("copy", fnp.copy, unary()),
    # family-level helpers shared with the indexing family
    OpSpec("slice_", slice_, _at_least(1), params=_slice_params, reference=_slice_reference),
    OpSpec(
        "pad_zeros", pad_zeros, unary(), params=_pad_zeros_params, reference=_pad_zeros_reference
    ),
    *_INDEX_EXPRESSIONS,
]
