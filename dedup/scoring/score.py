"""Scores: coverage, TF-IDF cosine, Jaccard, containment; ranking of document and source pairs.

Stage: matches + analyses -> :class:`PairScore`, :class:`DocumentScore`,
:class:`SourceScore`, :class:`CorpusScore`.

Ranking score of a document pair, in [0, 1]: how much of one text is found in the
other, read as character 5-grams (:func:`dedup.analysis.shingle.char_grams`) of each text
without its boilerplate lines::

    score = text_containment of the copy in its source    when one of the two is
                                                          wire copy
          = min(text_containment_ab, text_containment_ba) otherwise

Containment is the classic measure of text reuse (Broder, "On the resemblance and
containment of documents", 1997; Clough et al., "METER: MEasuring TExt Reuse",
ACL 2002, measured newspaper stories against the agency copy they came from).
When one text is wire copy (:func:`dedup.core.roles.is_wire_copy`: a declared wire,
``--wire`` or a ``role`` field, or a story carrying its own agency's credit), the
other text is the copy and the score is the share of it taken from the wire. Else
it is the smaller share: a short text is contained by chance in a long one on the
same event, the long one in the short one is not. Character n-grams rather than
words: spelling variants and words written joined or apart keep most of them.
Containment by reuse matches (the share of each text that alignment covers),
TF-IDF cosine and Jaccard are reported beside the score.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from dedup.analysis.analyze import DocAnalysis
from dedup.analysis.shingle import char_grams
from dedup.core.arrays import positions, unique_inverse, unique_sorted
from dedup.core.kernels import NUMBA, njit
from dedup.core.pairs import component_labels, pair_codes, set_codes
from dedup.core.records import CorpusScore, Match, PairScore, SourceScore
from dedup.core.workers import TaskMap, in_turn

ALL_PAIRS_MAX_DOCS = 5000  # above this, cosine is computed for candidate pairs only
_GRAM_CACHE = 512  # documents whose character n-grams text_containments holds at a time
_PAIRS_A_TASK = 2048  # pairs whose text containments one task computes


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


def smoothed_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """The IDF :func:`tfidf_matrix` gives terms found in ``df`` of ``n_docs`` documents
    (scikit-learn's smoothed IDF, computed as it does; float64)."""
    idf = np.full(len(df), n_docs + 1, dtype=np.float64)
    idf /= df.astype(np.float64) + 1.0
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def tfidf_rows(tf: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """The rows of :func:`tfidf_matrix` of documents whose term counts are ``tf`` (one cell
    per document and term, columns sorted within a row), given the corpus's ``idf`` per
    column (:func:`smoothed_idf`): computed as scikit-learn's transform does, to the last bit.
    """
    x = tf.astype(np.float64, copy=True)
    np.log(x.data, x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    return sparse.csr_matrix(normalize(x, norm="l2", copy=False))


def cosine_pairs(x: sparse.csr_matrix, candidates: set[tuple[int, int]],
                 floor: float) -> dict[tuple[int, int], float]:  # fmt: skip
    """Cosine of every candidate pair, and of every other pair at or above ``floor``.

    All pairs are examined for corpora up to 5,000 documents; above that only
    the candidates, since an all-pairs product grows quadratically.
    """
    out: dict[tuple[int, int], float] = {}
    n = x.shape[0]
    if n <= ALL_PAIRS_MAX_DOCS:
        asked = unique_sorted(set_codes(candidates, n))
        if NUMBA:
            rows, cols, values = _upper_products(x, asked, floor)
        else:
            sims = (x @ x.T).tocoo()
            rows, cols, values = sims.row.astype(np.int64), sims.col.astype(np.int64), sims.data
            keep = (rows < cols) & ((values >= floor)
                                    | (positions(asked, pair_codes(rows, cols, n)) >= 0))
            rows, cols, values = rows[keep], cols[keep], values[keep]
        out = dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), values.tolist(),
                       strict=True))  # fmt: skip
    missing = np.array(sorted(set(candidates) - set(out)), dtype=np.int64).reshape(-1, 2)
    dots = np.asarray(x[missing[:, 0]].multiply(x[missing[:, 1]]).sum(axis=1)).ravel()
    for (i, j), v in zip(missing.tolist(), dots.tolist(), strict=True):
        out[(i, j)] = float(v)
    return out


