"""``diagnose``: how the gradients of a loss flow, and what to do when they do not.

One eager reverse pass of ``loss(params, *batch)`` on a tape that also watches the
activations and the steps of every ``scan``; the backward pass keeps every cotangent. The
report lists, per parameter leaf, the gradient norm, NaN/Inf counts and (given an
optimizer) the update/parameter ratio; per activation site, the saturated fraction of
sigmoid/tanh units and the dead fraction of ReLU units; per scan, the norm of dL/dh_t over
t, its fitted per-step growth rate, a verdict (vanishing / exploding / healthy) with the
standard remedies, and, for a tanh recurrence h @ W, the rate predicted by W's spectral
radius times the root-mean-square tanh'. Public face: imports the transformations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.errors import FuncgradTypeError
from ..core.trace import new_trace
from ..primitives import elementwise as ew, products, special
from ..transforms.control_flow import STEP_HOOK
from ..transforms.reverse import ReverseTrace, ReverseTracer, backward
from ..tree import flatten, flatten_with_path, keystr, unflatten

_VANISHING, _EXPLODING = 0.9, 1.1
REMEDIES = {
    "vanishing": (
        "gated cells (nn.LSTM, nn.GRU) keep a path with derivative near 1; initialise the "
        "recurrent matrix orthogonal (nn.orthogonal) or scaled so its spectral radius is "
        "near 1; use truncated BPTT (fg.truncated_scan) if long-range credit is not needed"
    ),
    "exploding": (
        "clip the gradients (optim.clip_by_global_norm); shrink the recurrent matrix's "
        "spectral radius below 1 (orthogonal or scaled initialisation); use truncated BPTT "
        "(fg.truncated_scan); lower the learning rate"
    ),
    "healthy": "gradients keep their scale through time",
}


class LeafReport:
    """One parameter leaf: its path, shape, norms, non-finite counts, update ratio."""

    def __init__(self, path: str, value: Any, grad: Any, update: Any) -> None:
        v, g = np.asarray(value), np.asarray(grad)
        self.path, self.shape = path, v.shape
        self.param_norm = float(np.linalg.norm(v.ravel()))
        self.grad_norm = float(np.linalg.norm(g.ravel())) if np.all(np.isfinite(g)) else math.nan
        self.grad_nan = int(np.isnan(g).sum())
        self.grad_inf = int(np.isinf(g).sum())
        self.param_nonfinite = int((~np.isfinite(v)).sum())
        self.update_ratio = None
        if update is not None and self.param_norm > 0:
            self.update_ratio = float(np.linalg.norm(np.asarray(update).ravel())) / self.param_norm

    def to_dict(self) -> dict:
        return dict(self.__dict__, shape=list(self.shape))


class ActivationReport:
    """One activation site (a call of tanh, sigmoid or ReLU at a user line)."""

    def __init__(self, kind: str, where: str, units: int) -> None:
        self.kind, self.where, self.units = kind, where, units
        self.calls = 0
        self.saturated = 0.0  # sigmoid/tanh: fraction of outputs within 1% of a bound
        self.dead = 0.0  # ReLU: fraction of units (last axis) zero on every example
        self.mean_derivative = 0.0
        self.rms_derivative = 0.0  # sqrt(mean(f'^2)): how much f' scales a random vector

    def add(self, fraction: float, deriv: Any) -> None:
        n = self.calls
        self.calls += 1
        if self.kind == "relu":
            self.dead = (self.dead * n + fraction) / (n + 1)
        else:
            self.saturated = (self.saturated * n + fraction) / (n + 1)
        d = np.asarray(deriv, dtype=float)
        self.mean_derivative = (self.mean_derivative * n + float(np.mean(d))) / (n + 1)
        ms = (self.rms_derivative**2 * n + float(np.mean(d * d))) / (n + 1)
        self.rms_derivative = math.sqrt(ms)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class ScanReport:
    """One scan: ||dL/dh_t|| over t, its per-step growth rate going back in time, a verdict."""

    def __init__(self, name: str, norms: list[float], estimate: float | None) -> None:
        self.name = name
        self.norms = norms
        self.rate = _fit_rate(norms)
        self.estimate = estimate  # spectral radius of W times rms tanh' (tanh RNNs)
        if self.rate is None or not math.isfinite(self.rate):
            self.verdict = "unknown"
        elif self.rate < _VANISHING:
            self.verdict = "vanishing"
        elif self.rate > _EXPLODING:
            self.verdict = "exploding"
        else:
            self.verdict = "healthy"
        self.remedy = REMEDIES.get(self.verdict, "")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _fit_rate(norms: Sequence[float]) -> float | None:
    """The per-step factor by which ||dL/dh_t|| shrinks going back in time (least squares
    on log norms over the steps where it is positive and finite)."""
    t = np.arange(len(norms), dtype=float)
    n = np.asarray(norms, dtype=float)
    ok = np.isfinite(n) & (n > 0)
    if ok.sum() < 2:
        return None
    slope = np.polyfit(t[ok], np.log(n[ok]), 1)[0]
    return float(np.exp(-slope))  # < 1: the gradient shrinks as it flows to earlier steps


class Diagnosis:
    """The report ``diagnose`` returns: ``loss``, ``leaves``, ``activations``, ``scans``.

    ``str()`` is a table; ``to_dict()`` plain data; ``plot(path)`` draws the per-leaf
    gradient norms and each scan's ||dL/dh_t|| (needs matplotlib).
    """

    def __init__(self, loss: float, leaves: list, activations: list, scans: list) -> None:
        self.loss, self.leaves, self.activations, self.scans = loss, leaves, activations, scans

    def to_dict(self) -> dict:
        return {
            "loss": self.loss,
            "leaves": [x.to_dict() for x in self.leaves],
            "activations": [a.to_dict() for a in self.activations],
            "scans": [s.to_dict() for s in self.scans],
        }

    def __str__(self) -> str:
        lines = [f"loss {self.loss:.6g}", ""]
        lines += [
            "| parameter | shape | grad norm | NaN/Inf | update/param |",
            "|---|---|---|---|---|",
        ]
        for x in self.leaves:
            ratio = "-" if x.update_ratio is None else f"{x.update_ratio:.3g}"
            lines.append(f"| {x.path} | {list(x.shape)} | {x.grad_norm:.3g} | "
                         f"{x.grad_nan}/{x.grad_inf} | {ratio} |")  # fmt: skip
        if self.activations:
            lines += ["", "| activation | where | units | saturated | dead | mean derivative |",
                      "|---|---|---|---|---|---|"]  # fmt: skip
            for a in self.activations:
                sat = "-" if a.kind == "relu" else f"{a.saturated:.1%}"
                dead = f"{a.dead:.1%}" if a.kind == "relu" else "-"
                lines.append(f"| {a.kind} | {a.where} | {a.units} | {sat} | {dead} | "
                             f"{a.mean_derivative:.3g} |")  # fmt: skip
        for s in self.scans:
            rate = "?" if s.rate is None else f"{s.rate:.4g}"
            est = "" if s.estimate is None else f" (spectral radius x rms tanh': {s.estimate:.4g})"
            first, last = (s.norms[0], s.norms[-1]) if s.norms else (math.nan, math.nan)
            lines += ["", f"{s.name} over {len(s.norms)} steps: ||dL/dh_t|| from {first:.3g} "
                      f"(t=0) to {last:.3g} (t={len(s.norms) - 1}); per-step rate {rate}{est}: "
                      f"{s.verdict}" + (f". Remedies: {s.remedy}" if s.verdict in
                                        ("vanishing", "exploding") else "")]  # fmt: skip
        return "\n".join(lines)

    def plot(self, path: str | None = None) -> Any:
        """Plot gradient norms per leaf and ||dL/dh_t|| per scan; saved to ``path`` if given."""
        try:
            import matplotlib

            if path is not None:
                matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise FuncgradTypeError(
                "Diagnosis.plot needs matplotlib (pip install 'funcgrad[examples]')"
            ) from e
        n = 1 + len(self.scans)
        fig, axes = plt.subplots(1, n, figsize=(5 * n, 3.5), squeeze=False)
        ax = axes[0][0]
        ax.barh([x.path for x in self.leaves], [x.grad_norm for x in self.leaves])
        ax.set_xscale("log")
        ax.set_xlabel("gradient norm")
        for ax, s in zip(axes[0][1:], self.scans, strict=True):
            ax.semilogy(s.norms)
            ax.set_xlabel("step t")
            ax.set_ylabel("||dL/dh_t||")
            ax.set_title(f"{s.name}: rate {s.rate:.3g} ({s.verdict})")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
            plt.close(fig)
        return fig


class _Watch(ReverseTrace):
    """A reverse trace that also records activation statistics and scan steps."""

    __slots__ = ("activations", "recurrent", "scan_steps", "step_of")

    def __init__(self) -> None:
        super().__init__()
        self.activations: dict[tuple[str, str], ActivationReport] = {}
        self.scan_steps: list[list[tuple[int, Any]]] = []  # per scan: (step, carry tracers)
        self.recurrent: list[Any] = []  # square matrices multiplied with a carry
        self.step_of: int | None = None

    def process_primitive(self, prim: Any, args: Sequence[Any], params: dict) -> Any:
        out = super().process_primitive(prim, args, params)
        value = out.value if type(out) is ReverseTracer else None
        if value is None or not isinstance(value, np.ndarray):
            return out
        if prim is ew.tanh_p:
            self._activation("tanh", value, np.abs(value) > 0.99, 1.0 - value * value)
        elif prim is special.logistic_p:
            sat = (value < 0.01) | (value > 0.99)
            self._activation("sigmoid", value, sat, value * (1.0 - value))
        elif (prim is ew.where_p and _is_relu(args)) or (
            prim is ew.maximum_p and _is_zero(args[1])
        ):
            self._relu(value)
        if prim is products.matmul_p and self.scan_steps:
            self._recurrent_matmul(args)
        return out

    def _activation(self, kind: str, value: np.ndarray, saturated: np.ndarray, deriv: Any) -> None:
        report = self._report(kind, value)
        report.add(float(np.mean(saturated)), deriv)

    def _relu(self, value: np.ndarray) -> None:
        report = self._report("relu", value)
        units = value.reshape(-1, value.shape[-1]) if value.ndim else value.reshape(1, 1)
        dead = np.all(units == 0, axis=0)
        report.add(float(np.mean(dead)), units > 0)

    def _report(self, kind: str, value: np.ndarray) -> ActivationReport:
        from ..core.errors import call_site

        site = call_site()
        where = str(site) if site is not None else "?"
        if site is not None and site.layer:
            where = f"{site.layer} at {site}"
        key = (kind, where)
        if key not in self.activations:
            units = int(value.shape[-1]) if value.ndim else 1
            self.activations[key] = ActivationReport(kind, where, units)
        return self.activations[key]

    def _recurrent_matmul(self, args: Sequence[Any]) -> None:
        steps = self.scan_steps[-1]
        if not steps:
            return
        carries = {id(c) for c in steps[-1][1]}
        h, w = args
        w_value = w.value if type(w) is ReverseTracer else w
        if id(h) in carries and np.ndim(w_value) == 2 and w_value.shape[0] == w_value.shape[1]:
            self.recurrent.append(np.asarray(w_value))


def _is_zero(x: Any) -> bool:
    if type(x) is ReverseTracer:
        return False
    return bool(np.all(np.asarray(x) == 0))


def _is_relu(args: Sequence[Any]) -> bool:
    cond, a, b = args
    if type(cond) is ReverseTracer or type(a) is not ReverseTracer or not _is_zero(b):
        return False
    return bool(np.array_equal(np.asarray(cond), np.asarray(a.value) > 0))


def diagnose(loss: Callable, params: Any, *batch: Any, optimizer: Any = None) -> Diagnosis:
    """Run ``loss(params, *batch)`` once with reverse mode and report how gradients flow.

    Args:
      loss: returns a real scalar.
      params: a pytree of float arrays (the first argument of ``loss``).
      batch: the other arguments.
      optimizer: an ``optim.GradientTransformation``; with it, each leaf's
        update/parameter ratio for one step from a fresh state (~1e-3 is typical).

    Returns:
      A ``Diagnosis`` (print it; ``.to_dict()``; ``.plot(path)``).
    """
    leaves, treedef = flatten(params)
    steps_hook_token = None
    with new_trace(_Watch()) as trace:
        tracers = [trace.new_input(np.asarray(x)) for x in leaves]

        def on_step(name: str, t: int, carry: Any) -> None:
            if t == 0 or not trace.scan_steps:
                trace.scan_steps.append([])
            own = [c for c in flatten(carry)[0] if type(c) is ReverseTracer and c._trace is trace]
            trace.scan_steps[-1].append((t, own))

        steps_hook_token = STEP_HOOK.set(on_step)
        try:
            out = loss(unflatten(treedef, tracers), *batch)
        finally:
            STEP_HOOK.reset(steps_hook_token)
        if type(out) is not ReverseTracer or out._trace is not trace or out.shape != ():
            raise FuncgradTypeError(
                "diagnose: `loss` must return a scalar that depends on params, got "
                f"{getattr(out, 'aval', type(out).__name__)}"
            )
        value = float(out.value)
    kept: dict[int, Any] = {}
    backward(trace.tape, [(out.node, out.index, np.ones((), out.value.dtype))], keep=kept)
    grads = [_ct(kept, t) for t in tracers]
    updates: list[Any] = [None] * len(leaves)
    if optimizer is not None:
        grad_tree = unflatten(treedef, grads)
        upd, _ = optimizer.update(grad_tree, optimizer.init(params), params)
        updates = flatten(upd)[0]
    paths = [keystr(p) or "params" for p, _ in flatten_with_path(params)[0]]
    leaf_reports = [LeafReport(*z) for z in zip(paths, leaves, grads, updates, strict=True)]
    scans = []
    for k, steps in enumerate(trace.scan_steps):
        norms = []
        for _, carry in steps:
            total = 0.0
            for c in carry:
                g = _ct(kept, c)
                total += float(np.sum(np.abs(g) ** 2))
            norms.append(math.sqrt(total))
        estimate = None
        if trace.recurrent:
            tanhs = [a for a in trace.activations.values() if a.kind == "tanh"]
            if tanhs:
                radius = float(np.max(np.abs(np.linalg.eigvals(trace.recurrent[0]))))
                # |W^T diag(f') g| ~ radius * rms(f') |g| for a g spread over the units
                estimate = radius * tanhs[0].rms_derivative
        scans.append(ScanReport(f"scan {k + 1}", norms, estimate))
    return Diagnosis(value, leaf_reports, list(trace.activations.values()), scans)


def _ct(kept: dict, tracer: ReverseTracer) -> np.ndarray:
    ct = kept.get(tracer.node)
    if ct is not None and tracer.index >= 0:
        ct = ct[tracer.index]
    if ct is None:
        return np.zeros(tracer.shape, tracer.dtype)
    return np.asarray(ct)
