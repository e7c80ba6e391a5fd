"""The corpus-wide tables of a scan as Spark aggregations: counted where the documents are.

The driver of :class:`dedup.engines.spark_engine.SparkEngine` never reads a document's stem,
bigram or term rows. The executors count them, grouped by key (:func:`count_rows`,
:func:`count_groups`): the passage frequency of every stem (its IDF), the bigrams too
common for the LSH sets, and the document frequency of every TF-IDF term. Only those
counts reach the driver, which broadcasts them back as :class:`CorpusCounts`.

Where a step reads two documents' rows at once, the pairs are joined to the rows
(:func:`pair_join`) as alignment joins pairs to documents:

- the evidence pre-test of colliding passage pairs (:func:`evidence_rows`,
  :func:`passing_pairs`) reads both passages' stem ranks and weights;
- the TF-IDF cosine of a document pair (:func:`tfidf_vectors`, :func:`pair_cosines`)
  reads both documents' TF-IDF rows, each made in the executor that holds the document.

Each is computed with the local engine's arithmetic, in the same order, so the result is
the same to the last bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from scipy import sparse

from dedup.candidates.candidates import unique_pairs
from dedup.candidates.evidence import EvidenceTable, evidence_table, passage_evidence
from dedup.candidates.feature_table import is_member, row_starts
from dedup.candidates.features import DocFeatures, usable_rows
from dedup.candidates.lsh import band_layout
from dedup.candidates.passage_lsh import MIN_STEMS, passage_band_keys
from dedup.candidates.word_runs import KeyedRows
from dedup.core.arrays import runs, unique_sorted
from dedup.core.pairs import pair_codes
from dedup.core.params import ScanParams
from dedup.scoring.score import tfidf_rows

if TYPE_CHECKING:
    from pyspark import RDD

P = TypeVar("P")
V = TypeVar("V")

_STEM, _BIGRAM, _TERM = 0, 1, 2  # the table a counted row belongs to (its value)
Sparse = tuple[np.ndarray, np.ndarray]  # a sparse row: columns (sorted) and values
BandRows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # band, key, item, group
PAIRS_A_RECORD = 1 << 15  # passage pairs a record of the evidence joins holds, at most


@dataclass(frozen=True, slots=True)
class CorpusCounts:
    """The corpus-wide counts the executors read (broadcast).

    ``keys``/``counts``: distinct content-word stems over usable passages and their
    passage frequencies, ``idf`` their scaled IDF; ``base[d]`` is document ``d``'s first
    passage in the corpus's numbering of usable passages (document, then passage order);
    ``common_bigrams``: the sorted stem bigrams found in more than ``max_bucket`` passages
    (left out of the LSH sets).
    """

    keys: np.ndarray
    counts: np.ndarray
    idf: np.ndarray
    base: np.ndarray
    common_bigrams: np.ndarray

    @property
    def n_passages(self) -> int:
        return int(self.base[-1])

    @property
    def n_docs(self) -> int:
        return len(self.base) - 1


@dataclass(frozen=True, slots=True)
class Counted:
    """What one reducer of :func:`count_groups` found: stems and their passage counts,
    common bigrams, TF-IDF terms and their document frequencies."""

    stems: KeyedRows
    common_bigrams: np.ndarray
    terms: KeyedRows


def usable_terms(f: DocFeatures, usable: np.ndarray) -> np.ndarray:
    """The TF-IDF input of a document: the term hash of every content word of its
    ``usable`` passages, in text order."""
    return usable_rows(f.term_passage, f.terms, usable)[1]


def count_rows(f: DocFeatures, chrome: np.ndarray) -> KeyedRows:
    """A document's rows to count, each valued by its table: a row per stem and per bigram
    of each usable passage (off the ``chrome`` lines), a row per distinct term."""
    usable = f.usable(chrome)
    stems = usable_rows(f.stem_passage, f.stems, usable)[1]
    bigrams = usable_rows(f.bigram_passage, f.bigrams, usable)[1]
    terms = unique_sorted(usable_terms(f, usable))
    keys = np.concatenate((stems, bigrams, terms))
    table = np.repeat(np.array([_STEM, _BIGRAM, _TERM], np.int64),
                      [len(stems), len(bigrams), len(terms)])  # fmt: skip
    return keys, table


def count_groups(rows: KeyedRows, max_bucket: int) -> Counted:
    """The counts of one reducer's rows (:func:`count_rows`), each key's rows all here."""
    keys, table = rows
    stems = runs(np.sort(keys[table == _STEM]))
    bigrams, n = runs(np.sort(keys[table == _BIGRAM]))
    return Counted(stems, bigrams[n > max_bucket], runs(np.sort(keys[table == _TERM])))


def merged(found: Iterable[KeyedRows]) -> KeyedRows:
    """Keys and counts of several reducers (each key in one of them), sorted by key."""
    got = list(found)
    keys = np.concatenate([k for k, _ in got] + [np.zeros(0, np.uint64)])
    counts = np.concatenate([c for _, c in got] + [np.zeros(0, np.int64)])
    order = np.argsort(keys, kind="stable")
    return keys[order], counts[order].astype(np.int64)


def eligible(passage: np.ndarray, n_passages: int, params: ScanParams) -> np.ndarray:
    """:func:`dedup.candidates.passage_lsh.eligible_passages` of one document's usable stem rows."""
    return np.bincount(passage, minlength=n_passages) >= params.passage_min_words


