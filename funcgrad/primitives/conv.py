"""Convolution and pooling windows: ``conv2d_p``; ``windows_p`` and its transpose.

``conv2d_p`` is a general 2-D cross-correlation (XLA's ``conv_general_dilated`` restricted to
NCHW/OIHW): window strides, explicit padding (negative entries crop), input ("lhs") and
kernel ("rhs") dilation, and an optional leading group axis shared by both operands. That
family is closed under differentiation: the input gradient is a correlation of the error
with the flipped kernel (a transposed convolution: the error dilated by the stride), and the
kernel gradient a correlation of the input with the error (the error as the kernel, dilated
by the stride), so VJPs bind ``conv2d_p`` again and every derivative order works. The group
axis is what batching needs when both operands carry a batch (one kernel per example).

The implementation is im2col through a windows view: ``sliding_window_view`` of the padded
input, reshaped (one copy) into columns and contracted with the kernel by ``matmul``
(measured fastest in numpy; the figures are in the comment above ``_COLUMN_BYTES``). When
zero padding is most of the padded input (the input gradient of a small stride-1
convolution), one product per input position and one add per kernel tap does no work on
zeros (``_conv_scatter``: 528 -> 256 us for the 8x8 CNN benchmark's second layer).

``windows_p`` exposes the (strided) pooling windows of the last two axes as two trailing
axes, as a view; ``windows_sum_p`` adds windows back in place (overlap-add), its transpose.
Pooling is a reduction over those axes (``max_``, ``sum_``), so it inherits their rules.
Imports core and the shape family.
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..core.avals import ShapedArray
from ..core.errors import FuncgradValueError
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from ..core.trace import trace_stack
from .shape import _bdim_front, flip, move_axis, reshape, transpose

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]

# Measured on one core with OpenBLAS (batch 64, 3x3 kernels; 8x8 and 28x28 images, 1 to 16
# channels, float64 and float32), against einsum/tensordot on the windows view, a loop of
# one product per kernel tap over shifted slices, and im2col in NHWC order: im2col from
# the windows view into columns (K = C*kh*kw, Ho*Wo), multiplied per example as
# (O, K) @ (K, Ho*Wo) so the result comes out NCHW-contiguous, was fastest or within 10%
# everywhere except many-channel float32 layers (the tap loop, up to 1.6x faster there).
# Filling the columns a slice of the batch at a time (about 2 MB each) keeps them in
# cache: 1.3-2x faster on 28x28 images, the same on 8x8.
_COLUMN_BYTES = 1 << 21
# Output positions per example below which one (rows, K) @ (K, O) product beats one
# (O, K) @ (K, positions) product per example (the kernel-gradient correlation has few).
_FEW_POSITIONS = 16


def _dilated(n: int, d: int) -> int:
    return (n - 1) * d + 1 if n else 0


def conv_out_size(n: int, k: int, stride: int, pad: Pair, lhs: int, rhs: int) -> int:
    """Output length along one spatial axis (may be < 1: the window does not fit)."""
    return (_dilated(n, lhs) + pad[0] + pad[1] - _dilated(k, rhs)) // stride + 1


# --- conv2d --------------------------------------------------------------------------


def _dilate_pad(x: np.ndarray, padding: Padding, dilation: Pair) -> np.ndarray:
    """Zeros between the elements of the last two axes, then padding (negative: crop)."""
    if dilation == (1, 1) and padding == ((0, 0), (0, 0)):
        return x
    (hl, hh), (wl, wh) = padding
    hd, wd = _dilated(x.shape[-2], dilation[0]), _dilated(x.shape[-1], dilation[1])
    ph, pw = max(hl, 0), max(wl, 0)
    out = np.zeros((*x.shape[:-2], ph + hd + max(hh, 0), pw + wd + max(wh, 0)), x.dtype)
    out[..., ph : ph + hd : dilation[0], pw : pw + wd : dilation[1]] = x
    return out[
        ..., max(-hl, 0) : out.shape[-2] - max(-hh, 0), max(-wl, 0) : out.shape[-1] - max(-wh, 0)
    ]


def _mostly_padding(x, padding, strides, lhs_dilation, rhs_dilation) -> bool:
    """Whether zero padding is at least half the padded input (a transposed convolution)."""
    if strides != (1, 1) or lhs_dilation != (1, 1) or rhs_dilation != (1, 1):
        return False
    (hl, hh), (wl, wh) = padding
    if min(hl, hh, wl, wh) < 0:
        return False
    h, w = x.shape[-2:]
    return (h + hl + hh) * (w + wl + wh) >= 2 * h * w


def _conv_scatter(x, w, padding):
    """Stride-1 correlation as one product per input position, then one add per kernel tap.

    Every kernel tap's contribution ``x[..., n, :, y, z] @ w[..., :, :, a, b].T`` comes from
    one ``(N*H*W, C) @ (C, kh*kw*O)`` product (per group) and is added at its output
    positions; no column holds padding zeros, which makes this 2x faster than im2col when
    the padding is most of the padded input (the input gradient of a small convolution).
    """
    *g, n, c, h, wd = x.shape
    o, _, kh, kw = w.shape[-4:]
    (hl, hh), (wl, wh) = padding
    ho, wo = h + hl + hh - kh + 1, wd + wl + wh - kw + 1
    xm = np.moveaxis(x, -3, -1).reshape(*g, n * h * wd, c)
    wm = np.moveaxis(w, -4, -1).reshape(*g, c, kh * kw * o)
    taps = np.matmul(xm, wm).reshape(*g, n, h, wd, kh, kw, o)
    out = np.zeros((*g, n, ho, wo, o), np.result_type(x.dtype, w.dtype))
    for a in range(kh):
        i0, i1 = max(hl - a, 0), min(ho, h + hl - a)
        for b in range(kw):
            j0, j1 = max(wl - b, 0), min(wo, wd + wl - b)
            if i0 < i1 and j0 < j1:  # the tap meets the input at some output position
                rows, cols = slice(i0 + a - hl, i1 + a - hl), slice(j0 + b - wl, j1 + b - wl)
                out[..., i0:i1, j0:j1, :] += taps[..., rows, cols, a, b, :]
    return np.ascontiguousarray(np.moveaxis(out, -1, -3))


def _conv_impl(x, w, *, strides, padding, lhs_dilation, rhs_dilation, grouped):
    x, w = np.asarray(x), np.asarray(w)
    if _mostly_padding(x, padding, strides, lhs_dilation, rhs_dilation):
        return _conv_scatter(x, w, padding)
    win = _windows(x, w.shape[-2:], strides, padding, lhs_dilation, rhs_dilation)
    (kh, kw), itemsize = w.shape[-2:], x.itemsize
    lead, (c, ho, wo) = win.shape[:-5], win.shape[-5:-2]
    o, k, p = w.shape[-4], c * kh * kw, ho * wo
    wm = w.reshape(*w.shape[:-3], k)  # (O, K) or (G, O, K)
    if p < _FEW_POSITIONS:
        # Few positions (the kernel gradient): one (N*Ho*Wo, K) @ (K, O) product per group.
        cols = np.moveaxis(win, -5, -3).reshape(*lead[:-1], lead[-1] * p, k)
        out = np.matmul(cols, np.swapaxes(wm, -1, -2)).reshape(*lead, ho, wo, o)
        return np.moveaxis(out, -1, -3)
    # Per example (O, K) @ (K, Ho*Wo), a slice of axis 0 (examples, or groups) at a time.
    cols_view = np.moveaxis(win, (-2, -1), (-4, -3))  # (..., C, kh, kw, Ho, Wo)
    out = np.empty((*lead, o, p), np.result_type(x.dtype, w.dtype))
    per_item = max(math.prod(lead[1:]) * k * p * itemsize, 1)
    step = max(_COLUMN_BYTES // per_item, 1)
    for a in range(0, lead[0], step):
        cols = cols_view[a : a + step].reshape(-1, *lead[1:], k, p)
        np.matmul(wm[a : a + step, None] if grouped else wm, cols, out=out[a : a + step])
    # All columns in one array, not a view of x, while a transformation runs (a gradient may
    # follow; a plain forward keeps nothing): the kernel gradient's.
    if not grouped and step >= lead[0] and trace_stack() and not np.may_share_memory(cols, x):
        _COLUMNS.remember(x, (w.shape[-2:], strides, padding, lhs_dilation, rhs_dilation), cols)
    return out.reshape(*lead, o, ho, wo)


def _windows(x, kernel, strides, padding, lhs_dilation, rhs_dilation):
    """The (strided, dilated) windows of padded ``x``: a view ``(..., C, Ho, Wo, kh, kw)``."""
    xp = _dilate_pad(x, padding, lhs_dilation)
    (kh, kw), (dh, dw) = kernel, rhs_dilation
    win = sliding_window_view(xp, (_dilated(kh, dh), _dilated(kw, dw)), axis=(-2, -1))
    return win[..., :: strides[0], :: strides[1], ::dh, ::dw]


class _Columns:
    """The im2col columns ``(N, C*kh*kw, Ho*Wo)`` of recent forward convolutions, by input.

    The kernel gradient is ``sum_n out_bar[n] @ cols[n].T``: with the forward's columns at
    hand it skips rebuilding them (a strided gather as costly as the product; 200 -> 85 us
    for the 8x8 CNN benchmark's second layer). Columns are kept only while a transformation
    runs and only when they are no view of the input (that would keep it alive); an entry
    is dropped when its input array is freed, and at most ``size`` are kept. Only eager
    (ndarray) gradients of small convolutions use it, and they compute the same columns
    when there is no entry, so results do not depend on what is cached.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.entries: dict[int, tuple[Any, tuple, np.ndarray]] = {}
        self.lock = threading.Lock()  # eviction iterates: threads must not interleave

    def remember(self, x: np.ndarray, key: tuple, cols: np.ndarray) -> None:
        entries, ident = self.entries, id(x)
        with self.lock:
            if len(entries) >= self.size:
                try:
                    for oldest in entries:  # the first inserted
                        entries.pop(oldest, None)
                        break
                except RuntimeError:  # a freed input's entry left meanwhile: room enough
                    pass
            entries[ident] = (weakref.ref(x, lambda _: entries.pop(ident, None)), key, cols)

    def recall(self, x: np.ndarray, key: tuple) -> np.ndarray | None:
        entry = self.entries.get(id(x))
        if entry is None or entry[0]() is not x or entry[1] != key:
            return None
        return entry[2]


_COLUMNS = _Columns()


def _kernel_grad_eager(out_bar, x, w, params) -> np.ndarray | None:
    """``w``'s cotangent as ``sum_n out_bar[n] @ cols[n].T`` (None: use the conv path).

    For ndarrays, ungrouped, and columns within ``_COLUMN_BYTES`` (what the forward keeps).
    """
    key = (w.shape[-2:], *params)
    n, o, ho, wo = out_bar.shape
    k = w.shape[1] * w.shape[2] * w.shape[3]
    if n * k * ho * wo * x.itemsize > _COLUMN_BYTES:
        return None
    cols = _COLUMNS.recall(x, key)
    if cols is None:
        win = _windows(x, *key)
        cols = np.moveaxis(win, (-2, -1), (-4, -3)).reshape(n, k, ho * wo)
    gw = np.matmul(out_bar.reshape(n, o, ho * wo), np.swapaxes(cols, -1, -2))
    return np.add.reduce(gw, axis=0).reshape(w.shape)


def _conv_aval(x, w, *, strides, padding, lhs_dilation, rhs_dilation, grouped):
    lead = x.shape[:-3]
    if x.ndim != 4 + grouped or w.ndim != 4 + grouped or lead[:-1] != w.shape[:-4]:
        raise FuncgradValueError(
            f"conv2d: operands of shapes {x.shape} and {w.shape} are not "
            + ("(G, N, C, H, W) and (G, O, C, kh, kw)" if grouped else "NCHW and OIHW")
        )
    if x.shape[-3] != w.shape[-3]:
        raise FuncgradValueError(
            f"conv2d: the input has {x.shape[-3]} channels (shape {x.shape}) but the kernel "
            f"expects {w.shape[-3]} (shape {w.shape})"
        )
    out = tuple(
        conv_out_size(n, k, *args)
        for n, k, *args in zip(
            x.shape[-2:], w.shape[-2:], strides, padding, lhs_dilation, rhs_dilation, strict=True
        )
    )
    if min(out) < 1:
        raise FuncgradValueError(
            f"conv2d: the kernel (shape {w.shape}, dilation {rhs_dilation}) does not fit the "
            f"padded input (shape {x.shape}, padding {padding}, dilation {lhs_dilation})"
        )
    return ShapedArray((*lead, w.shape[-4], *out), np.result_type(x.dtype, w.dtype))


def _swap_channels(a: Any) -> Any:
    """Swap the two axes before the spatial ones (N<->C of an input, O<->C of a kernel)."""
    n = np.ndim(a)
    return transpose(a, (*range(n - 4), n - 3, n - 4, n - 2, n - 1))


def _conv_vjp_x(out_bar, out, x, w, *, strides, padding, lhs_dilation, rhs_dilation, grouped):
    del out
    # x_bar = (out_bar dilated by the stride) correlated with the flipped, O<->C-swapped
    # kernel; the lhs dilation of x becomes the stride, picking x's own positions.
    n = np.ndim(w)
    w_t = flip(_swap_channels(w), (n - 2, n - 1))
    pads = []
    for ax in range(2):
        size, k, o_size = x.shape[-2 + ax], w.shape[-2 + ax], out_bar.shape[-2 + ax]
        s, lo = strides[ax], padding[ax][0]
        lhs, rhs = lhs_dilation[ax], rhs_dilation[ax]
        pads.append((rhs * (k - 1) - lo, lhs * (size - 1) + lo - s * (o_size - 1)))
    return conv(
        out_bar,
        w_t,
        strides=lhs_dilation,
        padding=(pads[0], pads[1]),
        lhs_dilation=strides,
        rhs_dilation=rhs_dilation,
        grouped=grouped,
    )


def _conv_vjp_w(out_bar, out, x, w, *, strides, padding, lhs_dilation, rhs_dilation, grouped):
    del out
    if not grouped and type(out_bar) is np.ndarray and type(x) is np.ndarray:
        params = (strides, padding, lhs_dilation, rhs_dilation)
        w_bar = _kernel_grad_eager(out_bar, x, w, params)
        if w_bar is not None:
            return w_bar
    # w_bar = x correlated with out_bar as the kernel (dilated by the stride), over the
    # batch as channels; the high padding is trimmed so exactly kh x kw positions remain.
    pads = []
    for ax in range(2):
        size, k, o_size = x.shape[-2 + ax], w.shape[-2 + ax], out_bar.shape[-2 + ax]
        s, lo = strides[ax], padding[ax][0]
        lhs, rhs = lhs_dilation[ax], rhs_dilation[ax]
        pads.append((lo, s * (o_size - 1) + rhs * (k - 1) - lhs * (size - 1) - lo))
    w_bar = conv(
        _swap_channels(x),
        _swap_channels(out_bar),
        strides=rhs_dilation,
        padding=(pads[0], pads[1]),
        lhs_dilation=lhs_dilation,
        rhs_dilation=strides,
        grouped=grouped,
    )
    return _swap_channels(w_bar)


def _conv_batch(axis_size, args, dims, *, grouped, **params):
    (x, w), (dx, dw) = args, dims
    b = axis_size
    if dx is not None and dw is not None:
        # One kernel per example: the batch becomes the group axis (merged with any).
        x, w = _bdim_front(x, dx), _bdim_front(w, dw)
        if grouped:
            x = reshape(x, (b * x.shape[1], *x.shape[2:]))
            w = reshape(w, (b * w.shape[1], *w.shape[2:]))
        out = conv(x, w, grouped=True, **params)
        if grouped:
            out = reshape(out, (b, out.shape[0] // b, *out.shape[1:]))
        return out, 0
    if dx is not None:  # the batch joins the examples: N -> B*N
        x = move_axis(x, dx, int(grouped))
        g = x.shape[:1] if grouped else ()
        x = reshape(x, (*g, b * x.shape[len(g) + 1], *x.shape[len(g) + 2 :]))
        out = conv(x, w, grouped=grouped, **params)
        n = out.shape[len(g)] // b
        return reshape(out, (*g, b, n, *out.shape[len(g) + 1 :])), len(g)
    # only the kernel is batched: the batch joins the output channels, O -> B*O
    w = move_axis(w, dw, int(grouped))
    g = w.shape[:1] if grouped else ()
    w = reshape(w, (*g, b * w.shape[len(g) + 1], *w.shape[len(g) + 2 :]))
    out = conv(x, w, grouped=grouped, **params)
    at = len(g) + 1
    return reshape(out, (*out.shape[:at], b, out.shape[at] // b, *out.shape[at + 1 :])), at


conv2d_p = Primitive("conv2d", _conv_impl, _conv_aval)
VJP.define(conv2d_p, _conv_vjp_x, _conv_vjp_w)
JVP.define(
    conv2d_p,
    lambda x_dot, out, x, w, **params: conv(x_dot, w, **params),
    lambda w_dot, out, x, w, **params: conv(x, w_dot, **params),
)
BATCH.define(conv2d_p, _conv_batch)


def conv(
    x: Any,
    w: Any,
    *,
    strides: Pair,
    padding: Padding,
    lhs_dilation: Pair = (1, 1),
    rhs_dilation: Pair = (1, 1),
    grouped: bool = False,
) -> Any:
    """Cross-correlation of NCHW ``x`` with OIHW ``w`` (``(G, ...)`` of both if ``grouped``).

    ``padding`` is ``((top, bottom), (left, right))`` (negative entries crop); the spatial
    output size is ``(dilated_in + pads - dilated_kernel) // stride + 1`` per axis.
    """
    return conv2d_p.bind(
        x,
        w,
        strides=tuple(map(int, strides)),
        padding=tuple((int(lo), int(hi)) for lo, hi in padding),
        lhs_dilation=tuple(map(int, lhs_dilation)),
        rhs_dilation=tuple(map(int, rhs_dilation)),
        grouped=bool(grouped),
    )


# --- windows, windows_sum --------------------------------------------------------------


def _windows_impl(x, *, window, strides):
    win = sliding_window_view(np.asarray(x), window, axis=(-2, -1))
    return win[..., :: strides[0], :: strides[1], :, :]


def _windows_aval(x, *, window, strides):
    if x.ndim < 2:
        raise FuncgradValueError(f"windows: an input of shape {x.shape} has no two axes to pool")
    out = tuple((n - k) // s + 1 for n, k, s in zip(x.shape[-2:], window, strides, strict=True))
    if min(out) < 1:
        raise FuncgradValueError(f"windows: window {window} does not fit an input {x.shape}")
    return ShapedArray((*x.shape[:-2], *out, *window), x.dtype)


def _windows_sum_impl(g, *, shape, strides):
    g = np.asarray(g)
    (ho, wo, kh, kw), (sh, sw) = g.shape[-4:], strides
    out = np.zeros((*g.shape[:-4], *shape), g.dtype)
    if (sh, sw) == (kh, kw):  # windows tile the input: a reshape puts them in place
        out[..., : ho * kh, : wo * kw] = np.swapaxes(g, -3, -2).reshape(
            *g.shape[:-4], ho * kh, wo * kw
        )
        return out
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)
            out[..., rows, cols] += g[..., i, j]
    return out


def _windows_sum_aval(g, *, shape, strides):
    return ShapedArray((*g.shape[:-4], *shape), g.dtype)


def _windows_batch(axis_size, args, dims, *, window, strides):
    del axis_size
    (x,), (d,) = args, dims
    return windows(_bdim_front(x, d), window, strides), 0


def _windows_sum_batch(axis_size, args, dims, *, shape, strides):
    del axis_size
    (g,), (d,) = args, dims
    return windows_sum(_bdim_front(g, d), shape, strides), 0


windows_p = Primitive("windows", _windows_impl, _windows_aval)
VJP.define(
    windows_p,
    lambda out_bar, out, x, *, window, strides: windows_sum(out_bar, x.shape[-2:], strides),
)
JVP.define_linear(windows_p)
BATCH.define(windows_p, _windows_batch)

windows_sum_p = Primitive("windows_sum", _windows_sum_impl, _windows_sum_aval)
VJP.define(
    windows_sum_p,
    lambda out_bar, out, g, *, shape, strides: windows(out_bar, g.shape[-2:], strides),
)
JVP.define_linear(windows_sum_p)
BATCH.define(windows_sum_p, _windows_sum_batch)


def windows(x: Any, window: Pair, strides: Pair) -> Any:
    """The ``window``-sized patches of the last two axes of ``x``, every ``strides`` step:
    shape ``(..., Ho, Wo, kh, kw)`` (no padding; a view outside transformations)."""
    return windows_p.bind(x, window=tuple(map(int, window)), strides=tuple(map(int, strides)))


def windows_sum(g: Any, shape: Pair, strides: Pair) -> Any:
    """Add windows ``g`` of shape ``(..., Ho, Wo, kh, kw)`` back into an array whose last two
    axes have ``shape`` (the transpose of ``windows``)."""
    return windows_sum_p.bind(g, shape=tuple(map(int, shape)), strides=tuple(map(int, strides)))
