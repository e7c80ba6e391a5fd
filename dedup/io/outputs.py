"""Output files: never over an input, and all of a run's or none of them.

:func:`check_outputs` runs before any work: it refuses an output path that is an input
file (through links, and hard links too), that lies inside an input folder where a
command writes a folder of documents (the next scan of that folder would read them back
as new documents), or that two outputs share.

:class:`OutputFiles` writes each file of a run to a temporary name beside its target
and renames them all into place at the end (:meth:`OutputFiles.commit`); if anything
fails before that (a full disk, Ctrl-C, an error), every temporary file is removed and
no target is touched. A target that is not a regular file (``/dev/null``, a named pipe,
``/dev/stdout``) is written into at the commit, never replaced. Text is written as UTF-8;
a lone surrogate (which JSON's ``"\\ud800"`` puts in a string and UTF-8 cannot hold) is
written as U+FFFD, except in JSON, which :func:`json_text` escapes exactly.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from dedup.core.errors import DedupError
from dedup.io.load import folder_files
from dedup.io.load_files import STDIN

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
STDOUT = Path("-")  # the output path that means standard output


def is_stdout(target: Path | None) -> bool:
    """Does writing ``target`` write this process's standard output: ``-``, or a path
    (``/dev/stdout``, ``/dev/fd/1``, the terminal's device) that is the file behind it?"""
    if target is None:
        return False
    if Path(target) == STDOUT:
        return True
    try:
        here, out = Path(target).stat(), os.fstat(1)
    except (OSError, ValueError):
        return False
    return (here.st_dev, here.st_ino) == (out.st_dev, out.st_ino)


def check_outputs(inputs: Sequence[Path], files: Iterable[Path | None], *,
                  documents_folder: Path | None = None) -> None:  # fmt: skip
    """Refuse outputs that would overwrite an input, before anything is read or written.

    Parameters
    ----------
    inputs : sequence of Path
        The files and folders a command reads (``-``, standard input, is left out).
    files : iterable of Path or None
        The files it will write (None: an output not asked for).
    documents_folder : Path, optional
        A folder it will fill with documents at the relative paths they have under the
        input folders (``dedupe --out``).

    Raises
    ------
    DedupError
        Naming the output and the input it would overwrite or lie in.
    """
    named = [Path(p) for p in inputs if Path(p) != STDIN and str(p) != "-"]
    folders = [p for p in named if p.is_dir()]
    read = {p: _identity(p) for p in named if p.is_file()}
    listed = {f: folder for folder in folders for _, f in folder_files(folder)[0]}
    read.update({f: _identity(f) for f in listed})
    targets = [Path(f) for f in files if f is not None]
    if documents_folder is not None:
        for folder in folders:
            if _within(documents_folder, folder):
                raise DedupError(
                    f"{documents_folder}: lies inside the input folder {folder}, whose next "
                    "scan would read the documents written there as new ones; choose a "
                    "folder outside it"
                )
        targets += [documents_folder / f.relative_to(listed[f]) for f in listed]
    inputs_by_identity = {ident: p for p, ident in read.items() if ident is not None}
    seen: dict[Path, Path] = {}
    for target in targets:
        hit = inputs_by_identity.get(_identity(target))  # type: ignore[arg-type]
        if hit is not None:
            raise DedupError(f"{target}: is the input {hit}; dedup never writes over what it "
                             "reads: choose another output path")  # fmt: skip
        where = target.resolve()
        if where in seen and not _is_stream(target):  # a device or pipe takes each in turn
            raise DedupError(f"{target}: two outputs of this run would be written there "
                             f"(also as {seen[where]}); give each its own path")  # fmt: skip
        seen[where] = target


def _identity(path: Path) -> tuple[int, int] | None:
    """Device and inode of an existing file (the same through any link), else None."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def json_text(data: object) -> str:
    """``data`` as indented JSON, non-ASCII as it is, lone surrogates escaped (``\\ud800``),
    so that the file is valid UTF-8 and reads back to the same strings."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class OutputFiles:
    """The files of one run, staged under temporary names and renamed into place together.

    Use as a context manager; :meth:`commit` at the end of the block. On leaving the
    block without a commit (an exception, Ctrl-C), the staged files are removed.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []  # (temporary, target)
        self._stdout: list[bytes] = []  # what goes to standard output (the path "-")
        self._streams: list[tuple[Path, bytes]] = []  # what goes into devices and pipes

    def __enter__(self) -> OutputFiles:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()
        self._streams.clear()

    def staged(self, target: Path) -> Path:
        """A new temporary file beside ``target`` (its folder created), to write by name."""
        target = Path(target)
        with _naming(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(fd)
        self._staged.append((Path(tmp), target))
        return Path(tmp)

    def write_bytes(self, target: Path, data: bytes) -> None:
        """Stage ``data`` for ``target`` (:data:`STDOUT`: standard output, at the commit)."""
        if Path(target) == STDOUT:
            self._stdout.append(data)
            return
        if _is_stream(Path(target)):
            self._streams.append((Path(target), data))
            return
        with _naming(target), open(self.staged(target), "wb") as f:
            f.write(data)

    def write_text(self, target: Path, text: str) -> None:
        """Stage ``text`` for ``target``, as UTF-8 (lone surrogates as U+FFFD)."""
        self.write_bytes(target, _LONE_SURROGATE.sub("\ufffd", text).encode("utf-8"))

    def commit(self) -> list[Path]:
        """Rename every staged file into place, with the mode ``open`` would give it, then
        write into the targets that are devices or pipes; return the targets: the files in
        the order they were staged, then the devices and pipes, then :data:`STDOUT`."""
        umask = os.umask(0)
        os.umask(umask)
        for tmp, _ in self._staged:
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600
        for tmp, target in self._staged:
            with _naming(target):
                os.replace(tmp, target)
        done = [target for _, target in self._staged]
        self._staged.clear()
        for target, data in self._streams:
            with _naming(target), open(target, "wb") as f:
                f.write(data)
        done += [target for target, _ in self._streams]
        self._streams.clear()
        for data in self._stdout:
            raw = getattr(sys.stdout, "buffer", None)  # None: a text stream stands in for it
            if raw is None:
                sys.stdout.write(data.decode("utf-8"))
                continue
            sys.stdout.flush()
            raw.write(data)
            raw.flush()
        done += [STDOUT] * bool(self._stdout)
        self._stdout.clear()
        return done


def _is_stream(path: Path) -> bool:
    """Is ``path`` (through links) an existing file that is neither a regular file nor a
    folder: a device, a named pipe or a socket? Renaming onto it would replace it."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def _naming(target: Path) -> Iterator[None]:
    """An OSError names ``target``, not the temporary file staged for it."""
    try:
        yield
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    with OutputFiles() as files:
        files.write_text(path, text)
        files.commit()
