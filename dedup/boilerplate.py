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
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from dedup.arrays import runs, unique_sorted
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
    """Per document, a bool array over its lines: True for chrome lines.

    Computed over all lines of the corpus at once (numpy over flat arrays), so it
    stays a few seconds at 100,000 documents.
    """
    sizes = np.array([len(a.line_words) for a in analyses], dtype=np.int64)
    doc = np.repeat(np.arange(len(analyses), dtype=np.int64), sizes)
    hashes = np.concatenate([a.line_hashes for a in analyses] + [np.zeros(0, np.uint64)])
    words = np.concatenate([a.line_words for a in analyses] + [np.zeros(0, np.int64)])
    line = np.arange(len(doc)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    short = words <= params.chrome_max_words
    worded = short & (words > 0)
    last_long = np.full(len(analyses), -1, dtype=np.int64)
    np.maximum.at(last_long, doc[~short], line[~short])
    footer = worded & (line > last_long[doc])
    footer[footer] = ~_sentence_ends(analyses, doc[footer], line[footer])
    source = _named_sources(analyses)
    repeated = np.isin(hashes, _repeated(hashes[worded], doc[worded], source,
                                         params.boilerplate_min_docs))  # fmt: skip
    elsewhere = np.isin(hashes, hashes[footer])
    template = _template_lines(analyses, hashes[~short], doc[~short], source, params)
    chrome = (worded & (footer | repeated | elsewhere)) | (~short & np.isin(hashes, template))
    return np.split(chrome, np.cumsum(sizes)[:-1]) if len(analyses) else []


def footer_lines(a: Lines, params: ScanParams) -> np.ndarray:
    """Bool per line of one document: footer chrome by the rule :func:`chrome_lines` applies
    (a short line after the document's last longer line that does not end as a sentence
    does), whatever the rest of the corpus holds."""
    short = a.line_words <= params.chrome_max_words
    line = np.arange(len(short))
    footer = short & (a.line_words > 0) & (line > max(line[~short], default=-1))
    footer[footer] = ~_sentence_ends([a], np.zeros(int(footer.sum()), np.int64), line[footer])
    return footer


def _sentence_ends(analyses: Sequence[Lines], doc: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Per line ``line[k]`` of document ``doc[k]``: does it end as a sentence does (``.``,
    ``!``, ``?``, a closing quote)?"""
    ends = [int(analyses[d].line_ends[k]) for d, k in zip(doc.tolist(), line.tolist(), strict=True)]
    return np.array([end > 0 and analyses[d].doc.text[end - 1] in _SENTENCE_END
                     for d, end in zip(doc.tolist(), ends, strict=True)], dtype=bool)  # fmt: skip


def _named_sources(analyses: Sequence[Lines]) -> np.ndarray:
    """Per document, a number for its source, or -1 when it has none of its own (the
    source defaults to the id)."""
    codes: dict[str, int] = {}
    return np.array([codes.setdefault(a.doc.source, len(codes)) if a.doc.source != a.doc.id
                     else -1 for a in analyses], dtype=np.int64)  # fmt: skip


def _distinct(hashes: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(hash, doc)`` rows, sorted by hash then document."""
    order = np.lexsort((doc, hashes))
    h, d = hashes[order], doc[order]
    new = np.ones(len(h), dtype=bool)
    new[1:] = (h[1:] != h[:-1]) | (d[1:] != d[:-1])
    return h[new], d[new]


def _repeated(hashes: np.ndarray, doc: np.ndarray, source: np.ndarray,
              min_docs: int) -> np.ndarray:  # fmt: skip
    """Hashes found in ``min_docs`` documents or more, or in two documents of one named source."""
    h, d = _distinct(hashes, doc)
    keys, counts = runs(h)
    named = source[d] >= 0
    hs, src = h[named], source[d][named]
    order = np.lexsort((src, hs))
    hs, src = hs[order], src[order]
    twice = (hs[1:] == hs[:-1]) & (src[1:] == src[:-1])
    return unique_sorted(np.concatenate((keys[counts >= min_docs], hs[1:][twice])))


def _template_lines(analyses: Sequence[Lines], hashes: np.ndarray, doc: np.ndarray,
                    source: np.ndarray, params: ScanParams) -> np.ndarray:  # fmt: skip
    """Hashes of long lines that are chrome: in ``boilerplate_min_docs`` documents of one
    named source, or in as many that share no other long line (sorted uint64).

    ``hashes`` and ``doc``: every long line of the corpus and its document.
    """
    h, d = _distinct(hashes, doc)
    keys, counts = runs(h)
    first = np.cumsum(counts) - counts
    groups = [(int(keys[k]), d[first[k] : first[k] + counts[k]])
              for k in np.flatnonzero(counts > 1).tolist()]  # fmt: skip
    shared_long: dict[int, set[int]] = defaultdict(set)  # doc -> its repeated long lines
    for key, docs in groups:
        for x in docs.tolist():
            shared_long[x].add(key)
    out = []
    for key, docs in groups:
        if len(docs) < params.boilerplate_min_docs:
            continue
        named = Counter(source[docs][source[docs] >= 0].tolist())
        if max(named.values(), default=0) >= params.boilerplate_min_docs or not share_more(
            key, set(docs.tolist()), shared_long
        ):
            out.append(key)
    return np.array(sorted(out), dtype=np.uint64)


def share_more(h: int, docs: Iterable[Hashable], shared_long: Mapping[Any, set[int]]) -> bool:
    """Do two of ``docs`` share a repeated long line other than ``h``? (``shared_long``:
    each document's long lines that other documents hold too.)"""
    seen: set[int] = set()
    for d in docs:
        others = shared_long.get(d, set()) - {h}
        if others & seen:
            return True
        seen |= others
    return False


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
