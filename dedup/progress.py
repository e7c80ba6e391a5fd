"""Progress of a scan: the callback protocol, and the command line's renderings of it.

:func:`dedup.scan` takes ``progress=callback`` and calls ``callback(stage,
done, total)`` as work finishes: ``stage`` is one of :data:`STAGES`, ``done``
and ``total`` count that stage's units (documents, or candidate pairs for
``align``); ``done == total`` closes a stage. The library never prints.

:func:`cli_progress` gives the command line its callback: a rich progress bar
per stage (counts, rate, ETA) on a terminal, plain log lines otherwise,
nothing when quiet.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.progress import TaskID

Stage = Literal["analyze", "candidates", "align", "score"]
STAGES: tuple[Stage, ...] = ("analyze", "candidates", "align", "score")
Progress = Callable[[str, int, int], None]

log = logging.getLogger("dedup")


def silent(stage: str, done: int, total: int) -> None:
    """The callback that does nothing (the default)."""


class _LogLines:
    """One log line when a stage starts and when it ends, and about every 10 s between."""

    def __init__(self, every_s: float = 10.0) -> None:
        self.every_s = every_s
        self.started: dict[str, float] = {}
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage not in self.started:
            self.started[stage] = now
            self.last = now
            log.info("%s: %d items", stage, total)
        if done >= total:
            log.info("%s: done, %d items in %.1f s", stage, total, now - self.started[stage])
        elif now - self.last >= self.every_s:
            self.last = now
            log.info("%s: %d / %d", stage, done, total)


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
    return _LogLines()
