"""Save a pytree's leaves to an ``.npz`` file and load them back into a like-shaped tree.

Each leaf is stored as one ``.npy`` member named by its key-path string (``keystr``:
``['layers'][0].w``), so a checkpoint is readable with plain ``numpy.load``. The tree's
structure (container types, attrs classes, static fields) is not stored: ``load`` takes
it from ``like``, and checks that the file holds exactly ``like``'s leaves with the same
shapes and dtypes. Nothing is pickled. Imports the tree layer, funcgrad's error classes
and numpy.
"""

from __future__ import annotations

import os
import zipfile
from typing import IO, Any

import numpy as np

from ..core.errors import FuncgradTypeError, FuncgradValueError
from .keys import keystr
from .treedef import flatten_with_path

File = str | os.PathLike[str] | IO[bytes]

_PYTHON_SCALARS = (bool, int, float, complex)
_STORABLE_KINDS = "biufc"  # bool, signed and unsigned int, float, complex


def _name(file: File) -> str:
    try:
        return repr(os.fspath(file))  # type: ignore[arg-type]
    except TypeError:
        return f"<{type(file).__name__}>"


def _storable(leaf: Any, where: str, fname: str) -> np.ndarray:
    """The array a leaf is stored as (a Python scalar becomes a 0-d array)."""
    if not isinstance(leaf, (np.ndarray, np.generic, *_PYTHON_SCALARS)):
        raise FuncgradTypeError(
            f"tree.{fname}: the leaf at {where} is a {type(leaf).__name__}; only arrays and "
            "numpy or Python scalars (bool, int, float, complex) can be stored. Make other "
            "values static (tree.static_field()) or leave them out of the tree."
        )
    arr = np.asarray(leaf)
    if arr.dtype.kind not in _STORABLE_KINDS:
        raise FuncgradTypeError(
            f"tree.{fname}: the leaf at {where} has dtype {arr.dtype}, which cannot be stored "
            "without pickle; use a bool, integer, float or complex dtype (a Python int must "
            "fit in int64)"
        )
    return arr


def _paths(tree: Any, fname: str) -> tuple[list[str], list[Any], Any]:
    """Key-path strings, leaves and treedef of ``tree``; every string names one leaf."""
    pairs, treedef = flatten_with_path(tree)
    names = [keystr(p) for p, _ in pairs]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise FuncgradValueError(
            f"tree.{fname}: two leaves print the same key path {dup!r} (dict keys with equal "
            "repr?); give them distinct keys"
        )
    return names, [leaf for _, leaf in pairs], treedef


def save(path: File, tree: Any) -> None:
    """Write the leaves of ``tree`` to the ``.npz`` file ``path``, each under its key path.

    ``path`` is written as given (no ``.npz`` is appended); it may also be a binary file
    object. Python scalars are stored as 0-d arrays; the tree's containers and static
    fields are not stored (``load`` takes them from ``like``).

    Raises:
      TypeError: if a leaf is not an array or a numpy/Python number (the message names its
        key path).
      ValueError: if two leaves print the same key path.

    Example:
      >>> import io
      >>> f = io.BytesIO()
      >>> save(f, {"w": np.ones(2), "step": 3})
      >>> _ = f.seek(0)
      >>> sorted(np.load(f).files)
      ["['step']", "['w']"]
    """
    names, leaves, _ = _paths(tree, "save")
    arrays = [
        _storable(leaf, name or "the root", "save")
        for name, leaf in zip(names, leaves, strict=True)
    ]
    with zipfile.ZipFile(path, mode="w", compression=zipfile.ZIP_STORED) as zf:
        for name, arr in zip(names, arrays, strict=True):
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def load(path: File, like: Any) -> Any:
    """Read a tree saved by ``save`` into the structure of ``like``.

    ``like`` gives the containers, attrs classes and static fields; each leaf's shape and
    dtype must match the stored array. A leaf of ``like`` that is a Python scalar comes
    back as a Python scalar of the same type, a numpy scalar as a numpy scalar, an array
    as a fresh writable array. Nothing is unpickled.

    Raises:
      ValueError: if the file is not an ``.npz`` file, lacks a leaf of ``like`` or has
        leaves ``like`` does not (named by key path), or a leaf's shape differs (expected
        vs found).
      TypeError: if a leaf's dtype differs (expected vs found), or a leaf of ``like`` is
        not an array or number.

    Example:
      >>> import io
      >>> f = io.BytesIO()
      >>> save(f, {"w": np.ones(2), "step": 3})
      >>> _ = f.seek(0)
      >>> load(f, like={"w": np.zeros(2), "step": 0})
      {'step': 3, 'w': array([1., 1.])}
    """
    names, like_leaves, treedef = _paths(like, "load")
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise FuncgradValueError(f"tree.load: cannot read {_name(path)} as .npz: {e}") from e
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise FuncgradValueError(
            f"tree.load: {_name(path)} is a single .npy array, not an .npz file written by "
            "tree.save"
        )
    with npz:
        _check_names(set(npz.files), names, path)
        leaves = [_restore(npz, name, want) for name, want in zip(names, like_leaves, strict=True)]
    return treedef.unflatten(leaves)


def _check_names(stored: set[str], names: list[str], path: File) -> None:
    missing = [n or "<root>" for n in names if n not in stored]
    extra = sorted(n or "<root>" for n in stored - set(names))
    if missing or extra:
        raise FuncgradValueError(
            f"tree.load: {_name(path)} does not have the structure of `like`: "
            f"leaves of `like` missing from the file: {missing or 'none'}; leaves in the "
            f"file that `like` does not have: {extra or 'none'}. Pass the `like` tree the "
            "file was saved from."
        )


def _restore(npz: Any, name: str, want: Any) -> Any:
    where = name or "the root"
    expected = _storable(want, where, "load")
    try:
        found = npz[name]
    except ValueError as e:  # an object array: needs pickle
        raise FuncgradTypeError(f"tree.load: the leaf at {where} cannot be read: {e}") from e
    if found.shape != expected.shape:
        raise FuncgradValueError(
            f"tree.load: the leaf at {where} has the wrong shape: expected "
            f"{expected.shape} ({expected.dtype}), found {found.shape} ({found.dtype}) in "
            "the file"
        )
    if found.dtype != expected.dtype:
        raise FuncgradTypeError(
            f"tree.load: the leaf at {where} has the wrong dtype: expected {expected.dtype}, "
            f"found {found.dtype} in the file (shape {found.shape})"
        )
    if isinstance(want, np.ndarray):
        return found if found.flags.writeable else found.copy()
    if isinstance(want, np.generic):
        return found[()]
    for scalar in _PYTHON_SCALARS:  # bool before int: bool is an int
        if isinstance(want, scalar):
            return scalar(found.item())
    raise AssertionError(f"unreachable: {type(want)} passed _storable")
