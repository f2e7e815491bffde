"""Markdown tables from the results dictionary the orchestrator fills (also the JSON)."""

from __future__ import annotations

import math

GRAD_HEADER = {"loss": "loss+grad", "step": "Adam step", "per_example": "per-example grads"}

# Issue 2, item 10: figure -> (label, target, reference figures quoted in the issue).
TARGETS = {
    "a": ("(a) chain: grad µs per primitive, float64", 4.0, "autograd 14.6, torch 7.4, numpy 1.6"),
    "b_numpy": ("(b) medium MLP: value_and_grad / numpy floor", 1.15, "autograd 1.26, torch 1.24"),
    "b_fwd": ("(b) medium MLP: value_and_grad / forward", 3.0, ""),
    "c": ("(c) tiny MLP: value_and_grad / numpy floor", 2.5, "autograd 7.7, torch 3.1"),
    "d": ("(d) import time beyond numpy, CPU ms", 40.0, "autograd 52"),
}


def fmt_time(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.2f}x"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def variant_order(results: dict) -> list[str]:
    return [v for hello in results["backends"].values() for v in hello["variants"]]


def render(results: dict) -> str:
    parts = [header(results)]
    order = variant_order(results)
    cases = results["cases"]
    workloads: dict[str, list[str]] = {}
    for key, case in cases.items():
        if case["group"] == "main":
            workloads.setdefault(case["workload"], []).append(key)
    for keys in workloads.values():
        parts.append(workload_table([cases[k] for k in keys], order))
    fd = [c for c in cases.values() if c["group"] == "fd"]
    if fd:
        parts.append(fd_table(fd))
    if results["imports"]:
        parts.append(import_table(results["imports"]))
    parts.append(headline_table(results, order))
    return "\n\n".join(parts) + "\n"


def header(results: dict) -> str:
    m = results["meta"]
    versions = {"python": m["python"]}
    settings: list[str] = []
    for hello in results["backends"].values():
        versions.update(hello["versions"])
        settings += hello["settings"]
    env = " ".join(f"{k}={v}" for k, v in m["thread_env"].items() if k.endswith("THREADS"))
    lines = [
        "## funcgrad benchmarks",
        "",
        f"- date: {m['date']}; command: `{m['command']}`",
        f"- machine: {m['cpu_model']}, {m['platform']}; load average (1 min) "
        f"{m['load_start']:.1f} at the start, {m['load_end']:.1f} at the end",
        f"- funcgrad revision: {m['git']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        f"- single-threaded: {env}; {'; '.join(settings) or 'no framework pools'}; "
        f"every backend in its own process pinned to CPU {m['pinned_cpu']}; glibc "
        f"{' '.join(f'{k}={v}' for k, v in m.get('alloc_env', {}).items()) or 'defaults'}",
        f"- CPU time per call (time.process_time), median of {m['repeat']} samples of >= "
        f"{m['min_time'] * 1e3:g} ms, best of {m['rounds']} interleaved rounds; first call is "
        "wall time, before any warm-up; 'max rel dev' is max|x - numpy| / max|numpy| over the "
        "loss and every gradient",
    ]
    if m["smoke"]:
        lines.append("- SMOKE MODE: tiny sizes, one sample; the figures mean nothing")
    for name, reason in results["skipped"].items():
        lines.append(f"- skipped {name}: {reason}")
    return "\n".join(lines)


def workload_table(cases: list[dict], order: list[str]) -> str:
    kind = cases[0]["kind"]
    head = ["backend", "dtype", GRAD_HEADER[kind], "forward", "grad/fwd", "vs numpy",
            "first call", "max rel dev", "note"]  # fmt: skip
    rows = []
    for case in cases:
        floor = case["variants"].get("numpy", {}).get("times", {}).get("grad")
        for v in order:
            e = case["variants"].get(v)
            if e is None:
                continue
            t = e.get("times", {})
            g, f = t.get("grad"), t.get("forward")
            if e["status"] != "ok" or g is None:
                note = f"{e['status']}: {e.get('reason', 'not timed')}"
                rows.append([v, case["dtype"], "-", "-", "-", "-", "-",
                             _dev(e), note.replace("|", "/")[:120]])  # fmt: skip
                continue
            note = "floor" if v == "numpy" else ""
            prims = case.get("info", {}).get("primitives")
            if prims:
                note = f"{g / prims * 1e6:.2f} µs/primitive (forward {f / prims * 1e6:.2f})"
            rows.append([
                v, case["dtype"], fmt_time(g), fmt_time(f), fmt_ratio(ratio(g, f)),
                fmt_ratio(ratio(g, floor)), fmt_time(e.get("first_call_s")), _dev(e), note,
            ])  # fmt: skip
    return f"### {cases[0]['title']}\n\n" + table(head, rows)


