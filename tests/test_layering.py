"""The package's layers import only upward: core -> tree -> primitives -> transforms ->
public faces. Every import of every module counts, lazy ones inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "funcgrad"

# What each top-level part of funcgrad may import from funcgrad (besides itself).
CORE, TREE, PRIMITIVES, TRANSFORMS = "core", "tree", "primitives", "transforms"
PUBLIC = "public"  # funcgrad/__init__.py
ALLOWED: dict[str, set[str]] = {
    CORE: set(),
    TREE: {CORE},  # errors only in practice; core imports nothing of funcgrad
    PRIMITIVES: {CORE, TREE},
    TRANSFORMS: {CORE, TREE, PRIMITIVES},
    "numpy": {CORE, TREE, PRIMITIVES},
    "typing": {CORE},  # type aliases over core's Tracer
}
_FACES = ("random", "optim", "nn", "testing", "scipy", "distributed", "debug", PUBLIC)
_ANY = {CORE, TREE, PRIMITIVES, TRANSFORMS, "numpy", "typing", *_FACES}
for _face in _FACES:
    ALLOWED[_face] = _ANY


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _part(dotted: list[str]) -> str:
    """The layer of a module ``funcgrad.x.y...``: ``x`` (``random.py`` counts as random)."""
    assert dotted[0] == "funcgrad"
    return PUBLIC if len(dotted) == 1 else dotted[1]


def _is_module(dotted: list[str]) -> bool:
    base = PACKAGE.parent.joinpath(*dotted)
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _imports(path: Path) -> list[tuple[int, list[str]]]:
    """Every funcgrad module imported by the module at ``path`` (line, dotted name)."""
    return _imports_in(path.read_text(), _module_name(path), path.name == "__init__.py")


def _imports_in(source: str, module: list[str], is_package: bool) -> list[tuple[int, list[str]]]:
    """Every funcgrad module ``source`` imports, at any depth (lazy imports included)."""
    package = module if is_package else module[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                dotted = alias.name.split(".")
                if dotted[0] == "funcgrad":
                    found.append((node.lineno, dotted))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                assert node.level <= len(package), f"line {node.lineno}: import above funcgrad"
                base = package[: len(package) - (node.level - 1)]
            else:
                base = []
            base = base + (node.module.split(".") if node.module else [])
            if not base or base[0] != "funcgrad":
                continue
            for alias in node.names:
                # `from . import tree` imports a module; `from .x import f` imports from x
                target = [*base, alias.name]
                found.append((node.lineno, target if _is_module(target) else base))
    return found


MODULES = _modules()


def test_the_package_has_the_expected_layers():
    parts = {_part(_module_name(p)) for p in MODULES}
    assert {CORE, TREE, PRIMITIVES, TRANSFORMS, "numpy", "testing", PUBLIC} <= parts
    unknown = parts - set(ALLOWED)
    assert not unknown, f"modules outside the known layers: {sorted(unknown)}; add them here"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_modules_import_only_from_their_own_or_higher_layers(path):
    own = _part(_module_name(path))
    allowed = ALLOWED[own] | {own}
    bad = [
        f"line {line}: imports {'.'.join(target)} (layer {_part(target)!r})"
        for line, target in _imports(path)
        if _part(target) not in allowed
    ]
    assert not bad, (
        f"{path.relative_to(PACKAGE.parent)} (layer {own!r}) may import only "
        f"{sorted(allowed)}:\n" + "\n".join(bad)
    )


def test_the_checker_sees_lazy_and_relative_imports():
    source = (
        "import funcgrad.tree\n"
        "from .. import transforms\n"
        "from ..primitives.shape import reshape\n"
        "def f():\n"
        "    from funcgrad.numpy import sum\n"
        "    from .avals import typeof\n"
    )
    found = _imports_in(source, ["funcgrad", "core", "_probe"], is_package=False)
    assert sorted(_part(t) for _, t in found) == sorted(
        [TREE, TRANSFORMS, PRIMITIVES, "numpy", CORE]
    )
    assert ["funcgrad", "core", "avals"] in [t for _, t in found]
    assert ["funcgrad", "primitives", "shape"] in [t for _, t in found]
