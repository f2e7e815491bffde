"""Rows of the primitive table: indexing, gathers, functional updates and sorting."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad.testing.strategies import arrays, shapes

from .spec import OpSpec, binary, nary, unary
from .specials import attach

# --- index expressions -----------------------------------------------------------------


@st.composite
def _slice(draw, n):
    step = draw(st.sampled_from([None, 1, 2, 3, -1, -2]))
    start = draw(st.one_of(st.none(), st.integers(-n, n)))
    stop = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
    s = slice(start, stop, step)
    return s if len(range(*s.indices(n))) else slice(None, None, step)


@st.composite
def _segment(draw, shape, lo, hi, kinds, state):
    """Index items for the axes lo..hi-1 of ``shape``."""
    items = []
    d = lo
    while d < hi:
        n = shape[d]
        options = ["int", "slice"] + [k for k in kinds if k != "mask" or not state["mask"]]
        kind = draw(st.sampled_from(options))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
            d += 1
        elif kind == "slice":
            items.append(draw(_slice(n)))
            d += 1
        elif kind == "array":  # repeats and negatives; sometimes as a list
            size = int(np.prod(state["arr_shape"]))
            vals = draw(st.lists(st.integers(-n, n - 1), min_size=size, max_size=size))
            arr = np.array(vals, dtype=np.intp).reshape(state["arr_shape"])
            items.append(arr.tolist() if draw(st.booleans()) else arr)
            d += 1
        else:  # a boolean mask over k axes, at least one True
            k = draw(st.integers(1, hi - d))
            mshape = shape[d : d + k]
            size = int(np.prod(mshape))
            flat = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)))
            flat[draw(st.integers(0, size - 1))] = True
            items.append(flat.reshape(mshape))
            state["mask"] = True
            d += k
    return items


@st.composite
def index_exprs(draw, shape, trailing=0):
    """A numpy index valid for ``shape`` that leaves its last ``trailing`` axes alone.

    Mixes ints (negative too), slices with steps, None, Ellipsis, integer arrays with
    repeats (or lists) and boolean masks; the result is never empty.
    """
    nd = len(shape) - trailing
    adv = draw(st.sampled_from(["basic", "array", "mask"]))
    state = {"mask": False, "arr_shape": draw(st.sampled_from([(1,), (2,), (3,), (2, 2)]))}
    kinds = [] if adv == "basic" else [adv]
    n_front = draw(st.integers(0, nd))
    use_ellipsis = draw(st.booleans())
    n_back = draw(st.integers(0, nd - n_front)) if use_ellipsis and trailing == 0 else 0
    items = draw(_segment(shape, 0, n_front, kinds, state))
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if use_ellipsis:
        items.append(Ellipsis)
        items += draw(_segment(shape, len(shape) - n_back, len(shape), kinds, state))
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


def _idx_params(args):
    return st.fixed_dictionaries({"idx": index_exprs(np.shape(args[0]))})


def _trailing_idx_params(args):
    return st.fixed_dictionaries({"idx": index_exprs(np.shape(args[0]), np.ndim(args[1]))})


@st.composite
def _x_and_trailing_v(draw, lo=-2.0, hi=2.0, x_lo=-2.0, x_hi=2.0):
    """``(x, v)``: v has the shape of x's last few axes (possibly none: a scalar)."""
    shape = draw(shapes(min_dims=1, max_dims=3))
    j = draw(st.integers(0, len(shape)))
    x = draw(arrays(shape=shape, min_value=x_lo, max_value=x_hi))
    v = draw(arrays(shape=shape[len(shape) - j :], min_value=lo, max_value=hi))
    return x, v


def _updated(kind):
    def ref(x, v, idx):
        out = x.copy()
        if kind == "set":
            out[idx] = v
        else:
            getattr(np, kind).at(out, idx, v)
        return out

    return ref


def _applied(ufunc):
    def ref(x, idx):
        out = x.copy()
        ufunc.at(out, idx)
        return out

    return ref


def _gathered_ref(kind, f):
    def ref(x, idx):
        return _updated(kind)(x, f(x[idx]), idx)

    return ref


