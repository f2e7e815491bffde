"""funcgrad's benchmark suite: ``python -m benchmarks --help`` (see benchmarks/README.md).

Importing this package must not import numpy: worker processes set their thread counts
before numpy's first import.
"""
