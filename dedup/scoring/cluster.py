"""Story families: documents that derive from the same story, as dated, directed trees.

Stage: directed pairs (:mod:`dedup.scoring.attribute`) + matches + parsed dates -> :class:`Family`
list. Two documents are linked when either contains at least ``min_containment`` of the
other; families are the connected components of those links, except that a
document does not join the stories of sources it compiles from separate passages: when
the passages a document takes from its sources (every linked partner that did not copy
from it) fall into groups that do not overlap in its text (two sources overlap when half
of the smaller one's passages there are the other's too), it stays with the group of
which it reuses most, and its links to the other groups join nothing. Two stories that
meet only in a compilation of both are two families.

Each family lists an edge, source to copy, for every pair of its members with reuse; a
copy's *tree* edge is the one to its nearest source (of those it copied, the one it
shares most word shingles with), so the tree edges draw the story's tree. The origin is
the earliest member by parsed date, when one is strictly earliest, or the root of the tree
it was copied from (an undated wire story); without dates, the one root of the tree. A
family whose tree has another root without a date (a member whose source, if any, was
not decided) has no origin: that member may be the earlier.
A family of more than :data:`LARGE_FAMILY` members is marked ``large`` and warned about:
long chains of topic neighbours are what a false merge looks like.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np

from dedup.core.dates import PublishedDate, earliest, is_dated, order
from dedup.core.pairs import components
from dedup.core.records import Document, Family, FamilyEdge, Match, PairScore
from dedup.scoring.attribute import spans_by_partner

LARGE_FAMILY = 100  # members from which a family is warned about

log = logging.getLogger(__name__)


def families(docs: Sequence[Document], pairs: Sequence[PairScore], matches: Sequence[Match],
             dates: Mapping[str, PublishedDate], *,
             min_containment: float) -> list[Family]:  # fmt: skip
    """Families of two or more documents, numbered from 1 by their smallest member id.

    Parameters
    ----------
    docs : sequence of Document
        Every scanned document.
    pairs : sequence of PairScore
        Scored pairs with their directions (:func:`dedup.scoring.attribute.attribute`).
    matches : sequence of Match
        The scan's matches; boilerplate is left out.
    dates : mapping of str to PublishedDate
        Parsed dates by document id.
    min_containment : float
        Containment (either way) that links two documents.

    Returns
    -------
    list of Family
    """
    links = [p for p in pairs if max(p.containment_ab, p.containment_ba) >= min_containment]
    spans = spans_by_partner(matches)
    partners: dict[str, list[PairScore]] = {}
    for p in links:
        partners.setdefault(p.a, []).append(p)
        partners.setdefault(p.b, []).append(p)
    kept = {d: _main_group(d, ps, spans.get(d, {})) for d, ps in partners.items()}
    position = {d.id: k for k, d in enumerate(docs)}
    joined = [(position[p.a], position[p.b]) for p in links
              if p.b in kept[p.a] and p.a in kept[p.b]]  # fmt: skip
    i, j = np.array(joined, dtype=np.int64).reshape(-1, 2).T
    members = sorted(sorted(docs[k].id for k in g) for g in components(i, j, len(docs))
                     if len(g) > 1)  # fmt: skip
    family_of = {d: k for k, m in enumerate(members) for d in m}
    inside: list[list[PairScore]] = [[] for _ in members]
    for p in pairs:
        k = family_of.get(p.a)
        if p.reused_chars and k is not None and family_of.get(p.b) == k:
            inside[k].append(p)
    out = [_family(k + 1, m, inside[k], dates) for k, m in enumerate(members)]
    large = [f for f in out if f.large]
    if large:
        big = max(large, key=lambda f: len(f.members))
        many = "story family has" if len(large) == 1 else "story families have"
        log.warning(f"warning: {len(large):,} {many} more than {LARGE_FAMILY} "
                    f"documents (largest: family {big.id}, {len(big.members):,}); families "
                    "that large are often topic neighbours chained together: "
                    "check them.")  # fmt: skip
    return out


def _main_group(doc: str, links: list[PairScore],
                spans: Mapping[str, list[tuple[int, int]]]) -> set[str]:  # fmt: skip
    """The partners ``doc`` joins: all of them, unless the passages it takes from its
    sources form separate groups in its text; then its copies and the largest group.

    Two sources are in one group when their passages in ``doc`` share at least half of
    the smaller one's characters."""
    partners = [p.b if p.a == doc else p.a for p in links]
    copies = {p.direction.copy for p in links if p.direction is not None
              and p.direction.source == doc and p.direction.copy is not None}  # fmt: skip
    sources = sorted(x for x in partners if x not in copies)
    overlapping = [(k, m) for k, x in enumerate(sources) for m in range(k + 1, len(sources))
                   if _overlap(spans.get(x, []), spans.get(sources[m], []))]  # fmt: skip
    i, j = np.array(overlapping, dtype=np.int64).reshape(-1, 2).T
    by_root = {sources[g[0]]: [sources[k] for k in g] for g in components(i, j, len(sources))}
    if len(by_root) < 2:
        return set(partners)
    covered = {r: sum(e - s for x in g for s, e in spans.get(x, [])) for r, g in by_root.items()}
    best = min(by_root, key=lambda r: (-covered[r], r))
    return copies | set(by_root[best])


