"""Command line: parse arguments, call the API, render. No algorithm lives here."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from dedup.errors import DedupError
from dedup.load import load
from dedup.params import ScanParams
from dedup.pipeline import scan
from dedup.report.tables import write_csv, write_json
from dedup.report.terminal import render_summary


def seeds_dir() -> Path:
    """The sample corpus: shipped inside the package, or beside it in a source checkout."""
    inside = Path(__file__).parent / "seeds"
    return inside if inside.is_dir() else Path(__file__).parent.parent / "seeds"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dedup", description="Find who copied what from whom.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scan", help="find reused passages and rank document pairs")
    s.add_argument("paths", nargs="*", type=Path,
                   help="folders of .txt, .jsonl or .csv files (default: the sample corpus)")  # fmt: skip
    s.add_argument("--json", type=Path, metavar="FILE", help="write the full result as JSON")
    s.add_argument("--csv", type=Path, metavar="DIR", help="write pairs.csv and matches.csv")
    s.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    s.add_argument("--source-from", action="append", default=[], metavar="RULE",
                   help="'folder' (parent folder is the source) or 'REGEX=SOURCE' on ids")  # fmt: skip
    s.add_argument("--encoding", default="utf-8", help="encoding of input files (default utf-8)")
    s.add_argument("--encoding-errors", default="strict", choices=["strict", "replace"],
                   help="what to do with bytes the encoding cannot decode")  # fmt: skip
    s.add_argument("--top", type=int, default=10, help="pairs shown in the terminal table")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")
    s.add_argument("--workers", type=int, default=None,
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
    err = Console(stderr=True)
    try:
        docs = load(args.paths or [seeds_dir()], source_rules=args.source_from,
                    encoding=args.encoding, encoding_errors=args.encoding_errors)  # fmt: skip
        result = scan(docs, params=_params(args), workers=args.workers)
        if args.json:
            write_json(result, args.json)
        if args.csv:
            write_csv(result, args.csv)
        if args.html:
            from dedup.report.html import write_html

            write_html(result, args.html)
    except DedupError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("[red]interrupted[/red]: no output file was written or changed")
        return 130
    if not args.quiet:
        render_summary(result, Console(), top_pairs=args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
