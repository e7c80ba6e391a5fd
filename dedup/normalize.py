"""Normalize text for matching, keeping a map back to the original offsets.

Stage: original text -> :class:`NormalizedText`. Applied: markup entities
decoded, Unicode NFKC, typographic quotes and dashes folded to ASCII, runs of
white space (non-breaking and other spaces included) folded to one space -- or
to one newline when the run holds a line break, so that paragraphs survive --,
invisible format characters dropped, and case folded.

Normalization changes lengths (``ﬁ`` becomes ``fi``, ``ß`` becomes ``ss``,
``&amp;`` becomes ``&``); ``bounds`` maps every normalized position back, so a
span found in the normalized text is reported exactly in the original.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4"), "'")
_QUOTES |= dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb"), '"')
_QUOTES |= dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")
_FOLD = str.maketrans(_QUOTES)
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
# Runs that need per-character work: anything outside printable ASCII (with the spaces
# around it, and an ASCII letter that a combining mark follows), runs of two or more
# spaces, and entities. Single spaces stay on the fast path.
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_SPECIAL = re.compile(
    rf"(?:[\x21-\x7e](?=[{_COMBINING}]))? *[^\x20-\x7e][^\x21-\x7e]*|  +"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)


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

    @classmethod
    def from_runs(cls, text: str, at: np.ndarray, shift: np.ndarray) -> NormalizedText:
        """The map from runs that may repeat a shift (consecutive equal shifts are merged)."""
        keep = np.concatenate(([True], shift[1:] != shift[:-1]))
        return cls(text, at[keep], shift[keep])

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
        offsets = np.asarray(offsets, dtype=np.int64)
        ends = np.append(self.at[1:], len(self.text) + 1)  # each run's end, exclusive
        run = np.searchsorted(self.at + self.shift, offsets, side="left") - 1  # starts before
        prev = np.maximum(run, 0)
        inside = offsets <= ends[prev] - 1 + self.shift[prev]
        return np.where(run < 0, 0, np.where(inside, offsets - self.shift[prev], ends[prev]))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the normalized span ``text[start:end]``."""
        lo, hi = self.original(np.array([start, end], dtype=np.int64)).tolist()
        return lo, hi


def fold(text: str) -> str:
    """The normalized form of a short string (no offset map); for queries and tests."""
    return normalize(text).text


def normalize(raw: str) -> NormalizedText:
    """Normalize ``raw`` for matching.

    Parameters
    ----------
    raw : str
        The original text.

    Returns
    -------
    NormalizedText
        ``text`` is what tokenizing and alignment see; ``bounds`` maps back.
    """
    pieces: list[str] = []
    at: list[int] = []  # runs of the offset map, see NormalizedText
    shift: list[int] = []
    pos = npos = 0  # original and normalized position
    for m in _special_runs(raw):
        if m.start() > pos:  # plain text: lower-cased, one run
            pieces.append(raw[pos : m.start()].lower())
            at.append(npos)
            shift.append(pos - npos)
            npos += m.start() - pos
        out, out_starts = _special_run(m.group(), m.start())
        pieces.append(out)
        at.extend(range(npos, npos + len(out)))
        shift.extend(start - npos - j for j, start in enumerate(out_starts))
        npos += len(out)
        pos = m.end()
    if pos < len(raw):
        pieces.append(raw[pos:].lower())
        at.append(npos)
        shift.append(pos - npos)
        npos += len(raw) - pos
    at.append(npos)
    shift.append(len(raw) - npos)
    return NormalizedText.from_runs("".join(pieces), np.array(at, dtype=np.int64),
                                    np.array(shift, dtype=np.int64))  # fmt: skip


def _special_runs(raw: str) -> Iterator[re.Match[str]]:
    """The matches of ``_SPECIAL.finditer(raw)``, searched for only where one can start.

    A run starts at a character outside printable ASCII, at ``&``, at two
    spaces, at the spaces before such a character, or at the letter before a
    combining mark (itself outside ASCII). numpy finds those places; the
    expression is searched from each, never across plain text, which is what
    makes normalizing fast.
    """
    if raw.isascii():
        codes = np.frombuffer(raw.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = codes == 0x20
    at = (codes < 0x20) | (codes > 0x7E) | (codes == 0x26)
    at[:-1] |= space[:-1] & space[1:]
    places = np.flatnonzero(at)
    if not len(places):
        return
    # Back up over the spaces before each place, and one character more (a combining
    # mark's base letter); the search then starts no later than the run can.
    # The last non-space character before each place: before the run of spaces ending there.
    space_runs = np.flatnonzero(space & ~np.concatenate(([False], space[:-1])))
    space_runs = np.concatenate(([0], space_runs))  # a sorted floor for places after no run
    prev = places - 1
    in_run = (prev >= 0) & space[np.maximum(prev, 0)]
    run_start = space_runs[np.maximum(np.searchsorted(space_runs, prev, side="right") - 1, 0)]
    before = np.where(in_run, run_start - 1, prev)
    froms = np.maximum(before, 0).tolist()
    places_list = places.tolist()
    k, pos = 0, 0
    while k < len(places_list):
        m = _SPECIAL.search(raw, max(froms[k], pos))
        if m is None:
            return
        yield m
        pos = m.end()
        k = bisect_left(places_list, pos, k)


def _special_run(run: str, offset: int) -> tuple[str, list[int]]:
    """Normalize one run of special characters; return it with each output char's start."""
    if run[0] == "&" and run[-1] == ";":
        decoded = html.unescape(run)
        if decoded != run:
            text, _ = _special_run(decoded, 0) if decoded.strip() else (" ", [0])
            return text, [offset] * len(text)
        return run.lower(), list(range(offset, offset + len(run)))
    out: list[str] = []
    out_starts: list[int] = []
    i = 0
    while i < len(run):
        ch = run[i]
        if ch.isspace() or ch in _LINE_BREAKS:
            j = i
            while j < len(run) and (run[j].isspace() or run[j] in _LINE_BREAKS):
                j += 1
            out.append("\n" if any(c in _LINE_BREAKS for c in run[i:j]) else " ")
            out_starts.append(offset + i)
            i = j
            continue
        j = i + 1  # a base character and the combining marks that follow it
        while j < len(run) and unicodedata.combining(run[j]):
            j += 1
        folded = unicodedata.normalize("NFKC", run[i:j]).translate(_FOLD).casefold()
        folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
        if folded.isspace():
            folded = " "
        out.append(folded)
        out_starts.extend([offset + i] * len(folded))
        i = j
    return "".join(out), out_starts
