"""Products of funcgrad.numpy: matmul, dot, vdot, inner, outer, tensordot, kron, einsum, cross.

Each is ``matmul`` or ``einsum`` (the two product primitives) with reshapes and transposes
around it. With nothing traced every function calls numpy itself, so results are numpy's
bit for bit. Imports core and the primitives layer.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from ..core.errors import FuncgradValueError
from ..core.trace import Tracer, is_traced
from ..primitives import elementwise as _ew, products as _la, shape as _shape
from ..primitives._axes import normalize_axis
from ._convert import as_array, as_arrays


def _arr(x: Any) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


def _prod(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _checked_matmul(x1: Any, x2: Any, name: str) -> Any:
    """``matmul`` of traced operands after numpy's shape checks (errors name ``name``)."""
    s1, s2 = x1.shape, x2.shape
    if not s1 or not s2:
        raise FuncgradValueError(
            f"{name}: Input operand {0 if not s1 else 1} does not have enough dimensions "
            f"(shapes {s1} and {s2})"
        )
    k1 = s1[-1]
    k2 = s2[0] if len(s2) == 1 else s2[-2]
    if k1 != k2:
        raise FuncgradValueError(
            f"{name}: mismatch in the contracted dimension: shapes {s1} and {s2} ({k1} != {k2})"
        )
    if len(s1) > 2 and len(s2) > 2:  # (a batch axis on one side alone always broadcasts)
        try:
            np.broadcast_shapes(s1[:-2], s2[:-2])
        except ValueError as e:
            raise FuncgradValueError(
                f"{name}: batch axes of {s1} and {s2} do not broadcast"
            ) from e
    return _la.matmul(x1, x2)


def matmul(x1: Any, x2: Any, /) -> Any:
    """Matrix product of two arrays, stacks of matrices broadcast (numpy.matmul).

    The derivative of ``x @ W`` (2-D) is two matmuls with transposed views.
    """
    x1, x2 = as_array(x1), as_array(x2)
    if not is_traced((x1, x2)):
        return np.matmul(x1, x2)
    return _checked_matmul(_arr(x1), _arr(x2), "matmul")


def matmul_operator(x1: Any, x2: Any) -> Any:
    """``x1 @ x2`` with a tracer on one side (``Tracer.__matmul__``): ``matmul``, with the
    common case (two 2-D operands that fit) binding the primitive at once."""
    if isinstance(x1, (np.ndarray, Tracer)) and isinstance(x2, (np.ndarray, Tracer)):
        s1, s2 = x1.shape, x2.shape
        if len(s1) == 2 and len(s2) == 2 and s1[1] == s2[0]:
            return _la.matmul_p.bind(x1, x2)
    return matmul(x1, x2)


def _tensordot(a: Any, b: Any, axes_a: tuple[int, ...], axes_b: tuple[int, ...]) -> Any:
    """Contract ``axes_a`` of ``a`` with ``axes_b`` of ``b`` as one 2-D matmul."""
    for i, j in zip(axes_a, axes_b, strict=True):
        if a.shape[i] != b.shape[j]:
            raise FuncgradValueError(
                f"tensordot: shape-mismatch for sum: axis {i} of {a.shape} and axis {j} of "
                f"{b.shape}"
            )
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [j for j in range(b.ndim) if j not in axes_b]
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    k = _prod(tuple(a.shape[i] for i in axes_a))
    a2 = _shape.reshape(
        _shape.transpose(a, (*free_a, *axes_a)), (_prod(tuple(a.shape[i] for i in free_a)), k)
    )
    b2 = _shape.reshape(
        _shape.transpose(b, (*axes_b, *free_b)), (k, _prod(tuple(b.shape[j] for j in free_b)))
    )
    return _shape.reshape(_la.matmul(a2, b2), out_shape)


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Sum products over the given axes (numpy.tensordot); one matmul inside."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.tensordot(a, b, axes)
    a, b = _arr(a), _arr(b)
    try:
        n = operator.index(axes)
    except TypeError:
        axes_a, axes_b = axes
        axes_a = (axes_a,) if isinstance(axes_a, int) else tuple(axes_a)
        axes_b = (axes_b,) if isinstance(axes_b, int) else tuple(axes_b)
        if len(axes_a) != len(axes_b):
            raise FuncgradValueError("tensordot: shape-mismatch for sum") from None
    else:
        if n > min(a.ndim, b.ndim) or n < 0:
            raise FuncgradValueError(
                f"tensordot: cannot contract {n} axes of {a.shape}, {b.shape}"
            )
        axes_a, axes_b = tuple(range(a.ndim - n, a.ndim)), tuple(range(n))
    axes_a = tuple(normalize_axis(i, a.ndim, op="tensordot") for i in axes_a)
    axes_b = tuple(normalize_axis(j, b.ndim, op="tensordot") for j in axes_b)
    return _tensordot(a, b, axes_a, axes_b)


