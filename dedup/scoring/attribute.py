"""Attribution: who took from whom in every pair with reuse.

Stage: scored pairs + matches + parsed dates -> each :class:`PairScore` with its
:class:`Direction`. Each item of evidence votes for one reading with a weight (a log-odds):

============  ======  =====================================================================
evidence      weight  the document it points to as the source
============  ======  =====================================================================
role          4       the one from a declared wire (``wires``, or a ``role`` field
                      ``wire``/``agency``) when the other is not
credit        3       the one whose source the other credits ("(APP)", "reports Reuters")
date          2       the one published earlier (by calendar day when either has no time)
containment   0-3     the one less contained in the other: a cut copy is contained in its
                      source; ``3 x`` the difference of the two shares, from 0.15, and 0
                      where the dates order the two (a later text holding an earlier one
                      whole and adding to it is as contained as a source)
interleaving  1.5     the one that does not mix the other's passages with passages of a
                      third document sharing nothing with the other (a compilation is later)
lone credit   1       the one crediting no outlet when the other credits one outside the
                      corpus (a rewrite names the agency; the agency's story does not)
own credit    1       the one carrying its own source's credit (an agency's dateline) when
                      the other credits neither that source nor its own
credited      1       when no role tells the two apart, the one whose source other documents
                      with reuse credit, when none credits the other's source (the corpus
                      names the agencies it takes copy from)
stemma        1.5     for a pair nothing above decides, of which one copied a third that
                      both share text with, the two sharing more word shingles with each
                      other than with it (one kept the other's edits): the one keeping
                      more of the third's word shingles
============  ======  =====================================================================

The votes are summed; the reading with the larger sum wins with confidence
``1 / (1 + exp(-|sum|))``. A sum below 0.5 decides nothing (direction None). Two documents
that credit a common outlet which is no document's source, with no role or credit tying one
to the other, are ``siblings`` via that outlet whatever the dates say: two rewrites of
one wire story did not copy each other because one came out first. So are two copies of
one document of the corpus, found to be its copies, when what they share lies in it
(``COMMON_SOURCE_COVER`` of it on each side) and no role or credit ties one to the other:
a reprint of a story and a rewrite of it share that story's text, not each other's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dedup.analysis.normalize import normalize
from dedup.analysis.shingle import shingles, tokenize
from dedup.core.arrays import unique_sorted
from dedup.core.credits import credits
from dedup.core.dates import PublishedDate, order
from dedup.core.records import Direction, Document, Match, PairScore
from dedup.core.roles import is_wire, name_key
from dedup.core.workers import TaskMap, in_turn

ROLE_WEIGHT = 4.0
CREDIT_WEIGHT = 3.0
DATE_WEIGHT = 2.0
CONTAINMENT_WEIGHT = 3.0
CONTAINMENT_MIN_GAP = 0.15
INTERLEAVE_WEIGHT = 1.5
LONE_CREDIT_WEIGHT = 1.0
CREDITED_WEIGHT = 1.0
STEMMA_WEIGHT = 1.5
STEMMA_SHINGLE_WORDS = 5  # an edit breaks the word 5-grams that span it
_DOCS_A_TASK = 1024  # documents whose credit lines one task finds
DECIDES = 0.5  # summed weight from which a direction is given
COMMON_SOURCE_COVER = 0.9  # share of two copies' common text that must lie in their source
_GENERIC_CREDITS = frozenset({"Agencies"})  # names no one outlet: never a common source


@dataclass(frozen=True, slots=True)
class _Doc:
    id: str
    source: str
    wire: bool
    credits: frozenset[str]  # outlets credited, by name_key, the own source left out
    own_credit: bool  # the text credits its own source (an agency's dateline)
    names: dict[str, str]  # name_key -> canonical name, for the evidence text


def attribute(docs: Sequence[Document], pairs: Sequence[PairScore], matches: Sequence[Match],
              dates: Mapping[str, PublishedDate], *, wires: Collection[str] = (),
              tasks: TaskMap = in_turn) -> list[PairScore]:  # fmt: skip
    """``pairs`` with the direction of each pair that has reuse.

    Parameters
    ----------
    docs : sequence of Document
        Every scanned document.
    pairs : sequence of PairScore
        Ranked pairs; those with ``reused_chars`` 0 keep ``direction`` None.
    matches : sequence of Match
        Reuse and boilerplate matches (boilerplate is not evidence).
    dates : mapping of str to PublishedDate
        Parsed dates by document id (:func:`dedup.core.dates.parse_dates`).
    wires : collection of str
        Source names declared to be wires (agencies), compared by :func:`name_key`.
    tasks : TaskMap
        Runs the search for credit lines, ``_DOCS_A_TASK`` documents a task
        (:class:`dedup.core.workers.TaskMap`); the result does not depend on how.

    Returns
    -------
    list of PairScore
        In the order of ``pairs``.
    """
    wire_keys = {name_key(w) for w in wires}
    by_id = {d.id: d for d in docs}
    in_corpus = {name_key(d.source) for d in docs}
    needed = {x for p in pairs if p.reused_chars for x in (p.a, p.b)}
    ids = sorted(needed)
    described = tasks(lambda k: [_describe(by_id[i], wire_keys) for i in ids[k : k + _DOCS_A_TASK]],
                      range(0, len(ids), _DOCS_A_TASK))  # fmt: skip
    info = {d.id: d for part in described for d in part}
    spans = spans_by_partner(matches)
    credited = _credited_by(info.values())
    votes = {(p.a, p.b): _votes(info[p.a], info[p.b], p, dates, spans, in_corpus, credited)
             for p in pairs if p.reused_chars}  # fmt: skip
    first = {k: _decide(info[k[0]], info[k[1]], v, in_corpus) for k, v in votes.items()}
    by_key = {(p.a, p.b): p for p in pairs}
    sources: dict[str, set[str]] = defaultdict(set)
    for d in first.values():
        if d is not None and d.relation == "copy" and d.copy and d.source:
            sources[d.copy].add(d.source)
    kept = _SharedShingles(by_id)
    for k, d in first.items():
        if d is None:
            votes[k] += _stemma(*k, sources, by_key, kept)
    final = {k: first[k] or _decide(info[k[0]], info[k[1]], v, in_corpus)
             for k, v in votes.items()}  # fmt: skip
    given: dict[str, dict[str, Direction]] = defaultdict(dict)  # copy -> source -> direction
    for d in final.values():
        if d is not None and d.relation == "copy" and d.source and d.copy:
            given[d.copy][d.source] = d
    out = []
    for p in pairs:
        k = (p.a, p.b)
        if k in votes:
            direct = any(kind in ("role", "credit") for _, kind, _ in votes[k])
            common = None if direct else _common_source(p.a, p.b, given, spans, kept, votes[k])
            p = replace(p, direction=common or final[k])
        out.append(p)
    return out


def _common_source(a: str, b: str, given: Mapping[str, Mapping[str, Direction]],
                   spans: Mapping[str, Mapping[str, list[tuple[int, int]]]],
                   kept: Callable[[str, str], int], votes: list[Vote]
                   ) -> Direction | None:  # fmt: skip
    """``siblings`` via a document ``z`` both were found to copy, when the text ``a`` and
    ``b`` share lies in it: :data:`COMMON_SOURCE_COVER` of each one's spans reused with the
    other are also reused with ``z``, and the two share no more word shingles with each
    other than each does with ``z`` (else one took the other's version, as
    :func:`_stemma` reads it). ``given``: per copy, the documents it was found to copy."""
    from_a, from_b = spans.get(a, {}), spans.get(b, {})
    of_a, of_b = given.get(a, {}), given.get(b, {})
    for z in sorted(of_a.keys() & of_b.keys()):
        cover = min(_share_inside(from_a.get(b, []), from_a.get(z, [])),
                    _share_inside(from_b.get(a, []), from_b.get(z, [])))  # fmt: skip
        if cover >= COMMON_SOURCE_COVER and kept(a, b) <= min(kept(a, z), kept(b, z)):
            return Direction("siblings", None, None, z,
                             min(of_a[z].confidence, of_b[z].confidence),
                             (f"common source: {a} and {b} both took from {z}, and {cover:.0%} "
                              f"of the text they share is in {z}",
                              *(f"{kind}: {text}" for _, kind, text in votes)))  # fmt: skip
    return None


def _share_inside(spans: list[tuple[int, int]], cover: list[tuple[int, int]]) -> float:
    """The share of the characters of sorted ``spans`` that sorted ``cover`` also covers."""
    total = sum(e - s for s, e in spans)
    inside = sum(max(0, min(e, ce) - max(s, cs)) for s, e in spans for cs, ce in cover)
    return inside / total if total else 0.0


def _stemma(a: str, b: str, sources: Mapping[str, set[str]],
            pairs: Mapping[tuple[str, str], PairScore],
            kept: Callable[[str, str], int]) -> list[Vote]:  # fmt: skip
    """Votes from a document ``s`` that gave text to ``a`` or ``b`` and shares text with both.

    When ``a`` and ``b`` share more word shingles with each other than either does with
    ``s``, the text of ``s`` they hold went through one of them: one took the other's
    version (siblings edit ``s`` each their own way). The earlier is the one keeping more
    of the word shingles of ``s`` (``kept(x, s)``): each copy breaks some with its edits,
    and a copy of a copy holds at most those its source kept, even where both keep every
    passage. ``sources`` maps each copy to the documents it was found to copy.
    """

    def pair(x: str, y: str) -> PairScore | None:
        return pairs.get((min(x, y), max(x, y)))

    ab = pairs[(a, b)]
    for s in sorted(sources.get(a, set()) | sources.get(b, set())):
        sa, sb = pair(s, a), pair(s, b)
        if (sa is None or sb is None or not (sa.reused_chars and sb.reused_chars)
                or ab.jaccard <= max(sa.jaccard, sb.jaccard)):  # fmt: skip
            continue
        kept_a, kept_b = kept(a, s), kept(b, s)
        if kept_a != kept_b:
            first_one, then = (a, b) if kept_a > kept_b else (b, a)
            return [(STEMMA_WEIGHT if first_one == a else -STEMMA_WEIGHT, "stemma",
                     f"{then} took {first_one}'s version of {s}: the two share more word "
                     f"shingles ({ab.jaccard:.2f}) than either with {s}, and {first_one} "
                     f"keeps more of those of {s} ({max(kept_a, kept_b):,} against "
                     f"{min(kept_a, kept_b):,})")]  # fmt: skip
    return []


class _SharedShingles:
    """How many distinct word shingles two documents share, shingles made as needed."""

    def __init__(self, by_id: Mapping[str, Document]) -> None:
        self._by_id = by_id
        self._made: dict[str, np.ndarray] = {}

    def _of(self, doc_id: str) -> np.ndarray:
        if doc_id not in self._made:
            doc = self._by_id[doc_id]
            tokens = tokenize(normalize(doc.text).text, doc.language or "en")
            self._made[doc_id] = unique_sorted(shingles(tokens.hashes, STEMMA_SHINGLE_WORDS))
        return self._made[doc_id]

    def __call__(self, x: str, y: str) -> int:
        return len(np.intersect1d(self._of(x), self._of(y), assume_unique=True))


def _credited_by(described: Iterable[_Doc]) -> dict[str, set[str]]:
    """Per source (by :func:`name_key`): those of the ``described`` documents (those with
    reuse) whose text credits it, documents of the source itself left out."""
    out: dict[str, set[str]] = defaultdict(set)
    for d in described:
        for c in d.credits:
            out[c].add(d.id)
    return out


def _describe(doc: Document, wire_keys: set[str]) -> _Doc:
    own = name_key(doc.source)
    found = {name_key(c): c for c in credits(doc.text)}
    own_credit = found.pop(own, None) is not None
    return _Doc(doc.id, doc.source, is_wire(doc, wire_keys), frozenset(found), own_credit, found)


Vote = tuple[float, str, str]  # (weight for "a is the source of b", kind, what it is)


def _votes(a: _Doc, b: _Doc, p: PairScore, dates: Mapping[str, PublishedDate],
           spans: Mapping[str, Mapping[str, list[tuple[int, int]]]],
           in_corpus: set[str], credited: Mapping[str, set[str]]) -> list[Vote]:  # fmt: skip
    votes: list[Vote] = []
    if a.wire != b.wire:
        w = a if a.wire else b
        votes.append((_signed(ROLE_WEIGHT, w, a), "role", f"{w.id} is from {w.source}, a wire"))
    else:
        votes += _credited_source(a, b, credited)
    for x, y in ((a, b), (b, a)):
        if name_key(y.source) in x.credits:
            said = x.names[name_key(y.source)]
            votes.append((_signed(CREDIT_WEIGHT, y, a), "credit",
                          f"{x.id} credits {said}, the source of {y.id}"))  # fmt: skip
    when = order(dates.get(a.id), dates.get(b.id))
    if when:
        first, then = (a, b) if when < 0 else (b, a)
        votes.append((_signed(DATE_WEIGHT, first, a), "date",
                      f"{first.id} {_shown(dates[first.id])} before "
                      f"{then.id} {_shown(dates[then.id])}"))  # fmt: skip
    elif when == 0:
        votes.append((0.0, "date", f"{a.id} and {b.id} on the same date ({_shown(dates[a.id])})"))
    gap = p.containment_ba - p.containment_ab  # > 0: b is the more contained, the copy
    if abs(gap) >= CONTAINMENT_MIN_GAP:
        more, less = (b, a) if gap > 0 else (a, b)
        shares = (p.containment_ab, p.containment_ba) if more is a else (p.containment_ba,
                                                                           p.containment_ab)
        # a later text that holds an earlier one whole and adds to it is as contained
        # as a source: where the dates order the two, they decide and this one is shown
        weight, dated = (0.0, " (the dates decide)") if when else (CONTAINMENT_WEIGHT * gap, "")
        votes.append((weight, "containment",
                      f"{shares[0]:.0%} of {more.id} is reused with {less.id}, "
                      f"{shares[1]:.0%} of {less.id}{dated}"))  # fmt: skip
    for x, y in ((a, b), (b, a)):
        third = _interleaved(x.id, y.id, spans)
        if third:
            votes.append((_signed(INTERLEAVE_WEIGHT, y, a), "interleaving",
                          f"{x.id} mixes passages of {y.id} with {third}'s"))  # fmt: skip
    for x, y in ((a, b), (b, a)):
        outside = sorted(x.names[c] for c in x.credits - in_corpus)
        if outside and not y.credits:
            said = ", ".join(outside)
            votes.append((_signed(LONE_CREDIT_WEIGHT, y, a), "lone credit",
                          f"{x.id} credits {said}, {y.id} credits no outlet"))  # fmt: skip
        if x.own_credit and not y.own_credit and name_key(x.source) not in y.credits:
            votes.append((_signed(LONE_CREDIT_WEIGHT, x, a), "own credit",
                          f"{x.id} carries the credit of its own source {x.source}, "
                          f"{y.id} does not credit it"))  # fmt: skip
    return votes


def _credited_source(a: _Doc, b: _Doc, credited: Mapping[str, set[str]]) -> list[Vote]:
    """A vote for the one whose source other documents credit, when none credits the other's.

    The texts of a corpus say which of its sources others take copy from (an agency):
    a source credited by documents other than these two is one, and a source no one
    credits is taken to be an outlet. ``credited``: per source, by :func:`name_key`,
    the documents of other sources that credit it.
    """
    others = {}
    for x in (a, b):
        crediting = credited.get(name_key(x.source), set())
        others[x.id] = len(crediting) - (a.id in crediting) - (b.id in crediting)
    if bool(others[a.id]) == bool(others[b.id]):
        return []
    x, y = (a, b) if others[a.id] else (b, a)
    n = others[x.id]
    return [(_signed(CREDITED_WEIGHT, x, a), "credited",
             f"{n:,} other document{'s' if n > 1 else ''} credit{'' if n > 1 else 's'} "
             f"{x.source}, the source of {x.id}; none credits {y.source}")]  # fmt: skip


def _signed(weight: float, source: _Doc, a: _Doc) -> float:
    return weight if source is a else -weight


def _shown(p: PublishedDate) -> str:
    return p.iso() or p.text


def _decide(a: _Doc, b: _Doc, votes: list[Vote], in_corpus: set[str]) -> Direction | None:
    evidence = tuple(f"{kind}: {text}" for _, kind, text in votes)
    direct = any(kind in ("role", "credit") for _, kind, _ in votes)
    common = sorted(a.credits & b.credits - in_corpus - {name_key(g) for g in _GENERIC_CREDITS})
    if common and not direct:
        via = a.names[common[0]]
        return Direction("siblings", None, None, via, round(_confidence(CREDIT_WEIGHT), 3),
                         (f"credit: {a.id} and {b.id} both credit {via}, "
                          "which no document here is from", *evidence))  # fmt: skip
    total = sum(w for w, _, _ in votes)
    if abs(total) < DECIDES:
        return None
    source, copy = (a, b) if total > 0 else (b, a)
    return Direction("copy", source.id, copy.id, None, round(_confidence(abs(total)), 3), evidence)


def _confidence(total: float) -> float:
    return 1.0 / (1.0 + math.exp(-total))


def spans_by_partner(matches: Sequence[Match]) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Per document, per other document: its reused spans (sorted), boilerplate left out."""
    out: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for m in matches:
        if m.kind != "boilerplate":
            out[m.a][m.b].append((m.a_start, m.a_end))
            out[m.b][m.a].append((m.b_start, m.b_end))
    for partners in out.values():
        for found in partners.values():
            found.sort()
    return out


def _interleaved(x: str, y: str, spans: Mapping[str, Mapping[str, list[tuple[int, int]]]]
                 ) -> str | None:  # fmt: skip
    """A third document whose passages ``x`` alternates with its passages from ``y``.

    Counted only for a third document that shares no reuse with ``y`` (a second,
    independent source), and only when each one's passages stand between the other's
    (``y, z, y, z``), not one block after another: a copy of ``x`` that took a passage
    ``y`` lacks sits between ``y``'s passages too, but once.
    """
    mine = spans.get(x, {})
    from_y = mine.get(y, [])
    partners_of_y = spans.get(y, {})
    for z in sorted(mine):
        independent = z != y and z not in partners_of_y
        if independent and _between(mine[z], from_y) and _between(from_y, mine[z]):
            return z
    return None


def _between(inner: list[tuple[int, int]], outer: list[tuple[int, int]]) -> bool:
    """Does a span of ``inner`` stand between two spans of ``outer``, overlapping none?"""
    if len(outer) < 2:
        return False
    lo, hi = outer[0][0], max(e for _, e in outer)
    return any(lo <= s and e <= hi and not any(s < oe and os_ < e for os_, oe in outer)
               for s, e in inner)
