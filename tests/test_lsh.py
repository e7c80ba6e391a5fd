"""LSH banding has datasketch MinHashLSH's semantics: same layout, same candidate set."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param

import dedup.candidates.lsh
from dedup.candidates.lsh import _numpy_band_keys, band_keys, band_layout, candidate_pairs
from dedup.candidates.minhash import signatures


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5, 0.8, 0.95])
@pytest.mark.parametrize("num_perm", [32, 128])
def test_band_layout_equals_datasketch(threshold: float, num_perm: int) -> None:
    assert band_layout(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def _corpus_signatures(seed: int, num_perm: int) -> np.ndarray:
    """Sets in families of near-duplicates (shared cores, own tails), plus unrelated sets."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(40):
        core = rng.integers(0, 2**64, int(rng.integers(20, 80)), dtype=np.uint64)
        for _ in range(int(rng.integers(1, 4))):
            keep = core[rng.random(len(core)) < rng.uniform(0.5, 1.0)]
            tail = rng.integers(0, 2**64, int(rng.integers(0, 15)), dtype=np.uint64)
            sets.append(np.concatenate([keep, tail]))
    sets.append(np.zeros(0, np.uint64))
    return signatures(sets, num_perm=num_perm, seed=1)


def _datasketch_pairs(sigs: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    lsh = MinHashLSH(threshold=threshold, num_perm=sigs.shape[1])
    minhashes = [MinHash(hashvalues=s, scheme="affine32") for s in sigs]
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    return {(min(i, j), max(i, j)) for i, m in enumerate(minhashes)
            for j in lsh.query(m) if j != i}  # fmt: skip


@pytest.mark.parametrize(("threshold", "num_perm", "seed"),
                         [(0.3, 128, 0), (0.5, 128, 1), (0.7, 64, 2), (0.5, 256, 3)])  # fmt: skip
def test_candidate_pairs_equal_datasketch_minhashlsh(threshold: float, num_perm: int,
                                                     seed: int) -> None:  # fmt: skip
    sigs = _corpus_signatures(seed, num_perm)
    bands, rows = band_layout(threshold, num_perm)
    pairs, skipped = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=10**6)
    assert skipped == 0
    expected = _datasketch_pairs(sigs, threshold)
    assert expected  # the corpus has near-duplicates at every tested threshold
    assert {(int(i), int(j)) for i, j in pairs} == expected


def test_pairs_are_unique_sorted_and_ordered() -> None:
    sigs = _corpus_signatures(4, 128)
    pairs, _ = candidate_pairs(band_keys(sigs, *band_layout(0.3, 128)), max_bucket=10**6)
    assert (pairs[:, 0] < pairs[:, 1]).all()
    assert len(np.unique(pairs, axis=0)) == len(pairs)
    np.testing.assert_array_equal(pairs, np.unique(pairs, axis=0))


def test_groups_drop_pairs_inside_one_group() -> None:
    sigs = np.repeat(_corpus_signatures(5, 64)[:1], 4, axis=0)  # four identical rows
    keys = band_keys(sigs, *band_layout(0.5, 64))
    pairs, _ = candidate_pairs(keys, max_bucket=10, groups=np.array([0, 0, 1, 1]))
    assert {(int(i), int(j)) for i, j in pairs} == {(0, 2), (0, 3), (1, 2), (1, 3)}


def test_buckets_above_max_bucket_are_skipped_and_counted() -> None:
    sigs = np.repeat(_corpus_signatures(6, 64)[:1], 5, axis=0)
    bands, rows = band_layout(0.5, 64)
    pairs, skipped = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=4)
    assert len(pairs) == 0
    assert skipped == bands


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_pairs_equal_brute_force_with_near_equal_keys(
    seed: int, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keys that differ only in their low bits pick neighbouring slots of the compiled
    # grouping's table, and share the high bits the numpy grouping packs with the row
    # number: they must still land in different buckets, on both paths.
    if not compiled:
        monkeypatch.setattr(dedup.candidates.lsh, "NUMBA", False)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**63, 50, dtype=np.uint64)
    keys = (base[rng.integers(0, 50, (400, 3))] ^ rng.integers(0, 4, (400, 3)).astype(np.uint64))
    groups = rng.integers(0, 40, 400)
    pairs, skipped = candidate_pairs(keys, max_bucket=12, groups=groups)
    expected, expected_skipped = set(), 0
    for band in range(3):
        for key in np.unique(keys[:, band]):
            rows = np.flatnonzero(keys[:, band] == key)
            if len(rows) > 12:
                expected_skipped += 1
                continue
            expected |= {(int(i), int(j)) for i in rows for j in rows
                         if i < j and groups[i] != groups[j]}  # fmt: skip
    assert {(int(i), int(j)) for i, j in pairs} == expected
    assert skipped == expected_skipped
    assert expected  # the corpus has shared buckets under the cap


def test_compiled_band_keys_equal_the_numpy_fold() -> None:
    rng = np.random.default_rng(11)
    sigs = rng.integers(0, 2**32, (1000, 128), dtype=np.uint64).astype(np.uint32)
    # (37, 3) leaves columns over; a column slice is a non-contiguous view.
    for part, bands, rows in [(sigs, 37, 3), (sigs, 16, 8), (sigs, 1, 1), (sigs[:, 30:], 16, 4)]:
        want = _numpy_band_keys(part, rows, np.empty((len(part), bands), np.uint64))
        np.testing.assert_array_equal(band_keys(part, bands, rows), want)
    # A group of bands, as the candidate stage keys them: the same keys as all bands give.
    every = band_keys(sigs, 37, 3)
    np.testing.assert_array_equal(band_keys(sigs, 13, 3, first=13), every[:, 13:26])
    group = _numpy_band_keys(sigs[:, 39:], 3, np.empty((1000, 13), np.uint64))
    np.testing.assert_array_equal(group, every[:, 13:26])
