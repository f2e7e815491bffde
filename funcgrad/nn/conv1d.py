"""One-dimensional convolution (NCL inputs, OIK weights) and the ``Conv1d`` layer.

A 1-D convolution is ``conv2d`` with a height axis of length 1 (kernel height 1, no
padding or stride there), so it shares ``conv2d``'s primitive and every rule of it. The
arguments are checked here, so messages speak of the 1-D shapes. Public face: imports the
2-D convolution, the layers' helpers and core's errors.
"""

from __future__ import annotations

import operator
from typing import Any

import attrs
import numpy as np

from ..core.errors import FuncgradValueError
from ..primitives.shape import reshape
from ..tree import static_field
from .conv import _static, conv2d
from .layers import initializer_named, positive_int


def _one(value: Any, name: str) -> int:
    """A positive int (or a 1-sequence of one); FuncgradValueError naming ``name``."""
    try:
        ints = (
            (operator.index(value),) if np.ndim(value) == 0 else tuple(map(operator.index, value))
        )
    except TypeError:
        ints = ()
    if len(ints) != 1 or ints[0] < 1:
        raise FuncgradValueError(f"conv1d: {name} must be a positive int, got {value!r}")
    return ints[0]


def _padding_1d(padding: Any) -> Any:
    """``"SAME"``/``"VALID"`` as is; an int or a ``(before, after)`` pair as 2-D padding."""
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise FuncgradValueError(
                f"conv1d: padding must be an int, a (before, after) pair, 'SAME' or 'VALID'; "
                f"got {padding!r}"
            )
        return padding
    try:
        pads = (operator.index(padding),) * 2 if np.ndim(padding) == 0 else tuple(padding)
        pads = tuple(operator.index(p) for p in pads)
    except TypeError:
        pads = ()
    if len(pads) != 2 or min(pads) < 0:
        raise FuncgradValueError(
            "conv1d: padding must be a non-negative int, a (before, after) pair, 'SAME' or "
            f"'VALID'; got {padding!r}"
        )
    return ((0, 0), pads)


def conv1d(
    x: Any, w: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
) -> Any:
    """1-D cross-correlation of NCL ``x`` with OIK ``w`` (PyTorch's ``conv1d``, no bias).

    Args:
      x: input of shape ``(N, C, L)``, or ``(C, L)`` for one example.
      w: kernel of shape ``(O, C // groups, k)``.
      stride, dilation: positive ints.
      padding: zeros on both sides (an int), a ``(before, after)`` pair, ``"VALID"`` or
        ``"SAME"`` (output length ``ceil(L / stride)``).
      groups: as in ``conv2d``.

    Returns:
      ``(N, O, Lo)`` (``(O, Lo)`` for a 2-D ``x``) with
      ``Lo = (L + pads - dilation * (k - 1) - 1) // stride + 1``.

    Raises:
      FuncgradValueError: if the ranks or channel counts do not match, the kernel does not
        fit the padded input, or an argument is malformed; the message shows the shapes.

    Example:
      >>> conv1d(np.arange(5.0).reshape(1, 1, 5), np.ones((1, 1, 2)))[0, 0]
      array([1., 3., 5., 7.])
    """
    xs, ws = tuple(np.shape(x)), tuple(np.shape(w))
    if len(xs) not in (2, 3) or len(ws) != 3:
        raise FuncgradValueError(
            f"conv1d: x must be NCL (or CL) and w OIK, got shapes {xs} and {ws}"
        )
    c, length = xs[-2:]
    if groups < 1 or c % groups or ws[0] % groups or ws[1] * groups != c:
        raise FuncgradValueError(
            f"conv1d: x has {c} channels (shape {xs}) but w (shape {ws}) with groups={groups} "
            f"takes {ws[1] * groups}; w must be (O, C // groups, k) with O and C divisible by "
            "groups"
        )
    s, d, pads = _one(stride, "stride"), _one(dilation, "dilation"), _padding_1d(padding)
    total = 0 if isinstance(pads, str) else sum(pads[1])
    fits_anyway = isinstance(pads, str) and pads.upper() == "SAME"
    if not fits_anyway and length + total - d * (ws[2] - 1) - 1 < 0:
        raise FuncgradValueError(
            f"conv1d: the kernel (shape {ws}, dilation {d}) does not fit the input "
            f"(shape {xs}) with padding {padding!r}; pad more or use a smaller kernel"
        )
    x2 = reshape(x, (*xs[:-1], 1, length))
    w2 = reshape(w, (*ws[:2], 1, ws[2]))
    out = conv2d(x2, w2, (1, s), pads, (1, d), groups)
    shape = tuple(out.shape)
    return reshape(out, (*shape[:-2], shape[-1]))


@attrs.frozen
class Conv1d:
    """y = conv1d(x, weight, stride, padding, dilation, groups) + bias per output channel.

    ``weight`` has shape ``(out_channels, in_channels // groups, k)``, ``bias``
    ``(out_channels,)`` or None; the settings are static fields. Inputs are NCL (or CL).
    """

    weight: Any
    bias: Any
    stride: int = static_field(default=1)
    padding: int | str | tuple[int, int] = static_field(default=0, converter=_static)
    dilation: int = static_field(default=1)
    groups: int = static_field(default=1)

    @classmethod
    def init(
        cls,
        key: Any,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        padding: Any = 0,
        dilation: int = 1,
        groups: int = 1,
        use_bias: bool = True,
        initializer: str = "he_normal",
        dtype: Any = float,
    ) -> Conv1d:
        """Weights from ``initializer`` (fan_in = ``in_channels // groups * k``), zero bias
        (none if ``use_bias`` is false).

        Raises:
          FuncgradValueError: if a size is not a positive int, the channels are not
            divisible by ``groups``, or the initializer is unknown.
        """
        init = initializer_named(initializer, "Conv1d.init")
        k = positive_int(kernel_size, "kernel_size", "Conv1d.init")
        in_channels = positive_int(in_channels, "in_channels", "Conv1d.init")
        out_channels = positive_int(out_channels, "out_channels", "Conv1d.init")
        if in_channels % groups or out_channels % groups:
            raise FuncgradValueError(
                f"Conv1d.init: in_channels={in_channels} and out_channels={out_channels} "
                f"must be divisible by groups={groups}"
            )
        w = init(key, (out_channels, in_channels // groups, k), dtype)
        b = np.zeros(out_channels, dtype=dtype) if use_bias else None
        return cls(w, b, stride, padding, dilation, groups)

    def __call__(self, x: Any) -> Any:
        y = conv1d(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        if self.bias is None:
            return y
        return y + reshape(self.bias, (np.shape(self.bias)[0], 1))
