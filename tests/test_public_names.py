"""Every public module shows only its public names, and a typo is an error that helps.

``dir(module)`` is exactly ``__all__`` (no ``np``, ``Any``, ``TYPE_CHECKING``, ``Tracer`` or
private helpers); every name of ``__all__`` resolves; every explicit re-export
(``from .x import a as a``) and every public function or class is listed; a misspelt
name raises ``AttributeError`` naming the closest public names; and the module
``__getattr__`` is hidden from type checkers, so that they report a typo too.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "funcgrad"

PUBLIC_MODULES = [
    "funcgrad",
    "funcgrad.distributed",
    "funcgrad.nn",
    "funcgrad.numpy",
    "funcgrad.numpy.fft",
    "funcgrad.numpy.linalg",
    "funcgrad.optim",
    "funcgrad.random",
    "funcgrad.scipy",
    "funcgrad.scipy.integrate",
    "funcgrad.scipy.linalg",
    "funcgrad.scipy.signal",
    "funcgrad.scipy.special",
    "funcgrad.scipy.stats",
    *(
        f"funcgrad.scipy.stats.{d}"
        for d in ("beta", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t")
    ),
    "funcgrad.testing",
    "funcgrad.testing.strategies",
    "funcgrad.tree",
    "funcgrad.typing",
    "funcgrad.transforms.checkpoint_policies",  # fg.checkpoint_policies
]

# what a module uses but must not offer
LEAKS = {"TYPE_CHECKING", "annotations", "np", "Any", "Callable", "Sequence", "Tracer"}


def _source_path(name: str) -> Path:
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _declared_public(name: str) -> set[str]:
    """Explicit re-exports and the public functions and classes a module's source defines."""
    tree = ast.parse(_source_path(name).read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            found |= {a.name for a in node.names if a.asname == a.name}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            found.add(node.name)
    return {n for n in found if not n.startswith("_")}


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_dir_is_all_and_all_resolves(name: str) -> None:
    module = importlib.import_module(name)
    public = module.__all__
    assert len(set(public)) == len(public), f"{name}.__all__ repeats a name"
    assert sorted(dir(module)) == sorted(public)
    assert not LEAKS & set(dir(module))
    for attr in public:
        value = getattr(module, attr)  # lazy submodules load here
        if isinstance(value, types.ModuleType):  # a submodule, or a namespace of funcgrad's
            assert value.__name__.startswith("funcgrad.") and value.__name__.endswith(attr)
    missing = _declared_public(name) - set(public)
    assert not missing, f"{name}: public names not in __all__: {sorted(missing)}"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_typo_is_an_attribute_error_naming_close_names(name: str) -> None:
    module = importlib.import_module(name)
    target = sorted(module.__all__, key=len)[-1]  # the longest: its typo is unambiguous
    typo = target[:-1] + ("x" if target[-1] != "x" else "y")
    with pytest.raises(AttributeError, match=f"has no attribute '{typo}'") as info:
        getattr(module, typo)
    assert repr(target) in str(info.value)
    assert info.value.name == typo
    with pytest.raises(AttributeError, match=f"dir\\({name}\\) lists its public names"):
        module.qqqqqqqqqqqq  # noqa: B018
    assert not hasattr(module, "__wrapped__")  # probes of dunders stay cheap and plain


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_getattr_is_hidden_from_type_checkers(name: str) -> None:
    """A ``__getattr__`` type checkers can see would make every misspelt name an ``Any``."""
    tree = ast.parse(_source_path(name).read_text())
    for node in tree.body:
        defines = isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
        assigns = isinstance(node, ast.Assign) and any(
            isinstance(n, ast.Name) and n.id == "__getattr__"
            for t in node.targets
            for n in ast.walk(t)
        )
        assert not (defines or assigns), f"{name}: __getattr__ outside `if not TYPE_CHECKING`"
    module = importlib.import_module(name)
    assert callable(vars(module)["__getattr__"])


def test_type_checkers_see_typos_and_kept_signatures(tmp_path: Path) -> None:
    """mypy reports a misspelt name, and a gradient called with the wrong arguments."""
    pytest.importorskip("mypy")
    user = tmp_path / "user.py"
    user.write_text(
        "import funcgrad as fg\nimport funcgrad.numpy as fnp\n"
        "fg.value_and_gradd\nfnp.linalg.svdd\nfg.nn.Dense\n"
        "def loss(w: float, x: float) -> float:\n    return w * x\n"
        "fg.grad(loss)(1.0, 2.0)\nfg.grad(loss)(1.0)\nfg.vmap(loss)(1.0, 2.0)\n"
    )
    run = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent"),
            *("--cache-dir", str(tmp_path / "cache"), str(user)),
        ],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,  # mypy searches the working directory: the checkout
    )
    out = run.stdout + run.stderr
    assert 'user.py:3: error: Module has no attribute "value_and_gradd"' in out, out
    assert 'user.py:4: error: Module has no attribute "svdd"' in out, out
    assert "user.py:9: error: Too few arguments" in out, out
    assert "Found 3 errors" in out, out
