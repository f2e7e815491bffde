"""Rows of the primitive table: elementwise functions (unary, binary, where, clip, ...)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad.testing.strategies import arrays

from .spec import OpSpec, binary, nary, unary
from .specials import attach

# Domains keep finite differences meaningful: away from poles, branch cuts and kinks.
POS = dict(min_value=0.2, max_value=3.0)
UNIT = dict(min_value=-0.9, max_value=0.9)
# Complex inputs (JAX's convention: no conjugation in the VJP), away from branch cuts:
# RIGHT half plane for log/sqrt (cut on (-inf, 0]), thin strips for the inverse functions.
C = dict(im=(-1.5, 1.5))
RIGHT = dict(min_value=0.2, max_value=3.0, im=(-2.0, 2.0))
STRIP = dict(im=(-0.7, 0.7))
UNIT_C = dict(min_value=-0.9, max_value=0.9, im=(-1.0, 1.0))

COMPLEX = [
    OpSpec("negative[complex]", fnp.negative, unary(**C)),
    OpSpec("abs[complex]", fnp.abs, unary(**C)),
    OpSpec("exp[complex]", fnp.exp, unary(**C)),
    OpSpec("exp2[complex]", fnp.exp2, unary(**C)),
    OpSpec("expm1[complex]", fnp.expm1, unary(**C)),
    OpSpec("log[complex]", fnp.log, unary(**RIGHT)),
    OpSpec("log2[complex]", fnp.log2, unary(**RIGHT)),
    OpSpec("log10[complex]", fnp.log10, unary(**RIGHT)),
    OpSpec("log1p[complex]", fnp.log1p, unary(min_value=-0.5, max_value=3.0, im=(-2.0, 2.0))),
    OpSpec("sqrt[complex]", fnp.sqrt, unary(**RIGHT)),
    OpSpec("square[complex]", fnp.square, unary(**C)),
    OpSpec("reciprocal[complex]", fnp.reciprocal, unary(**RIGHT)),
    OpSpec("sin[complex]", fnp.sin, unary(**C)),
    OpSpec("cos[complex]", fnp.cos, unary(**C)),
    OpSpec("tan[complex]", fnp.tan, unary(min_value=-1.2, max_value=1.2, im=(-1.0, 1.0))),
    OpSpec("arcsin[complex]", fnp.arcsin, unary(**UNIT_C)),
    OpSpec("arccos[complex]", fnp.arccos, unary(**UNIT_C)),
    OpSpec("arctan[complex]", fnp.arctan, unary(**STRIP)),
    OpSpec("sinh[complex]", fnp.sinh, unary(**C)),
    OpSpec("cosh[complex]", fnp.cosh, unary(**C)),
    OpSpec("tanh[complex]", fnp.tanh, unary(min_value=-1.0, max_value=1.0, im=(-1.0, 1.0))),
    OpSpec("arcsinh[complex]", fnp.arcsinh, unary(**STRIP)),
    OpSpec("arccosh[complex]", fnp.arccosh, unary(min_value=1.2, max_value=3.0, im=(-1.0, 1.0))),
    OpSpec("arctanh[complex]", fnp.arctanh, unary(**UNIT_C)),
    OpSpec("sinc[complex]", fnp.sinc, unary(**C)),
    OpSpec("real[complex]", fnp.real, unary(**C)),
    OpSpec("imag[complex]", fnp.imag, unary(**C)),
    OpSpec("conj[complex]", fnp.conj, unary(**C)),
    OpSpec("angle[complex]", fnp.angle, unary(**RIGHT)),
    OpSpec("add[complex]", fnp.add, binary(**C)),
    OpSpec("subtract[complex]", fnp.subtract, binary(**C)),
    OpSpec("multiply[complex]", fnp.multiply, binary(**C)),
    OpSpec("multiply[real,complex]", fnp.multiply, binary(im1=(-1.5, 1.5))),
    OpSpec("divide[complex]", fnp.divide, binary(arg1=(0.5, 2.0), **C)),
    OpSpec("power[complex]", fnp.power, binary(arg0=(0.3, 2.0), **C)),
    OpSpec(
        "where[complex]",
        lambda c, x, y: fnp.where(c > 0, x, y),
        nary(3, im1=(-1.0, 1.0), im2=(-1.0, 1.0)),
        reference=lambda c, x, y: np.where(c > 0, x, y),
    ),
]


def _bitwise_row(name: str) -> OpSpec:
    f, ref = getattr(fnp, name), getattr(np, name)
    return OpSpec(
        name,
        lambda x, y: f(fnp.astype(x * 8, np.int64), fnp.astype(y * 8, np.int64)),
        binary(),
        differentiable=False,
        reference=lambda x, y: ref((x * 8).astype(np.int64), (y * 8).astype(np.int64)),
    )


ELEMENTWISE = [
    OpSpec("negative", fnp.negative, unary()),
    OpSpec("abs", fnp.abs, unary()),
    OpSpec("absolute", fnp.absolute, unary()),
    OpSpec("fabs", fnp.fabs, unary()),
    OpSpec("exp", fnp.exp, unary()),
    OpSpec("exp2", fnp.exp2, unary()),
    OpSpec("expm1", fnp.expm1, unary()),
    OpSpec("log", fnp.log, unary(**POS)),
    OpSpec("log2", fnp.log2, unary(**POS)),
    OpSpec("log10", fnp.log10, unary(**POS)),
    OpSpec("log1p", fnp.log1p, unary(min_value=-0.8, max_value=3.0)),
    OpSpec("sqrt", fnp.sqrt, unary(**POS)),
    OpSpec("cbrt", fnp.cbrt, unary(**POS)),
    OpSpec("square", fnp.square, unary()),
    OpSpec("reciprocal", fnp.reciprocal, unary(**POS)),
    OpSpec("sin", fnp.sin, unary()),
    OpSpec("cos", fnp.cos, unary()),
    OpSpec("tan", fnp.tan, unary(min_value=-1.2, max_value=1.2)),
    OpSpec("arcsin", fnp.arcsin, unary(**UNIT)),
    OpSpec("arccos", fnp.arccos, unary(**UNIT)),
    OpSpec("arctan", fnp.arctan, unary()),
    OpSpec("sinh", fnp.sinh, unary()),
    OpSpec("cosh", fnp.cosh, unary()),
    OpSpec("tanh", fnp.tanh, unary()),
    OpSpec("arcsinh", fnp.arcsinh, unary()),
    OpSpec("arccosh", fnp.arccosh, unary(min_value=1.2, max_value=3.0)),
    OpSpec("arctanh", fnp.arctanh, unary(**UNIT)),
    OpSpec("deg2rad", fnp.deg2rad, unary()),
    OpSpec("rad2deg", fnp.rad2deg, unary()),
    OpSpec("degrees", fnp.degrees, unary()),
    OpSpec("radians", fnp.radians, unary()),
    OpSpec("sinc", fnp.sinc, unary()),
    OpSpec("real", fnp.real, unary()),
    OpSpec("conj", fnp.conj, unary()),
    OpSpec("conjugate", fnp.conjugate, unary()),
    OpSpec("positive", fnp.positive, unary()),
    OpSpec("nan_to_num", fnp.nan_to_num, unary()),
    # complex intermediates of real inputs
    OpSpec(
        "angle",
        lambda x, y: fnp.angle(x + 1j * y),
        binary(arg0=(0.5, 2.0)),
        reference=lambda x, y: np.angle(x + 1j * y),
    ),
    OpSpec(
        "imag",
        lambda x, y: fnp.imag(x * (1 + 0.5j) + 1j * y),
        binary(),
        reference=lambda x, y: np.imag(x * (1 + 0.5j) + 1j * y),
    ),
    OpSpec(
        "real_if_close",
        lambda x: fnp.real_if_close(x * (1 + 0j)) * x,
        unary(),
        reference=lambda x: np.real_if_close(x * (1 + 0j)) * x,
        vmap=False,  # the real-or-complex decision needs concrete values
    ),
    OpSpec(
        "full",
        lambda v: fnp.full((2, 3), v),
        unary(shape=()),
        reference=lambda v: np.full((2, 3), v),
    ),
    OpSpec(
        "linspace",
        lambda a, b: fnp.linspace(a, b, 5),
        lambda: st.tuples(
            arrays(shape=(), min_value=-2.0, max_value=0.0),
            arrays(shape=(), min_value=0.5, max_value=2.0),
        ),
        reference=lambda a, b: np.linspace(a, b, 5),
    ),
    OpSpec("add", fnp.add, binary()),
    OpSpec("subtract", fnp.subtract, binary()),
    OpSpec("multiply", fnp.multiply, binary()),
    OpSpec("divide", fnp.divide, binary(arg1=(0.5, 2.0))),
    OpSpec("true_divide", fnp.true_divide, binary(arg1=(0.5, 2.0))),
    OpSpec("power", fnp.power, binary(arg0=(0.3, 2.0))),
    OpSpec("float_power", fnp.float_power, binary(arg0=(0.3, 2.0))),
    OpSpec(
        "power_constant_exponent",
        lambda x: fnp.power(x, 3) + fnp.power(x, 2) + fnp.power(x, 0) + fnp.power(x, 1.5),
        unary(min_value=0.3, max_value=2.0),
        reference=lambda x: np.power(x, 3) + np.power(x, 2) + np.power(x, 0) + np.power(x, 1.5),
    ),
    OpSpec("maximum", fnp.maximum, binary()),
    OpSpec("minimum", fnp.minimum, binary()),
    OpSpec("fmax", fnp.fmax, binary()),
    OpSpec("fmin", fnp.fmin, binary()),
    OpSpec("arctan2", fnp.arctan2, binary(arg1=(0.5, 2.0))),
    OpSpec("hypot", fnp.hypot, binary(**POS)),
    OpSpec("logaddexp", fnp.logaddexp, binary()),
    OpSpec("logaddexp2", fnp.logaddexp2, binary()),
    OpSpec("mod", fnp.mod, binary(arg0=(0.1, 1.9), arg1=(2.0, 3.0))),
    OpSpec("remainder", fnp.remainder, binary(arg0=(0.1, 1.9), arg1=(2.0, 3.0))),
    OpSpec("fmod", fnp.fmod, binary(arg0=(0.1, 1.9), arg1=(2.0, 3.0))),
    OpSpec("copysign", fnp.copysign, binary(arg0=(0.2, 2.0))),
    OpSpec(
        "where",
        lambda c, x, y: fnp.where(c > 0, x, y),
        nary(3),
        reference=lambda c, x, y: np.where(c > 0, x, y),
    ),
    OpSpec(
        "clip",
        lambda x: fnp.clip(x, -1.0, 1.0),
        unary(),
        reference=lambda x: np.clip(x, -1.0, 1.0),
    ),
    OpSpec(
        "clip_traced_bounds",
        lambda x, lo, hi: fnp.clip(x, lo, hi),
        nary(3, arg1=(-2.0, -0.5), arg2=(0.5, 2.0)),
        reference=lambda x, lo, hi: np.clip(x, lo, hi),
    ),
    OpSpec(  # numpy 2's keywords
        "clip_keywords",
        lambda x, lo, hi: (
            fnp.clip(x, min=lo) + fnp.clip(x, max=hi) + fnp.clip(x, a_min=lo, a_max=hi)
        ),
        nary(3, arg1=(-2.0, -0.5), arg2=(0.5, 2.0)),
        reference=lambda x, lo, hi: (
            np.clip(x, min=lo) + np.clip(x, max=hi) + np.clip(x, a_min=lo, a_max=hi)
        ),
    ),
    # Zero-derivative functions: their derivative is checked to be exactly zero.
    OpSpec(
        "stop_gradient", fnp.stop_gradient, unary(), differentiable=False, reference=lambda x: x
    ),
    OpSpec("sign", fnp.sign, unary(), differentiable=False),
    OpSpec("floor", fnp.floor, unary(), differentiable=False),
    OpSpec("ceil", fnp.ceil, unary(), differentiable=False),
    OpSpec("rint", fnp.rint, unary(), differentiable=False),
    OpSpec("trunc", fnp.trunc, unary(), differentiable=False),
    OpSpec("round", fnp.round, unary(), differentiable=False),
    OpSpec("floor_divide", fnp.floor_divide, binary(arg1=(0.5, 2.0)), differentiable=False),
    OpSpec("isnan", fnp.isnan, unary(), differentiable=False),
    OpSpec("isinf", fnp.isinf, unary(), differentiable=False),
    OpSpec("isfinite", fnp.isfinite, unary(), differentiable=False),
    OpSpec("signbit", fnp.signbit, unary(), differentiable=False),
    OpSpec("logical_not", fnp.logical_not, unary(), differentiable=False),
    OpSpec("equal", fnp.equal, binary(), differentiable=False),
    OpSpec("not_equal", fnp.not_equal, binary(), differentiable=False),
    OpSpec("less", fnp.less, binary(), differentiable=False),
    OpSpec("less_equal", fnp.less_equal, binary(), differentiable=False),
    OpSpec("greater", fnp.greater, binary(), differentiable=False),
    OpSpec("greater_equal", fnp.greater_equal, binary(), differentiable=False),
    OpSpec("logical_and", fnp.logical_and, binary(), differentiable=False),
    OpSpec("logical_or", fnp.logical_or, binary(), differentiable=False),
    OpSpec("logical_xor", fnp.logical_xor, binary(), differentiable=False),
    # bitwise ufuncs, on integers made from the drawn floats (and ~ on booleans)
    *(_bitwise_row(name) for name in ("bitwise_and", "bitwise_or", "bitwise_xor")),
    OpSpec(
        "invert",
        lambda x: fnp.invert(fnp.astype(x * 8, np.int64)),
        unary(),
        differentiable=False,
        reference=lambda x: np.invert((x * 8).astype(np.int64)),
    ),
    OpSpec(
        "invert_bool",
        lambda x: fnp.invert(x > 0),
        unary(),
        differentiable=False,
        reference=lambda x: np.invert(x > 0),
    ),
    OpSpec(
        "isclose",
        lambda x, y: fnp.isclose(x, fnp.where(y > 0, x * (1 + 1e-9), y)),
        binary(),
        differentiable=False,
        reference=lambda x, y: np.isclose(x, np.where(y > 0, x * (1 + 1e-9), y)),
    ),
    OpSpec(
        "allclose",
        lambda x, y: fnp.allclose(x, fnp.where(y > -1.5, x * (1 + 1e-9), y)),
        binary(),
        differentiable=False,
        reference=lambda x, y: np.allclose(x, np.where(y > -1.5, x * (1 + 1e-9), y)),
    ),
    *COMPLEX,
]
ELEMENTWISE = attach(ELEMENTWISE)
