"""scan(): the only module that knows the order of the stages.

analyze (normalize, segment, tokenize) -> chrome lines -> passage and document
MinHash -> LSH candidates -> align and verify -> boilerplate -> scores ->
families. ``analyze`` and ``align`` run on a process pool (:mod:`dedup.workers`);
the result is the same whatever the number of workers.

How candidate generation is bounded
-----------------------------------
Candidates come from LSH over passages' sets of content-word stems. Three
bounds keep it near linear in the corpus size:

1. A stem found in more than ``max_bucket`` passages (a stock word of the
   corpus) is left out of the passage LSH sets. A band collision means the two
   sets share an element, so the passage pairs LSH can produce are at most
   ``sum(df**2) / 2 <= max_bucket / 2 * (stem occurrences)``: linear. Corpora
   with no stem that common (the seeds) are unaffected.
2. LSH buckets holding more than ``max_bucket`` passages are skipped (counted
   in ``stats["skipped_buckets"]``).
3. A colliding passage pair makes its documents a candidate only when it passes
   alignment's evidence test (rare shared words: weighted overlap >=
   ``match_min_weight`` and Dice >= ``match_similarity`` or containment >=
   ``match_containment``), computed for all pairs at once; pairs that collided
   on common words alone are never aligned.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from dedup.align import Weights, align, is_evidence
from dedup.analyze import DocAnalysis, analyze
from dedup.boilerplate import boilerplate_matches, chrome_lines
from dedup.cluster import families
from dedup.errors import DedupError
from dedup.lsh import band_keys, band_layout, candidate_pairs
from dedup.minhash import jaccard, packed_signatures, signatures
from dedup.params import ScanParams
from dedup.progress import Progress, silent
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
from dedup.workers import default_workers, ordered_map

_EPS = 1e-9  # slack for the evidence pre-test: alignment sums the same weights in another order
_PAIR_CHUNK = 1 << 16  # passage pairs scored at a time (bounds memory)

log = logging.getLogger(__name__)


def scan(documents: Iterable[Document], params: ScanParams | None = None, *,
         workers: int | None = None, progress: Progress | None = None,
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
        ``progress(stage, done, total)``, see :mod:`dedup.progress`.

    Returns
    -------
    ScanResult
    """
    if params is None:
        params = ScanParams.from_kwargs(**kwargs)
    elif kwargs:
        params = ScanParams.from_kwargs(**{**params.as_dict(), **kwargs})
    workers = default_workers() if workers is None else max(1, int(workers))
    report = progress or silent
    docs = list(documents)
    check_unique(docs)
    docs.sort(key=lambda d: d.id)
    report("analyze", 0, len(docs))
    analyses = ordered_map(analyze, docs, workers=workers, chunk_size=64,
                           done=lambda n: report("analyze", n, len(docs)))  # fmt: skip
    # A worker's analysis holds an unpickled copy of its text: point it back at ours.
    analyses = [replace(a, doc=d) for a, d in zip(analyses, docs, strict=True)]
    report("candidates", 0, len(docs))
    chrome = chrome_lines(analyses, params)
    usable = [~c[a.passage_lines] if a.n_passages else np.zeros(0, bool)
              for a, c in zip(analyses, chrome, strict=True)]  # fmt: skip
    table = _FeatureTable.build(analyses, usable)
    weights = table.weights()
    doc_pairs, colliding, skipped = _candidate_documents(table, params)
    doc_sigs = signatures([shingles(a.tokens.hashes, params.shingle_words) for a in analyses],
                          num_perm=params.num_perm, seed=params.seed)  # fmt: skip
    near = _near_duplicate_documents(doc_sigs, params)
    doc_pairs |= near
    near_codes = np.array([i * len(docs) + j for i, j in near], dtype=np.int64)
    n_candidates = len(np.union1d(colliding, near_codes))
    report("candidates", len(docs), len(docs))
    pairs = sorted(doc_pairs)

    def align_pair(pair: tuple[int, int]) -> list[Match]:
        i, j = pair
        return align(analyses[i], analyses[j], weights, params,
                     usable_a=usable[i], usable_b=usable[j])  # fmt: skip

    report("align", 0, len(pairs))
    matches: list[Match] = [m for found in ordered_map(
        align_pair, pairs, workers=workers, chunk_size=256,
        done=lambda n: report("align", n, len(pairs))) for m in found]  # fmt: skip
    report("score", 0, 1)
    matches += boilerplate_matches(analyses, chrome, params)
    matches.sort(key=lambda m: (m.a, m.b, m.a_start, m.b_start, m.kind))
    result = _result(docs, analyses, usable, matches, doc_pairs, doc_sigs, params,
                     {"candidate_pairs": n_candidates, "skipped_buckets": skipped})  # fmt: skip
    report("score", 1, 1)
    return result


