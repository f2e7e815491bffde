"""Graph tracing, optimisation passes, code generation and ``jit``."""
