"""Candidate document pairs: LSH over passages' rare features, then the evidence pre-test.

Stage: the corpus's passage features -> document pairs worth aligning. Pure
numpy over flat tables, so the local engine runs it whole and the Spark engine
runs the same functions per LSH bucket.

Two LSH indexes over passages
-----------------------------
A passage is indexed by MinHash (threshold ``passage_threshold``) of two sets:

- its *rare stems*: content-word stems found in at most ``max_bucket``
  passages of the corpus. These survive rewording and reordering, so heavy
  rewrites meet their source. A passage needs two rare stems to be indexed
  here: sets of one stem are equal for every passage that holds it, and
  collide in every band.
- its *rare stem bigrams*: pairs of adjacent content-word stems found in at
  most ``max_bucket`` passages. Topic words are shared by thousands of
  passages once a corpus is large (their stems stop being rare), but two
  passages rarely put the same two of them side by side unless one copies the
  other, so lightly edited copies keep meeting in corpora of any size.

Two passages are a candidate pair when they collide in a band of either index.

How candidate generation is bounded
-----------------------------------
1. A feature found in more than ``max_bucket`` passages (a stock word or
   phrase of the corpus) is left out of the LSH sets. A band collision means
   the two sets share an element, so the passage pairs LSH can produce are at
   most ``max_bucket / 2`` times the feature occurrences: linear. Corpora with
   no feature that common (the seeds) are unaffected.
2. LSH buckets holding more than ``max_bucket`` passages are skipped (counted
   in ``stats["skipped_buckets"]``).
3. A colliding passage pair makes its documents a candidate only when it passes
   alignment's evidence test (rare shared words: weighted overlap >=
   ``match_min_weight`` and Dice >= ``match_similarity`` or containment >=
   ``match_containment``), one compiled merge of the two passages' sorted
   stems a pair; pairs that collided on common words alone are never aligned.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from dedup.align import Weights, is_evidence
from dedup.analyze import DocAnalysis
from dedup.arrays import positions, runs, unique_sorted
from dedup.lsh import band_keys, band_layout, candidate_pairs
from dedup.minhash import packed_signatures
from dedup.normalize import compiled
from dedup.params import ScanParams
from dedup.shingle import fmix64_one
from dedup.workers import ordered_map

_EPS = 1e-9  # slack for the evidence pre-test: alignment sums the same weights in another order
_PAIR_CHUNK = 1 << 16  # passage pairs scored at a time (bounds memory)
_R = np.uint64(0x9E3779B97F4A7C15)
MIN_STEMS = 2  # rare stems a passage needs in the stem index
_SIGNATURE_BLOCK = 1 << 16  # passages signed at a time (32 MB of signatures)
_BANDS_AT_ONCE = 13  # LSH bands keyed at a time: 0.3 GB of keys at 3M passages


def bigram_rows(a: DocAnalysis, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of adjacent content-word stem pairs inside each passage of ``passages``.

    Returns
    -------
    passage, bigrams : ndarray of int64 and ndarray of uint64, shape (m,)
        Rows sorted by passage (numbered as in ``passages``) then bigram, one per
        distinct bigram of a passage.
    """
    return _bigram_rows(a.passage_tok_lo[passages], a.passage_tok_hi[passages],
                        a.tokens.content, a.tokens.stems)  # fmt: skip


