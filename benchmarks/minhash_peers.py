"""MinHash signatures per second: dedup against datasketch, rensa and gaoya, in one process.

All peers get the same documents' word 5-gram shingles, 128 permutations, one
core (run with ``taskset -c 0`` to pin it)::

    python benchmarks/minhash_peers.py --docs 10000

What each peer is timed on
--------------------------
- ``dedup``: :func:`dedup.candidates.minhash.signatures` over the prepared 64-bit shingle
  hashes of the whole batch, one array a document (the output equals datasketch's
  MinHash, tested in tests/test_minhash.py); ``dedup (flat buffer)``:
  :func:`dedup.candidates.minhash.packed_signatures` on the same hashes in one buffer with
  set sizes, the input ``rensa batch`` gets; ``dedup (numpy path)``: the same without numba; and
  ``dedup (from text)``: normalize, tokenize, shingle and sign, starting from the
  raw text.
- ``datasketch``: ``MinHash(128).update_batch`` per document on the shingles'
  UTF-8 bytes (its default sha1_hash32 and affine32 permutations).
- ``rensa RMinHash``: ``RMinHash(128, seed).update`` per document on the shingle
  strings; ``rensa batch``: ``RMinHash.digest_matrix_from_flat_token_hashes`` on
  the same uint64 shingle hashes dedup gets (rensa's fastest entry point).
- ``gaoya``: ``MinHashStringIndex.insert_document`` per document (it tokenizes
  and shingles the text itself, in Rust, and also inserts into its LSH index).

Peers that are not installed are reported and skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a file: the checkout's root holds this package and dedup
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import read_jsonl, write
from dedup.analysis.normalize import normalize
from dedup.analysis.shingle import shingles, tokenize
from dedup.candidates.minhash import packed_signatures, signatures

NUM_PERM = 128
SHINGLE_WORDS = 5


def _best_of(repeat: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _shingle_strings(text: str) -> list[str]:
    norm = normalize(text).text
    tokens = tokenize(norm)
    words = [norm[s:e] for s, e in zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True)]
    n = min(SHINGLE_WORDS, len(words))
    return [" ".join(words[k : k + n]) for k in range(len(words) - n + 1)] if words else []


def _dedup_from_text(texts: list[str]) -> np.ndarray:
    sets = [shingles(tokenize(normalize(t).text).hashes, SHINGLE_WORDS) for t in texts]
    return signatures(sets, num_perm=NUM_PERM, seed=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/dedup-corpora"))
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    corpus, _ = write(args.docs, args.out)
    texts = [d["text"] for d in read_jsonl(corpus)][: args.docs]
    hashes = [shingles(tokenize(normalize(t).text).hashes, SHINGLE_WORDS) for t in texts]
    strings = [_shingle_strings(t) for t in texts]
    as_bytes = [[s.encode("utf-8") for s in doc] for doc in strings]
    n_shingles = sum(len(h) for h in hashes)
    per_doc = n_shingles / len(texts)
    print(f"{len(texts)} documents, {n_shingles} shingles ({per_doc:.0f} a document),"
          f" {NUM_PERM} permutations, word {SHINGLE_WORDS}-grams; pid {os.getpid()},"
          f" cpu affinity {sorted(os.sched_getaffinity(0))}")  # fmt: skip

    timings: dict[str, float] = {}
    timings["dedup"] = _best_of(args.repeat, lambda: signatures(hashes, num_perm=NUM_PERM, seed=1))
    flat_hashes = np.concatenate(hashes)
    sizes = np.array([len(h) for h in hashes])
    timings["dedup (flat buffer)"] = _best_of(
        args.repeat, lambda: packed_signatures(flat_hashes, sizes, num_perm=NUM_PERM, seed=1)
    )
    timings["dedup (numpy path)"] = _best_of(
        args.repeat,
        lambda: packed_signatures(flat_hashes, sizes, num_perm=NUM_PERM, seed=1, compiled=False),
    )
    timings["dedup (from text)"] = _best_of(args.repeat, lambda: _dedup_from_text(texts))

    from datasketch import MinHash

    def run_datasketch() -> None:
        for doc in as_bytes:
            m = MinHash(num_perm=NUM_PERM, seed=1)
            m.update_batch(doc)

    timings["datasketch"] = _best_of(1, run_datasketch)

    try:
        from rensa import RMinHash
    except ImportError:
        print("rensa: not installed (pip install rensa)")
    else:

        def run_rensa() -> None:
            for doc in strings:
                m = RMinHash(num_perm=NUM_PERM, seed=1)
                m.update(doc)
                m.digest()

        offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.uint64)
        timings["rensa RMinHash"] = _best_of(args.repeat, run_rensa)
        rensa_batch = RMinHash.digest_matrix_from_flat_token_hashes
        timings["rensa batch"] = _best_of(
            args.repeat, lambda: rensa_batch(flat_hashes, offsets, NUM_PERM, 1)
        )
    try:
        from gaoya.minhash import MinHashStringIndex
    except ImportError:
        print("gaoya: not installed (pip install gaoya)")
    else:

        def run_gaoya() -> None:
            index = MinHashStringIndex(hash_size=32, jaccard_threshold=0.5, num_bands=32,
                                       band_size=4, analyzer="word", lowercase=True,
                                       ngram_range=(SHINGLE_WORDS, SHINGLE_WORDS))  # fmt: skip
            for k, t in enumerate(texts):
                index.insert_document(k, t)

        timings["gaoya (from text)"] = _best_of(1, run_gaoya)

    base = timings["datasketch"]
    print(f"{'peer':<22}{'seconds':>9}{'docs/s':>11}{'x datasketch':>14}{'dedup x':>9}")
    for name, seconds in timings.items():
        rate = len(texts) / seconds
        print(f"{name:<22}{seconds:>9.3f}{rate:>11,.0f}{base / seconds:>14.1f}"
              f"{seconds / timings['dedup']:>9.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
