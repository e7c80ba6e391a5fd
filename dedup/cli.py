"""Command line: parse arguments, call the API, render. No algorithm lives here.

The commands live in :mod:`dedup.commands`; nothing heavy is imported before the
arguments are parsed, so ``dedup --help`` and ``dedup --version`` answer at once.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from dedup.commands.common import interrupted, seeds_dir
from dedup.commands.parser import build_parser

__all__ = ["interrupted", "main", "run", "seeds_dir"]


def run() -> NoReturn:
    """The ``dedup`` program: :func:`main`, then exit with its status. SIGTERM (``kill``, a
    service manager stopping it) stops it as Ctrl-C does: workers killed, no output
    written. A Ctrl-C that comes once main has returned (outputs written, summary printed)
    has nothing left to stop, and would only print a traceback from the interpreter's
    shutdown: it is ignored."""
    signal.signal(signal.SIGTERM, _interrupt)
    from dedup.core.workers import stop_workers

    status = main()
    stop_workers()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(status)


def _interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dedup`` command; returns the exit status.

    Log lines (logger ``dedup``) go to stderr: warnings with ``--quiet``, stage timings
    and counts too with ``-v/--verbose``.
    """
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s")
    logging.getLogger("dedup").setLevel(level)
    if args.command == "scan":
        from dedup.commands.scan import run_scan

        return run_scan(args)
    from dedup.commands.corpus import run_corpus_command

    return run_corpus_command(args)


if __name__ == "__main__":
    sys.exit(main())
