"""Set operations on large numpy arrays, by sorting.

numpy's ``np.unique`` hashes its input and ``return_inverse`` arg-sorts it; on
tens of millions of int64 rows a plain ``np.sort`` does the same work for much
less. The candidate stage, LSH grouping and TF-IDF go through these instead.
"""

from __future__ import annotations

import numpy as np

from dedup.kernels import NUMBA, njit

_HASHED_LOOKUP_ROWS = 1 << 16  # below this, np.searchsorted is as fast


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``: the distinct values, ascending."""
    ordered = np.sort(values)
    return np.asarray(ordered[_firsts(ordered)])


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
    keys, counts = runs(np.sort(values))
    return keys, positions(keys, values), counts


def positions(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each of ``values`` in the sorted distinct ``keys``, -1 for a value that
    is not one of them (int32 when the keys allow it)."""
    small = np.int32 if len(keys) < 2**31 else np.int64  # 4 bytes a row saved at scale
    if not NUMBA or len(values) < _HASHED_LOOKUP_ROWS:
        at = np.minimum(np.searchsorted(keys, values), max(len(keys) - 1, 0))
        found = keys[at] == values if len(keys) else np.zeros(len(values), bool)
        return np.where(found, at, -1).astype(small)
    bits = max(int(2 * len(keys) - 1).bit_length(), 1)  # load factor at most 1/2
    slots = np.full(1 << bits, -1, dtype=np.int64)
    index = np.empty(len(values), dtype=small)
    _hash_lookup(keys, values, slots, np.uint64(64 - bits), index)
    return index


if NUMBA:

    @njit()
    def _hash_lookup(keys, values, slots, shift, index):  # type: ignore[no-untyped-def]
        """``index[r]`` = position of ``values[r]`` in ``keys`` or -1, by open addressing
        over ``slots`` (Fibonacci hashing, linear probing)."""
        mask = len(slots) - 1
        for k in range(len(keys)):
            s = np.int64((keys[k] * np.uint64(0x9E3779B97F4A7C15)) >> shift)
            while slots[s] >= 0:
                s = (s + 1) & mask
            slots[s] = k
        for r in range(len(values)):
            v = values[r]
            s = np.int64((v * np.uint64(0x9E3779B97F4A7C15)) >> shift)
            while slots[s] >= 0 and keys[slots[s]] != v:
                s = (s + 1) & mask
            index[r] = slots[s]
