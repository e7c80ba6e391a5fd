"""The ``dedup`` argument parser: every command, option and help text.

Only the standard library and :mod:`dedup.core.params` are imported here, so that parsing
(and ``--help``, ``--version``) costs no more than starting Python.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from dedup import __version__
from dedup.core.errors import ParamError
from dedup.core.params import ScanParams

# The settings most often tuned get a flag with help; every other ScanParams key is read
# from --config (or a hidden flag of the same name).
SHOWN_PARAMS = {
    "passage_threshold": "LSH Jaccard threshold between passages' content words (default 0.3)",
    "passage_min_words": "content words a passage needs to be matched on its own (default 3)",
    "chain_min_score": "score a reworded (heavy) match needs to be reported (default 0.7)",
    "boilerplate_min_docs": "documents a short line must appear in to be boilerplate (default 3)",
    "shingle_words": "words per document shingle, for Jaccard (default 5)",
}


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


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _size(text: str) -> int:
    """Bytes written as a number with an optional K, M, G or T suffix (powers of 1024)."""
    number, unit = text.strip().upper().removesuffix("B"), ""
    if number[-1:] in _UNITS:
        number, unit = number[:-1], number[-1]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if not value >= 0:
        why = f"must be a size such as 4G, 512M or 1000000; got {text!r}"
        raise argparse.ArgumentTypeError(why)
    return int(value * _UNITS[unit])


def _share(*, zero: bool = True) -> Callable[[str], float]:
    """A number in [0, 1] (``zero=False``: in (0, 1])."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not (0.0 <= value <= 1.0) or (value == 0.0 and not zero):
            bound = "[0, 1]" if zero else "(0, 1]"
            raise argparse.ArgumentTypeError(f"must be a number in {bound}; got {text!r}")
        return value

    return parse


_PARAM_RULE = re.compile(r"must be (.+?)\. Got")


def _param_value(name: str, kind: type) -> Callable[[str], Any]:
    """The argparse type of the flag for ScanParams field ``name``: its value, checked
    there, so that an error names the flag the user typed."""

    def parse(text: str) -> Any:
        value = kind(text)  # a ValueError: argparse's "invalid float value: 'half'"
        try:
            ScanParams(**{name: value})
        except ParamError as exc:
            rule = _PARAM_RULE.search(str(exc))
            what = rule.group(1) if rule else "in range"
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
        return value

    parse.__name__ = kind.__name__
    return parse


def _param_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--config FILE`` and a flag per ScanParams field (None when not given)."""
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="TOML file of scan settings, the keys of ScanParams "
                        "(flags given override it)")  # fmt: skip
    for name, default in ScanParams().as_dict().items():
        p.add_argument(f"--{name.replace('_', '-')}", type=_param_value(name, type(default)),
                       default=None, metavar=name.split("_")[-1].upper(),
                       help=SHOWN_PARAMS.get(name, argparse.SUPPRESS))  # fmt: skip


def _reading_options(p: argparse.ArgumentParser) -> None:
    """How input is read, for every command that reads documents."""
    p.add_argument("--source-from", action="append", default=[], metavar="RULE",
                   help="'folder' (parent folder is the source) or 'REGEX=SOURCE' on ids "
                        "as printed; records with a source field keep it")  # fmt: skip
    p.add_argument("--encoding", default="utf-8", help="encoding of input files (default utf-8)")
    p.add_argument("--encoding-errors", default="strict", choices=["strict", "replace"],
                   help="what to do with bytes the encoding cannot decode")  # fmt: skip
    p.add_argument("--language", metavar="CODE",
                   help="the language of every document (ISO 639-1: en, ur, zh, ...), "
                        "for its stop words; default: a record's language field, else "
                        "detected")  # fmt: skip
    for field in ("id", "text", "source", "date"):
        p.add_argument(f"--{field}-field", default=field, metavar="NAME",
                       help=f"name of the {field} field or column in JSONL, CSV and Parquet "
                            f"records (default {field})")  # fmt: skip


def _attribution_options(p: argparse.ArgumentParser, *, wires: bool) -> None:
    """How dates are read and (``wires``) which sources are wires: who copied whom."""
    p.add_argument("--dayfirst", action="store_true",
                   help="read numeric dates day first (01/02/2022 is 1 February)")  # fmt: skip
    if wires:
        p.add_argument("--wire", action="append", default=[], metavar="NAME",
                       help="a source that is a wire service (repeatable): the source of "
                            "every copy it shares with a non-wire")  # fmt: skip


def _chatter_options(p: argparse.ArgumentParser, quiet_help: str) -> None:
    """``--quiet`` and ``-v/--verbose``, which exclude each other."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help=quiet_help)
    group.add_argument("-v", "--verbose", action="store_true",
                       help="log each stage as it starts, and its time and counts, "
                            "on stderr")  # fmt: skip


def _input_options(p: argparse.ArgumentParser) -> None:
    """Reading, chatter and scan-setting options of the corpus commands."""
    _reading_options(p)
    _chatter_options(p, "print nothing but errors")
    _param_options(p)


