"""Batch MinHash signatures in numpy, bit-identical to ``datasketch.MinHash``.

Stage: shingle hashes -> signatures. The permutation scheme is datasketch's
default since 2.0, ``affine32``: a 32-bit input hash is pre-mixed with
MurmurHash3's 32-bit finalizer, then permuted as ``a*h + b mod 2^32`` with
``a`` odd, ``a`` and ``b`` drawn from ``np.random.RandomState(seed)`` exactly
as datasketch draws them. The 32-bit input of a
64-bit shingle hash is its upper half: feeding those values to
``datasketch.MinHash(num_perm, seed, hashfunc=int)`` gives the same signature
(tested).

The batch runs in one loop compiled by numba (a declared dependency; the
permutation loop vectorizes to SIMD). The numpy broadcast below gives the same
values (both are tested) and is used where numba cannot be imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from dedup.core.kernels import NUMBA, njit

_MAX32 = np.uint32(0xFFFFFFFF)
NEAR_DUPLICATE_JACCARD = 0.7  # documents alike enough to be one text (dedupe's default)
_CHUNK_VALUES = 1 << 20  # shingles x permutations per broadcast: 4 MB, near the cache


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 parameters of datasketch's ``affine32`` permutations (read-only:
    cached, since a scan asks for them once a document)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = b.flags.writeable = False
    return a, b


def to_hash32(shingle_hashes: np.ndarray) -> np.ndarray:
    """The 32-bit MinHash input of 64-bit shingle hashes (their upper half)."""
    return (shingle_hashes >> np.uint64(32)).astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return np.asarray(h ^ (h >> np.uint32(16)))


def signatures(shingles: Sequence[np.ndarray], *, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures for a batch of shingle sets.

    Parameters
    ----------
    shingles : sequence of ndarray of uint64
        Hashed shingles, one array per set; an array may be empty.
    num_perm : int
        Signature length (number of permutations).
    seed : int
        Seed of the permutation parameters, as in ``datasketch.MinHash(seed=...)``.

    Returns
    -------
    ndarray of uint32, shape (len(shingles), num_perm)
        Row ``i`` equals datasketch's MinHash of ``to_hash32(shingles[i])``; an
        empty set gives the all-``2^32-1`` row, as datasketch's empty MinHash.
    """
    sizes = np.array([len(s) for s in shingles], dtype=np.int64)
    values = np.concatenate([*shingles, np.zeros(0, np.uint64)]).astype(np.uint64, copy=False)
    return packed_signatures(values, sizes, num_perm=num_perm, seed=seed)


def packed_signatures(values: np.ndarray, sizes: np.ndarray, *, num_perm: int,
                      seed: int, compiled: bool = True) -> np.ndarray:  # fmt: skip
    """:func:`signatures` of sets stored back to back: set ``i`` is the next ``sizes[i]`` values.

    ``compiled=False`` forces the numpy path (for tests; the values are the same).
    """
    a, b = permutations(num_perm, seed)
    out = np.full((len(sizes), num_perm), _MAX32, dtype=np.uint32)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    if compiled and NUMBA:
        _kernel(np.ascontiguousarray(values, dtype=np.uint64), offsets, a, b, out)
        return out
    per_chunk = max(1, _CHUNK_VALUES // num_perm)
    first = 0
    while first < len(sizes):
        last = first + max(1, int(np.searchsorted(offsets[first + 1 :] - offsets[first],
                                                  per_chunk, side="right")))  # fmt: skip
        rows = first + np.flatnonzero(sizes[first:last])
        if len(rows):
            lo, hi = offsets[first], offsets[last]
            h = _fmix32(to_hash32(values[lo:hi]))
            permuted = np.multiply.outer(a, h)  # (num_perm, values): reduce along rows
            permuted += b[:, None]
            out[rows] = np.minimum.reduceat(permuted, offsets[rows] - lo, axis=1).T
        first = last
    return out


if NUMBA:

    @njit(inline="always")
    def _mixed32(value):  # type: ignore[no-untyped-def]
        """``fmix32(to_hash32(value))`` of one uint64, in 64-bit registers."""
        h = value >> np.uint64(32)
        h ^= h >> np.uint64(16)
        h = (h * np.uint64(0x85EBCA6B)) & np.uint64(0xFFFFFFFF)
        h ^= h >> np.uint64(13)
        h = (h * np.uint64(0xC2B2AE35)) & np.uint64(0xFFFFFFFF)
        h ^= h >> np.uint64(16)
        return np.uint32(h)

    @njit()
    def _kernel(values, offsets, a, b, out):  # type: ignore[no-untyped-def]
        """Same arithmetic as the numpy path, permutations innermost (they vectorize).

        Shingles are taken four at a time, so a pass over the permutations loads and
        stores the signature row once for four shingles: one at a time is bound by those
        loads and stores rather than by the multiplies.
        """
        k = len(a)
        for d in range(len(offsets) - 1):
            row = out[d]
            t, end = offsets[d], offsets[d + 1]
            while t + 4 <= end:
                h0, h1 = _mixed32(values[t]), _mixed32(values[t + 1])
                h2, h3 = _mixed32(values[t + 2]), _mixed32(values[t + 3])
                for p in range(k):
                    ap, bp = a[p], b[p]
                    low = min(np.uint32(ap * h0 + bp), np.uint32(ap * h1 + bp))
                    high = min(np.uint32(ap * h2 + bp), np.uint32(ap * h3 + bp))
                    row[p] = min(row[p], min(low, high))
                t += 4
            for s in range(t, end):
                h = _mixed32(values[s])
                for p in range(k):
                    row[p] = min(row[p], np.uint32(a[p] * h + b[p]))


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures' sets."""
    return float(np.mean(sig_a == sig_b))
