"""Terminal summary with rich: ranked pairs with who took from whom, source flows, then the
top passages side by side."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dedup.records import PairScore, ScanResult

_ID_IN_ARROW = 8  # longer ids are named by their column, a or b, in the arrow
_KIND_STYLE = {"verbatim": "bold red", "light": "yellow", "heavy": "cyan", "boilerplate": "dim"}


def count(n: int, noun: str) -> str:
    """``n`` with thousands separators and ``noun``, plural unless ``n`` is 1."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def arrow(pair: PairScore) -> str:
    """Who took from whom: ``004 → 001 0.73`` for a copy (``b → a`` when an id is longer
    than :data:`_ID_IN_ARROW` characters), ``siblings via AFP``, or empty when undecided."""
    d = pair.direction
    if d is None:
        return ""
    if d.relation == "siblings":
        return f"siblings via {d.via}"
    ids = (d.source or "", d.copy or "")
    if max(map(len, ids)) > _ID_IN_ARROW:
        ids = ("a", "b") if d.source == pair.a else ("b", "a")
    return f"{ids[0]} → {ids[1]} {d.confidence:.2f}"


def render_summary(result: ScanResult, console: Console, *, top_pairs: int = 10,
                   top_passages: int = 8, top_flows: int = 5) -> None:  # fmt: skip
    """Print the corpus line, the ranked pair table (with each pair's direction and the
    dates, when known), the largest source flows and the top passages side by side."""
    c = result.corpus
    console.print(
        f"[bold]{count(c.documents, 'document')}[/bold], {count(c.chars, 'character')}; "
        f"[bold]{c.reused_share:.1%}[/bold] of all text is reused "
        f"({count(c.documents_with_reuse, 'document')} with reuse); "
        f"{count(c.boilerplate_chars, 'character')} of boilerplate set apart."
    )
    table = Table(title="Closest document pairs", header_style="bold")
    shown = result.pairs[:top_pairs]
    published = {s.id: s.published for s in result.document_scores}
    dated = any(published[p.a] or published[p.b] for p in shown)
    columns = ("rank", "a", "b", "direction", *(("dates",) if dated else ()), "score",
               "tf-idf", "jaccard", "a in b", "b in a", "reused")  # fmt: skip
    for col in columns:
        if col in ("a", "b", "direction", "dates"):
            table.add_column(col, overflow="fold", min_width=12 if col != "dates" else 10)
        else:
            table.add_column(col, justify="right", no_wrap=True)
    for p in shown:
        when = [f"{published[p.a] or '?'}\n{published[p.b] or '?'}"] if dated else []
        table.add_row(str(p.rank), escape(p.a), escape(p.b), escape(arrow(p)), *when,
                      f"{p.score:.3f}", f"{p.tfidf_cosine:.3f}", f"{p.jaccard:.3f}",
                      f"{p.containment_ab:.0%}", f"{p.containment_ba:.0%}",
                      f"{p.reused_chars:,}")  # fmt: skip
    console.print(table)
    if len(result.sources) and any(s.a != s.b for s in result.sources):
        console.print(f"{len(result.sources)} source pairs scored (see --json for the table).")
    for f in result.source_flows[:top_flows]:
        console.print(f"{escape(f.taker)} takes {f.share:.0%} of its text on "
                      f"{count(f.documents, 'story')} from {escape(f.giver)} "
                      f"({count(f.chars, 'character')}).", highlight=False)  # fmt: skip
    reuse = [m for m in result.matches if m.kind != "boilerplate"]
    reuse.sort(key=lambda m: (-(m.a_end - m.a_start) * m.score, m.a, m.b, m.a_start))
    if not reuse:
        console.print("No reused passages found.")
        return
    passages = Table(title="Top reused passages", show_lines=True, header_style="bold")
    passages.add_column("kind")
    passages.add_column("a", ratio=1)
    passages.add_column("b", ratio=1)
    for m in reuse[:top_passages]:
        ta = result.document(m.a).text[m.a_start : m.a_end]
        tb = result.document(m.b).text[m.b_start : m.b_end]
        style = _KIND_STYLE[m.kind]
        passages.add_row(
            f"[{style}]{m.kind}[/{style}]\n{m.score:.2f}",
            f"[bold]{escape(m.a)}[/bold] {m.a_start}-{m.a_end}\n{escape(_clip(ta))}",
            f"[bold]{escape(m.b)}[/bold] {m.b_start}-{m.b_end}\n{escape(_clip(tb))}",
        )
    console.print(passages)


def _clip(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
