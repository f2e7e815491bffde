"""Elementwise functions of funcgrad.numpy: numpy's ufuncs, each binding its primitive.

With no tracer among the arguments, ``bind`` calls the numpy ufunc itself, so results are
bitwise equal to numpy's. Imports the primitives layer only.
"""

from __future__ import annotations

from typing import Any

from ..primitives import elementwise as _ew
from ._convert import as_array


def negative(x: Any, /) -> Any:
    """Numerical negative, elementwise (numpy.negative)."""
    return _ew.negative_p.bind(as_array(x))


def sign(x: Any, /) -> Any:
    """Elementwise sign (numpy.sign); zero derivative."""
    return _ew.sign_p.bind(as_array(x))


def floor(x: Any, /) -> Any:
    """Elementwise floor (numpy.floor); zero derivative."""
    return _ew.floor_p.bind(as_array(x))


def ceil(x: Any, /) -> Any:
    """Elementwise ceiling (numpy.ceil); zero derivative."""
    return _ew.ceil_p.bind(as_array(x))


def rint(x: Any, /) -> Any:
    """Round to the nearest integer (numpy.rint); zero derivative."""
    return _ew.rint_p.bind(as_array(x))


def trunc(x: Any, /) -> Any:
    """Truncate toward zero (numpy.trunc); zero derivative."""
    return _ew.trunc_p.bind(as_array(x))


def exp(x: Any, /) -> Any:
    """Elementwise e**x (numpy.exp)."""
    return _ew.exp_p.bind(as_array(x))


def exp2(x: Any, /) -> Any:
    """Elementwise 2**x (numpy.exp2)."""
    return _ew.exp2_p.bind(as_array(x))


def expm1(x: Any, /) -> Any:
    """Elementwise exp(x) - 1, accurate near 0 (numpy.expm1)."""
    return _ew.expm1_p.bind(as_array(x))


def log(x: Any, /) -> Any:
    """Elementwise natural logarithm (numpy.log)."""
    return _ew.log_p.bind(as_array(x))


def log2(x: Any, /) -> Any:
    """Elementwise base-2 logarithm (numpy.log2)."""
    return _ew.log2_p.bind(as_array(x))


def log10(x: Any, /) -> Any:
    """Elementwise base-10 logarithm (numpy.log10)."""
    return _ew.log10_p.bind(as_array(x))


def log1p(x: Any, /) -> Any:
    """Elementwise log(1 + x), accurate near 0 (numpy.log1p)."""
    return _ew.log1p_p.bind(as_array(x))


def sqrt(x: Any, /) -> Any:
    """Elementwise square root (numpy.sqrt)."""
    return _ew.sqrt_p.bind(as_array(x))


def cbrt(x: Any, /) -> Any:
    """Elementwise cube root (numpy.cbrt)."""
    return _ew.cbrt_p.bind(as_array(x))


def square(x: Any, /) -> Any:
    """Elementwise x**2 (numpy.square)."""
    return _ew.square_p.bind(as_array(x))


def reciprocal(x: Any, /) -> Any:
    """Elementwise 1/x (numpy.reciprocal)."""
    return _ew.reciprocal_p.bind(as_array(x))


def sin(x: Any, /) -> Any:
    """Elementwise sine (numpy.sin)."""
    return _ew.sin_p.bind(as_array(x))


def cos(x: Any, /) -> Any:
    """Elementwise cosine (numpy.cos)."""
    return _ew.cos_p.bind(as_array(x))


def tan(x: Any, /) -> Any:
    """Elementwise tangent (numpy.tan)."""
    return _ew.tan_p.bind(as_array(x))


def arcsin(x: Any, /) -> Any:
    """Elementwise inverse sine (numpy.arcsin)."""
    return _ew.arcsin_p.bind(as_array(x))


def arccos(x: Any, /) -> Any:
    """Elementwise inverse cosine (numpy.arccos)."""
    return _ew.arccos_p.bind(as_array(x))


def arctan(x: Any, /) -> Any:
    """Elementwise inverse tangent (numpy.arctan)."""
    return _ew.arctan_p.bind(as_array(x))


def sinh(x: Any, /) -> Any:
    """Elementwise hyperbolic sine (numpy.sinh)."""
    return _ew.sinh_p.bind(as_array(x))


def cosh(x: Any, /) -> Any:
    """Elementwise hyperbolic cosine (numpy.cosh)."""
    return _ew.cosh_p.bind(as_array(x))


