"""The corpus workflows: ``index add|stats|remove``, ``query``, ``overlap`` and ``dedupe``.

Each command takes the parsed arguments and the console for its tables and returns the
exit status; :func:`dedup.commands.common.guarded` turns errors into one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from dedup.commands.common import (
    closing,
    guarded,
    listing,
    reading,
    with_progress,
    write_json_file,
    writing,
)
from dedup.commands.settings import given_params
from dedup.core.errors import DedupError
from dedup.io.load_files import STDIN

if TYPE_CHECKING:
    from rich.console import Console

    from dedup.core.records import Document


def _load_args(args: argparse.Namespace, paths: Sequence[Path]) -> Iterator[Document]:
    from dedup.io.load import load

    return load(paths, **reading(args, paths))


def _index_add(args: argparse.Namespace, out: Console) -> int:
    from rich.markup import escape

    from dedup.report.terminal import count
    from dedup.workflows.index import Index

    read = 0

    def counted(docs: Iterator[Document]) -> Iterator[Document]:
        nonlocal read
        for doc in docs:
            read += 1
            yield doc

    docs = _load_args(args, args.paths)  # its options checked before an index is made
    with Index.open(args.index, given_params(args)) as index:
        before = index.stats().documents
        added = index.add(counted(docs), replace=args.replace)
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
    from rich.markup import escape
    from rich.table import Table

    from dedup.workflows.index import Index

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
    from rich.markup import escape

    from dedup.report.terminal import count
    from dedup.workflows.index import Index

    with Index.open(args.index, create=False) as index:
        present = set(index.documents(args.ids))
        removed = index.remove(args.ids)
    missing = [i for i in dict.fromkeys(args.ids) if i not in present]
    note = f"; not indexed: {escape(listing(missing))}" if missing else ""
    out.print(f"Removed {count(removed, 'document')} from {escape(args.index)}{note}.")
    return 0


def _query(args: argparse.Namespace, out: Console) -> int:
    from dedup.io.outputs import check_outputs
    from dedup.report.corpus import render_query
    from dedup.workflows.index import Index

    check_outputs(args.paths, [args.json])
    params = given_params(args)
    with Index.open(args.index, params, create=False) as index:
        docs = list(_load_args(args, args.paths))
        results = index.query(docs, params=params, dayfirst=args.dayfirst)
        wanted = [h.id for r in results for h in r.hits[: args.top]] + [d.id for d in docs]
        indexed = index.documents(wanted)
        location, stored_params = index.stats().location, index.params.as_dict()
    if args.json:
        already = [d.id for d in docs if d.id in indexed]
        write_json_file(args.json, {"index": location, "params": stored_params,
                                    "results": [asdict(r) for r in results],
                                    "indexed_ids": already})  # fmt: skip
    texts = {d.id: d.text for d in docs}
    for r in results:
        render_query(r, texts[r.id], indexed, out, args.top, dayfirst=args.dayfirst)
    return 0


def _overlap(args: argparse.Namespace, out: Console) -> int:
    from dedup.io.outputs import check_outputs
    from dedup.report.corpus import render_overlap
    from dedup.workflows.overlap import overlap

    check_outputs([args.a, args.b], [args.json])
    progress = with_progress(args.quiet, args.verbose)
    try:
        result = overlap(_load_args(args, [args.a]), _load_args(args, [args.b]),
                         given_params(args), workers=args.workers,
                         progress=progress)  # fmt: skip
    finally:
        closing(progress)
    if args.json:
        write_json_file(args.json, asdict(result))
    render_overlap(result, out, args.top)
    return 0


def _dedupe(args: argparse.Namespace, out: Console) -> int:
    from rich.markup import escape

    from dedup.io.outputs import OutputFiles, check_outputs, json_text
    from dedup.report.corpus import render_dedupe
    from dedup.report.terminal import count
    from dedup.workflows.dedupe import dedupe, stage_kept

    if args.out is None and not args.dry_run:
        raise DedupError("dedupe needs --out OUT (where to write the kept documents) or --dry-run")
    if args.out is not None and str(args.path) == "-":
        raise DedupError(f"{STDIN}: records read from standard input cannot be written back; "
                         "save them to a file and dedupe that, or use --dry-run")  # fmt: skip
    report = None if args.out is None else args.report or args.out.with_name(
        args.out.name + ".report.json")  # fmt: skip
    if args.out is not None:
        folder = args.out if args.path.is_dir() else None
        check_outputs([args.path], [report, None if folder else args.out],
                      documents_folder=folder)  # fmt: skip
    docs = list(_load_args(args, [args.path]))
    progress = with_progress(args.quiet, args.verbose)
    try:
        result = dedupe(docs, threshold=args.threshold, containment=args.containment,
                        dayfirst=args.dayfirst, params=given_params(args), workers=args.workers,
                        progress=progress)  # fmt: skip
    finally:
        closing(progress)
    render_dedupe(result, out, args.top)
    if args.dry_run or report is None:
        out.print("Dry run: nothing written.")
        return 0
    with writing(OutputFiles()) as staged:
        files = stage_kept(docs, result, args.path, args.out, staged, encoding=args.encoding,
                           id_field=args.id_field, text_field=args.text_field)  # fmt: skip
        staged.write_text(report, json_text(asdict(result)))
        staged.commit()
    out.print(f"Wrote {count(len(files), 'file')} to {escape(str(args.out))}; "
              f"report: {escape(str(report))}.")  # fmt: skip
    return 0


_ROLLED_BACK = "the batch in progress was rolled back; the index is as it was"
_UNCHANGED = "no output file written or changed"
_INDEX_COMMANDS = {"add": guarded(_index_add, _ROLLED_BACK), "stats": guarded(_index_stats),
                   "remove": guarded(_index_remove, _ROLLED_BACK)}  # fmt: skip
_CORPUS_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "query": guarded(_query, _UNCHANGED), "overlap": guarded(_overlap, _UNCHANGED),
    "dedupe": guarded(_dedupe, _UNCHANGED)}  # fmt: skip


def run_corpus_command(args: argparse.Namespace) -> int:
    """``index add|stats|remove``, ``query``, ``overlap`` or ``dedupe``."""
    if args.command == "index":
        return _INDEX_COMMANDS[args.index_command](args)
    return _CORPUS_COMMANDS[args.command](args)
