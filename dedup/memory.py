"""Freed heap memory handed back to the operating system.

A scan holds many small numpy arrays (a document's features: a dozen arrays of a
few KB) and frees them once their rows are copied into corpus-wide tables. glibc
keeps freed small blocks in its heap for reuse, so the process's resident memory
would stay at its high-water mark; ``malloc_trim`` returns the free pages. At
100,000 documents the features are about 1.4 GB of resident memory
(``benchmarks/scan_scale.py`` prints the scan's peak). On a C library without
``malloc_trim`` (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any


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
