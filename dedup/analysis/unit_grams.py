"""Word n-grams measured in words: from each token, the fewest tokens that weigh a
given length.

Shared kernel: token hashes and units (:class:`dedup.analysis.shingle.Tokens`, tenths of a
word) -> the gram starting at each token, its end and its hash. In a script written
with spaces every token weighs a word, and a gram of more than ``3 * WORD_UNITS``
units is the word 4-gram; in Chinese it is six characters, in Thai eleven letters.
The same tokens weigh the same in any document, so a run of identical tokens holds
the same grams in both documents, and a gram's hash is that of
:func:`dedup.analysis.shingle.shingles` over its tokens.
"""

from __future__ import annotations

import numpy as np

from dedup.analysis.shingle import fmix64_one
from dedup.core.kernels import compiled

_R = np.uint64(0x9E3779B97F4A7C15)  # the multiplier of shingles


@compiled
def unit_ends(units: np.ndarray, need: int) -> np.ndarray:
    """End ``e`` of the shortest run ``[i, e)`` weighing ``need`` units or more, for each
    start ``i`` from which the tokens weigh that much (int64; starts 0 to m - 1, ends
    non-decreasing)."""
    n = len(units)
    out = np.empty(n, np.int64)
    end = total = m = 0
    for i in range(n):
        while end < n and total < need:
            total += units[end]
            end += 1
        if total < need:
            break
        out[i] = end
        m += 1
        total -= units[i]
    return out[:m]


@compiled
def _gram_hashes(hashes: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Hash of tokens ``[i, ends[i])`` for each ``i`` (uint64), as ``shingles`` makes it:
    from Horner prefix sums, ``P[e] - P[i] * R^(e - i)`` (mod 2^64)."""
    n = len(hashes)
    prefix = np.empty(n + 1, np.uint64)
    powers = np.empty(n + 1, np.uint64)
    prefix[0], powers[0] = 0, 1
    for t in range(n):
        prefix[t + 1] = prefix[t] * _R + hashes[t]
        powers[t + 1] = powers[t] * _R
    out = np.empty(len(ends), np.uint64)
    for i in range(len(ends)):
        out[i] = fmix64_one(prefix[ends[i]] - prefix[i] * powers[ends[i] - i])
    return out


def unit_grams(hashes: np.ndarray, units: np.ndarray, need: int) -> tuple[np.ndarray, np.ndarray]:
    """The grams of a token sequence weighing ``need`` units or more.

    Parameters
    ----------
    hashes, units : ndarray of uint64 and ndarray of int64, shape (t,)
        Token hashes and lengths in units, in text order.
    need : int
        Units a gram weighs at least.

    Returns
    -------
    ends, grams : ndarray of int64 and ndarray of uint64, shape (m,)
        Gram ``i`` is tokens ``[i, ends[i])``, the fewest from ``i`` on that weigh
        ``need``; ``grams[i]`` its hash. ``m`` is 0 when all tokens weigh less.
    """
    ends = unit_ends(units, need)
    return ends, _gram_hashes(hashes, ends)
