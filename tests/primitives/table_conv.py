"""Rows of the primitive table: convolution and pooling (funcgrad.nn.conv).

numpy has no convolution, so each row's ``reference`` is a numpy composition of the same
code path: ``conv2d_p``'s own numpy implementation with the padding (once per group), and
``sliding_window_view`` then ``np.max`` / ``np.sum`` for pooling. The no-trace property then
checks that the public functions add nothing to that path (type, dtype, bits); the values
themselves are checked against direct loops in tests/nn/test_conv.py. Sizes stay small so
order-2 finite differences are quick; pooling inputs are spread out (no near-ties).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from funcgrad import nn
from funcgrad.nn.conv import _padding, _pair
from funcgrad.primitives.conv import conv2d_p

from .spec import OpSpec

# --- references ------------------------------------------------------------------------


def _conv_reference(x, w, stride=1, padding=0, dilation=1, groups=1):
    """conv2d_p's numpy implementation, padding included, on each group of channels."""
    if x.ndim == 3:
        return _conv_reference(x[None], w, stride, padding, dilation, groups)[0]
    strides, rhs = _pair(stride, "stride", "ref"), _pair(dilation, "dilation", "ref")
    pads = _padding(padding, x.shape[-2:], w.shape[-2:], strides, rhs)
    cg, og = x.shape[1] // groups, w.shape[0] // groups
    outs = [
        conv2d_p.impl(
            x[:, g * cg : (g + 1) * cg],
            w[g * og : (g + 1) * og],
            strides=strides,
            padding=tuple(pads),
            lhs_dilation=(1, 1),
            rhs_dilation=rhs,
            grouped=False,
        )
        for g in range(groups)
    ]
    return outs[0] if groups == 1 else np.concatenate(outs, axis=1)


def _windows(x, window, stride):
    window = _pair(window, "window", "ref")
    stride = window if stride is None else _pair(stride, "stride", "ref")
    return sliding_window_view(x, window, axis=(-2, -1))[..., :: stride[0], :: stride[1], :, :]


def _max_pool_reference(x, window, stride=None):
    return np.max(_windows(x, window, stride), axis=(-2, -1))


def _avg_pool_reference(x, window, stride=None):
    win = _windows(x, window, stride)
    return np.sum(win, axis=(-2, -1)) * (1.0 / (win.shape[-2] * win.shape[-1]))


# --- input strategies ------------------------------------------------------------------


def _rng(draw: Any) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def _conv_args(draw, groups: bool = False):
    """``(x, w)``: NCHW (sometimes CHW) input and OIHW kernel, sizes 1 to 5."""
    g = draw(st.integers(2, 3)) if groups else 1
    cg, og = draw(st.integers(1, 2 if groups else 3)), draw(st.integers(1, 2 if groups else 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    rng = _rng(draw)
    x = rng.uniform(-2.0, 2.0, size=(*batch, g * cg, h, w))
    k = rng.uniform(-1.0, 1.0, size=(g * og, cg, kh, kw))
    return x, k


@st.composite
def _conv_params(draw, args, groups: bool = False):
    """stride, padding (every accepted form) and a dilation that keeps the kernel fitting."""
    x, w = args
    (h, wd), (kh, kw) = x.shape[-2:], w.shape[-2:]
    pair = st.tuples(st.integers(1, 2), st.integers(1, 2))
    padding = st.one_of(
        st.integers(0, 2),
        st.tuples(st.integers(0, 2), st.integers(0, 1)),
        st.tuples(
            st.tuples(st.integers(0, 2), st.integers(0, 1)),
            st.tuples(st.integers(0, 1), st.integers(0, 2)),
        ),
        st.sampled_from(["SAME", "VALID"]),
    )
    dilations = [d for d in (1, 2) if (kh - 1) * d < h and (kw - 1) * d < wd]
    params = {
        "stride": draw(st.one_of(st.integers(1, 3), pair)),
        "padding": draw(padding),
        "dilation": draw(st.sampled_from(dilations)),
    }
    if groups:
        params["groups"] = x.shape[-3] // w.shape[1]
    return params


@st.composite
def _pool_args(draw):
    """``(x,)`` NCHW or CHW; values a shuffled grid 0.05 apart (window maxima are unique)."""
    shape = (*draw(st.sampled_from([(), (1,), (2,)])), draw(st.integers(1, 2)))
    shape += (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    rng = _rng(draw)
    n = int(np.prod(shape))
    values = (rng.permutation(n) - n / 2) * 0.05 + rng.uniform(0.0, 0.01, size=n)
    return (values.reshape(shape),)


@st.composite
def _pool_params(draw, args):
    h, w = args[0].shape[-2:]
    window = draw(
        st.one_of(
            st.integers(1, min(h, w, 3)),
            st.tuples(st.integers(1, min(h, 3)), st.integers(1, min(w, 3))),
        )
    )
    stride = draw(
        st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 2), st.integers(1, 3)))
    )
    return {"window": window, "stride": stride}


CONV = [
    OpSpec(
        "nn.conv2d",
        nn.conv2d,
        _conv_args,
        params=_conv_params,
        reference=_conv_reference,
    ),
    OpSpec(
        "nn.conv2d_groups",
        nn.conv2d,
        lambda: _conv_args(groups=True),
        params=lambda args: _conv_params(args, groups=True),
        reference=_conv_reference,
    ),
    OpSpec(
        "nn.max_pool2d",
        nn.max_pool2d,
        _pool_args,
        params=_pool_params,
        reference=_max_pool_reference,
    ),
    OpSpec(
        "nn.avg_pool2d",
        nn.avg_pool2d,
        _pool_args,
        params=_pool_params,
        reference=_avg_pool_reference,
    ),
]
