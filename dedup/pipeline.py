"""scan(): the only module that knows the order of the stages.

analyze (normalize, segment, tokenize) -> chrome lines -> passage and document
MinHash -> LSH candidates -> align and verify -> boilerplate -> scores ->
families.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from dedup.align import align
from dedup.analyze import DocAnalysis, analyze
from dedup.boilerplate import boilerplate_matches, chrome_lines
from dedup.cluster import families
from dedup.errors import DedupError
from dedup.lsh import band_keys, band_layout, candidate_pairs
from dedup.minhash import jaccard, signatures
from dedup.params import ScanParams
from dedup.records import Document, DocumentScore, Match, ScanResult
from dedup.score import (
    corpus_score,
    cosine_pairs,
    covered_chars,
    pair_scores,
    source_scores,
    tfidf_matrix,
)
from dedup.shingle import shingles

log = logging.getLogger(__name__)


def scan(documents: Iterable[Document], params: ScanParams | None = None, *,
         workers: int | None = None, **kwargs: Any) -> ScanResult:  # fmt: skip
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

    Returns
    -------
    ScanResult
    """
    if params is None:
        params = ScanParams.from_kwargs(**kwargs)
    elif kwargs:
        params = ScanParams.from_kwargs(**{**params.as_dict(), **kwargs})
    docs = list(documents)
    _check_unique(docs)
    docs.sort(key=lambda d: d.id)
    analyses = [analyze(d) for d in docs]
    chrome = chrome_lines(analyses, params)
    usable = [~c[a.passage_lines] if a.n_passages else np.zeros(0, bool)
              for a, c in zip(analyses, chrome, strict=True)]  # fmt: skip
    weights = _feature_weights(analyses, usable)
    doc_pairs, skipped = _candidate_documents(analyses, usable, params)
    doc_sigs = signatures([shingles(a.tokens.hashes, params.shingle_words) for a in analyses],
                          num_perm=params.num_perm, seed=params.seed)  # fmt: skip
    doc_pairs |= _near_duplicate_documents(doc_sigs, params)
    matches: list[Match] = []
    for i, j in sorted(doc_pairs):
        matches += align(
            analyses[i], analyses[j], weights, params, usable_a=usable[i], usable_b=usable[j]
        )
    matches += boilerplate_matches(analyses, chrome, params)
    matches.sort(key=lambda m: (m.a, m.b, m.a_start, m.b_start, m.kind))
    return _result(docs, analyses, usable, matches, doc_pairs, doc_sigs, params, skipped)


def _check_unique(docs: list[Document]) -> None:
    dupes = sorted(d for d, n in Counter(d.id for d in docs).items() if n > 1)
    if dupes:
        where = {d: [x.origin or "?" for x in docs if x.id == d] for d in dupes}
        listing = "; ".join(f"{d!r} ({', '.join(where[d])})" for d in dupes)
        raise DedupError(f"document ids must be unique; duplicated: {listing}")


def _feature_weights(analyses: list[DocAnalysis], usable: list[np.ndarray]):  # type: ignore[no-untyped-def]
    """IDF of content-word features over all usable passages, scaled to [0, 1]."""
    per_passage = [a.passage_features(k) for a, u in zip(analyses, usable, strict=True)
                   for k in np.flatnonzero(u)]  # fmt: skip
    n = max(len(per_passage), 1)
    keys, counts = np.unique(
        np.concatenate([*per_passage, np.zeros(0, np.uint64)]), return_counts=True
    )
    idf = np.log((n + 1) / (counts + 1)) / np.log(n + 1)

    def weights(features: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(keys, features), 0, max(len(keys) - 1, 0))
        found = (
            (pos < len(keys)) & (keys[pos] == features)
            if len(keys)
            else np.zeros(len(features), bool)
        )
        return np.where(found, idf[pos] if len(keys) else 0.0, 1.0)

    return weights


def _candidate_documents(analyses: list[DocAnalysis], usable: list[np.ndarray],
                         params: ScanParams) -> tuple[set[tuple[int, int]], int]:  # fmt: skip
    """Document pairs with at least one passage pair above the passage LSH threshold."""
    feats, owner = [], []
    for d, (a, u) in enumerate(zip(analyses, usable, strict=True)):
        for k in np.flatnonzero(u):
            f = a.passage_features(k)
            if len(f) >= params.passage_min_words:
                feats.append(f)
                owner.append(d)
    if not feats:
        return set(), 0
    sigs = signatures(feats, num_perm=params.num_perm, seed=params.seed)
    bands, rows = band_layout(params.passage_threshold, params.num_perm)
    pairs, skipped = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=params.max_bucket,
                                     groups=np.array(owner))  # fmt: skip
    owners = np.array(owner)[pairs]
    return {(int(i), int(j)) for i, j in np.unique(np.sort(owners, axis=1), axis=0)}, skipped


def _near_duplicate_documents(sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
    bands, rows = band_layout(params.doc_threshold, params.num_perm)
    pairs, _ = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=params.max_bucket)
    return {(int(i), int(j)) for i, j in pairs}


def _result(docs: list[Document], analyses: list[DocAnalysis], usable: list[np.ndarray],
            matches: list[Match], doc_pairs: set[tuple[int, int]], doc_sigs: np.ndarray,
            params: ScanParams, skipped: int) -> ScanResult:  # fmt: skip
    ids = [d.id for d in docs]
    chars = {d.id: len(d.text) for d in docs}
    body = [[a.norm.text[a.tokens.starts[t] : a.tokens.ends[t]]
             for k in np.flatnonzero(u)
             for t in range(a.passage_tok_lo[k], a.passage_tok_hi[k]) if a.tokens.content[t]]
            for a, u in zip(analyses, usable, strict=True)]  # fmt: skip
    cos = cosine_pairs(tfidf_matrix(body), doc_pairs, params.tfidf_floor) if any(body) else {}
    jac = {k: jaccard(doc_sigs[k[0]], doc_sigs[k[1]]) for k in set(cos) | doc_pairs}
    pairs = pair_scores(ids, [chars[d] for d in ids], matches, cos, jac, params.tfidf_floor)
    fams = families(docs, pairs, min_containment=params.family_containment)
    family_of = {m: f.id for f in fams for m in f.members}
    reused, boiler = _covered_by_kind(docs, matches)
    doc_scores = tuple(
        DocumentScore(d.id, d.source, chars[d.id], round(reused[d.id] / max(chars[d.id], 1), 6),
                      round(boiler[d.id] / max(chars[d.id], 1), 6), family_of.get(d.id))
        for d in docs
    )  # fmt: skip
    stats = {
        "documents": len(docs),
        "empty_documents": sum(1 for a in analyses if len(a.tokens) == 0),
        "candidate_pairs": len(doc_pairs),
        "skipped_buckets": skipped,
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
    )


def _covered_by_kind(
    docs: list[Document], matches: list[Match]
) -> tuple[dict[str, int], dict[str, int]]:
    spans: dict[tuple[str, bool], list[tuple[int, int]]] = {}
    for m in matches:
        boiler = m.kind == "boilerplate"
        spans.setdefault((m.a, boiler), []).append((m.a_start, m.a_end))
        spans.setdefault((m.b, boiler), []).append((m.b_start, m.b_end))
    reused = {d.id: covered_chars(spans.get((d.id, False), [])) for d in docs}
    boiler = {d.id: covered_chars(spans.get((d.id, True), [])) for d in docs}
    return reused, boiler
