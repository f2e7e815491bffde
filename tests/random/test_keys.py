"""Keys as values: key, split, fold_in; determinism, independent streams, a pinned stream,
argument errors for every sampler, fresh outputs, and ``dir(funcgrad.random)``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import funcgrad
from funcgrad import random
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError

from ._stats import Z

K = random.key(0)

# Every sampler with arguments that make a small sample; shape-taking ones take `shape`.
SAMPLERS = {
    "normal": lambda k, s: random.normal(k, s),
    "uniform": lambda k, s: random.uniform(k, s, minval=-1.0, maxval=2.0),
    "exponential": lambda k, s: random.exponential(k, s),
    "gumbel": lambda k, s: random.gumbel(k, s),
    "truncated_normal": lambda k, s: random.truncated_normal(k, -1.0, 2.0, s),
    "multivariate_normal": lambda k, s: random.multivariate_normal(k, np.zeros(2), np.eye(2), s),
    "bernoulli": lambda k, s: random.bernoulli(k, 0.3, s),
    "randint": lambda k, s: random.randint(k, s, 0, 10),
    "categorical": lambda k, s: random.categorical(k, np.zeros(4), shape=s),
    "choice": lambda k, s: random.choice(k, 10, s),
}
FLOAT_SAMPLERS = {
    "normal": lambda k, dt: random.normal(k, (3,), dt),
    "uniform": lambda k, dt: random.uniform(k, (3,), dt),
    "exponential": lambda k, dt: random.exponential(k, (3,), dt),
    "gumbel": lambda k, dt: random.gumbel(k, (3,), dt),
    "truncated_normal": lambda k, dt: random.truncated_normal(k, 0.0, 1.0, (3,), dt),
    "multivariate_normal": lambda k, dt: random.multivariate_normal(
        k, np.zeros(2), np.eye(2), (3,), dt
    ),
}
KEYED = {
    **SAMPLERS,
    "split": lambda k, s: random.split(k),
    "fold_in": lambda k, s: random.fold_in(k, 1),
    "permutation": lambda k, s: random.permutation(k, 5),
}


# --- key, split, fold_in ---------------------------------------------------------------


def test_key_is_a_pure_uint32_pair_of_the_seed():
    k = random.key(2**40 + 7)
    assert k.dtype == np.uint32
    assert k.shape == (2,)
    assert k.tolist() == [7, 2**8]
    assert np.array_equal(random.key(5), random.key(5))
    assert np.array_equal(random.key(2**64 + 3), random.key(3))  # modulo 2**64
    assert np.array_equal(random.key(-1), [2**32 - 1, 2**32 - 1])
    assert not np.array_equal(random.key(1), random.key(2))
    with pytest.raises(FuncgradTypeError, match="`seed` must be an integer"):
        random.key(1.5)


def test_split_and_fold_in_are_deterministic_and_leave_the_key_alone():
    k = random.key(7)
    before = k.copy()
    keys = random.split(k, 4)
    assert keys.shape == (4, 2)
    assert keys.dtype == np.uint32
    assert np.array_equal(keys, random.split(k, 4))
    assert np.array_equal(random.split(k, 4)[:2], random.split(k, 2))  # a prefix
    assert random.split(k, 0).shape == (0, 2)
    assert np.array_equal(random.fold_in(k, 3), random.fold_in(k, 3))
    assert np.array_equal(random.fold_in(k, 2**32 + 3), random.fold_in(k, 3))  # uint32 data
    assert not np.array_equal(random.fold_in(k, 3), random.fold_in(k, 4))
    assert np.array_equal(k, before)
    everything = [k, *keys, *(random.fold_in(k, i) for i in range(4))]
    assert len({tuple(x.tolist()) for x in everything}) == len(everything)  # all distinct


def test_the_stream_is_pinned():
    """The same key gives these numbers on every platform and numpy release we support.

    Integer and uniform draws are exact bit patterns of the Philox stream; a change here
    changes every user's results for a given seed.
    """
    k = random.key(2024)
    assert random.split(k, 3).tolist() == [
        [728004628, 216191863],
        [3928347012, 1381069339],
        [2021010290, 2972450908],
    ]
    assert random.fold_in(k, 7).tolist() == [1797517191, 57381713]
    assert random.randint(k, (6,), 0, 1000).tolist() == [277, 753, 231, 653, 880, 830]
    assert random.permutation(k, 8).tolist() == [0, 4, 5, 7, 3, 2, 6, 1]
    assert random.uniform(k, (3,)).tolist() == [
        0.7539532404108791,
        0.6536530412806927,
        0.8305111850799092,
    ]


def test_split_keys_give_independent_streams():
    n = 100_000
    k1, k2 = random.split(K)
    draws = [
        random.normal(K, n),
        random.normal(k1, n),
        random.normal(k2, n),
        random.normal(random.fold_in(K, 0), n),
        random.normal(random.split(k1)[0], n),
    ]
    corr = np.corrcoef(np.stack(draws))
    off_diagonal = corr[~np.eye(len(draws), dtype=bool)]
    # the correlation of independent samples has standard error 1/sqrt(n)
    assert np.abs(off_diagonal).max() < Z / math.sqrt(n)
    # the words of many split keys look like fair coin flips, bit by bit
    words = random.split(K, 5000)
    bits = np.unpackbits(words.view(np.uint8)).reshape(-1, 32 * 2)
    assert np.abs(bits.mean(axis=0) - 0.5).max() < Z * 0.5 / math.sqrt(bits.shape[0])
    assert len({tuple(w) for w in words.tolist()}) == 5000


@pytest.mark.parametrize("name", sorted(KEYED))
def test_every_function_is_deterministic_in_its_key(name):
    f = KEYED[name]
    first = f(K, (50,))
    random.normal(K, 10)  # no hidden state between calls
    again = f(K, (50,))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, f(random.key(1), (50,)))


# --- shapes, dtypes and argument errors ------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_shapes_accept_ints_tuples_and_empty(name):
    f = SAMPLERS[name]
    extra = (2,) if name == "multivariate_normal" else ()
    assert f(K, 3).shape == (3, *extra)
    assert f(K, (2, 3)).shape == (2, 3, *extra)
    assert f(K, ()).shape == extra
    assert f(K, (0, 4)).shape == (0, 4, *extra)
    with pytest.raises(FuncgradValueError, match="`shape` must have non-negative sizes"):
        f(K, (2, -1))
    with pytest.raises(FuncgradTypeError, match="`shape` must be an int or a tuple of ints"):
        f(K, (2.5,))


@pytest.mark.parametrize("name", sorted(FLOAT_SAMPLERS))
def test_float32_requests_give_float32_and_the_default_is_float64(name):
    f = FLOAT_SAMPLERS[name]
    assert f(K, np.float32).dtype == np.float32
    assert f(K, float).dtype == np.float64
    assert f(K, np.float64).dtype == np.float64
    with pytest.raises(FuncgradTypeError, match="`dtype` must be float32 or float64"):
        f(K, np.int32)


@pytest.mark.parametrize("name", sorted(KEYED))
def test_bad_keys_are_rejected_naming_the_key(name):
    f = KEYED[name]
    bad = [
        np.array([0, 0], dtype=np.int64),  # wrong dtype
        np.zeros(3, dtype=np.uint32),  # wrong shape
        random.split(K, 2),  # a batch of keys, not one key
        0,  # a seed, not a key
    ]
    for key in bad:
        with pytest.raises(FuncgradTypeError, match=rf"random\.{name}: `key` must be a key"):
            f(key, (2,))


def test_split_and_fold_in_argument_errors():
    with pytest.raises(FuncgradValueError, match="`num` must be >= 0"):
        random.split(K, -1)
    with pytest.raises(FuncgradTypeError, match="`num` must be an integer"):
        random.split(K, 2.0)
    with pytest.raises(FuncgradTypeError, match="`data` must be an integer"):
        random.fold_in(K, "step")


@pytest.mark.parametrize("name", sorted(KEYED))
def test_results_are_fresh_writable_arrays(name):
    out = KEYED[name](K, (4,))
    assert isinstance(out, np.ndarray)
    assert out.flags.writeable
    assert out.base is None or not np.shares_memory(out, K)


# --- the public namespace --------------------------------------------------------------


def test_dir_of_random_lists_only_its_public_names():
    names = dir(funcgrad.random)
    assert names == sorted(funcgrad.random.__all__)
    for leaked in ["np", "Any", "annotations", "operator", "math", "_keys", "check_key"]:
        assert leaked not in names
    jax_names = {
        "key", "split", "fold_in", "normal", "uniform", "bernoulli", "randint",
        "permutation", "categorical", "choice", "truncated_normal", "gumbel",
        "exponential", "multivariate_normal",
    }  # fmt: skip
    assert jax_names <= set(names)
    assert all(callable(getattr(funcgrad.random, n)) for n in jax_names)
