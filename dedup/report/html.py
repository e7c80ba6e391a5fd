"""Self-contained HTML report of a ScanResult: overview, source map, pair views.

One file with inline CSS, JavaScript and SVG that loads nothing from anywhere
(a Content-Security-Policy meta tag forbids it, and only the report's own script,
pinned by its hash, may run). Pages are rendered by jinja2 with autoescape on;
the only markup built in Python is the highlighted text of a pair view, made by
escaping every slice of the document with :func:`markupsafe.escape` and
wrapping it in tags whose attributes are escaped too.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from dedup.core.credits import credits
from dedup.core.records import Match, ScanResult
from dedup.io.outputs import write_atomic
from dedup.report.tables import result_dict
from dedup.report.terminal import count

# A page holds both full texts per pair view; past these sizes a report stops opening
# quickly, so it keeps the closest pairs and says how many it left to the JSON.
MAX_PAIR_VIEWS = 300  # pair views, closest pairs first
MAX_PAIR_ROWS = 2000  # rows of the ranked pair table
HEATMAP_MAX_SOURCES = 40  # beyond this a source x source grid is unreadable: keep the most reused
_FAMILY_GAP_X = 170  # pixels between two members of one tree row
_FAMILY_GAP_Y = 70  # pixels between tree rows
_SAFE_ID = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*")


@dataclass(frozen=True, slots=True)
class Highlight:
    """A passage to mark: half-open offsets into the original text, and what to say about it."""

    start: int
    end: int
    match: int  # number of the match inside its pair view, shared by both sides; 0 for none
    kind: str
    note: str  # tooltip text


def highlight(text: str, spans: Iterable[Highlight]) -> Markup:
    """HTML of ``text`` with each span wrapped in ``<mark class="reuse KIND">``.

    Every slice of ``text`` is escaped; removing the tags and unescaping gives
    ``text`` back. Spans that cross are split so tags nest: the pieces of one
    span carry the same ``data-match`` and, read in order, spell
    ``text[start:end]``; pieces after the first also get the class ``cont``.
    Spans are clipped to the text and empty ones dropped.
    """
    spans = sorted(
        (Highlight(max(s.start, 0), min(s.end, len(text)), s.match, s.kind, s.note) for s in spans),
        key=lambda s: (s.start, -s.end, s.match),
    )
    spans = [s for s in spans if s.start < s.end]
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[str] = []
    stack: list[int] = []  # indices into spans of the open tags, outermost first
    opened: set[int] = set()
    pending = 0
    for pos, nxt in zip(cuts, [*cuts[1:], len(text)], strict=True):
        depth = next((d for d, i in enumerate(stack) if spans[i].end <= pos), len(stack))
        out.extend("</mark>" for _ in stack[depth:])
        reopen = [i for i in stack[depth:] if spans[i].end > pos]
        del stack[depth:]
        while pending < len(spans) and spans[pending].start == pos:
            reopen.append(pending)
            pending += 1
        for i in sorted(reopen, key=lambda i: (-spans[i].end, spans[i].start, spans[i].match)):
            out.append(_open_tag(spans[i], cont=i in opened))
            opened.add(i)
            stack.append(i)
        out.append(str(escape(text[pos:nxt])))
    out.extend("</mark>" for _ in stack)
    return Markup("".join(out))


def _open_tag(s: Highlight, *, cont: bool) -> str:
    cls = f"reuse {s.kind}" + (" cont" if cont else "")
    match = f' data-match="{s.match}"' if s.match else ""  # 0: a line of one side's chrome
    return f'<mark class="{escape(cls)}"{match} title="{escape(s.note)}">'


def dom_ids(ids: Iterable[str]) -> dict[str, str]:
    """A distinct HTML-id-safe slug per document id (``[A-Za-z0-9_]`` runs joined by single ``-``).

    Ids that are already safe are kept; others become their safe characters plus
    a short hash. Slugs never contain ``--``, so ``pair-<a>--<b>`` is unambiguous.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for doc_id in sorted(ids):
        slug = doc_id if _SAFE_ID.fullmatch(doc_id) and len(doc_id) <= 80 else _hashed(doc_id)
        base, n = slug, 1
        while slug in used:
            n += 1
            slug = f"{base}_{n}"
        out[doc_id] = slug
        used.add(slug)
    return out


