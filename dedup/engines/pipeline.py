"""scan(): the only module that knows the order of the stages.

features (analyze: normalize, segment, tokenize; then passage features, TF-IDF
terms and MinHash) -> chrome lines -> LSH candidates (:mod:`dedup.candidates.candidates`)
-> align and verify -> boilerplate -> scores -> families. :func:`run_scan` calls
them in that order through an engine (:mod:`dedup.engines.engine`): :func:`scan` on the
local process pool, :func:`dedup.engines.spark.scan_spark` on Spark. The result is the
same whatever the engine and the number of workers.

Memory: a scan holds the documents and their :class:`~dedup.candidates.features.DocFeatures`
(about half the size of an analysis), never every analysis at once. Alignment analyzes
the documents of candidate pairs again, in the workers, a few hundred at a time. An
engine may hand over the documents without their texts until the scores need them
(:meth:`dedup.engines.engine.Engine.documents`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import numpy as np

from dedup.alignment.reuse import reuse_matches
from dedup.analysis.analyze import DocAnalysis
from dedup.analysis.fingerprints import Frequency
from dedup.candidates.boilerplate import (
    Boilerplate,
    chrome_lines,
    mark_boilerplate,
    pair_boilerplate,
)
from dedup.candidates.feature_table import FeatureWeights
from dedup.candidates.features import usable_passages
from dedup.candidates.minhash import NEAR_DUPLICATE_JACCARD, jaccard
from dedup.candidates.word_runs import (
    RunCandidates,
    print_groups,
    print_rows,
    run_groups,
    run_rows,
    word_run_candidates,
)
from dedup.core.dates import parse_dates
from dedup.core.memory import (
    TableStore,
    default_memory_limit,
    frozen_objects,
    release_freed_memory,
)
from dedup.core.pairs import component_labels, set_codes
from dedup.core.params import ScanParams
from dedup.core.progress import Progress, silent
from dedup.core.records import Document, DocumentScore, Match, ScanResult
from dedup.core.roles import is_wire_copy, name_key, unknown_wires
from dedup.core.workers import TaskMap, default_workers, in_turn
from dedup.engines.engine import Engine, LocalEngine, PairFunction, Shared
from dedup.scoring.attribute import attribute
from dedup.scoring.cluster import families
from dedup.scoring.flows import source_flows
from dedup.scoring.score import (
    corpus_score,
    covered_chars,
    derived_pairs,
    pair_scores,
    source_scores,
    text_containments,
    text_share,
)

log = logging.getLogger(__name__)
D = TypeVar("D")  # the documents an engine reads


def scan(documents: Iterable[Document], params: ScanParams | None = None, *,
         workers: int | None = None, progress: Progress | None = None,
         wires: Collection[str] = (), dayfirst: bool = False, memory_limit: int | None = None,
         **kwargs: Any) -> ScanResult:  # fmt: skip
    """Find reused passages between documents and rank how close each pair is.

    Parameters
    ----------
    documents : iterable of Document
        Ids must be unique.
    params : ScanParams, optional
        All tunables; keywords (``passage_threshold=0.4``) build one instead.
    workers : int, optional
        Processes for the CPU-heavy stages (default: all cores). The result is
        the same whatever the number.
    progress : callable, optional
        ``progress(stage, done, total)``, see :mod:`dedup.core.progress`.
    wires : collection of str
        Sources that are wires (agencies): the source of any copy with a non-wire
        (:mod:`dedup.scoring.attribute`); a document's ``role`` field can say the same.
    dayfirst : bool
        Read numeric dates day first (``01/02/2022`` is 1 February), see :mod:`dedup.core.dates`.
    memory_limit : int, optional
        Bytes the corpus-sized tables (passage features, LSH band keys) may hold in
        memory; past it they are memory-mapped temporary files (default: half of the
        machine's memory, :func:`dedup.core.memory.default_memory_limit`). The result is the same.

    Returns
    -------
    ScanResult
    """
    if params is None:
        params = ScanParams.from_kwargs(**kwargs)
    elif kwargs:
        params = ScanParams.from_kwargs(**{**params.as_dict(), **kwargs})
    engine = LocalEngine(default_workers() if workers is None else max(1, int(workers)))
    return run_scan(engine, documents, params, progress=progress, wires=wires, dayfirst=dayfirst,
                    memory_limit=memory_limit)  # fmt: skip


def run_scan(engine: Engine[D], documents: D, params: ScanParams, *,
             progress: Progress | None = None, wires: Collection[str] = (),
             dayfirst: bool = False, memory_limit: int | None = None) -> ScanResult:  # fmt: skip
    """The stages of a scan, in order, each run by ``engine`` (see :mod:`dedup.engines.engine`).

    ``documents`` are what the engine reads (an iterable of Document locally; an RDD
    or a DataFrame too on Spark). Other parameters and the result as for :func:`scan`;
    the engine is closed at the end.
    """
    with frozen_objects() as freeze:
        return _run_stages(engine, documents, params, progress or silent, freeze, wires=wires,
                           dayfirst=dayfirst, memory_limit=memory_limit)  # fmt: skip


def _run_stages(engine: Engine[D], documents: D, params: ScanParams, report: Progress,
                freeze: Callable[[], None], *, wires: Collection[str], dayfirst: bool,
                memory_limit: int | None) -> ScanResult:  # fmt: skip
    """:func:`run_scan`'s stages; ``freeze`` has the cycle collector skip the objects alive
    (:func:`dedup.core.memory.frozen_objects`), called once the features are made and once
    the pairs are aligned."""
    try:
        feats = engine.features(documents, params, report)
        freeze()
        docs = [f.doc for f in feats]  # with the language analysis found; text maybe left out
        report("candidates", 0, len(docs))
        chrome = chrome_lines(feats, params)
        usable = [f.usable(c) for f, c in zip(feats, chrome, strict=True)]
        marked = mark_boilerplate(feats, chrome, params)
        doc_sigs = np.vstack([f.signature for f in feats]
                             + [np.zeros((0, params.num_perm), np.uint32)])  # fmt: skip
        empty = sum(1 for f in feats if f.n_tokens == 0)
        release_freed_memory()  # what the chrome rules made and dropped
        shared_chrome = engine.broadcast(chrome)
        runs = word_runs(engine, shared_chrome, len(docs), params)
        del feats  # the engine frees each document's features as it copies them
        store = TableStore(default_memory_limit() if memory_limit is None else memory_limit)
        found = engine.passage_candidates(usable, shared_chrome, params, store)
        if store.spilled_bytes:
            log.info("%.1f MB of corpus tables memory-mapped from temporary files (memory "
                     "limit %.1f MB)", store.spilled_bytes / 2**20,
                     store.limit_bytes / 2**20)  # fmt: skip
        near = engine.near_duplicates(doc_sigs, params)
        doc_pairs = found.pairs | near | runs.pairs
        near_codes = set_codes(near, len(docs))
        n_candidates = found.colliding.count_with(np.concatenate((near_codes, runs.codes)))
        report("candidates", len(docs), len(docs))
        wire_keys = {name_key(w) for w in wires}
        for name in unknown_wires(wires, {d.source for d in docs}):
            log.warning("warning: --wire %r names no document's source (case, spaces and "
                        "punctuation aside), so it marks none as a wire", name)  # fmt: skip
        groups = reprint_groups(near, doc_sigs)
        tables = engine.broadcast(AlignTables(found.weights, runs.frequency, chrome,
                                              frozenset(wire_keys), groups,
                                              np.bincount(groups)))  # fmt: skip
        matches = engine.map_pairs(partial(align_pair, tables=tables, params=params),
                                   by_component(doc_pairs, len(docs)), report)  # fmt: skip
        freeze()
        report("score", 0, 1)
        cos = engine.cosines(doc_pairs, params.tfidf_floor)
        docs = engine.documents()
        tasks = engine.local_tasks()
        texts = text_containments(lambda k: marked.without(k, docs[k].text), len(docs),
                                  set(cos) | doc_pairs, tasks)  # fmt: skip
        release_freed_memory()  # the texts' n-grams, made and dropped
        wire = [is_wire_copy(d, wire_keys) for d in docs]
        derived = derived_pairs(texts, wire, params.derived_share,
                                params.derived_ratio)  # fmt: skip
        matches = realigned(engine, matches, derived, [d.id for d in docs],
                            partial(align_pair, tables=tables, params=params, derived=True),
                            report)  # fmt: skip
    finally:
        engine.close()
    matches += pair_boilerplate(marked, docs, matches)
    matches.sort(key=lambda m: (m.a, m.b, m.a_start, m.b_start, m.kind))
    counts = {"candidate_pairs": n_candidates, "skipped_buckets": found.skipped,
              "skipped_fingerprints": runs.skipped}
    result = assemble_result(docs, cos, texts, wire, empty, matches, doc_pairs, doc_sigs, params,
                             counts, wires=wires, dayfirst=dayfirst, tasks=tasks,
                             marked=marked)  # fmt: skip
    report("score", 1, 1)
    return result


@dataclass(frozen=True, slots=True)
class AlignTables:
    """What aligning a pair reads of the corpus: the ``weights`` of stems (one object for
    every pair, so that each analysis weighs its passages once), the ``frequency`` of
    word-run fingerprints, each document's ``chrome`` lines (a bool per line), the
    declared wires' :func:`dedup.core.roles.name_key` (``wire_keys``) and each document's
    group of ``reprints``."""

    weights: FeatureWeights
    frequency: Frequency
    chrome: list[np.ndarray]
    wire_keys: frozenset[str]
    reprints: np.ndarray  # each document's reprint group (reprint_groups)
    reprint_sizes: np.ndarray  # documents in each group


def align_pair(i: int, j: int, a: DocAnalysis, b: DocAnalysis, *, tables: Shared[AlignTables],
               params: ScanParams, derived: bool = False) -> list[Match]:  # fmt: skip
    """:func:`dedup.alignment.reuse.reuse_matches` of documents ``i`` and ``j`` (analyses
    ``a``, ``b``); ``derived``: the pair is derived as a whole
    (:func:`dedup.scoring.score.derived_pairs`)."""
    t = tables.value
    usable_a = usable_passages(a.passage_lines, t.chrome[i])
    usable_b = usable_passages(b.passage_lines, t.chrome[j])
    share = partial(text_share, a, b, usable_a, usable_b, is_wire_copy(a.doc, t.wire_keys),
                    is_wire_copy(b.doc, t.wire_keys))  # fmt: skip
    frequency = t.frequency.without_reprints(reprints_beside(t.reprints, t.reprint_sizes, i, j))
    return reuse_matches(a, b, t.weights, frequency, params, usable_a=usable_a,
                         usable_b=usable_b, text_share=share, derived=derived)


def realigned(engine: Engine[Any], matches: list[Match], derived: set[tuple[int, int]],
              ids: list[str], align: PairFunction, report: Progress) -> list[Match]:  # fmt: skip
    """``matches`` (oriented as :func:`assemble_result` asks), where those of each
    ``derived`` pair that holds no reuse match are replaced by ``align`` of the pair run
    by ``engine`` (the pair's documents numbered as in ``ids``)."""
    index = {d: k for k, d in enumerate(ids)}
    with_reuse = {(index[m.a], index[m.b]) for m in matches if m.kind != "boilerplate"}
    again = derived - with_reuse
    if not again:
        return matches
    kept = [m for m in matches if (index[m.a], index[m.b]) not in again]
    return kept + engine.map_pairs(align, by_component(again, len(ids)), report)


def reprints_beside(groups: np.ndarray, sizes: np.ndarray, i: int, j: int) -> int:
    """How many documents other than ``i`` and ``j`` are reprints of either (``groups``:
    :func:`reprint_groups`' labels, ``sizes``: documents per label)."""
    gi, gj = groups[i], groups[j]
    return int(sizes[gi] - 1 + (sizes[gj] - 1 if gj != gi else -1))


def reprint_groups(near: set[tuple[int, int]], doc_sigs: np.ndarray) -> np.ndarray:
    """A label per document, shared by reprints: the ``near`` pairs whose MinHash Jaccard
    (of word shingles, ``doc_sigs``) reaches :data:`dedup.candidates.minhash.NEAR_DUPLICATE_JACCARD`
    (near-duplicates, as ``dedupe`` finds them), joined into connected components."""
    kept = [(i, j) for i, j in sorted(near)
            if jaccard(doc_sigs[i], doc_sigs[j]) >= NEAR_DUPLICATE_JACCARD]
    ij = np.array(kept, dtype=np.int64).reshape(-1, 2)
    return component_labels(ij[:, 0], ij[:, 1], len(doc_sigs))


def by_component(pairs: set[tuple[int, int]], n_docs: int) -> list[tuple[int, int]]:
    """``pairs`` grouped by connected component of the documents they link, then sorted.

    Alignment analyzes documents again, with a cache per worker: pairs of one story
    side by side make each document's analysis serve all its pairs.
    """
    if not pairs:
        return []
    ij = np.array(sorted(pairs), dtype=np.int64)
    label = component_labels(ij[:, 0], ij[:, 1], n_docs)
    order = np.lexsort((ij[:, 1], ij[:, 0], label[ij[:, 0]]))
    return [(int(i), int(j)) for i, j in ij[order]]


def word_runs(engine: Engine[D], chrome: Shared[list[np.ndarray]], n_docs: int,
              params: ScanParams) -> RunCandidates:  # fmt: skip
    """:class:`RunCandidates` of the fingerprints on the corpus's usable passages (off the
    ``chrome`` lines), grouped by key on ``engine``; pairs of fingerprints in more than
    ``max_bucket`` documents pair none."""
    runs = engine.group_by_key(lambda d, f: run_rows(d, f, chrome.value[d]),
                               partial(run_groups, n_docs=n_docs, max_docs=params.max_bucket))
    prints = engine.group_by_key(lambda d, f: print_rows(d, f, chrome.value[d]), print_groups)
    return word_run_candidates(runs, prints, n_docs)


def assemble_result(docs: list[Document], cos: dict[tuple[int, int], float],
                    texts: dict[tuple[int, int], tuple[float, float]], wire: list[bool], empty: int,
                    matches: list[Match], doc_pairs: set[tuple[int, int]], doc_sigs: np.ndarray,
                    params: ScanParams, counts: dict[str, int], *, marked: Boilerplate,
                    wires: Collection[str] = (), dayfirst: bool = False,
                    tasks: TaskMap = in_turn) -> ScanResult:  # fmt: skip
    """Scores, families and stats of a scan, from what the stages found.

    Parameters
    ----------
    docs : list of Document
        Sorted by id; pairs ``(i, j)`` and ``doc_sigs`` rows index this list.
    cos : dict
        TF-IDF cosine of document pairs ``(i, j)``: every one of ``doc_pairs``, and others
        (:meth:`dedup.engines.engine.Engine.cosines`).
    texts : dict
        :func:`dedup.scoring.score.text_containments` of the pairs of ``cos`` and
        ``doc_pairs``, their texts without their boilerplate lines.
    wire : list of bool
        Whether each document is wire copy (:func:`dedup.core.roles.is_wire_copy`).
    empty : int
        Documents without a token.
    matches : list of Match
        Reuse and boilerplate matches, sorted.
    doc_pairs : set of (int, int)
        Candidate document pairs that were aligned.
    doc_sigs : ndarray of uint32, shape (len(docs), num_perm)
        MinHash of each document's word shingles.
    counts : dict
        ``candidate_pairs`` and ``skipped_buckets``.
    marked : Boilerplate
        Each document's boilerplate lines.
    wires, dayfirst
        As for :func:`scan`.
    tasks : TaskMap
        Runs the search for credit lines (:meth:`dedup.engines.engine.Engine.local_tasks`);
        the result does not depend on how.
    """
    ids = [d.id for d in docs]
    chars = {d.id: len(d.text) for d in docs}
    jac = {k: jaccard(doc_sigs[k[0]], doc_sigs[k[1]]) for k in set(cos) | doc_pairs}
    dates = parse_dates(docs, dayfirst=dayfirst)
    scored = pair_scores(ids, [chars[d] for d in ids], matches, cos, jac, texts, wire,
                         params.tfidf_floor)  # fmt: skip
    pairs = attribute(docs, scored, matches, dates, wires=wires, tasks=tasks)
    fams = families(docs, pairs, matches, dates, min_containment=params.family_containment)
    family_of = {m: f.id for f in fams for m in f.members}
    reused = _reused_chars(docs, matches)
    boiler = {d.id: marked.chars(k) for k, d in enumerate(docs)}
    doc_scores = tuple(
        DocumentScore(d.id, d.source, chars[d.id], round(reused[d.id] / max(chars[d.id], 1), 6),
                      round(boiler[d.id] / max(chars[d.id], 1), 6), family_of.get(d.id), d.date,
                      dates[d.id].iso() if d.id in dates else None, d.language or "",
                      marked.spans(k))
        for k, d in enumerate(docs)
    )  # fmt: skip
    stats = {
        "documents": len(docs),
        "empty_documents": empty,
        "candidate_pairs": counts["candidate_pairs"],
        "skipped_buckets": counts["skipped_buckets"],
        "skipped_fingerprints": counts["skipped_fingerprints"],
    }
    return ScanResult(
        documents=tuple(docs),
        document_scores=doc_scores,
        pairs=tuple(pairs),
        matches=tuple(matches),
        sources=tuple(source_scores({d.id: d.source for d in docs}, chars, matches, pairs)),
        families=tuple(fams),
        corpus=corpus_score(chars, reused, boiler),
        params=params.as_dict(),
        stats=stats,
        source_flows=tuple(source_flows(docs, pairs, matches)),
    )


def _reused_chars(docs: list[Document], matches: list[Match]) -> dict[str, int]:
    """Per document, characters covered by reuse matches (each counted once)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in matches:
        if m.kind != "boilerplate":
            spans.setdefault(m.a, []).append((m.a_start, m.a_end))
            spans.setdefault(m.b, []).append((m.b_start, m.b_end))
    return {d.id: covered_chars(spans.get(d.id, [])) for d in docs}
