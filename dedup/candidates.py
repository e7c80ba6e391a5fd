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

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from dedup.analyze import Weights
from dedup.arrays import positions, runs, unique_sorted
from dedup.kernels import compiled
from dedup.lsh import band_keys, band_layout, candidate_pairs
from dedup.minhash import packed_signatures
from dedup.params import ScanParams
from dedup.similarity import is_evidence
from dedup.workers import ordered_map

_EPS = 1e-9  # slack for the evidence pre-test: alignment sums the same weights in another order
MIN_STEMS = 2  # rare stems a passage needs in the stem index
_SIGNATURE_BLOCK = 1 << 16  # passages signed at a time (32 MB of signatures)
_KEYS_BYTES = 320 << 20  # LSH band keys made at a time: 14 bands at 3M passages
_BANDS_A_TASK = 6  # bands a task groups one after the other, at most


# The compiled loops of this module allocate nothing: their callers do, in numpy. On a
# first run numba compiles each array constructor a loop uses, for each dtype (0.2-0.4 s).


class FeatureTable:
    """Features of every usable passage of the corpus, as flat rows.

    Row ``r`` says passage ``passage[r]`` (numbered over the corpus) holds feature
    ``feature[r]``; rows are sorted by passage, then feature. ``owner[p]`` is
    passage ``p``'s document. ``keys`` and ``counts`` are the distinct features and
    their passage frequencies; ``index[r]`` is row ``r``'s position in ``keys`` and
    ``starts`` where each passage's rows begin (both computed when first read: the
    bigram table never needs them).
    """

    def __init__(self, passage: np.ndarray, feature: np.ndarray, owner: np.ndarray,
                 n_docs: int) -> None:  # fmt: skip
        self.passage, self.feature, self.owner, self.n_docs = passage, feature, owner, n_docs
        self.keys, self.counts = runs(np.sort(feature))

    @cached_property
    def index(self) -> np.ndarray:
        return positions(self.keys, self.feature)

    @cached_property
    def starts(self) -> np.ndarray:
        """Passage ``p`` holds rows ``[starts[p], starts[p + 1])``."""
        return row_starts(self.passage, self.n_passages)

    @property
    def n_passages(self) -> int:
        return len(self.owner)

    def common(self, max_bucket: int) -> np.ndarray:
        """The features in more than ``max_bucket`` passages, sorted."""
        return np.asarray(self.keys[self.counts > max_bucket])

    def rare(self, max_bucket: int) -> np.ndarray:
        """Bool per row: its feature is in at most ``max_bucket`` passages."""
        return ~is_member(self.feature, self.common(max_bucket))

    def idf(self) -> np.ndarray:
        """IDF of each of ``keys`` over all usable passages, scaled to [0, 1]."""
        return scaled_idf(self.counts, self.n_passages)

    def weights(self) -> Weights:
        """Alignment's weights: scaled IDF of each feature, 1.0 for features not seen."""
        return feature_weights(self.keys, self.idf())

    def evidence_table(self) -> EvidenceTable:
        """What the evidence pre-test reads of these passages (the stem table's)."""
        return evidence_table(self.starts, self.index, self.idf())