def _hashed(doc_id: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9_]+", "_", doc_id)[:40].strip("_")
    digest = hashlib.sha1(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{clean}_{digest}" if clean else f"id_{digest}"


def report_context(result: ScanResult) -> dict[str, Any]:
    """The data the template renders: result_dict(result) plus anchors, credits and pair views."""
    data = result_dict(result)
    docs = {
        d.id: {"id": d.id, "source": d.source, "chars": len(d.text), "text": d.text,
               "anchor": f"doc-{slug}", "slug": slug, "credits": credits(d.text),
               "published": s.published, "date": d.date, "boilerplate": s.boilerplate}
        for d, s, slug in zip(result.documents, result.document_scores, _slugs(result),
                              strict=True)
    }  # fmt: skip
    between = _matches_by_pair(result.matches)
    with_reuse = [p for p in data["pairs"] if p["reused_chars"]]  # boilerplate is no reuse
    views = [_pair_view(docs[p["a"]], docs[p["b"]], p, between[(p["a"], p["b"])])
             for p in with_reuse[:MAX_PAIR_VIEWS]]  # fmt: skip
    anchor = {(v["a"]["id"], v["b"]["id"]): v["anchor"] for v in views}
    documents = [
        {**d, "anchor": docs[d["id"]]["anchor"], "credits": docs[d["id"]]["credits"]}
        for d in data["documents"]
    ]
    published = {d["id"]: d["published"] for d in data["documents"]}
    pairs = [{**p, "view": anchor.get((p["a"], p["b"])), "a_date": published[p["a"]],
              "b_date": published[p["b"]]} for p in data["pairs"][:MAX_PAIR_ROWS]]  # fmt: skip
    return {
        "corpus": data["corpus"],
        "stats": data["stats"],
        "params": data["params"],
        "documents": documents,
        "pairs": pairs,
        "heatmap": _heatmap(data, {d.id: d.source for d in result.documents}, views),
        "families": [_family(f, published, anchor) for f in data["families"]],
        "pair_views": views,
        "totals": {"pairs": len(data["pairs"]), "pair_views": len(with_reuse)},
    }


def _slugs(result: ScanResult) -> list[str]:
    slug = dom_ids(d.id for d in result.documents)
    return [slug[d.id] for d in result.documents]


def _matches_by_pair(matches: Iterable[Match]) -> dict[tuple[str, str], list[Match]]:
    """Matches of every pair, boilerplate included, oriented and ordered as ``matches_between``."""
    out: dict[tuple[str, str], list[Match]] = {}
    for match in matches:
        m = match if match.a <= match.b else match.flipped()
        out.setdefault((m.a, m.b), []).append(m)
    for ms in out.values():
        ms.sort(key=lambda m: (m.a_start, m.b_start))
    return out


def _pair_view(a: dict[str, Any], b: dict[str, Any], pair: dict[str, Any],
               matches: Sequence[Match]) -> dict[str, Any]:  # fmt: skip
    notes = [_note(n, m) for n, m in enumerate(matches, 1)]
    sides = []
    for doc, start, end in ((a, "a_start", "a_end"), (b, "b_start", "b_end")):
        spans = [Highlight(getattr(m, start), getattr(m, end), n, m.kind, note)
                 for n, (m, note) in enumerate(zip(matches, notes, strict=True), 1)]  # fmt: skip
        spans += [Highlight(b.start, b.end, 0, "boilerplate",
                            f"boilerplate: {b.documents} documents of {b.sources} sources carry it")
                  for b in doc["boilerplate"]
                  if not any(h.start < b.end and b.start < h.end for h in spans)]  # fmt: skip
        html = highlight(doc["text"], spans)
        sides.append({k: v for k, v in doc.items() if k not in ("text", "boilerplate")}
                     | {"html": html})
    return {
        "anchor": f"pair-{a['slug']}--{b['slug']}",
        "pair": pair,
        "a": sides[0],
        "b": sides[1],
        "matches": [{"n": n, **_match_fields(m)} for n, m in enumerate(matches, 1)],
    }


def _match_fields(m: Match) -> dict[str, Any]:
    keys = ("kind", "score", "a_start", "a_end", "b_start", "b_end", "shared_words")
    return {k: getattr(m, k) for k in keys}


def _note(n: int, m: Match) -> str:
    words = ", ".join(m.shared_words) or "none"
    return f"#{n} {m.kind} reuse, score {m.score:.3f}; shared words: {words}"


def _heatmap(data: dict[str, Any], source_of: dict[str, str],
             views: Sequence[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """Source x source cells with pair links: the share of the row's text on shared stories
    that it takes from the column (source flows), containment (row in column) and TF-IDF."""
    takes = {(f["taker"], f["giver"]): f["share"] for f in data["source_flows"]}
    reused: dict[str, int] = {}
    for s in data["sources"]:
        reused[s["a"]] = reused.get(s["a"], 0) + s["reused_chars_a"]
        reused[s["b"]] = reused.get(s["b"], 0) + s["reused_chars_b"]
    all_sources = sorted(set(source_of.values()))
    kept = sorted(sorted(all_sources, key=lambda s: -reused.get(s, 0))[:HEATMAP_MAX_SOURCES])
    index = {s: i for i, s in enumerate(kept)}
    link: dict[tuple[str, str], str] = {}
    for v in views:  # rank order: the first view of a source pair is its closest pair
        sa, sb = source_of[v["a"]["id"]], source_of[v["b"]["id"]]
        link.setdefault((sa, sb), v["anchor"])
        link.setdefault((sb, sa), v["anchor"])
    cells = []
    for s in data["sources"]:
        if s["a"] not in index or s["b"] not in index:
            continue
        for row, col, contained in ((s["a"], s["b"], s["containment_ab"]),
                                    (s["b"], s["a"], s["containment_ba"])):  # fmt: skip
            taken = takes.get((row, col), 0.0)
            cells.append({"row": row, "col": col, "y": index[row], "x": index[col],
                          "takes": taken, "takes_fill": _fill(taken, (120, 60, 150)),
                          "containment": contained, "tfidf": s["tfidf_cosine"],
                          "containment_fill": _fill(contained, (179, 40, 30)),
                          "tfidf_fill": _fill(s["tfidf_cosine"], (33, 90, 170)),
                          "href": link.get((row, col))})  # fmt: skip
            if row == col:
                break
    return {"sources": kept, "total": len(all_sources), "cells": cells}


def _fill(value: float, dark: tuple[int, int, int]) -> str:
    light = (246, 246, 246)
    t = min(max(value, 0.0), 1.0) ** 0.6  # spread the low shares most pairs have
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(light, dark, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _family(family: dict[str, Any], dates: dict[str, str | None],
            anchor: dict[tuple[str, str], str]) -> dict[str, Any]:  # fmt: skip
    """A family as a dated tree: the origin and other roots on top, each copy one row below
    its nearest source (tree edges, solid arrows); other verified pairs dashed."""
    members = family["members"]
    parent = {e["to"]: e["from"] for e in family["edges"] if e["tree"]}
    depth: dict[str, int] = {}
    for m in members:
        chain, x = [], m
        while x in parent and x not in chain and x not in depth:
            chain.append(x)
            x = parent[x]
        base = depth.get(x, 0)
        depth.setdefault(x, base)
        for k, y in enumerate(reversed(chain), start=1):
            depth[y] = base + k
    rows: dict[int, list[str]] = {}
    for m in sorted(members, key=lambda m: (dates.get(m) or "\uffff", m)):
        rows.setdefault(depth[m], []).append(m)
    width = max(len(r) for r in rows.values())
    size_x, size_y = max(2 * _FAMILY_GAP_X, width * _FAMILY_GAP_X), (len(rows) + 1) * _FAMILY_GAP_Y
    nodes = []
    for level, row in sorted(rows.items()):
        for i, m in enumerate(row):
            x = round(size_x * (i + 0.5) / len(row), 1)
            nodes.append({"id": m, "x": x, "y": _FAMILY_GAP_Y * (level + 0.5) + 10,
                          "label": m if len(m) <= 20 else m[:19] + "…", "date": dates.get(m),
                          "origin": m == family["origin"]})  # fmt: skip
    at = {n["id"]: n for n in nodes}
    edges = []
    for e in family["edges"]:
        a, b = sorted((e["from"], e["to"]))
        edges.append({**e, "href": anchor.get((a, b)), "x1": at[e["from"]]["x"],
                      "y1": at[e["from"]]["y"], "x2": at[e["to"]]["x"], "y2": at[e["to"]]["y"]})
    return {**family, "nodes": nodes, "edges": edges, "width": size_x, "height": size_y}


def render_html(result: ScanResult) -> str:
    """The report as one HTML document (a str)."""
    env = Environment(
        loader=PackageLoader("dedup.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda v: f"{v:.1%}"
    env.filters["num"] = lambda v: f"{v:,}"
    env.filters["counted"] = count  # 1 passage, 2 passages
    env.filters["f3"] = lambda v: f"{v:.3f}"
    script = env.get_template("report.js").render()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    # The script and stylesheet are the package's own static files, not data.
    return env.get_template("report.html").render(
        **report_context(result),
        script=Markup(script),
        script_hash=f"sha256-{digest}",
        style=Markup(env.get_template("report.css").render()),
    )


def write_html(result: ScanResult, path: Path) -> None:
    """Write the self-contained HTML report to ``path`` (atomically).

    The page shows the :data:`MAX_PAIR_ROWS` closest pairs, side by side views of
    the :data:`MAX_PAIR_VIEWS` closest pairs with reuse and a heatmap of the
    :data:`HEATMAP_MAX_SOURCES` most reused sources, and says when it left any out.
    """
    write_atomic(path, render_html(result))