def check_unique(docs: list[Document]) -> None:
    """Raise a DedupError naming every duplicated id and where each copy came from."""
    dupes = sorted(d for d, n in Counter(d.id for d in docs).items() if n > 1)
    if dupes:
        where = {d: [x.origin or "?" for x in docs if x.id == d] for d in dupes}
        listing = "; ".join(f"{d!r} ({', '.join(where[d])})" for d in dupes)
        raise DedupError(f"document ids must be unique; duplicated: {listing}")


class _FeatureTable:
    """Content-word stems of every usable passage of the corpus, as flat arrays.

    Row ``r`` says passage ``passage[r]`` (numbered over the corpus) holds stem
    ``feature[r]``; ``owner[p]`` is passage ``p``'s document. ``keys`` and
    ``counts`` are the distinct stems and their passage frequencies.
    """

    def __init__(self, passage: np.ndarray, feature: np.ndarray, owner: np.ndarray,
                 n_docs: int) -> None:  # fmt: skip
        self.passage, self.feature, self.owner, self.n_docs = passage, feature, owner, n_docs
        self.keys, self.index, self.counts = np.unique(feature, return_inverse=True,
                                                       return_counts=True)  # fmt: skip

    @classmethod
    def build(cls, analyses: list[DocAnalysis], usable: list[np.ndarray]) -> _FeatureTable:
        passages, features, owners, base = [], [], [], 0
        for d, (a, u) in enumerate(zip(analyses, usable, strict=True)):
            ks = np.flatnonzero(u)
            k, f = a.feature_table(ks)
            # Number usable passages over the corpus, in document then passage order.
            passages.append(np.searchsorted(ks, k) + base)
            features.append(f)
            owners.append(np.full(len(ks), d, dtype=np.int64))
            base += len(ks)
        return cls(_cat(passages, np.int64), _cat(features, np.uint64), _cat(owners, np.int64),
                   len(analyses))  # fmt: skip

    @property
    def n_passages(self) -> int:
        return len(self.owner)

    def idf(self) -> np.ndarray:
        """IDF of each of ``keys`` over all usable passages, scaled to [0, 1]."""
        return scaled_idf(self.counts, self.n_passages)

    def weights(self) -> Weights:
        """IDF of content-word features over all usable passages, scaled to [0, 1]."""
        return feature_weights(self.keys, self.idf())


def scaled_idf(counts: np.ndarray, n_passages: int) -> np.ndarray:
    """IDF scaled to [0, 1] of features found in ``counts`` of ``n_passages`` passages."""
    n = max(n_passages, 1)
    return np.asarray(np.log((n + 1) / (counts + 1)) / np.log(n + 1), dtype=np.float64)


def feature_weights(keys: np.ndarray, idf: np.ndarray) -> Weights:
    """Alignment's weights: ``idf[k]`` for feature ``keys[k]`` (sorted uint64), 1.0 if unseen."""

    def weights(features: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(keys, features), 0, max(len(keys) - 1, 0))
        found = (
            (pos < len(keys)) & (keys[pos] == features)
            if len(keys)
            else np.zeros(len(features), bool)
        )
        return np.where(found, idf[pos] if len(keys) else 0.0, 1.0)

    return weights


def _cat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate([*arrays, np.zeros(0, dtype)])


