"""Products: ``matmul`` and ``einsum``, the two primitives every product is built from.

``matmul_p`` has numpy's semantics (stacks of matrices, broadcast batch axes, 1-D operands
promoted); its VJP is one matmul per input against the transposed other operand, so the
dense-layer case ``x @ W`` costs exactly two matmuls and no copies. ``einsum_p`` takes its
subscripts in a normalised, explicit form (``"ij,jk->ik"``: no ellipsis, no spaces; see
``einsum_subscripts``); its derivative with respect to one operand is again an einsum.
Small matrix helpers for the decompositions (``mT``, ``diagonal``, ``diag_embed``, ``col``,
``row``, ``sym``, ``tril_mask``, ``safe_reciprocal``) close the module. Imports core and the
shape and elementwise families; the decompositions live in ``decompositions.py`` and
``spectral.py``.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..core.avals import ShapedArray
from ..core.errors import FuncgradValueError
from ..core.primitive import Primitive
from ..core.rules import BATCH, JVP, VJP
from .elementwise import equal, where
from .shape import _bdim_front, broadcast_to, reshape, transpose


def mT(x: Any) -> Any:
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    if type(x) is np.ndarray:  # nothing traced: numpy's view, as transpose's impl makes
        return x.swapaxes(-1, -2)
    n = np.ndim(x)
    return transpose(x, (*range(n - 2), n - 1, n - 2))


# --- matmul --------------------------------------------------------------------------


def _matmul_vjp_a(out_bar, out, a, b):
    del out
    if b.ndim == 1:  # out[..., n] = a[..., n, k] b[k]: the outer product of out_bar and b
        return out_bar * b if a.ndim == 1 else reshape(out_bar, (*out_bar.shape, 1)) * b
    if a.ndim == 1:  # out[..., m] = a[k] b[..., k, m]
        if b.ndim == 2:
            return matmul(b, out_bar)
        col = matmul(b, reshape(out_bar, (*out_bar.shape, 1)))
        return reshape(col, col.shape[:-1])
    return matmul(out_bar, mT(b))


def _matmul_vjp_b(out_bar, out, a, b):
    del out
    if a.ndim == 1:  # out[..., m] = a[k] b[..., k, m]
        if b.ndim == 1:
            return out_bar * a
        return reshape(a, (a.shape[0], 1)) * reshape(
            out_bar, (*out_bar.shape[:-1], 1, out_bar.shape[-1])
        )
    k = a.shape[-1]
    if b.ndim == 1:  # out[..., n] = a[..., n, k] b[k]: contract every axis of out_bar
        return matmul(reshape(out_bar, (out_bar.size,)), reshape(a, (out_bar.size, k)))
    if b.ndim == 2 and a.ndim > 2:  # fold the batch of a into its rows: one 2-D matmul
        m = b.shape[-1]
        return matmul(mT(reshape(a, (a.size // k, k))), reshape(out_bar, (out_bar.size // m, m)))
    return matmul(mT(a), out_bar)


def _matmul_batch(axis_size, args, dims):
    (a, b), (da, db) = args, dims
    ra = a.ndim - (da is not None)  # ranks of one example
    rb = b.ndim - (db is not None)
    a, b = _bdim_front(a, da), _bdim_front(b, db)
    # Promote 1-D operands to matrices, then line the batch axis up in front of the
    # broadcast batch axes of matmul; unbatched operands broadcast as they are.
    if ra == 1:
        a = reshape(a, (*a.shape[:-1], 1, a.shape[-1]))
    if rb == 1:
        b = reshape(b, (*b.shape, 1))
    k = max(ra, rb, 2) - 2
    if da is not None:
        a = reshape(a, (axis_size,) + (1,) * (k - max(ra, 2) + 2) + a.shape[1:])
    if db is not None:
        b = reshape(b, (axis_size,) + (1,) * (k - max(rb, 2) + 2) + b.shape[1:])
    out = matmul(a, b)
    if ra == 1 or rb == 1:
        shape = out.shape
        drop = {len(shape) - 2} if ra == 1 else set()
        if rb == 1:
            drop.add(len(shape) - 1)
        out = reshape(out, tuple(d for i, d in enumerate(shape) if i not in drop))
    return out, 0


def _matmul_aval(a, b):
    sa, sb = a.shape, b.shape
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    shape = batch + (sa[-2:-1] if len(sa) > 1 else ()) + (sb[-1:] if len(sb) > 1 else ())
    return ShapedArray(shape, np.result_type(a.dtype, b.dtype))


matmul_p = Primitive("matmul", np.matmul, _matmul_aval)
VJP.define(matmul_p, _matmul_vjp_a, _matmul_vjp_b)
JVP.define(
    matmul_p,
    lambda a_dot, out, a, b: matmul(a_dot, b),
    lambda b_dot, out, a, b: matmul(a, b_dot),
)
BATCH.define(matmul_p, _matmul_batch)


def matmul(a: Any, b: Any) -> Any:
    """numpy's matmul on (possibly traced) arrays with at least one axis each."""
    return matmul_p.bind(a, b)


