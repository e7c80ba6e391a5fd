"""Where a scan's stages run: the engine interface and the local engine (a process pool).

:func:`dedup.engines.pipeline.run_scan` calls the stages in order through an :class:`Engine`,
which runs five kinds of step; the stages themselves are pure functions that hold no
pool or session:

- **map over batches of documents** (:meth:`Engine.features`): every document's
  :class:`~dedup.candidates.features.DocFeatures`;
- **group by key** (:meth:`Engine.group_by_key`, :meth:`Engine.passage_candidates`,
  :meth:`Engine.near_duplicates`): keyed rows of each document's features (runs of words,
  fingerprints, stems and bigrams counted over passages), LSH band keys of passages and of
  documents, grouped into buckets;
- **broadcast a small table** (:meth:`Engine.broadcast`): what every task of the next step
  reads (IDF weights, fingerprint frequencies, chrome lines);
- **map over candidate pairs** (:meth:`Engine.map_pairs`, :meth:`Engine.cosines`): a
  function of two documents' analyses, or of their TF-IDF rows, per pair;
- **tasks beside the result** (:meth:`Engine.local_tasks`): how the scores, made where
  the result is assembled, spread their work over documents and pairs.

:class:`LocalEngine` runs them on forked processes (:mod:`dedup.core.workers`);
:class:`dedup.engines.spark_engine.SparkEngine` runs them as Spark jobs. Both give the same
result to the last bit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

import numpy as np

from dedup.analysis.analyze import DocAnalysis, analyze
from dedup.candidates.candidates import candidate_documents, near_duplicate_documents
from dedup.candidates.feature_table import FeatureWeights, corpus_tables
from dedup.candidates.features import DocFeatures, feature_batch
from dedup.candidates.word_runs import KeyedRows
from dedup.core.arrays import unique_sorted
from dedup.core.memory import SpilledArrays, TableStore, release_freed_memory
from dedup.core.params import ScanParams
from dedup.core.progress import Progress
from dedup.core.records import Document, Match
from dedup.core.workers import ProcessMap, TaskMap, ThreadMap, ordered_imap, ordered_map
from dedup.io.load_records import check_unique
from dedup.scoring.score import document_cosines

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
D_contra = TypeVar("D_contra", contravariant=True)  # the documents an engine reads

_BATCH = 64  # documents a worker analyzes and sends back at a time
_ANALYSES_CACHED = 512  # analyses an alignment worker keeps (pairs come story by story)
_GROUP_DOCS = 1 << 14  # documents whose keyed rows one local group reduces, about
_ROWS_AT_ONCE = 1 << 12  # documents whose rows are made before they are split into groups

R = TypeVar("R")

PairFunction = Callable[[int, int, DocAnalysis, DocAnalysis], list[Match]]
RowFunction = Callable[[int, DocFeatures], KeyedRows]  # keyed rows of document ``d``


def cached_analyses(document: Callable[[int], Document]) -> Callable[[int], DocAnalysis]:
    """The analysis of document ``k`` (``document(k)``), the last ``_ANALYSES_CACHED``
    kept: an alignment task meets pairs story by story, a document in several."""
    return lru_cache(maxsize=_ANALYSES_CACHED)(lambda k: analyze(document(k)))


class Shared(Protocol[T_co]):
    """A broadcast table: every task reads ``value``."""

    @property
    def value(self) -> T_co: ...


@dataclass(frozen=True, slots=True)
class Held(Generic[T]):
    """A table the local engine's forked workers read from the parent's memory."""

    value: T


class PairCodes(Protocol):
    """Codes ``i * n + j`` of document pairs, held where the engine found them."""

    def count_with(self, codes: np.ndarray) -> int:
        """How many distinct codes these and ``codes`` (int64, any order) hold together."""


@dataclass(frozen=True, slots=True)
class HeldCodes:
    """:class:`PairCodes` in this process's memory (``codes``: sorted, distinct)."""

    codes: np.ndarray

    def count_with(self, codes: np.ndarray) -> int:
        return len(unique_sorted(np.concatenate((self.codes, codes.astype(np.int64)))))


