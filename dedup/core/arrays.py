"""Set operations on large numpy arrays, by sorting.

numpy's ``np.unique`` hashes its input and ``return_inverse`` arg-sorts it; on
tens of millions of int64 rows a plain ``np.sort`` does the same work for much
less. The candidate stage, LSH grouping and TF-IDF go through these instead.
Large arrays of hashes (or of non-negative codes) are sorted by :func:`sort_values`,
a bucket sort on their leading bits, since hashes spread evenly over their range.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dedup.core.kernels import NUMBA, njit

_HASHED_LOOKUP_ROWS = 1 << 16  # below this, np.searchsorted is as fast
_BUCKET_SORT_ROWS = 1 << 14  # below this, np.sort is as fast
_BUCKET_ROWS = 8  # values a bucket of sort_values holds on average, at most
_INSERTION_ROWS = 24  # a bucket of more values is sorted by numba's quicksort


def sort_values(values: np.ndarray) -> np.ndarray:
    """``np.sort(values)`` (a new array), quicker on large arrays of uint64 hashes or of
    non-negative int64 codes: values go to buckets by their leading bits (of their offset
    from the least), a sort of each bucket follows. Values that do not spread evenly over
    their range (many in a few buckets) take about np.sort's time."""
    if (not NUMBA or len(values) < _BUCKET_SORT_ROWS
            or values.dtype not in (np.uint64, np.int64)):  # fmt: skip
        return np.sort(values)
    if values.dtype == np.int64:
        if values.min() < 0:
            return np.sort(values)
        return sort_values(np.asarray(values).view(np.uint64)).view(np.int64)
    out = np.empty(len(values), dtype=np.uint64)
    _bucket_sort(np.asarray(values), out)
    return out


def first_rows(owner: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Indexes of the first row of each distinct ``(owner, key)`` (int64 and uint64 rows),
    sorted by key, then owner: the rows ``np.lexsort((owner, keys))`` puts first. Large
    arrays of hashes: a bucket sort of the rows on their keys' leading bits."""
    if NUMBA and len(keys) >= _BUCKET_SORT_ROWS and keys.dtype == np.uint64:
        out = np.empty(len(keys), dtype=np.int64)
        n = _first_rows(np.asarray(owner), np.asarray(keys), out)
        if n >= 0:
            return out[:n]
    order = np.lexsort((owner, keys))
    d, f = owner[order], keys[order]
    new = np.ones(len(d), dtype=bool)
    new[1:] = (d[1:] != d[:-1]) | (f[1:] != f[:-1])
    return np.asarray(order[new])


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``: the distinct values, ascending."""
    ordered = sort_values(values)
    return np.asarray(ordered[_firsts(ordered)])


def union_sorted(parts: list[np.ndarray]) -> np.ndarray:
    """``unique_sorted(np.concatenate(parts))`` of int64 arrays each sorted and distinct,
    merged two at a time and ``parts`` emptied as they are: the inputs, their
    concatenation and its sorted copy are never held at once."""
    out = np.zeros(0, np.int64)
    while parts:
        part = parts.pop()
        if not NUMBA:
            out = unique_sorted(np.concatenate((out, part)))
            continue
        merged = np.empty(len(out) + len(part), np.int64)
        out = merged[: _merge_distinct(out, part, merged)].copy()
        del merged, part
    return out


def runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and how many times each occurs."""
    starts = np.flatnonzero(_firsts(ordered))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """Bool per element of a sorted array: the first of its run of equal values."""
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    return new


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True, return_counts=True)`` for uint64 hashes
    (the inverse as int32 when the keys allow it).

    Tens of millions of rows: a plain sort finds the keys and counts, and each row's
    key is looked up in a hash table (numba) instead of arg-sorting the rows, which
    costs numpy far more than a sort.
    """
    keys, counts = runs(sort_values(values))
    return keys, positions(keys, values), counts


def positions(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each of ``values`` in the sorted distinct ``keys``, -1 for a value that
    is not one of them (int32 when the keys allow it)."""
    if not NUMBA or len(values) < _HASHED_LOOKUP_ROWS:
        return _searched(keys, values)
    return KeyIndex(keys)(values)


class KeyIndex:
    """:func:`positions` in sorted distinct ``keys``, asked again and again: the hash table
    of the keys is built on the first call in each process and kept (a pickled copy
    leaves it behind). A binary search for each value reads a cache line at every one of
    its steps, which costs most on the large tables of scripts with many features a
    character (a Chinese corpus's character pairs)."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = keys
        self._slots: np.ndarray | None = None

    def __reduce__(self) -> tuple[type[KeyIndex], tuple[np.ndarray]]:
        return type(self), (self.keys,)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Position of each of ``values`` in ``keys``, -1 for none (int32 when the keys
        allow it)."""
        keys = self.keys
        if not NUMBA or not len(keys):
            return _searched(keys, values)
        small = _position_type(keys)
        bits = max(int(2 * len(keys) - 1).bit_length(), 1)  # load factor at most 1/2
        if self._slots is None:
            self._slots = np.full(1 << bits, -1, dtype=small)
            _hash_fill(keys, self._slots, np.uint64(64 - bits))
        index = np.empty(len(values), dtype=small)
        _hash_find(keys, values, self._slots, np.uint64(64 - bits), index)
        return index


