"""funcgrad.numpy: a differentiable mirror of numpy.

Same names, argument names, broadcasting, ``axis``/``keepdims`` and dtype promotion as numpy;
outside any transformation every function returns exactly what numpy returns. Inside
``grad``/``jvp``/``vmap``/``jit`` the same code is differentiated and batched. Layer 5: imports
core and primitives only. Re-exports are explicit, one block per module.
"""

# numpy's dtypes and constants, so `fnp.float32`, `fnp.pi` work as in numpy.
from numpy import bool_ as bool_
from numpy import complex64 as complex64
from numpy import complex128 as complex128
from numpy import e as e
from numpy import float32 as float32
from numpy import float64 as float64
from numpy import inf as inf
from numpy import int32 as int32
from numpy import int64 as int64
from numpy import nan as nan
from numpy import ndarray as ndarray
from numpy import newaxis as newaxis
from numpy import pi as pi

# --- families added by their modules below (one block each) ---
from . import _methods  # noqa: F401 - wires tracer operators and methods
from . import fft as fft
from . import linalg as linalg
from ._creation import arange as arange

# --- _creation ---
from ._creation import array as array
from ._creation import asarray as asarray
from ._creation import empty as empty
from ._creation import eye as eye
from ._creation import full as full
from ._creation import full_like as full_like
from ._creation import identity as identity
from ._creation import linspace as linspace
from ._creation import logspace as logspace
from ._creation import meshgrid as meshgrid
from ._creation import ones as ones
from ._creation import ones_like as ones_like
from ._creation import tri as tri
from ._creation import zeros as zeros
from ._creation import zeros_like as zeros_like

# --- _indexing, _sorting ---
from ._indexing import _getitem as _getitem
from ._indexing import argwhere as argwhere
from ._indexing import at as at
from ._indexing import choose as choose
from ._indexing import compress as compress
from ._indexing import extract as extract
from ._indexing import flatnonzero as flatnonzero
from ._indexing import nonzero as nonzero
from ._indexing import select as select
from ._indexing import take as take
from ._indexing import take_along_axis as take_along_axis
from ._misc import absolute as absolute
from ._misc import angle as angle
from ._misc import astype as astype
from ._misc import clip as clip
from ._misc import conjugate as conjugate
from ._misc import degrees as degrees
from ._misc import fabs as fabs
from ._misc import mod as mod
from ._misc import nan_to_num as nan_to_num
from ._misc import positive as positive
from ._misc import radians as radians
from ._misc import real_if_close as real_if_close
from ._misc import round as round
from ._misc import sinc as sinc
from ._misc import stop_gradient as stop_gradient

# --- _misc ---
from ._misc import true_divide as true_divide
from ._misc import where as where

# --- _products ---
from ._products import cross as cross
from ._products import dot as dot
from ._products import einsum as einsum
from ._products import inner as inner
from ._products import kron as kron
from ._products import matmul as matmul
from ._products import outer as outer
from ._products import tensordot as tensordot
from ._products import vdot as vdot

# --- _reductions ---
from ._reductions import all as all
from ._reductions import amax as amax
from ._reductions import amin as amin
from ._reductions import any as any
from ._reductions import argmax as argmax
from ._reductions import argmin as argmin
from ._reductions import average as average
from ._reductions import count_nonzero as count_nonzero
from ._reductions import cumprod as cumprod
from ._reductions import cumsum as cumsum
from ._reductions import diff as diff
from ._reductions import max as max
from ._reductions import mean as mean
from ._reductions import min as min
from ._reductions import nanmean as nanmean
from ._reductions import nansum as nansum
from ._reductions import prod as prod
from ._reductions import ptp as ptp
from ._reductions import std as std
from ._reductions import sum as sum
from ._reductions import var as var

# --- _shape ---
from ._shape import append as append
from ._shape import atleast_1d as atleast_1d
from ._shape import atleast_2d as atleast_2d
from ._shape import atleast_3d as atleast_3d
from ._shape import broadcast_arrays as broadcast_arrays
from ._shape import broadcast_to as broadcast_to
from ._shape import column_stack as column_stack
from ._shape import concatenate as concatenate
from ._shape import copy as copy
from ._shape import dstack as dstack
from ._shape import expand_dims as expand_dims
from ._shape import hstack as hstack
from ._shape import moveaxis as moveaxis
from ._shape import ndim as ndim
from ._shape import ravel as ravel
from ._shape import reshape as reshape
from ._shape import rollaxis as rollaxis
from ._shape import shape as shape
from ._shape import size as size
from ._shape import squeeze as squeeze
from ._shape import stack as stack
from ._shape import swapaxes as swapaxes
from ._shape import transpose as transpose
from ._shape import vstack as vstack

