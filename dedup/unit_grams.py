"""Word n-grams measured in words: from each token, the fewest tokens that weigh a
given length.

Shared kernel: token hashes and units (:class:`dedup.shingle.Tokens`, tenths of a
word) -> the gram starting at each token, its end and its hash. In a script written
with spaces every token weighs a word, and a gram of more than ``3 * WORD_UNITS``
units is the word 4-gram; in Chinese it is six characters, in Thai eleven letters.
The same tokens weigh the same in any document, so a run of identical tokens holds
the same grams in both documents, and a gram's hash is that of
:func:`dedup.shingle.shingles` over its tokens.
"""

from __future__ import annotations

import numpy as np

from dedup.kernels import compiled
from dedup.shingle import fmix64_one

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
    """Hash of tokens ``[i, ends[i])`` for each ``i`` (uint64), as ``shingles`` makes it."""
    out = np.empty(len(ends), np.uint64)
    for i in range(len(ends)):
        acc = np.uint64(0)
        for t in range(i, ends[i]):
            acc = acc * _R + hashes[t]
        out[i] = fmix64_one(acc)
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
