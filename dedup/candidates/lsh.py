"""LSH banding over MinHash signatures: candidate pairs above a Jaccard threshold.

Stage: signatures -> candidate pairs. Semantics are datasketch's ``MinHashLSH``:
the band layout ``(b, r)`` minimizes the equally weighted false-positive and
false-negative probability mass around the threshold (the same integrals and
search as datasketch), band ``i`` is signature columns ``[i*r, (i+1)*r)``, and
two sets are candidates when any band is identical. Banding runs over all
signatures at once: hash each band, sort, group.

Buckets holding more than ``max_bucket`` items (a stock phrase shared by very
many documents) are not expanded into pairs, which keeps candidate generation
below ``b * n * max_bucket`` pairs; the count of such buckets is returned.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.integrate import quad

from dedup.analysis.shingle import fmix64, fmix64_one
from dedup.core.arrays import unique_sorted
from dedup.core.kernels import NUMBA, njit
from dedup.core.pairs import code_pairs, pair_codes

_BLOCK_ROWS = 1 << 16  # signatures banded at a time (numpy path)
_R = np.uint64(0x9E3779B97F4A7C15)
_INT32_ROWS = 1 << 31  # the compiled grouping numbers rows in int32


def _false_positive(threshold: float, b: int, r: int) -> float:
    return float(quad(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)[0])


def _false_negative(threshold: float, b: int, r: int) -> float:
    return float(quad(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)[0])


@lru_cache(maxsize=64)
def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` for a Jaccard threshold, as ``datasketch.MinHashLSH`` chooses them."""
    best, layout = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            error = 0.5 * _false_positive(threshold, b, r) + 0.5 * _false_negative(threshold, b, r)
            if error < best:
                best, layout = error, (b, r)
    return layout


def band_keys(sigs: np.ndarray, bands: int, rows: int, first: int = 0) -> np.ndarray:
    """64-bit key of bands ``first .. first + bands - 1`` of each signature, shape (n, bands).

    Band ``i``'s key folds its ``rows`` values into ``fmix64(key * R + value)``. A
    numba loop when numba is there, else numpy a block of signatures at a time (the
    same keys; temporaries of a few tens of MB whatever ``n`` is).
    """
    out = np.empty((sigs.shape[0], bands), dtype=np.uint64)
    if NUMBA:
        _fold_bands(np.ascontiguousarray(sigs), rows, first, out)
        return out
    return _numpy_band_keys(sigs[:, first * rows :], rows, out)


def _numpy_band_keys(sigs: np.ndarray, rows: int, out: np.ndarray) -> np.ndarray:
    bands = out.shape[1]
    with np.errstate(over="ignore"):
        for lo in range(0, len(out), _BLOCK_ROWS):
            block = sigs[lo : lo + _BLOCK_ROWS, : bands * rows].reshape(-1, bands, rows)
            acc = np.zeros((len(block), bands), dtype=np.uint64)
            for j in range(rows):
                acc = fmix64(acc * _R + block[:, :, j].astype(np.uint64))
            out[lo : lo + len(block)] = acc
    return out


if NUMBA:

    @njit()
    def _fold_bands(sigs, rows, first, out):  # type: ignore[no-untyped-def]
        """:func:`_numpy_band_keys` from band ``first`` of C-ordered ``sigs``, one signature
        at a time (one compiled version: a column slice would compile another)."""
        for i in range(out.shape[0]):
            for band in range(out.shape[1]):
                acc = np.uint64(0)
                for j in range((first + band) * rows, (first + band + 1) * rows):
                    acc = fmix64_one(acc * _R + np.uint64(sigs[i, j]))
                out[i, band] = acc


def candidate_pairs(keys: np.ndarray, *, max_bucket: int,
                    groups: np.ndarray | None = None) -> tuple[np.ndarray, int]:  # fmt: skip
    """Pairs of rows sharing any band key.

    Parameters
    ----------
    keys : ndarray of uint64, shape (n, bands)
        From :func:`band_keys`.
    max_bucket : int
        Buckets with more rows than this are skipped.
    groups : ndarray of int, shape (n,), optional
        Group of each row (its document); pairs inside one group are dropped.

    Returns
    -------
    pairs : ndarray of int64, shape (k, 2)
        Unique ``(i, j)`` with ``i < j``, sorted.
    skipped : int
        Number of buckets skipped for size.
    """
    n, bands = keys.shape
    found: list[np.ndarray] = []  # per band: pair codes i * n + j (sorts as (i, j))
    skipped = 0
    for band in range(bands):
        column = np.ascontiguousarray(keys[:, band])
        if NUMBA and n < _INT32_ROWS:
            every = np.arange(n, dtype=np.int64) if groups is None else groups.astype(np.int64)
            codes, sk = _compiled_bucket_pairs(column, every, max_bucket)
        else:
            codes, sk = _numpy_bucket_pairs(column, max_bucket, groups)
        found.append(codes)
        skipped += sk
    codes = unique_sorted(np.concatenate([*found, np.zeros(0, np.int64)]))
    return np.stack(code_pairs(codes, max(n, 1)), axis=1), skipped


