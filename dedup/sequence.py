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

try:
    import numba
except ImportError:  # a platform without numba: difflib itself
    numba = None  # type: ignore[assignment]


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
    if numba is None:
        return SequenceMatcher(None, a.tolist(), b.tolist(), autojunk=False).ratio()
    return 2.0 * int(_blocks(_int64(a), _int64(b))[:, 2].sum()) / total


def word_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """:func:`ratio` of two word-hash sequences, the same whichever comes first: difflib's
    is not (its longest-match ties break by position in the second sequence), so the
    lexicographically smaller goes first.

    Parameters
    ----------
    x, y : ndarray of uint64
        Word hashes.
    """
    if numba is not None and x.dtype == y.dtype == np.uint64:
        x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
        return float(_word_ratio(x, y, x.view(np.int64), y.view(np.int64)))
    n = min(len(x), len(y))
    differ = np.flatnonzero(x[:n] != y[:n])
    swap = bool(x[differ[0]] > y[differ[0]]) if len(differ) else len(x) > len(y)
    return ratio(y, x) if swap else ratio(x, y)


def matching_blocks(a: np.ndarray, b: np.ndarray) -> list[Match]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()`` without its
    closing empty block: ``Match(i, j, size)`` with ``a[i:i+size] == b[j:j+size]``,
    ascending, adjacent blocks joined."""
    if numba is None:
        matcher = SequenceMatcher(None, a.tolist(), b.tolist(), autojunk=False)
        return matcher.get_matching_blocks()[:-1]
    found = sorted(map(tuple, _blocks(_int64(a), _int64(b)).tolist()))
    joined: list[list[int]] = []
    for i, j, size in found:
        if joined and joined[-1][0] + joined[-1][2] == i and joined[-1][1] + joined[-1][2] == j:
            joined[-1][2] += size
        else:
            joined.append([i, j, size])
    return [Match(i, j, size) for i, j, size in joined]


def _int64(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).view(np.int64) if x.dtype == np.uint64 else x.astype(np.int64)


if numba is not None:

    @numba.njit(cache=True, nogil=True)
    def _blocks(a, b):  # type: ignore[no-untyped-def]
        """difflib's matching blocks of ``a`` and ``b`` (int64 arrays), as rows
        ``(i, j, size)`` in the order the decomposition finds them."""
        la, lb = len(a), len(b)
        first, after = _occurrences(a, b)
        # Length of the match ending at (i - 1, j): row i - 1 in ``before``, row i in ``now``;
        # only the cells a row wrote are reset, so a row costs its matches, as difflib's dict.
        before = np.zeros(lb, np.int64)
        now = np.zeros(lb, np.int64)
        wrote_before = np.empty(lb, np.int64)
        wrote_now = np.empty(lb, np.int64)
        stack = [(0, la, 0, lb)]
        out = np.empty((min(la, lb), 3), np.int64)  # blocks are disjoint: at most min(la, lb)
        n_out = 0
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
                out[n_out, 0], out[n_out, 1], out[n_out, 2] = best_i, best_j, best
                n_out += 1
                if alo < best_i and blo < best_j:
                    stack.append((alo, best_i, blo, best_j))
                if best_i + best < ahi and best_j + best < bhi:
                    stack.append((best_i + best, ahi, best_j + best, bhi))
        return out[:n_out]

    @numba.njit(cache=True, nogil=True)
    def _word_ratio(x, y, x64, y64):  # type: ignore[no-untyped-def]
        """:func:`word_ratio` of two uint64 arrays in one compiled call; ``x64`` and ``y64``
        are their int64 views, so that ``_blocks`` is compiled for int64 only."""
        swap = len(x) > len(y)
        for k in range(min(len(x), len(y))):
            if x[k] != y[k]:
                swap = x[k] > y[k]
                break
        total = len(x) + len(y)
        if total == 0:
            return 1.0
        blocks = _blocks(y64, x64) if swap else _blocks(x64, y64)
        matches = 0
        for r in range(len(blocks)):
            matches += blocks[r, 2]
        return 2.0 * matches / total

    # A hash index, not np.argsort(kind="mergesort") and np.searchsorted: numba took 4 s to
    # compile those on a first run. Compiled into _blocks (inline), not on their own.

    @numba.njit(cache=True, nogil=True, inline="always")
    def _occurrences(a, b):  # type: ignore[no-untyped-def]
        """Where each value of ``a`` occurs in ``b`` (int64 arrays): ``first[i]`` is the first
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

    @numba.njit(cache=True, nogil=True, inline="always")
    def _slot(value, bits):  # type: ignore[no-untyped-def]
        """Fibonacci hashing of an int64 to ``bits`` bits."""
        return np.int64((np.uint64(value) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits))