def tanh(x: Any, /) -> Any:
    """Elementwise hyperbolic tangent (numpy.tanh)."""
    return _ew.tanh_p.bind(as_array(x))


def arcsinh(x: Any, /) -> Any:
    """Elementwise inverse hyperbolic sine (numpy.arcsinh)."""
    return _ew.arcsinh_p.bind(as_array(x))


def arccosh(x: Any, /) -> Any:
    """Elementwise inverse hyperbolic cosine (numpy.arccosh)."""
    return _ew.arccosh_p.bind(as_array(x))


def arctanh(x: Any, /) -> Any:
    """Elementwise inverse hyperbolic tangent (numpy.arctanh)."""
    return _ew.arctanh_p.bind(as_array(x))


def deg2rad(x: Any, /) -> Any:
    """Degrees to radians (numpy.deg2rad)."""
    return _ew.deg2rad_p.bind(as_array(x))


def rad2deg(x: Any, /) -> Any:
    """Radians to degrees (numpy.rad2deg)."""
    return _ew.rad2deg_p.bind(as_array(x))


def abs(x: Any, /) -> Any:
    """Elementwise absolute value (numpy.abs); derivative sign(x), 0 at 0."""
    return _ew.abs_p.bind(as_array(x))


def real(x: Any, /) -> Any:
    """Real part (numpy.real)."""
    return _ew.real_p.bind(as_array(x))


def imag(x: Any, /) -> Any:
    """Imaginary part (numpy.imag)."""
    return _ew.imag_p.bind(as_array(x))


def conj(x: Any, /) -> Any:
    """Complex conjugate (numpy.conj)."""
    return _ew.conj_p.bind(as_array(x))


def isnan(x: Any, /) -> Any:
    """Test for NaN (numpy.isnan); zero derivative."""
    return _ew.isnan_p.bind(as_array(x))


def isinf(x: Any, /) -> Any:
    """Test for +/-inf (numpy.isinf); zero derivative."""
    return _ew.isinf_p.bind(as_array(x))


def isfinite(x: Any, /) -> Any:
    """Test for finite values (numpy.isfinite); zero derivative."""
    return _ew.isfinite_p.bind(as_array(x))


def signbit(x: Any, /) -> Any:
    """True where the sign bit is set (numpy.signbit); zero derivative."""
    return _ew.signbit_p.bind(as_array(x))


def logical_not(x: Any, /) -> Any:
    """Elementwise NOT (numpy.logical_not); zero derivative."""
    return _ew.logical_not_p.bind(as_array(x))