# --- _shape_ops ---
from ._shape_ops import array_split as array_split
from ._shape_ops import diag as diag
from ._shape_ops import diagflat as diagflat
from ._shape_ops import diagonal as diagonal
from ._shape_ops import dsplit as dsplit
from ._shape_ops import flip as flip
from ._shape_ops import fliplr as fliplr
from ._shape_ops import flipud as flipud
from ._shape_ops import hsplit as hsplit
from ._shape_ops import pad as pad
from ._shape_ops import repeat as repeat
from ._shape_ops import roll as roll
from ._shape_ops import rot90 as rot90
from ._shape_ops import split as split
from ._shape_ops import tile as tile
from ._shape_ops import trace as trace
from ._shape_ops import tril as tril
from ._shape_ops import triu as triu
from ._shape_ops import vsplit as vsplit

# --- _signal ---
from ._signal import convolve as convolve
from ._signal import correlate as correlate
from ._sorting import argpartition as argpartition
from ._sorting import argsort as argsort
from ._sorting import median as median
from ._sorting import partition as partition
from ._sorting import percentile as percentile
from ._sorting import quantile as quantile
from ._sorting import searchsorted as searchsorted
from ._sorting import sort as sort
from ._sorting import unique as unique
from ._ufuncs import abs as abs
from ._ufuncs import add as add
from ._ufuncs import arccos as arccos
from ._ufuncs import arccosh as arccosh
from ._ufuncs import arcsin as arcsin
from ._ufuncs import arcsinh as arcsinh
from ._ufuncs import arctan as arctan
from ._ufuncs import arctan2 as arctan2
from ._ufuncs import arctanh as arctanh
from ._ufuncs import cbrt as cbrt
from ._ufuncs import ceil as ceil
from ._ufuncs import conj as conj
from ._ufuncs import copysign as copysign
from ._ufuncs import cos as cos
from ._ufuncs import cosh as cosh
from ._ufuncs import deg2rad as deg2rad
from ._ufuncs import divide as divide
from ._ufuncs import equal as equal
from ._ufuncs import exp as exp
from ._ufuncs import exp2 as exp2
from ._ufuncs import expm1 as expm1
from ._ufuncs import float_power as float_power
from ._ufuncs import floor as floor
from ._ufuncs import floor_divide as floor_divide
from ._ufuncs import fmax as fmax
from ._ufuncs import fmin as fmin
from ._ufuncs import fmod as fmod
from ._ufuncs import greater as greater
from ._ufuncs import greater_equal as greater_equal
from ._ufuncs import hypot as hypot
from ._ufuncs import imag as imag
from ._ufuncs import isfinite as isfinite
from ._ufuncs import isinf as isinf
from ._ufuncs import isnan as isnan
from ._ufuncs import less as less
from ._ufuncs import less_equal as less_equal
from ._ufuncs import log as log
from ._ufuncs import log1p as log1p
from ._ufuncs import log2 as log2
from ._ufuncs import log10 as log10
from ._ufuncs import logaddexp as logaddexp
from ._ufuncs import logaddexp2 as logaddexp2
from ._ufuncs import logical_and as logical_and
from ._ufuncs import logical_not as logical_not
from ._ufuncs import logical_or as logical_or
from ._ufuncs import logical_xor as logical_xor
from ._ufuncs import maximum as maximum
from ._ufuncs import minimum as minimum
from ._ufuncs import multiply as multiply

# --- _ufuncs ---
from ._ufuncs import negative as negative
from ._ufuncs import not_equal as not_equal
from ._ufuncs import power as power
from ._ufuncs import rad2deg as rad2deg
from ._ufuncs import real as real
from ._ufuncs import reciprocal as reciprocal
from ._ufuncs import remainder as remainder
from ._ufuncs import rint as rint
from ._ufuncs import sign as sign
from ._ufuncs import signbit as signbit
from ._ufuncs import sin as sin
from ._ufuncs import sinh as sinh
from ._ufuncs import sqrt as sqrt
from ._ufuncs import square as square
from ._ufuncs import subtract as subtract
from ._ufuncs import tan as tan
from ._ufuncs import tanh as tanh
from ._ufuncs import trunc as trunc
