"""``dedup scan``: read, scan, select the reported pairs, write the outputs, print the tables."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedup.commands.common import (
    closing,
    guarded,
    listing,
    log,
    reading,
    seeds_dir,
    with_progress,
    writing,
)
from dedup.commands.settings import scan_params
from dedup.core.errors import DedupError

if TYPE_CHECKING:
    from dedup.core.records import ScanResult
    from dedup.io.load import LoadReport

REUSE_FOUND = 3  # exit status of --fail-on-reuse when a reported pair reuses text


def run_scan(args: argparse.Namespace) -> int:
    """``dedup scan``: errors are one line on stderr, then the run summary, then the tables.

    Exit status 0 on success, 2 on a :class:`DedupError` (bad input or parameter, unwritable
    output), 1 when memory runs out, 3 with ``--fail-on-reuse`` when a reported pair has
    reused passages, 130 on Ctrl-C. Output files are checked against the inputs first and
    written only after the scan has finished, all or none; an output named ``-`` goes to
    standard output, which then holds nothing else.
    """
    from dedup.io.load import LoadReport
    from dedup.report.terminal import count

    report = LoadReport()
    written: list[str] = []

    def unchanged() -> str:
        done = f"only {', '.join(written)} written" if written else "no output file written"
        return f"{done}; nothing else was changed"

    def out_of_memory() -> str:
        read = f"{count(report.read, 'document')} from {count(report.files, 'file')}"
        return f"out of memory after reading {read}; scan fewer or smaller documents"

    def command(args: argparse.Namespace, _: Any) -> int:
        return _scan(args, report, written)

    return guarded(command, unchanged, out_of_memory=out_of_memory)(args)


def _scan(args: argparse.Namespace, report: LoadReport, written: list[str]) -> int:
    """The scan of :func:`run_scan`, filling in ``report`` and the outputs ``written``."""
    from dedup.io.outputs import OutputFiles, check_outputs, is_stdout
    from dedup.report.console import SafeConsole
    from dedup.report.select import select_pairs
    from dedup.report.terminal import render_summary

    paths = args.paths or [seeds_dir()]
    params = scan_params(args)
    options = reading(args, paths)
    if args.engine == "spark":
        result = _scan_spark(args, paths, params, options, report)
    else:
        if args.out is not None:
            raise DedupError("--out writes Spark output folders: use it with --engine spark")
        check_outputs(paths, [p for p, _ in _outputs(args, None)])
        result = _scan_local(args, paths, params, options, report)
    result = replace(result, stats=_run_stats(result, report))
    if args.verbose:
        log.debug("counts: %s", ", ".join(f"{k} {v:,}" for k, v in result.stats.items()))
    result = select_pairs(result, cross_source=args.cross_source,
                          min_reused=args.min_reused, min_score=args.min_score)  # fmt: skip
    with writing(OutputFiles()) as files:
        for target, text in _outputs(args, result):
            files.write_text(target, text)
        written += map(str, files.commit())
    if not args.quiet:
        err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
        for line in _run_summary(result, report):
            err.print(line, markup=False)
        if not any(is_stdout(Path(w)) for w in written):
            render_summary(result, SafeConsole(), top_pairs=args.top)
    if args.fail_on_reuse and any(p.reused_chars for p in result.pairs):
        return REUSE_FOUND
    return 0


def _scan_local(args: argparse.Namespace, paths: Sequence[Path], params: Any,
                options: dict[str, Any], report: LoadReport) -> ScanResult:  # fmt: skip
    from dedup.engines.pipeline import scan
    from dedup.io.load import load

    docs = load(paths, report=report, **options)
    progress = with_progress(args.quiet, args.verbose)
    try:
        return scan(docs, params=params, workers=args.workers, progress=progress,
                    wires=args.wire, dayfirst=args.dayfirst, memory_limit=args.memory_limit)
    finally:
        closing(progress)


def _scan_spark(args: argparse.Namespace, paths: Sequence[Path], params: Any,
                options: dict[str, Any], report: LoadReport) -> ScanResult:  # fmt: skip
    """``--engine spark``: the same scan as a Spark job (pyspark is imported only here)."""
    try:
        from dedup.engines.spark import scan_paths
    except ImportError as exc:
        why = f"--engine spark needs pyspark: pip install 'dedup[spark]' ({exc})"
        raise DedupError(why) from exc
    return scan_paths(paths, params, master=args.spark_master, conf=args.spark_conf,
                      out=args.out, report=report, wires=args.wire, dayfirst=args.dayfirst,
                      **options)  # fmt: skip


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The run's choices beside the scan parameters, for the JSON output."""
    return {"config": None if args.config is None else str(args.config),
            "cross_source": args.cross_source, "min_reused": args.min_reused,
            "min_score": args.min_score}  # fmt: skip


def _outputs(args: argparse.Namespace, result: ScanResult | None) -> list[tuple[Path, str]]:
    """The files ``scan`` writes and their texts, rendered from ``result`` (else empty).
    ``--csv -`` puts pairs.csv on standard output."""
    from dedup.report.tables import CSV_FILES, csv_texts, to_json

    outputs: list[tuple[Path, str]] = []
    if args.json is not None:
        text = to_json(result, settings=_settings(args)) if result is not None else ""
        outputs.append((args.json, text))
    if args.csv is not None:
        texts = csv_texts(result) if result is not None else dict.fromkeys(CSV_FILES, "")
        if str(args.csv) == "-":
            outputs.append((args.csv, texts["pairs.csv"]))
        else:
            outputs += [(args.csv / name, text) for name, text in texts.items()]
    if args.html is not None:
        outputs.append((args.html, _html(result) if result is not None else ""))
    return outputs


def _html(result: ScanResult) -> str:
    from dedup.report.html import render_html  # jinja2 is loaded only when asked for

    return render_html(result)


def _run_stats(result: ScanResult, report: LoadReport) -> dict[str, int]:
    """The pipeline's counts plus the run's: documents scanned, files read and skipped."""
    stats = dict(result.stats)
    stats["scanned_documents"] = stats["documents"] - stats["empty_documents"]
    stats["files"] = report.files
    stats["skipped_files"] = len(report.skipped)
    return stats


def _run_summary(result: ScanResult, report: LoadReport) -> list[str]:
    """One or two plain lines: documents read, scanned, not scanned and why; files skipped."""
    from dedup.analysis.analyze import wordless_ids
    from dedup.report.terminal import count

    stats = result.stats
    line = (
        f"Read {count(stats['documents'], 'document')} from {count(report.files, 'file')}; "
        f"scanned {stats['scanned_documents']:,}"
    )
    if stats["empty_documents"]:
        ids = listing(wordless_ids(result.documents))
        line += f"; not scanned (no words): {stats['empty_documents']:,} ({ids})"
    if stats["scanned_documents"] < 2:
        line += "; nothing to compare: a scan needs two documents with words"
    lines = [line + "."]
    if report.skipped:
        skipped = listing([f"{path} ({why})" for path, why in report.skipped])
        lines.append(f"Skipped {count(len(report.skipped), 'file')} in folders: {skipped}.")
    return lines

