"""Progress of a scan: the callback protocol.

:func:`dedup.scan` takes ``progress=callback`` and calls ``callback(stage,
done, total)`` as work finishes: ``stage`` is one of :data:`STAGES`, ``done``
and ``total`` count that stage's units (documents, or candidate pairs for
``align``); ``done == total`` closes a stage. The library never prints: the
command line's renderings are :mod:`dedup.report.progress`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Stage = Literal["analyze", "candidates", "align", "score"]
STAGES: tuple[Stage, ...] = ("analyze", "candidates", "align", "score")
Progress = Callable[[str, int, int], None]


def silent(stage: str, done: int, total: int) -> None:
    """The callback that does nothing (the default)."""
