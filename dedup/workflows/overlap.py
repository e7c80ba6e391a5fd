"""Corpus overlap: how much of corpus A is reused from corpus B.

Stage: two corpora -> :class:`OverlapResult`. The two are scanned together
(:func:`dedup.scan`, ids kept apart by a corpus prefix), and only the matches
between an A and a B document are counted, so every figure is the one a scan of
both corpora reports for that pair. Uses: the share of a newsroom's output that is
wire copy, or how much of a test set leaks from a training set.

A document's reused characters are those covered by matches with any B
document (each character counted once); boilerplate is never counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from dedup.core.params import ScanParams
from dedup.core.progress import Progress
from dedup.core.records import Document, Match
from dedup.engines.pipeline import scan
from dedup.scoring.score import covered_chars


@dataclass(frozen=True, slots=True)
class DocumentOverlap:
    """One A document: its characters found in B and the B documents they come from.

    ``from_docs`` is sorted by the characters each B document covers, most first, then id.
    """

    id: str
    source: str
    chars: int
    reused_chars: int
    reused_share: float
    from_docs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceOverlap:
    """Reuse aggregated over a source: of A (``side="a"``) or of B (``side="b"``).

    Each row counts its own source's documents and characters: for an A source,
    ``reused_chars`` are its characters found in B; for a B source, its characters that
    A reuses, and ``documents_with_reuse`` its documents that A reuses.
    """

    side: str
    source: str
    documents: int
    documents_with_reuse: int
    chars: int
    reused_chars: int
    reused_share: float


@dataclass(frozen=True, slots=True)
class OverlapTotal:
    """Corpus A as a whole: share of its documents with any reuse, share of its characters."""

    documents: int
    documents_with_reuse: int
    documents_share: float
    chars: int
    reused_chars: int
    reused_share: float


@dataclass(frozen=True, slots=True)
class OverlapResult:
    """How much of A comes from B.

    ``documents`` in A's id order; ``sources`` A sources then B sources, each by
    reused characters (most first), then name; ``matches`` (``a`` in A, ``b`` in
    B) sorted by ``(a, b, a_start)``.
    """

    documents: tuple[DocumentOverlap, ...]
    sources: tuple[SourceOverlap, ...]
    total: OverlapTotal
    matches: tuple[Match, ...]
    params: dict[str, object]


def overlap(a: Iterable[Document], b: Iterable[Document], params: ScanParams | None = None, *,
            workers: int | None = None, progress: Progress | None = None) -> OverlapResult:
    """Measure how much of corpus ``a`` is reused from corpus ``b``.

    Parameters
    ----------
    a, b : iterable of Document
        Ids must be unique within each corpus; the same id may stand in both
        (a test document also in the training set counts as reuse).
    params : ScanParams, optional
        Default ``ScanParams()``.
    workers, progress : optional
        As for :func:`dedup.scan`, which measures the two corpora together.

    Returns
    -------
    OverlapResult
    """
    params = params or ScanParams()
    docs_a = sorted(a, key=lambda d: d.id)
    docs_b = list(b)
    both = [_tagged(d, _A) for d in docs_a] + [_tagged(d, _B) for d in docs_b]
    scanned = scan(both, params=params, workers=workers, progress=progress)
    found: dict[str, list[Match]] = defaultdict(list)  # A id -> its matches with B, A as a
    for m in scanned.matches:
        if m.kind != "boilerplate" and m.a[:2] != m.b[:2]:
            m = m if m.a.startswith(_A) else m.flipped()
            found[m.a].append(m)
    rows: list[DocumentOverlap] = []
    matches: list[Match] = []
    b_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)  # B id -> spans A reuses
    for doc in docs_a:
        by_b: dict[str, list[Match]] = defaultdict(list)
        for m in found[_A + doc.id]:
            by_b[m.b].append(replace(m, a=doc.id, b=m.b[len(_B):]))
        covered = {d: covered_chars((m.a_start, m.a_end) for m in ms) for d, ms in by_b.items()}
        order = sorted(by_b, key=lambda d: (-covered[d], d[len(_B):]))
        reused = covered_chars((m.a_start, m.a_end) for ms in by_b.values() for m in ms)
        rows.append(DocumentOverlap(doc.id, doc.source, len(doc.text), reused,
                                    round(reused / max(len(doc.text), 1), 6),
                                    tuple(d[len(_B):] for d in order)))  # fmt: skip
        for d in order:
            matches.extend(by_b[d])
            b_spans[d[len(_B):]].extend((m.b_start, m.b_end) for m in by_b[d])
    return OverlapResult(
        documents=tuple(rows),
        sources=tuple(_a_sources(rows) + _b_sources(docs_b, b_spans)),
        total=_share(rows),
        matches=tuple(sorted(matches, key=lambda m: (m.a, m.b, m.a_start, m.b_start))),
        params=params.as_dict(),
    )


_A, _B = "a\x1f", "b\x1f"  # id prefixes that keep the corpora apart inside one scan


def _tagged(doc: Document, corpus: str) -> Document:
    """``doc`` under a corpus-prefixed id; a source that defaulted to the id follows it."""
    source = corpus + doc.id if doc.source == doc.id else doc.source
    return replace(doc, id=corpus + doc.id, source=source)


def _share(rows: list[DocumentOverlap]) -> OverlapTotal:
    chars, reused = sum(d.chars for d in rows), sum(d.reused_chars for d in rows)
    with_reuse = sum(1 for d in rows if d.reused_chars)
    return OverlapTotal(len(rows), with_reuse, round(with_reuse / max(len(rows), 1), 6),
                        chars, reused, round(reused / max(chars, 1), 6))  # fmt: skip


def _a_sources(rows: list[DocumentOverlap]) -> list[SourceOverlap]:
    by_source: dict[str, list[DocumentOverlap]] = defaultdict(list)
    for d in rows:
        by_source[d.source].append(d)
    out = []
    for source, members in by_source.items():
        t = _share(members)
        out.append(SourceOverlap("a", source, t.documents, t.documents_with_reuse, t.chars,
                                 t.reused_chars, t.reused_share))  # fmt: skip
    return sorted(out, key=lambda s: (-s.reused_chars, s.source))


def _b_sources(docs_b: list[Document],
               spans: dict[str, list[tuple[int, int]]]) -> list[SourceOverlap]:  # fmt: skip
    """The B sources A reuses, each with its own documents' totals."""
    by_source: dict[str, list[Document]] = defaultdict(list)
    for d in docs_b:
        by_source[d.source].append(d)
    out = []
    for source, members in by_source.items():
        reused = [covered_chars(spans[d.id]) for d in members if d.id in spans]
        if reused:
            chars = sum(len(d.text) for d in members)
            out.append(SourceOverlap("b", source, len(members), len(reused), chars, sum(reused),
                                     round(sum(reused) / max(chars, 1), 6)))  # fmt: skip
    return sorted(out, key=lambda s: (-s.reused_chars, s.source))
