"""Normalized text and the map from its positions back to the original offsets.

:class:`NormalizedText` holds the map run-length encoded; :func:`position_map`
and :func:`offset_map` build it from what normalization made of each
original character.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.core.kernels import compiled, inlined


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Normalized text and the map from its positions to the original's.

    ``bounds[i]`` is the original offset of the boundary before ``text[i]``;
    ``bounds[len(text)]`` is the original length. ``bounds`` is non-decreasing.

    The map is stored run-length encoded (a few runs per paragraph instead of
    eight bytes a character): from normalized position ``at[k]`` until the
    next ``at``, ``bounds[i] = i + shift[k]``.
    """

    text: str
    at: np.ndarray  # int64, increasing, at[0] == 0: where a run of equal shift starts
    shift: np.ndarray  # int64, original minus normalized position in each run

    @property
    def bounds(self) -> np.ndarray:
        """The full map, int64 of shape ``(len(text) + 1,)`` (built on each call)."""
        return self.original(np.arange(len(self.text) + 1, dtype=np.int64))

    def original(self, positions: np.ndarray) -> np.ndarray:
        """``bounds[positions]`` (int64), without building ``bounds``."""
        run = np.searchsorted(self.at, positions, side="right") - 1
        return np.asarray(np.asarray(positions, dtype=np.int64) + self.shift[run])

    def normalized(self, offsets: np.ndarray) -> np.ndarray:
        """``searchsorted(bounds, offsets, side="left")``: for each original offset, the first
        normalized position that maps to it or after it (int64), without building ``bounds``."""
        return _normalized(self.at, self.shift, len(self.text), np.asarray(offsets, dtype=np.int64))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the normalized span ``text[start:end]``."""
        lo, hi = self.original(np.array([start, end], dtype=np.int64)).tolist()
        return lo, hi


@compiled
def position_map(positions: np.ndarray, n_raw: int) -> tuple[np.ndarray, np.ndarray]:
    """``(at, shift)`` of :class:`NormalizedText` whose character ``i`` comes from original
    offset ``positions[i]``."""
    at, shift = np.empty(len(positions) + 1, np.int64), np.empty(len(positions) + 1, np.int64)
    m = 0
    for i in range(len(positions)):
        m = _push(at, shift, m, i, positions[i] - i)
    m = _push(at, shift, m, len(positions), n_raw - len(positions))
    return at[:m], shift[:m]


@compiled
def offset_map(starts: np.ndarray, ends: np.ndarray, out_lens: np.ndarray,
                out_starts: np.ndarray, n_raw: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(at, shift)`` of :class:`NormalizedText` when the original spans ``[starts, ends)``
    become ``out_lens`` characters each, from original offsets ``out_starts`` (back to
    back), and the text between them is kept."""
    size = 2 * len(starts) + len(out_starts) + 2
    at, shift = np.empty(size, np.int64), np.empty(size, np.int64)
    m = pos = npos = k = 0
    for r in range(len(starts) + 1):
        start = starts[r] if r < len(starts) else n_raw
        if start > pos:  # kept text: one run
            m = _push(at, shift, m, npos, pos - npos)
            npos += start - pos
        if r == len(starts):
            break
        for _ in range(out_lens[r]):
            m = _push(at, shift, m, npos, out_starts[k] - npos)
            npos, k = npos + 1, k + 1
        pos = ends[r]
    m = _push(at, shift, m, npos, n_raw - npos)
    return at[:m], shift[:m]


@inlined
def _push(at: np.ndarray, shift: np.ndarray, m: int, position: int, offset: int) -> int:
    """Append a run to the first ``m`` of the map unless it continues the last; the new ``m``."""
    if m > 0 and shift[m - 1] == offset:
        return m
    at[m], shift[m] = position, offset
    return m + 1


@compiled
def _normalized(at: np.ndarray, shift: np.ndarray, n_text: int,
                offsets: np.ndarray) -> np.ndarray:  # fmt: skip
    """:meth:`NormalizedText.normalized`, by binary search over the runs' original starts."""
    out = np.empty(len(offsets), np.int64)
    for i in range(len(offsets)):
        lo, hi = 0, len(at)
        while lo < hi:  # lo: how many runs start before offsets[i] in the original
            mid = (lo + hi) // 2
            if at[mid] + shift[mid] < offsets[i]:
                lo = mid + 1
            else:
                hi = mid
        if lo == 0:
            out[i] = 0
            continue
        run = lo - 1
        end = at[run + 1] if run + 1 < len(at) else n_text + 1  # the run's end, exclusive
        out[i] = offsets[i] - shift[run] if offsets[i] <= end - 1 + shift[run] else end
    return out
