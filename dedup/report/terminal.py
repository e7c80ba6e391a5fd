"""Terminal summary with rich: ranked pairs, then the top passages side by side."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dedup.records import ScanResult

_KIND_STYLE = {"verbatim": "bold red", "light": "yellow", "heavy": "cyan", "boilerplate": "dim"}


def count(n: int, noun: str) -> str:
    """``n`` with thousands separators and ``noun``, plural unless ``n`` is 1."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def render_summary(result: ScanResult, console: Console, *, top_pairs: int = 10,
                   top_passages: int = 8) -> None:  # fmt: skip
    """Print the corpus line, the ranked pair table and the top passages side by side."""
    c = result.corpus
    console.print(
        f"[bold]{count(c.documents, 'document')}[/bold], {count(c.chars, 'character')}; "
        f"[bold]{c.reused_share:.1%}[/bold] of all text is reused "
        f"({count(c.documents_with_reuse, 'document')} with reuse); "
        f"{count(c.boilerplate_chars, 'character')} of boilerplate set apart."
    )
    table = Table(title="Closest document pairs", header_style="bold")
    for col in ("rank", "a", "b", "score", "tf-idf", "jaccard", "a in b", "b in a", "reused"):
        if col in ("a", "b"):
            table.add_column(col, overflow="fold", min_width=12)
        else:
            table.add_column(col, justify="right", no_wrap=True)
    for p in result.pairs[:top_pairs]:
        table.add_row(str(p.rank), escape(p.a), escape(p.b), f"{p.score:.3f}",
                      f"{p.tfidf_cosine:.3f}", f"{p.jaccard:.3f}", f"{p.containment_ab:.0%}",
                      f"{p.containment_ba:.0%}", f"{p.reused_chars:,}")  # fmt: skip
    console.print(table)
    if len(result.sources) and any(s.a != s.b for s in result.sources):
        console.print(f"{len(result.sources)} source pairs scored (see --json for the table).")
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
