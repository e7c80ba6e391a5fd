"""Compiled kernels: the one place that knows whether numba is there.

Every stage's loops over code points, hashes and offsets are compiled here
with :func:`compiled`, :func:`inlined` or :func:`njit`; a module with a second
path in numpy chooses it by :data:`NUMBA`. The code-point helpers the text
stages share (:func:`code_points`, :func:`space_table`) live here too.
"""

from __future__ import annotations

import functools
import os
import stat
import tempfile
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

try:
    import numba
except ImportError:  # a platform without numba: the same loops run as Python, slower
    numba = None  # type: ignore[assignment]

NUMBA = numba is not None  # whether loops are compiled; else the numpy paths run

F = TypeVar("F", bound=Callable[..., object])

LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")


def compiled(func: F) -> F:
    """``func`` compiled by numba (cached on disk), or ``func`` itself where numba is missing.

    For the loops over code points, hashes and offsets of the stages: documents
    are small, and numpy would spend more time in its calls than on the data.
    The loops touch only integers, so both ways give the same arrays. Hash
    arithmetic wraps modulo 2^64 by design: without numba, numpy's overflow
    warnings for it are silenced.
    """
    if numba is not None:
        return _jit(func)

    @functools.wraps(func)
    def wrapping(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore"):
            return func(*args, **kwargs)

    return cast(F, wrapping)


def inlined(func: F) -> F:
    """:func:`compiled` for a small helper of compiled loops: numba compiles it into each
    caller instead of on its own (each compilation of its own adds to a first run)."""
    if numba is not None:
        return _jit(func, inline="always")
    return compiled(func)


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(nogil=True, **options)`` with the cache of :func:`compiled`, for loops
    written for numba alone (numba must be there)."""
    return lambda func: _jit(func, **options)


def _jit(func: F, **options: Any) -> F:
    """``numba.njit`` with its on-disk cache where one can be written: beside the module,
    in ``NUMBA_CACHE_DIR`` or the user's cache folder (numba's own order), else in a
    folder of this user's under the temporary folder, else no cache (each run compiles
    again). An install the user cannot write to, with no home, still runs."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True, **options)(func))
    except RuntimeError:  # numba found no folder to cache in
        if _temporary_cache():
            try:
                return cast(F, numba.njit(cache=True, nogil=True, **options)(func))
            except RuntimeError:
                pass
        return cast(F, numba.njit(nogil=True, **options)(func))


@functools.cache
def _temporary_cache() -> bool:
    """Point numba's cache at ``TMPDIR/dedup-numba-UID`` if that is this user's alone
    (a folder others can write to could hand it compiled code); whether it did."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = os.path.join(tempfile.gettempdir(), f"dedup-numba-{uid}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o022:
        return False
    numba.config.CACHE_DIR = folder  # type: ignore[attr-defined]
    return True


def code_points(text: str) -> np.ndarray:
    """Code points of ``text``, one per ``str`` index (uint32; a lone surrogate is itself)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


SPACE, LINE_BREAK = 1, 2  # flags in space_table()


def space_table() -> np.ndarray:
    """Flags of the BMP code points (uint8, shape (65536,)): ``SPACE`` where ``str.isspace``,
    plus ``LINE_BREAK`` where a line ends. No white space lies beyond the BMP."""
    table = np.zeros(0x10000, dtype=np.uint8)
    table[[c for c in range(0x10000) if chr(c).isspace()]] = SPACE
    table[[ord(c) for c in LINE_BREAKS]] |= LINE_BREAK
    return table


@inlined  # on its own, numba compiled it once per literal type of its bounds
def heapsort(x: np.ndarray, lo: int, hi: int) -> None:
    """Sort ``x[lo:hi]`` in place (numba compiles this in a fraction of the time of
    ``np.sort``, which matters on a first run, before its cache exists)."""
    end, heapify = hi - lo, (hi - lo) // 2
    while True:
        if heapify > 0:  # first build the heap, then move its top to the end, repeatedly
            heapify -= 1
            root = heapify
        else:
            end -= 1
            if end <= 0:
                return
            x[lo], x[lo + end] = x[lo + end], x[lo]
            root = 0
        while 2 * root + 1 < end:  # sift the root down
            child = 2 * root + 1
            if child + 1 < end and x[lo + child] < x[lo + child + 1]:
                child += 1
            if x[lo + root] >= x[lo + child]:
                break
            x[lo + root], x[lo + child] = x[lo + child], x[lo + root]
            root = child