@compiled
def _bigram_rows(lo: np.ndarray, hi: np.ndarray, content: np.ndarray,
                 stems: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """:func:`bigram_rows` of the passages of tokens ``[lo[k], hi[k])``."""
    n = 0
    for k in range(len(lo)):
        n += max(int(content[lo[k] : hi[k]].sum()) - 1, 0)
    owner = np.empty(n, np.int64)
    grams = np.empty(n, np.uint64)
    end = 0
    for k in range(len(lo)):
        first = end
        prev = np.uint64(0)
        seen = False
        for t in range(lo[k], hi[k]):
            if content[t]:
                if seen:
                    grams[end] = fmix64_one(prev * _R + stems[t])
                    end += 1
                prev, seen = stems[t], True
        _heapsort(grams[first:end])
        last = end
        end = first
        for g in range(first, last):
            if g == first or grams[g] != grams[g - 1]:
                grams[end], owner[end] = grams[g], k
                end += 1
    return owner[:end], grams[:end]


@compiled
def _heapsort(x: np.ndarray) -> None:
    """Sort ``x`` in place (numba compiles this in a fraction of the time of ``np.sort``,
    which matters on a first run, before its cache exists)."""
    n = len(x)
    for top in range(n // 2 - 1, -1, -1):
        _sift_down(x, top, n)
    for end in range(n - 1, 0, -1):
        x[0], x[end] = x[end], x[0]
        _sift_down(x, 0, end)


@compiled
def _sift_down(x: np.ndarray, root: int, end: int) -> None:
    while 2 * root + 1 < end:
        child = 2 * root + 1
        if child + 1 < end and x[child] < x[child + 1]:
            child += 1
        if x[root] >= x[child]:
            return
        x[root], x[child] = x[child], x[root]
        root = child


class FeatureTable:
    """Features of every usable passage of the corpus, as flat rows.

    Row ``r`` says passage ``passage[r]`` (numbered over the corpus) holds feature
    ``feature[r]``; rows are sorted by passage, then feature. ``owner[p]`` is
    passage ``p``'s document. ``keys`` and ``counts`` are the distinct features and
    their passage frequencies; ``index[r]`` is row ``r``'s position in ``keys``
    (computed when first read: the bigram table never needs it).
    """

    def __init__(self, passage: np.ndarray, feature: np.ndarray, owner: np.ndarray,
                 n_docs: int) -> None:  # fmt: skip
        self.passage, self.feature, self.owner, self.n_docs = passage, feature, owner, n_docs
        self.keys, self.counts = runs(np.sort(feature))

    @cached_property
    def index(self) -> np.ndarray:
        return positions(self.keys, self.feature)

    @property
    def n_passages(self) -> int:
        return len(self.owner)

    def common(self, max_bucket: int) -> np.ndarray:
        """The features in more than ``max_bucket`` passages, sorted."""
        return np.asarray(self.keys[self.counts > max_bucket])

    def rare(self, max_bucket: int) -> np.ndarray:
        """Bool per row: its feature is in at most ``max_bucket`` passages."""
        common = self.common(max_bucket)
        if not len(common):
            return np.ones(len(self.feature), bool)
        at = np.minimum(np.searchsorted(common, self.feature), len(common) - 1)
        return np.asarray(common[at] != self.feature)

    def idf(self) -> np.ndarray:
        """IDF of each of ``keys`` over all usable passages, scaled to [0, 1]."""
        return scaled_idf(self.counts, self.n_passages)

    def weights(self) -> Weights:
        """Alignment's weights: scaled IDF of each feature, 1.0 for features not seen."""
        return feature_weights(self.keys, self.idf())


def scaled_idf(counts: np.ndarray, n_passages: int) -> np.ndarray:
    """IDF scaled to [0, 1] of features found in ``counts`` of ``n_passages`` passages."""
    n = max(n_passages, 1)
    return np.asarray(np.log((n + 1) / (counts + 1)) / np.log(n + 1), dtype=np.float64)


def feature_weights(keys: np.ndarray, idf: np.ndarray) -> Weights:
    """Alignment's weights: ``idf[k]`` for feature ``keys[k]`` (sorted uint64), 1.0 if unseen."""
    if not len(keys):
        return lambda features: np.ones(len(features))
    last = len(keys) - 1

    def weights(features: np.ndarray) -> np.ndarray:
        pos = np.minimum(np.searchsorted(keys, features), last)
        return np.where(keys[pos] == features, idf[pos], 1.0)

    return weights


def candidate_documents(stems: FeatureTable, bigrams: FeatureTable, params: ScanParams, *,
                        workers: int = 1
                        ) -> tuple[set[tuple[int, int]], np.ndarray, int]:  # fmt: skip
    """Document pairs to align, codes ``i * n + j`` of all colliding document pairs, and
    LSH buckets skipped.

    ``stems`` and ``bigrams`` number the same passages. A document pair is aligned when
    one of its colliding passage pairs passes the evidence test (on ``stems``). Bands and
    evidence chunks are spread over ``workers`` processes; the result does not depend on it.
    """
    eligible = eligible_passages(stems, params)
    found, skipped = [], 0
    for table, min_size in ((stems, MIN_STEMS), (bigrams, 1)):
        pairs, sk = _index_pairs(table, min_size, eligible, stems.owner, params, workers)
        found.append(pairs)
        skipped += sk
    pairs = unique_pairs(found, stems.n_passages)
    found.clear()
    colliding = owner_codes(stems.owner, pairs, stems.n_docs)
    starts = np.searchsorted(stems.passage, np.arange(stems.n_passages + 1))
    idf = stems.idf()

    def passing(k: int) -> np.ndarray:
        chunk = pairs[k : k + _PAIR_CHUNK]
        return np.asarray(chunk[passage_evidence(starts, stems.index, idf, chunk, params)])

    kept = ordered_map(passing, range(0, len(pairs), _PAIR_CHUNK), workers=workers,
                       chunk_size=1)  # fmt: skip
    aligned = owner_codes(stems.owner, np.concatenate([*kept, np.zeros((0, 2), np.int64)]),
                          stems.n_docs)  # fmt: skip
    return decode(aligned, stems.n_docs), colliding, skipped


def _index_pairs(table: FeatureTable, min_size: int, eligible: np.ndarray, owner: np.ndarray,
                 params: ScanParams, workers: int) -> tuple[np.ndarray, int]:  # fmt: skip
    """Passage pairs colliding in a band of one LSH index, and buckets skipped.

    One index at a time, ``_BANDS_AT_ONCE`` bands at a time, bands spread over
    ``workers``: band keys take 8 bytes a passage and band (0.9 GB for the 37 bands
    of 3M passages), the largest arrays of the stage. Signatures are made again
    for each group of bands, which costs less than a second at that size.
    """
    rare = table.rare(params.max_bucket)
    n_bands = band_layout(params.passage_threshold, params.num_perm)[0]
    found: list[np.ndarray] = []
    skipped = 0
    for first in range(0, n_bands, _BANDS_AT_ONCE):
        bands = range(first, min(first + _BANDS_AT_ONCE, n_bands))
        members, keys = passage_band_keys(table.passage, table.feature, rare, len(owner),
                                          params, min_size=min_size, eligible=eligible,
                                          bands=bands)  # fmt: skip
        for pairs, sk in _band_pairs(keys, members, owner[members], params, workers):
            found.append(pairs)
            skipped += sk
        del keys
        found = [unique_pairs(found, len(owner))]  # pairs met in several bands, once
    return unique_pairs(found, len(owner)), skipped


def _band_pairs(keys: np.ndarray, members: np.ndarray, groups: np.ndarray, params: ScanParams,
                workers: int) -> list[tuple[np.ndarray, int]]:  # fmt: skip
    """Per band (column of ``keys``): colliding pairs of ``members`` from different groups,
    and buckets skipped."""

    def band_pairs(band: int) -> tuple[np.ndarray, int]:
        pairs, skipped = candidate_pairs(keys[:, band : band + 1], max_bucket=params.max_bucket,
                                         groups=groups)  # fmt: skip
        return members[pairs], skipped

    return ordered_map(band_pairs, range(keys.shape[1]), workers=workers, chunk_size=1)


def eligible_passages(stems: FeatureTable, params: ScanParams) -> np.ndarray:
    """Bool per passage: it has ``passage_min_words`` distinct stems, enough to match alone."""
    return np.bincount(stems.passage, minlength=stems.n_passages) >= params.passage_min_words


def passage_band_keys(passage: np.ndarray, feature: np.ndarray, rare: np.ndarray,
                      n_passages: int, params: ScanParams, *, min_size: int, eligible: np.ndarray,
                      bands: range | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The passages an LSH index holds and the band keys of their MinHash over rare features.

    Parameters
    ----------
    passage, feature : ndarray, shape (rows,)
        Row ``r``: passage ``passage[r]`` (in ``[0, n_passages)``) holds ``feature[r]``;
        rows sorted by passage, one per distinct feature of a passage.
    rare : ndarray of bool, shape (rows,)
        Whether each row's feature is in at most ``max_bucket`` passages of the corpus.
    min_size : int
        Rare features a passage needs to be indexed.
    eligible : ndarray of bool, shape (n_passages,)
        Passages allowed in the index (:func:`eligible_passages`).
    bands : range, optional
        The LSH bands to key (default: all of them).

    Returns
    -------
    members : ndarray of int64
        Eligible passages with ``min_size`` rare features or more (features in at most
        ``max_bucket`` passages; stock words stay out of the LSH sets).
    keys : ndarray of uint64, shape (len(members), len(bands))
        :func:`dedup.lsh.band_keys` of their signatures at ``passage_threshold``; the
        signatures are made a block of passages at a time (all of them would take
        ``num_perm * 4`` bytes a passage: 1.5 GB at 3M passages).
    """
    n_bands, rows_per_band = band_layout(params.passage_threshold, params.num_perm)
    bands = range(n_bands) if bands is None else bands
    columns = slice(bands.start * rows_per_band, bands.stop * rows_per_band)
    rows = rare & eligible[passage]
    lsh_sizes = np.bincount(passage[rows], minlength=n_passages)
    indexed = eligible & (lsh_sizes >= min_size)
    members = np.flatnonzero(indexed)
    rows &= indexed[passage]
    sizes = lsh_sizes[members]
    # Rows of passage p are [first[p], first[p + 1]): a block's values are sliced from there.
    first = np.searchsorted(passage, np.arange(n_passages + 1))
    keys = np.empty((len(members), len(bands)), np.uint64)
    for lo in range(0, len(members), _SIGNATURE_BLOCK):
        hi = min(lo + _SIGNATURE_BLOCK, len(members))
        span = slice(first[members[lo]], first[members[hi - 1] + 1])
        sigs = packed_signatures(feature[span][rows[span]], sizes[lo:hi],
                                 num_perm=params.num_perm, seed=params.seed)  # fmt: skip
        keys[lo:hi] = band_keys(sigs[:, columns], len(bands), rows_per_band)
    return members, keys


def unique_pairs(found: list[np.ndarray], n: int) -> np.ndarray:
    """Distinct rows of the ``(k, 2)`` int64 arrays ``found`` (entries below ``n``), sorted."""
    codes = unique_sorted(np.concatenate([p[:, 0] * n + p[:, 1] for p in found]
                                         + [np.zeros(0, np.int64)]))  # fmt: skip
    return np.stack([codes // max(n, 1), codes % max(n, 1)], axis=1)


def owner_codes(owner: np.ndarray, pairs: np.ndarray, n_docs: int) -> np.ndarray:
    """Distinct document pairs ``(i, j)``, ``i < j``, of passage pairs, as ``i * n + j`` codes."""
    owners = np.sort(owner[pairs].reshape(-1, 2), axis=1)
    return unique_sorted(owners[:, 0] * n_docs + owners[:, 1])


def decode(codes: np.ndarray, n: int) -> set[tuple[int, int]]:
    """Pairs ``(i, j)`` of codes ``i * n + j``."""
    return set(zip((codes // n).tolist(), (codes % n).tolist(), strict=True))


def passage_evidence(starts: np.ndarray, key: np.ndarray, idf: np.ndarray, pairs: np.ndarray,
                     params: ScanParams) -> np.ndarray:  # fmt: skip
    """Alignment's evidence test for passage pairs ``(p, q)`` (bool per pair).

    Shared weight, weighted Dice and weighted containment as in
    :func:`dedup.align.passage_similarity`, with a hair of slack so that no pair
    alignment would accept is dropped for a rounding difference.

    Parameters
    ----------
    starts : ndarray of int, shape (n_passages + 1,)
        Passage ``p`` holds rows ``[starts[p], starts[p + 1])`` of ``key``.
    key : ndarray of int
        Rank of each row's feature, sorted and distinct within a passage.
    idf : ndarray of float64
        Weight of each feature rank.
    pairs : ndarray of int64, shape (k, 2)
    """
    shared, wa, wb = _pair_weights(starts, key, idf, pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = np.nan_to_num(2 * shared / (wa + wb))
        containment = np.nan_to_num(shared / np.minimum(wa, wb))
    return is_evidence(shared, dice, containment, params, slack=_EPS)


@compiled
def _pair_weights(starts: np.ndarray, key: np.ndarray, idf: np.ndarray,
                  pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Per pair ``(p, q)``: weight of the features both hold, of p's and of q's (float64).

    A merge of the two sorted row ranges; every sum runs in row order.
    """
    shared = np.zeros(len(pairs))
    total_p = np.zeros(len(pairs))
    total_q = np.zeros(len(pairs))
    for k in range(len(pairs)):
        i, i_end = starts[pairs[k, 0]], starts[pairs[k, 0] + 1]
        j, j_end = starts[pairs[k, 1]], starts[pairs[k, 1] + 1]
        for r in range(i, i_end):
            total_p[k] += idf[key[r]]
        for r in range(j, j_end):
            total_q[k] += idf[key[r]]
        while i < i_end and j < j_end:
            if key[i] < key[j]:
                i += 1
            elif key[i] > key[j]:
                j += 1
            else:
                shared[k] += idf[key[i]]
                i += 1
                j += 1
    return shared, total_p, total_q


def near_duplicate_documents(sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
    """Document pairs whose word-shingle MinHash collide in a band at ``doc_threshold``."""
    bands, rows = band_layout(params.doc_threshold, params.num_perm)
    pairs, _ = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=params.max_bucket)
    return {(int(i), int(j)) for i, j in pairs}