# --- pairs joined to the rows of both documents ---


def pair_join(pairs: RDD[tuple[int, tuple[int, P]]], rows: RDD[tuple[int, V]],
              parts: int) -> RDD[tuple[int, int, P, V, V]]:  # fmt: skip
    """``(i, j, payload, rows_i, rows_j)`` of every ``(i, (j, payload))`` of ``pairs``."""
    with_i = pairs.join(rows, parts)
    by_j = with_i.map(lambda x: (x[1][0][0], (x[0], x[1][0][1], x[1][1])))
    both = by_j.join(rows, parts)
    return both.map(lambda x: (x[1][0][0], x[0], x[1][0][1], x[1][0][2], x[1][1]))


@dataclass(frozen=True, slots=True)
class EvidenceRows:
    """One document's share of the evidence table: its usable passage ``p`` holds stem ranks
    ``key[starts[p]:starts[p + 1]]``, of total weight ``totals[p]`` (the IDF is the
    broadcast :class:`CorpusCounts`')."""

    starts: np.ndarray
    key: np.ndarray
    totals: np.ndarray


def evidence_rows(f: DocFeatures, chrome: np.ndarray, counts: CorpusCounts) -> EvidenceRows:
    """The evidence table of one document's usable passages (numbered from 0), as
    :meth:`dedup.candidates.feature_table.FeatureTable.evidence_table` holds them for the corpus."""
    usable = f.usable(chrome)
    passage, stems = usable_rows(f.stem_passage, f.stems, usable)
    key = np.searchsorted(counts.keys, stems).astype(np.int64)
    table = evidence_table(row_starts(passage, int(np.count_nonzero(usable))), key, counts.idf)
    return EvidenceRows(table.starts, table.key, table.totals)


@dataclass(frozen=True, slots=True)
class EvidenceBlock:
    """The evidence rows of a group of documents in one table: corpus passage ``P`` of
    document ``docs[k]`` is passage ``first[k] + P - base[docs[k]]`` of the table
    ``(starts, key, totals)`` (as in :class:`EvidenceRows`)."""

    docs: np.ndarray
    first: np.ndarray
    starts: np.ndarray
    key: np.ndarray
    totals: np.ndarray

    def passages(self, corpus_passages: np.ndarray, counts: CorpusCounts) -> np.ndarray:
        """The table's passage numbers of ``corpus_passages`` (of documents of the block)."""
        doc = np.searchsorted(counts.base, corpus_passages, side="right") - 1
        return np.asarray(self.first[np.searchsorted(self.docs, doc)]
                          + corpus_passages - counts.base[doc])  # fmt: skip


