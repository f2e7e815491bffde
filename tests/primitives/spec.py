"""The row type of the primitive table and the strategy helpers the family tables share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

from funcgrad.testing.strategies import arrays, broadcastable_shapes, shapes


@attrs.frozen
class Exact:
    """Exact references of an elementwise row, for the accuracy sweep (test_accuracy.py).

    ``value(*xs)`` and ``derivs[i](*xs)`` (the partial derivative in argument i) take
    Python floats and are written with ``math`` so they are accurate to a few ulps; they
    may raise OverflowError/ValueError outside the representable range (point skipped).
    ``domain`` gives each argument's open interval; the sweep covers it with a log-spaced
    grid of both signs up to |x| = 1000. ``rtol``/``rtol32`` bound the relative error of
    float64 results and of float32 results (against the float64 references).
    ``conditioned`` names the dtypes where the error is instead bounded relative to the
    value's sensitivity to its inputs, ``|f| + sum_i |x_i df/dx_i|`` (numpy's own
    algorithm rounds an intermediate such as ``pi * x`` in that dtype); give the reason.
    """

    value: Callable[..., float]
    derivs: tuple[Callable[..., float], ...] = attrs.field(converter=tuple)
    domain: tuple[tuple[float, float], ...] = ((-1000.0, 1000.0),)
    rtol: float = 1e-14
    rtol32: float = 2e-6
    conditioned: tuple[str, ...] = ()


@attrs.frozen
class Special:
    """A special point of a row (a zero, a tie, a bound), with JAX's derivative there.

    ``grads`` holds, per argument, the gradient of ``sum(cotangent * fun(*args))``
    (cotangent: ones unless given) as JAX 0.10 computes it (looked up once, with
    ``jax_enable_x64``), or the value funcgrad deliberately chooses, said in ``note``.
    ``order=2`` (one-argument rows) records the derivative of the derivative instead.
    """

    args: tuple = attrs.field(converter=tuple)
    grads: tuple = attrs.field(converter=tuple)
    params: dict = attrs.field(factory=dict)
    cotangent: Any = None
    order: int = 1
    note: str = ""


@attrs.frozen
class OpSpec:
    """One row: a public funcgrad.numpy function and how to draw its inputs.

    ``fun`` takes the drawn float arrays positionally and the drawn params as keywords.
    ``reference`` is the numpy function with the same signature (default: numpy's function
    of ``fun``'s name); the no-trace result must equal it bitwise.
    ``params`` maps the drawn args to a strategy of keyword dicts (axis, keepdims, ...).
    Rows of functions numpy does not have (``funcgrad.nn``) set ``numpy_twin=False``.
    """

    name: str
    fun: Callable[..., Any]
    args: Callable[[], st.SearchStrategy]
    params: Callable[[tuple], st.SearchStrategy] = lambda args: st.just({})
    reference: Callable[..., Any] | None = None
    order: int = 2
    differentiable: bool = True
    atol: float | None = None
    rtol: float | None = None
    eps: float | None = None
    vmap: bool = True
    numpy_twin: bool = True  # False: no numpy function to match (nn functions); outputs
    # are then expected to keep the input's float dtype
    relative: bool = True  # check_grads' relative criterion (small derivatives too)
    exact: Exact | None = None  # references for the accuracy sweep (elementwise rows)
    special: tuple[Special, ...] = attrs.field(default=(), converter=tuple)

    def numpy_fun(self) -> Callable[..., Any]:
        if self.reference is not None:
            return self.reference
        return getattr(np, self.fun.__name__)


def unary(
    min_value: float = -2.0,
    max_value: float = 2.0,
    shape: Any = None,
    dtype: Any = np.float64,
    im: tuple[float, float] | None = None,
    separated: bool = False,
) -> Callable[[], st.SearchStrategy]:
    """Draw ``(x,)`` with values in ``[min_value, max_value]``; complex128 with imaginary
    parts in ``im`` when it is given. ``separated``: the entries are a shuffled even grid
    with a little jitter, so no two are closer than half the grid step (order statistics:
    finite differences must not cross a tie)."""

    @st.composite
    def draw_args(draw: Any) -> tuple:
        x = draw(
            arrays(
                shape=shapes() if shape is None else shape,
                dtype=dtype,
                min_value=min_value,
                max_value=max_value,
            )
        )
        if im is not None or separated:
            rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        if separated and x.size > 1:
            step = (max_value - min_value) / (x.size - 1)
            grid = (
                np.linspace(min_value, max_value, x.size) + rng.uniform(-0.25, 0.25, x.size) * step
            )
            grid = np.clip(grid, min_value, max_value)
            x = rng.permutation(grid).reshape(x.shape).astype(x.dtype)
        if im is not None:
            x = x + 1j * rng.uniform(im[0], im[1], size=x.shape)
        return (x,)

    return draw_args


def nary(
    n: int, min_value: float = -2.0, max_value: float = 2.0, **bounds: Any
) -> Callable[[], st.SearchStrategy]:
    """Draw ``n`` arrays of mutually broadcastable shapes; ``arg1=(lo, hi)`` bounds one.

    ``im=(lo, hi)`` makes every array complex128 with imaginary parts in that range, and
    ``im1=(lo, hi)`` only argument 1 (its real part bounded by ``arg1`` as before).
    """

    @st.composite
    def draw_args(draw: Any) -> tuple:
        shps = draw(broadcastable_shapes(n))
        # One generator for all arrays: independent seeds may shrink to equal values.
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        out = []
        for i, s in enumerate(shps):
            lo, hi = bounds.get(f"arg{i}", (min_value, max_value))
            x = rng.uniform(lo, hi, size=s)
            im = bounds.get(f"im{i}", bounds.get("im"))
            if im is not None:
                x = x + 1j * rng.uniform(im[0], im[1], size=s)
            out.append(x)
        return tuple(out)

    return draw_args


def binary(min_value: float = -2.0, max_value: float = 2.0, **bounds: tuple[float, float]):
    """Draw ``(x, y)`` of broadcastable shapes."""
    return nary(2, min_value, max_value, **bounds)


def axis_and_keepdims(args: tuple) -> st.SearchStrategy:
    """``{"axis": None | int | tuple (negatives too), "keepdims": bool}`` valid for args[0]."""
    ndim = np.ndim(args[0])
    if ndim == 0:
        axis = st.just(None)
    else:
        single = st.integers(-ndim, ndim - 1)
        many = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
            tuple
        )
        axis = st.one_of(st.none(), single, many)
    return st.fixed_dictionaries({"axis": axis, "keepdims": st.booleans()})


def axis_only(args: tuple) -> st.SearchStrategy:
    """``{"axis": int}`` (negatives too) valid for args[0] (which has ndim >= 1)."""
    ndim = max(np.ndim(args[0]), 1)
    return st.fixed_dictionaries({"axis": st.integers(-ndim, ndim - 1)})
