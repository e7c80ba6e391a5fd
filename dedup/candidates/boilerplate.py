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

Chrome lines take no part in candidate generation, reuse alignment or TF-IDF.
Each document's chrome lines are its boilerplate spans (:func:`mark_boilerplate`,
with how many documents and sources carry each line), found by sorting the
corpus's line hashes: linear in the corpus, however many documents share a
footer. Between two documents that share reuse, each run of consecutive chrome
lines both carry is a ``boilerplate`` match, never counted in the pair's score;
a long one (a wire's stock paragraph) is reuse when their sources differ
(:func:`pair_boilerplate`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from dedup.core.arrays import runs, unique_sorted
from dedup.core.params import ScanParams
from dedup.core.records import BoilerplateSpan, Document, Match, ReuseKind


class Lines(Protocol):
    """What this stage reads of a :class:`~dedup.analysis.analyze.DocAnalysis`: its document
    and lines.

    Line ``l`` is original span ``[line_starts[l], line_ends[l])`` with ``line_words[l]``
    tokens and ``line_hashes[l]`` the hash of its token sequence; ``line_closed[l]``: it
    ends as a sentence does. The document's text is not read: it may be left out.
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
    @property
    def line_closed(self) -> np.ndarray: ...


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
    ``!``, ``?``, a closing quote; :attr:`Lines.line_closed`)?"""
    return np.array([bool(analyses[d].line_closed[k])
                     for d, k in zip(doc.tolist(), line.tolist(), strict=True)], dtype=bool)


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


def held_chrome(holders: Mapping[str, str], *, short: bool, params: ScanParams,
                shares_more: Callable[[], bool]) -> bool:  # fmt: skip
    """The rule :func:`chrome_lines` applies to the corpus at once, for one line and the
    documents that hold it (``holders``: id -> source; a source equal to the id is none
    of its own), as an index judges a line against what it stores.

    A short line is chrome in ``boilerplate_min_docs`` documents or in two of one named
    source; a long line in ``boilerplate_min_docs`` documents of one named source, or in
    as many documents of which no two share another repeated long line
    (``shares_more()`` says whether two do).
    """
    named = Counter(s for d, s in holders.items() if s != d)
    if short:
        return len(holders) >= params.boilerplate_min_docs or any(n > 1 for n in named.values())
    return len(holders) >= params.boilerplate_min_docs and (
        max(named.values(), default=0) >= params.boilerplate_min_docs or not shares_more()
    )


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


@dataclass(frozen=True)
class Boilerplate:
    """Every document's chrome lines, in flat arrays: rows ``at[d]:at[d + 1]`` are document
    ``d``'s, in line order.

    ``line``: line number in the document; ``hash``: hash of its tokens; ``start``,
    ``end``: original offsets; ``documents``, ``sources``: how many documents, and how
    many distinct sources, carry a line of that hash; ``long``: more than
    ``chrome_max_words`` words.
    """

    at: np.ndarray
    line: np.ndarray
    hash: np.ndarray
    start: np.ndarray
    end: np.ndarray
    documents: np.ndarray
    sources: np.ndarray
    long: np.ndarray

    def spans(self, d: int) -> tuple[BoilerplateSpan, ...]:
        """Document ``d``'s boilerplate lines."""
        rows = slice(int(self.at[d]), int(self.at[d + 1]))
        return tuple(BoilerplateSpan(*v) for v in zip(
            self.start[rows].tolist(), self.end[rows].tolist(), self.documents[rows].tolist(),
            self.sources[rows].tolist(), strict=True))  # fmt: skip

    def without(self, d: int, text: str) -> str:
        """``text``, document ``d``'s, with its boilerplate lines cut out."""
        rows = slice(int(self.at[d]), int(self.at[d + 1]))
        cuts = [0, *np.column_stack((self.start[rows], self.end[rows])).ravel().tolist(),
                len(text)]  # fmt: skip
        return "\n".join(text[s:e] for s, e in zip(cuts[::2], cuts[1::2], strict=True))

    def chars(self, d: int) -> int:
        """Characters of document ``d`` on boilerplate lines (lines do not overlap)."""
        rows = slice(int(self.at[d]), int(self.at[d + 1]))
        return int((self.end[rows] - self.start[rows]).sum())


def mark_boilerplate(analyses: Sequence[Lines], chrome: list[np.ndarray],
                     params: ScanParams) -> Boilerplate:  # fmt: skip
    """The chrome lines of every document (``chrome``: :func:`chrome_lines`) with how many
    documents and sources carry each: one sort of the corpus's line hashes, no pairs."""
    sizes = np.array([len(a.line_words) for a in analyses], dtype=np.int64)
    hashes = np.concatenate([a.line_hashes for a in analyses] + [np.zeros(0, np.uint64)])
    flags = np.concatenate([*chrome, np.zeros(0, bool)])
    doc = np.repeat(np.arange(len(analyses), dtype=np.int64), sizes)
    codes: dict[str, int] = {}
    source = np.array([codes.setdefault(a.doc.source, len(codes)) for a in analyses], np.int64)
    carried = np.isin(hashes, hashes[flags])
    keys, documents = runs(_distinct(hashes[carried], doc[carried])[0])
    by_source = _distinct(hashes[carried], source[doc[carried]])[0]
    sources = runs(by_source)[1]
    chrome_hash = hashes[flags]
    where = np.searchsorted(keys, chrome_hash)
    line = np.arange(len(doc)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    words = np.concatenate([a.line_words for a in analyses] + [np.zeros(0, np.int64)])
    return Boilerplate(
        at=np.concatenate(([0], np.cumsum([int(c.sum()) for c in chrome]))).astype(np.int64),
        line=line[flags], hash=chrome_hash,
        start=np.concatenate([a.line_starts[c] for a, c in zip(analyses, chrome, strict=True)]
                             + [np.zeros(0, np.int64)]).astype(np.int64),
        end=np.concatenate([a.line_ends[c] for a, c in zip(analyses, chrome, strict=True)]
                           + [np.zeros(0, np.int64)]).astype(np.int64),
        documents=documents[where].astype(np.int64), sources=sources[where].astype(np.int64),
        long=words[flags] > params.chrome_max_words,
    )  # fmt: skip


def pair_boilerplate(marked: Boilerplate, docs: Sequence[Document],
                     matches: Iterable[Match]) -> list[Match]:  # fmt: skip
    """Chrome lines two documents with reuse between them both carry, as matches.

    Only pairs with a reuse match among ``matches`` are looked at (``docs`` sorted by id,
    as ``marked`` numbers them), so the work grows with the reuse found, never with how
    many documents share a footer. Each run of consecutive shared lines is one
    ``boilerplate`` match, except that a long line (a wire's stock background paragraph)
    shared by documents of different sources is a ``verbatim`` match: they share more
    than that paragraph, so it is part of what one took from the other.
    """
    index = {d.id: k for k, d in enumerate(docs)}
    pairs = sorted({(min(index[m.a], index[m.b]), max(index[m.a], index[m.b]))
                    for m in matches if m.kind != "boilerplate"})  # fmt: skip
    out = []
    for i, j in pairs:
        lines_of: dict[int, list[int]] = defaultdict(list)
        for row in range(int(marked.at[j]), int(marked.at[j + 1])):
            lines_of[int(marked.hash[row])].append(row)
        shared = sorted((ra, rb) for ra in range(int(marked.at[i]), int(marked.at[i + 1]))
                        for rb in lines_of.get(int(marked.hash[ra]), ()))  # fmt: skip
        stock = docs[i].source != docs[j].source
        kinds: tuple[tuple[ReuseKind, bool], ...] = (("boilerplate", False), ("verbatim", True))
        for kind, want in kinds:
            picked = [(ra, rb) for ra, rb in shared if (stock and bool(marked.long[ra])) == want]
            for run in _runs(marked, picked):
                (ra0, rb0), (ra1, rb1) = run[0], run[-1]
                out.append(Match(docs[i].id, docs[j].id, int(marked.start[ra0]),
                                 int(marked.end[ra1]), int(marked.start[rb0]),
                                 int(marked.end[rb1]), kind, 1.0))  # fmt: skip
    return out


def _runs(marked: Boilerplate, rows: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Group shared line pairs (rows of ``marked``) that follow each other on both sides."""
    out: list[list[tuple[int, int]]] = []
    for ra, rb in rows:
        if out and (marked.line[out[-1][-1][0]], marked.line[out[-1][-1][1]]) == (
            marked.line[ra] - 1, marked.line[rb] - 1
        ):
            out[-1].append((ra, rb))
        else:
            out.append([(ra, rb)])
    return out
