"""Command line: parse arguments, call the API, render. No algorithm lives here."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, NoReturn

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dedup.dedupe import dedupe, stage_kept
from dedup.errors import DedupError
from dedup.index import Index, QueryResult
from dedup.load import LoadReport, load
from dedup.normalize import normalize
from dedup.outputs import OutputFiles, check_outputs, json_text
from dedup.overlap import overlap
from dedup.params import ScanParams
from dedup.pipeline import scan
from dedup.progress import cli_progress
from dedup.records import Document, ScanResult
from dedup.report.console import SafeConsole
from dedup.report.tables import CSV_FILES, csv_texts, to_json
from dedup.report.terminal import count, render_summary
from dedup.shingle import tokenize


def seeds_dir() -> Path:
    """The sample corpus: shipped inside the package, or beside it in a source checkout."""
    inside = Path(__file__).parent / "seeds"
    return inside if inside.is_dir() else Path(__file__).parent.parent / "seeds"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"must be an int >= {low}; got {text!r}")
        return value

    return parse


def _reading_options(p: argparse.ArgumentParser) -> None:
    """How input is read, for every command that reads documents."""
    p.add_argument("--source-from", action="append", default=[], metavar="RULE",
                   help="'folder' (parent folder is the source) "
                        "or 'REGEX=SOURCE' on ids")  # fmt: skip
    p.add_argument("--encoding", default="utf-8", help="encoding of input files (default utf-8)")
    p.add_argument("--encoding-errors", default="strict", choices=["strict", "replace"],
                   help="what to do with bytes the encoding cannot decode")  # fmt: skip
    for field in ("id", "text", "source", "date"):
        p.add_argument(f"--{field}-field", default=field, metavar="NAME",
                       help=f"name of the {field} field or column in JSONL, CSV and Parquet "
                            f"records (default {field})")  # fmt: skip


def _reading(args: argparse.Namespace) -> dict[str, Any]:
    """The :func:`dedup.load.load` options of the command line."""
    return {"source_rules": args.source_from, "encoding": args.encoding,
            "encoding_errors": args.encoding_errors, "id_field": args.id_field,
            "text_field": args.text_field, "source_field": args.source_field,
            "date_field": args.date_field}  # fmt: skip


def _attribution_options(p: argparse.ArgumentParser, *, wires: bool) -> None:
    """How dates are read and (``wires``) which sources are wires: who copied whom."""
    p.add_argument("--dayfirst", action="store_true",
                   help="read numeric dates day first (01/02/2022 is 1 February)")  # fmt: skip
    if wires:
        p.add_argument("--wire", action="append", default=[], metavar="NAME",
                       help="a source that is a wire service (repeatable): the source of "
                            "every copy it shares with a non-wire")  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dedup", description="Find who copied what from whom.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scan", help="find reused passages and rank document pairs")
    s.add_argument("paths", nargs="*", type=Path,
                   help="files and folders of .txt, .jsonl, .csv, .tsv, .parquet or .html "
                        "(default: the sample corpus)")  # fmt: skip
    s.add_argument("--json", type=Path, metavar="FILE", help="write the full result as JSON")
    s.add_argument("--csv", type=Path, metavar="DIR", help="write pairs.csv and matches.csv")
    s.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    _reading_options(s)
    _attribution_options(s, wires=True)
    s.add_argument("--top", type=_int_at_least(0), default=10,
                   help="pairs shown in the terminal table")  # fmt: skip
    s.add_argument("--quiet", action="store_true",
                   help="print nothing but errors (else the run summary goes to stderr, "
                        "the tables to stdout)")  # fmt: skip
    s.add_argument("--workers", type=_int_at_least(1), default=None,
                   help="processes for the CPU-heavy stages (default: all cores)")  # fmt: skip
    s.add_argument("--engine", choices=["local", "spark"], default="local",
                   help="run here on a process pool (default) or as an Apache Spark job "
                        "(needs pip install 'dedup[spark]' and Java 17)")  # fmt: skip
    s.add_argument("--spark-master", default="local[*]", metavar="URL",
                   help="Spark master for --engine spark (default local[*])")  # fmt: skip
    s.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                   help="a Spark setting for --engine spark (repeatable)")  # fmt: skip
    s.add_argument("--out", metavar="[jsonl:]DIR",
                   help="with --engine spark: write pairs, matches and documents folders "
                        "under DIR as Parquet (jsonl:DIR for JSON lines)")  # fmt: skip
    for name, default in ScanParams().as_dict().items():
        s.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default,
                       help=argparse.SUPPRESS)  # fmt: skip
    _add_corpus_commands(sub)
    return parser


def _params(args: argparse.Namespace) -> ScanParams:
    return ScanParams(**{name: getattr(args, name) for name in ScanParams().as_dict()})


def run() -> NoReturn:
    """The ``dedup`` program: :func:`main`, then exit with its status. A Ctrl-C that comes
    once main has returned (outputs written, summary printed) has nothing left to stop, and
    would only print a traceback from the interpreter's shutdown: it is ignored."""
    status = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dedup`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    return _scan(args) if args.command == "scan" else _corpus_command(args)


def _html(result: ScanResult) -> str:
    from dedup.report.html import render_html  # jinja2 is loaded only when asked for

    return render_html(result)


def _scan_outputs(args: argparse.Namespace, result: ScanResult | None) -> list[tuple[Path, str]]:
    """The files ``scan`` writes; their texts, rendered from ``result`` (else empty)."""
    outputs: list[tuple[Path, str]] = []
    if args.json is not None:
        outputs.append((args.json, to_json(result) if result is not None else ""))
    if args.csv is not None:
        texts = csv_texts(result) if result is not None else dict.fromkeys(CSV_FILES, "")
        outputs += [(args.csv / name, text) for name, text in texts.items()]
    if args.html is not None:
        outputs.append((args.html, _html(result) if result is not None else ""))
    return outputs


def _scan(args: argparse.Namespace) -> int:
    """``dedup scan``: errors are one line on stderr, then the run summary, then the tables.

    Exit status 0 on success, 2 on a :class:`DedupError` (bad input or parameter, unwritable
    output), 1 when memory runs out, 130 on Ctrl-C. Output files are checked against the
    inputs first and written only after the scan has finished, all or none.
    """
    err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
    report = LoadReport()
    written: list[str] = []
    try:
        if args.engine == "spark":
            result = _scan_spark(args, report)
        else:
            if args.out is not None:
                raise DedupError("--out writes Spark output folders: use it with --engine spark")
            check_outputs(args.paths or [seeds_dir()], [p for p, _ in _scan_outputs(args, None)])
            docs = load(args.paths or [seeds_dir()], report=report, **_reading(args))
            progress = cli_progress(args.quiet)
            try:
                result = scan(docs, params=_params(args), workers=args.workers,
                              progress=progress, wires=args.wire,
                              dayfirst=args.dayfirst)  # fmt: skip
            finally:
                getattr(progress, "close", lambda: None)()  # the bars leave a clean terminal
        result = replace(result, stats=_run_stats(result, report))
        with _writing(OutputFiles()) as files:
            for target, text in _scan_outputs(args, result):
                files.write_text(target, text)
            written += map(str, files.commit())
        if not args.quiet:
            for line in _run_summary(result, report):
                err.print(line, markup=False)
            render_summary(result, SafeConsole(), top_pairs=args.top)
    except DedupError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return exc.status
    except (KeyboardInterrupt, SystemError) as exc:
        if not interrupted(exc):
            raise
        done = f"only {', '.join(written)} written" if written else "no output file written"
        err.print(f"[red]interrupted[/red]: {escape(done)}; nothing else was changed")
        return 130
    except MemoryError:
        read = f"{count(report.read, 'document')} from {count(report.files, 'file')}"
        err.print(f"[red]error:[/red] out of memory after reading {read}; "
                  "scan fewer or smaller documents")  # fmt: skip
        return 1
    return 0


def _scan_spark(args: argparse.Namespace, report: LoadReport) -> ScanResult:
    """``--engine spark``: the same scan as a Spark job (pyspark is imported only here)."""
    try:
        from dedup.spark import scan_paths
    except ImportError as exc:
        why = f"--engine spark needs pyspark: pip install 'dedup[spark]' ({exc})"
        raise DedupError(why) from exc
    return scan_paths(args.paths or [seeds_dir()], _params(args), master=args.spark_master,
                      conf=args.spark_conf, out=args.out, report=report, wires=args.wire,
                      dayfirst=args.dayfirst,
                      **_reading(args))  # fmt: skip


@contextmanager
def _writing(files: OutputFiles) -> Iterator[OutputFiles]:
    """``files``, whose staged outputs are removed if writing fails (the error names the
    file and why: a full disk, a folder that cannot be written to)."""
    with files:
        try:
            yield files
        except OSError as exc:
            where = exc.filename or "an output file"
            raise DedupError(f"{where}: cannot write: {exc.strerror or exc}; no output file "
                             "was written; choose another path") from exc


# Start of a run of letters or digits that no markup entity (&amp; &#65;) can have consumed.
_PLAIN_WORD = re.compile(r"(?<![\w&#])[^\W_]")


def _wordless(documents: Sequence[Document]) -> list[str]:
    """Ids of the documents in which the scan finds no word (``stats["empty_documents"]``).

    A plain run of letters survives normalization, so only the few texts without one are
    tokenized again, exactly as the pipeline does.
    """
    maybe = [d for d in documents if not _PLAIN_WORD.search(d.text)]
    return [d.id for d in maybe if len(tokenize(normalize(d.text).text)) == 0]


def _run_stats(result: ScanResult, report: LoadReport) -> dict[str, int]:
    """The pipeline's counts plus the run's: documents scanned, files read and skipped."""
    stats = dict(result.stats)
    stats["scanned_documents"] = stats["documents"] - stats["empty_documents"]
    stats["files"] = report.files
    stats["skipped_files"] = len(report.skipped)
    return stats


def _listing(items: Sequence[str], most: int = 10) -> str:
    more = f" and {len(items) - most:,} more" if len(items) > most else ""
    return ", ".join(items[:most]) + more


def _run_summary(result: ScanResult, report: LoadReport) -> list[str]:
    """One or two plain lines: documents read, scanned, not scanned and why; files skipped."""
    stats = result.stats
    line = (
        f"Read {count(stats['documents'], 'document')} from {count(report.files, 'file')}; "
        f"scanned {stats['scanned_documents']:,}"
    )
    if stats["empty_documents"]:
        ids = _listing(_wordless(result.documents))
        line += f"; not scanned (no words): {stats['empty_documents']:,} ({ids})"
    if stats["scanned_documents"] < 2:
        line += "; nothing to compare: a scan needs two documents with words"
    lines = [line + "."]
    if report.skipped:
        skipped = _listing([f"{path} ({why})" for path, why in report.skipped])
        lines.append(f"Skipped {count(len(report.skipped), 'file')} in folders: {skipped}.")
    return lines


# ---- corpus workflows: index, query, overlap, dedupe (issue 8) ---------------------------------


def _input_options(p: argparse.ArgumentParser) -> None:
    _reading_options(p)
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _param_options(p: argparse.ArgumentParser) -> None:
    for name, default in ScanParams().as_dict().items():
        p.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=None,
                       help=argparse.SUPPRESS)  # fmt: skip


def _add_corpus_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``index add|stats|remove``, ``query``, ``overlap`` and ``dedupe``."""
    ix = sub.add_parser("index", help="a persistent index to query new documents against")
    isub = ix.add_subparsers(dest="index_command", required=True)
    add = isub.add_parser("add", help="add documents (one transaction; re-running completes it)")
    add.add_argument("index", help="SQLite file (created if missing) or redis://host:port/db")
    add.add_argument("paths", nargs="+", type=Path, help="files and folders to add")
    add.add_argument("--replace", action="store_true",
                     help="replace indexed documents whose text changed "
                          "(else that is an error)")  # fmt: skip
    _input_options(add)
    _param_options(add)
    stats = isub.add_parser("stats", help="documents, sources and parameters of an index")
    stats.add_argument("index")
    stats.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    rm = isub.add_parser("remove", help="remove documents by id")
    rm.add_argument("index")
    rm.add_argument("ids", nargs="+", metavar="ID")
    rm.add_argument("--quiet", action="store_true", help="print nothing but errors")
    q = sub.add_parser("query", help="which indexed documents new documents reuse")
    q.add_argument("index", help="an index made by 'dedup index add'")
    q.add_argument("paths", nargs="+", type=Path, help="files and folders to look up")
    q.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    q.add_argument("--top", type=_int_at_least(1), default=5,
                   help="indexed documents shown per new document (default 5)")  # fmt: skip
    _input_options(q)
    _attribution_options(q, wires=False)
    _param_options(q)
    o = sub.add_parser("overlap", help="how much of corpus A is reused from corpus B")
    o.add_argument("a", type=Path, help="corpus A: a file or folder")
    o.add_argument("b", type=Path, help="corpus B: a file or folder")
    o.add_argument("--json", type=Path, metavar="FILE", help="write the result as JSON")
    o.add_argument("--top", type=_int_at_least(0), default=10,
                   help="A documents shown, most reused first (default 10)")  # fmt: skip
    o.add_argument("--workers", type=_int_at_least(1), default=None,
                   help="processes for the CPU-heavy stages (default: all cores)")  # fmt: skip
    _input_options(o)
    _param_options(o)
    d = sub.add_parser("dedupe", help="remove near-duplicates, keeping one per cluster")
    d.add_argument("path", type=Path, help="a .jsonl, .csv, .tsv or .parquet file, or a folder")
    d.add_argument("--out", type=Path, help="where to write the kept documents (same format)")
    d.add_argument(
        "--dry-run", action="store_true", help="list what would be dropped; write nothing"
    )
    d.add_argument("--threshold", type=float, default=0.7, metavar="J",
                   help="word-shingle Jaccard from which two documents are near-duplicates "
                        "(default 0.7)")  # fmt: skip
    d.add_argument("--containment", type=float, default=0.9, metavar="C",
                   help="share of the smaller document inside the other (default 0.9)")  # fmt: skip
    d.add_argument("--report", type=Path, metavar="FILE",
                   help="JSON report of clusters and dropped documents "
                        "(default OUT.report.json)")  # fmt: skip
    d.add_argument("--top", type=_int_at_least(0), default=20, help="dropped documents shown")
    d.add_argument("--workers", type=_int_at_least(1), default=None,
                   help="processes analysing the documents (default: all cores)")  # fmt: skip
    _input_options(d)
    _attribution_options(d, wires=False)
    _param_options(d)


def _given_params(args: argparse.Namespace) -> ScanParams | None:
    given = {n: getattr(args, n) for n in ScanParams().as_dict() if getattr(args, n) is not None}
    return ScanParams(**given) if given else None


def _load_args(args: argparse.Namespace, paths: Sequence[Path]) -> Iterator[Document]:
    return load(paths, **_reading(args))


def _guarded(command: Callable[[argparse.Namespace, Console], int],
             message: str = "nothing was changed") -> Callable[..., int]:  # fmt: skip
    """Run a command: a DedupError is one red line and exit status 2, Ctrl-C is 130."""

    def run(args: argparse.Namespace) -> int:
        err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
        try:
            return command(args, SafeConsole(quiet=args.quiet, highlight=False, soft_wrap=True))
        except DedupError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            return exc.status
        except (KeyboardInterrupt, SystemError) as exc:
            if not interrupted(exc):
                raise
            err.print(f"[red]interrupted[/red]: {message}")
            return 130
        except MemoryError:
            err.print(f"[red]error:[/red] out of memory; {message}; "
                      "use fewer or smaller documents")  # fmt: skip
            return 1

    return run


def interrupted(exc: BaseException) -> bool:
    """Is ``exc`` Ctrl-C, or an error Ctrl-C caused? (numba raises SystemError when the
    interrupt lands while it loads a compiled function.)"""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _write_json_file(target: Path, data: object) -> None:
    with _writing(OutputFiles()) as files:
        files.write_text(target, json_text(data))
        files.commit()


def _index_add(args: argparse.Namespace, out: Console) -> int:
    read = 0

    def counted(docs: Iterator[Document]) -> Iterator[Document]:
        nonlocal read
        for doc in docs:
            read += 1
            yield doc

    with Index.open(args.index, _given_params(args)) as index:
        before = index.stats().documents
        added = index.add(counted(_load_args(args, args.paths)), replace=args.replace)
        stats = index.stats()
    replaced = added - (stats.documents - before)
    notes = [f"{replaced:,} replaced"] if replaced else []
    if read > added:
        notes.append(f"{read - added:,} already indexed with the same text")
    note = f" ({'; '.join(notes)})" if notes else ""
    size = f"{count(stats.documents, 'document')} from {count(stats.sources, 'source')}"
    out.print(f"Added {added:,} of {count(read, 'document')} read{note} to "
              f"{escape(args.index)}: {size}.")  # fmt: skip
    return 0


def _index_stats(args: argparse.Namespace, out: Console) -> int:
    with Index.open(args.index, create=False) as index:
        stats = index.stats()
    table = Table(title=f"{escape(stats.location)} ({stats.store})", show_header=False)
    for name in ("documents", "sources", "passages", "features"):
        table.add_row(name, f"{getattr(stats, name):,}")
    for name, value in stats.params.items():
        table.add_row(name, str(value), style="dim")
    out.print(table)
    return 0


def _index_remove(args: argparse.Namespace, out: Console) -> int:
    with Index.open(args.index, create=False) as index:
        present = set(index.documents(args.ids))
        removed = index.remove(args.ids)
    missing = [i for i in dict.fromkeys(args.ids) if i not in present]
    note = f"; not indexed: {escape(_listing(missing))}" if missing else ""
    out.print(f"Removed {count(removed, 'document')} from {escape(args.index)}{note}.")
    return 0


def _query(args: argparse.Namespace, out: Console) -> int:
    check_outputs(args.paths, [args.json])
    with Index.open(args.index, _given_params(args), create=False) as index:
        docs = list(_load_args(args, args.paths))
        results = index.query(docs, params=_given_params(args), dayfirst=args.dayfirst)
        indexed = index.documents(h.id for r in results for h in r.hits[: args.top])
        location, params = index.stats().location, index.params.as_dict()
    if args.json:
        _write_json_file(args.json, {"index": location, "params": params,
                                     "results": [asdict(r) for r in results]})  # fmt: skip
    texts = {d.id: d.text for d in docs}
    for r in results:
        _render_query(r, texts[r.id], indexed, out, args.top)
    return 0


def _excerpt(text: str, start: int, end: int, width: int = 70) -> str:
    span = " ".join(text[start:end].split())
    return span if len(span) <= width else span[: width - 1] + "…"


def _render_query(r: QueryResult, text: str, indexed: dict[str, Document], out: Console,
                  top: int) -> None:  # fmt: skip
    head = f"[bold]{escape(r.id)}[/bold]: {r.reused_share:.1%} reused ({r.reused_chars:,} of "
    out.print(head + f"{r.chars:,} chars) from {count(len(r.hits), 'indexed document')}")
    if not r.hits:
        return
    hits = r.hits[:top]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    show_source = any(h.source != h.id for h in hits)  # else each document is its own source
    show_date = any(h.date for h in hits)
    table.add_column("indexed document")
    if show_source:
        table.add_column("source")
    if show_date:
        table.add_column("date")
        table.add_column("than this")  # the indexed document is earlier or later
    for col in ("reused", "chars", "passages"):
        table.add_column(col, justify="right")
    for h in hits:
        dated = [escape(h.date or ""), h.when or ""] * show_date
        cells = [escape(h.id)] + [escape(h.source)] * show_source + dated
        table.add_row(*cells, f"{h.reused_share:.1%}", f"{h.reused_chars:,}", str(len(h.matches)))
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


def _overlap(args: argparse.Namespace, out: Console) -> int:
    check_outputs([args.a, args.b], [args.json])
    progress = cli_progress(args.quiet)
    try:
        result = overlap(_load_args(args, [args.a]), _load_args(args, [args.b]),
                         _given_params(args), workers=args.workers,
                         progress=progress)  # fmt: skip
    finally:
        getattr(progress, "close", lambda: None)()
    if args.json:
        _write_json_file(args.json, asdict(result))
    t = result.total
    out.print(f"[bold]{t.documents_with_reuse:,} of {count(t.documents, 'document')}[/bold] "
              f"of A ({t.documents_share:.1%}) reuse B; {t.reused_chars:,} of {t.chars:,} "
              f"characters ({t.reused_share:.1%}).")  # fmt: skip
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("side", "source", "documents", "with reuse", "reused chars", "share"):
        table.add_column(col, justify="left" if col in ("side", "source") else "right")
    for s in result.sources:
        table.add_row(s.side.upper(), escape(s.source),
                      f"{s.documents:,}" if s.side == "a" else "", f"{s.documents_with_reuse:,}",
                      f"{s.reused_chars:,}", f"{s.reused_share:.1%}")  # fmt: skip
    out.print(table)
    shown = sorted((d for d in result.documents if d.reused_chars),
                   key=lambda d: (-d.reused_share, d.id))[: args.top]  # fmt: skip
    if shown:
        docs = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        show_source = any(d.source != d.id for d in shown)
        docs.add_column("A document")
        if show_source:
            docs.add_column("source")
        for col in ("reused", "chars"):
            docs.add_column(col, justify="right")
        docs.add_column("from B")
        for d in shown:
            cells = [escape(d.id)] + [escape(d.source)] * show_source
            docs.add_row(*cells, f"{d.reused_share:.1%}", f"{d.reused_chars:,}",
                         escape(_listing(list(d.from_docs), 3)))  # fmt: skip
        out.print(docs)
    return 0


def _dedupe(args: argparse.Namespace, out: Console) -> int:
    if args.out is None and not args.dry_run:
        raise DedupError("dedupe needs --out OUT (where to write the kept documents) or --dry-run")
    if args.out is not None and str(args.path) == "-":
        raise DedupError("-: records read from standard input cannot be written back; "
                         "save them to a file and dedupe that, or use --dry-run")  # fmt: skip
    report = None if args.out is None else args.report or args.out.with_name(
        args.out.name + ".report.json")  # fmt: skip
    if args.out is not None:
        folder = args.out if args.path.is_dir() else None
        check_outputs([args.path], [report, None if folder else args.out],
                      documents_folder=folder)  # fmt: skip
    docs = list(_load_args(args, [args.path]))
    progress = cli_progress(args.quiet)
    try:
        result = dedupe(docs, threshold=args.threshold, containment=args.containment,
                        dayfirst=args.dayfirst,
                        params=_given_params(args), workers=args.workers,
                        progress=progress)  # fmt: skip
    finally:
        getattr(progress, "close", lambda: None)()
    gone = len(result.dropped)
    rule = f"Jaccard >= {result.threshold:g} or containment >= {result.containment:g}"
    out.print(f"{count(result.documents, 'document')}: {count(len(result.clusters), 'cluster')} "
              f"of near-duplicates ({rule}); keeping {len(result.kept):,}, "
              f"dropping {gone:,}.")  # fmt: skip
    shown = result.dropped[: args.top]
    via = any(d.via != d.kept for d in shown)  # joined through another member, not the kept one
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("dropped", "kept", *(["via"] if via else [])):
        table.add_column(col)
    for col in ("Jaccard", "containment"):
        table.add_column(col, justify="right")
    for d in shown:
        cells = [escape(d.id), escape(d.kept), *([escape(d.via)] if via else [])]
        table.add_row(*cells, f"{d.jaccard:.2f}", f"{d.containment:.2f}")
    if result.dropped:
        out.print(table)
    if gone > args.top:
        out.print(f"… and {gone - args.top:,} more (--top {gone} lists all)", markup=False)
    if args.dry_run or report is None:
        out.print("Dry run: nothing written.")
        return 0
    with _writing(OutputFiles()) as staged:
        files = stage_kept(docs, result, args.path, args.out, staged, encoding=args.encoding,
                           id_field=args.id_field, text_field=args.text_field)  # fmt: skip
        staged.write_text(report, json_text(asdict(result)))
        staged.commit()
    out.print(f"Wrote {count(len(files), 'file')} to {escape(str(args.out))}; "
              f"report: {escape(str(report))}.")  # fmt: skip
    return 0


_ROLLED_BACK = "the batch in progress was rolled back; the index is as it was"
_INDEX_COMMANDS = {"add": _guarded(_index_add, _ROLLED_BACK), "stats": _guarded(_index_stats),
                   "remove": _guarded(_index_remove, _ROLLED_BACK)}  # fmt: skip
_CORPUS_COMMANDS = {"query": _guarded(_query, "no output file written or changed"),
                    "overlap": _guarded(_overlap, "no output file written or changed"),
                    "dedupe": _guarded(_dedupe, "no output file written or changed")}  # fmt: skip


def _corpus_command(args: argparse.Namespace) -> int:
    if args.command == "index":
        return _INDEX_COMMANDS[args.index_command](args)
    return _CORPUS_COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
