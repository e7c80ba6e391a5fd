"""Errors that dedup raises on purpose.

::

    DedupError          base of all of them; the CLI prints one line and exits with ``status``
    ├── InputError      a file or record cannot be read: names the file and line
    ├── ParamError      a parameter is out of range: names it, its constraint and the value
    └── WorkerDied      a worker process was killed (status 1, as for memory running out)
"""

from __future__ import annotations

from pathlib import Path

# Every character str.splitlines() breaks at, escaped: an error is one line even when
# it quotes a field or file name that holds one.
_BREAKS = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
           for c in (0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}  # fmt: skip


class DedupError(Exception):
    """Base of every error dedup raises on purpose; its message is one line."""

    status = 2  # exit status of the command line

    def __init__(self, message: str = "") -> None:
        super().__init__(str(message).translate(_BREAKS))


class InputError(DedupError):
    """A file or one of its records cannot be read.

    Parameters
    ----------
    path : Path or str
        The file (or the folder) at fault.
    line : int or None
        1-based line (or record) number inside ``path``, when there is one.
    problem : str
        What is wrong and, where it helps, what to do about it.
    """

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = Path(path), line, problem


class ParamError(DedupError, ValueError):
    """A parameter value is outside its documented range."""


class WorkerDied(DedupError):
    """A worker process was killed (most often by the kernel when memory runs out)."""

    status = 1

    def __init__(self) -> None:
        super().__init__("a worker process was killed (the system does that when memory runs "
                         "out); scan fewer or smaller documents, or use fewer --workers")
