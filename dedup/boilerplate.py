"""Site chrome and boilerplate: text a site repeats, or that many documents share.

Stage: analyses -> chrome-line flags and boilerplate matches. A *chrome line*
is either

- a short line (at most ``chrome_max_words`` words) that stands in a document's
  footer, after its last longer line, and does not end as a sentence does
  (``No comments:``, ``Post a Comment``, ``Subscribe To Our Weekly Newsletter``;
  not a short closing sentence such as ``Inflation rose to 4.2%.``) -- that line
  is then chrome wherever it stands, in any document --, or that appears in ``boilerplate_min_docs``
  documents or more, or in two documents of one named source (``Share this
  article`` wherever it stands); or
- a line of any length found in ``boilerplate_min_docs`` documents of one named
  source (a site's disclaimer, ``The views and opinions expressed in this
  article are those of the author ...``), or in as many documents of any
  sources that share no other long line (text pasted into unrelated articles).
  A long line in fewer documents, or shared by documents that also share other
  long lines, is a copied story (an outlet may rerun its own paragraph), not chrome.

Chrome lines take no part in reuse alignment or TF-IDF. When two documents
share chrome lines, each run of consecutive shared lines is reported as a
``boilerplate`` match, apart from reuse and never counted in a pair's score.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from dedup.params import ScanParams
from dedup.records import Document, Match

_SENTENCE_END = frozenset(".!?\"'\u201d\u2019\u00bb")


class Lines(Protocol):
    """What this stage reads of a :class:`~dedup.analyze.DocAnalysis`: its document and lines.

    Line ``l`` is original span ``[line_starts[l], line_ends[l])`` with ``line_words[l]``
    tokens and ``line_hashes[l]`` the hash of its token sequence.
    """

    @property
    def doc(self) -> Document: ...
    @property
    def line_starts(self) -> np.ndarray: ...
    @property
    def line_ends(self) -> np.ndarray: ...
    @property
    def line_words(self) -> np.ndarray: ...
    @property
    def line_hashes(self) -> np.ndarray: ...


def chrome_lines(analyses: Sequence[Lines], params: ScanParams) -> list[np.ndarray]:
    """Per document, a bool array over its lines: True for chrome lines."""
    short = [a.line_words <= params.chrome_max_words for a in analyses]
    docs_with: dict[int, set[int]] = defaultdict(set)
    for d, a in enumerate(analyses):
        for h in np.unique(a.line_hashes[short[d] & (a.line_words > 0)]):
            docs_with[int(h)].add(d)
    footers = []
    for d, a in enumerate(analyses):
        long_lines = np.flatnonzero(~short[d])
        footer = np.arange(len(a.line_words)) > (long_lines[-1] if len(long_lines) else -1)
        footers.append(footer & short[d] & (a.line_words > 0) & ~_sentence_ends(a))
    footer_hashes = np.unique(np.concatenate(
        [a.line_hashes[f] for a, f in zip(analyses, footers, strict=True)]
        + [np.zeros(0, np.uint64)]))  # fmt: skip
    template = _template_lines(analyses, short, params)
    flags = []
    for d, a in enumerate(analyses):
        repeated = np.array([_is_repeated(docs_with.get(int(h), set()), analyses, params)
                             for h in a.line_hashes], dtype=bool)  # fmt: skip
        elsewhere = np.isin(a.line_hashes, footer_hashes)
        chrome = short[d] & (a.line_words > 0) & (footers[d] | repeated | elsewhere)
        flags.append(chrome | (~short[d] & np.isin(a.line_hashes, template)))
    return flags


def _sentence_ends(a: Lines) -> np.ndarray:
    """Per line: does it end as a sentence does (``.``, ``!``, ``?``, a closing quote)?"""
    text = a.doc.text
    return np.array([end > 0 and text[end - 1] in _SENTENCE_END for end in a.line_ends.tolist()],
                    dtype=bool)  # fmt: skip


def _template_lines(analyses: Sequence[Lines], short: list[np.ndarray],
                    params: ScanParams) -> np.ndarray:  # fmt: skip
    """Hashes of long lines that are chrome: in ``boilerplate_min_docs`` documents of one
    named source, or in as many that share no other long line (sorted uint64)."""
    holders: dict[int, set[int]] = defaultdict(set)
    for d, a in enumerate(analyses):
        for h in np.unique(a.line_hashes[~short[d]]):
            holders[int(h)].add(d)
    repeated = {h: docs for h, docs in holders.items() if len(docs) > 1}
    shared_long: dict[int, set[int]] = defaultdict(set)  # doc -> its repeated long lines
    for h, docs in repeated.items():
        for d in docs:
            shared_long[d].add(h)
    out = []
    for h, docs in repeated.items():
        if len(docs) < params.boilerplate_min_docs:
            continue
        named = Counter(analyses[d].doc.source for d in docs
                        if analyses[d].doc.source != analyses[d].doc.id)  # fmt: skip
        if max(named.values(), default=0) >= params.boilerplate_min_docs or not _share_more(
            h, docs, shared_long
        ):
            out.append(h)
    return np.array(sorted(out), dtype=np.uint64)


def _share_more(h: int, docs: set[int], shared_long: dict[int, set[int]]) -> bool:
    """Do two of ``docs`` share a repeated long line other than ``h``?"""
    seen: set[int] = set()
    for d in docs:
        others = shared_long[d] - {h}
        if others & seen:
            return True
        seen |= others
    return False


def _is_repeated(docs: set[int], analyses: Sequence[Lines], params: ScanParams) -> bool:
    if len(docs) >= params.boilerplate_min_docs:
        return True
    named = [analyses[d].doc.source for d in docs if analyses[d].doc.source != analyses[d].doc.id]
    return len(named) != len(set(named))


def boilerplate_matches(analyses: Sequence[Lines], chrome: list[np.ndarray],
                        params: ScanParams) -> list[Match]:  # fmt: skip
    """Runs of chrome lines shared by two documents, as ``boilerplate`` matches.

    Lines shared by more than ``params.max_bucket`` documents are not paired
    (they still count as chrome), which keeps this linear in the corpus size.
    """
    where: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for d, a in enumerate(analyses):
        for line in np.flatnonzero(chrome[d]):
            where[int(a.line_hashes[line])].append((d, int(line)))
    shared: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for places in where.values():
        if len(places) > params.max_bucket:
            continue
        for x in range(len(places)):
            for y in range(x + 1, len(places)):
                (da, la), (db, lb) = places[x], places[y]
                if da != db:
                    key, line_pair = ((da, db), (la, lb)) if da < db else ((db, da), (lb, la))
                    shared[key].append(line_pair)
    out = []
    for (da, db), line_pairs in sorted(shared.items()):
        a, b = analyses[da], analyses[db]
        for run in _runs(sorted(set(line_pairs))):
            (la0, lb0), (la1, lb1) = run[0], run[-1]
            match = Match(a.doc.id, b.doc.id, int(a.line_starts[la0]), int(a.line_ends[la1]),
                          int(b.line_starts[lb0]), int(b.line_ends[lb1]),
                          "boilerplate", 1.0)  # fmt: skip
            out.append(match if a.doc.id < b.doc.id else match.flipped())
    return out


def _runs(lines: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Group shared line pairs that follow each other on both sides."""
    runs: list[list[tuple[int, int]]] = []
    for la, lb in lines:
        if runs and runs[-1][-1] == (la - 1, lb - 1):
            runs[-1].append((la, lb))
        else:
            runs.append([(la, lb)])
    return runs