def _workers_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--workers", type=_int_at_least(1), default=None,
                   help=f"processes {what} (default: all cores)")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The parser of every ``dedup`` command."""
    parser = _Parser(prog="dedup", description="Find who copied what from whom.")
    parser.add_argument("--version", action="version", version=f"dedup {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_scan(sub)
    _add_index(sub)
    _add_query(sub)
    _add_overlap(sub)
    _add_dedupe(sub)
    return parser


def _add_scan(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("scan", help="find reused passages and rank document pairs")
    s.add_argument("paths", nargs="*", type=Path,
                   help="files and folders of .txt, .jsonl, .csv, .tsv, .parquet or .html "
                        "(default: the sample corpus)")  # fmt: skip
    s.add_argument("--json", type=Path, metavar="FILE",
                   help="write the full result as JSON ('-': standard output)")  # fmt: skip
    s.add_argument("--csv", type=Path, metavar="DIR",
                   help="write pairs.csv, matches.csv, documents.csv, sources.csv and "
                        "flows.csv ('-': pairs.csv to standard output)")  # fmt: skip
    s.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    _reading_options(s)
    _attribution_options(s, wires=True)
    f = s.add_argument_group("which pairs are reported (terminal, JSON, CSV and HTML)")
    f.add_argument("--cross-source", action="store_true",
                   help="only pairs whose documents have different sources")  # fmt: skip
    f.add_argument("--min-reused", type=_int_at_least(0), default=0, metavar="CHARS",
                   help="only pairs with at least CHARS reused characters")  # fmt: skip
    f.add_argument("--min-score", type=_share(), default=0.0, metavar="S",
                   help="only pairs scoring at least S")  # fmt: skip
    s.add_argument("--top", type=_int_at_least(0), default=10,
                   help="pairs shown in the terminal table; pairs without reused passages are "
                        "left out of it (they stay in the JSON and CSV)")  # fmt: skip
    s.add_argument("--fail-on-reuse", action="store_true",
                   help="exit with status 3 when a reported pair has reused passages")  # fmt: skip
    _chatter_options(s, "print nothing but errors (else the run summary goes to stderr, "
                        "the tables to stdout)")  # fmt: skip
    _workers_option(s, "for the CPU-heavy stages")
    s.add_argument("--memory-limit", type=_size, default=None, metavar="SIZE",
                   help="memory the corpus-sized tables may hold (4G, 512M); past it they "
                        "are memory-mapped temporary files (default: half of the machine's "
                        "memory)")  # fmt: skip
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
    _param_options(s.add_argument_group("scan settings"))


def _add_index(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ix = sub.add_parser("index", help="a persistent index to query new documents against")
    isub = ix.add_subparsers(dest="index_command", required=True)
    add = isub.add_parser("add", help="add documents (one transaction; re-running completes it)")
    add.add_argument("index", help="SQLite file (created if missing) or redis://host:port/db")
    add.add_argument("paths", nargs="+", type=Path, help="files and folders to add")
    add.add_argument("--replace", action="store_true",
                     help="replace indexed documents whose text changed "
                          "(else that is an error)")  # fmt: skip
    _input_options(add)
    stats = isub.add_parser("stats", help="documents, sources and parameters of an index")
    stats.add_argument("index", help="an index made by 'dedup index add'")
    _chatter_options(stats, argparse.SUPPRESS)
    rm = isub.add_parser("remove", help="remove documents by id")
    rm.add_argument("index", help="an index made by 'dedup index add'")
    rm.add_argument("ids", nargs="+", metavar="ID", help="ids of the documents to remove")
    _chatter_options(rm, "print nothing but errors")


def _add_query(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    q = sub.add_parser("query", help="which indexed documents new documents reuse")
    q.add_argument("index", help="an index made by 'dedup index add'")
    q.add_argument("paths", nargs="+", type=Path, help="files and folders to look up")
    q.add_argument("--json", type=Path, metavar="FILE",
                   help="write the results as JSON ('-': standard output)")  # fmt: skip
    q.add_argument("--top", type=_int_at_least(1), default=5,
                   help="indexed documents shown per new document (default 5)")  # fmt: skip
    _input_options(q)
    _attribution_options(q, wires=False)


def _add_overlap(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    o = sub.add_parser("overlap", help="how much of corpus A is reused from corpus B")
    o.add_argument("a", type=Path, help="corpus A: a file or folder")
    o.add_argument("b", type=Path, help="corpus B: a file or folder")
    o.add_argument("--json", type=Path, metavar="FILE",
                   help="write the result as JSON ('-': standard output)")  # fmt: skip
    o.add_argument("--top", type=_int_at_least(0), default=10,
                   help="A documents shown, most reused first (default 10)")  # fmt: skip
    _workers_option(o, "for the CPU-heavy stages")
    _input_options(o)


def _add_dedupe(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = sub.add_parser("dedupe", help="remove near-duplicates, keeping one per cluster")
    d.add_argument("path", type=Path, help="a .jsonl, .csv, .tsv or .parquet file, or a folder")
    d.add_argument("--out", type=Path, help="where to write the kept documents (same format)")
    d.add_argument("--dry-run", action="store_true",
                   help="list what would be dropped; write nothing")  # fmt: skip
    d.add_argument("--threshold", type=_share(zero=False), default=0.7, metavar="J",
                   help="word-shingle Jaccard from which two documents are near-duplicates "
                        "(default 0.7)")  # fmt: skip
    d.add_argument("--containment", type=_share(zero=False), default=0.9, metavar="C",
                   help="share of the smaller document inside the other (default 0.9)")  # fmt: skip
    d.add_argument("--report", type=Path, metavar="FILE",
                   help="JSON report of clusters and dropped documents "
                        "(default OUT.report.json)")  # fmt: skip
    d.add_argument("--top", type=_int_at_least(0), default=20, help="dropped documents shown")
    _workers_option(d, "analysing the documents")
    _input_options(d)
    _attribution_options(d, wires=False)
