"""The verbatim floor: runs of identical words that two documents share, and whether a
scan reported them.

Evaluation helper, not a stage: a scan promises that every run of at least
``min_words`` identical words (tokens after normalization) shared by two of its
documents lies inside a match between those two documents, on both sides, or
inside boilerplate. Words are measured as the scan measures them
(:class:`dedup.analysis.shingle.Tokens`): a token of a script written with spaces is a word,
a Chinese or Japanese character 0.6 of one, a Thai letter 0.3, so the floor's 12
words are 20 Chinese characters or 40 Thai letters. :func:`shared_runs` finds such
runs by brute force (every word n-gram of every document, grouped by hash),
independent of how the scan finds them; :func:`uncovered_runs` lists the runs a
result leaves out. Needs no labels, so it holds on any corpus. A run is covered
when a match holds all of it but at most ``EDGE_WORDS`` words at its ends
(together): a match stops at its sentence's end, where the run may go on by a word
or two that both texts happen to share.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.alignment.reuse import EDGE_WORDS
from dedup.analysis.analyze import DocAnalysis, analyze
from dedup.analysis.shingle import WORD_UNITS
from dedup.analysis.unit_grams import unit_grams
from dedup.core.params import ScanParams
from dedup.core.records import Document, ScanResult

FLOOR_WORDS = ScanParams().floor_words  # words of an identical run a scan must report


@dataclass(frozen=True, slots=True)
class SharedRun:
    """A maximal run of identical words of documents ``a`` and ``b`` (``a < b`` by id),
    as half-open offsets into each original text, and its length in tokens."""

    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    words: int


def shared_runs(documents: Sequence[Document], min_words: int = FLOOR_WORDS,
                max_docs: int = 50) -> list[SharedRun]:  # fmt: skip
    """Every maximal run of ``min_words`` or more identical words two documents share.

    Parameters
    ----------
    documents : sequence of Document
    min_words : int
        Shortest run, in words (tokens after normalization, weighed in units).
    max_docs : int
        n-grams found in more documents than this are stock text shared corpus-wide;
        their pairs are left out (the run count would grow with the square).

    Returns
    -------
    list of SharedRun
        Sorted by ``(a, b, a_start, b_start)``. A run repeated inside one document
        counts once per place.
    """
    analyses = {d.id: analyze(d) for d in documents}
    ends: dict[str, np.ndarray] = {}
    where: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for doc_id, a in analyses.items():
        ends[doc_id], grams = unit_grams(a.tokens.hashes, a.tokens.units, min_words * WORD_UNITS)
        for pos, h in enumerate(grams.tolist()):
            where[h].append((doc_id, pos))
    hits: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    for places in where.values():
        if len({d for d, _ in places}) < 2 or len(places) > max_docs:
            continue
        for x, (da, pa) in enumerate(places):
            for db, pb in places[x + 1 :]:
                if da != db:
                    key = (da, pa, db, pb) if da < db else (db, pb, da, pa)
                    hits[key[0], key[2]].add((key[1], key[3]))
    out = []
    for (da, db), starts in hits.items():
        a, b = analyses[da], analyses[db]
        for i, j in sorted(starts):
            if (i - 1, j - 1) in starts and _same(a, i - 1, b, j - 1, int(ends[da][i - 1])):
                continue  # not the start of its run
            k = 0
            while (i + k + 1, j + k + 1) in starts:
                k += 1
            n = int(ends[da][i + k]) - i
            out.append(SharedRun(da, db, *a.token_span(i, i + n), *b.token_span(j, j + n), n))
    return sorted(out, key=lambda r: (r.a, r.b, r.a_start, r.b_start))


def _same(a: DocAnalysis, i: int, b: DocAnalysis, j: int, end: int) -> bool:
    """Whether tokens ``[i, end)`` of ``a`` are those from ``j`` on of ``b``."""
    n = end - i
    return bool(np.array_equal(a.tokens.hashes[i : i + n], b.tokens.hashes[j : j + n]))


def uncovered_runs(result: ScanResult, runs: Iterable[SharedRun]) -> list[SharedRun]:
    """The runs of ``runs`` that ``result`` does not report: a run is covered when each
    of its sides lies inside the union of the matches (any kind) between its two
    documents on that side, of the boilerplate matches of its document, and of its
    document's boilerplate lines."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for m in result.matches:
        spans[m.a, m.b].append((m.a_start, m.a_end))
        spans[m.b, m.a].append((m.b_start, m.b_end))
        if m.kind == "boilerplate":
            spans[m.a, ""].append((m.a_start, m.a_end))
            spans[m.b, ""].append((m.b_start, m.b_end))
    for score in result.document_scores:
        spans[score.id, ""].extend((b.start, b.end) for b in score.boilerplate)
    texts = {d.id: d.text for d in result.documents}

    def covered(doc: str, other: str, start: int, end: int) -> bool:
        text = texts[doc]
        found = spans[doc, other] + spans[doc, ""]
        return any(_inside(found, text, s, e) for s, e in _without_edges(text, start, end))

    return [r for r in runs if not (covered(r.a, r.b, r.a_start, r.a_end)
                                    and covered(r.b, r.a, r.b_start, r.b_end))]  # fmt: skip


def _without_edges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` less up to ``EDGE_WORDS`` words at either end, in every way: a
    match ends with its sentence, and the run may go on by a word or two that both texts
    happen to share ("... said. The")."""
    words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    cut = min(EDGE_WORDS, max(len(words) - 1, 0))
    return [(start + words[i][0], start + words[len(words) - 1 - j][1])
            for i in range(cut + 1) for j in range(cut + 1 - i)]  # fmt: skip


def _inside(spans: list[tuple[int, int]], text: str, start: int, end: int) -> bool:
    """Whether the union of ``spans`` covers ``[start, end)`` of ``text``, white space
    between two spans included (a match stops at a sentence's end, the next starts after
    the space)."""
    at = start
    for s, e in sorted(spans):
        if s > at and text[at:s].strip():
            break
        at = max(at, e)
        if at >= end:
            return True
    return at >= end
