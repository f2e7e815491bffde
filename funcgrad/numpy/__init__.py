"""funcgrad.numpy: a differentiable mirror of numpy.

Same names, argument names, broadcasting, ``axis``/``keepdims`` and dtype promotion as numpy;
outside any transformation every function returns exactly what numpy returns. Inside
``grad``/``jvp``/``vmap``/``jit`` the same code is differentiated and batched. Layer 5: imports
core and primitives only. Re-exports are explicit, one block per module.
"""

from typing import TYPE_CHECKING

# numpy's dtypes and constants, so `fnp.float32`, `fnp.pi` work as in numpy.
from numpy import (
    bool_ as bool_,
    complex64 as complex64,
    complex128 as complex128,
    e as e,
    float32 as float32,
    float64 as float64,
    inf as inf,
    int32 as int32,
    int64 as int64,
    nan as nan,
    ndarray as ndarray,
    newaxis as newaxis,
    pi as pi,
)

# dir() lists __all__; an unknown name is an AttributeError naming the closest ones
from ..core.namespace import public_namespace

# Tracer operators and methods, and the submodules.
from . import (
    _methods,  # noqa: F401 - wires tracer operators and methods
    fft as fft,
    linalg as linalg,
)

# _composites: elementwise functions composed of primitives (clip, where, sinc, angle, ...)
from ._composites import (
    absolute as absolute,
    allclose as allclose,
    angle as angle,
    astype as astype,
    clip as clip,
    conjugate as conjugate,
    degrees as degrees,
    fabs as fabs,
    isclose as isclose,
    mod as mod,
    nan_to_num as nan_to_num,
    positive as positive,
    radians as radians,
    real_if_close as real_if_close,
    round as round,
    sinc as sinc,
    stop_gradient as stop_gradient,
    true_divide as true_divide,
    where as where,
)

# _creation: array creation: constants (zero derivative), array/asarray (stack tracers)
from ._creation import (
    arange as arange,
    array as array,
    asarray as asarray,
    empty as empty,
    eye as eye,
    full as full,
    full_like as full_like,
    identity as identity,
    linspace as linspace,
    logspace as logspace,
    meshgrid as meshgrid,
    ones as ones,
    ones_like as ones_like,
    tri as tri,
    zeros as zeros,
    zeros_like as zeros_like,
)

# _gradient: numpy.gradient (finite differences of samples), differentiable
from ._gradient import gradient as gradient

# _index_tricks: the index expressions r_ and c_
from ._index_tricks import c_ as c_, r_ as r_

# _indexing: indexing, functional updates (.at), take, choose, select
from ._indexing import (
    _getitem as _getitem,
    argwhere as argwhere,
    at as at,
    choose as choose,
    compress as compress,
    extract as extract,
    flatnonzero as flatnonzero,
    nonzero as nonzero,
    select as select,
    take as take,
    take_along_axis as take_along_axis,
)

# _products: products: matmul, dot, einsum, tensordot, ...
from ._products import (
    cross as cross,
    dot as dot,
    einsum as einsum,
    inner as inner,
    kron as kron,
    matmul as matmul,
    outer as outer,
    tensordot as tensordot,
    vdot as vdot,
)

# _rearranging: splitting, flipping, padding, repeating, diagonals and triangles
from ._rearranging import (
    array_split as array_split,
    diag as diag,
    diagflat as diagflat,
    diagonal as diagonal,
    dsplit as dsplit,
    flip as flip,
    fliplr as fliplr,
    flipud as flipud,
    hsplit as hsplit,
    pad as pad,
    repeat as repeat,
    roll as roll,
    rot90 as rot90,
    split as split,
    tile as tile,
    trace as trace,
    tril as tril,
    triu as triu,
    vsplit as vsplit,
)

# _reductions: reductions and cumulative scans
from ._reductions import (
    all as all,
    amax as amax,
    amin as amin,
    any as any,
    argmax as argmax,
    argmin as argmin,
    average as average,
    count_nonzero as count_nonzero,
    cumprod as cumprod,
    cumsum as cumsum,
    diff as diff,
    max as max,
    mean as mean,
    min as min,
    nanmean as nanmean,
    nansum as nansum,
    prod as prod,
    ptp as ptp,
    std as std,
    sum as sum,
    var as var,
)

# _reshaping: reshaping, axes, joining, at-least-n-d, shape queries
from ._reshaping import (
    append as append,
    atleast_1d as atleast_1d,
    atleast_2d as atleast_2d,
    atleast_3d as atleast_3d,
    broadcast_arrays as broadcast_arrays,
    broadcast_to as broadcast_to,
    column_stack as column_stack,
    concatenate as concatenate,
    copy as copy,
    dstack as dstack,
    expand_dims as expand_dims,
    hstack as hstack,
    moveaxis as moveaxis,
    ndim as ndim,
    ravel as ravel,
    reshape as reshape,
    rollaxis as rollaxis,
    shape as shape,
    size as size,
    squeeze as squeeze,
    stack as stack,
    swapaxes as swapaxes,
    transpose as transpose,
    vstack as vstack,
)

