"""The corpus's passage features as flat tables, and the weights alignment reads from them.

Input of the candidate stage (:mod:`dedup.candidates.candidates`): one table of content-word
stems and one of stem bigrams, rows sorted by passage then feature, with each
feature's passage frequency and scaled IDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from dedup.candidates.evidence import EvidenceTable, evidence_table
from dedup.candidates.features import DocFeatures
from dedup.core.arrays import KeyIndex, positions, runs, sort_values
from dedup.core.memory import TableStore, release_freed_memory

_TRIM_EVERY = 8192  # documents copied between two returns of freed features to the OS
_TABLE_CHUNK = 1024  # documents whose feature rows are copied at a time (divides _TRIM_EVERY)


class PassageRows:
    """Features of every usable passage of the corpus, as flat rows.

    Row ``r`` says passage ``passage[r]`` (numbered over the corpus) holds feature
    ``feature[r]``; rows are sorted by passage, then feature. ``owner[p]`` is
    passage ``p``'s document; ``starts`` where each passage's rows begin (computed when
    first read). The features are counted when :meth:`common` is asked, and the counts
    are not kept: the bigram table's distinct features, nearly one a row, would take
    as much memory as its rows for the whole candidate stage.
    """

    def __init__(self, passage: np.ndarray, feature: np.ndarray, owner: np.ndarray,
                 n_docs: int) -> None:  # fmt: skip
        self.passage, self.feature, self.owner, self.n_docs = passage, feature, owner, n_docs

    @cached_property
    def starts(self) -> np.ndarray:
        """Passage ``p`` holds rows ``[starts[p], starts[p + 1])``."""
        return row_starts(self.passage, self.n_passages)

    @property
    def n_passages(self) -> int:
        return len(self.owner)

    def common(self, max_bucket: int) -> np.ndarray:
        """The features in more than ``max_bucket`` passages, sorted."""
        keys, counts = runs(sort_values(self.feature))
        return np.asarray(keys[counts > max_bucket])

    def rare(self, max_bucket: int) -> np.ndarray:
        """Bool per row: its feature is in at most ``max_bucket`` passages."""
        return ~is_member(self.feature, self.common(max_bucket))


class FeatureTable(PassageRows):
    """:class:`PassageRows` whose distinct features are counted once and kept (the stem
    table: alignment weighs stems by their passage frequency).

    ``keys`` and ``counts`` are the distinct features and their passage frequencies;
    ``index[r]`` is row ``r``'s position in ``keys`` (computed when first read).
    """

    def __init__(self, passage: np.ndarray, feature: np.ndarray, owner: np.ndarray,
                 n_docs: int) -> None:  # fmt: skip
        super().__init__(passage, feature, owner, n_docs)
        self.keys, self.counts = runs(sort_values(feature))

    @cached_property
    def index(self) -> np.ndarray:
        return positions(self.keys, self.feature)

    def common(self, max_bucket: int) -> np.ndarray:
        return np.asarray(self.keys[self.counts > max_bucket])

    def idf(self) -> np.ndarray:
        """IDF of each of ``keys`` over all usable passages, scaled to [0, 1]."""
        return scaled_idf(self.counts, self.n_passages)

    def weights(self) -> FeatureWeights:
        """Alignment's weights: scaled IDF of each feature, 1.0 for features not seen."""
        return FeatureWeights(self.keys, self.idf())

    def evidence_table(self) -> EvidenceTable:
        """What the evidence pre-test reads of these passages (the stem table's)."""
        return evidence_table(self.starts, self.index, self.idf())


