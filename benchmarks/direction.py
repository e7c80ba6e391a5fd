"""Who copied whom: direction accuracy, story trees and source flows on planted copy chains.

A generated corpus of copy chains, each a wire story rewritten by an outlet and the
outlet's version taken again by an aggregator (wire -> outlet -> aggregator); some
wires have a second outlet, and some aggregators compile two wires of different stories,
alternating their paragraphs. Wires are AFP, Reuters, AP and Xinhua stories (half
with a dateline crediting their agency), outlets credit the wire half of the time,
aggregators never. Dates: the wire first, each copy 2 to 30 hours later, written in
ISO 8601 with a zone, RFC 2822, Unix seconds or words; 15% of documents have no date
and 3% one that is not a date. Unrelated documents on the same topics are mixed in.

Measured, with no roles and with ``--wire`` naming the four agencies: direction accuracy
on the planted copy pairs dedup reports (all, and those whose two dates differ), reversed
pairs with confidence above 0.8, tree edges against the planted parents (matching,
missing because the pair's direction is undecided, or pointing elsewhere), families
holding two stories (merged through a compilation), and each family's origin against its
planted wire story.
With ``--counter-dev``, the same on ``../shared/corpora/counter-dev/`` (agency ->
newspaper on the derived pairs dedup reports), with no roles, with ``--wire``, and with
no roles and the dates left out::

    python benchmarks/direction.py --chains 150 --counter-dev
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a file: the checkout's root holds this package and dedup
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dedup
from benchmarks.corpus import _Writer
from dedup.core.credits import credits
from dedup.core.records import Document, ScanResult

WIRES = ("AFP", "Reuters", "AP", "Xinhua")
COUNTER_DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "counter-dev"
AGENCIES = ("APP", "INN", "NNI", "SANA", "INP")
_PAIR_CREDITS = frozenset({"credit", "own credit", "lone credit"})  # evidence from the pair's texts


@dataclass(frozen=True)
class Planted:
    """The corpus and its truth: ``parent`` of every copy, ``story`` of every chain member."""

    docs: list[Document]
    parent: dict[str, tuple[str, ...]]  # copy -> the documents it was made from
    story: dict[str, int]  # chain member -> its chain


def _cut(w: _Writer, paragraphs: list[list[np.ndarray]], keep: float,
         substitute: float) -> list[list[np.ndarray]]:  # fmt: skip
    """A copy: paragraphs kept in order with probability ``keep``, words substituted."""
    rng = w.rng
    kept = [p for p in paragraphs if rng.random() < keep] or paragraphs[:2]
    out = []
    for para in kept:
        new = []
        for sent in para:
            sent = sent.copy()
            hit = rng.random(len(sent)) < substitute
            sent[hit] = w.draw(int(hit.sum()))
            new.append(sent)
        out.append(new)
    return out


def _date(rng: np.random.Generator, when: dt.datetime) -> str | None:
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.18:
        return "see page 4"
    form = int(rng.integers(0, 4))
    if form == 0:
        return when.astimezone(dt.timezone(dt.timedelta(hours=5))).isoformat()
    if form == 1:
        return when.strftime("%a, %d %b %Y %H:%M:%S +0000")
    if form == 2:
        return str(int(when.timestamp()))
    return when.strftime("%B %d, %Y %H:%M UTC")


def generate(chains: int, *, seed: int = 0) -> Planted:
    """Planted chains (wire -> outlet -> aggregator), compilations and unrelated documents."""
    w = _Writer(np.random.default_rng(seed))
    rng = w.rng
    docs: list[Document] = []
    parent: dict[str, tuple[str, ...]] = {}
    story: dict[str, int] = {}
    wire_bodies: list[list[list[np.ndarray]]] = []
    start = dt.datetime(2022, 1, 3, 6, tzinfo=dt.timezone.utc)

    def add(doc_id: str, paragraphs: list[list[np.ndarray]], source: str,
            when: dt.datetime, chain: int | None, credit: str = "") -> None:  # fmt: skip
        text = w.render(paragraphs) + credit
        docs.append(Document(doc_id, text, source, _date(rng, when)))
        if chain is not None:
            story[doc_id] = chain

    for c in range(chains):
        topic = int(rng.integers(0, len(w.topic_words)))
        agency = WIRES[c % len(WIRES)]
        body = w.document(topic)
        wire_bodies.append(body)
        t0 = start + dt.timedelta(hours=int(rng.integers(0, 24 * 60)))
        dateline = f"CITY ({agency}) - " if rng.random() < 0.5 else ""
        add(f"c{c:03d}-wire", [[*body[0]], *body[1:]], agency, t0, c)
        docs[-1] = replace(docs[-1], text=dateline + docs[-1].text)
        outlets = 2 if rng.random() < 0.3 else 1
        for k in range(outlets):
            intro = w.paragraphs(topic, int(rng.integers(20, 50)))[:1]
            outlet_body = [*intro, *_cut(w, body, 0.75, 0.06)]
            t1 = t0 + dt.timedelta(hours=int(rng.integers(2, 31)))
            credit = f"\n\n({agency})" if rng.random() < 0.5 else ""
            oid = f"c{c:03d}-outlet{k}"
            add(oid, outlet_body, f"outlet{int(rng.integers(0, 15)):02d}", t1, c, credit)
            parent[oid] = (f"c{c:03d}-wire",)
            if k == 0:
                t2 = t1 + dt.timedelta(hours=int(rng.integers(2, 31)))
                gid = f"c{c:03d}-aggregator"
                add(gid, _cut(w, outlet_body, 0.8, 0.02), f"aggr{int(rng.integers(0, 5))}", t2, c)
                parent[gid] = (oid,)
    for k in range(chains // 10):  # compilations of two wires of different stories
        x, y = 2 * k, 2 * k + 1
        a, b = _cut(w, wire_bodies[x], 0.6, 0.03), _cut(w, wire_bodies[y], 0.6, 0.03)
        mixed = [p for pair in zip(a, b, strict=False) for p in pair]
        cid = f"m{k:03d}-compiled"
        add(cid, mixed, f"aggr{int(rng.integers(0, 5))}",
            start + dt.timedelta(days=70), None)  # fmt: skip
        parent[cid] = (f"c{x:03d}-wire", f"c{y:03d}-wire")
    for k in range(chains):
        add(f"u{k:03d}", w.document(int(rng.integers(0, len(w.topic_words)))),
            f"outlet{int(rng.integers(0, 15)):02d}", start, None)  # fmt: skip
    return Planted(docs, parent, story)


def ancestors(doc: str, parent: dict[str, tuple[str, ...]]) -> set[str]:
    """Every document ``doc`` was made from, directly or through others."""
    out: set[str] = set()
    todo = list(parent.get(doc, ()))
    while todo:
        x = todo.pop()
        if x not in out:
            out.add(x)
            todo.extend(parent.get(x, ()))
    return out


def evaluate(planted: Planted, result: ScanResult) -> dict[str, float]:
    """Direction accuracy, tree edges against the planted parents, families of two stories."""
    dates = {s.id: s.published for s in result.document_scores}
    text = {d.id: d.text for d in planted.docs}
    total = right = dated = dated_right = reversed_sure = undecided = 0
    kin = {"siblings": 0, "read as siblings": 0, "read as a copy": 0}
    for p in result.pairs:
        if not p.reused_chars:
            continue
        if p.a in ancestors(p.b, planted.parent):
            source, copy = p.a, p.b
        elif p.b in ancestors(p.a, planted.parent):
            source, copy = p.b, p.a
        else:
            if ancestors(p.a, planted.parent) & ancestors(p.b, planted.parent):
                kin["siblings"] += 1  # two copies of one document, neither of the other
                relation = p.direction.relation if p.direction else None
                kin["read as siblings"] += relation == "siblings"
                kin["read as a copy"] += relation == "copy"
            continue
        total += 1
        d = p.direction
        ok = d is not None and d.relation == "copy" and (d.source, d.copy) == (source, copy)
        right += ok
        undecided += d is None
        reversed_sure += d is not None and d.source == copy and d.confidence > 0.8
        if dates[source] and dates[copy] and dates[source] != dates[copy]:
            dated += 1
            dated_right += ok
    tree = {e.copy: e.source for f in result.families for e in f.edges if e.tree}
    single = [c for c, ps in planted.parent.items() if len(ps) == 1]
    tree_right = sum(tree.get(c) == planted.parent[c][0] for c in single)
    tree_none = [c for c in single if c not in tree]
    ordered = [c for c in tree_none  # a date difference or a credit on either side
               if (dates[c] and dates[planted.parent[c][0]]
                   and dates[c] != dates[planted.parent[c][0]])
               or credits(text[c]) or credits(text[planted.parent[c][0]])]  # fmt: skip
    mixed = sum(len({planted.story[m] for m in f.members if m in planted.story}) > 1
                for f in result.families)  # fmt: skip
    origins = {"right": 0, "none": 0, "wrong": 0}
    for f in result.families:
        roots = {r for m in f.members if m in planted.story
                 for r in ancestors(m, planted.parent) | {m} if r not in planted.parent}
        if len(roots) == 1 and roots <= set(f.members):
            origins["none" if f.origin is None else
                    "right" if {f.origin} == roots else "wrong"] += 1  # fmt: skip
    return {"planted pairs reported": total, "direction accuracy": right / max(total, 1),
            "pairs with a date difference": dated,
            "accuracy with a date difference": dated_right / max(dated, 1),
            "undecided": undecided, "reversed, confidence > 0.8": reversed_sure,
            "sibling pairs reported (copies of one document)": kin["siblings"],
            "of those, read as siblings": kin["read as siblings"],
            "of those, read as a copy of the other": kin["read as a copy"],
            "copies with one parent": len(single),
            "tree edges matching the planted parent": tree_right,
            "copies with no tree edge (direction undecided)": len(tree_none),
            "of those, with a date difference or a credit": len(ordered),
            "tree edges to another parent": len(single) - tree_right - len(tree_none),
            "families holding two stories": mixed,
            "families with their wire story": sum(origins.values()),
            "origin the wire story": origins["right"], "origin not decided": origins["none"],
            "origin another document": origins["wrong"]}  # fmt: skip


def counter_dev(wires: Sequence[str], *, dated: bool = True) -> dict[str, float | str]:
    """Agency -> newspaper on the derived (WD, PD) pairs dedup reports on counter-dev
    (with ``dated`` False, the dates left out)."""
    rows = [json.loads(line) for line in (COUNTER_DEV / "counter-dev.jsonl").open(encoding="utf-8")]
    docs = [Document(r["id"], r["text"], r["source"], r["date"] if dated else None)
            for r in rows]  # no role field  # fmt: skip
    meta = {r["id"]: r for r in rows}
    result = dedup.scan(docs, wires=wires)
    total = right = reversed_any = reversed_sure = undecided = 0
    agency_less_contained = 0
    decided_by: Counter[str] = Counter()  # pairs decided with this evidence
    decided_by_right: Counter[str] = Counter()  # of those, agency -> newspaper
    for p in result.pairs:
        a, b = meta[p.a], meta[p.b]
        news, agency = (a, b) if a["role"] == "newspaper" else (b, a)
        if not p.reused_chars or news["role"] != "newspaper" or agency["role"] != "agency":
            continue
        if news["agency_id"] != agency["id"] or news["label"] == "ND":
            continue
        total += 1
        d = p.direction
        right += d is not None and d.source == agency["id"]
        undecided += d is None or d.relation != "copy"
        wrong = d is not None and d.source == news["id"]
        reversed_any += wrong
        reversed_sure += wrong and d is not None and d.confidence > 0.8
        in_agency = p.containment_ab if p.a == agency["id"] else p.containment_ba
        agency_less_contained += in_agency < (p.containment_ab + p.containment_ba - in_agency)
        if d is None:
            continue
        kinds = {e.split(":")[0] for e in d.evidence}
        for name, held in (("containment alone", kinds == {"containment"}),
                           ("a credit in the pair", bool(kinds & _PAIR_CREDITS)),
                           ("the agency credited by other documents", "credited" in kinds)):
            decided_by[name] += held
            decided_by_right[name] += held and d.source == agency["id"]
    return {"derived pairs reported": total, "agency -> newspaper": right / max(total, 1),
            "undecided": undecided, "reversed": reversed_any,
            "reversed, confidence > 0.8": reversed_sure,
            "agency the less contained of the two": agency_less_contained,
            **{f"decided with {name}": f"{n} ({decided_by_right[name]} agency -> newspaper)"
               for name, n in decided_by.items()}}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chains", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--counter-dev", action="store_true", help="also measure counter-dev")
    args = ap.parse_args()
    planted = generate(args.chains, seed=args.seed)
    for wires in ((), WIRES):
        t = time.perf_counter()
        result = dedup.scan(planted.docs, wires=wires)
        took = time.perf_counter() - t
        print(f"generated: {len(planted.docs)} documents, {args.chains} chains, "
              f"wires: {', '.join(wires) or 'none'}, scan {took:.1f} s")  # fmt: skip
        _show(evaluate(planted, result))
    if args.counter_dev:
        for wires, dated in (((), True), (AGENCIES, True), ((), False)):
            print(f"counter-dev, wires: {', '.join(wires) or 'none'}"
                  f"{'' if dated else ', dates left out'}")  # fmt: skip
            _show(counter_dev(wires, dated=dated))


def _show(figures: Mapping[str, float | str]) -> None:
    for name, value in figures.items():
        print(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