def _upper_products(x: sparse.csr_matrix, asked: np.ndarray, floor: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The entries ``(i, j, v)`` of ``x @ x.T`` with ``i < j`` and ``v`` nonzero that are at
    least ``floor`` or whose pair code ``i * n + j`` is in ``asked`` (sorted), each summed as
    scipy's product sums it (over row ``i``'s stored columns, in their order), so to the bit
    the same: the product of every pair, for half the pairs and none of the rest kept."""
    n = x.shape[0]
    # A term of one document adds to no pair's sum: its columns are left out (most of them
    # in Chinese and Japanese, whose character pairs are many and rare).
    shared = np.bincount(x.indices, minlength=x.shape[1]) > 1
    keep = shared[x.indices]
    column = np.cumsum(shared) - 1
    x = sparse.csr_matrix((x.data[keep], column[x.indices[keep]],
                           np.concatenate(([0], np.cumsum(keep)))[x.indptr]),
                          shape=(n, int(shared.sum())))  # fmt: skip
    cols = x.tocsc()
    cols.sort_indices()  # each column's rows ascending: a row's later partners follow it
    found = []
    row = 0
    room = max(4 * n, 1024)
    while row < n:
        i, j, v = np.empty(room, np.int64), np.empty(room, np.int64), np.empty(room)
        row, filled = _upper_rows(row, x.indptr, x.indices, x.data, cols.indptr, cols.indices,
                                  cols.data, asked, float(floor), n, i, j, v)  # fmt: skip
        found.append((i[:filled], j[:filled], v[:filled]))
        room *= 2
    return (np.concatenate([i for i, _, _ in found] + [np.zeros(0, np.int64)]),
            np.concatenate([j for _, j, _ in found] + [np.zeros(0, np.int64)]),
            np.concatenate([v for _, _, v in found] + [np.zeros(0)]))  # fmt: skip


if NUMBA:

    @njit()
    def _upper_rows(row, indptr, indices, data, col_ptr, col_rows, col_data,  # type: ignore[no-untyped-def]
                    asked, floor, n, out_i, out_j, out_v):  # fmt: skip
        """Rows ``row..`` of :func:`_upper_products` written to ``out_*`` until the next row
        might not fit; returns the first row not written and the entries written."""
        sums = np.zeros(n)
        touched = np.zeros(n, dtype=np.bool_)
        wanted = np.zeros(n, dtype=np.bool_)
        partners = np.empty(n, dtype=np.int64)
        before = np.zeros(len(col_ptr) - 1, dtype=np.int64)  # per column: its rows above row
        for r in range(row):
            for jj in range(indptr[r], indptr[r + 1]):
                before[indices[jj]] += 1
        p = np.searchsorted(asked, row * n)
        filled = 0
        while row < n:
            if filled + n > len(out_v):
                break
            ask = p  # this row's asked pairs: asked[ask:p]
            while p < len(asked) and asked[p] < (row + 1) * n:
                wanted[asked[p] - row * n] = True
                p += 1
            count = 0
            for jj in range(indptr[row], indptr[row + 1]):
                k = indices[jj]
                value = data[jj]
                first = col_ptr[k] + before[k] + 1  # the rows below this one in column k
                before[k] += 1
                for kk in range(first, col_ptr[k + 1]):
                    other = col_rows[kk]
                    sums[other] += value * col_data[kk]
                    if not touched[other]:
                        touched[other] = True
                        partners[count] = other
                        count += 1
            for c in range(count):
                other = partners[c]
                v = sums[other]
                if v != 0 and (v >= floor or wanted[other]):
                    out_i[filled], out_j[filled], out_v[filled] = row, other, v
                    filled += 1
                sums[other], touched[other] = 0.0, False
            for q in range(ask, p):
                wanted[asked[q] - row * n] = False
            row += 1
        return row, filled


def document_cosines(terms: Sequence[np.ndarray], candidates: set[tuple[int, int]],
                     floor: float) -> dict[tuple[int, int], float]:  # fmt: skip
    """:func:`cosine_pairs` of the documents' TF-IDF rows (:func:`tfidf_matrix` of ``terms``,
    per document the term hashes of its usable passages); none when no document has a term."""
    if not any(len(t) for t in terms):
        return {}
    return cosine_pairs(tfidf_matrix(terms), candidates, floor)


def text_containments(text: Callable[[int], str], n_docs: int,
                       pairs: Iterable[tuple[int, int]], tasks: TaskMap = in_turn
                       ) -> dict[tuple[int, int], tuple[float, float]]:  # fmt: skip
    """Per document pair ``(i, j)``, the share of each text's character n-grams found in
    the other (:func:`dedup.analysis.shingle.char_grams`): ``(share of i in j, share of j in i)``.
    ``text(k)`` is the text of document ``k`` (of ``n_docs``) to compare.

    Pairs are visited by connected component, so that each document's n-grams are
    made about once while at most ``_GRAM_CACHE`` documents' are held; ``tasks`` runs
    them ``_PAIRS_A_TASK`` pairs a task, each task with a cache of its own.
    """
    keys = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    label = component_labels(keys[:, 0], keys[:, 1], n_docs)
    ordered = keys[np.argsort(label[keys[:, 0]], kind="stable")]  # an array: a pair takes 16 B

    def shares(first: int) -> list[tuple[float, float]]:
        grams = functools.lru_cache(maxsize=_GRAM_CACHE)(lambda k: char_grams(text(k)))
        return [gram_containments(grams(i), grams(j))
                for i, j in ordered[first : first + _PAIRS_A_TASK].tolist()]  # fmt: skip

    found = tasks(shares, range(0, len(ordered), _PAIRS_A_TASK))
    return dict(zip(zip(ordered[:, 0].tolist(), ordered[:, 1].tolist(), strict=True),
                    (x for part in found for x in part), strict=True))  # fmt: skip


def text_share(a: DocAnalysis, b: DocAnalysis, usable_a: np.ndarray, usable_b: np.ndarray,
               wire_a: bool, wire_b: bool) -> float:  # fmt: skip
    """The score (:func:`copy_share`) of one pair from its analyses, the text of the usable
    passages (``usable_a``, ``usable_b``: bool per passage) standing for the text without
    boilerplate lines: the same word characters in the same order."""
    x, y = (char_grams("\n".join(d.doc.text[s:e] for s, e, ok in zip(
        d.passage_starts.tolist(), d.passage_ends.tolist(), u.tolist(), strict=True) if ok))
        for d, u in ((a, usable_a), (b, usable_b)))  # fmt: skip
    return copy_share(*gram_containments(x, y), wire_a, wire_b)


def gram_containments(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Shares of the sorted distinct hashes ``x`` found in ``y``, and of ``y`` in ``x``."""
    shared = int(np.count_nonzero(positions(y, x) >= 0))
    return shared / max(len(x), 1), shared / max(len(y), 1)


