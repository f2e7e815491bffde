"""Loop primitives: ``scan``, ``while`` and ``cond`` as calls whose bodies are graphs.

Under graph tracing (``jit``, ``make_graph``, ``checkpoint``) a loop is one equation whose
params hold its body graph, traced once: code generation writes a Python ``for``/``while``
over the compiled body, never a copy per step. Each loop primitive is a ``LoopPrimitive``
(a ``CallPrimitive`` whose function is the loop itself) with a handler per trace: the VJP of
``scan`` is a reverse scan over its body's backward graph, with the residuals stacked by
the forward scan; forward mode scans the body's JVP; ``vmap`` scans the batched body.
Outside graph tracing the user-facing functions run plain Python loops, so every eager
transformation sees ordinary primitives (``transforms/control_flow.py``).

They live in ``transforms/`` (not ``primitives/``) because their rules transform graphs,
which needs the transformations. Imports core, tree, primitives and the transformations.
"""
