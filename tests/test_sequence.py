"""dedup.sequence.ratio is difflib's SequenceMatcher ratio (autojunk off), exactly."""

from __future__ import annotations

from difflib import SequenceMatcher

import numpy as np
import pytest

from dedup.sequence import matching_blocks, ratio


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