def pair_scores(ids: Sequence[str], chars: Sequence[int], matches: Sequence[Match],
                cosines: dict[tuple[int, int], float], jaccards: dict[tuple[int, int], float],
                texts: dict[tuple[int, int], tuple[float, float]], wire: Sequence[bool],
                floor: float) -> list[PairScore]:  # fmt: skip
    """Ranked pair scores (rank 1 first; ties broken by ids).

    Pairs with reuse are reported, and pairs without reuse whose cosine is at
    least ``floor``. ``matches`` must be oriented with ``a < b`` by position in ``ids``;
    ``texts`` holds each pair's :func:`text_containments`, ``wire`` says which
    documents are wire copy (:func:`dedup.core.roles.is_wire_copy`).
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
        tab, tba = texts.get((i, j), (0.0, 0.0))
        score = copy_share(tab, tba, wire[i], wire[j])
        rows.append((round(score, 6), ids[i], ids[j], cosines.get((i, j), 0.0),
                     jaccards.get((i, j), 0.0), tab, tba, cab, cba, max(ca, cb)))  # fmt: skip
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return [
        PairScore(a, b, rank, score, round(cos, 6), round(jac, 6), round(tab, 6), round(tba, 6),
                  round(cab, 6), round(cba, 6), reused)
        for rank, (score, a, b, cos, jac, tab, tba, cab, cba, reused) in enumerate(rows, start=1)
    ]


def derived_pairs(texts: dict[tuple[int, int], tuple[float, float]], wire: Sequence[bool],
                  min_share: float, ratio: float) -> set[tuple[int, int]]:
    """The pairs derived as a whole: their score (:func:`copy_share` of their
    :func:`text_containments` ``texts``, ``wire`` a bool per document) is at least
    ``min_share`` and at least ``ratio`` times the best score of each document's other
    pairs among ``texts``.

    A story's copy stands out among its documents' pairs; two texts on one topic share
    about what each shares with the topic's other texts. How much two unrelated texts
    share by chance differs with the corpus (language, length, style), so the share
    alone does not tell a derived pair.
    """
    scores = {k: copy_share(*v, wire[k[0]], wire[k[1]]) for k, v in texts.items()}
    best: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])  # two best, descending
    for (i, j), score in scores.items():
        for d in (i, j):
            top = best[d]
            if score > top[0]:
                top[0], top[1] = score, top[0]
            elif score > top[1]:
                top[1] = score

    def other(d: int, score: float) -> float:
        top = best[d]
        return top[1] if top[0] == score else top[0]

    return {(i, j) for (i, j), score in scores.items() if score >= min_share
            and score >= ratio * max(other(i, score), other(j, score))}  # fmt: skip


def copy_share(text_ab: float, text_ba: float, wire_a: bool, wire_b: bool) -> float:
    """A pair's score: the share of the copy's text found in its source when one of the
    two is wire copy and the other is not (the copy is the other), else the
    smaller share (the larger text's, for two texts of like n-grams)."""
    if wire_a != wire_b:
        return text_ba if wire_a else text_ab
    return min(text_ab, text_ba)


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
