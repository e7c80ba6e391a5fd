"""Terminal tables of the corpus workflows: ``query``, ``overlap`` and ``dedupe``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dedup.core.dates import parse_date
from dedup.core.records import Document
from dedup.report.terminal import count
from dedup.workflows.dedupe import DedupeResult
from dedup.workflows.index_query import Hit, QueryResult
from dedup.workflows.overlap import OverlapResult


def _listing(items: Sequence[str], most: int) -> str:
    more = f" and {len(items) - most:,} more" if len(items) > most else ""
    return ", ".join(items[:most]) + more


def _excerpt(text: str, start: int, end: int, width: int = 70) -> str:
    span = " ".join(text[start:end].split())
    return span if len(span) <= width else span[: width - 1] + "…"


def render_query(r: QueryResult, text: str, indexed: Mapping[str, Document], out: Console,
                 top: int, *, dayfirst: bool = False) -> None:  # fmt: skip
    """One queried document: its reuse, the indexed documents it reuses, the best passages.

    When its id is in the index, a line says so and whether the stored text is the same;
    it is compared with the other indexed documents, never with itself. Dates are shown
    in ISO 8601 as read (``dayfirst``: numeric dates day first), else as written.
    """
    head = f"[bold]{escape(r.id)}[/bold]: {r.reused_share:.1%} reused ({r.reused_chars:,} of "
    out.print(head + f"{r.chars:,} chars) from {count(len(r.hits), 'indexed document')}")
    stored = indexed.get(r.id)
    if stored is not None:
        same = "the same text" if stored.text == text else "another text"
        out.print(f"  {escape(r.id)} is indexed with {same}; compared with the other indexed "
                  "documents")  # fmt: skip
    if not r.hits:
        return
    hits = r.hits[:top]
    show_source = any(h.source != h.id for h in hits)  # else each document is its own source
    show_date = any(h.date for h in hits)
    table = _hits_table(hits, show_source, show_date, dayfirst)
    if show_source and table.__rich_measure__(out, out.options).minimum > out.width:
        table = _hits_table(hits, False, show_date, dayfirst)  # the source goes first
    out.print(table)
    best = r.hits[0]
    for m in best.matches[:3]:
        old = indexed[best.id].text
        out.print(f"  [{m.a_start}:{m.a_end}] ↔ [{m.b_start}:{m.b_end}] {m.kind} {m.score:.2f}",
                  markup=False)  # fmt: skip
        out.print(f"    new: {_excerpt(text, m.a_start, m.a_end)}", markup=False)
        out.print(f"    old: {_excerpt(old, m.b_start, m.b_end)}", markup=False)
    if len(best.matches) > 3:
        out.print(f"  … and {count(len(best.matches) - 3, 'more passage')} (--json for all)",
                  markup=False)


def _hits_table(hits: Sequence[Hit], show_source: bool, show_date: bool,
                dayfirst: bool) -> Table:  # fmt: skip
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("indexed document", overflow="fold", min_width=12)
    if show_source:
        table.add_column("source", overflow="fold")
    if show_date:
        table.add_column("date", no_wrap=True)
        table.add_column("than this", no_wrap=True)  # the indexed document is earlier or later
    for col in ("reused", "chars", "passages"):
        table.add_column(col, justify="right", no_wrap=True)
    for h in hits:
        shown = h.date and (parse_date(h.date, dayfirst=dayfirst).iso() or h.date)
        dated = [escape(shown or ""), h.when or ""] * show_date
        cells = [escape(h.id)] + [escape(h.source)] * show_source + dated
        table.add_row(*cells, f"{h.reused_share:.1%}", f"{h.reused_chars:,}", str(len(h.matches)))
    return table


def render_overlap(result: OverlapResult, out: Console, top: int) -> None:
    """The totals of corpus A, a row per source of A and of B (when some source holds more
    than one document: else the rows are the documents'), the most reused A documents."""
    t = result.total
    out.print(f"[bold]{t.documents_with_reuse:,} of {count(t.documents, 'document')}[/bold] "
              f"of A ({t.documents_share:.1%}) reuse B; {t.reused_chars:,} of {t.chars:,} "
              f"characters ({t.reused_share:.1%}).")  # fmt: skip
    if any(s.documents > 1 for s in result.sources):
        out.print(_sources_table(result))
    _most_reused(result, out, top)


def _sources_table(result: OverlapResult) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("side", "source", "documents", "with reuse", "chars", "reused chars", "share"):
        if col in ("side", "source"):
            table.add_column(col, overflow="fold")
        else:
            table.add_column(col, justify="right", no_wrap=True)
    for s in result.sources:
        table.add_row(s.side.upper(), escape(s.source), f"{s.documents:,}",
                      f"{s.documents_with_reuse:,}", f"{s.chars:,}", f"{s.reused_chars:,}",
                      f"{s.reused_share:.1%}")  # fmt: skip
    return table


def _most_reused(result: OverlapResult, out: Console, top: int) -> None:
    shown = sorted((d for d in result.documents if d.reused_chars),
                   key=lambda d: (-d.reused_share, d.id))[:top]  # fmt: skip
    if not shown:
        return
    docs = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    show_source = any(d.source != d.id for d in shown)
    docs.add_column("A document", overflow="fold")
    if show_source:
        docs.add_column("source", overflow="fold")
    for col in ("reused", "chars"):
        docs.add_column(col, justify="right", no_wrap=True)
    docs.add_column("from B", overflow="fold")
    for d in shown:
        cells = [escape(d.id)] + [escape(d.source)] * show_source
        docs.add_row(*cells, f"{d.reused_share:.1%}", f"{d.reused_chars:,}",
                     escape(_listing(list(d.from_docs), 3)))  # fmt: skip
    out.print(docs)


def render_dedupe(result: DedupeResult, out: Console, top: int) -> None:
    """The clusters found, what is kept and dropped, and the dropped documents' table."""
    gone = len(result.dropped)
    rule = f"Jaccard >= {result.threshold:g} or containment >= {result.containment:g}"
    out.print(f"{count(result.documents, 'document')}: {count(len(result.clusters), 'cluster')} "
              f"of near-duplicates ({rule}); keeping {len(result.kept):,}, "
              f"dropping {gone:,}.")  # fmt: skip
    shown = result.dropped[:top]
    via = any(d.via != d.kept for d in shown)  # joined through another member, not the kept one
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("dropped", "kept", *(["via"] if via else [])):
        table.add_column(col, overflow="fold")
    for col in ("Jaccard", "containment"):
        table.add_column(col, justify="right", no_wrap=True)
    for d in shown:
        cells = [escape(d.id), escape(d.kept), *([escape(d.via)] if via else [])]
        table.add_row(*cells, f"{d.jaccard:.2f}", f"{d.containment:.2f}")
    if result.dropped:
        out.print(table)
    if gone > top:
        out.print(f"… and {gone - top:,} more (--top {gone} lists all)", markup=False)