# _signal: convolve and correlate
from ._signal import (
    convolve as convolve,
    correlate as correlate,
)

# _sorting: sorting, order statistics, unique
from ._sorting import (
    argpartition as argpartition,
    argsort as argsort,
    median as median,
    partition as partition,
    percentile as percentile,
    quantile as quantile,
    searchsorted as searchsorted,
    sort as sort,
    unique as unique,
)

# _ufuncs: numpy's ufuncs, one primitive each
from ._ufuncs import (
    abs as abs,
    add as add,
    arccos as arccos,
    arccosh as arccosh,
    arcsin as arcsin,
    arcsinh as arcsinh,
    arctan as arctan,
    arctan2 as arctan2,
    arctanh as arctanh,
    bitwise_and as bitwise_and,
    bitwise_or as bitwise_or,
    bitwise_xor as bitwise_xor,
    cbrt as cbrt,
    ceil as ceil,
    conj as conj,
    copysign as copysign,
    cos as cos,
    cosh as cosh,
    deg2rad as deg2rad,
    divide as divide,
    equal as equal,
    exp as exp,
    exp2 as exp2,
    expm1 as expm1,
    float_power as float_power,
    floor as floor,
    floor_divide as floor_divide,
    fmax as fmax,
    fmin as fmin,
    fmod as fmod,
    greater as greater,
    greater_equal as greater_equal,
    hypot as hypot,
    imag as imag,
    invert as invert,
    isfinite as isfinite,
    isinf as isinf,
    isnan as isnan,
    less as less,
    less_equal as less_equal,
    log as log,
    log1p as log1p,
    log2 as log2,
    log10 as log10,
    logaddexp as logaddexp,
    logaddexp2 as logaddexp2,
    logical_and as logical_and,
    logical_not as logical_not,
    logical_or as logical_or,
    logical_xor as logical_xor,
    maximum as maximum,
    minimum as minimum,
    multiply as multiply,
    negative as negative,
    not_equal as not_equal,
    power as power,
    rad2deg as rad2deg,
    real as real,
    reciprocal as reciprocal,
    remainder as remainder,
    rint as rint,
    sign as sign,
    signbit as signbit,
    sin as sin,
    sinh as sinh,
    sqrt as sqrt,
    square as square,
    subtract as subtract,
    tan as tan,
    tanh as tanh,
    trunc as trunc,
)

__all__ = [
    "abs", "absolute", "add", "all", "allclose", "amax", "amin", "angle", "any", "append",
    "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "argmax", "argmin", "argpartition", "argsort", "argwhere", "array", "array_split",
    "asarray", "astype", "at", "atleast_1d", "atleast_2d", "atleast_3d", "average",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bool_", "broadcast_arrays", "broadcast_to",
    "c_", "cbrt", "ceil", "choose", "clip", "column_stack", "complex64", "complex128",
    "compress", "concatenate", "conj", "conjugate", "convolve", "copy", "copysign",
    "correlate", "cos", "cosh", "count_nonzero", "cross", "cumprod", "cumsum", "deg2rad",
    "degrees", "diag", "diagflat", "diagonal", "diff", "divide", "dot", "dsplit", "dstack",
    "e", "einsum", "empty", "equal", "exp", "exp2", "expand_dims", "expm1", "extract", "eye",
    "fabs", "fft", "flatnonzero", "flip", "fliplr", "flipud", "float32", "float64",
    "float_power", "floor", "floor_divide", "fmax", "fmin", "fmod", "full", "full_like",
    "gradient", "greater", "greater_equal", "hsplit", "hstack", "hypot", "identity", "imag",
    "inf", "inner", "int32", "int64", "invert", "isclose", "isfinite", "isinf", "isnan",
    "kron", "less", "less_equal", "linalg", "linspace", "log", "log1p", "log2", "log10",
    "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or", "logical_xor",
    "logspace", "matmul", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum",
    "mod", "moveaxis", "multiply", "nan", "nan_to_num", "nanmean", "nansum", "ndarray", "ndim",
    "negative", "newaxis", "nonzero", "not_equal", "ones", "ones_like", "outer", "pad",
    "partition", "percentile", "pi", "positive", "power", "prod", "ptp", "quantile", "r_",
    "rad2deg", "radians", "ravel", "real", "real_if_close", "reciprocal", "remainder",
    "repeat", "reshape", "rint", "roll", "rollaxis", "rot90", "round", "searchsorted",
    "select", "shape", "sign", "signbit", "sin", "sinc", "sinh", "size", "sort", "split",
    "sqrt", "square", "squeeze", "stack", "std", "stop_gradient", "subtract", "sum",
    "swapaxes", "take", "take_along_axis", "tan", "tanh", "tensordot", "tile", "trace",
    "transpose", "tri", "tril", "triu", "true_divide", "trunc", "unique", "var", "vdot",
    "vsplit", "vstack", "where", "zeros", "zeros_like",
]  # fmt: skip

if not TYPE_CHECKING:  # hidden from type checkers, so an unknown name stays an error
    __getattr__, __dir__ = public_namespace(__name__, __all__)
