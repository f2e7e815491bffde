"""Import time beyond numpy's, each measured in fresh interpreters, best of several.

Each run is a new ``python -c`` pinned to the benchmark core that times ``import numpy``
and then ``import MODULE`` (numpy already loaded), so the second figure is exactly what
``import funcgrad`` costs on top of ``import numpy``. Both CPU time (``process_time``, the
headline, robust to other load on a shared machine) and wall time are taken; the minimum
over runs is kept. Bytecode caches are allowed and warmed by one uncounted run first, as
an installed package has them (``PYTHONDONTWRITEBYTECODE`` would time the compiler).
"""

from __future__ import annotations

import json
import subprocess
import sys

from ._harness import ROOT

SNIPPET = """
import os, time, json
os.sched_setaffinity(0, {{{cpu}}})
c0, w0 = time.process_time(), time.perf_counter()
import numpy
c1, w1 = time.process_time(), time.perf_counter()
import {module}
c2, w2 = time.process_time(), time.perf_counter()
print(json.dumps([c1 - c0, w1 - w0, c2 - c1, w2 - w1]))
"""


def _run(module: str, cpu: int, env: dict[str, str]) -> list[float] | None:
    code = SNIPPET.format(cpu=cpu, module=module)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode:  # not importable here: left out of the table
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_times(modules: list[str], cpu: int, runs: int, env: dict[str, str]) -> dict:
    """``{module: {"cpu": s, "wall": s}}`` beyond numpy, plus ``"numpy"``: its own import."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for module in modules:
        _run(module, cpu, env)  # writes the bytecode caches; not counted
    best: dict[str, dict[str, float]] = {}

    def keep(name: str, cpu_s: float, wall_s: float) -> None:
        b = best.setdefault(name, {"cpu": cpu_s, "wall": wall_s})
        b["cpu"], b["wall"] = min(b["cpu"], cpu_s), min(b["wall"], wall_s)

    for _ in range(runs):  # interleaved, like the rest of the harness
        for module in modules:
            times = _run(module, cpu, env)
            if times is not None:
                keep("numpy", times[0], times[1])
                keep(module, times[2], times[3])
    return best
