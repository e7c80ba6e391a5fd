"""What every command shares: input options, output staging, one-line errors, stage logs."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedup.core.errors import DedupError

if TYPE_CHECKING:
    from rich.console import Console

    from dedup.core.progress import Progress
    from dedup.io.outputs import OutputFiles

log = logging.getLogger("dedup")


def seeds_dir() -> Path:
    """The sample corpus: shipped inside the package, or beside it in a source checkout."""
    inside = Path(__file__).parent.parent / "seeds"
    return inside if inside.is_dir() else Path(__file__).parent.parent.parent / "seeds"


def reading(args: argparse.Namespace, paths: Sequence[Path]) -> dict[str, Any]:
    """The :func:`dedup.io.load.load` options of the command line for ``paths``; a
    ``--language`` dedup does not know is a ParamError.

    Without ``--source-from``, the loader's default rules apply
    (:func:`dedup.io.load.folder_layout`: outlet subfolders are the sources).
    """
    if args.language is not None:
        from dedup.analysis.language import check_language

        check_language(args.language)
    return {"source_rules": args.source_from or None, "encoding": args.encoding,
            "encoding_errors": args.encoding_errors, "id_field": args.id_field,
            "text_field": args.text_field, "source_field": args.source_field,
            "date_field": args.date_field, "language": args.language}  # fmt: skip


def listing(items: Sequence[str], most: int = 10) -> str:
    """``items`` joined by commas, the first ``most`` of them and how many more."""
    more = f" and {len(items) - most:,} more" if len(items) > most else ""
    return ", ".join(items[:most]) + more


@contextmanager
def writing(files: OutputFiles) -> Iterator[OutputFiles]:
    """``files``, whose staged outputs are removed if writing fails (the error names the
    file and why: a full disk, a folder that cannot be written to)."""
    with files:
        try:
            yield files
        except OSError as exc:
            where = exc.filename or "an output file"
            raise DedupError(f"{where}: cannot write: {exc.strerror or exc}; no output file "
                             "was written; choose another path") from exc


def write_json_file(target: Path, data: object) -> None:
    """``data`` as JSON in ``target`` (``-``: standard output)."""
    from dedup.io.outputs import OutputFiles, json_text

    with writing(OutputFiles()) as files:
        files.write_text(target, json_text(data))
        files.commit()


def interrupted(exc: BaseException) -> bool:
    """Is ``exc`` Ctrl-C, or an error Ctrl-C caused? (numba raises SystemError when the
    interrupt lands while it loads a compiled function.)"""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


Command = Callable[[argparse.Namespace], int]


def guarded(command: Callable[[argparse.Namespace, Console], int],
            message: str | Callable[[], str] = "nothing was changed", *,
            out_of_memory: Callable[[], str] | None = None) -> Command:  # fmt: skip
    """Run a command: a DedupError is one red line and its exit status, Ctrl-C is 130
    and running out of memory 1, each with one line saying what was left as it was.

    ``message`` says it after an interrupt (a callable is asked at that moment);
    ``out_of_memory`` gives the whole line after running out of memory (default: this
    message, and to use fewer or smaller documents).
    """

    def said() -> str:
        return message() if callable(message) else message

    def run(args: argparse.Namespace) -> int:
        from rich.markup import escape

        from dedup.io.outputs import is_stdout
        from dedup.report.console import SafeConsole

        err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
        try:
            quiet = args.quiet or is_stdout(getattr(args, "json", None))
            return command(args, SafeConsole(quiet=quiet, highlight=False, soft_wrap=True))
        except DedupError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            return exc.status
        except (KeyboardInterrupt, SystemError) as exc:
            if not interrupted(exc):
                raise
            err.print(f"[red]interrupted[/red]: {escape(said())}")
            return 130
        except MemoryError:
            line = out_of_memory() if out_of_memory else (
                f"out of memory; {said()}; use fewer or smaller documents")  # fmt: skip
            err.print(f"[red]error:[/red] {escape(line)}")
            return 1

    return run


def with_progress(quiet: bool, verbose: bool) -> Progress:
    """The progress callback of a command: bars or log lines (:func:`cli_progress`), and
    with ``verbose`` each stage's count and time logged when it ends."""
    from dedup.report.progress import cli_progress

    shown = cli_progress(quiet)
    return _StageLog(shown) if verbose else shown


class _StageLog:
    """A progress callback that logs (DEBUG) each stage's items as it starts and its
    items and seconds as it ends, then passes every call on."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner
        self.started: dict[str, float] = {}
        self.ended: set[str] = set()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        items = f"{total:,} item{'' if total == 1 else 's'}"
        if stage not in self.started and done < total:
            log.debug("%s: started, %s", stage, items)
        start = self.started.setdefault(stage, now)
        if done >= total and stage not in self.ended:
            self.ended.add(stage)
            log.debug("%s: %s in %.2f s", stage, items, now - start)
        self.inner(stage, done, total)

    def close(self) -> None:
        """Close the bars passed on to, if any."""
        getattr(self.inner, "close", lambda: None)()


def closing(progress: Progress) -> None:
    """Stop the progress bars of ``progress`` (they leave a clean terminal)."""
    getattr(progress, "close", lambda: None)()
