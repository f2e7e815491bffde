"""Convolution and pooling (NCHW inputs, OIHW weights) and the ``Conv2d`` layer.

(One-dimensional convolution, ``conv1d`` and ``Conv1d``, is in ``conv1d.py``: a
convolution with a length-1 height axis.)

``conv2d`` is a cross-correlation as in PyTorch's ``conv2d`` (no kernel flip); it binds
``primitives.conv.conv2d_p``, whose derivatives are convolutions again (every order, vmap,
per-example gradients). Pooling reduces the strided windows of ``primitives.conv.windows``
with the reductions family (``max_`` / ``sum_``), so it inherits their rules. Public face:
imports the primitives, tree and the initialisers.
"""

from __future__ import annotations

import operator
from typing import Any

import attrs
import numpy as np

from ..core.errors import FuncgradValueError
from ..primitives.conv import Padding, conv, conv_out_size, windows
from ..primitives.reductions import max_, sum_
from ..primitives.shape import reshape, transpose
from ..tree import static_field
from .layers import initializer_named


def _ints(value: Any) -> tuple[int, ...]:
    """An int as ``(value,)``, a sequence as a tuple of ints; TypeError for anything else."""
    if np.ndim(value) == 0:
        return (operator.index(value),)
    return tuple(operator.index(v) for v in value)


def _pair(value: Any, name: str, fn: str) -> tuple[int, int]:
    """An int or a pair of ints, as a pair of positive ints."""
    try:
        ints = _ints(value)
    except TypeError:
        ints = ()
    ints = ints * 2 if np.ndim(value) == 0 else ints
    if len(ints) != 2 or min(ints) < 1:
        raise FuncgradValueError(
            f"{fn}: {name} must be a positive int or a pair of them, got {value!r}"
        )
    return ints[0], ints[1]


