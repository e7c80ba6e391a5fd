"""Source flows: how much text each source takes from each other source.

Stage: directed pairs (:mod:`dedup.scoring.attribute`) + matches -> :class:`SourceFlow` list.
For every copy pair between documents of two different sources, the copy's characters
covered by matches with its source document count as taken by the copy's source from
the source document's source; a character taken from two documents of one giver counts
once. ``share`` relates that to the length of the taker's documents that take from the
giver: "62% of Daily Dunya's text on these stories comes from APP".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from dedup.core.records import Document, Match, PairScore, SourceFlow
from dedup.scoring.score import covered_chars


def source_flows(docs: Sequence[Document], pairs: Sequence[PairScore],
                 matches: Sequence[Match]) -> list[SourceFlow]:  # fmt: skip
    """Flows between sources, most characters taken first (then taker, giver).

    Parameters
    ----------
    docs : sequence of Document
        Every scanned document (for sources and lengths).
    pairs : sequence of PairScore
        Pairs with their directions; only ``copy`` directions count.
    matches : sequence of Match
        The scan's matches; boilerplate never counts.

    Returns
    -------
    list of SourceFlow
    """
    source = {d.id: d.source for d in docs}
    chars = {d.id: len(d.text) for d in docs}
    copied_from: set[tuple[str, str]] = set()  # (copy, source document)
    for p in pairs:
        d = p.direction
        if (d is not None and d.relation == "copy" and d.source and d.copy
                and source[d.source] != source[d.copy]):  # fmt: skip
            copied_from.add((d.copy, d.source))
    spans: dict[tuple[str, str], dict[str, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list))  # (taker, giver) -> copy document -> its spans taken
    for m in matches:
        if m.kind == "boilerplate":
            continue
        for copy, start, end, origin in ((m.a, m.a_start, m.a_end, m.b),
                                         (m.b, m.b_start, m.b_end, m.a)):  # fmt: skip
            if (copy, origin) in copied_from:
                spans[(source[copy], source[origin])][copy].append((start, end))
    out = []
    for (taker, giver), by_doc in spans.items():
        taken = sum(covered_chars(s) for s in by_doc.values())
        length = sum(chars[d] for d in by_doc)
        out.append(SourceFlow(taker, giver, len(by_doc), taken, round(taken / max(length, 1), 6)))
    out.sort(key=lambda f: (-f.chars, f.taker, f.giver))
    return out
