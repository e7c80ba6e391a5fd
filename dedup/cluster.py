"""Story families: documents that derive from the same story, and their origin.

Stage: ranked pairs -> :class:`Family` list. Two documents join one family
when either contains at least ``family_containment`` of the other (union-find
over those pairs). The origin of a family is its earliest dated member, when
dates are known and one is strictly earliest; otherwise it is not guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from dedup.records import Document, Family, PairScore


class _UnionFind:
    def __init__(self, items: Sequence[str]) -> None:
        self.parent = {x: x for x in items}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, x: str, y: str) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def families(docs: Sequence[Document], pairs: Sequence[PairScore], *,
             min_containment: float) -> list[Family]:  # fmt: skip
    """Families of two or more documents, numbered from 1 by their smallest member id."""
    uf = _UnionFind([d.id for d in docs])
    for p in pairs:
        if max(p.containment_ab, p.containment_ba) >= min_containment:
            uf.union(p.a, p.b)
    groups: dict[str, list[str]] = {}
    for d in docs:
        groups.setdefault(uf.find(d.id), []).append(d.id)
    dates = {d.id: d.date for d in docs}
    members = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    return [Family(k, tuple(m), _origin(m, dates)) for k, m in enumerate(members, start=1)]


def _origin(members: list[str], dates: dict[str, str | None]) -> str | None:
    dated = sorted((dates[m], m) for m in members if dates[m])
    if not dated or (len(dated) > 1 and dated[0][0] == dated[1][0]):
        return None
    return dated[0][1]
