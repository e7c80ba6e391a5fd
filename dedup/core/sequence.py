"""difflib's ``SequenceMatcher`` ratio and matching blocks over integer sequences, compiled.

Stage helper for alignment, which asks for the ratio of two passages' word hashes
tens of times a document pair: in Python it was 40% of alignment's time.
:func:`ratio` and :func:`matching_blocks` give exactly what
``SequenceMatcher(None, a, b, autojunk=False)`` gives: the same recursive
longest-match decomposition (Ratcliff/Obershelp), the same tie rule (the longest
match that ends first in ``a``, then first in ``b``), over an open-addressing index of
``b``'s positions instead of a dict. Without numba they call difflib.
"""

from __future__ import annotations

from difflib import Match, SequenceMatcher

import numpy as np

from dedup.core.kernels import NUMBA, inlined, njit


def ratio(a: np.ndarray, b: np.ndarray) -> float:
    """``2 * matches / (len(a) + len(b))`` as difflib counts matches (1.0 if both are empty).

    Parameters
    ----------
    a, b : ndarray of uint64 or int64
        Word hashes (any integers compared for equality).
    """
    total = len(a) + len(b)
    if total == 0:
        return 1.0
    if not NUMBA:
        return SequenceMatcher(None, a.tolist(), b.tolist(), autojunk=False).ratio()
    return 2.0 * int(_blocks(_uint64(a), _uint64(b), False)[1]) / total


def word_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """:func:`ratio` of two word-hash sequences, the same whichever comes first: difflib's
    is not (its longest-match ties break by position in the second sequence), so the
    lexicographically smaller goes first.

    Parameters
    ----------
    x, y : ndarray of uint64
        Word hashes.
    """
    if NUMBA and x.dtype == y.dtype == np.uint64:
        total = len(x) + len(y)
        if total == 0:
            return 1.0
        return 2.0 * int(_blocks(_uint64(x), _uint64(y), True)[1]) / total
    n = min(len(x), len(y))
    differ = np.flatnonzero(x[:n] != y[:n])
    swap = bool(x[differ[0]] > y[differ[0]]) if len(differ) else len(x) > len(y)
    return ratio(y, x) if swap else ratio(x, y)


def matching_blocks(a: np.ndarray, b: np.ndarray) -> list[Match]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()`` without its
    closing empty block: ``Match(i, j, size)`` with ``a[i:i+size] == b[j:j+size]``,
    ascending, adjacent blocks joined."""
    if not NUMBA:
        matcher = SequenceMatcher(None, a.tolist(), b.tolist(), autojunk=False)
        return matcher.get_matching_blocks()[:-1]
    found = sorted(map(tuple, _blocks(_uint64(a), _uint64(b), False)[0].reshape(-1, 3).tolist()))
    joined: list[list[int]] = []
    for i, j, size in found:
        if joined and joined[-1][0] + joined[-1][2] == i and joined[-1][1] + joined[-1][2] == j:
            joined[-1][2] += size
        else:
            joined.append([i, j, size])
    return [Match(i, j, size) for i, j, size in joined]


def _uint64(x: np.ndarray) -> np.ndarray:
    """``x`` as contiguous uint64, equal values staying equal (int64 is viewed as uint64)."""
    return np.ascontiguousarray(x) if x.dtype == np.uint64 else x.astype(np.int64).view(np.uint64)


# A hash index, not np.argsort(kind="mergesort") and np.searchsorted, which numba is slow
# to compile on a first run. Compiled into their callers (inline), not on their own.

@inlined
def occurrences(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each value of ``a`` occurs in ``b`` (uint64 arrays): ``first[i]`` is the first
    position of ``a[i]`` in ``b`` (-1 if none), ``after[j]`` the next position of ``b[j]``."""
    bits = 1
    while (1 << bits) < 2 * len(b):  # load factor at most 1/2
        bits += 1
    mask = (1 << bits) - 1
    slots = np.empty(1 << bits, np.int64)  # a position of each distinct value of b, or -1
    for s in range(len(slots)):
        slots[s] = -1
    after = np.empty(len(b), np.int64)
    for j in range(len(b) - 1, -1, -1):  # backwards: chains come out ascending
        s = _slot(b[j], bits)
        while slots[s] >= 0 and b[slots[s]] != b[j]:
            s = (s + 1) & mask
        after[j], slots[s] = slots[s], j
    first = np.empty(len(a), np.int64)
    for i in range(len(a)):
        s = _slot(a[i], bits)
        while slots[s] >= 0 and b[slots[s]] != a[i]:
            s = (s + 1) & mask
        first[i] = slots[s]
    return first, after


@inlined
def _slot(value: np.uint64, bits: int) -> int:
    """Fibonacci hashing of a uint64 to ``bits`` bits."""
    return np.int64((value * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits))  # type: ignore[return-value]


if NUMBA:

    @njit()
    def _blocks(a, b, lexicographic):  # type: ignore[no-untyped-def]
        """difflib's matching blocks of ``a`` and ``b`` (uint64 arrays), as ``(i, j, size)``
        back to back in the order the decomposition finds them (a flat int64 array: numba
        compiles a 2-d one more slowly), and their total size.

        With ``lexicographic``, of ``b`` and ``a`` when ``b`` comes first (:func:`word_ratio`
        in one compiled call: one function for numba to compile, not two).
        """
        if lexicographic and _greater(a, b):
            a, b = b, a
        la, lb = len(a), len(b)
        first, after = occurrences(a, b)
        # Length of the match ending at (i - 1, j): row i - 1 in ``before``, row i in ``now``;
        # only the cells a row wrote are reset, so a row costs its matches, as difflib's dict.
        before, now = np.empty(lb, np.int64), np.empty(lb, np.int64)
        for j in range(lb):  # a loop: numba's np.zeros costs more to compile
            before[j] = now[j] = 0
        wrote_before = np.empty(lb, np.int64)
        wrote_now = np.empty(lb, np.int64)
        stack = [(0, la, 0, lb)]
        out = np.empty(3 * min(la, lb), np.int64)  # blocks are disjoint: at most min(la, lb)
        n_out = matches = 0
        while len(stack):
            alo, ahi, blo, bhi = stack.pop()
            best_i, best_j, best = alo, blo, 0
            n_before = 0
            for i in range(alo, ahi):
                n_now = 0
                j = first[i]
                while 0 <= j < bhi:
                    if j < blo:
                        j = after[j]
                        continue
                    k = (before[j - 1] if j > blo else 0) + 1
                    now[j] = k
                    wrote_now[n_now] = j
                    n_now += 1
                    if k > best:
                        best_i, best_j, best = i - k + 1, j - k + 1, k
                    j = after[j]
                for t in range(n_before):
                    before[wrote_before[t]] = 0
                before, now = now, before
                wrote_before, wrote_now = wrote_now, wrote_before
                n_before = n_now
            for t in range(n_before):
                before[wrote_before[t]] = 0
            if best:
                out[n_out], out[n_out + 1], out[n_out + 2] = best_i, best_j, best
                n_out, matches = n_out + 3, matches + best
                if alo < best_i and blo < best_j:
                    stack.append((alo, best_i, blo, best_j))
                if best_i + best < ahi and best_j + best < bhi:
                    stack.append((best_i + best, ahi, best_j + best, bhi))
        return out[:n_out], matches

    @njit(inline="always")
    def _greater(x, y):  # type: ignore[no-untyped-def]
        """Whether ``x`` comes after ``y`` in lexicographic order (uint64 arrays)."""
        for k in range(min(len(x), len(y))):
            if x[k] != y[k]:
                return x[k] > y[k]
        return len(x) > len(y)