def _compiled_bucket_pairs(column: np.ndarray, groups: np.ndarray,
                           max_bucket: int) -> tuple[np.ndarray, int]:  # fmt: skip
    """Codes ``lo * n + hi`` of the rows ``lo < hi`` sharing a key of ``column`` and not a
    group, in buckets of at most ``max_bucket`` rows, and the number of larger buckets.

    Rows of equal keys are chained in an open-addressing table (keys are hashes: their
    low bits pick the slot), then each bucket's rows, ascending, are paired, without
    sorting the keys. ``column`` has fewer than 2^31 rows. The arrays are made here, in
    numpy: numba compiles each array constructor a loop uses, once per dtype, on a
    first run.
    """
    n = len(column)
    bits = max((n + n // 2 - 1).bit_length(), 1)  # load factor at most 2/3
    slots = np.full(1 << bits, -1, np.int32)  # int32: half the cache misses of int64
    after = np.full(n, -1, np.int32)  # next row of the same bucket
    last = np.zeros(n, np.int32)  # a bucket's last row, kept on its first row
    size = np.zeros(n, np.int32)  # a bucket's size, kept on its first row (0 elsewhere)
    _chain_buckets(column, slots, after, last, size)
    paired = size[(size >= 2) & (size <= max_bucket)].astype(np.int64)
    lo = np.empty(int((paired * (paired - 1) // 2).sum()), np.int64)
    hi = np.empty(len(lo), np.int64)
    m = _bucket_rows(size, after, groups, max_bucket, np.empty(max(max_bucket, 2), np.int64),
                     lo, hi)  # fmt: skip
    return pair_codes(lo[:m], hi[:m], n), int(np.sum(size > max_bucket))


if NUMBA:

    @njit()
    def _chain_buckets(column, slots, after, last, size):  # type: ignore[no-untyped-def]
        """Chain each row of ``column`` to the earlier rows of its key (see
        :func:`_compiled_bucket_pairs` for the arrays)."""
        mask = np.uint64(len(slots) - 1)
        for r in range(len(column)):
            key = column[r]
            s = np.int64(key & mask)
            while slots[s] != -1 and column[slots[s]] != key:
                s = (s + 1) & (len(slots) - 1)
            first = slots[s]
            if first == -1:
                slots[s], last[r], size[r] = r, r, 1
            else:
                after[last[first]], last[first] = r, r
                size[first] += 1

    @njit()
    def _bucket_rows(size, after, groups, max_bucket, rows, lo, hi):  # type: ignore[no-untyped-def]
        """Write the pairs of each chained bucket of 2 to ``max_bucket`` rows to ``lo``
        and ``hi`` (``rows`` is scratch); returns how many were written."""
        m = 0
        for r in range(len(size)):
            if size[r] < 2 or size[r] > max_bucket:
                continue
            x, t = r, 0
            while x != -1:
                rows[t], x, t = x, after[x], t + 1
            for a in range(t):
                for b in range(a + 1, t):
                    if groups[rows[a]] != groups[rows[b]]:
                        lo[m], hi[m], m = rows[a], rows[b], m + 1
        return m


def _numpy_bucket_pairs(column: np.ndarray, max_bucket: int,
                        groups: np.ndarray | None) -> tuple[np.ndarray, int]:  # fmt: skip
    """:func:`_compiled_bucket_pairs` in numpy: rows grouped by sorting."""
    n = len(column)
    order = _shared_rows(column)
    order = order[np.argsort(column[order], kind="stable")]
    sorted_keys = column[order]
    cut = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate(([0], cut))
    sizes = np.diff(np.concatenate((starts, [len(order)])))
    band_codes = [np.zeros(0, np.int64)]
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_bucket)]):
        first = starts[sizes == size]
        i, j = np.triu_indices(int(size), 1)
        a, b = order[first[:, None] + i].ravel(), order[first[:, None] + j].ravel()
        lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
        if groups is not None:
            keep = groups[lo] != groups[hi]
            lo, hi = lo[keep], hi[keep]
        band_codes.append(pair_codes(lo, hi, n))
    return np.concatenate(band_codes), int(np.sum(sizes > max_bucket))


def _shared_rows(column: np.ndarray) -> np.ndarray:
    """Rows whose key may be shared with another row: a superset of them (int64, ascending).

    Most keys of a band are unique. Each key's high bits and its row number are packed
    into one uint64 and sorted by value (a sort of values, not an argsort of the
    band); rows whose high bits are shared come out. Equal keys have equal high bits,
    so no shared row is missed; the caller groups the rows by their full key.
    """
    n = len(column)
    bits = np.uint64(max(n.bit_length(), 1))
    packed = ((column >> bits) << bits) | np.arange(n, dtype=np.uint64)
    packed.sort()
    high = packed >> bits
    same = high[1:] == high[:-1]
    shared = np.zeros(n, dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    return np.sort((packed[shared] & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64))
