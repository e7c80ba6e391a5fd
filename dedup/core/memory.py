"""Memory of a scan: a budget for its corpus-sized tables, and freed heap handed back.

:class:`TableStore` makes the arrays whose size grows with the corpus (the feature
tables of every passage, LSH band keys): in memory while their total fits the
scan's ``memory_limit``, else as memory-mapped files in a temporary directory, so
the operating system pages them to disk instead of the scan running out of memory.
Either way they are numpy arrays, and the scan's result is the same.

A scan holds many small numpy arrays (a document's features: a dozen arrays of a
few KB) and frees them once their rows are copied into corpus-wide tables. glibc
keeps freed small blocks in its heap for reuse, so the process's resident memory
would stay at its high-water mark; ``malloc_trim`` returns the free pages. On a
C library without ``malloc_trim`` (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

MEMORY_SHARE = 0.5  # of the machine's physical memory: the default budget of the tables


@lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the operating system (glibc), or do nothing."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@contextmanager
def frozen_objects() -> Iterator[Callable[[], None]]:
    """Objects alive on entry, and at each call of the function it gives, skipped by the
    cycle collector until the exit.

    A scan holds a few objects per document (documents, their features) from analysis to
    the end. Each full pass of Python's cycle collector walks every object alive, and a
    scan creating millions more triggers many passes: walking the documents again and
    again costs more CPU than some stages, in the parent and in the forked workers, where
    walking also copies the parent's pages. Frozen objects are still freed when their
    last reference goes; only a cycle among them waits for the exit. When the caller has
    frozen objects of its own, nothing is frozen or thawed.
    """
    if gc.get_freeze_count():
        yield lambda: None
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def default_memory_limit() -> int:
    """Bytes the corpus-sized tables of a scan may hold in memory by default: a
    ``MEMORY_SHARE`` of the machine's physical memory (4 GiB where it cannot be read)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return int(total * MEMORY_SHARE)


class TableStore:
    """Makes a scan's corpus-sized arrays: in memory within a budget, memory-mapped beyond.

    Parameters
    ----------
    limit_bytes : int
        Bytes of arrays held in memory at once; an array that would go past it is a
        memory-mapped temporary file (in ``TMPDIR``), unlinked as soon as it is mapped:
        its disk space comes back when the array is freed, whatever happens to the scan.

    Notes
    -----
    :meth:`release` gives an in-memory array's bytes back to the budget once its
    caller is done with it. ``spilled_bytes`` counts the bytes put on disk.
    """

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self.held_bytes = 0
        self.spilled_bytes = 0

    def empty(self, shape: int | tuple[int, ...], dtype: Any) -> np.ndarray:
        """An uninitialized array of ``shape`` and ``dtype``, in memory or on disk."""
        shape = (shape,) if isinstance(shape, int) else shape
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        if nbytes == 0 or self.held_bytes + nbytes <= self.limit_bytes:
            self.held_bytes += nbytes
            return np.empty(shape, dtype)
        self.spilled_bytes += nbytes
        with tempfile.TemporaryFile(prefix="dedup-table-") as file:
            return np.memmap(file, dtype=dtype, mode="w+", shape=shape)

    def release(self, array: np.ndarray) -> None:
        """Give an array made by :meth:`empty` back to the budget (its caller no longer
        holds it); arrays on disk hold none of it."""
        if not isinstance(array, np.memmap):
            self.held_bytes = max(0, self.held_bytes - array.nbytes)


class SpilledArrays:
    """Arrays of one dtype kept in an unlinked temporary file until :meth:`load`.

    For corpus-sized data that no stage reads for a while (the TF-IDF terms, from the
    corpus tables until the scores): the operating system may cache the file, but the
    scan's memory does not hold it in between. Where the file cannot be written (no
    room, no writable ``TMPDIR``), the arrays stay in memory.

    Parameters
    ----------
    arrays : sequence of ndarray
        One-dimensional, of ``dtype`` (or cast to it).
    dtype : numpy dtype
    """

    def __init__(self, arrays: Sequence[np.ndarray], dtype: Any) -> None:
        self._dtype = np.dtype(dtype)
        self._sizes = [len(a) for a in arrays]
        self._held: list[np.ndarray] | None = None
        self._file = None
        try:
            self._file = tempfile.TemporaryFile(prefix="dedup-spill-")  # noqa: SIM115 -- closed by load
            for a in arrays:
                self._file.write(np.ascontiguousarray(a, dtype=self._dtype).tobytes())
            self._file.flush()
        except OSError:
            if self._file is not None:
                self._file.close()
            self._file, self._held = None, [np.asarray(a, dtype=self._dtype) for a in arrays]

    def load(self) -> list[np.ndarray]:
        """The arrays, as given; the file is closed (and its disk space freed)."""
        if self._file is None:
            return self._held or []
        with self._file as file:
            file.seek(0)
            flat = np.fromfile(file, dtype=self._dtype, count=sum(self._sizes))
        return np.split(flat, np.cumsum(self._sizes)[:-1].tolist()) if self._sizes else []

