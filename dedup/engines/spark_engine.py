"""The engine of :func:`dedup.engines.spark.scan_spark`: the steps of
:mod:`dedup.engines.engine` as Spark jobs.

Executors, per document: :func:`dedup.analysis.analyze.analyze` and
:func:`dedup.candidates.features.features_of`; the features stay in the executors, persisted
on disk with their documents.

Group by key: each document's keyed rows (:meth:`SparkEngine.group_by_key`: runs of words,
fingerprints) are shuffled, in numpy blocks, to the reducer that owns their key, whose
result alone reaches the driver; the fingerprints themselves never do.

LSH: every ``(band, key, passage)`` row is shuffled, in numpy blocks, to the
reducer that owns ``key``, so a bucket lands whole on one task, which groups its band
with :func:`dedup.candidates.lsh.candidate_pairs` and runs the evidence pre-test
(:func:`dedup.candidates.evidence.passage_evidence`) on the pairs it finds. Skew is capped there: a
bucket of more than ``max_bucket`` passages is counted (``stats["skipped_buckets"]``) and
never expanded, so a stock phrase shared by millions of documents costs its reducer a
count, not a quadratic number of pairs. Document near-duplicates go through the same
reducers (:mod:`dedup.engines.spark_lsh`). The colliding document pairs stay there,
spread by code: the driver receives how many are distinct, never the codes.

Corpus-wide tables (:mod:`dedup.engines.spark_tables`): stems, bigrams and TF-IDF terms are
counted in the executors; the driver receives the counts, never a document's rows, and
broadcasts them back. The evidence pre-test of colliding passage pairs and the TF-IDF
cosines of candidate pairs read the rows of both documents, joined to the pair.

Map over pairs: each candidate pair is joined to its two documents, and the task that
receives them analyzes them again (an analysis is ten times the size of its text) and
runs the pair's function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from dedup.analysis.analyze import analyze
from dedup.candidates.candidates import unique_pairs
from dedup.candidates.feature_table import FeatureWeights, scaled_idf
from dedup.candidates.features import DocFeatures, FeatureBatch, features_of, packed
from dedup.candidates.word_runs import KeyedRows
from dedup.core.arrays import unique_sorted
from dedup.core.memory import TableStore, release_freed_memory
from dedup.core.pairs import code_set, pair_codes
from dedup.core.params import ScanParams
from dedup.core.progress import Progress
from dedup.core.records import Document, Match
from dedup.core.workers import TaskMap, in_turn
from dedup.engines.engine import (
    PairFunction,
    PassageCandidates,
    RowFunction,
    Shared,
    cached_analyses,
)
from dedup.engines.spark_io import dataframe_documents
from dedup.engines.spark_lsh import (
    CODE_PARTITIONS,
    COLLIDED_A_RECORD,
    Collided,
    Rows,
    SparkCodes,
    bucket_pairs,
    doc_band_rows,
    keyed_blocks,
    shuffled,
)
from dedup.engines.spark_tables import (
    CorpusCounts,
    by_group,
    count_groups,
    count_rows,
    evidence_block,
    evidence_rows,
    first_halves,
    merged,
    pair_cosines,
    pair_join,
    passage_band_rows,
    passing_codes,
    tfidf_vectors,
    usable_terms,
)
from dedup.io.load_records import check_unique
from dedup.scoring.score import ALL_PAIRS_MAX_DOCS, document_cosines, smoothed_idf

if TYPE_CHECKING:
    from pyspark import RDD, Broadcast
    from pyspark.sql import DataFrame, SparkSession

T = TypeVar("T")
R = TypeVar("R")

_PAIR_CHUNK = 1 << 18  # passage pairs pre-tested at a time in a reducer (bounds memory)
# Documents a partition holds at most. What the driver reads of its features (lines,
# passages' lines, signature) reaches it as one task result, which Spark fetches whole
# into the driver's JVM heap; a fetch that runs the heap out of memory is reported as a
# lost result (TaskResultLost) and fails the job.
_DOCS_A_PARTITION = 1000


class SparkEngine:
    """The steps of a scan on a Spark session (see the module docstring).

    Parameters
    ----------
    spark : SparkSession
    partitions : int
        Tasks of a shuffle (LSH reducers, alignment joins). The documents are spread
        evenly over as many partitions, or more: at most ``_DOCS_A_PARTITION`` a partition.
    """

    def __init__(self, spark: SparkSession, partitions: int) -> None:
        self.spark, self.parts = spark, partitions
        self._cached: list[RDD[Any]] = []
        self._shared: list[Broadcast[Any]] = []
        self._feats: RDD[tuple[int, DocFeatures]] | None = None
        self._chrome: Shared[list[np.ndarray]] | None = None
        self._terms: KeyedRows = (np.zeros(0, np.uint64), np.zeros(0, np.int64))
        self._n_docs = 0

    def features(self, documents: DataFrame | RDD[Document] | Iterable[Document],
                 params: ScanParams, report: Progress) -> list[DocFeatures]:  # fmt: skip
        from pyspark import StorageLevel

        docs = self._cache(_document_rdd(self.spark, documents, self.parts),
                           StorageLevel.MEMORY_AND_DISK)  # fmt: skip
        indexed, n_docs = _indexed(docs)
        indexed = indexed.repartition(max(self.parts, -(-n_docs // _DOCS_A_PARTITION)))
        # On disk: each is read a few times, as a whole, and holds its document (with the
        # language analysis found), which is all the later steps ask of the analyses.
        self._feats = self._cache(indexed.mapValues(lambda d: features_of(analyze(d), params)),
                                  StorageLevel.DISK_ONLY)  # fmt: skip
        self._feats.count()  # every partition analyzed at once, on all executors' cores
        # One partition at a time: the driver's JVM holds one task result, not the corpus's.
        gathered = self._feats.mapPartitions(_lines_batch).toLocalIterator(
            prefetchPartitions=False)
        feats: list[DocFeatures] = [None] * n_docs  # type: ignore[list-item]
        for keys, part_docs, batch in gathered:
            for k, f in zip(keys.tolist(), batch.unpack(part_docs), strict=True):
                feats[k] = f
        release_freed_memory()  # the partitions' pickles, read
        docs.unpersist()
        self._n_docs = n_docs
        return feats

    def documents(self) -> list[Document]:
        """The documents with their texts, from the features in the executors, a
        partition at a time."""
        if self._feats is None:
            raise RuntimeError("documents before features")
        got = self._feats.mapValues(lambda f: f.doc).toLocalIterator(prefetchPartitions=False)
        docs: list[Document] = [None] * self._n_docs  # type: ignore[list-item]
        for k, d in got:
            docs[k] = d
        release_freed_memory()
        return docs

    def group_by_key(self, rows: RowFunction, reduce: Callable[[KeyedRows], R]) -> list[R]:
        if self._feats is None:
            raise RuntimeError("group_by_key before features")
        parts = self.parts

        def keyed(it: Iterable[tuple[int, DocFeatures]]) -> Iterator[tuple[np.ndarray, ...]]:
            for d, f in it:
                yield rows(d, f)

        def reduced(blocks: Iterable[tuple[np.ndarray, ...]]) -> Iterator[R]:
            got = list(blocks)
            if got:
                keys, values = (np.concatenate(c) for c in zip(*got, strict=True))
                yield reduce((keys, values))

        blocks = self._feats.mapPartitions(lambda it: keyed_blocks(keyed(it), parts, key_at=0))
        return blocks.partitionBy(parts, lambda r: r).values().mapPartitions(reduced).collect()

    def passage_candidates(self, usable: list[np.ndarray], chrome: Shared[list[np.ndarray]],
                           params: ScanParams, store: TableStore) -> PassageCandidates:
        """Counts of stems, bigrams and terms, band keys and buckets, and the evidence
        pre-test, all in the executors (``store`` is not used)."""
        if self._feats is None:
            raise RuntimeError("passage_candidates before features")
        self._chrome = chrome
        sizes = np.array([np.count_nonzero(u) for u in usable], dtype=np.int64)
        base = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        found = self.group_by_key(lambda d, f: count_rows(f, chrome.value[d]),
                                  partial(count_groups, max_bucket=params.max_bucket))
        keys, counts = merged(c.stems for c in found)
        self._terms = merged(c.terms for c in found)
        common = np.sort(np.concatenate([c.common_bigrams for c in found]
                                        + [np.zeros(0, np.uint64)]))  # fmt: skip
        idf = scaled_idf(counts, int(base[-1]))
        corpus = self.broadcast(CorpusCounts(keys, counts, idf, base, common))
        rows = self._feats.mapPartitions(
            lambda it: passage_band_rows(it, corpus.value, chrome.value, params))

        def reduce(blocks: Iterable[Rows]) -> Iterator[Collided]:
            c: CorpusCounts = corpus.value
            found, skipped = bucket_pairs(blocks, params.max_bucket, grouped=True)
            pairs = unique_pairs(found, c.n_passages)
            doc = np.searchsorted(c.base, pairs, side="right") - 1
            codes = pair_codes(doc[:, 0], doc[:, 1], c.n_docs)
            for lo in range(0, max(len(pairs), 1), COLLIDED_A_RECORD):  # skipped counted once
                hi = lo + COLLIDED_A_RECORD
                yield codes[lo:hi], pairs[lo:hi], skipped if lo == 0 else 0

        from pyspark import StorageLevel

        out = self._cache(shuffled(rows, self.parts).mapPartitions(reduce),
                          StorageLevel.MEMORY_AND_DISK)  # fmt: skip
        seen = out.map(lambda r: (np.unique(np.searchsorted(
            corpus.value.base, r[1], side="right") - 1), r[2])).collect()  # fmt: skip
        colliding = SparkCodes(out, self.parts * CODE_PARTITIONS)
        # Read once, at the end: on disk, where it takes no JVM heap from the pre-test.
        self._cache(colliding.codes, StorageLevel.DISK_ONLY).count()
        involved = self.broadcast(set(np.concatenate([d for d, _ in seen]
                                                     + [np.zeros(0, np.int64)]).tolist()))
        aligned = self._pretest(out, involved, corpus, params)
        out.unpersist()
        return PassageCandidates(code_set(aligned, self._n_docs), colliding,
                                 sum(s for _, s in seen), FeatureWeights(keys, idf))

    def _pretest(self, collided: RDD[Collided], involved: Shared[set[int]],
                 corpus: Shared[CorpusCounts], params: ScanParams) -> np.ndarray:
        """Codes of the document pairs with a colliding passage pair that passes the
        evidence pre-test, sorted. Documents are grouped (number modulo the partitions):
        the passage pairs of a group's first documents are joined to the group's evidence
        rows, the first passages' stems gathered, then joined to the second documents'
        (records of at most ``PAIRS_A_RECORD`` pairs; a pair that collided in several
        reducers may be tested more than once)."""
        from pyspark import StorageLevel

        if self._feats is None or self._chrome is None:
            raise RuntimeError("pretest before features")
        groups, chrome = self.parts, self._chrome
        tables = self._cache(self._feats.filter(lambda x: x[0] in involved.value).map(
            lambda x: (x[0] % groups, (x[0], evidence_rows(x[1], chrome.value[x[0]],
                                                           corpus.value))))
            .groupByKey(groups).mapValues(evidence_block), StorageLevel.MEMORY_AND_DISK)
        firsts = collided.flatMap(lambda r: by_group(r[1], corpus.value, groups))
        halves = firsts.join(tables, groups).flatMap(
            lambda x: first_halves(x[1][0], x[1][1], corpus.value, groups))
        codes = halves.join(tables, groups).map(
            lambda x: passing_codes(x[1][0], x[1][1], corpus.value, params)).collect()
        tables.unpersist()
        return unique_sorted(np.concatenate([*codes, np.zeros(0, np.int64)]))

    def near_duplicates(self, sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
        index = np.arange(len(sigs), dtype=np.int64)
        blocks = self.spark.sparkContext.parallelize(
            list(zip(np.array_split(index, self.parts), np.array_split(sigs, self.parts),
                     strict=True)), self.parts)  # fmt: skip
        rows = blocks.mapPartitions(lambda it: doc_band_rows(it, params))

        def reduce(blocks: Iterable[Rows]) -> Iterator[np.ndarray]:
            found, _ = bucket_pairs(blocks, params.max_bucket, grouped=False)
            yield from found

        pairs = shuffled(rows, self.parts).mapPartitions(reduce).collect()
        return {(int(i), int(j)) for block in pairs for i, j in block}

    def broadcast(self, value: T) -> Broadcast[T]:
        shared = self.spark.sparkContext.broadcast(value)
        self._shared.append(shared)
        return shared

    def cosines(self, pairs: set[tuple[int, int]], floor: float) -> dict[tuple[int, int], float]:
        """Up to :data:`dedup.scoring.score.ALL_PAIRS_MAX_DOCS` documents, every pair over ``floor``
        is asked for: the terms are gathered and the local engine's function runs here.
        Past it, each candidate pair is joined to both documents' TF-IDF rows, made in the
        executors against the broadcast IDF of the terms' document frequencies."""
        if self._feats is None or self._chrome is None:
            raise RuntimeError("cosines before passage_candidates")
        from pyspark import StorageLevel

        chrome, n_docs = self._chrome, self._n_docs

        def terms(x: tuple[int, DocFeatures]) -> tuple[int, np.ndarray]:
            return x[0], usable_terms(x[1], x[1].usable(chrome.value[x[0]]))

        if n_docs <= ALL_PAIRS_MAX_DOCS:
            return document_cosines([t for _, t in sorted(self._feats.map(terms).collect(),
                                                          key=lambda x: x[0])], pairs, floor)
        vocabulary, df = self._terms
        if not len(vocabulary) or not pairs:
            return {}
        idf = self.broadcast((vocabulary, smoothed_idf(df, n_docs)))
        involved = self.broadcast({d for pair in pairs for d in pair})
        # Kept: each join reads them, and making them reads every document's features.
        vectors = self._cache(self._feats.filter(lambda x: x[0] in involved.value).map(
            terms).mapPartitions(lambda it: tfidf_vectors(it, *idf.value)),
            StorageLevel.MEMORY_AND_DISK)  # fmt: skip
        asked = self.spark.sparkContext.parallelize([(i, (j, None)) for i, j in pairs], self.parts)
        n_terms = len(vocabulary)
        found = dict(pair_join(asked, vectors, self.parts).mapPartitions(
            lambda it: pair_cosines(it, n_terms)).collect())
        vectors.unpersist()
        return found

    def map_pairs(self, fn: PairFunction, pairs: Sequence[tuple[int, int]],
                  report: Progress) -> list[Match]:  # fmt: skip
        if not pairs or self._feats is None:
            return []
        report("align", 0, len(pairs))
        sc = self.spark.sparkContext
        involved = self.broadcast({d for pair in pairs for d in pair})
        # The documents travel, not their analyses (ten times their size): a task
        # analyzes each again, as the local engine's workers do.
        some = self._feats.filter(lambda x: x[0] in involved.value).mapValues(lambda f: f.doc)
        with_a = sc.parallelize(list(pairs), self.parts).join(some, self.parts)
        by_b = with_a.map(lambda x: (x[1][0], (x[0], x[1][1])))
        both = by_b.join(some, self.parts).map(lambda x: (x[1][0][0], x[0], x[1][0][1], x[1][1]))
        matches = both.mapPartitions(lambda it: _aligned(fn, it)).collect()
        report("align", len(pairs), len(pairs))
        return matches

    def local_tasks(self) -> TaskMap:
        return in_turn  # in the driver: forking it would fork the threads of its JVM gateway

    def close(self) -> None:
        for rdd in self._cached:
            rdd.unpersist()
        for shared in self._shared:
            shared.unpersist()
        self._cached, self._shared = [], []

    def _cache(self, rdd: RDD[T], level: Any) -> RDD[T]:
        self._cached.append(rdd.persist(level))
        return rdd