# --- take, take_along_axis, choose, compress, extract ------------------------------------


@st.composite
def _take_params(draw, args):
    shape = np.shape(args[0])
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    ishape = draw(st.sampled_from([(), (1,), (3,), (2, 2)]))
    vals = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
    indices = np.resize(np.array(vals, dtype=np.intp), ishape)
    return {"indices": int(indices) if ishape == () else indices, "axis": axis}


@st.composite
def _along_params(draw, args):
    shape = np.shape(args[0])
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    ishape = [draw(st.sampled_from([1, n])) for n in shape]
    ishape[axis] = draw(st.integers(1, 4))
    n = shape[axis]
    size = int(np.prod(ishape))
    vals = draw(st.lists(st.integers(-n, n - 1), min_size=size, max_size=size))
    return {"indices": np.array(vals, dtype=np.intp).reshape(ishape), "axis": axis}


@st.composite
def _choose_params(draw, args):
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    ashape = shape[draw(st.integers(0, len(shape))) :]
    size = int(np.prod(ashape))
    vals = draw(st.lists(st.integers(0, len(args) - 1), min_size=size, max_size=size))
    return {"a": np.array(vals, dtype=np.intp).reshape(ashape)}


@st.composite
def _compress_params(draw, args):
    shape = np.shape(args[0])
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    k = draw(st.integers(1, n))
    cond = np.array(draw(st.lists(st.booleans(), min_size=k, max_size=k)))
    cond[draw(st.integers(0, k - 1))] = True
    return {"condition": cond, "axis": axis}


@st.composite
def _mask_params(draw, args):
    shape = np.shape(args[0])
    size = int(np.prod(shape))
    flat = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)))
    flat[draw(st.integers(0, size - 1))] = True
    return {"condition": flat.reshape(shape)}


# --- sorting -------------------------------------------------------------------------


@st.composite
def _sort_axis(draw, args):
    nd = np.ndim(args[0])
    return {"axis": draw(st.one_of(st.none(), st.integers(-nd, nd - 1)) if nd else st.none())}


@st.composite
def _kth_params(draw, args):
    nd = np.ndim(args[0])
    axis = draw(st.one_of(st.none(), st.integers(-nd, nd - 1)))
    n = np.size(args[0]) if axis is None else np.shape(args[0])[axis]
    kth = draw(
        st.one_of(st.integers(-n, n - 1), st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    )
    return {"kth": kth, "axis": axis}


@st.composite
def _reduce_axes(draw, args):
    nd = np.ndim(args[0])
    single = st.integers(-nd, nd - 1)
    many = st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple)
    axis = draw(st.one_of(st.none(), single, many) if nd else st.none())
    return {"axis": axis, "keepdims": draw(st.booleans())}


def _q_params(scale):
    @st.composite
    def draw_q(draw, args):
        q = draw(
            st.one_of(
                st.floats(0.0, 1.0),
                st.sampled_from([0, 1]),
                st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3).map(np.array),
            )
        )
        q = q * scale if not isinstance(q, int) else q * int(scale)
        return {"q": q, **draw(_reduce_axes(args))}

    return draw_q


@st.composite
def _sorted_and_values(draw):
    n = draw(st.integers(1, 5))
    a = draw(arrays(shape=(n,)))
    v = draw(arrays(shape=shapes(max_dims=2)))
    return a, v


