"""``random.debug_key_reuse``: a key used twice is reported, naming both places."""

from __future__ import annotations

import pytest

from funcgrad import random


def test_a_reused_key_raises_naming_the_first_use():
    key = random.key(0)
    with random.debug_key_reuse():
        random.normal(key, (2,))
        with pytest.raises(
            random.KeyReuseError, match=r"already used by random.normal at .*test_key_reuse.py"
        ):
            random.uniform(key, (2,))


def test_split_consumes_and_fold_in_does_not():
    key = random.key(1)
    with random.debug_key_reuse():
        a, b = random.split(key)
        random.normal(a)
        random.normal(b)
        random.normal(random.fold_in(key, 1))
        random.normal(random.fold_in(key, 2))
        with pytest.raises(random.KeyReuseError):
            random.split(key)


def test_outside_the_block_keys_are_not_tracked():
    key = random.key(2)
    assert (random.normal(key) == random.normal(key)).all()
