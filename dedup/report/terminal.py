"""Terminal summary with rich: ranked pairs with who took from whom, source flows, then the
top passages side by side."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dedup.core.records import PairScore, ScanResult

# Pair table: the numbers of a pair by column header; the columns in their order; those
# left out first when the terminal is too narrow for all (rank, ids and reused characters
# always stay); the narrowest the text columns get before one is left out.
_PAIR_NUMBERS: dict[str, Callable[[PairScore], str]] = {
    "rank": lambda p: str(p.rank),
    "score": lambda p: f"{p.score:.3f}",
    "tf-idf": lambda p: f"{p.tfidf_cosine:.3f}",
    "jaccard": lambda p: f"{p.jaccard:.3f}",
    "a in b": lambda p: f"{p.containment_ab:.0%}",
    "b in a": lambda p: f"{p.containment_ba:.0%}",
    "reused": lambda p: f"{p.reused_chars:,}",
}
_PAIR_ORDER = ("rank", "direction", "dates", "score", "tf-idf", "jaccard", "a in b", "b in a",
               "reused")  # fmt: skip
_DROPPED_FIRST = ("tf-idf", "jaccard", "dates", "a in b", "b in a", "score", "direction")
_TEXT_MIN = {"direction": 14, "dates": 10}
_ID_MIN = 12  # characters an id column keeps before a column is left out
_KIND_STYLE = {"verbatim": "bold red", "light": "yellow", "heavy": "cyan", "boilerplate": "dim"}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with thousands separators and ``noun``, plural (``noun + "s"`` unless given)
    unless ``n`` is 1."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def arrow(pair: PairScore, *, by_column: bool = False) -> str:
    """Who took from whom: ``004 → 001 0.73`` for a copy (``b → a`` with ``by_column``: the
    ids named by their columns), ``siblings via AFP``, or empty when undecided."""
    d = pair.direction
    if d is None:
        return ""
    if d.relation == "siblings":
        return f"siblings via {d.via}"
    ids = (d.source or "", d.copy or "")
    if by_column:
        ids = ("a", "b") if d.source == pair.a else ("b", "a")
    return f"{ids[0]} → {ids[1]} {d.confidence:.2f}"


def render_summary(result: ScanResult, console: Console, *, top_pairs: int = 10,
                   top_passages: int = 8, top_flows: int = 5) -> None:  # fmt: skip
    """Print the corpus line, the ranked pair table (with each pair's direction and the
    dates, when known), the largest source flows and the top passages side by side.

    Pairs without a reused passage (ranked on TF-IDF or Jaccard alone) are counted, not
    listed. Numbers are never cut: at a narrow width the ids wrap and the least telling
    columns (tf-idf first) are left out, with a caption saying so.
    """
    c = result.corpus
    console.print(
        f"[bold]{count(c.documents, 'document')}[/bold], {count(c.chars, 'character')}; "
        f"[bold]{c.reused_share:.1%}[/bold] of all text is reused "
        f"({count(c.documents_with_reuse, 'document')} with reuse); "
        f"{count(c.boilerplate_chars, 'character')} of boilerplate set apart."
    )
    listed = [p for p in result.pairs if p.reused_chars > 0]
    if listed:
        published = {d.id: d.published for d in result.document_scores}
        console.print(pair_table(listed[:top_pairs], published, console.width))
    unreused = len(result.pairs) - len(listed)
    if unreused:
        console.print(f"{count(unreused, 'pair')} without reused passages (alike in TF-IDF "
                      "or Jaccard only) not listed; --json and --csv hold them.")  # fmt: skip
    if len(result.sources) and any(s.a != s.b for s in result.sources):
        console.print(f"{count(len(result.sources), 'source pair')} scored (see --json for the "
                      "table).")  # fmt: skip
    for f in result.source_flows[:top_flows]:
        console.print(f"{escape(f.taker)} takes {f.share:.0%} of its text on "
                      f"{count(f.documents, 'story', 'stories')} from {escape(f.giver)} "
                      f"({count(f.chars, 'character')}).", highlight=False)  # fmt: skip
    reuse = [m for m in result.matches if m.kind != "boilerplate"]
    reuse.sort(key=lambda m: (-(m.a_end - m.a_start) * m.score, m.a, m.b, m.a_start))
    if not reuse:
        filtered = c.reused_share > 0  # the corpus has reuse; no pair listed holds any
        console.print("No reused passages in the pairs reported." if filtered
                      else "No reused passages found.")  # fmt: skip
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


def pair_table(pairs: Sequence[PairScore], published: Mapping[str, str | None],
               width: int) -> Table:  # fmt: skip
    """The ranked pair table, its columns chosen to fit ``width`` with every number whole.

    ``published`` maps each document id to its date (None when unknown); a dates column
    is shown when one of the pairs has one.
    """
    cells = {h: [value(p) for p in pairs] for h, value in _PAIR_NUMBERS.items()}
    cells["direction"] = [arrow(p) for p in pairs]
    if any(published[p.a] or published[p.b] for p in pairs):
        cells["dates"] = [f"{published[p.a] or '?'}\n{published[p.b] or '?'}" for p in pairs]
    shown = [h for h in _PAIR_ORDER if h in cells]
    dropped: list[str] = []

    def widest(header: str) -> int:
        return max([len(header), *(len(line) for c in cells[header] for line in c.split("\n"))])

    def least(header: str) -> int:  # the narrowest a column can be; text columns wrap
        return min(widest(header), _TEXT_MIN[header]) if header in _TEXT_MIN else widest(header)

    def needed() -> int:  # SIMPLE_HEAD: about 3 characters between and around columns
        return sum(map(least, shown)) + 2 * _ID_MIN + 3 * (len(shown) + 2)

    ids = max((len(x) for p in pairs for x in (p.a, p.b)), default=0)
    if sum(map(widest, shown)) + 2 * ids + 3 * (len(shown) + 2) > width:
        cells["direction"] = [arrow(p, by_column=True) for p in pairs]  # ids would wrap

    for header in _DROPPED_FIRST:
        if needed() <= width:
            break
        if header in shown:
            shown.remove(header)
            dropped.append(header)
    caption = f"{', '.join(dropped)} left out to fit {width} columns" if dropped else None
    table = Table(title="Closest document pairs", caption=caption, header_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False)  # fmt: skip
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("a", overflow="fold")
    table.add_column("b", overflow="fold")
    rest = [h for h in shown if h != "rank"]
    for header in rest:
        if header in _TEXT_MIN:
            table.add_column(header, overflow="fold", min_width=least(header))
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for i, p in enumerate(pairs):
        table.add_row(cells["rank"][i], escape(p.a), escape(p.b),
                      *(escape(cells[h][i]) for h in rest))  # fmt: skip
    return table


def _clip(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
