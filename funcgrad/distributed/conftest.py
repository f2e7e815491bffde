"""pytest: collect this package's doctests only where dask's distributed is installed.

funcgrad.distributed is an optional extra; without it the suite (``--doctest-modules``)
must still run, and tests/distributed skips with its reason.
"""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("distributed") else ["*.py"]