# --- einsum --------------------------------------------------------------------------

_LETTERS = string.ascii_uppercase + string.ascii_lowercase
_MAX_OPERANDS = 64  # numpy's limit on einsum operands


def einsum_subscripts(subscripts: str, shapes: list[tuple[int, ...]]) -> str:
    """The explicit, ellipsis-free form of ``subscripts`` for operands of ``shapes``.

    Implicit outputs become explicit (numpy's rule: broadcast axes, then the letters that
    appear once, sorted); each ``...`` becomes letters of its own. Raises ValueError for
    malformed subscripts or sizes that do not match.
    """
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
    else:
        ins, out = subscripts, None
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise FuncgradValueError(
            f"einsum: {len(terms)} operand subscripts in {subscripts!r} but {len(shapes)} "
            "operands were given"
        )
    used = set(subscripts) - set(".,->")
    bad = used - set(_LETTERS)
    if bad:
        raise FuncgradValueError(f"einsum: invalid subscript characters {sorted(bad)}")
    ell_ranks = []
    for t, s in zip(terms, shapes, strict=True):
        n_letters = len(t.replace("...", ""))
        if "." in t.replace("...", "") or t.count("...") > 1:
            raise FuncgradValueError(f"einsum: invalid subscripts {t!r}")
        if "..." in t:
            if n_letters > len(s):
                raise FuncgradValueError(f"einsum: {t!r} has more letters than axes {s}")
            ell_ranks.append(len(s) - n_letters)
        elif n_letters != len(s):
            raise FuncgradValueError(
                f"einsum: operand subscripts {t!r} do not match an operand of shape {s}"
            )
        else:
            ell_ranks.append(0)
    n_ell = max(ell_ranks, default=0)
    fresh = [c for c in _LETTERS if c not in used][:n_ell]
    if len(fresh) < n_ell:
        raise FuncgradValueError("einsum: too many axes for the 52 einsum letters")
    terms = [
        t.replace("...", "".join(fresh[n_ell - r :]))
        for t, r in zip(terms, ell_ranks, strict=True)
    ]
    if out is None:
        counts = {c: "".join(terms).count(c) for c in used}
        out = "".join(fresh) + "".join(sorted(c for c in used if counts[c] == 1))
    else:
        if (
            "..." not in out
            and n_ell
            and any(
                s[i] != 1
                for t, s, r in zip(terms, shapes, ell_ranks, strict=True)
                for i in range(r)
            )
        ):
            raise FuncgradValueError(
                "einsum: output has more dimensions than subscripts given, but no '...' "
                "ellipsis provided to broadcast the extra dimensions"
            )
        out = out.replace("...", "".join(fresh))
        if len(set(out)) != len(out) or "." in out:
            raise FuncgradValueError(f"einsum: invalid output subscripts {out!r}")
        missing = set(out) - set("".join(terms))
        if missing:
            raise FuncgradValueError(
                f"einsum: output subscripts {sorted(missing)} appear in no operand"
            )
    letter_sizes(terms, shapes)
    return ",".join(terms) + "->" + out


