"""Elementwise primitives: one line each, derivative written once (see ``_families``).

``deriv(x, out)`` for unary and ``d_x(x, y, out)``, ``d_y(x, y, out)`` for binary
primitives, written with funcgrad operations so they can be differentiated again. Family
wrappers at the end are what rules and ``funcgrad.numpy`` call. Imports core, ``_families``
and the shape family.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from ..core.trace import Tracer
from ._families import define_binary, define_unary, elementwise_batch

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))
_DEG = float(np.pi / 180.0)

# --- unary ---------------------------------------------------------------------------
#                          name         numpy impl    d(out)/dx, from (x, out)
negative_p = define_unary("negative", np.negative, -1)
sign_p = define_unary("sign", np.sign, None)
floor_p = define_unary("floor", np.floor, None)
ceil_p = define_unary("ceil", np.ceil, None)
rint_p = define_unary("rint", np.rint, None)
trunc_p = define_unary("trunc", np.trunc, None)
exp_p = define_unary("exp", np.exp, lambda x, out: out)
exp2_p = define_unary("exp2", np.exp2, lambda x, out: out * _LN2)
expm1_p = define_unary("expm1", np.expm1, lambda x, out: exp(x))  # not out + 1: x << 0
log_p = define_unary("log", np.log, lambda x, out: 1.0 / x)
log2_p = define_unary("log2", np.log2, lambda x, out: 1.0 / (x * _LN2))
log10_p = define_unary("log10", np.log10, lambda x, out: 1.0 / (x * _LN10))
log1p_p = define_unary("log1p", np.log1p, lambda x, out: 1.0 / (x + 1.0))
sqrt_p = define_unary("sqrt", np.sqrt, lambda x, out: 0.5 / out)
cbrt_p = define_unary("cbrt", np.cbrt, lambda x, out: 1.0 / (3.0 * out * out))
square_p = define_unary("square", np.square, lambda x, out: 2.0 * x)
reciprocal_p = define_unary("reciprocal", np.reciprocal, lambda x, out: -(out * out))
sin_p = define_unary("sin", np.sin, lambda x, out: cos(x))
cos_p = define_unary("cos", np.cos, lambda x, out: -sin(x))
tan_p = define_unary("tan", np.tan, lambda x, out: 1.0 + out * out)
arcsin_p = define_unary("arcsin", np.arcsin, lambda x, out: 1.0 / sqrt(_one_minus_sq(x)))
arccos_p = define_unary("arccos", np.arccos, lambda x, out: -1.0 / sqrt(_one_minus_sq(x)))
arctan_p = define_unary("arctan", np.arctan, lambda x, out: 1.0 / (1.0 + x * x))
sinh_p = define_unary("sinh", np.sinh, lambda x, out: cosh(x))
cosh_p = define_unary("cosh", np.cosh, lambda x, out: sinh(x))
tanh_p = define_unary("tanh", np.tanh, lambda x, out: sech2(x))  # not 1 - out^2: see sech2
arcsinh_p = define_unary("arcsinh", np.arcsinh, lambda x, out: 1.0 / _hypot1(x))
arccosh_p = define_unary(
    "arccosh", np.arccosh, lambda x, out: 1.0 / (sqrt(x - 1.0) * sqrt(x + 1.0))
)
arctanh_p = define_unary("arctanh", np.arctanh, lambda x, out: 1.0 / _one_minus_sq(x))
deg2rad_p = define_unary("deg2rad", np.deg2rad, lambda x, out: _DEG)
rad2deg_p = define_unary("rad2deg", np.rad2deg, lambda x, out: 1.0 / _DEG)
isnan_p = define_unary("isnan", np.isnan, None)
isinf_p = define_unary("isinf", np.isinf, None)
isfinite_p = define_unary("isfinite", np.isfinite, None)
signbit_p = define_unary("signbit", np.signbit, None)
logical_not_p = define_unary("logical_not", np.logical_not, None)

# --- binary --------------------------------------------------------------------------
#                           name         numpy impl     d_x(x, y, out) / d_y(x, y, out)
add_p = define_binary("add", np.add, 1, 1)
subtract_p = define_binary("subtract", np.subtract, 1, -1)
multiply_p = define_binary("multiply", np.multiply, lambda x, y, o: y, lambda x, y, o: x)
# divide(1.0, y), not 1.0 / y: y may be a Python 0.0 (numpy semantics: inf, a warning)
divide_p = define_binary(
    "divide", np.divide, lambda x, y, o: divide(1.0, y), lambda x, y, o: -o / y
)
maximum_p = define_binary(
    "maximum",
    np.maximum,
    lambda x, y, o: _max_share(x, y),  # ties split the derivative evenly, as in JAX
    lambda x, y, o: _max_share(y, x),
)
minimum_p = define_binary(
    "minimum", np.minimum, lambda x, y, o: _max_share(y, x), lambda x, y, o: _max_share(x, y)
)
fmax_p = define_binary(  # as JAX: where(x > y or isnan(y), x, y), so a tie goes to y
    "fmax",
    np.fmax,
    lambda x, y, o: _x_picked(x, y, greater),
    lambda x, y, o: _y_picked(x, y, greater),
)
fmin_p = define_binary(
    "fmin", np.fmin, lambda x, y, o: _x_picked(x, y, less), lambda x, y, o: _y_picked(x, y, less)
)
arctan2_p = define_binary(  # (y / h) / h with h = hypot: no overflow of x*x + y*y
    "arctan2",
    np.arctan2,
    lambda x, y, o: y / _hypot_sq(x, y),
    lambda x, y, o: -x / _hypot_sq(x, y),
)
hypot_p = define_binary(  # 1/2 each at (0, 0), as JAX
    "hypot", np.hypot, lambda x, y, o: _hypot_d(x, o), lambda x, y, o: _hypot_d(y, o)
)
logaddexp_p = define_binary(  # sigmoid(x - y): exact at ties, no cancellation in x - out
    "logaddexp",
    np.logaddexp,
    lambda x, y, o: _sigmoid(subtract(x, y)),
    lambda x, y, o: _sigmoid(subtract(y, x)),
)
logaddexp2_p = define_binary(
    "logaddexp2",
    np.logaddexp2,
    lambda x, y, o: _sigmoid(subtract(x, y) * _LN2),
    lambda x, y, o: _sigmoid(subtract(y, x) * _LN2),
)
# d/dy of x - q y is -q, with q = (x - out) / y rounded: the quotient numpy's remainder
# used (floor(x / y) can round to the next integer, e.g. x = -1, y = -0.1)
remainder_p = define_binary("remainder", np.remainder, 1, lambda x, y, o: _quotient(x, y, o))
fmod_p = define_binary("fmod", np.fmod, 1, lambda x, y, o: _quotient(x, y, o))
copysign_p = define_binary(  # as JAX: abs'(x) (1 at x = 0) times the sign taken from y
    "copysign",
    np.copysign,
    lambda x, y, o: where(logical_xor(greater_equal(x, 0.0), signbit(y)), 1.0, -1.0),
    None,
)
floor_divide_p = define_binary("floor_divide", np.floor_divide, None, None)
equal_p = define_binary("equal", np.equal, None, None)
not_equal_p = define_binary("not_equal", np.not_equal, None, None)
less_p = define_binary("less", np.less, None, None)
less_equal_p = define_binary("less_equal", np.less_equal, None, None)
greater_p = define_binary("greater", np.greater, None, None)
greater_equal_p = define_binary("greater_equal", np.greater_equal, None, None)
logical_and_p = define_binary("logical_and", np.logical_and, None, None)
logical_or_p = define_binary("logical_or", np.logical_or, None, None)
logical_xor_p = define_binary("logical_xor", np.logical_xor, None, None)
# bitwise (integers and booleans; on booleans numpy's bitwise ufuncs are the logical ones)
invert_p = define_unary("invert", np.invert, None)
bitwise_and_p = define_binary("bitwise_and", np.bitwise_and, None, None)
bitwise_or_p = define_binary("bitwise_or", np.bitwise_or, None, None)
bitwise_xor_p = define_binary("bitwise_xor", np.bitwise_xor, None, None)


def _max_share(x: Any, y: Any) -> Any:
    """1 where x > y, 1/2 where x == y, 0 elsewhere."""
    if not (isinstance(x, Tracer) or isinstance(y, Tracer)):
        # Plain arrays (the first-order hot path, e.g. ReLU as maximum(x, 0)): a boolean
        # mask, with the halves added only when ties exist. Same values as below.
        gt = np.greater(x, y)
        eq = np.equal(x, y)
        return gt + 0.5 * eq if eq.any() else gt
    return where(greater(x, y), 1.0, where(equal(x, y), 0.5, 0.0))


def _x_picked(x: Any, y: Any, better: Any) -> Any:
    """1 where fmax/fmin picks x (``better(x, y)`` or y is NaN), else 0 (JAX's choice)."""
    return where(logical_or(better(x, y), isnan(y)), 1.0, 0.0)


def _y_picked(x: Any, y: Any, better: Any) -> Any:
    return where(logical_or(better(x, y), isnan(y)), 0.0, 1.0)


def _quotient(x: Any, y: Any, out: Any) -> Any:
    """``-q`` for the integer ``q`` with ``out = x - q y`` (remainder and fmod)."""
    return -rint(divide(subtract(x, out), y))


def _one_minus_sq(x: Any) -> Any:
    """``(1 - x)(1 + x)``: exact near |x| = 1, unlike ``1 - x * x``."""
    return (1.0 - x) * (1.0 + x)


def _hypot1(x: Any) -> Any:
    """``sqrt(x^2 + 1)`` without overflow for real x (hypot); principal sqrt for complex."""
    if x.dtype.kind == "c":
        return sqrt(x * x + 1.0)
    return hypot(x, 1.0)


def _hypot_sq(x: Any, y: Any) -> Any:
    """``x^2 + y^2`` as ``h * h`` with ``h = hypot(x, y)`` (no overflow to inf)."""
    h = hypot(x, y)
    return h * h


def _hypot_d(x: Any, out: Any) -> Any:
    """``x / hypot``, and 1/2 where ``hypot`` is 0 (JAX's value at the origin)."""
    zero = equal(out, 0.0)
    return where(zero, 0.5, x / where(zero, 1.0, out))


def _sigmoid(d: Any) -> Any:
    """``1 / (1 + exp(-d))`` without overflow: exp of ``-|d|`` only."""
    e = exp(-abs(d))
    return where(greater_equal(d, 0.0), 1.0 / (1.0 + e), e / (1.0 + e))


# --- power ---------------------------------------------------------------------------


def _power_d_x(x, y, out):
    # y * x**(y-1), written to stay finite at x == 0 for y >= 1 and exact for y == 0
    if isinstance(y, (int, float)):  # a constant exponent (x ** 3): no masking needed
        return 0.0 * x if y == 0 else (2.0 * x if y == 2 else y * power(x, y - 1))
    return where(equal(y, 0.0), 0.0, y * power(x, where(equal(y, 0.0), 1.0, y - 1.0)))


def _power_d_y(x, y, out):
    # d x**y / dy = log(x) * x**y; at x == 0 as JAX: out * log(1), 0 for y >= 0, NaN below
    return out * log(where(equal(x, 0.0), 1.0, x))


power_p = define_binary("power", np.power, _power_d_x, _power_d_y)
float_power_p = define_binary("float_power", np.float_power, _power_d_x, _power_d_y)


# --- abs (non-holomorphic for complex input) -----------------------------------------


def _abs_vjp(out_bar, out, x):
    if x.dtype.kind == "c":  # the transpose of the JVP below: out_bar * conj(x) / |x|
        return divide(out_bar * conj(x), where(equal(out, 0.0), 1.0, out))
    return where(greater_equal(x, 0.0), out_bar, -out_bar)  # 1 at x = 0, as JAX


def _abs_jvp(x_dot, out, x):
    if x.dtype.kind == "c":
        return real(conj(x) * x_dot) / where(equal(out, 0.0), 1.0, out)
    return where(greater_equal(x, 0.0), x_dot, -x_dot)


abs_p = Primitive("abs", np.abs)
VJP.define(abs_p, _abs_vjp)
JVP.define(abs_p, _abs_jvp)
BATCH.define(abs_p, elementwise_batch(abs_p))

# --- real, imag, conj: linear maps between real and complex -----------------------------
real_p = Primitive("real", np.real)
VJP.define(real_p, lambda out_bar, out, x: out_bar)  # the tape casts it to x's dtype
JVP.define_linear(real_p)
BATCH.define(real_p, elementwise_batch(real_p))

imag_p = Primitive("imag", np.imag)
VJP.define(imag_p, lambda out_bar, out, x: multiply(out_bar, -1j))  # Im(t) = Re(-i t)
JVP.define_linear(imag_p)
BATCH.define(imag_p, elementwise_batch(imag_p))

conj_p = Primitive("conj", np.conj)
VJP.define(conj_p, lambda out_bar, out, x: conj(out_bar))
JVP.define_linear(conj_p)
BATCH.define(conj_p, elementwise_batch(conj_p))

# --- where ---------------------------------------------------------------------------
where_p = Primitive("where", np.where)
VJP.define(
    where_p,
    None,
    lambda out_bar, out, c, x, y: where(c, out_bar, 0.0),
    lambda out_bar, out, c, x, y: where(c, 0.0, out_bar),
)
JVP.define(
    where_p,
    None,
    lambda x_dot, out, c, x, y: where(c, x_dot, 0.0),
    lambda y_dot, out, c, x, y: where(c, 0.0, y_dot),
)
BATCH.define(where_p, elementwise_batch(where_p))

# --- astype --------------------------------------------------------------------------


def _astype_impl(x, *, dtype):
    return np.asarray(x).astype(dtype) if not isinstance(x, np.ndarray) else x.astype(dtype)


def _astype_vjp(out_bar, out, x, *, dtype):
    # to a float dtype: the identity (the tape casts back); to int/bool: no derivative
    return (out_bar if np.issubdtype(dtype, np.inexact) else None,)


def _astype_jvp(x_dots, out, x, *, dtype):
    return astype(x_dots[0], dtype) if np.issubdtype(dtype, np.inexact) else None


astype_p = Primitive("astype", _astype_impl)
VJP.define_joint(astype_p, _astype_vjp)
JVP.define_joint(astype_p, _astype_jvp)
BATCH.define(astype_p, elementwise_batch(astype_p))

# --- round (param: decimals) ---------------------------------------------------------
round_p = Primitive("round", lambda x, *, decimals=0: np.round(x, decimals))
VJP.define_zero(round_p)
JVP.define_zero(round_p)
BATCH.define(round_p, elementwise_batch(round_p))


# --- family wrappers (used by rules and funcgrad.numpy) ------------------------------
def negative(x):
    return negative_p.bind(x)


def sign(x):
    return sign_p.bind(x)


def floor(x):
    return floor_p.bind(x)


def trunc(x):
    return trunc_p.bind(x)


def rint(x):
    return rint_p.bind(x)


def exp(x):
    return exp_p.bind(x)


def exp2(x):
    return exp2_p.bind(x)


def log(x):
    return log_p.bind(x)


def sqrt(x):
    return sqrt_p.bind(x)


def sin(x):
    return sin_p.bind(x)


def cos(x):
    return cos_p.bind(x)


def sinh(x):
    return sinh_p.bind(x)


def cosh(x):
    return cosh_p.bind(x)


def tanh(x):
    return tanh_p.bind(x)


# --- sech2: tanh's derivative, 1 / cosh(x)**2 -----------------------------------------
# Relatively accurate where 1 - tanh(x)**2 cancels (|x| > 19 in float64 it is 0), and one
# primitive: cosh overflowing to inf for |x| > 710 gives the right limit 0, quietly.


def _sech2_impl(x):
    with np.errstate(over="ignore"):
        c = np.cosh(x)
        if type(c) is np.ndarray:  # the same two ufuncs, into cosh's fresh array
            np.multiply(c, c, out=c)
            return np.divide(1.0, c, out=c)
        return 1.0 / (c * c)


sech2_p = define_unary("sech2", _sech2_impl, lambda x, out: -2.0 * out * tanh(x))


def sech2(x):
    return sech2_p.bind(x)


def square(x):
    return square_p.bind(x)


def conj(x):
    return conj_p.bind(x)


def real(x):
    return real_p.bind(x)


def imag(x):
    return imag_p.bind(x)


def abs(x):
    return abs_p.bind(x)


def isnan(x):
    return isnan_p.bind(x)


def logical_not(x):
    return logical_not_p.bind(x)


def signbit(x):
    return signbit_p.bind(x)


def add(x, y):
    return add_p.bind(x, y)


def subtract(x, y):
    return subtract_p.bind(x, y)


def multiply(x, y):
    return multiply_p.bind(x, y)


def divide(x, y):
    return divide_p.bind(x, y)


def power(x, y):
    return power_p.bind(x, y)


def maximum(x, y):
    return maximum_p.bind(x, y)


def minimum(x, y):
    return minimum_p.bind(x, y)


def equal(x, y):
    return equal_p.bind(x, y)


def greater(x, y):
    return greater_p.bind(x, y)


def greater_equal(x, y):
    return greater_equal_p.bind(x, y)


def hypot(x, y):
    return hypot_p.bind(x, y)


def less(x, y):
    return less_p.bind(x, y)


def logical_and(x, y):
    return logical_and_p.bind(x, y)


def logical_or(x, y):
    return logical_or_p.bind(x, y)


def logical_xor(x, y):
    return logical_xor_p.bind(x, y)


def where(c, x, y):
    return where_p.bind(c, x, y)


def conj_if_complex(x):
    """``conj(x)`` for complex ``x``, ``x`` itself otherwise (for functions whose meaning
    conjugates, e.g. a Hermitian transpose: not for derivative rules)."""
    dtype = x.dtype if hasattr(x, "dtype") else np.result_type(x)
    return conj(x) if np.dtype(dtype).kind == "c" else x


def astype(x, dtype):
    """Cast to ``dtype`` (differentiable to float dtypes, zero derivative otherwise)."""
    dtype = np.dtype(dtype)
    if getattr(x, "dtype", None) == dtype:
        return x
    return astype_p.bind(x, dtype=dtype)


# --- stop_gradient: the identity with zero derivative in every mode --------------------
stop_gradient_p = define_unary("stop_gradient", lambda x: x, None)


def stop_gradient(x: Any) -> Any:
    """Return ``x``, with zero derivative in every mode (leaves of a pytree: use tree.map)."""
    return stop_gradient_p.bind(x)


# --- erf (numpy has none: math.erf per element) -------------------------------------
_erf_ufunc = np.frompyfunc(math.erf, 1, 1)
_TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))


