"""Every exception funcgrad.numpy, the primitives and funcgrad.testing raise on purpose is a
``FuncgradError`` (which also subclasses the builtin it refines): an AST check of every
``raise SomeClass(...)`` in those packages. ``check_grads``'s AssertionError is its
documented contract."""

import ast
import builtins
import importlib
import pathlib

import pytest

from funcgrad.core.errors import FuncgradError

ROOT = pathlib.Path(__file__).resolve().parents[2] / "funcgrad"
MODULES = sorted(
    p for pkg in ("numpy", "primitives", "testing") for p in (ROOT / pkg).glob("*.py")
)
ALLOWED = {("testing", "check_grads.py"): {AssertionError}}


def _raised_classes(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            if isinstance(func, ast.Name):
                yield node.lineno, func.id


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_deliberate_errors_are_funcgrad_errors(path):
    name = ".".join(("funcgrad", path.parent.name, path.stem)).replace(".__init__", "")
    module = importlib.import_module(name)
    allowed = ALLOWED.get((path.parent.name, path.name), set())
    bad = []
    for line, cls_name in _raised_classes(path):
        cls = getattr(module, cls_name, None) or getattr(builtins, cls_name, None)
        if not isinstance(cls, type):
            continue  # a helper returning an exception
        if not issubclass(cls, FuncgradError) and cls not in allowed:
            bad.append(f"line {line}: {cls_name}")
    assert not bad, f"{path.name} raises non-funcgrad errors: {bad}"
