"""Discrete distributions: frequencies against probabilities (tolerances in ``_stats``),
permutations that are permutations, distinct draws without replacement, and errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from funcgrad import random
from funcgrad.core.errors import FuncgradTypeError, FuncgradValueError

from ._stats import Z, assert_frequencies

N = 100_000
K = random.key(5)


# --- bernoulli, randint ----------------------------------------------------------------


def test_bernoulli_frequencies_follow_p():
    x = random.bernoulli(K, 0.3, (N,))
    assert x.dtype == np.bool_
    assert_frequencies(x.astype(np.int64), [0.7, 0.3])
    p = np.array([0.0, 0.25, 1.0])
    y = random.bernoulli(K, p, (N, 3))
    assert not y[:, 0].any() and y[:, 2].all()
    assert_frequencies(y[:, 1].astype(np.int64), [0.75, 0.25])
    assert random.bernoulli(K, p).shape == (3,)  # p's shape by default


def test_bernoulli_errors():
    with pytest.raises(FuncgradValueError, match=r"`p` must lie in \[0, 1\]"):
        random.bernoulli(K, 1.5)
    with pytest.raises(FuncgradValueError, match=r"`p` of shape \(3,\) does not broadcast"):
        random.bernoulli(K, np.full(3, 0.5), (4,))
    with pytest.raises(FuncgradTypeError, match="`p` must hold real numbers"):
        random.bernoulli(K, "half")


def test_randint_is_uniform_on_its_range():
    x = random.randint(K, (N,), -3, 5)
    assert x.dtype == np.int64
    assert x.min() == -3 and x.max() == 4
    assert_frequencies(x + 3, np.full(8, 1 / 8))
    y = random.randint(K, (1000, 2), np.array([0, 100]), np.array([2, 200]), dtype=np.int32)
    assert y.dtype == np.int32
    assert set(np.unique(y[:, 0])) == {0, 1}
    assert (y[:, 1] >= 100).all() and (y[:, 1] < 200).all()


def test_randint_errors():
    with pytest.raises(FuncgradValueError, match="`minval` < `maxval`"):
        random.randint(K, (3,), 5, 5)
    with pytest.raises(FuncgradTypeError, match="`dtype` must be an integer dtype"):
        random.randint(K, (3,), 0, 5, dtype=np.float64)
    with pytest.raises(FuncgradValueError, match="`minval` of shape"):
        random.randint(K, (3,), np.zeros(2, dtype=int), 5)


# --- categorical -----------------------------------------------------------------------


def test_categorical_frequencies_follow_softmax_of_the_logits():
    logits = np.array([1.0, 0.0, -np.inf, 2.0])
    p = np.exp(logits) / np.exp(logits).sum()
    x = random.categorical(K, logits, shape=(N,))
    assert x.dtype == np.int64
    assert x.shape == (N,)
    assert_frequencies(x, p)  # also: category 2 (logit -inf) never drawn
    shifted = random.categorical(K, logits + 100.0, shape=(N,))  # softmax is shift-free
    assert_frequencies(shifted, p)


def test_categorical_batches_over_the_other_axes():
    # categories on axis 0, a batch of two distributions on axis 1
    logits = np.log(np.array([[0.2, 0.9], [0.8, 0.1]]))
    assert random.categorical(K, logits, axis=0).shape == (2,)
    x = random.categorical(K, logits, axis=0, shape=(N, 2))
    assert_frequencies(x[:, 0], [0.2, 0.8])
    assert_frequencies(x[:, 1], [0.9, 0.1])
    y = random.categorical(K, logits.T, axis=-1, shape=(N, 2))
    assert_frequencies(y[:, 1], [0.9, 0.1])


def test_categorical_errors():
    with pytest.raises(FuncgradValueError, match=r"must end with the batch shape \(2,\)"):
        random.categorical(K, np.zeros((2, 3)), shape=(4, 3))
    with pytest.raises(FuncgradValueError, match="NaN or \\+inf"):
        random.categorical(K, np.array([0.0, np.nan]))
    with pytest.raises(FuncgradValueError, match="`axis` 2 is out of bounds"):
        random.categorical(K, np.zeros((2, 3)), axis=2)
    with pytest.raises(FuncgradValueError, match="needs an axis of categories"):
        random.categorical(K, 1.0)


# --- choice ----------------------------------------------------------------------------


def test_choice_with_replacement_is_uniform_or_follows_p():
    x = random.choice(K, 6, (N,))
    assert x.dtype == np.int64
    assert_frequencies(x, np.full(6, 1 / 6))
    p = np.array([0.1, 0.0, 0.6, 0.3])
    assert_frequencies(random.choice(K, 4, (N,), p=p), p)
    assert_frequencies(random.choice(K, 4, (N,), p=10 * p), p)  # normalised


def test_choice_takes_entries_of_an_array_along_axis():
    a = np.arange(12.0).reshape(3, 4)
    before = a.copy()
    rows = random.choice(K, a, (5,))
    assert rows.shape == (5, 4)
    assert all(any(np.array_equal(r, row) for row in a) for r in rows)
    cols = random.choice(K, a, (2, 2), replace=False, axis=1)
    assert cols.shape == (3, 2, 2)
    picked = cols.reshape(3, 4).T  # four distinct columns of a
    assert sorted(map(tuple, picked.tolist())) == sorted(map(tuple, a.T.tolist()))
    np.testing.assert_array_equal(a, before)
    assert not np.shares_memory(rows, a) and rows.flags.writeable


def test_choice_without_replacement_gives_distinct_entries():
    for n, count in [(10, 10), (1000, 300), (5, 0)]:
        x = random.choice(K, n, (count,), replace=False)
        assert len(set(x.tolist())) == count
        assert ((x >= 0) & (x < n)).all()
    p = np.array([0.5, 0.0, 0.2, 0.2, 0.1])
    y = random.choice(K, 5, (4,), replace=False, p=p)
    assert len(set(y.tolist())) == 4 and 1 not in y.tolist()


def test_choice_without_replacement_draws_one_at_a_time_proportionally_to_p():
    """The first draw follows p; the second, p among the entries left (as numpy)."""
    p = np.array([0.5, 0.3, 0.2])
    trials = 4000
    draws = np.stack(
        [random.choice(k, 3, (2,), replace=False, p=p) for k in random.split(K, trials)]
    )
    assert_frequencies(draws[:, 0], p)
    second = [sum(p[i] * p[j] / (1 - p[i]) for i in range(3) if i != j) for j in range(3)]
    assert_frequencies(draws[:, 1], second)
    pairs = {(i, j): p[i] * p[j] / (1 - p[i]) for i, j in itertools.permutations(range(3), 2)}
    counts = {pair: 0 for pair in pairs}
    for i, j in draws.tolist():
        counts[(i, j)] += 1
    for pair, q in pairs.items():
        assert abs(counts[pair] / trials - q) < Z * math.sqrt(q * (1 - q) / trials)


def test_choice_errors():
    with pytest.raises(FuncgradValueError, match="cannot take 6 distinct samples"):
        random.choice(K, 5, (6,), replace=False)
    with pytest.raises(FuncgradValueError, match="from 2 entries with non-zero `p`"):
        random.choice(K, 3, (3,), replace=False, p=[0.5, 0.5, 0.0])
    with pytest.raises(FuncgradValueError, match=r"`p` must have shape \(3,\)"):
        random.choice(K, 3, p=[0.5, 0.5])
    with pytest.raises(FuncgradValueError, match="non-negative with a positive sum"):
        random.choice(K, 2, p=[1.5, -0.5])
    with pytest.raises(FuncgradValueError, match="non-negative with a positive sum"):
        random.choice(K, 2, p=[0.0, 0.0])
    with pytest.raises(FuncgradValueError, match="from 0 entries"):
        random.choice(K, 0, (1,))
    with pytest.raises(FuncgradValueError, match="an int `a` must be >= 0"):
        random.choice(K, -2)
    with pytest.raises(FuncgradTypeError, match="`a` must be an integer"):
        random.choice(K, 2.5)
    with pytest.raises(FuncgradValueError, match="`axis` 1 is out of bounds"):
        random.choice(K, np.arange(3), axis=1)


# --- permutation -----------------------------------------------------------------------


def test_permutation_of_an_int_is_a_permutation_of_range():
    x = random.permutation(K, 1000)
    assert x.dtype == np.int64
    assert sorted(x.tolist()) == list(range(1000))
    assert not np.array_equal(x, np.arange(1000))
    assert random.permutation(K, 0).shape == (0,)


def test_permutation_moves_whole_slices_along_axis_and_leaves_x_alone():
    x = np.arange(20).reshape(4, 5)
    before = x.copy()
    rows = random.permutation(K, x)
    assert sorted(map(tuple, rows.tolist())) == sorted(map(tuple, x.tolist()))
    cols = random.permutation(K, x, axis=1)
    assert sorted(map(tuple, cols.T.tolist())) == sorted(map(tuple, x.T.tolist()))
    assert not np.array_equal(cols, x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(rows, x) and rows.flags.writeable


def test_independent_permutation_shuffles_each_slice_uniformly():
    x = np.tile(np.arange(3), (60_000, 1))
    y = random.permutation(K, x, axis=1, independent=True)
    assert (np.sort(y, axis=1) == x).all()  # each row is a permutation of 0, 1, 2
    orderings = list(itertools.permutations(range(3)))
    code = {o: i for i, o in enumerate(orderings)}
    assert_frequencies(np.array([code[tuple(r)] for r in y.tolist()]), np.full(6, 1 / 6))
    z = random.permutation(K, np.arange(12).reshape(3, 4), axis=0, independent=True)
    assert (np.sort(z, axis=0) == np.arange(12).reshape(3, 4)).all()


def test_permutation_errors():
    with pytest.raises(FuncgradValueError, match="an int `x` must be >= 0"):
        random.permutation(K, -1)
    with pytest.raises(FuncgradTypeError, match="`x` must be an integer"):
        random.permutation(K, 2.5)
    with pytest.raises(FuncgradValueError, match="`axis` 2 is out of bounds"):
        random.permutation(K, np.zeros((2, 2)), axis=2)
