"""Command line: parse arguments, call the API, render. No algorithm lives here."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

from dedup.errors import DedupError
from dedup.load import LoadReport, load
from dedup.normalize import normalize
from dedup.params import ScanParams
from dedup.pipeline import scan
from dedup.records import Document, ScanResult
from dedup.report.tables import write_csv, write_json
from dedup.report.terminal import render_summary
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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dedup", description="Find who copied what from whom.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scan", help="find reused passages and rank document pairs")
    s.add_argument("paths", nargs="*", type=Path,
                   help="files and folders of .txt, .jsonl, .csv or .parquet "
                        "(default: the sample corpus)")  # fmt: skip
    s.add_argument("--json", type=Path, metavar="FILE", help="write the full result as JSON")
    s.add_argument("--csv", type=Path, metavar="DIR", help="write pairs.csv and matches.csv")
    s.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    s.add_argument("--source-from", action="append", default=[], metavar="RULE",
                   help="'folder' (parent folder is the source) "
                        "or 'REGEX=SOURCE' on ids")  # fmt: skip
    s.add_argument("--encoding", default="utf-8", help="encoding of input files (default utf-8)")
    s.add_argument("--encoding-errors", default="strict", choices=["strict", "replace"],
                   help="what to do with bytes the encoding cannot decode")  # fmt: skip
    s.add_argument("--top", type=_int_at_least(0), default=10,
                   help="pairs shown in the terminal table")  # fmt: skip
    s.add_argument("--quiet", action="store_true",
                   help="print nothing but errors (else the run summary goes to stderr, "
                        "the tables to stdout)")  # fmt: skip
    s.add_argument("--workers", type=_int_at_least(1), default=None,
                   help="processes for the CPU-heavy stages (default: all cores)")  # fmt: skip
    for name, default in ScanParams().as_dict().items():
        s.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default,
                       help=argparse.SUPPRESS)  # fmt: skip
    return parser


def _params(args: argparse.Namespace) -> ScanParams:
    return ScanParams(**{name: getattr(args, name) for name in ScanParams().as_dict()})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dedup`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    return _scan(args)


def _write_html(result: ScanResult, path: Path) -> None:
    from dedup.report.html import write_html  # jinja2 is loaded only when asked for

    write_html(result, path)


def _scan(args: argparse.Namespace) -> int:
    """``dedup scan``: errors are one line on stderr, then the run summary, then the tables.

    Exit status 0 on success, 2 on a :class:`DedupError` (bad input or parameter, unwritable
    output), 130 on Ctrl-C. Output files are written only after the scan has finished, each
    through a temporary file renamed into place.
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    report = LoadReport()
    written: list[str] = []
    try:
        docs = load(args.paths or [seeds_dir()], source_rules=args.source_from,
                    encoding=args.encoding, encoding_errors=args.encoding_errors,
                    report=report)  # fmt: skip
        result = scan(docs, params=_params(args), workers=args.workers)
        result = replace(result, stats=_run_stats(result, report))
        outputs = ((args.json, write_json), (args.csv, write_csv), (args.html, _write_html))
        for target, write in outputs:
            if target is not None:
                _write_output(write, result, target)
                written.append(str(target))
    except DedupError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return 2
    except KeyboardInterrupt:
        done = f"only {', '.join(written)} written" if written else "no output file written"
        err.print(f"[red]interrupted[/red]: {escape(done)}; nothing else was changed")
        return 130
    if not args.quiet:
        for line in _run_summary(result, report):
            err.print(line, markup=False)
        render_summary(result, Console(), top_pairs=args.top)
    return 0


def _write_output(write: Callable[[ScanResult, Path], None], result: ScanResult,
                  target: Path) -> None:  # fmt: skip
    try:
        write(result, target)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise DedupError(f"{target}: cannot write: {why}; choose another path") from exc


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


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _listing(items: Sequence[str], most: int = 10) -> str:
    more = f" and {len(items) - most:,} more" if len(items) > most else ""
    return ", ".join(items[:most]) + more


def _run_summary(result: ScanResult, report: LoadReport) -> list[str]:
    """One or two plain lines: documents read, scanned, not scanned and why; files skipped."""
    stats = result.stats
    line = (
        f"Read {_count(stats['documents'], 'document')} from {_count(report.files, 'file')}; "
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
        lines.append(f"Skipped {_count(len(report.skipped), 'file')} in folders: {skipped}.")
    return lines


if __name__ == "__main__":
    sys.exit(main())
