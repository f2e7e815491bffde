"""Layer 3: the primitive families, each primitive with all of its rules side by side.

Importing this package defines every primitive (and fills the rule tables).
"""

from . import (
    conv as conv,
    correlate as correlate,
    decompositions as decompositions,
    elementwise as elementwise,
    fft as fft,
    indexing as indexing,
    loops as loops,
    matrix_functions as matrix_functions,
    products as products,
    rearrange as rearrange,
    reductions as reductions,
    shape as shape,
    sorting as sorting,
    spectral as spectral,
)