def is_member(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Bool per value of ``values`` (uint64): it is one of ``keys`` (sorted, distinct).

    A hash lookup (:func:`dedup.arrays.positions`): the keys, the common features of a
    corpus, are few next to the rows; a binary search of the 30M rows of 100,000
    documents took 4 s.
    """
    return np.asarray(positions(keys, values) >= 0)


def row_starts(passage: np.ndarray, n_passages: int) -> np.ndarray:
    """Where each passage's rows begin in ``passage`` (sorted; int64, shape (n_passages + 1,)):
    the rows of passage ``p`` are ``[starts[p], starts[p + 1])``."""
    counts = np.bincount(passage, minlength=n_passages)
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


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
    one of its colliding passage pairs passes the evidence test (on ``stems``). A task
    groups a few bands one after the other and pre-tests their pairs; tasks are spread
    over ``workers`` processes, and the result does not depend on it.
    """
    eligible = eligible_passages(stems, params)
    indexes = [lsh_sets(table.passage, table.rare(params.max_bucket), table.starts,
                        min_size=min_size, eligible=eligible)
               for table, min_size in ((stems, MIN_STEMS), (bigrams, 1))]  # fmt: skip
    features = (stems.feature, bigrams.feature)
    pretest = stems.evidence_table()
    colliding, aligned, skipped = np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    for group in band_groups([len(s.members) for s in indexes], params):
        keys = {x: lsh_band_keys(indexes[x], features[x], params, bands, threads=workers)
                for x, bands in group.items()}  # fmt: skip
        found = _band_codes(keys, [indexes[x].members for x in keys], stems, pretest, aligned,
                            params, workers)  # fmt: skip
        del keys
        colliding = unique_sorted(np.concatenate([colliding, *(c for c, _, _ in found)]))
        aligned = unique_sorted(np.concatenate([aligned, *(a for _, a, _ in found)]))
        skipped += sum(sk for _, _, sk in found)
    return decode(aligned, stems.n_docs), colliding, skipped


def _band_codes(keys: dict[int, np.ndarray], members: list[np.ndarray], stems: FeatureTable,
                pretest: EvidenceTable, aligned: np.ndarray, params: ScanParams, workers: int
                ) -> list[tuple[np.ndarray, np.ndarray, int]]:  # fmt: skip
    """Per task (a few columns of a ``keys`` array, whose rows are the passages ``members``
    in the same order): codes of the colliding document pairs, of the document pairs
    newly found to hold a passage pair passing the evidence test (``pretest``), and
    buckets skipped.

    A true copy collides in most bands: once its document pair is known to pass
    (``aligned``, sorted, or an earlier band of the task), its passage pairs are not
    tested again. Which pairs pass does not depend on the order.
    """
    arrays = list(zip(keys.values(), members, strict=True))

    def task_codes(task: tuple[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
        band_keys, passages = arrays[task[0]]
        known, colliding, skipped = aligned, [], 0
        for column in task[1].tolist():
            pairs, sk = candidate_pairs(band_keys[:, column : column + 1],
                                        max_bucket=params.max_bucket,
                                        groups=stems.owner[passages])  # fmt: skip
            pairs, skipped = passages[pairs], skipped + sk
            codes = pair_codes(stems.owner, pairs, stems.n_docs)
            untested = ~is_in(codes, known)
            passing = passage_evidence(pretest, pairs[untested], params)
            known = unique_sorted(np.concatenate((known, codes[untested][passing])))
            colliding.append(unique_sorted(codes))
        return unique_sorted(np.concatenate(colliding)), known, skipped

    tasks = [(k, columns) for k, (band_keys, _) in enumerate(arrays)
             for columns in np.array_split(np.arange(band_keys.shape[1]),
                                           -(-band_keys.shape[1] // _BANDS_A_TASK))]  # fmt: skip
    return ordered_map(task_codes, tasks, workers=workers, chunk_size=1)


def is_in(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Bool per value: it is one of ``ordered`` (sorted)."""
    if not len(ordered):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return np.asarray(ordered[at] == values)


def band_groups(members: list[int], params: ScanParams) -> list[dict[int, range]]:
    """The LSH bands of each index (``members[x]`` passages in index ``x``), in groups
    whose band keys fit in ``_KEYS_BYTES``: each group maps an index to its bands.

    Band keys take 8 bytes a passage and band (0.9 GB for the 37 bands of 3M passages),
    the largest arrays of the stage; small corpora key every band of both indexes at once.
    """
    n_bands = band_layout(params.passage_threshold, params.num_perm)[0]
    groups: list[dict[int, range]] = [{}]
    room = _KEYS_BYTES
    for x, n in enumerate(members):
        band = 0
        while band < n_bands:
            fit = min(n_bands - band, room // max(8 * n, 1))
            if fit <= 0 and groups[-1]:
                groups.append({})
                room = _KEYS_BYTES
                continue
            fit = max(fit, 1)
            groups[-1][x] = range(band, band + fit)
            room -= fit * 8 * n
            band += fit
    return [g for g in groups if g]


def eligible_passages(stems: FeatureTable, params: ScanParams) -> np.ndarray:
    """Bool per passage: it has ``passage_min_words`` distinct stems, enough to match alone."""
    return np.bincount(stems.passage, minlength=stems.n_passages) >= params.passage_min_words


@dataclass(frozen=True)
class LshSets:
    """The passages one LSH index holds, and which rows of a feature table make their sets.

    ``members`` are passage numbers (int64, ascending); ``sizes[k]`` is the size of
    member ``k``'s set; ``rows`` flags the table rows in a member's set; passage ``p``
    holds rows ``[first[p], first[p + 1])`` of the table.
    """

    members: np.ndarray
    sizes: np.ndarray
    rows: np.ndarray
    first: np.ndarray


def lsh_sets(passage: np.ndarray, rare: np.ndarray, starts: np.ndarray, *, min_size: int,
             eligible: np.ndarray) -> LshSets:  # fmt: skip
    """The sets of one LSH index: rare features of eligible passages with ``min_size`` of them.

    Parameters
    ----------
    passage : ndarray of int, shape (rows,)
        Row ``r`` belongs to passage ``passage[r]`` (in ``[0, n_passages)``); rows sorted by
        passage, one per distinct feature of a passage.
    rare : ndarray of bool, shape (rows,)
        Whether each row's feature is in at most ``max_bucket`` passages of the corpus
        (stock words stay out of the LSH sets).
    starts : ndarray of int64, shape (n_passages + 1,)
        Where each passage's rows begin (:func:`row_starts`).
    min_size : int
        Rare features a passage needs to be indexed.
    eligible : ndarray of bool, shape (n_passages,)
        Passages allowed in the index (:func:`eligible_passages`).
    """
    rows = rare & eligible[passage]
    sizes = np.bincount(passage[rows], minlength=len(starts) - 1)
    indexed = eligible & (sizes >= min_size)
    members = np.flatnonzero(indexed)
    rows &= indexed[passage]
    return LshSets(members, sizes[members], rows, starts)


def lsh_band_keys(sets: LshSets, feature: np.ndarray, params: ScanParams, bands: range, *,
                  threads: int = 1) -> np.ndarray:  # fmt: skip
    """:func:`dedup.lsh.band_keys` of ``bands`` of the members' MinHash at ``passage_threshold``
    (uint64, shape (len(members), len(bands))).

    The signatures are made a block of passages at a time (all of them would take
    ``num_perm * 4`` bytes a passage: 1.5 GB at 3M passages), blocks spread over
    ``threads`` (the compiled loops release the GIL).
    """
    rows_per_band = band_layout(params.passage_threshold, params.num_perm)[1]
    members, first = sets.members, sets.first
    keys = np.empty((len(members), len(bands)), np.uint64)

    def fill(lo: int) -> None:
        hi = min(lo + _SIGNATURE_BLOCK, len(members))
        span = slice(first[members[lo]], first[members[hi - 1] + 1])
        sigs = packed_signatures(feature[span][sets.rows[span]], sets.sizes[lo:hi],
                                 num_perm=params.num_perm, seed=params.seed)  # fmt: skip
        keys[lo:hi] = band_keys(sigs, len(bands), rows_per_band, first=bands.start)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        list(pool.map(fill, range(0, len(members), _SIGNATURE_BLOCK)))
    return keys


def passage_band_keys(passage: np.ndarray, feature: np.ndarray, rare: np.ndarray,
                      n_passages: int, params: ScanParams, *, min_size: int,
                      eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The passages an LSH index holds and the keys of all their bands: :func:`lsh_sets`
    (same parameters; ``feature[r]`` is row ``r``'s feature), then :func:`lsh_band_keys`."""
    sets = lsh_sets(passage, rare, row_starts(passage, n_passages), min_size=min_size,
                    eligible=eligible)  # fmt: skip
    n_bands = band_layout(params.passage_threshold, params.num_perm)[0]
    return sets.members, lsh_band_keys(sets, feature, params, range(n_bands))


def unique_pairs(found: list[np.ndarray], n: int) -> np.ndarray:
    """Distinct rows of the ``(k, 2)`` int64 arrays ``found`` (entries below ``n``), sorted."""
    codes = unique_sorted(np.concatenate([p[:, 0] * n + p[:, 1] for p in found]
                                         + [np.zeros(0, np.int64)]))  # fmt: skip
    return np.stack([codes // max(n, 1), codes % max(n, 1)], axis=1)


def owner_codes(owner: np.ndarray, pairs: np.ndarray, n_docs: int) -> np.ndarray:
    """Distinct document pairs ``(i, j)``, ``i < j``, of passage pairs, as ``i * n + j`` codes."""
    return unique_sorted(pair_codes(owner, pairs, n_docs))


def pair_codes(owner: np.ndarray, pairs: np.ndarray, n_docs: int) -> np.ndarray:
    """The document pair ``(i, j)``, ``i < j``, of each passage pair, as an ``i * n + j`` code."""
    i, j = owner[pairs[:, 0]], owner[pairs[:, 1]]
    return np.asarray(np.minimum(i, j) * n_docs + np.maximum(i, j))


def decode(codes: np.ndarray, n: int) -> set[tuple[int, int]]:
    """Pairs ``(i, j)`` of codes ``i * n + j``."""
    return set(zip((codes // n).tolist(), (codes % n).tolist(), strict=True))


@dataclass(frozen=True)
class EvidenceTable:
    """The stems the evidence pre-test reads.

    Passage ``p`` holds stem ranks ``key[starts[p]:starts[p + 1]]`` (sorted, distinct),
    rank ``k`` weighs ``idf[k]``, and ``totals[p]`` is the weight of all of passage
    ``p``'s stems (float64, summed in row order).
    """

    starts: np.ndarray
    key: np.ndarray
    idf: np.ndarray
    totals: np.ndarray


def evidence_table(starts: np.ndarray, key: np.ndarray, idf: np.ndarray) -> EvidenceTable:
    """The :class:`EvidenceTable` of passages ``[starts[p], starts[p + 1])`` of ``key``."""
    totals = np.zeros(len(starts) - 1)
    _passage_totals(starts, key, idf, totals)
    return EvidenceTable(starts, key, idf, totals)


def passage_evidence(table: EvidenceTable, pairs: np.ndarray, params: ScanParams) -> np.ndarray:
    """Alignment's evidence test for passage pairs ``(p, q)`` (bool per pair).

    Shared weight, weighted Dice and weighted containment as in
    :func:`dedup.similarity.passage_similarity`, with a hair of slack so that no pair
    alignment would accept is dropped for a rounding difference.

    Parameters
    ----------
    table : EvidenceTable
        The passages' stems and weights.
    pairs : ndarray of int64, shape (k, 2)
    """
    shared = np.zeros(len(pairs))
    _shared_weights(table.starts, table.key, table.idf, pairs, shared)
    wa, wb = table.totals[pairs[:, 0]], table.totals[pairs[:, 1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = np.nan_to_num(2 * shared / (wa + wb))
        containment = np.nan_to_num(shared / np.minimum(wa, wb))
    return is_evidence(shared, dice, containment, params, slack=_EPS)


@compiled
def _passage_totals(starts: np.ndarray, key: np.ndarray, idf: np.ndarray,
                    totals: np.ndarray) -> None:  # fmt: skip
    """Add the weight of each passage's features to ``totals`` (float64), in row order."""
    for p in range(len(totals)):
        for r in range(starts[p], starts[p + 1]):
            totals[p] += idf[key[r]]


@compiled
def _shared_weights(starts: np.ndarray, key: np.ndarray, idf: np.ndarray, pairs: np.ndarray,
                    shared: np.ndarray) -> None:  # fmt: skip
    """Add to ``shared[k]`` (float64) the weight of the features both passages of pair
    ``k`` hold, in row order, by a merge of the two sorted row ranges."""
    for k in range(len(pairs)):
        i, i_end = starts[pairs[k, 0]], starts[pairs[k, 0] + 1]
        j, j_end = starts[pairs[k, 1]], starts[pairs[k, 1] + 1]
        while i < i_end and j < j_end:
            if key[i] < key[j]:
                i += 1
            elif key[i] > key[j]:
                j += 1
            else:
                shared[k] += idf[key[i]]
                i += 1
                j += 1


def near_duplicate_documents(sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
    """Document pairs whose word-shingle MinHash collide in a band at ``doc_threshold``."""
    bands, rows = band_layout(params.doc_threshold, params.num_perm)
    pairs, _ = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=params.max_bucket)
    return {(int(i), int(j)) for i, j in pairs}