@dataclass(frozen=True, slots=True)
class PassageCandidates:
    """What the passage LSH stage found (:func:`dedup.candidates.candidates.candidate_documents`):
    document ``pairs`` to align, the codes of every ``colliding`` document pair (counted,
    never gathered), LSH buckets ``skipped``, and alignment's stem ``weights`` (IDF over
    the corpus's usable passages)."""

    pairs: set[tuple[int, int]]
    colliding: PairCodes
    skipped: int
    weights: FeatureWeights


class Engine(Protocol[D_contra]):
    """The steps a scan asks of the machine it runs on (see the module docstring)."""

    def features(self, documents: D_contra, params: ScanParams,
                 report: Progress) -> list[DocFeatures]:  # fmt: skip
        """Every document's features, sorted by id; a :class:`DedupError` names duplicate ids.

        The documents are the features' ``doc`` (with the language analysis found). An
        engine that keeps the features where the documents are may return them without
        their passages' rows (stems, bigrams, terms, fingerprints): only its own steps read
        those; and their documents without the text (:meth:`documents` gives them whole).
        """

    def documents(self) -> list[Document]:
        """The documents of :meth:`features`, in its order, each with its text."""

    def group_by_key(self, rows: RowFunction, reduce: Callable[[KeyedRows], R]) -> list[R]:
        """``reduce`` of the rows ``rows(d, features_d)`` of every document, grouped by key:
        every row of a key reaches the same call, the calls' results in any order.

        Reads the features :meth:`features` returned, until :meth:`passage_candidates`.
        """

    def passage_candidates(self, usable: list[np.ndarray], chrome: Shared[list[np.ndarray]],
                           params: ScanParams, store: TableStore) -> PassageCandidates:
        """Candidates of the passage LSH indexes over the documents' ``usable`` passages
        (a bool per passage; ``chrome``: a bool per line), from the stem and bigram rows of
        the features: the last step to read them (no :meth:`group_by_key` after it).

        ``store`` makes the corpus-sized arrays this machine holds (feature tables, band keys).
        """

    def near_duplicates(self, sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
        """:func:`dedup.candidates.candidates.near_duplicate_documents` of the signatures
        ``sigs``."""

    def broadcast(self, value: T) -> Shared[T]:
        """``value`` (small next to the corpus) made readable by every task."""

    def cosines(self, pairs: set[tuple[int, int]], floor: float) -> dict[tuple[int, int], float]:
        """:func:`dedup.scoring.score.document_cosines` of the terms of every document's usable
        passages (as :meth:`passage_candidates` was told), for ``pairs`` and ``floor``."""

    def map_pairs(self, fn: PairFunction, pairs: Sequence[tuple[int, int]],
                  report: Progress) -> list[Match]:  # fmt: skip
        """``fn(i, j, analysis_i, analysis_j)`` of every pair ``(i, j)``, concatenated in
        any order (documents numbered as :meth:`features` returns them)."""

    def local_tasks(self) -> TaskMap:
        """How the scores, made where the result is assembled, run their tasks over
        documents and pairs (:class:`dedup.core.workers.TaskMap`)."""

    def close(self) -> None:
        """Free what the scan left on the engine (cached data sets)."""


class LocalEngine:
    """The engine of :func:`dedup.scan`: forked worker processes on this machine.

    Parameters
    ----------
    workers : int
        Processes for the CPU-heavy steps; the result is the same whatever the number.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._docs: list[Document] = []
        self._feats: list[DocFeatures | None] = []
        self._terms: SpilledArrays | None = None

    def features(self, documents: Iterable[Document], params: ScanParams,
                 report: Progress) -> list[DocFeatures]:  # fmt: skip
        docs = list(documents)
        check_unique(docs)
        docs.sort(key=lambda d: d.id)
        report("analyze", 0, len(docs))
        # Workers are forked: they read the documents of batch k from here, not from a pipe.
        # Each batch is unpacked here while the workers analyze the next ones.
        firsts = range(0, len(docs), _BATCH)
        packed = ordered_imap(lambda k: feature_batch(docs[k : k + _BATCH], params), firsts,
                              workers=self.workers, chunk_size=1,
                              done=lambda n: report("analyze", min(n * _BATCH, len(docs)),
                                                    len(docs)))  # fmt: skip
        feats = [f for k, p in zip(firsts, packed, strict=True)
                 for f in p.unpack(docs[k : k + _BATCH])]  # fmt: skip
        self._docs = [f.doc for f in feats]
        self._feats = list[DocFeatures | None](feats)
        release_freed_memory()  # the batches' pickles, read
        return feats

    def group_by_key(self, rows: RowFunction, reduce: Callable[[KeyedRows], R]) -> list[R]:
        """A group per ``_GROUP_DOCS`` documents, rows split by key (``key % groups``): the
        rows are held once, and each call of ``reduce`` sorts a share of them. The workers
        make the rows, ``_ROWS_AT_ONCE`` documents a task, and reduce the groups, a group a
        task; the rows of a group keep document order, so the result is the same."""
        groups = max(1, -(-len(self._feats) // _GROUP_DOCS))
        feats = self._feats

        def split(first: int) -> list[KeyedRows]:
            got = [rows(d, f) for d, f in enumerate(feats[first : first + _ROWS_AT_ONCE],
                                                      start=first) if f is not None]  # fmt: skip
            keys = np.concatenate([k for k, _ in got] + [np.zeros(0, np.uint64)])
            values = np.concatenate([v for _, v in got] + [np.zeros(0, np.int64)])
            group = keys % np.uint64(groups)
            return [(keys[group == g], values[group == g]) for g in range(groups)]

        parts: list[list[KeyedRows]] = [[] for _ in range(groups)]
        for split_rows in ordered_imap(split, range(0, len(feats), _ROWS_AT_ONCE),
                                       workers=self.workers, chunk_size=1):  # fmt: skip
            for part, got in zip(parts, split_rows, strict=True):
                part.append(got)

        def reduced(g: int) -> R:  # a worker joins its group's rows: the parent never does
            part = parts[g]
            return reduce((np.concatenate([k for k, _ in part] + [np.zeros(0, np.uint64)]),
                           np.concatenate([v for _, v in part] + [np.zeros(0, np.int64)])))

        found = ordered_map(reduced, range(groups), workers=self.workers, chunk_size=1)
        parts.clear()
        release_freed_memory()
        return found

    def passage_candidates(self, usable: list[np.ndarray], chrome: Shared[list[np.ndarray]],
                           params: ScanParams, store: TableStore) -> PassageCandidates:
        """Corpus tables copied from the features, each document's freed once copied (the
        caller holds the features no more), then :func:`candidate_documents` on the pool;
        the documents' terms wait in a temporary file until :meth:`cosines`."""
        feats, self._feats = self._feats, []
        stems, bigrams, terms = corpus_tables(feats, usable, store)
        del feats
        self._terms = SpilledArrays(terms, np.uint64)  # read again by the scores only
        del terms
        pairs, colliding, skipped = candidate_documents(
            stems, bigrams, params, tasks=ProcessMap(self.workers),
            threads=ThreadMap(self.workers), store=store)  # fmt: skip
        return PassageCandidates(pairs, HeldCodes(colliding), skipped, stems.weights())

    def documents(self) -> list[Document]:
        return self._docs

    def near_duplicates(self, sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
        return near_duplicate_documents(sigs, params)

    def broadcast(self, value: T) -> Held[T]:
        return Held(value)

    def cosines(self, pairs: set[tuple[int, int]], floor: float) -> dict[tuple[int, int], float]:
        terms, self._terms = self._terms, None
        return document_cosines(terms.load() if terms is not None else [], pairs, floor)

    def map_pairs(self, fn: PairFunction, pairs: Sequence[tuple[int, int]],
                  report: Progress) -> list[Match]:  # fmt: skip
        analysis = cached_analyses(self._docs.__getitem__)

        def one(pair: tuple[int, int]) -> list[Match]:
            i, j = pair
            return fn(i, j, analysis(i), analysis(j))

        report("align", 0, len(pairs))
        found = ordered_map(one, pairs, workers=self.workers, chunk_size=256,
                            done=lambda n: report("align", n, len(pairs)))  # fmt: skip
        return [m for matches in found for m in matches]

    def local_tasks(self) -> ProcessMap:
        return ProcessMap(self.workers)

    def close(self) -> None:
        self._docs, self._feats, self._terms = [], [], None
