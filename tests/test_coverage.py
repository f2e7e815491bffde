"""The floor: every numpy function HIPS autograd differentiates exists and is tested here."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _coverage():
    spec = importlib.util.spec_from_file_location("coverage_doc", ROOT / "docs" / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_autograd_function_exists():
    cov = _coverage()
    missing = sorted(set(cov.autograd_names()) - set(cov.public_functions()))
    assert not missing, f"autograd differentiates these, funcgrad.numpy lacks them: {missing}"


def test_every_autograd_function_has_a_derivative_row():
    cov = _coverage()
    rows = cov.rows_by_function()
    untested = [
        n for n in cov.autograd_names() if not any(s.differentiable for s in rows.get(n, []))
    ]
    assert not untested, f"no differentiable table row for: {untested}"


def test_coverage_document_is_current():
    cov = _coverage()
    assert (ROOT / "docs" / "coverage.md").read_text() == cov.render(), (
        "docs/coverage.md is stale: run `python docs/coverage.py`"
    )