def _overlap(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> bool:
    """Do two sets of spans share at least half of the smaller one's characters? (An
    alignment may run over one inserted paragraph: a sliver of overlap is no evidence.)"""
    x, y = _merged(xs), _merged(ys)
    shared, i, j = 0, 0, 0
    while i < len(x) and j < len(y):
        shared += max(0, min(x[i][1], y[j][1]) - max(x[i][0], y[j][0]))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    smaller = min(sum(e - s for s, e in x), sum(e - s for s, e in y))
    return smaller > 0 and 2 * shared >= smaller


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _family(number: int, members: list[str], pairs: Sequence[PairScore],
            dates: Mapping[str, PublishedDate]) -> Family:  # fmt: skip
    """Family ``number`` of ``members``, with an edge for each of ``pairs`` (its members'
    pairs with reuse)."""
    edges = []
    for p in pairs:
        d = p.direction
        if d is not None and d.relation == "copy" and d.source and d.copy:
            edges.append((p, FamilyEdge(d.source, d.copy, "copy", d.confidence, False)))
        else:
            relation = d.relation if d is not None else None
            edges.append((p, FamilyEdge(p.a, p.b, relation, d.confidence if d else 0.0, False)))
    nearest: dict[str, tuple[PairScore, FamilyEdge]] = {}
    for p, e in edges:
        if e.relation == "copy":
            best = nearest.get(e.copy)
            if best is None or _nearer(p, e, best, dates):
                nearest[e.copy] = (p, e)
    tree = {id(e) for _, e in nearest.values()}
    final = tuple(sorted((FamilyEdge(e.source, e.copy, e.relation, e.confidence, id(e) in tree)
                          for _, e in edges),
                         key=lambda e: (not e.tree, e.source, e.copy)))  # fmt: skip
    parent = {e.copy: e.source for e in final if e.tree}
    return Family(number, tuple(members), _origin(members, dates, parent), final,
                  len(members) > LARGE_FAMILY)  # fmt: skip


def _nearer(p: PairScore, e: FamilyEdge, best: tuple[PairScore, FamilyEdge],
            dates: Mapping[str, PublishedDate]) -> bool:  # fmt: skip
    """Is ``e`` a nearer source of its copy than ``best``: more shingles in common (a copy of
    a copy keeps its source's edits, which the original lacks), then a later source."""
    q, f = best
    if p.jaccard != q.jaccard:
        return p.jaccard > q.jaccard
    later = order(dates.get(e.source), dates.get(f.source))
    return (later or 0) > 0 or (not later and e.source < f.source)


def _origin(members: list[str], dates: Mapping[str, PublishedDate],
            parent: Mapping[str, str]) -> str | None:  # fmt: skip
    """The earliest dated member, or the root it was copied from (an undated wire story
    its earliest dated copy took from); without dates, the tree's one root. None when
    two members tie on the earliest date, or when another root, a member copied from no
    other, has no date: nothing says it is not the earlier."""
    roots = [m for m in members if m not in parent]
    firsts = earliest(members, dates)
    if not firsts:
        return roots[0] if len(roots) == 1 else None
    if len(firsts) > 1:
        return None
    [first] = firsts
    seen = {first}
    while first in parent and parent[first] not in seen:
        first = parent[first]
        seen.add(first)
    undated = [r for r in roots if r != first and not is_dated(dates.get(r))]
    return None if undated else first