def _erf_impl(x):
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    return np.asarray(_erf_ufunc(x), dtype=dtype)[()]


erf_p = define_unary("erf", _erf_impl, lambda x, out: _TWO_OVER_SQRT_PI * exp(-(x * x)))


def erf(x: Any) -> Any:
    """The error function, elementwise (exact: math.erf per element)."""
    return erf_p.bind(x)


# --- sinc and its derivatives: sinc_p with param k, the k-th derivative -----------------
# d^k/dx^k sinc(x) = pi^k g^(k)(pi x) with g(u) = sin(u) / u. Near 0 (|u| < 1 + k) the
# Maclaurin series g^(k)(u) = sum_{2n >= k} (-1)^n (2n)! / ((2n - k)! (2n + 1)!) u^(2n - k)
# is exact where the closed form cancels; it also gives the values at 0 (JAX's:
# sinc''(0) = -pi^2 / 3). Elsewhere Leibniz's rule on sin(u) * u^-1:
# g^(k)(u) = sum_j C(k, j) sin(u + (k - j) pi / 2) (-1)^j j! u^(-j-1).
_SINC_TERMS = 30


def _sinc_series(u: np.ndarray, k: int) -> np.ndarray:
    total = np.zeros_like(u)
    for n in range((k + 1) // 2, (k + 1) // 2 + _SINC_TERMS):
        c = (
            (-1) ** n
            * math.factorial(2 * n)
            / (math.factorial(2 * n - k) * math.factorial(2 * n + 1))
        )
        total = total + c * u ** (2 * n - k)
    return total


def _sinc_closed(u: np.ndarray, k: int) -> np.ndarray:
    # sin(u + m pi / 2) is sin, cos, -sin, -cos of u itself (no rounding of u + m pi / 2)
    sin_u, cos_u = np.sin(u), np.cos(u)
    shifted = (sin_u, cos_u, -sin_u, -cos_u)
    total = np.zeros_like(u)
    for j in range(k + 1):
        c = math.comb(k, j) * (-1) ** j * math.factorial(j)
        total = total + c * shifted[(k - j) % 4] / u ** (j + 1)
    return total


def _sinc_impl(x, *, k):
    if k == 0:
        return np.sinc(x)
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.inexact):
        x = x.astype(np.float64)
    u = np.pi * x
    near = np.abs(u) < 1.0 + k
    with np.errstate(divide="ignore", invalid="ignore"):
        far = _sinc_closed(np.where(near, 1.0, u).astype(u.dtype), k)
    out = np.where(near, _sinc_series(np.where(near, u, 0.0).astype(u.dtype), k), far)
    return (out * np.pi**k).astype(x.dtype)[()]


def _sinc_rule(lin, out, x, *, k):
    return lin * sinc_p.bind(x, k=k + 1)


sinc_p = Primitive("sinc", _sinc_impl)
VJP.define(sinc_p, _sinc_rule)
JVP.define(sinc_p, _sinc_rule)
BATCH.define(sinc_p, elementwise_batch(sinc_p))


def sinc(x: Any) -> Any:
    """Normalised sinc, ``sin(pi x) / (pi x)`` with ``sinc(0) = 1`` (numpy.sinc)."""
    return sinc_p.bind(x, k=0)