def add(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 + x2 with broadcasting (numpy.add)."""
    return _ew.add_p.bind(as_array(x1), as_array(x2))


def subtract(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 - x2 with broadcasting (numpy.subtract)."""
    return _ew.subtract_p.bind(as_array(x1), as_array(x2))


def multiply(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 * x2 with broadcasting (numpy.multiply)."""
    return _ew.multiply_p.bind(as_array(x1), as_array(x2))


def divide(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 / x2 with broadcasting (numpy.divide)."""
    return _ew.divide_p.bind(as_array(x1), as_array(x2))


def power(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 ** x2 (numpy.power)."""
    return _ew.power_p.bind(as_array(x1), as_array(x2))


def float_power(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 ** x2 in at least float64 (numpy.float_power)."""
    return _ew.float_power_p.bind(as_array(x1), as_array(x2))


def maximum(x1: Any, x2: Any, /) -> Any:
    """Elementwise maximum (numpy.maximum); ties split the derivative evenly."""
    return _ew.maximum_p.bind(as_array(x1), as_array(x2))


def minimum(x1: Any, x2: Any, /) -> Any:
    """Elementwise minimum (numpy.minimum); ties split the derivative evenly."""
    return _ew.minimum_p.bind(as_array(x1), as_array(x2))


def fmax(x1: Any, x2: Any, /) -> Any:
    """Elementwise maximum ignoring NaNs (numpy.fmax)."""
    return _ew.fmax_p.bind(as_array(x1), as_array(x2))


def fmin(x1: Any, x2: Any, /) -> Any:
    """Elementwise minimum ignoring NaNs (numpy.fmin)."""
    return _ew.fmin_p.bind(as_array(x1), as_array(x2))


def arctan2(x1: Any, x2: Any, /) -> Any:
    """Elementwise arctan(x1 / x2) with quadrant (numpy.arctan2)."""
    return _ew.arctan2_p.bind(as_array(x1), as_array(x2))


def hypot(x1: Any, x2: Any, /) -> Any:
    """Elementwise sqrt(x1**2 + x2**2) (numpy.hypot)."""
    return _ew.hypot_p.bind(as_array(x1), as_array(x2))


def logaddexp(x1: Any, x2: Any, /) -> Any:
    """Elementwise log(exp(x1) + exp(x2)), stable (numpy.logaddexp)."""
    return _ew.logaddexp_p.bind(as_array(x1), as_array(x2))


def logaddexp2(x1: Any, x2: Any, /) -> Any:
    """Elementwise log2(2**x1 + 2**x2), stable (numpy.logaddexp2)."""
    return _ew.logaddexp2_p.bind(as_array(x1), as_array(x2))


def remainder(x1: Any, x2: Any, /) -> Any:
    """Elementwise remainder with the sign of x2 (numpy.remainder)."""
    return _ew.remainder_p.bind(as_array(x1), as_array(x2))


def fmod(x1: Any, x2: Any, /) -> Any:
    """Elementwise C-style remainder (numpy.fmod)."""
    return _ew.fmod_p.bind(as_array(x1), as_array(x2))


def copysign(x1: Any, x2: Any, /) -> Any:
    """x1 with the sign of x2 (numpy.copysign)."""
    return _ew.copysign_p.bind(as_array(x1), as_array(x2))


def floor_divide(x1: Any, x2: Any, /) -> Any:
    """Elementwise floor(x1 / x2) (numpy.floor_divide); zero derivative."""
    return _ew.floor_divide_p.bind(as_array(x1), as_array(x2))


def equal(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 == x2 (numpy.equal); zero derivative."""
    return _ew.equal_p.bind(as_array(x1), as_array(x2))


def not_equal(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 != x2 (numpy.not_equal); zero derivative."""
    return _ew.not_equal_p.bind(as_array(x1), as_array(x2))


def less(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 < x2 (numpy.less); zero derivative."""
    return _ew.less_p.bind(as_array(x1), as_array(x2))


def less_equal(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 <= x2 (numpy.less_equal); zero derivative."""
    return _ew.less_equal_p.bind(as_array(x1), as_array(x2))


def greater(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 > x2 (numpy.greater); zero derivative."""
    return _ew.greater_p.bind(as_array(x1), as_array(x2))


def greater_equal(x1: Any, x2: Any, /) -> Any:
    """Elementwise x1 >= x2 (numpy.greater_equal); zero derivative."""
    return _ew.greater_equal_p.bind(as_array(x1), as_array(x2))


def logical_and(x1: Any, x2: Any, /) -> Any:
    """Elementwise AND (numpy.logical_and); zero derivative."""
    return _ew.logical_and_p.bind(as_array(x1), as_array(x2))


def logical_or(x1: Any, x2: Any, /) -> Any:
    """Elementwise OR (numpy.logical_or); zero derivative."""
    return _ew.logical_or_p.bind(as_array(x1), as_array(x2))


def logical_xor(x1: Any, x2: Any, /) -> Any:
    """Elementwise XOR (numpy.logical_xor); zero derivative."""
    return _ew.logical_xor_p.bind(as_array(x1), as_array(x2))


def invert(x: Any, /) -> Any:
    """Bitwise NOT of integers, logical NOT of booleans (numpy.invert, ``~x``)."""
    return _ew.invert_p.bind(as_array(x))


def bitwise_and(x1: Any, x2: Any, /) -> Any:
    """Elementwise bitwise AND (numpy.bitwise_and, ``x1 & x2``); zero derivative."""
    return _ew.bitwise_and_p.bind(as_array(x1), as_array(x2))


def bitwise_or(x1: Any, x2: Any, /) -> Any:
    """Elementwise bitwise OR (numpy.bitwise_or, ``x1 | x2``); zero derivative."""
    return _ew.bitwise_or_p.bind(as_array(x1), as_array(x2))


def bitwise_xor(x1: Any, x2: Any, /) -> Any:
    """Elementwise bitwise XOR (numpy.bitwise_xor, ``x1 ^ x2``); zero derivative."""
    return _ew.bitwise_xor_p.bind(as_array(x1), as_array(x2))
