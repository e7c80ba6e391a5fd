"""Scores: coverage, TF-IDF cosine, Jaccard, containment; ranking of document and source pairs.

Stage: matches + analyses -> :class:`PairScore`, :class:`DocumentScore`,
:class:`SourceScore`, :class:`CorpusScore`.

Ranking score of a document pair, in [0, 1], the mean of three views of how close
the two texts are::

    score = ((containment_ab + containment_ba) / 2 + word_overlap + tfidf_cosine) / 3

Containment (share of each text covered by reuse matches, boilerplate never
counted) is the direct evidence of copying; the word overlap (distinct content
words the two share, over those of the larger) grades what lies below a match, a
story rewritten from another keeping its words but not their sentences; TF-IDF
cosine (on text without site chrome) weighs shared rare words most. The three count
equally: no weight is fitted to a corpus.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer

from dedup.arrays import unique_inverse
from dedup.records import CorpusScore, Match, PairScore, SourceScore

_ALL_PAIRS_MAX_DOCS = 5000  # above this, cosine is computed for candidate pairs only


def covered_chars(spans: Iterable[tuple[int, int]]) -> int:
    """Characters in the union of half-open spans."""
    total, end = 0, -1
    for s, e in sorted(spans):
        if e > end:
            total += e - max(s, end)
            end = e
    return total


def tfidf_matrix(terms: Sequence[np.ndarray]) -> sparse.csr_matrix:
    """L2-normalized TF-IDF rows (sublinear tf, smoothed IDF) of documents' term hashes.

    Parameters
    ----------
    terms : sequence of ndarray of uint64
        Per document, the hash of each of its words (repeats count).

    Returns
    -------
    csr_matrix, shape (len(terms), distinct terms)
        What scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` gives for the words.
    """
    sizes = np.array([len(t) for t in terms], dtype=np.int64)
    vocabulary, column, _ = unique_inverse(np.concatenate([*terms, np.zeros(0, np.uint64)]))
    rows = np.concatenate(([0], np.cumsum(sizes)))
    tf = sparse.csr_matrix((np.ones(len(column)), column, rows),
                           shape=(len(terms), len(vocabulary)))  # fmt: skip
    tf.sum_duplicates()  # one cell per (document, term), columns sorted within a row
    return TfidfTransformer(sublinear_tf=True).fit_transform(tf).tocsr()


def cosine_pairs(x: sparse.csr_matrix, candidates: set[tuple[int, int]],
                 floor: float) -> dict[tuple[int, int], float]:  # fmt: skip
    """Cosine of every candidate pair, and of every other pair at or above ``floor``.

    All pairs are examined for corpora up to 5,000 documents; above that only
    the candidates, since an all-pairs product grows quadratically.
    """
    out: dict[tuple[int, int], float] = {}
    n = x.shape[0]
    if n <= _ALL_PAIRS_MAX_DOCS:
        sims = (x @ x.T).tocoo()
        for i, j, v in zip(sims.row, sims.col, sims.data, strict=True):
            if i < j and (v >= floor or (i, j) in candidates):
                out[(int(i), int(j))] = float(v)
    missing = np.array(sorted(set(candidates) - set(out)), dtype=np.int64).reshape(-1, 2)
    dots = np.asarray(x[missing[:, 0]].multiply(x[missing[:, 1]]).sum(axis=1)).ravel()
    for (i, j), v in zip(missing.tolist(), dots.tolist(), strict=True):
        out[(i, j)] = float(v)
    return out


def word_overlaps(x: sparse.csr_matrix, pairs: Iterable[tuple[int, int]]
                  ) -> dict[tuple[int, int], float]:  # fmt: skip
    """Per document pair, the share of the larger document's distinct words that the
    other holds.

    Parameters
    ----------
    x : csr_matrix
        TF-IDF rows (:func:`tfidf_matrix`): a document's cells are its distinct words
        (every weight is positive).
    pairs : iterable of (int, int)
        Row positions in ``x``.

    Returns
    -------
    dict
        ``(i, j) -> overlap`` in [0, 1]; 0 when either document has no word.
    """
    keys = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    present = x.copy()
    present.data[:] = 1.0
    sizes = np.diff(present.indptr)
    shared = np.asarray(present[keys[:, 0]].multiply(present[keys[:, 1]]).sum(axis=1)).ravel()
    larger = np.maximum(np.maximum(sizes[keys[:, 0]], sizes[keys[:, 1]]), 1)
    return {(i, j): v for (i, j), v in zip(keys.tolist(), (shared / larger).tolist(), strict=True)}


def pair_scores(ids: Sequence[str], chars: Sequence[int], matches: Sequence[Match],
                cosines: dict[tuple[int, int], float], jaccards: dict[tuple[int, int], float],
                overlaps: dict[tuple[int, int], float], floor: float
                ) -> list[PairScore]:  # fmt: skip
    """Ranked pair scores (rank 1 first; ties broken by ids).

    Pairs with reuse are reported, and pairs without reuse whose cosine is at
    least ``floor``. ``matches`` must be oriented with ``a < b`` by position in ``ids``.
    """
    index = {d: k for k, d in enumerate(ids)}
    spans: dict[tuple[int, int], tuple[list[tuple[int, int]], list[tuple[int, int]]]] = defaultdict(
        lambda: ([], [])
    )
    for m in matches:
        if m.kind != "boilerplate":
            key = (index[m.a], index[m.b])
            spans[key][0].append((m.a_start, m.a_end))
            spans[key][1].append((m.b_start, m.b_end))
    keys = set(spans) | {k for k, v in cosines.items() if v >= floor}
    rows = []
    for i, j in keys:
        sa, sb = spans.get((i, j), ([], []))
        ca, cb = covered_chars(sa), covered_chars(sb)
        cab, cba = ca / max(chars[i], 1), cb / max(chars[j], 1)
        cos, overlap = cosines.get((i, j), 0.0), overlaps.get((i, j), 0.0)
        score = ((cab + cba) / 2 + overlap + cos) / 3
        rows.append((round(score, 6), ids[i], ids[j], cos, jaccards.get((i, j), 0.0), overlap,
                     cab, cba, max(ca, cb)))  # fmt: skip
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return [
        PairScore(a, b, rank, score, round(cos, 6), round(jac, 6), round(overlap, 6),
                  round(cab, 6), round(cba, 6), reused)
        for rank, (score, a, b, cos, jac, overlap, cab, cba, reused) in enumerate(rows, start=1)
    ]


def source_scores(sources: dict[str, str], chars: dict[str, int], matches: Sequence[Match],
                  pairs: Sequence[PairScore]) -> list[SourceScore]:  # fmt: skip
    """Reuse aggregated per pair of sources (``a < b``), most reused first."""
    source_chars: dict[str, int] = defaultdict(int)
    for d, s in sources.items():
        source_chars[s] += chars[d]
    spans: dict[tuple[str, str], dict[str, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for m in matches:
        if m.kind != "boilerplate":
            sa, sb = sources[m.a], sources[m.b]
            key = (sa, sb) if sa <= sb else (sb, sa)
            spans[key][m.a].append((m.a_start, m.a_end))
            spans[key][m.b].append((m.b_start, m.b_end))
    counts: dict[tuple[str, str], list[float]] = defaultdict(list)
    reuse_pairs: dict[tuple[str, str], int] = defaultdict(int)
    for p in pairs:
        sa, sb = sources[p.a], sources[p.b]
        key = (sa, sb) if sa <= sb else (sb, sa)
        counts[key].append(p.tfidf_cosine)
        reuse_pairs[key] += p.reused_chars > 0
    out = []
    for key in sorted(set(spans) | set(counts)):
        sa, sb = key
        by_doc = spans.get(key, {})
        ra = sum(covered_chars(v) for d, v in by_doc.items() if sources[d] == sa)
        rb = sum(covered_chars(v) for d, v in by_doc.items() if sources[d] == sb)
        cos = counts.get(key, [])
        out.append(SourceScore(sa, sb, reuse_pairs.get(key, 0), ra, rb,
                               round(ra / max(source_chars[sa], 1), 6),
                               round(rb / max(source_chars[sb], 1), 6),
                               round(float(np.mean(cos)) if cos else 0.0, 6)))  # fmt: skip
    out.sort(key=lambda s: (-(s.reused_chars_a + s.reused_chars_b), s.a, s.b))
    return out


def corpus_score(
    chars: dict[str, int], reused: dict[str, int], boilerplate: dict[str, int]
) -> CorpusScore:
    """Corpus overlap from per-document character counts."""
    total = sum(chars.values())
    reused_total = sum(reused.values())
    return CorpusScore(
        documents=len(chars),
        chars=total,
        reused_chars=reused_total,
        reused_share=round(reused_total / max(total, 1), 6),
        boilerplate_chars=sum(boilerplate.values()),
        documents_with_reuse=sum(1 for v in reused.values() if v > 0),
    )