def _position_type(keys: np.ndarray) -> type[np.signedinteger[Any]]:
    return np.int32 if len(keys) < 2**31 else np.int64  # 4 bytes a row saved at scale


def _searched(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """:func:`positions` by binary search."""
    at = np.minimum(np.searchsorted(keys, values), max(len(keys) - 1, 0))
    found = keys[at] == values if len(keys) else np.zeros(len(values), bool)
    return np.where(found, at, -1).astype(_position_type(keys))


if NUMBA:

    @njit()
    def _merge_distinct(a, b, out):  # type: ignore[no-untyped-def]
        """Merge sorted distinct ``a`` and ``b`` into ``out``, a value in both once;
        returns the length written."""
        i = j = m = 0
        while i < len(a) and j < len(b):
            if a[i] < b[j]:
                out[m], i = a[i], i + 1
            elif b[j] < a[i]:
                out[m], j = b[j], j + 1
            else:
                out[m], i, j = a[i], i + 1, j + 1
            m += 1
        while i < len(a):
            out[m], i, m = a[i], i + 1, m + 1
        while j < len(b):
            out[m], j, m = b[j], j + 1, m + 1
        return m

    @njit()
    def _hash_fill(keys, slots, shift):  # type: ignore[no-untyped-def]
        """Each key's position in ``slots``, by open addressing (Fibonacci hashing, linear
        probing); ``slots`` starts all -1."""
        mask = len(slots) - 1
        for k in range(len(keys)):
            s = np.int64((keys[k] * np.uint64(0x9E3779B97F4A7C15)) >> shift)
            while slots[s] >= 0:
                s = (s + 1) & mask
            slots[s] = k

    @njit()
    def _hash_find(keys, values, slots, shift, index):  # type: ignore[no-untyped-def]
        """``index[r]`` = position of ``values[r]`` in ``keys`` or -1, from the ``slots``
        :func:`_hash_fill` filled."""
        mask = len(slots) - 1
        for r in range(len(values)):
            v = values[r]
            s = np.int64((v * np.uint64(0x9E3779B97F4A7C15)) >> shift)
            while slots[s] >= 0 and keys[slots[s]] != v:
                s = (s + 1) & mask
            index[r] = slots[s]

    @njit()
    def _layout(values):  # type: ignore[no-untyped-def]
        """Buckets of ``values`` (uint64) by the leading bits of ``value - low``, about
        ``_BUCKET_ROWS`` values a bucket: ``low``, the shift that leaves those bits, and
        where each bucket starts (one entry more than the buckets)."""
        n = len(values)
        low, high = values.min(), values.max()
        width, span = 0, high - low  # bits of the range
        while span > 0:
            width += 1
            span >>= np.uint64(1)
        bits = 1
        while (_BUCKET_ROWS << bits) < n and bits < 20:
            bits += 1
        bits = min(bits, width)
        shift = np.uint64(width - bits)
        starts = np.zeros((1 << bits) + 1, dtype=np.int64)
        for v in values:
            starts[np.int64((v - low) >> shift) + 1] += 1
        for b in range(1 << bits):
            starts[b + 1] += starts[b]
        return low, shift, starts

    @njit()
    def _first_rows(owner, keys, out):  # type: ignore[no-untyped-def]
        """:func:`first_rows` written to ``out``; returns how many, or -1 when a bucket is
        too large to sort by insertion (keys that do not spread: the caller sorts)."""
        low, shift, starts = _layout(keys)
        fill = starts[:-1].copy()
        for i in range(len(keys)):  # row order kept within a bucket
            bucket = np.int64((keys[i] - low) >> shift)
            out[fill[bucket]] = i
            fill[bucket] += 1
        for b in range(len(starts) - 1):
            lo, hi = starts[b], starts[b + 1]
            if hi - lo > 16 * _INSERTION_ROWS:
                return -1
            for i in range(lo + 1, hi):  # by key, then owner; equal rows keep their order
                r = out[i]
                j = i - 1
                while j >= lo and (keys[out[j]] > keys[r]
                                   or (keys[out[j]] == keys[r] and owner[out[j]] > owner[r])):
                    out[j + 1] = out[j]
                    j -= 1
                out[j + 1] = r
        m = 0
        for i in range(len(keys)):
            r = out[i]
            if i == 0 or keys[r] != keys[out[m - 1]] or owner[r] != owner[out[m - 1]]:
                out[m] = r
                m += 1
        return m

    @njit()
    def _bucket_sort(values, out):  # type: ignore[no-untyped-def]
        """``values`` (uint64) sorted into ``out``: a bucket per leading bits of ``value -
        min`` (:func:`_layout`), each bucket then sorted in place."""
        low, shift, starts = _layout(values)
        fill = starts[:-1].copy()
        for v in values:
            bucket = np.int64((v - low) >> shift)
            out[fill[bucket]] = v
            fill[bucket] += 1
        for b in range(len(starts) - 1):
            lo, hi = starts[b], starts[b + 1]
            if hi - lo > _INSERTION_ROWS:
                out[lo:hi].sort()
                continue
            for i in range(lo + 1, hi):
                v = out[i]
                j = i - 1
                while j >= lo and out[j] > v:
                    out[j + 1] = out[j]
                    j -= 1
                out[j + 1] = v
