"""The string options funcgrad.numpy's functions accept, as ``Literal`` types (numpy's own).

Annotations only: a type checker then sees the same choices as numpy's stubs offer, and a
call outside funcgrad's transformations passes the option to numpy unchanged (numpy
rejects a wrong one at run time, as it would by itself). In the primitives layer so that
the primitives and funcgrad.numpy share them; imports nothing of funcgrad.
"""

from __future__ import annotations

from typing import Literal

OrderKACF = Literal["K", "A", "C", "F"]
OrderACF = Literal["A", "C", "F"]
Casting = Literal["no", "equiv", "safe", "same_kind", "same_value", "unsafe"]
ClipMode = Literal["raise", "wrap", "clip"]  # take, choose: out-of-range indices
PartitionKind = Literal["introselect"]
SortSide = Literal["left", "right"]
ConvolveMode = Literal["full", "valid", "same"]
MeshIndexing = Literal["xy", "ij"]
PadMode = Literal[
    "constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
    "reflect", "symmetric", "wrap", "empty",
]  # fmt: skip
QuantileMethod = Literal[
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation",
    "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
    "normal_unbiased", "lower", "higher", "midpoint", "nearest",
]  # fmt: skip
EdgeOrder = Literal[1, 2]
UPLO = Literal["L", "U", "l", "u"]
QRMode = Literal["reduced", "complete", "r", "raw"]
FFTNorm = Literal["backward", "ortho", "forward"] | None
