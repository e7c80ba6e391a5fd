"""Batch MinHash signatures in numpy, bit-identical to ``datasketch.MinHash``.

Stage: shingle hashes -> signatures. The permutation scheme is datasketch's
default since 2.0, ``affine32``: a 32-bit input hash is pre-mixed with
MurmurHash3's 32-bit finalizer, then permuted as ``a*h + b mod 2^32`` with
``a`` odd, ``a`` and ``b`` drawn from ``np.random.RandomState(seed)`` exactly
as datasketch draws them (``../shared/FACTS.md``). The 32-bit input of a
64-bit shingle hash is its upper half: feeding those values to
``datasketch.MinHash(num_perm, seed, hashfunc=int)`` gives the same signature
(tested in tests/test_minhash.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_MAX32 = np.uint32(0xFFFFFFFF)
_CHUNK_VALUES = 1 << 22  # shingles x permutations per broadcast: bounds memory at 16 MB


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 parameters of datasketch's ``affine32`` permutations."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def to_hash32(shingle_hashes: np.ndarray) -> np.ndarray:
    """The 32-bit MinHash input of 64-bit shingle hashes (their upper half)."""
    return (shingle_hashes >> np.uint64(32)).astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


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
    a, b = permutations(num_perm, seed)
    out = np.full((len(shingles), num_perm), _MAX32, dtype=np.uint32)
    sizes = np.array([len(s) for s in shingles], dtype=np.int64)
    rows_per_chunk = max(1, _CHUNK_VALUES // num_perm)
    first = 0
    while first < len(shingles):
        ends = np.cumsum(sizes[first:])
        last = first + max(1, int(np.searchsorted(ends, rows_per_chunk, side="right")))
        batch_sizes = sizes[first:last]
        nonempty = np.flatnonzero(batch_sizes) + first
        if len(nonempty):
            values = _fmix32(to_hash32(np.concatenate([shingles[i] for i in nonempty])))
            offsets = np.concatenate(([0], np.cumsum(sizes[nonempty])[:-1]))
            permuted = values[:, None] * a[None, :] + b[None, :]
            out[nonempty] = np.minimum.reduceat(permuted, offsets, axis=0)
        first = last
    return out


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures' sets."""
    return float(np.mean(sig_a == sig_b))
