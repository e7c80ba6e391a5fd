"""The command line's renderings of a scan's progress (:mod:`dedup.core.progress`).

:func:`cli_progress` gives the command line its callback: a rich progress bar
per stage (counts, elapsed time, ETA) on a terminal, plain log lines for
long stages otherwise (every :data:`LOG_EVERY_S` seconds), nothing when quiet.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING

from dedup.core.progress import STAGES, Progress, silent

if TYPE_CHECKING:
    from rich.progress import TaskID

log = logging.getLogger("dedup")
LOG_EVERY_S = 10.0  # seconds between log lines; a stage done sooner logs nothing


class _LogLines:
    """Plain log lines (logger ``dedup``, INFO) for stages that run long.

    A stage logs its count, share and an estimate of the time left every
    ``every_s`` seconds, and one closing line if it ran that long; quick stages
    (a small corpus) print nothing, so short runs keep a clean stderr.
    """

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.started: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        start = self.started.setdefault(stage, now)
        if done >= total:
            if now - start >= self.every_s:
                log.info("%s: done, %d items in %.1f s", stage, total, now - start)
        elif now - self.last.get(stage, start) >= self.every_s:
            self.last[stage] = now
            eta = f", about {(now - start) * (total - done) / done:.0f} s left" if done else ""
            log.info("%s: %d / %d (%.0f%%)%s", stage, done, total, 100 * done / total, eta)


class _Bars:
    """A rich progress bar per stage, on stderr; stops itself after the last stage."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bars = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.tasks:
            self.bars.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(stage, total=max(total, 1))
        self.bars.update(self.tasks[stage], completed=done if total else 1)
        if stage == STAGES[-1] and done >= total:
            self.close()

    def close(self) -> None:
        """Stop the live display (safe to call twice, e.g. after an error)."""
        self.bars.stop()


def cli_progress(quiet: bool) -> Progress:
    """The command line's callback: bars on a TTY, log lines otherwise, silent when quiet.

    The returned callable has a ``close()`` method when it draws bars; call it
    if the scan raises, so the terminal is left clean.
    """
    if quiet:
        return silent
    if sys.stderr.isatty():
        return _Bars()
    return _LogLines(LOG_EVERY_S)
