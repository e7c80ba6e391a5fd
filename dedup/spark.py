"""The scan on Apache Spark: the same result as :func:`dedup.scan`, computed by a Spark job.

Python API::

    from dedup.spark import scan_spark, spark_session
    from dedup.spark_io import read_documents

    spark = spark_session("local[*]")
    result = scan_spark(read_documents(spark, ["articles/", "wires.jsonl"]), spark=spark)

``scan_spark`` also takes a DataFrame with ``id`` and ``text`` (optionally ``source``,
``date``) columns, or any iterable of :class:`~dedup.records.Document`.

Where each stage runs
---------------------
Executors, per document, with the local engine's own functions: :func:`dedup.analyze.analyze`
(normalize, segment, tokenize; the analyses stay in the executors, persisted), feature
tables, TF-IDF input words, word-shingle MinHash, and passage MinHash over rare features
with their LSH band keys.

LSH buckets: every ``(band, key, passage)`` row is shuffled, in numpy blocks, to the reducer
that owns ``key``, so a bucket lands whole on one task, which groups its band with
:func:`dedup.lsh.candidate_pairs` and runs the evidence pre-test
(:func:`dedup.evidence.passage_evidence`) on the pairs it finds. Skew is capped there: a
bucket of more than ``max_bucket`` passages is counted (``stats["skipped_buckets"]``) and
never expanded, so a stock phrase shared by millions of documents costs its reducer a
count, not a quadratic number of pairs. Document near-duplicates go through the same
reducers. Alignment (:func:`dedup.align.align`) runs per candidate document pair, in the
task that receives the pair joined to its two analyses.

Driver: the corpus-wide tables every task reads, built from what the executors send:
chrome lines and boilerplate spans (line hashes of every document), the passage feature
table and its IDF (broadcast to the reducers and aligners), and the final scores
(:func:`dedup.pipeline.assemble_result`: TF-IDF fit, ranks, sources, families). These are
linear in the corpus size, as in the local engine, and computed by the same functions, so
the result is the local engine's to the last bit: same pairs, matches, offsets, scores and
stats. The documents are gathered on the driver at the end, as :class:`ScanResult` holds
them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dedup.analyze import DocAnalysis, analyze
from dedup.arrays import unique_sorted
from dedup.boilerplate import chrome_lines, mark_boilerplate, pair_boilerplate
from dedup.candidates import decode, owner_codes, unique_pairs
from dedup.errors import DedupError, ParamError
from dedup.evidence import EvidenceTable, passage_evidence
from dedup.feature_table import FeatureTable, feature_weights, is_member
from dedup.features import DocFeatures, features_of, usable_passages, usable_rows
from dedup.fingerprints import Frequency
from dedup.load import LoadReport
from dedup.lsh import band_keys, band_layout, candidate_pairs
from dedup.params import ScanParams
from dedup.passage_lsh import MIN_STEMS, eligible_passages, passage_band_keys
from dedup.pipeline import assemble_result, check_unique, corpus_tables, word_run_candidates
from dedup.records import Document, Match, ScanResult
from dedup.reuse import reuse_matches
from dedup.spark_io import dataframe_documents, read_documents, split_out, write_results

if TYPE_CHECKING:
    from pyspark import RDD, SparkContext
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

_PAIR_CHUNK = 1 << 18  # passage pairs pre-tested at a time in a reducer (bounds memory)


def spark_session(master: str = "local[*]", conf: Mapping[str, str] | None = None,
                  app_name: str = "dedup") -> SparkSession:  # fmt: skip
    """A SparkSession on ``master`` (``local[*]``, ``spark://host:7077``, ``yarn``, ...).

    ``conf`` holds ordinary Spark settings (``spark.executor.memory`` and the like). The
    driver gathers every document's features (about 17 KB of arrays a document), so
    ``spark.driver.maxResultSize`` is unlimited unless ``conf`` sets it.

    Python workers run the interpreter that runs dedup (``sys.executable``) unless the
    environment variable ``PYSPARK_PYTHON`` names another; Spark's own default is the
    ``python3`` first on PATH, which need not have dedup and its dependencies installed.
    The choice is exported as ``PYSPARK_PYTHON`` (pyspark reads it there when the session
    starts) and set as ``spark.pyspark.python`` and ``spark.pyspark.driver.python``.
    """
    from pyspark.sql import SparkSession

    python = os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    defaults = {"spark.driver.maxResultSize": "0", "spark.pyspark.python": python,
                "spark.pyspark.driver.python": python}  # fmt: skip
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**defaults, **(conf or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


@dataclass(frozen=True, slots=True)
class _Corpus:
    """The corpus-wide tables the tasks read (broadcast).

    ``keys``/``counts``: distinct content-word stems over usable passages and their
    passage frequencies; ``pretest`` holds the stems of every global passage ``p``
    (usable passages numbered in document, then passage order) and their scaled IDF.
    Passage ``p`` belongs to document ``owner[p]`` and may be indexed when
    ``eligible[p]``; ``base[d]`` is document ``d``'s first global passage.
    ``chrome[d]`` flags document ``d``'s chrome lines. ``common_bigrams``: the sorted stem
    bigrams found in more than ``max_bucket`` passages (left out of the LSH sets).
    """

    keys: np.ndarray
    counts: np.ndarray
    pretest: EvidenceTable
    owner: np.ndarray
    eligible: np.ndarray
    base: np.ndarray
    chrome: list[np.ndarray]
    common_bigrams: np.ndarray

    @property
    def n_passages(self) -> int:
        return len(self.owner)

    def evidence(self, pairs: np.ndarray, params: ScanParams) -> np.ndarray:
        """:func:`dedup.evidence.passage_evidence` of global passage pairs (bool per pair)."""
        return passage_evidence(self.pretest, pairs, params)


def scan_spark(documents: DataFrame | RDD[Document] | Iterable[Document],
               params: ScanParams | None = None, *, spark: SparkSession | None = None,
               partitions: int | None = None, wires: Collection[str] = (),
               dayfirst: bool = False, **kwargs: Any) -> ScanResult:  # fmt: skip
    """:func:`dedup.scan` as a Spark job: the same :class:`ScanResult`, to the last bit.

    Parameters
    ----------
    documents : DataFrame, RDD of Document or iterable of Document
        A DataFrame needs ``id`` and ``text`` columns (``source`` and ``date`` are used
        when present). Ids must be unique.
    params : ScanParams, optional
        All tunables; keywords (``passage_threshold=0.4``) build one instead.
    spark : SparkSession, optional
        Default: the active session, or a new ``local[*]`` one.
    partitions : int, optional
        Tasks per stage (default: twice the context's default parallelism); the documents
        are spread evenly over them.
    wires, dayfirst
        Who copied whom, as for :func:`dedup.scan`.

    Returns
    -------
    ScanResult
        Equal to ``dedup.scan(documents, params)``; documents are gathered on the driver.
    """
    from pyspark import StorageLevel

    params = ScanParams.from_kwargs(**{**(params.as_dict() if params else {}), **kwargs})
    spark = spark or spark_session()
    sc = spark.sparkContext
    parts = max(1, partitions or 2 * sc.defaultParallelism)
    docs = _document_rdd(spark, documents, parts).repartition(parts)
    docs = docs.persist(StorageLevel.MEMORY_AND_DISK)
    analyses = _indexed(docs).mapValues(analyze).persist(StorageLevel.MEMORY_AND_DISK)
    feats_rdd = analyses.mapValues(lambda a: features_of(a, params))
    # On disk: the analyses already fill the executors' memory store, and a task result
    # evicted from it before the driver fetches it fails the job (TaskResultLost).
    feats_rdd = feats_rdd.persist(StorageLevel.DISK_ONLY)
    try:
        feats = [f for _, f in sorted(feats_rdd.collect(), key=lambda x: x[0])]
        docs.unpersist()
        n_docs = len(feats)
        chrome = chrome_lines(feats, params)
        marked = mark_boilerplate(feats, chrome, params)
        usable = [f.usable(c) for f, c in zip(feats, chrome, strict=True)]
        doc_sigs = np.vstack([f.signature[None, :] for f in feats] +
                             [np.zeros((0, params.num_perm), np.uint32)])  # fmt: skip
        empty = sum(1 for f in feats if f.n_tokens == 0)
        docs_sorted = [f.doc for f in feats]
        runs = word_run_candidates(feats, usable, params)
        stems, bigrams, terms = corpus_tables(list[DocFeatures | None](feats), usable)
        del feats
        corpus_b = sc.broadcast(_corpus(stems, bigrams, chrome, params))
        del stems, bigrams
        near = _near_duplicates(sc, doc_sigs, params, parts)
        colliding, aligned, skipped = _candidates(feats_rdd, corpus_b, params, parts)
        feats_rdd.unpersist()
        near_codes = np.array([i * n_docs + j for i, j in near], dtype=np.int64)
        n_candidates = len(unique_sorted(np.concatenate((colliding, near_codes, runs.codes))))
        doc_pairs = decode(aligned, n_docs) | near | runs.pairs
        matches = _align_pairs(analyses, sorted(doc_pairs), corpus_b,
                               sc.broadcast(runs.frequency), params, parts)  # fmt: skip
    finally:
        docs.unpersist()
        feats_rdd.unpersist()
        analyses.unpersist()
    matches += pair_boilerplate(marked, docs_sorted, matches)
    matches.sort(key=lambda m: (m.a, m.b, m.a_start, m.b_start, m.kind))
    counts = {"candidate_pairs": n_candidates, "skipped_buckets": skipped,
              "skipped_fingerprints": runs.skipped}
    return assemble_result(docs_sorted, terms, empty, matches, doc_pairs, doc_sigs, params, counts,
                           marked, wires=wires, dayfirst=dayfirst)  # fmt: skip


def _document_rdd(spark: SparkSession, documents: Any, parts: int) -> RDD[Document]:
    from pyspark import RDD
    from pyspark.sql import DataFrame

    if isinstance(documents, DataFrame):
        return dataframe_documents(documents)
    if isinstance(documents, RDD):
        return documents
    return spark.sparkContext.parallelize(list(documents), parts)


def _indexed(docs: RDD[Document]) -> RDD[tuple[int, Document]]:
    """Documents numbered by rank of id, as the local engine sorts them; ids must be unique.

    The ids are ranked on the driver (one string a document), the texts stay in the executors.
    """
    ids = docs.map(lambda d: d.id).collect()
    dupes = {d for d, n in Counter(ids).items() if n > 1}
    if dupes:
        check_unique(docs.filter(lambda d: d.id in dupes).collect())
    rank = docs.context.broadcast({d: k for k, d in enumerate(sorted(ids))})
    return docs.map(lambda d: (rank.value[d.id], d))


def _corpus(stems: FeatureTable, bigrams: FeatureTable, chrome: list[np.ndarray],
            params: ScanParams) -> _Corpus:  # fmt: skip
    """The broadcast tables, from the local engine's corpus tables."""
    base = np.searchsorted(stems.owner, np.arange(stems.n_docs + 1))
    return _Corpus(stems.keys, stems.counts, stems.evidence_table(), stems.owner,
                   eligible_passages(stems, params), base.astype(np.int64), chrome,
                   bigrams.common(params.max_bucket))  # fmt: skip


# --- LSH: band rows shuffled by key in numpy blocks, buckets grouped on the reducers ---

_Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # band, key, item, group


def _blocks(rows: Iterable[_Rows], parts: int) -> Iterator[tuple[int, _Rows]]:
    """Split a partition's band rows by reducer (``key % parts``): one block per reducer."""
    got = list(rows)
    if not got:
        return
    band, key, item, group = (np.concatenate(c) for c in zip(*got, strict=True))
    dest = (key % np.uint64(parts)).astype(np.int64)
    order = np.argsort(dest, kind="stable")
    cuts = np.searchsorted(dest[order], np.arange(parts + 1))
    for r in range(parts):
        sel = order[cuts[r] : cuts[r + 1]]
        if len(sel):
            yield r, (band[sel], key[sel], item[sel], group[sel])


def _shuffled(rows: RDD[_Rows], parts: int) -> RDD[_Rows]:
    """Band rows regrouped so that every ``(band, key)`` bucket is whole in one partition."""
    return (rows.mapPartitions(lambda it: _blocks(it, parts))
            .partitionBy(parts, lambda r: r).values())  # fmt: skip


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


def _near_duplicates(sc: SparkContext, sigs: np.ndarray, params: ScanParams,
                     parts: int) -> set[tuple[int, int]]:  # fmt: skip
    """Document pairs in one band bucket of word-shingle MinHash (the local engine's)."""
    index = np.arange(len(sigs), dtype=np.int64)
    blocks = sc.parallelize(list(zip(np.array_split(index, parts), np.array_split(sigs, parts),
                                     strict=True)), parts)  # fmt: skip
    rows = blocks.mapPartitions(lambda it: _doc_band_rows(it, params))

    def reduce(blocks: Iterable[_Rows]) -> Iterator[np.ndarray]:
        found, _ = bucket_pairs(blocks, params.max_bucket, grouped=False)
        yield from found

    pairs = _shuffled(rows, parts).mapPartitions(reduce).collect()
    return {(int(i), int(j)) for block in pairs for i, j in block}


def _passage_band_rows(feats: Iterable[tuple[int, DocFeatures]], corpus: _Corpus,
                       params: ScanParams) -> Iterator[_Rows]:  # fmt: skip
    """Band keys of each indexed passage, in both LSH indexes of :mod:`dedup.passage_lsh`:
    bands ``[0, b)`` hash rare stems, bands ``[b, 2b)`` rare stem bigrams."""
    bands, _ = band_layout(params.passage_threshold, params.num_perm)
    for index, f in feats:
        usable = f.usable(corpus.chrome[index])
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


def _candidates(feats: RDD[tuple[int, DocFeatures]], corpus_b: Any, params: ScanParams,
                parts: int) -> tuple[np.ndarray, np.ndarray, int]:  # fmt: skip
    """Codes ``i * n + j`` of colliding and of pre-tested document pairs; buckets skipped."""
    rows = feats.mapPartitions(lambda it: _passage_band_rows(it, corpus_b.value, params))

    def reduce(blocks: Iterable[_Rows]) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        corpus: _Corpus = corpus_b.value
        found, skipped = bucket_pairs(blocks, params.max_bucket, grouped=True)
        pairs = unique_pairs(found, corpus.n_passages)
        kept = [pairs[k : k + _PAIR_CHUNK][corpus.evidence(pairs[k : k + _PAIR_CHUNK], params)]
                for k in range(0, len(pairs), _PAIR_CHUNK)]  # fmt: skip
        kept_pairs = np.concatenate([*kept, np.zeros((0, 2), np.int64)])
        n_docs = len(corpus.chrome)
        yield (owner_codes(corpus.owner, pairs, n_docs),
               owner_codes(corpus.owner, kept_pairs, n_docs), skipped)

    out = _shuffled(rows, parts).mapPartitions(reduce).collect()
    colliding = unique_sorted(np.concatenate([c for c, _, _ in out] + [np.zeros(0, np.int64)]))
    aligned = unique_sorted(np.concatenate([a for _, a, _ in out] + [np.zeros(0, np.int64)]))
    return colliding, aligned, sum(s for _, _, s in out)


# --- alignment, distributed by document pair ---


def _align_pairs(analyses: RDD[tuple[int, DocAnalysis]], pairs: list[tuple[int, int]],
                 corpus_b: Any, frequency_b: Any, params: ScanParams, parts: int
                 ) -> list[Match]:  # fmt: skip
    """:func:`dedup.reuse.reuse_matches` of every pair, each task with the pair's two
    analyses."""
    if not pairs:
        return []
    sc = analyses.context
    involved = sc.broadcast({d for pair in pairs for d in pair})
    some = analyses.filter(lambda x: x[0] in involved.value)
    with_a = sc.parallelize(pairs, parts).join(some, parts)
    by_b = with_a.map(lambda x: (x[1][0], (x[0], x[1][1])))
    both = by_b.join(some, parts).map(lambda x: (x[1][0][0], x[0], x[1][0][1], x[1][1]))
    return both.mapPartitions(
        lambda it: _align_partition(it, corpus_b.value, frequency_b.value, params)).collect()


def _align_partition(pairs: Iterable[tuple[int, int, DocAnalysis, DocAnalysis]],
                     corpus: _Corpus, frequency: Frequency, params: ScanParams
                     ) -> Iterator[Match]:  # fmt: skip
    weights = feature_weights(corpus.keys, corpus.pretest.idf)
    for i, j, a, b in pairs:
        yield from reuse_matches(a, b, weights, frequency, params,
                                 usable_a=usable_passages(a.passage_lines, corpus.chrome[i]),
                                 usable_b=usable_passages(b.passage_lines, corpus.chrome[j]))


def scan_paths(paths: Sequence[str | os.PathLike[str]], params: ScanParams, *,
               master: str = "local[*]", conf: Sequence[str] = (), out: str | None = None,
               report: LoadReport | None = None, wires: Collection[str] = (),
               dayfirst: bool = False, **reading: Any) -> ScanResult:  # fmt: skip
    """``dedup scan --engine spark``: read, scan and (``out``) write on a session of its own.

    ``conf`` holds ``KEY=VALUE`` Spark settings; ``out`` is ``DIR`` (Parquet folders of
    pairs, matches and document scores) or ``jsonl:DIR``; ``reading`` holds the options of
    :func:`dedup.spark_io.read_documents` (source rules, encoding, field names). A session
    started here is stopped at the end; an active one is used (``master`` and ``conf`` then
    do not apply) and kept.
    """
    from pyspark.errors import PythonException
    from pyspark.sql import SparkSession

    settings = dict(_setting(c) for c in conf)
    fmt, folder = split_out(out) if out is not None else ("parquet", "")
    own = SparkSession.getActiveSession() is None  # else the caller's session, left running
    try:
        spark = spark_session(master, {"spark.ui.showConsoleProgress": "false", **settings})
    except Exception as exc:  # pyspark raises its own error types when the JVM cannot start
        raise DedupError(f"cannot start Spark on {master!r} (it needs Java 17 or newer on PATH "
                         f"or JAVA_HOME): {exc}") from exc  # fmt: skip
    try:
        docs = read_documents(spark, paths, report=report, **reading)
        result = scan_spark(docs, params, spark=spark, wires=wires, dayfirst=dayfirst)
        if out is not None:
            write_results(spark, result, folder, fmt)
        return result
    except PythonException as exc:  # a task failed: an input error raised in an executor
        raise DedupError(_task_error(str(exc))) from None
    finally:
        if own:
            spark.stop()


def _setting(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not (eq and key.strip()):
        raise ParamError(f"A Spark setting must be 'KEY=VALUE'. Got {text!r} instead.")
    return key.strip(), value


def _task_error(trace: str) -> str:
    """The message of the dedup error a failed task raised, else the trace's last line."""
    lines = [line for line in trace.splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith("dedup.errors.")]
    return (ours[-1] if ours else lines[-1] if lines else "a Spark task failed").partition(": ")[2]