_NO_INDEX, _NO_VALUES = np.zeros(0, np.int32), np.zeros(0, np.uint64)
_NO_GAPS = np.zeros(0, np.uint8)


def _aligned(fn: PairFunction, pairs: Iterable[tuple[int, int, Document, Document]]
             ) -> Iterator[Match]:  # fmt: skip
    """The matches of ``fn`` for each pair ``(i, j, document i, document j)``."""
    docs: dict[int, Document] = {}
    analysis = cached_analyses(docs.__getitem__)
    for i, j, a, b in pairs:
        docs[i], docs[j] = a, b
        yield from fn(i, j, analysis(i), analysis(j))


def _lines_batch(part: Iterable[tuple[int, DocFeatures]]
                 ) -> Iterator[tuple[np.ndarray, list[Document], FeatureBatch]]:  # fmt: skip
    """What the driver reads of a partition's features, packed in one batch: the documents'
    numbers, the documents without their texts (:meth:`SparkEngine.documents` gathers the
    texts at the end), and their lines, passages' lines, signatures and tokens; their
    passages' stems, bigrams, terms and fingerprints are counted and grouped in the
    executors."""
    keys, feats = [], []
    for k, f in part:
        keys.append(k)
        feats.append(replace(f, doc=replace(f.doc, text=""), stem_passage=_NO_INDEX,
                             stems=_NO_VALUES, bigram_passage=_NO_INDEX, bigrams=_NO_VALUES,
                             term_passage=_NO_INDEX, terms=_NO_VALUES,
                             fingerprint_passage=_NO_INDEX, fingerprints=_NO_VALUES,
                             fingerprint_gaps=_NO_GAPS))  # fmt: skip
    yield np.array(keys, dtype=np.int64), [f.doc for f in feats], packed(feats)


def _document_rdd(spark: SparkSession, documents: Any, parts: int) -> RDD[Document]:
    from pyspark import RDD
    from pyspark.sql import DataFrame

    if isinstance(documents, DataFrame):
        return dataframe_documents(documents)
    if isinstance(documents, RDD):
        return documents
    return spark.sparkContext.parallelize(list(documents), parts)


def _indexed(docs: RDD[Document]) -> tuple[RDD[tuple[int, Document]], int]:
    """Documents numbered by rank of id, as the local engine sorts them, and how many;
    ids must be unique.

    The ids are ranked on the driver (one string a document), the texts stay in the executors.
    """
    ids = docs.map(lambda d: d.id).collect()
    dupes = {d for d, n in Counter(ids).items() if n > 1}
    if dupes:
        check_unique(docs.filter(lambda d: d.id in dupes).collect())
    rank = docs.context.broadcast({d: k for k, d in enumerate(sorted(ids))})
    return docs.map(lambda d: (rank.value[d.id], d)), len(ids)
