"""A corpus of user mistakes: each raises a funcgrad error saying what, where and the fix.

Every entry is a program a new user writes; the test checks the error's type, that the
message names what went wrong, the user's own file and line (this file), and what to do,
under each transformation where the mistake can happen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.errors import FuncgradError

X = np.array([1.0, 2.0, 3.0])
XB = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


@dataclass(frozen=True)
class Mistake:
    name: str
    run: Callable[[], object]
    error: type
    what: str  # regex: what went wrong (shapes, dtypes, names)
    fix: str  # regex: what to do


def under(transform: str, f: Callable) -> Callable[[], object]:
    """``f`` (of one array) run under a transformation."""
    return {
        "grad": lambda: fg.grad(lambda x: fnp.sum(f(x)))(X),
        "vmap": lambda: fg.vmap(f)(XB),
        "jvp": lambda: fg.jvp(f, (X,), (X,)),
    }[transform]


def in_each(name, f, error, what, fix, transforms=("grad", "vmap", "jvp")):
    return [Mistake(f"{name} [{t}]", under(t, f), error, what, fix) for t in transforms]


def _escape():
    box = []
    fg.grad(lambda x: box.append(x) or fnp.sum(x))(X)
    return box[0] + 1.0


def _assign(x):
    x[0] = 1.0
    return x


def _branch(x):
    return x if x.sum() > 0 else -x


@fg.custom_vjp
def no_rule(x):
    return x


@fg.custom_vjp
def bad_count(x, y):
    return x * y


bad_count.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (g,))


@fg.custom_vjp
def vjp_only(x):
    return fnp.sin(x)


vjp_only.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda c, g: (g * c,))


def _closure(w):
    @fg.custom_vjp
    def f(x):
        return w * x

    f.defvjp(lambda x: (w * x, None), lambda r, g: (g * w,))
    return fnp.sum(f(X))


MISTAKES = [
    Mistake(
        "grad of an int argument",
        lambda: fg.grad(lambda x: x * 2)(3),
        TypeError,
        r"argument 0 \(`x`\) has dtype int64 \(a Python int or bool\)",
        r"astype\(float\)|pass 1\.0",
    ),
    Mistake(
        "grad of an int array inside a dict",
        lambda: fg.grad(lambda p: fnp.sum(p["w"] * 1.0))({"w": np.arange(3)}),
        TypeError,
        r"leaf 0.*dtype int64",
        r"astype\(float\)",
    ),
    Mistake(
        "grad of a string argument",
        lambda: fg.grad(lambda x, s: x, argnums=1)(1.0, "relu"),
        TypeError,
        r"argument 1 \(`s`\) is a str",
        r"static_field|out of argnums",
    ),
    Mistake(
        "grad of a non-scalar loss",
        lambda: fg.grad(lambda x: x**2)(X),
        TypeError,
        r"scalar output.*shape \(3,\)",
        r"\.sum\(\)|jacrev",
    ),
    Mistake(
        "grad of an integer result",
        lambda: fg.grad(lambda x: fnp.argmax(x))(X),
        TypeError,
        r"dtype int64.*carries no derivative",
        r"in floats",
    ),
    Mistake(
        "grad of a complex loss",
        lambda: fg.grad(lambda x: fnp.sum(x * 1j))(X),
        TypeError,
        r"complex scalar",
        r"fnp\.abs|fnp\.real|vjp",
    ),
    Mistake(
        "has_aux with a single output",
        lambda: fg.grad(lambda x: fnp.sum(x), has_aux=True)(X),
        TypeError,
        r"returned a single array \(float64\[\]\)",
        r"Return `loss, aux`|drop has_aux",
    ),
    Mistake(
        "a (loss, aux) pair without has_aux",
        lambda: fg.grad(lambda x: (fnp.sum(x), 1))(X),
        TypeError,
        r"returned a tuple",
        r"has_aux=True",
    ),
    Mistake(
        "argnums out of range",
        lambda: fg.grad(lambda x: fnp.sum(x), argnums=2)(X),
        ValueError,
        r"argnums=2 is out of range for a call with 1",
        r"positional arguments",
    ),
    *in_each(
        "numpy's own function on a tracer",
        lambda x: np.sum(x),
        TypeError,
        r"cannot be converted to a numpy array",
        r"fnp\.sum",
    ),
    *in_each("a numpy ufunc on a tracer", lambda x: np.exp(x), TypeError, r"tracer", r"fnp\.exp"),
    *in_each("item assignment", _assign, TypeError, r"immutable", r"\.at\[idx\]\.set"),
    *in_each(
        "float() of a traced value",
        lambda x: float(x.sum()) * x,
        TypeError,
        r"float\(\).*(derivative|not known)",
        r"stop_gradient|fnp\.where|static",
        transforms=("grad", "jvp"),
    ),
    Mistake(
        "a tracer kept after grad returned",
        _escape,
        RuntimeError,
        r"used after the transformation that created it returned",
        r"Return it from the transformed function",
    ),
    *in_each(
        "matmul with mismatched shapes",
        lambda x: x @ np.ones((2, 2)),
        ValueError,
        r"matmul: .*\(3.*2",
        r"",
    ),
    *in_each(
        "reshape to the wrong size",
        lambda x: fnp.reshape(x, (2, 2)),
        ValueError,
        r"reshape.*size 3.*\(2, 2\)",
        r"",
    ),
    *in_each(
        "concatenate with mismatched shapes",
        lambda x: fnp.concatenate([x, np.ones((2, 2))]),
        ValueError,
        r"concatenate",
        r"",
    ),
    Mistake(
        "Python control flow on a batched value",
        lambda: fg.vmap(_branch)(XB),
        TypeError,
        r"value of a traced array .*float64\[\]|concrete value",
        r"fnp\.where",
    ),
    Mistake(
        "vmap over arguments of different batch sizes",
        lambda: fg.vmap(lambda a, b: a + b)(np.ones((2, 3)), np.ones((4, 3))),
        ValueError,
        r"inconsistent sizes.*size 2.*size 4",
        r"",
    ),
    Mistake(
        "vmap in_axes of the wrong length",
        lambda: fg.vmap(lambda a, b: a + b, in_axes=(0,))(XB, XB),
        ValueError,
        r"in_axes has 1 entries but the function was called with 2",
        r"",
    ),
    Mistake(
        "vmap axis out of range",
        lambda: fg.vmap(lambda a: a, in_axes=2)(XB),
        ValueError,
        r"in_axes for leaf 0 is 2, out of range for an argument of rank 2",
        r"",
    ),
    Mistake(
        "vmap of a scalar",
        lambda: fg.vmap(lambda a, b: a * b)(XB, 2.0),
        ValueError,
        r"leaf 1 of the arguments is a scalar",
        r"in_axes=None",
    ),
    Mistake(
        "vmap out_axes None for a batched output",
        lambda: fg.vmap(lambda a: a * 2, out_axes=None)(XB),
        ValueError,
        r"out_axes is None for an output that depends on the batch",
        r"int out_axes",
    ),
    Mistake(
        "jvp with a tangent of the wrong shape",
        lambda: fg.jvp(lambda x: x, (X,), (np.ones(2),)),
        ValueError,
        r"tangent leaf 0 has shape \(2,\) but its primal has shape \(3,\)",
        r"its primal's shape",
    ),
    Mistake(
        "jvp with primals not in a tuple",
        lambda: fg.jvp(lambda x: x, X, X),
        TypeError,
        r"primals and tangents must be tuples",
        r"one entry per argument",
    ),
    Mistake(
        "jvp of an integer primal",
        lambda: fg.jvp(lambda x: x, (np.arange(3),), (np.arange(3),)),
        TypeError,
        r"dtype int64",
        r"astype\(float\)",
    ),
    Mistake(
        "vjp with a cotangent of the wrong shape",
        lambda: fg.vjp(lambda x: x * 2, X)[1](np.ones(2)),
        ValueError,
        r"cotangent leaf 0 has shape \(2,\).*shape \(3,\)",
        r"its output's shape",
    ),
    Mistake(
        "vjp with a cotangent of the wrong structure",
        lambda: fg.vjp(lambda x: (x, x), X)[1](X),
        ValueError,
        r"cotangent has structure",
        r"shaped like the output",
    ),
    Mistake(
        "vjp with a complex cotangent for a real output",
        lambda: fg.vjp(lambda x: x * 2, X)[1](X * 1j),
        TypeError,
        r"complex.*float64",
        r"real cotangent",
    ),
    Mistake(
        "custom_vjp without defvjp",
        lambda: fg.grad(lambda x: fnp.sum(no_rule(x)))(X),
        TypeError,
        r"`no_rule` has no rule",
        r"defvjp\(fwd, bwd\)",
    ),
    Mistake(
        "custom_vjp bwd returning too few cotangents",
        lambda: fg.grad(lambda x: fnp.sum(bad_count(x, x)))(X),
        TypeError,
        r"one cotangent per argument \(2\), got tuple of length 1",
        r"bwd must return",
    ),
    Mistake(
        "custom_vjp under forward mode",
        lambda: fg.jacfwd(vjp_only)(X),
        TypeError,
        r"`vjp_only` has only a reverse-mode rule",
        r"custom_jvp|jacrev",
    ),
    Mistake(
        "custom_vjp closing over a differentiated value",
        lambda: fg.grad(_closure)(X),
        TypeError,
        r"closes over a traced value \(float64\[3\]\)",
        r"as an argument",
    ),
    Mistake(
        "scan whose carry changes shape",
        lambda: fg.grad(lambda x: fnp.sum(fg.scan(lambda c, t: (fnp.stack([c, c]), c), x, X)[1]))(
            X
        ),
        TypeError,
        r"carry returned by `f` has shape \(2, 3\) but init has shape \(3,\)",
        r"",
    ),
    Mistake(
        "scan body returning one value",
        lambda: fg.scan(lambda c, t: c + t, 0.0, X),
        TypeError,
        r"must return a pair \(carry, y\), got a float64|must return a pair",
        r"\(carry, y\)",
    ),
    *in_each(
        "len() of a 0-d traced value",
        lambda x: x * len(x.sum()),
        TypeError,
        r"len\(\) of unsized object",
        r"",
    ),
    *in_each(
        "an attribute arrays do not have",
        lambda x: x.numpy(),
        AttributeError,
        r"no attribute 'numpy'",
        r"funcgrad\.numpy",
    ),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_a_mistake_gets_a_clear_error(mistake):
    with pytest.raises(mistake.error) as info:
        mistake.run()
    text = str(info.value)
    assert type(info.value).__module__.startswith("funcgrad") or isinstance(
        info.value, AttributeError
    ), type(info.value)
    import re

    assert re.search(mistake.what, text), text
    assert re.search(mistake.fix, text), text
    if isinstance(info.value, FuncgradError):
        assert "test_mistakes.py:" in text, text  # where: the user's own line


def test_the_corpus_is_large_enough():
    assert len({m.name.split(" [")[0] for m in MISTAKES}) >= 30


@pytest.mark.parametrize(
    "mistake",
    [m for m in MISTAKES if m.name != "a tracer kept after grad returned"],  # raised outside
    ids=lambda m: m.name,
)
def test_the_traceback_ends_in_the_users_code(mistake):
    with pytest.raises(mistake.error) as info:
        mistake.run()
    # funcgrad's own frames are gone but for the one boundary that re-raised the error
    internal = [str(e.path) for e in info.traceback if "/funcgrad/" in str(e.path)]
    assert all(p.endswith("core/errors.py") for p in internal), internal
    assert len(internal) <= 1, internal