def _dev(e: dict) -> str:
    d = e.get("max_rel_dev")
    return "-" if d is None else ("inf" if not math.isfinite(d) else f"{d:.1e}")


def fd_table(cases: list[dict]) -> str:
    head = ["network", "params P", "forward", "finite diff", "FD/forward", "backprop",
            "backprop/forward", "FD/backprop", "numpy backprop"]  # fmt: skip
    rows = []
    for case in cases:
        e = case["variants"].get("funcgrad", {})
        t = e.get("times", {})
        fwd, fd, bp = t.get("forward"), t.get("fd"), t.get("grad")
        floor = case["variants"].get("numpy", {}).get("times", {}).get("grad")
        info = case.get("info", {})
        rows.append([
            info.get("layers", "?"), str(info.get("n_params", "?")), fmt_time(fwd),
            fmt_time(fd), fmt_ratio(ratio(fd, fwd)),
            fmt_time(bp), fmt_ratio(ratio(bp, fwd)), fmt_ratio(ratio(fd, bp)), fmt_time(floor),
        ])  # fmt: skip
    return (
        "### Finite differences vs backprop (funcgrad, float64)\n\n"
        "`funcgrad.testing.numerical_grad` (central differences: 2P forward passes) against "
        "`funcgrad.value_and_grad` (one forward, one backward pass).\n\n" + table(head, rows)
    )


def import_table(imports: dict) -> str:
    rows = [
        [f"{m} (itself)" if m == "numpy" else m, f"{t['cpu'] * 1e3:.1f}", f"{t['wall'] * 1e3:.1f}"]
        for m, t in sorted(imports.items(), key=lambda mt: mt[0] != "numpy")
    ]
    return "### Import time beyond `import numpy` (fresh interpreters, best run)\n\n" + table(
        ["module", "CPU ms", "wall ms"], rows
    )


def headline(results: dict, variant: str) -> dict[str, float | None]:
    """Issue 2 item 10's figures for one variant (float64)."""
    cases = results["cases"]

    def times(key: str) -> dict:
        e = cases.get(key, {}).get("variants", {}).get(variant, {})
        return e.get("times", {}) if e.get("status") == "ok" else {}

    def floor(key: str) -> float | None:
        return cases.get(key, {}).get("variants", {}).get("numpy", {}).get("times", {}).get("grad")

    chain, tiny = times("chain/float64"), times("tiny_mlp/float64")
    med = times("medium_mlp/float64")
    prims = cases.get("chain/float64", {}).get("info", {}).get("primitives")
    module = variant.split("-")[0]  # jax-jit: `import jax`
    imp = results["imports"].get(module, {}).get("cpu") if module != "numpy" else None
    return {
        "a": chain["grad"] / prims * 1e6 if chain.get("grad") and prims else None,
        "b_numpy": ratio(med.get("grad"), floor("medium_mlp/float64")),
        "b_fwd": ratio(med.get("grad"), med.get("forward")),
        "c": ratio(tiny.get("grad"), floor("tiny_mlp/float64")),
        "d": imp * 1e3 if imp is not None else None,
    }


def headline_table(results: dict, order: list[str]) -> str:
    figures = {v: headline(results, v) for v in order}
    results["headline"] = figures
    head = ["figure", "target", "funcgrad", "met", *[v for v in order if v != "funcgrad"],
            "issue's reference"]  # fmt: skip
    rows = []
    for k, (label, target, ref) in TARGETS.items():
        fg = figures.get("funcgrad", {}).get(k)
        met = "-" if fg is None else ("yes" if fg <= target else "**no**")
        others = [_num(figures[v][k]) for v in order if v != "funcgrad"]
        rows.append([label, f"<= {target:g}", _num(fg), met, *others, ref])
    return "### Issue 2, item 10: headline figures (float64)\n\n" + table(head, rows)


def _num(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.2f}"
