"""Layer 3: the primitive families, each primitive with all of its rules side by side.

Importing this package defines every primitive (and fills the rule tables).
"""

from . import control as control
from . import conv as conv
from . import decompositions as decompositions
from . import elementwise as elementwise
from . import fft as fft
from . import indexing as indexing
from . import linalg as linalg
from . import reductions as reductions
from . import shape as shape
from . import shape_ops as shape_ops
from . import sorting as sorting
from . import spectral as spectral