def dot(a: Any, b: Any) -> Any:
    """Dot product (numpy.dot): matmul for vectors and matrices, else a tensordot of the
    last axis of ``a`` with the second-to-last of ``b``."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.dot(a, b)
    a, b = _arr(a), _arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return _ew.multiply(a, b)
    if b.ndim <= 2 or a.ndim == 1:
        return _checked_matmul(a, b, "dot")
    return _tensordot(a, b, (a.ndim - 1,), (b.ndim - 2,))


def vdot(a: Any, b: Any, /) -> Any:
    """Dot product of the flattened arrays, conjugating the first (numpy.vdot)."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.vdot(a, b)
    a, b = _arr(a), _arr(b)
    if a.size != b.size:
        raise FuncgradValueError(f"vdot: vectors have different lengths ({a.size}, {b.size})")
    if a.dtype.kind == "c":
        a = _ew.conj(a)
    return _la.matmul(_shape.reshape(a, (a.size,)), _shape.reshape(b, (b.size,)))


def inner(a: Any, b: Any, /) -> Any:
    """Inner product over the last axes (numpy.inner)."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.inner(a, b)
    a, b = _arr(a), _arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return _ew.multiply(a, b)
    if a.ndim == 1 and b.ndim == 1:
        return _checked_matmul(a, b, "inner")
    return _tensordot(a, b, (a.ndim - 1,), (b.ndim - 1,))


def outer(a: Any, b: Any) -> Any:
    """Outer product of the flattened arrays (numpy.outer)."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.outer(a, b)
    a, b = _arr(a), _arr(b)
    return _ew.multiply(_shape.reshape(a, (a.size, 1)), _shape.reshape(b, (1, b.size)))


def kron(a: Any, b: Any) -> Any:
    """Kronecker product (numpy.kron): block ``[i, j]`` of the result is ``a[i, j] * b``."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.kron(a, b)
    a, b = _arr(a), _arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return _ew.multiply(a, b)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    # Interleave the axes: a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...).
    a = _shape.reshape(a, tuple(d for s in sa for d in (s, 1)))
    b = _shape.reshape(b, tuple(d for s in sb for d in (1, s)))
    return _shape.reshape(_ew.multiply(a, b), tuple(x * y for x, y in zip(sa, sb, strict=True)))


def _interleaved(args: tuple) -> tuple[str, list]:
    """numpy's ``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])`` as a string."""

    def letters(sub: Any) -> str:
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            else:
                s = operator.index(s)
                if not 0 <= s < 52:
                    raise FuncgradValueError(f"einsum: subscript {s} is not in [0, 52)")
                out.append(_la._LETTERS[s])
        return "".join(out)

    ops = list(args[0::2])
    subs = [letters(s) for s in args[1::2]]
    if len(args) % 2:
        ops = ops[:-1]
        return ",".join(subs) + "->" + letters(args[-1]), ops
    return ",".join(subs), ops


def einsum(*operands: Any, optimize: Any = False) -> Any:
    """Einstein summation (numpy.einsum), in the string or the interleaved form.

    Size-1 axes broadcast against their subscript as in numpy. Under transformations
    ``optimize`` is ignored: large contractions always use numpy's path optimiser.
    """
    operands = tuple(as_arrays(operands))
    if not is_traced(operands):
        return np.einsum(*operands, optimize=optimize)
    if isinstance(operands[0], str):
        subscripts, ops = operands[0], list(operands[1:])
    else:
        subscripts, ops = _interleaved(operands)
    ops = [_arr(o) for o in ops]
    normal = _la.einsum_subscripts(subscripts, [o.shape for o in ops])
    return _la.einsum(normal, *ops)


def _levi_civita(n_out: int, n_a: int, n_b: int, dtype: Any) -> np.ndarray:
    eps = np.zeros((3, 3, 3), dtype)
    for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        eps[i, j, k], eps[i, k, j] = 1, -1
    return eps[:n_out, :n_a, :n_b]


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None):
    """Cross product of 3-vectors (or 2-vectors) along the given axes (numpy.cross)."""
    a, b = as_array(a), as_array(b)
    if not is_traced((a, b)):
        return np.cross(a, b, axisa, axisb, axisc, axis)
    a, b = _arr(a), _arr(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    if a.ndim < 1 or b.ndim < 1:
        raise FuncgradValueError("cross: At least one array has zero dimension")
    a = _shape.move_axis(a, normalize_axis(axisa, a.ndim, "axisa", "cross"), a.ndim - 1)
    b = _shape.move_axis(b, normalize_axis(axisb, b.ndim, "axisb", "cross"), b.ndim - 1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise FuncgradValueError(
            "cross: incompatible dimensions for cross product (dimension must be 2 or 3)"
        )
    if na == 2 or nb == 2:
        warnings.warn(
            "Arrays of 2-dimensional vectors are deprecated. Use arrays of "
            "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
            DeprecationWarning,
            stacklevel=2,
        )
    dtype = np.result_type(a.dtype, b.dtype)
    if na == nb == 2:  # the z component only
        eps = _levi_civita(3, 2, 2, dtype)[2]
        return einsum("jk,...j,...k->...", eps, a, b)
    out = einsum("ijk,...j,...k->...i", _levi_civita(3, na, nb, dtype), a, b)
    return _shape.move_axis(out, out.ndim - 1, normalize_axis(axisc, out.ndim, "axisc", "cross"))
