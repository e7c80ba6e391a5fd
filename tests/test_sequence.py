"""dedup.core.sequence.ratio is difflib's SequenceMatcher ratio (autojunk off), exactly."""

from __future__ import annotations

from difflib import SequenceMatcher

import numpy as np
import pytest

from dedup.core.sequence import matching_blocks, ratio, word_ratio


@pytest.mark.parametrize("alphabet", [2, 5, 40, 10**6])
def test_ratio_equals_difflib_on_random_sequences(alphabet: int) -> None:
    # Small alphabets make many equal-length matches: the tie rule decides the blocks.
    rng = np.random.default_rng(alphabet)
    for _ in range(300):
        a = rng.integers(0, alphabet, int(rng.integers(0, 60)))
        b = rng.integers(0, alphabet, int(rng.integers(0, 60)))
        if rng.random() < 0.5 and len(a):  # an edited copy: substitutions, a moved block
            b = a.copy()
            b[rng.integers(0, len(b), max(1, len(b) // 8))] = alphabet + 1
            cut = int(rng.integers(0, len(b) + 1))
            b = np.concatenate((b[cut:], b[:cut]))
        matcher = SequenceMatcher(None, a.tolist(), b.tolist(), autojunk=False)
        assert ratio(a.astype(np.uint64), b.astype(np.uint64)) == matcher.ratio()
        assert matching_blocks(a, b) == matcher.get_matching_blocks()[:-1]


def test_ratio_of_empty_and_large_hash_values() -> None:
    big = np.array([2**64 - 1, 2**63, 5], dtype=np.uint64)
    assert ratio(big[:0], big[:0]) == 1.0
    assert ratio(big, big[:0]) == 0.0
    assert ratio(big, big[::-1]) == SequenceMatcher(None, big.tolist(), big[::-1].tolist(),
                                                    autojunk=False).ratio()  # fmt: skip


def test_word_ratio_puts_the_lexicographically_smaller_sequence_first() -> None:
    rng = np.random.default_rng(3)
    top = np.uint64(2**63)  # hashes compare as unsigned
    for _ in range(300):
        a = rng.integers(0, 4, int(rng.integers(0, 30))).astype(np.uint64) + top
        b = rng.integers(0, 4, int(rng.integers(0, 30))).astype(np.uint64) + top
        if rng.random() < 0.3:
            b = np.concatenate((a, b))  # one a prefix of the other: the shorter is smaller
        first, second = sorted((a.tolist(), b.tolist()))
        expected = SequenceMatcher(None, first, second, autojunk=False).ratio()
        assert word_ratio(a, b) == word_ratio(b, a) == expected
