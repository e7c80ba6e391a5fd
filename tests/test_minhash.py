"""dedup.candidates.minhash.signatures is bit-identical to datasketch.MinHash fed the same
32-bit hashes."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from helpers import seed_documents
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

import dedup.analysis.shingle as shingle_module
from dedup.analysis.normalize import fold
from dedup.analysis.shingle import shingles, tokenize
from dedup.candidates.minhash import jaccard, packed_signatures, signatures, to_hash32


def _datasketch(values: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    for h in to_hash32(values).tolist():
        m.update(h)
    return m.hashvalues


def _random_sets(rng: np.random.Generator, sizes: list[int]) -> list[np.ndarray]:
    return [rng.integers(0, 2**64, size, dtype=np.uint64) for size in sizes]


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (16, 0), (200, 12345)])
def test_signatures_equal_datasketch(num_perm: int, seed: int) -> None:
    rng = np.random.default_rng(num_perm * 1000 + seed)
    sets = _random_sets(rng, [0, 1, 2, 5, 40, 700, 1])
    sigs = signatures(sets, num_perm=num_perm, seed=seed)
    assert sigs.shape == (len(sets), num_perm)
    for row, values in zip(sigs, sets, strict=True):
        np.testing.assert_array_equal(row, _datasketch(values, num_perm, seed))


def test_empty_set_gives_datasketchs_empty_minhash() -> None:
    [row] = signatures([np.zeros(0, np.uint64)], num_perm=128, seed=1)
    np.testing.assert_array_equal(row, MinHash(num_perm=128, seed=1).hashvalues)


def test_set_of_one_shingle() -> None:
    value = np.array([0xDEADBEEF12345678], dtype=np.uint64)
    [row] = signatures([value], num_perm=128, seed=1)
    np.testing.assert_array_equal(row, _datasketch(value, 128, 1))


def test_signatures_of_real_text_shingles_and_empty_batch() -> None:
    text = "russia laid out its demands for security guarantees in europe to nato members"
    values = shingles(tokenize(text).hashes, 5)
    [row] = signatures([values], num_perm=128, seed=1)
    np.testing.assert_array_equal(row, _datasketch(values, 128, 1))
    assert signatures([], num_perm=32, seed=1).shape == (0, 32)


def test_duplicates_and_order_do_not_change_a_signature() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 2**64, 50, dtype=np.uint64)
    shuffled = np.concatenate([values, values[::-1]])
    a, b = signatures([values, shuffled], num_perm=64, seed=1)
    np.testing.assert_array_equal(a, b)


def test_batches_larger_than_one_chunk_match_row_by_row() -> None:
    # More values than one broadcast chunk holds, so the chunking path is exercised.
    rng = np.random.default_rng(5)
    sets = _random_sets(rng, [20_000, 0, 12_000, 3, 9_000])
    together = signatures(sets, num_perm=256, seed=2)
    alone = np.vstack([signatures([s], num_perm=256, seed=2) for s in sets])
    np.testing.assert_array_equal(together, alone)


def test_jaccard_estimate_matches_datasketch() -> None:
    rng = np.random.default_rng(9)
    base = rng.integers(0, 2**64, 300, dtype=np.uint64)
    other = np.concatenate([base[:200], rng.integers(0, 2**64, 100, dtype=np.uint64)])
    sa, sb = signatures([base, other], num_perm=128, seed=1)
    ma, mb = (MinHash(num_perm=128, seed=1, hashvalues=s, scheme="affine32") for s in (sa, sb))
    assert jaccard(sa, sb) == pytest.approx(ma.jaccard(mb))


def test_compiled_and_numpy_paths_give_the_same_signatures() -> None:
    rng = np.random.default_rng(11)
    sizes = np.array([0, 1, 700, 3, 0, 20_000, 50], dtype=np.int64)
    values = rng.integers(0, 2**64, int(sizes.sum()), dtype=np.uint64)
    fast = packed_signatures(values, sizes, num_perm=128, seed=1)
    slow = packed_signatures(values, sizes, num_perm=128, seed=1, compiled=False)
    np.testing.assert_array_equal(fast, slow)
    first = values[: sizes[2] + 1]  # rows 1 and 2 against datasketch
    np.testing.assert_array_equal(slow[1], _datasketch(first[:1], 128, 1))
    np.testing.assert_array_equal(slow[2], _datasketch(first[1:], 128, 1))


@pytest.mark.skipif(not shingle_module.NUMBA, reason="numba is not installed")
def test_compiled_and_numpy_paths_give_the_same_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every stopword (the first and last of the sorted stop hashes among them), one-letter
    # words, digits and CJK characters decide the content flags.
    texts = [fold(d.text) for d in seed_documents()]
    texts += [fold("हिन्दी में لکھا گیا วันนี้อากาศดี \U00020000\U00020001 ab\U0001F600d ٣ ५")]
    texts += [" ".join(sorted(ENGLISH_STOP_WORDS)), "a i x 7 42 zz \u4ed6\u3002 guarantees", ""]
    compiled = [tokenize(t) for t in texts]
    monkeypatch.setattr(shingle_module, "NUMBA", False)
    for text, want in zip(texts, compiled, strict=True):
        got = tokenize(text)
        for name in ("starts", "ends", "hashes", "stems", "content"):
            assert getattr(got, name).tolist() == getattr(want, name).tolist(), name
    assert not compiled[-3].content.any()