INDEXING = [
    # reading
    OpSpec(
        "getitem",
        lambda x, idx: fnp._getitem(x, idx),
        unary(shape=shapes(min_dims=0, max_dims=4, max_side=3)),
        params=_idx_params,
        reference=lambda x, idx: x[idx],
    ),
    OpSpec(
        "at_get",
        lambda x, idx: fnp.at(x)[idx].get(),
        unary(shape=shapes(min_dims=1, max_dims=3)),
        params=_idx_params,
        reference=lambda x, idx: x[idx],
    ),
    # functional updates (repeated indices: add accumulates, set keeps the last)
    OpSpec(
        "at_set",
        lambda x, v, idx: fnp.at(x)[idx].set(v),
        _x_and_trailing_v,
        params=_trailing_idx_params,
        reference=_updated("set"),
    ),
    OpSpec(
        "at_add",
        lambda x, v, idx: fnp.at(x)[idx].add(v),
        _x_and_trailing_v,
        params=_trailing_idx_params,
        reference=_updated("add"),
    ),
    OpSpec(
        "at_multiply",
        lambda x, v, idx: fnp.at(x)[idx].multiply(v),
        lambda: _x_and_trailing_v(0.5, 1.5),
        params=_trailing_idx_params,
        reference=_updated("multiply"),
    ),
    OpSpec(
        "at_divide",
        lambda x, v, idx: fnp.at(x)[idx].divide(v),
        lambda: _x_and_trailing_v(0.5, 1.5),
        params=_trailing_idx_params,
        reference=_updated("divide"),
    ),
    OpSpec(
        "at_power",
        lambda x, v, idx: fnp.at(x)[idx].power(v),
        lambda: _x_and_trailing_v(0.5, 1.5, 0.5, 1.5),
        params=_trailing_idx_params,
        reference=_updated("power"),
    ),
    OpSpec(
        "at_min",
        lambda x, v, idx: fnp.at(x)[idx].min(v),
        lambda: _x_and_trailing_v(-1.9, 2.1),  # never equal to x (no ties)
        params=_trailing_idx_params,
        reference=_updated("minimum"),
    ),
    OpSpec(
        "at_max",
        lambda x, v, idx: fnp.at(x)[idx].max(v),
        lambda: _x_and_trailing_v(-1.9, 2.1),  # never equal to x (no ties)
        params=_trailing_idx_params,
        reference=_updated("maximum"),
    ),
    OpSpec(
        "at_apply",
        lambda x, idx: fnp.at(x)[idx].apply(fnp.sin),
        unary(shape=shapes(min_dims=1, max_dims=3)),
        params=_idx_params,
        reference=_applied(np.sin),
    ),
    OpSpec(
        "at_set_gathered",
        lambda x, idx: fnp.at(x)[idx].set(fnp.sin(x[idx])),
        unary(shape=shapes(min_dims=1, max_dims=3)),
        params=_idx_params,
        reference=_gathered_ref("set", np.sin),
    ),
    OpSpec(
        "at_add_gathered",
        lambda x, idx: fnp.at(x)[idx].add(x[idx] * x[idx]),
        unary(shape=shapes(min_dims=1, max_dims=3)),
        params=_idx_params,
        reference=_gathered_ref("add", lambda y: y * y),
    ),
    # gathers
    OpSpec(
        "take",
        lambda x, indices, axis: fnp.take(x, indices, axis=axis),
        unary(shape=shapes(min_dims=1)),
        params=_take_params,
        reference=lambda x, indices, axis: np.take(x, indices, axis=axis),
    ),
    OpSpec(
        "take_along_axis",
        lambda x, indices, axis: fnp.take_along_axis(x, indices, axis),
        unary(shape=shapes(min_dims=1)),
        params=_along_params,
        reference=lambda x, indices, axis: np.take_along_axis(x, indices, axis),
    ),
    OpSpec(
        "choose",
        lambda c0, c1, c2, a: fnp.choose(a, [c0, c1, c2]),
        nary(3),
        params=_choose_params,
        reference=lambda c0, c1, c2, a: np.choose(a, [c0, c1, c2]),
    ),
    OpSpec(
        "select",
        lambda x, y, z: fnp.select([x > 0.5, y < 0.0], [x, y], z),
        nary(3),
        reference=lambda x, y, z: np.select([x > 0.5, y < 0.0], [x, y], z),
    ),
    OpSpec(
        "select_scalar_default",
        lambda x, y: fnp.select([x > 0.5, y < 0.0], [x, y]),
        binary(),
        reference=lambda x, y: np.select([x > 0.5, y < 0.0], [x, y]),
    ),
    OpSpec(
        "compress",
        lambda x, condition, axis: fnp.compress(condition, x, axis=axis),
        unary(shape=shapes(min_dims=1)),
        params=_compress_params,
        reference=lambda x, condition, axis: np.compress(condition, x, axis=axis),
    ),
    OpSpec(
        "extract",
        lambda x, condition: fnp.extract(condition, x),
        unary(),
        params=_mask_params,
        reference=lambda x, condition: np.extract(condition, x),
    ),
    # index-returning functions (concrete values only: zero derivative, no vmap)
    OpSpec(
        "nonzero",
        lambda x: fnp.nonzero(fnp.where(x > 0.0, x, 0.0)),
        unary(shape=shapes(min_dims=1)),
        reference=lambda x: np.nonzero(np.where(x > 0.0, x, 0.0)),
        differentiable=False,
        vmap=False,
    ),
    OpSpec(
        "flatnonzero",
        lambda x: fnp.flatnonzero(fnp.where(x > 0.0, x, 0.0)),
        unary(),
        reference=lambda x: np.flatnonzero(np.where(x > 0.0, x, 0.0)),
        differentiable=False,
        vmap=False,
    ),
    OpSpec(
        "argwhere",
        lambda x: fnp.argwhere(fnp.where(x > 0.0, x, 0.0)),
        unary(),
        reference=lambda x: np.argwhere(np.where(x > 0.0, x, 0.0)),
        differentiable=False,
        vmap=False,
    ),
    OpSpec(
        "unique",
        lambda x: fnp.unique(fnp.where(x > 0.0, 1.0, x), return_counts=True),
        unary(),
        reference=lambda x: np.unique(np.where(x > 0.0, 1.0, x), return_counts=True),
        differentiable=False,
        vmap=False,
    ),
    # sorting
    OpSpec(
        "sort",
        lambda x, axis: fnp.sort(x, axis=axis),
        unary(separated=True),
        params=_sort_axis,
        reference=lambda x, axis: np.sort(x, axis=axis),
    ),
    OpSpec(
        "argsort",
        lambda x, axis: fnp.argsort(x, axis=axis),
        unary(),
        params=_sort_axis,
        reference=lambda x, axis: np.argsort(x, axis=axis),
        differentiable=False,
    ),
    OpSpec(
        "partition",
        lambda x, kth, axis: fnp.partition(x, kth, axis=axis),
        unary(shape=shapes(min_dims=1), separated=True),
        params=_kth_params,
        reference=lambda x, kth, axis: np.partition(x, kth, axis=axis),
    ),
    OpSpec(
        "argpartition",
        lambda x, kth, axis: fnp.argpartition(x, kth, axis=axis),
        unary(shape=shapes(min_dims=1)),
        params=_kth_params,
        reference=lambda x, kth, axis: np.argpartition(x, kth, axis=axis),
        differentiable=False,
    ),
    OpSpec(
        "searchsorted",
        lambda a, v, side: fnp.searchsorted(fnp.sort(a), v, side=side),
        _sorted_and_values,
        params=lambda args: st.fixed_dictionaries({"side": st.sampled_from(["left", "right"])}),
        reference=lambda a, v, side: np.searchsorted(np.sort(a), v, side=side),
        differentiable=False,
    ),
    OpSpec(
        "median",
        lambda x, axis, keepdims: fnp.median(x, axis=axis, keepdims=keepdims),
        unary(separated=True),
        params=_reduce_axes,
        reference=lambda x, axis, keepdims: np.median(x, axis=axis, keepdims=keepdims),
    ),
    OpSpec(
        "quantile",
        lambda x, q, axis, keepdims: fnp.quantile(x, q, axis=axis, keepdims=keepdims),
        unary(separated=True),
        params=_q_params(1.0),
        reference=lambda x, q, axis, keepdims: np.quantile(x, q, axis=axis, keepdims=keepdims),
    ),
    OpSpec(
        "percentile",
        lambda x, q, axis, keepdims: fnp.percentile(x, q, axis=axis, keepdims=keepdims),
        unary(separated=True),
        params=_q_params(100.0),
        reference=lambda x, q, axis, keepdims: np.percentile(x, q, axis=axis, keepdims=keepdims),
    ),
]
INDEXING = attach(INDEXING)