def _candidate_documents(table: _FeatureTable, params: ScanParams
                         ) -> tuple[set[tuple[int, int]], np.ndarray, int]:  # fmt: skip
    """Document pairs to align, codes of all colliding document pairs, skipped buckets.

    A pair is aligned when one of its colliding passage pairs passes the evidence test.
    """
    members, sigs = passage_signatures(table.passage, table.feature, table.counts[table.index],
                                       table.n_passages, params)  # fmt: skip
    if not len(members):
        return set(), np.zeros(0, np.int64), 0
    bands, rows_per_band = band_layout(params.passage_threshold, params.num_perm)
    pairs, skipped = candidate_pairs(band_keys(sigs, bands, rows_per_band),
                                     max_bucket=params.max_bucket,
                                     groups=table.owner[members])  # fmt: skip
    pairs = members[pairs]
    colliding = _owner_pairs(table, pairs)
    kept = [pairs[k : k + _PAIR_CHUNK][_evidence(table, pairs[k : k + _PAIR_CHUNK], params)]
            for k in range(0, len(pairs), _PAIR_CHUNK)]  # fmt: skip
    aligned = _owner_pairs(table, np.concatenate([*kept, np.zeros((0, 2), np.int64)]))
    return _decode(aligned, table.n_docs), colliding, skipped