def letter_sizes(terms: list[str], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """The (broadcast) size of each letter; ValueError when operands disagree."""
    sizes: dict[str, int] = {}
    for t, s in zip(terms, shapes, strict=True):
        for c, d in zip(t, s, strict=True):
            old = sizes.get(c)
            if old is None or old == 1:
                sizes[c] = d
            elif d not in (1, old):
                raise FuncgradValueError(
                    f"einsum: operands disagree on the size of subscript {c!r}: {old} vs {d} "
                    f"(shapes {list(shapes)})"
                )
    return sizes


def _split(subscripts: str) -> tuple[list[str], str]:
    ins, out = subscripts.split("->")
    return ins.split(","), out


def _einsum_impl(*operands, subscripts):
    # Large contractions go through numpy's path optimiser (tensordot, so BLAS); small
    # ones skip its planning overhead, and so do size-1 broadcasts of a letter.
    terms, _ = _split(subscripts)
    shapes = [np.shape(o) for o in operands]
    sizes = letter_sizes(terms, shapes)
    work = 1
    for d in sizes.values():
        work *= d
    plain = all(
        sizes[c] == d
        for t, s in zip(terms, shapes, strict=True)
        for c, d in zip(t, s, strict=True)
    )
    optimize = len(operands) > 1 and work > 1 << 15 and plain
    return np.einsum(subscripts, *operands, optimize=optimize)


def _einsum_vjp(i: int):
    def rule(out_bar, out, *operands, subscripts):
        del out
        terms, out_s = _split(subscripts)
        term, own = terms[i], np.shape(operands[i])
        ins = [out_s] + [t for j, t in enumerate(terms) if j != i]
        ops = [out_bar] + [o for j, o in enumerate(operands) if j != i]
        # A letter repeated in the operand (a diagonal) is written to a fresh letter tied
        # to its first occurrence by an identity matrix.
        spare = iter(c for c in _LETTERS if c not in subscripts)
        target = []
        for c, d in zip(term, own, strict=True):
            if c in target:
                fresh = next(spare)
                ins.append(c + fresh)
                ops.append(np.eye(d, dtype=out_bar.dtype))
                c = fresh
            target.append(c)
        # Letters summed within this operand alone appear in no input, and a size-1
        # broadcast may leave a letter of size 1 that the operand has larger: broadcast
        # over both (a result larger than a size-1 axis of the operand the tape sums).
        present = set("".join(ins))
        kept = "".join(c for c in target if c in present)
        x_bar = einsum(",".join(ins) + "->" + kept, *ops)
        dims = iter(x_bar.shape)
        have = [next(dims) if c in present else 1 for c in target]
        full = tuple(d if h == 1 else h for h, d in zip(have, own, strict=True))
        if len(kept) < len(target):
            x_bar = reshape(x_bar, tuple(have))
        return broadcast_to(x_bar, full)

    return rule


def _einsum_jvp(i: int):
    def rule(x_dot, out, *operands, subscripts):
        del out
        ops = list(operands)
        ops[i] = x_dot
        return einsum_p.bind(*ops, subscripts=subscripts)

    return rule


def _einsum_batch(axis_size, args, dims, *, subscripts):
    del axis_size
    terms, out_s = _split(subscripts)
    b = next(c for c in _LETTERS if c not in subscripts)
    ops = [_bdim_front(x, d) for x, d in zip(args, dims, strict=True)]
    terms = [t if d is None else b + t for t, d in zip(terms, dims, strict=True)]
    return einsum_p.bind(*ops, subscripts=",".join(terms) + "->" + b + out_s), 0


def _einsum_aval(*avals, subscripts):
    terms, out = _split(subscripts)
    sizes = letter_sizes(terms, [a.shape for a in avals])
    return ShapedArray(tuple(sizes[c] for c in out), np.result_type(*(a.dtype for a in avals)))


einsum_p = Primitive("einsum", _einsum_impl, _einsum_aval)
VJP.define(einsum_p, *(_einsum_vjp(i) for i in range(_MAX_OPERANDS)))
JVP.define(einsum_p, *(_einsum_jvp(i) for i in range(_MAX_OPERANDS)))
BATCH.define(einsum_p, _einsum_batch)


def einsum(subscripts: str, *operands: Any) -> Any:
    """einsum with normalised subscripts (``einsum_subscripts``); a permutation, or the
    identity, of a single operand binds no einsum."""
    terms, out = _split(subscripts)
    t = terms[0]
    if len(operands) == 1 and len(set(t)) == len(t) == len(out) and set(t) == set(out):
        return transpose(operands[0], tuple(terms[0].index(c) for c in out))
    return einsum_p.bind(*operands, subscripts=subscripts)


# --- helpers for the decompositions --------------------------------------------------


def _batch_letters(ndim: int) -> str:
    return _LETTERS[:ndim]


def diagonal(x: Any) -> Any:
    """The diagonals ``x[..., i, i]`` of a stack of square matrices."""
    b = _batch_letters(x.ndim - 2)
    return einsum(f"{b}yy->{b}y", x)


def diag_embed(v: Any) -> Any:
    """Stack of diagonal matrices with diagonals ``v[..., i]``."""
    return reshape(v, (*v.shape, 1)) * np.eye(v.shape[-1], dtype=v.dtype)


def col(v: Any) -> Any:
    """``v[..., :, None]``."""
    return reshape(v, (*v.shape, 1))


def row(v: Any) -> Any:
    """``v[..., None, :]``."""
    return reshape(v, (*v.shape[:-1], 1, v.shape[-1]))


def sym(x: Any) -> Any:
    """The symmetric part ``(x + x^T) / 2`` of a stack of square matrices."""
    return 0.5 * (x + mT(x))


def tril_mask(n: int, k: int, dtype: Any, diagonal_value: float = 1.0) -> np.ndarray:
    """Constant 0/1 mask of the entries on and below diagonal ``k`` (the main diagonal,
    when included, set to ``diagonal_value``)."""
    mask = np.tril(np.ones((n, n), dtype), k)
    if k >= 0:
        mask[np.diag_indices(n)] = diagonal_value
    return mask


def safe_reciprocal(d: Any) -> Any:
    """``1 / d`` where ``d != 0``, else 0 (diagonals of gap matrices, exact ties, s = 0)."""
    zero = equal(d, 0.0)
    return where(zero, 0.0, 1.0 / where(zero, 1.0, d))