def is_member(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Bool per value of ``values`` (uint64): it is one of ``keys`` (sorted, distinct).

    A hash lookup (:func:`dedup.core.arrays.positions`): the keys, the common features of a
    corpus, are few next to the rows, and a hash table of them answers each row at
    once where a binary search would search for each.
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


@dataclass(frozen=True, slots=True, eq=False)
class FeatureWeights:
    """Alignment's weights: called with feature hashes (uint64), ``idf[k]`` for feature
    ``keys[k]`` (sorted), 1.0 for a feature not seen.

    Equal only to itself: an analysis keeps its weighted tables by weighting
    (:meth:`dedup.analysis.analyze.DocAnalysis.weighted`), so one object must serve every pair.
    """

    keys: np.ndarray
    idf: np.ndarray
    _index: KeyIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", KeyIndex(self.keys))

    def __call__(self, features: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.ones(len(features))
        at = self._index(features)
        return np.where(at >= 0, self.idf[at], 1.0)


def corpus_tables(feats: list[DocFeatures | None], usable: list[np.ndarray],
                  store: TableStore | None = None
                  ) -> tuple[FeatureTable, PassageRows, list[np.ndarray]]:  # fmt: skip
    """Stem and bigram tables of the corpus's usable passages, and each document's terms.

    Passages are numbered over the corpus in document, then passage order; terms are
    the TF-IDF input of each document's usable passages. The rows are copied, a chunk of
    documents at a time, into arrays with room for every row, and ``feats`` is emptied
    as it goes (every entry set to None): at 100,000 documents these rows are the
    largest arrays of a scan, made by ``store`` (in memory, or on disk past the scan's
    memory limit); the room of chrome rows is never written, so it takes no memory.
    """
    empty = np.empty if store is None else store.empty
    columns = (("stem_passage", "stems"), ("bigram_passage", "bigrams"), ("term_passage", "terms"))
    room = [sum(len(getattr(f, values)) for f in feats if f is not None) for _, values in columns]
    passages = [empty(room[0], np.int32), empty(room[1], np.int32)]
    values = [empty(room[0], np.uint64), empty(room[1], np.uint64), empty(room[2], np.uint64)]
    filled = [0, 0, 0]
    sizes = np.array([np.count_nonzero(u) for u in usable], dtype=np.int64)
    base = np.concatenate(([0], np.cumsum(sizes)))
    term_counts = np.zeros(len(usable), np.int64)
    for lo in range(0, len(usable), _TABLE_CHUNK):
        hi = min(lo + _TABLE_CHUNK, len(usable))
        chunk = [f for f in feats[lo:hi] if f is not None]
        assert len(chunk) == hi - lo
        kept = np.concatenate([*usable[lo:hi], np.zeros(0, bool)])  # per passage of the chunk
        number = base[lo] + np.cumsum(kept) - 1  # each usable passage's number in the corpus
        first = np.cumsum([0] + [len(u) for u in usable[lo:hi]])[:-1]
        for t, (passage_name, values_name) in enumerate(columns):
            lengths = [len(getattr(f, values_name)) for f in chunk]
            passage = np.concatenate([getattr(f, passage_name) for f in chunk]
                                     + [np.zeros(0, np.int32)]) + np.repeat(first, lengths)
            keep = kept[passage]
            n = int(np.count_nonzero(keep))
            column = np.concatenate([getattr(f, values_name) for f in chunk]
                                    + [np.zeros(0, np.uint64)])  # fmt: skip
            values[t][filled[t] : filled[t] + n] = column[keep]
            if t < 2:
                passages[t][filled[t] : filled[t] + n] = number[passage[keep]]
            else:
                owner = np.repeat(np.arange(lo, hi), lengths)[keep]
                term_counts[lo:hi] = np.bincount(owner - lo, minlength=hi - lo)
            filled[t] += n
        feats[lo:hi] = [None] * (hi - lo)
        if hi % _TRIM_EVERY == 0:
            release_freed_memory()
    release_freed_memory()
    owner = np.repeat(np.arange(len(usable), dtype=np.int64), sizes)
    term_at = np.cumsum(term_counts)[:-1]
    return (FeatureTable(passages[0][: filled[0]], values[0][: filled[0]], owner, len(usable)),
            PassageRows(passages[1][: filled[1]], values[1][: filled[1]], owner, len(usable)),
            np.split(values[2][: filled[2]], term_at) if len(usable) else [])  # fmt: skip
