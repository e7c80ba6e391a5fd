"""The engine of :func:`dedup.spark.scan_spark`: the steps of :mod:`dedup.engine` as Spark jobs.

Executors, per document: :func:`dedup.analyze.analyze` (the analyses stay in the
executors, persisted, for alignment) and :func:`dedup.features.features_of`.

Group by key: each document's keyed rows (:meth:`SparkEngine.group_by_key`: runs of words,
fingerprints) are shuffled, in numpy blocks, to the reducer that owns their key, whose
result alone reaches the driver; the fingerprints themselves never do.

LSH: every ``(band, key, passage)`` row is shuffled, in numpy blocks, to the
reducer that owns ``key``, so a bucket lands whole on one task, which groups its band
with :func:`dedup.lsh.candidate_pairs` and runs the evidence pre-test
(:func:`dedup.evidence.passage_evidence`) on the pairs it finds. Skew is capped there: a
bucket of more than ``max_bucket`` passages is counted (``stats["skipped_buckets"]``) and
never expanded, so a stock phrase shared by millions of documents costs its reducer a
count, not a quadratic number of pairs. Document near-duplicates go through the same
reducers.

Map over pairs: each candidate pair is joined to its two analyses and the pair's function
runs in the task that receives them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from dedup.analyze import DocAnalysis, analyze
from dedup.arrays import unique_sorted
from dedup.candidates import owner_codes, unique_pairs
from dedup.engine import PairFunction, RowFunction, Shared
from dedup.evidence import EvidenceTable, passage_evidence
from dedup.feature_table import FeatureTable, is_member
from dedup.features import DocFeatures, features_of, usable_rows
from dedup.load_records import check_unique
from dedup.lsh import band_keys, band_layout, candidate_pairs
from dedup.memory import TableStore
from dedup.pairs import code_set
from dedup.params import ScanParams
from dedup.passage_lsh import MIN_STEMS, eligible_passages, passage_band_keys
from dedup.progress import Progress
from dedup.records import Document, Match
from dedup.spark_io import dataframe_documents
from dedup.word_runs import KeyedRows

if TYPE_CHECKING:
    from pyspark import RDD, Broadcast
    from pyspark.sql import DataFrame, SparkSession

T = TypeVar("T")
R = TypeVar("R")

_PAIR_CHUNK = 1 << 18  # passage pairs pre-tested at a time in a reducer (bounds memory)
# Documents a partition holds at most. Its features (some 17 KB a document) reach the
# driver as one task result, which Spark fetches whole into the driver's JVM heap; a
# fetch that runs the heap out of memory is reported as a lost result (TaskResultLost)
# and fails the job.
_DOCS_A_PARTITION = 1000


@dataclass(frozen=True, slots=True)
class _Corpus:
    """The corpus-wide tables the LSH reducers read (broadcast).

    ``keys``/``counts``: distinct content-word stems over usable passages and their
    passage frequencies; ``pretest`` holds the stems of every global passage ``p``
    (usable passages numbered in document, then passage order) and their scaled IDF.
    Passage ``p`` belongs to document ``owner[p]`` and may be indexed when
    ``eligible[p]``; ``base[d]`` is document ``d``'s first global passage.
    ``common_bigrams``: the sorted stem bigrams found in more than ``max_bucket`` passages
    (left out of the LSH sets).
    """

    keys: np.ndarray
    counts: np.ndarray
    pretest: EvidenceTable
    owner: np.ndarray
    eligible: np.ndarray
    base: np.ndarray
    common_bigrams: np.ndarray

    @property
    def n_passages(self) -> int:
        return len(self.owner)

    @property
    def n_docs(self) -> int:
        return len(self.base) - 1


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
        self._analyses: RDD[tuple[int, DocAnalysis]] | None = None
        self._feats: RDD[tuple[int, DocFeatures]] | None = None

    def features(self, documents: DataFrame | RDD[Document] | Iterable[Document],
                 params: ScanParams, report: Progress) -> list[DocFeatures]:  # fmt: skip
        from pyspark import StorageLevel

        docs = self._cache(_document_rdd(self.spark, documents, self.parts),
                           StorageLevel.MEMORY_AND_DISK)  # fmt: skip
        indexed, n_docs = _indexed(docs)
        indexed = indexed.repartition(max(self.parts, -(-n_docs // _DOCS_A_PARTITION)))
        self._analyses = self._cache(indexed.mapValues(analyze), StorageLevel.MEMORY_AND_DISK)
        # On disk: the analyses already fill the executors' memory store.
        self._feats = self._cache(self._analyses.mapValues(lambda a: features_of(a, params)),
                                  StorageLevel.DISK_ONLY)  # fmt: skip
        # One partition at a time: the driver's JVM holds one task result, not the corpus's.
        gathered = self._feats.mapValues(_without_fingerprints).toLocalIterator(
            prefetchPartitions=False)
        feats = [f for _, f in sorted(gathered, key=lambda x: x[0])]
        docs.unpersist()
        return feats

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

        blocks = self._feats.mapPartitions(lambda it: _blocks(keyed(it), parts, key_at=0))
        return blocks.partitionBy(parts, lambda r: r).values().mapPartitions(reduced).collect()

    def forget_features(self) -> None:
        """The features stay cached in the executors until :meth:`passage_candidates`."""

    def passage_candidates(self, stems: FeatureTable, bigrams: FeatureTable,
                           chrome: Shared[list[np.ndarray]], params: ScanParams,
                           store: TableStore) -> tuple[set[tuple[int, int]], np.ndarray, int]:
        """Band keys are made and grouped in the executors (``store`` is not used)."""
        if self._feats is None:
            raise RuntimeError("passage_candidates before features")
        base = np.searchsorted(stems.owner, np.arange(stems.n_docs + 1)).astype(np.int64)
        corpus = self.broadcast(_Corpus(stems.keys, stems.counts, stems.evidence_table(),
                                        stems.owner, eligible_passages(stems, params), base,
                                        bigrams.common(params.max_bucket)))  # fmt: skip
        rows = self._feats.mapPartitions(
            lambda it: _passage_band_rows(it, corpus.value, chrome.value, params))

        def reduce(blocks: Iterable[_Rows]) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
            c: _Corpus = corpus.value
            found, skipped = bucket_pairs(blocks, params.max_bucket, grouped=True)
            pairs = unique_pairs(found, c.n_passages)
            kept = [pairs[k : k + _PAIR_CHUNK][passage_evidence(c.pretest,
                                                                pairs[k : k + _PAIR_CHUNK], params)]
                    for k in range(0, len(pairs), _PAIR_CHUNK)]  # fmt: skip
            kept_pairs = np.concatenate([*kept, np.zeros((0, 2), np.int64)])
            yield (owner_codes(c.owner, pairs, c.n_docs),
                   owner_codes(c.owner, kept_pairs, c.n_docs), skipped)  # fmt: skip

        out = _shuffled(rows, self.parts).mapPartitions(reduce).collect()
        self._feats.unpersist()
        colliding = unique_sorted(np.concatenate([c for c, _, _ in out] + [np.zeros(0, np.int64)]))
        aligned = unique_sorted(np.concatenate([a for _, a, _ in out] + [np.zeros(0, np.int64)]))
        return code_set(aligned, stems.n_docs), colliding, sum(s for _, _, s in out)

    def near_duplicates(self, sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
        index = np.arange(len(sigs), dtype=np.int64)
        blocks = self.spark.sparkContext.parallelize(
            list(zip(np.array_split(index, self.parts), np.array_split(sigs, self.parts),
                     strict=True)), self.parts)  # fmt: skip
        rows = blocks.mapPartitions(lambda it: _doc_band_rows(it, params))

        def reduce(blocks: Iterable[_Rows]) -> Iterator[np.ndarray]:
            found, _ = bucket_pairs(blocks, params.max_bucket, grouped=False)
            yield from found

        pairs = _shuffled(rows, self.parts).mapPartitions(reduce).collect()
        return {(int(i), int(j)) for block in pairs for i, j in block}

    def broadcast(self, value: T) -> Broadcast[T]:
        shared = self.spark.sparkContext.broadcast(value)
        self._shared.append(shared)
        return shared

    def map_pairs(self, fn: PairFunction, pairs: Sequence[tuple[int, int]],
                  report: Progress) -> list[Match]:  # fmt: skip
        if not pairs or self._analyses is None:
            return []
        report("align", 0, len(pairs))
        sc = self.spark.sparkContext
        involved = self.broadcast({d for pair in pairs for d in pair})
        some = self._analyses.filter(lambda x: x[0] in involved.value)
        with_a = sc.parallelize(list(pairs), self.parts).join(some, self.parts)
        by_b = with_a.map(lambda x: (x[1][0], (x[0], x[1][1])))
        both = by_b.join(some, self.parts).map(lambda x: (x[1][0][0], x[0], x[1][0][1], x[1][1]))
        found = both.mapPartitions(lambda it: (m for i, j, a, b in it for m in fn(i, j, a, b)))
        matches = found.collect()
        report("align", len(pairs), len(pairs))
        return matches

    def close(self) -> None:
        for rdd in self._cached:
            rdd.unpersist()
        for shared in self._shared:
            shared.unpersist()
        self._cached, self._shared = [], []

    def _cache(self, rdd: RDD[T], level: Any) -> RDD[T]:
        self._cached.append(rdd.persist(level))
        return rdd


def _without_fingerprints(f: DocFeatures) -> DocFeatures:
    """``f`` as the driver reads it: fingerprints are grouped in the executors."""
    none = np.zeros(0, np.int64)
    return replace(f, fingerprint_passage=none, fingerprints=none.astype(np.uint64),
                   fingerprint_gaps=none.astype(np.uint8))


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


# --- LSH: band rows shuffled by key in numpy blocks, buckets grouped on the reducers ---

_Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # band, key, item, group


def _blocks(rows: Iterable[tuple[np.ndarray, ...]], parts: int,
            key_at: int) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:  # fmt: skip
    """Split a partition's rows (columns of equal length, column ``key_at`` the uint64
    key) by reducer (``key % parts``): one block per reducer."""
    got = list(rows)
    if not got:
        return
    columns = [np.concatenate(c) for c in zip(*got, strict=True)]
    dest = (columns[key_at] % np.uint64(parts)).astype(np.int64)
    order = np.argsort(dest, kind="stable")
    cuts = np.searchsorted(dest[order], np.arange(parts + 1))
    for r in range(parts):
        sel = order[cuts[r] : cuts[r + 1]]
        if len(sel):
            yield r, tuple(c[sel] for c in columns)


def _shuffled(rows: RDD[_Rows], parts: int) -> RDD[_Rows]:
    """Band rows regrouped so that every ``(band, key)`` bucket is whole in one partition."""
    blocks = rows.mapPartitions(lambda it: _blocks(it, parts, key_at=1))
    return cast("RDD[_Rows]", blocks.partitionBy(parts, lambda r: r).values())


def bucket_pairs(blocks: Iterable[_Rows], max_bucket: int,
                  grouped: bool) -> tuple[list[np.ndarray], int]:  # fmt: skip
    """Pairs ``(item_i, item_j)``, ``item_i < item_j``, sharing a bucket, and buckets skipped.

    Each band is grouped by :func:`dedup.lsh.candidate_pairs`, which skips and counts the
    buckets over ``max_bucket``; with ``grouped``, pairs inside one group are dropped.
    """
    got = list(blocks)
    if not got:
        return [], 0
    band, key, item, group = (np.concatenate(c) for c in zip(*got, strict=True))
    found, skipped = [], 0
    for b in np.unique(band):
        sel = np.flatnonzero(band == b)
        pairs, sk = candidate_pairs(key[sel][:, None], max_bucket=max_bucket,
                                    groups=group[sel] if grouped else None)  # fmt: skip
        skipped += sk
        ends = item[sel][pairs]
        found.append(np.sort(ends, axis=1))
    return found, skipped


def _doc_band_rows(blocks: Iterable[tuple[np.ndarray, np.ndarray]],
                   params: ScanParams) -> Iterator[_Rows]:  # fmt: skip
    """Band keys of blocks of document signatures ``(indices, signatures)``."""
    bands, rows = band_layout(params.doc_threshold, params.num_perm)
    for index, sigs in blocks:
        keys = band_keys(sigs, bands, rows)
        item = np.repeat(index, bands)
        yield np.tile(np.arange(bands), len(index)), keys.ravel(), item, item


def _passage_band_rows(feats: Iterable[tuple[int, DocFeatures]], corpus: _Corpus,
                       chrome: list[np.ndarray], params: ScanParams) -> Iterator[_Rows]:
    """Band keys of each indexed passage, in both LSH indexes of :mod:`dedup.passage_lsh`:
    bands ``[0, b)`` hash rare stems, bands ``[b, 2b)`` rare stem bigrams."""
    bands, _ = band_layout(params.passage_threshold, params.num_perm)
    for index, f in feats:
        usable = f.usable(chrome[index])
        lo, hi = int(corpus.base[index]), int(corpus.base[index + 1])
        passage, stems = usable_rows(f.stem_passage, f.stems, usable)
        stem_rare = corpus.counts[np.searchsorted(corpus.keys, stems)] <= params.max_bucket
        bigram_passage, bigrams = usable_rows(f.bigram_passage, f.bigrams, usable)
        bigram_rare = ~is_member(bigrams, corpus.common_bigrams)
        indexes = ((passage, stems, stem_rare, MIN_STEMS),
                   (bigram_passage, bigrams, bigram_rare, 1))
        for first, (p, v, rare, min_size) in enumerate(indexes):
            members, keys = passage_band_keys(p, v, rare, hi - lo, params, min_size=min_size,
                                              eligible=corpus.eligible[lo:hi])  # fmt: skip
            if len(members):
                item = np.repeat(members + lo, bands)
                yield (np.tile(np.arange(bands) + first * bands, len(members)), keys.ravel(), item,
                       np.full(len(item), index, dtype=np.int64))  # fmt: skip