def passage_signatures(passage: np.ndarray, feature: np.ndarray, counts: np.ndarray,
                       n_passages: int, params: ScanParams
                       ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The passages LSH indexes and their MinHash over rare features.

    Parameters
    ----------
    passage, feature : ndarray, shape (rows,)
        Row ``r``: passage ``passage[r]`` (in ``[0, n_passages)``) holds ``feature[r]``;
        rows sorted by passage, one per distinct feature of a passage.
    counts : ndarray of int, shape (rows,)
        Passages of the corpus that hold each row's feature.

    Returns
    -------
    members : ndarray of int64
        Passages with ``passage_min_words`` features or more, some of them rare (in at most
        ``max_bucket`` passages; stock words stay out of the LSH sets).
    sigs : ndarray of uint32, shape (len(members), num_perm)
    """
    eligible = np.bincount(passage, minlength=n_passages) >= params.passage_min_words
    rows = (counts <= params.max_bucket) & eligible[passage]
    lsh_sizes = np.bincount(passage[rows], minlength=n_passages)
    members = np.flatnonzero(eligible & (lsh_sizes > 0))
    if not len(members):
        return members, np.zeros((0, params.num_perm), np.uint32)
    sigs = packed_signatures(feature[rows], lsh_sizes[members],
                             num_perm=params.num_perm, seed=params.seed)  # fmt: skip
    return members, sigs


def _owner_pairs(table: _FeatureTable, pairs: np.ndarray) -> np.ndarray:
    """Distinct document pairs ``(i, j)``, ``i < j``, of passage pairs, as ``i * n + j`` codes."""
    owners = np.sort(table.owner[pairs].reshape(-1, 2), axis=1)
    return np.unique(owners[:, 0] * table.n_docs + owners[:, 1])


def _decode(codes: np.ndarray, n: int) -> set[tuple[int, int]]:
    return set(zip((codes // n).tolist(), (codes % n).tolist(), strict=True))


def _evidence(table: _FeatureTable, pairs: np.ndarray, params: ScanParams) -> np.ndarray:
    """:func:`passage_evidence` of passage pairs of the corpus table."""
    return passage_evidence(table.passage, table.index, table.idf()[table.index],
                            table.n_passages, pairs, params)  # fmt: skip


def passage_evidence(passage: np.ndarray, key: np.ndarray, w: np.ndarray, n_passages: int,
                     pairs: np.ndarray, params: ScanParams) -> np.ndarray:  # fmt: skip
    """Alignment's evidence test for passage pairs ``(p, q)``, all at once (bool per pair).

    Shared weight, weighted Dice and weighted containment as in
    :func:`dedup.align.passage_similarity`, with a hair of slack so that no pair
    alignment would accept is dropped for a rounding difference.

    Parameters
    ----------
    passage, key, w : ndarray, shape (rows,)
        Row ``r``: passage ``passage[r]`` (in ``[0, n_passages)``) holds the feature
        ranked ``key[r]``, of weight ``w[r]``; rows sorted by passage, then key.
    pairs : ndarray of int64, shape (k, 2)
    """
    total = np.bincount(passage, weights=w, minlength=n_passages)
    starts = np.concatenate(([0], np.cumsum(np.bincount(passage, minlength=n_passages))))
    # Rows of p's stems, tagged with their pair; then look each up among q's stems.
    p, q = pairs[:, 0], pairs[:, 1]
    lengths = starts[p + 1] - starts[p]
    firsts = np.cumsum(lengths) - lengths
    rows = (
        np.repeat(starts[p], lengths) + np.arange(int(lengths.sum())) - np.repeat(firsts, lengths)
    )
    pair_of = np.repeat(np.arange(len(pairs)), lengths)
    qs = q[pair_of]
    # q's stems are sorted inside q's rows: binary search of each of p's stems there.
    lo, hi = starts[qs], starts[qs + 1]
    target = key[rows]
    while True:  # vectorized binary search over each row range [lo, hi)
        open_ = lo < hi
        if not open_.any():
            break
        mid = (lo + hi) // 2
        go_right = open_ & (key[np.minimum(mid, len(key) - 1)] < target)
        lo = np.where(go_right, mid + 1, lo)
        hi = np.where(open_ & ~go_right, mid, hi)
    hit = (lo < starts[qs + 1]) & (key[np.minimum(lo, len(key) - 1)] == target)
    shared = np.bincount(pair_of[hit], weights=w[rows[hit]], minlength=len(pairs))
    wa, wb = total[p], total[q]
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = np.nan_to_num(2 * shared / (wa + wb))
        containment = np.nan_to_num(shared / np.minimum(wa, wb))
    return is_evidence(shared, dice, containment, params, slack=_EPS)


def _near_duplicate_documents(sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
    bands, rows = band_layout(params.doc_threshold, params.num_perm)
    pairs, _ = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=params.max_bucket)
    return {(int(i), int(j)) for i, j in pairs}


def _result(docs: list[Document], analyses: list[DocAnalysis], usable: list[np.ndarray],
            matches: list[Match], doc_pairs: set[tuple[int, int]], doc_sigs: np.ndarray,
            params: ScanParams, counts: dict[str, int]) -> ScanResult:  # fmt: skip
    body = [document_body(a, u) for a, u in zip(analyses, usable, strict=True)]
    empty = sum(1 for a in analyses if len(a.tokens) == 0)
    return assemble_result(docs, body, empty, matches, doc_pairs, doc_sigs, params, counts)


def document_body(a: DocAnalysis, usable: np.ndarray) -> list[str]:
    """Content words of a document's ``usable`` passages, in text order (its TF-IDF input)."""
    ks = np.flatnonzero(usable)
    tok = _ranges(a.passage_tok_lo[ks], a.passage_tok_hi[ks])
    tok = tok[a.tokens.content[tok]]
    text = a.norm.text
    return [text[s:e] for s, e in zip(a.tokens.starts[tok].tolist(), a.tokens.ends[tok].tolist(),
                                      strict=True)]  # fmt: skip


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``lo[0]..hi[0]-1, lo[1]..hi[1]-1, ...`` back to back (int64; empty ranges allowed)."""
    lengths = np.maximum(hi - lo, 0).astype(np.int64)
    firsts = np.cumsum(lengths) - lengths
    return np.repeat(lo.astype(np.int64) - firsts, lengths) + np.arange(int(lengths.sum()))


def assemble_result(docs: list[Document], body: list[list[str]], empty: int, matches: list[Match],
                    doc_pairs: set[tuple[int, int]], doc_sigs: np.ndarray, params: ScanParams,
                    counts: dict[str, int]) -> ScanResult:  # fmt: skip
    """Scores, families and stats of a scan, from what the stages found.

    Parameters
    ----------
    docs : list of Document
        Sorted by id; pairs ``(i, j)`` and ``doc_sigs`` rows index this list.
    body : list of list of str
        :func:`document_body` of each document.
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
    """
    ids = [d.id for d in docs]
    chars = {d.id: len(d.text) for d in docs}
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
        "empty_documents": empty,
        "candidate_pairs": counts["candidate_pairs"],
        "skipped_buckets": counts["skipped_buckets"],
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
    boilerplate = {d.id: covered_chars(spans.get((d.id, True), [])) for d in docs}
    return reused, boilerplate