def evidence_block(docs: Iterable[tuple[int, EvidenceRows]]) -> EvidenceBlock:
    """The :class:`EvidenceBlock` of documents' rows ``(d, rows_d)``."""
    got = sorted(docs, key=lambda x: x[0])
    sizes = np.array([len(r.starts) - 1 for _, r in got], dtype=np.int64)
    rows = np.array([len(r.key) for _, r in got], dtype=np.int64)
    row_at = np.concatenate(([0], np.cumsum(rows)))
    starts = np.concatenate([r.starts[:-1] + at for (_, r), at in zip(got, row_at, strict=False)]
                            + [row_at[-1:]])  # fmt: skip
    return EvidenceBlock(np.array([d for d, _ in got], dtype=np.int64),
                         np.concatenate(([0], np.cumsum(sizes))), starts.astype(np.int64),
                         np.concatenate([r.key for _, r in got] + [np.zeros(0, np.int64)]),
                         np.concatenate([r.totals for _, r in got] + [np.zeros(0)]))  # fmt: skip


@dataclass(frozen=True, slots=True)
class HalfPairs:
    """Passage pairs ``(P[k], Q[k])`` (corpus numbers) with the stems of each ``P[k]``
    gathered: ``lengths[k]`` stem ranks (int32) in ``key`` (in pair order), weighing
    ``totals[k]``."""

    p: np.ndarray
    q: np.ndarray
    lengths: np.ndarray
    key: np.ndarray
    totals: np.ndarray

    def concat(self, other: HalfPairs) -> HalfPairs:
        return HalfPairs(*(np.concatenate((getattr(self, n), getattr(other, n)))
                           for n in ("p", "q", "lengths", "key", "totals")))  # fmt: skip


def by_group(pairs: np.ndarray, counts: CorpusCounts,
             groups: int) -> Iterator[tuple[int, np.ndarray]]:  # fmt: skip
    """Passage ``pairs`` ``(P, Q)`` split by the group of P's document (its number modulo
    ``groups``), keyed by it, at most ``PAIRS_A_RECORD`` a record: a record crosses the
    JVM whole, and one holding a group's every pair ran a 2 GB heap out of memory."""
    group = (np.searchsorted(counts.base, pairs[:, 0], side="right") - 1) % groups
    for g in np.unique(group).tolist():
        mine = pairs[group == g]
        for lo in range(0, len(mine), PAIRS_A_RECORD):
            yield g, mine[lo : lo + PAIRS_A_RECORD]


def first_halves(pairs: np.ndarray, block: EvidenceBlock, counts: CorpusCounts,
                 groups: int) -> Iterator[tuple[int, HalfPairs]]:  # fmt: skip
    """The distinct passage ``pairs`` ``(P, Q)`` whose ``P`` lies in ``block``, with P's stems
    gathered, keyed by the group of Q's document (its number modulo ``groups``)."""
    pairs = unique_pairs([pairs], counts.n_passages)
    at = block.passages(pairs[:, 0], counts)
    group = (np.searchsorted(counts.base, pairs[:, 1], side="right") - 1) % groups
    for g in np.unique(group).tolist():
        mine = at[group == g]
        lo, lengths = block.starts[mine], block.starts[mine + 1] - block.starts[mine]
        yield g, HalfPairs(pairs[group == g, 0], pairs[group == g, 1], lengths,
                           block.key[_ranges(lo, lengths)].astype(np.int32),
                           block.totals[mine])  # fmt: skip