def _padding(
    padding: Any,
    spatial: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> Padding:
    """``((top, bottom), (left, right))`` from an int, a pair, pairs, "SAME" or "VALID"."""
    pads: list[tuple[int, ...]] = []
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return ((0, 0), (0, 0))
        if mode == "SAME":  # TF/JAX: out = ceil(n / stride), the extra zero at the end
            for n, k, s, d in zip(spatial, kernel, stride, dilation, strict=True):
                total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
                pads.append((total // 2, total - total // 2))
    else:
        try:
            entries = [padding, padding] if np.ndim(padding) == 0 else list(padding)
            pads = [_ints(v) * (2 if np.ndim(v) == 0 else 1) for v in entries]
        except TypeError:
            pads = []
    if len(pads) == 2 and all(len(p) == 2 and min(p) >= 0 for p in pads):
        (top, bottom), (left, right) = pads
        return ((top, bottom), (left, right))
    raise FuncgradValueError(
        "conv2d: padding must be a non-negative int, a pair (ph, pw), a pair of "
        f"(before, after) pairs, 'SAME' or 'VALID'; got {padding!r}"
    )


def conv2d(
    x: Any, w: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
) -> Any:
    """2-D cross-correlation of NCHW ``x`` with OIHW ``w`` (PyTorch's ``conv2d``, no bias).

    Args:
      x: input of shape ``(N, C, H, W)``, or ``(C, H, W)`` for one example.
      w: kernel of shape ``(O, C // groups, kh, kw)``.
      stride: int or pair ``(sh, sw)``.
      padding: zeros around the input: an int, a pair ``(ph, pw)`` (both sides), a pair
        of ``(before, after)`` pairs, ``"VALID"`` (none) or ``"SAME"`` (TF/JAX: output
        size ``ceil(H / sh)``; an odd total puts the extra zero at the bottom/right).
      dilation: int or pair; spacing between kernel taps.
      groups: channels split into ``groups`` independent convolutions (``C`` and ``O``
        divisible by it; ``groups == C`` is a depthwise convolution).

    Returns:
      ``(N, O, Ho, Wo)`` (``(O, Ho, Wo)`` for a 3-D ``x``) with
      ``Ho = (H + pads - dilation * (kh - 1) - 1) // sh + 1``, the dtype of ``x @ w``.

    Raises:
      FuncgradValueError: if the ranks or channel counts do not match, the kernel does not fit the
        padded input, or an argument is malformed; the message shows the shapes.

    Example:
      >>> x, w = np.arange(16.0).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2))
      >>> conv2d(x, w, stride=2)[0, 0]
      array([[10., 18.],
             [42., 50.]])
    """
    xs, ws = tuple(np.shape(x)), tuple(np.shape(w))
    if len(xs) not in (3, 4) or len(ws) != 4:
        raise FuncgradValueError(
            f"conv2d: x must be NCHW (or CHW) and w OIHW, got shapes {xs} and {ws}"
        )
    if len(xs) == 3:
        out = conv2d(reshape(x, (1, *xs)), w, stride, padding, dilation, groups)
        return reshape(out, tuple(out.shape[1:]))
    groups = operator.index(groups)
    (n, c, h, wd), (o, cg, kh, kw) = xs, ws
    if groups < 1 or c % groups or o % groups or cg * groups != c:
        raise FuncgradValueError(
            f"conv2d: x has {c} channels (shape {xs}) but w (shape {ws}) with groups={groups} "
            f"takes {cg * groups}; w must be (O, C // groups, kh, kw) with O and C divisible "
            "by groups"
        )
    strides = _pair(stride, "stride", "conv2d")
    rhs = _pair(dilation, "dilation", "conv2d")
    pads = _padding(padding, (h, wd), (kh, kw), strides, rhs)
    sizes = zip((h, wd), (kh, kw), strides, pads, rhs, strict=True)
    if min(conv_out_size(m, k, s, p, 1, d) for m, k, s, p, d in sizes) < 1:
        raise FuncgradValueError(
            f"conv2d: the kernel (shape {ws}, dilation {rhs}) does not fit the input (shape "
            f"{xs}) with padding {pads}; pad more or use a smaller kernel"
        )
    if groups == 1:
        return conv(x, w, strides=strides, padding=pads, rhs_dilation=rhs)
    # Groups become the leading group axis of conv2d_p: (G, N, C/G, H, W), (G, O/G, ...).
    xg = transpose(reshape(x, (n, groups, c // groups, h, wd)), (1, 0, 2, 3, 4))
    wg = reshape(w, (groups, o // groups, cg, kh, kw))
    out_g = conv(xg, wg, strides=strides, padding=pads, rhs_dilation=rhs, grouped=True)
    return reshape(transpose(out_g, (1, 0, 2, 3, 4)), (n, o, *out_g.shape[-2:]))


def _pool_windows(x: Any, window: Any, stride: Any, fn: str) -> tuple[Any, int]:
    shape = tuple(np.shape(x))
    window = _pair(window, "window", fn)
    stride = window if stride is None else _pair(stride, "stride", fn)
    if len(shape) < 2 or any(k > n for k, n in zip(window, shape[-2:], strict=True)):
        raise FuncgradValueError(
            f"{fn}: window {window} does not fit the last two axes of an input of shape "
            f"{shape} (NCHW or CHW; no padding)"
        )
    return windows(x, window, stride), len(shape)


def max_pool2d(x: Any, window: Any, stride: Any = None) -> Any:
    """Maximum over ``window``-sized patches of the last two axes (NCHW or CHW), no padding.

    Args:
      x: input; pooled over its last two axes.
      window: int or pair ``(kh, kw)``.
      stride: int or pair; defaults to ``window`` (non-overlapping windows).

    Returns:
      ``(..., Ho, Wo)`` with ``Ho = (H - kh) // sh + 1`` (trailing rows that fill no
      window are dropped, as in PyTorch).

    The derivative is the reductions family's ``max``: where a window has tied maxima the
    gradient is shared equally among them (JAX and autograd route it the same way for
    ``max``; PyTorch's pooling gives it all to one).

    Raises:
      FuncgradValueError: if the window does not fit the input or an argument is malformed.
    """
    win, ndim = _pool_windows(x, window, stride, "max_pool2d")
    return max_(win, axis=(ndim, ndim + 1))


def avg_pool2d(x: Any, window: Any, stride: Any = None) -> Any:
    """Mean over ``window``-sized patches of the last two axes (NCHW or CHW), no padding.

    Arguments and output shape as ``max_pool2d``; the mean is the window sum times
    ``1 / (kh * kw)``, so float32 stays float32.
    """
    win, ndim = _pool_windows(x, window, stride, "avg_pool2d")
    kh, kw = win.shape[-2:]
    return sum_(win, axis=(ndim, ndim + 1)) * (1.0 / (kh * kw))


def _static(value: Any) -> Any:
    """Lists (and nested lists) as tuples, so the static configuration is hashable."""
    if isinstance(value, (list, tuple)):
        return tuple(_static(v) for v in value)
    return value


@attrs.frozen
class Conv2d:
    """y = conv2d(x, weight, stride, padding, dilation, groups) + bias per output channel.

    ``weight`` has shape ``(out_channels, in_channels // groups, kh, kw)`` (OIHW), ``bias``
    ``(out_channels,)`` or None; the convolution settings are static fields (not leaves).
    Inputs are NCHW (or CHW).
    """

    weight: Any
    bias: Any
    stride: int | tuple[int, int] = static_field(default=1, converter=_static)
    padding: int | str | tuple[Any, Any] = static_field(default=0, converter=_static)
    dilation: int | tuple[int, int] = static_field(default=1, converter=_static)
    groups: int = static_field(default=1)

    @classmethod
    def init(
        cls,
        key: Any,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        *,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        use_bias: bool = True,
        initializer: str = "he_normal",
        dtype: Any = float,
    ) -> Conv2d:
        """Weights from ``initializer`` ("he_normal" or "glorot_uniform", fan_in =
        ``in_channels // groups * kh * kw``), zero bias (none if ``use_bias`` is false)."""
        kh, kw = _pair(kernel_size, "kernel_size", "Conv2d.init")
        if in_channels % groups or out_channels % groups:
            raise FuncgradValueError(
                f"Conv2d.init: in_channels={in_channels} and out_channels={out_channels} "
                f"must be divisible by groups={groups}"
            )
        init = initializer_named(initializer, "Conv2d.init")
        w = init(key, (out_channels, in_channels // groups, kh, kw), dtype)
        b = np.zeros(out_channels, dtype=dtype) if use_bias else None
        return cls(w, b, stride, padding, dilation, groups)

    def __call__(self, x: Any) -> Any:
        y = conv2d(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        if self.bias is None:
            return y
        return y + reshape(self.bias, (np.shape(self.bias)[0], 1, 1))