def _ranges(lo: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices ``[lo[k], lo[k] + lengths[k])`` of every ``k``, one after the other."""
    before = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    return np.repeat(lo - before, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def passing_codes(half: HalfPairs, block: EvidenceBlock, counts: CorpusCounts,
                  params: ScanParams) -> np.ndarray:  # fmt: skip
    """Codes ``i * n_docs + j`` of the document pairs of ``half``'s passage pairs that pass
    the evidence pre-test (:func:`dedup.candidates.evidence.passage_evidence`), ``Q`` in
    ``block``."""
    n = len(half.p)
    table = EvidenceTable(np.concatenate(([0], np.cumsum(half.lengths),
                                          block.starts[1:] + len(half.key))).astype(np.int64),
                          np.concatenate((half.key.astype(np.int64), block.key)), counts.idf,
                          np.concatenate((half.totals, block.totals)))  # fmt: skip
    ends = np.column_stack((np.arange(n), n + block.passages(half.q, counts))).astype(np.int64)
    passing = passage_evidence(table, ends, params)
    docs = np.searchsorted(counts.base, np.column_stack((half.p, half.q)), side="right") - 1
    return unique_sorted(pair_codes(docs[passing, 0], docs[passing, 1], counts.n_docs))


def tfidf_vectors(docs: Iterable[tuple[int, np.ndarray]], vocabulary: np.ndarray,
                  idf: np.ndarray) -> Iterator[tuple[int, Sparse]]:  # fmt: skip
    """Each document's TF-IDF row ``(columns, values)`` from its terms (``(d, terms)``):
    columns index the corpus's sorted ``vocabulary``, whose IDF is ``idf``
    (:func:`dedup.scoring.score.smoothed_idf`); the rows of a partition made at once."""
    got = list(docs)
    if not got:
        return
    columns, counts = [], []
    for _, terms in got:
        distinct, n = np.unique(terms, return_counts=True)
        columns.append(np.searchsorted(vocabulary, distinct))
        counts.append(n.astype(np.float64))
    indptr = np.concatenate(([0], np.cumsum([len(c) for c in columns])))
    tf = sparse.csr_matrix((np.concatenate([*counts, np.zeros(0)]),
                            np.concatenate([*columns, np.zeros(0, np.int64)]), indptr),
                           shape=(len(got), len(vocabulary)))  # fmt: skip
    x = tfidf_rows(tf, idf)
    for k, (d, _) in enumerate(got):
        lo, hi = x.indptr[k], x.indptr[k + 1]
        yield d, (x.indices[lo:hi].copy(), x.data[lo:hi].copy())


def pair_cosines(rows: Iterable[tuple[int, int, None, Sparse, Sparse]],
                 n_terms: int) -> Iterator[tuple[tuple[int, int], float]]:  # fmt: skip
    """The cosine of each pair ``(i, j, _, row_i, row_j)`` of TF-IDF rows, computed as
    :func:`dedup.scoring.score.cosine_pairs` computes a candidate's (``n_terms``: the
    vocabulary's size)."""
    got = list(rows)
    if not got:
        return
    a = _matrix([r[3] for r in got], n_terms)
    b = _matrix([r[4] for r in got], n_terms)
    dots = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    for r, v in zip(got, dots.tolist(), strict=True):
        yield (r[0], r[1]), float(v)


def _matrix(rows: list[Sparse], n_columns: int) -> sparse.csr_matrix:
    """The CSR matrix of sparse rows."""
    indptr = np.concatenate(([0], np.cumsum([len(c) for c, _ in rows])))
    return sparse.csr_matrix((np.concatenate([v for _, v in rows] + [np.zeros(0)]),
                              np.concatenate([c for c, _ in rows] + [np.zeros(0, np.int32)]),
                              indptr), shape=(len(rows), n_columns))  # fmt: skip


def passage_band_rows(feats: Iterable[tuple[int, DocFeatures]], corpus: CorpusCounts,
                       chrome: list[np.ndarray], params: ScanParams) -> Iterator[BandRows]:
    """Band keys of each indexed passage, in both LSH indexes of
    :mod:`dedup.candidates.passage_lsh`: bands ``[0, b)`` hash rare stems, bands ``[b, 2b)``
    rare stem bigrams."""
    bands, _ = band_layout(params.passage_threshold, params.num_perm)
    for index, f in feats:
        usable = f.usable(chrome[index])
        lo, hi = int(corpus.base[index]), int(corpus.base[index + 1])
        passage, stems = usable_rows(f.stem_passage, f.stems, usable)
        indexable = eligible(passage, hi - lo, params)
        stem_rare = corpus.counts[np.searchsorted(corpus.keys, stems)] <= params.max_bucket
        bigram_passage, bigrams = usable_rows(f.bigram_passage, f.bigrams, usable)
        bigram_rare = ~is_member(bigrams, corpus.common_bigrams)
        indexes = ((passage, stems, stem_rare, MIN_STEMS),
                   (bigram_passage, bigrams, bigram_rare, 1))
        for first, (p, v, rare, min_size) in enumerate(indexes):
            members, keys = passage_band_keys(p, v, rare, hi - lo, params, min_size=min_size,
                                              eligible=indexable)  # fmt: skip
            if len(members):
                item = np.repeat(members + lo, bands)
                yield (np.tile(np.arange(bands) + first * bands, len(members)), keys.ravel(), item,
                       np.full(len(item), index, dtype=np.int64))  # fmt: skip
