"""Normalize text for matching, keeping a map back to the original offsets.

Stage: original text -> :class:`NormalizedText`. Applied: markup entities
decoded, Unicode NFKC, typographic quotes and dashes folded to ASCII, runs of
white space (non-breaking and other spaces included) folded to one space -- or
to one newline when the run holds a line break, so that paragraphs survive --,
invisible format characters dropped, and case folded.

Normalization changes lengths (``ﬁ`` becomes ``fi``, ``ß`` becomes ``ss``,
``&amp;`` becomes ``&``); ``bounds`` maps every normalized position back, so a
span found in the normalized text is reported exactly in the original.

A text already in NFKC form without entities (most text, in any script) is
folded by one compiled loop over its code points: NFKC leaves it as it is, so
each character's fold (quotes, dashes, case) is read from a table of the BMP.
Otherwise one compiled loop finds the runs outside printable ASCII; runs of
white space only are folded in bulk, runs in NFKC form by the same table, and
Python normalizes the rest one run at a time.
"""

from __future__ import annotations

import html
import re
import unicodedata

import numpy as np

from dedup.core.kernels import LINE_BREAK, SPACE, code_points, compiled, space_table
from dedup.core.offset_map import NormalizedText, offset_map, position_map

_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4"), "'")
_QUOTES |= dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb"), '"')
_QUOTES |= dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")
_FOLD = str.maketrans(_QUOTES)
# Runs that need per-character work: anything outside printable ASCII (with the spaces
# around it, and an ASCII letter that a combining mark follows), runs of two or more
# spaces, and entities. Single spaces stay on the fast path.
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_SPECIAL = re.compile(
    rf"(?:[\x21-\x7e](?=[{_COMBINING}]))? *[^\x20-\x7e][^\x21-\x7e]*|  +"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)


def fold(text: str) -> str:
    """The normalized form of a short string (no offset map); for queries and tests."""
    return normalize(text).text


_SPACES = space_table()
_FOLD_WIDTH = 3  # characters of a BMP character's fold at most (casefold makes up to three)


def _fold_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the compiled fold needs to know of each BMP character.

    Returns ``(lengths, chars, classes, unstable)``: its fold in a text that NFKC
    leaves as it is (printable ASCII lower-cased, the rest with quotes and dashes
    folded, case folded and format characters dropped) as ``lengths`` (uint8)
    characters ``chars[c, :length]`` (uint32, shape (65536, 3)); its canonical
    combining class (uint8); whether NFKC may change a text at it (bool): it
    changes alone, or it may compose with the character before it.
    """
    lengths = np.zeros(0x10000, dtype=np.uint8)
    chars = np.zeros((0x10000, _FOLD_WIDTH), dtype=np.uint32)
    classes = np.zeros(0x10000, dtype=np.uint8)
    unstable = np.zeros(0x10000, dtype=bool)
    for c in range(0x10000):
        char = chr(c)
        if 0x20 < c < 0x7F:
            folded = char.lower()
        else:
            folded = "".join(x for x in char.translate(_FOLD).casefold()
                             if unicodedata.category(x) != "Cf")  # fmt: skip
        lengths[c] = len(folded)
        chars[c, : len(folded)] = [ord(x) for x in folded]
        classes[c] = unicodedata.combining(char)
        unstable[c] |= unicodedata.normalize("NFKC", char) != char
        parts = unicodedata.decomposition(char).split()
        if len(parts) == 2 and not parts[0].startswith("<") and int(parts[1], 16) < 0x10000:
            unstable[int(parts[1], 16)] = True  # the second of a canonical composition
    unstable[0x1161:0x1176] = unstable[0x11A8:0x11C3] = True  # Hangul vowels and finals
    unstable[_SPACES & SPACE != 0] = False  # white space is folded as such
    return lengths, chars, classes, unstable


_FOLD_LENGTHS, _FOLD_CHARS, _COMBINING_CLASSES, _UNSTABLE = _fold_tables()
_WHITE = (" ", "\n")  # a run of white space becomes one space, or a newline if it breaks a line
_OTHER = 2  # kind of a run that is not all white space (kinds 0 and 1 index _WHITE)


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
    codes = code_points(raw)
    if "&" not in raw:
        text, positions = _fold_text(raw, codes)
        return NormalizedText(text, *position_map(positions, len(raw)))
    starts, ends, kinds = _runs(codes, _SPACES)
    if "&" in raw or (kinds == _OTHER).any():
        starts, ends, outs, out_starts = _special_runs(raw, starts, ends, kinds)
    else:
        outs, out_starts = [_WHITE[k] for k in kinds.tolist()], starts
    plain = zip([0, *ends.tolist()], [*starts.tolist(), len(raw)], strict=True)
    parts = [""] * (2 * len(outs) + 1)
    parts[0::2] = [raw[a:b].lower() for a, b in plain]  # printable ASCII and lone spaces
    parts[1::2] = outs
    text = "".join(parts)
    out_lens = np.array([len(out) for out in outs], dtype=np.int64)
    return NormalizedText(text, *offset_map(starts, ends, out_lens, out_starts, len(raw)))


def _fold_text(text: str, codes: np.ndarray) -> tuple[str, np.ndarray]:
    """The normalized form of ``text`` (code points ``codes``; no entity in it) and, for
    each of its characters, the original offset it comes from (int64).

    The clusters (a character and the combining marks after it) that NFKC may
    change, or that lie outside the BMP, are normalized one at a time in Python;
    the rest by the compiled fold.
    """
    classes = _combining_classes(codes, _COMBINING_CLASSES)
    if len(codes) and codes.max() > 0xFFFF:
        beyond = np.flatnonzero(codes > 0xFFFF)
        classes[beyond] = [unicodedata.combining(chr(c)) for c in codes[beyond].tolist()]
    starts, ends = _unstable_clusters(codes, classes, _SPACES, _UNSTABLE)
    if not len(starts):
        out, at = _fold_codes(codes, _SPACES, _FOLD_LENGTHS, _FOLD_CHARS)
        return out.tobytes().decode("utf-32-le", "surrogatepass"), at
    pieces, positions = [], []
    for lo, hi, end in zip([0, *ends.tolist()], [*starts.tolist(), len(codes)],
                           [*ends.tolist(), -1], strict=True):  # fmt: skip
        out, at = _fold_codes(codes[lo:hi], _SPACES, _FOLD_LENGTHS, _FOLD_CHARS)
        pieces.append(out.tobytes().decode("utf-32-le", "surrogatepass"))
        positions.append(at + lo)
        if end >= 0:
            folded, at = _fold_clusters(text[hi:end])
            pieces.append(folded)
            positions.append(at + hi)
    return "".join(pieces), np.concatenate(positions)


@compiled
def _combining_classes(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Canonical combining class of each of ``codes`` from the BMP's ``table`` (uint8; 0
    beyond the BMP)."""
    classes = np.zeros(len(codes), np.uint8)
    for i in range(len(codes)):
        if codes[i] <= 0xFFFF:
            classes[i] = table[codes[i]]
    return classes


@compiled
def _unstable_clusters(codes: np.ndarray, classes: np.ndarray, spaces: np.ndarray,
                       unstable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Spans of the clusters that NFKC may change: those holding a character outside the
    BMP, an ``unstable`` one or a combining mark out of canonical order (``classes``
    are the combining classes of ``codes``). A cluster is a character that is not
    white space and the combining marks after it. Touching clusters are merged.
    Returns ``(starts, ends)``, int64 arrays, increasing."""
    n = len(codes)
    starts, ends = np.empty(n, np.int64), np.empty(n, np.int64)
    m = 0
    for p in range(n):
        c = codes[p]
        if not (c > 0xFFFF or unstable[c] or (p > 0 and 0 < classes[p] < classes[p - 1])):
            continue
        q = p
        while q > 0 and classes[q] != 0 and not (codes[q - 1] <= 0xFFFF
                                                 and spaces[codes[q - 1]] & SPACE):  # fmt: skip
            q -= 1
        e = p + 1
        while e < n and classes[e] != 0:
            e += 1
        if m > 0 and q <= ends[m - 1]:
            ends[m - 1] = max(ends[m - 1], e)
        else:
            starts[m], ends[m] = q, e
            m += 1
    return starts[:m], ends[:m]


@compiled
def _fold_codes(codes: np.ndarray, spaces: np.ndarray, lengths: np.ndarray,
                chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Code points of :func:`_fold_text`: runs of white space become one space, or a
    newline when they break a line; every other character its fold from the tables.
    Returns ``(out, positions)``, uint32 and int64 arrays of equal length."""
    n = len(codes)
    out = np.empty(_FOLD_WIDTH * n, np.uint32)
    positions = np.empty(_FOLD_WIDTH * n, np.int64)
    m = i = 0
    while i < n:
        c = codes[i]
        if spaces[c] & SPACE:
            breaks = False
            j = i
            while j < n and spaces[codes[j]] & SPACE:
                breaks = breaks or spaces[codes[j]] & LINE_BREAK != 0
                j += 1
            out[m], positions[m] = 10 if breaks else 32, i
            m += 1
            i = j
            continue
        for k in range(lengths[c]):
            out[m], positions[m] = chars[c, k], i
            m += 1
        i += 1
    return out[:m], positions[:m]


@compiled
def _runs(codes: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs of characters outside printable ASCII, lone spaces left out.

    Returns ``(starts, ends, kinds)``, int64, int64 and uint8 arrays: kind 0 for
    a run of white space, 1 for one that breaks a line, ``_OTHER`` for the rest.
    """
    n = len(codes)
    count = 0
    for i in range(n):
        if not 0x20 < codes[i] < 0x7F and (i == 0 or 0x20 < codes[i - 1] < 0x7F):
            count += 1
    starts, ends = np.empty(count, np.int64), np.empty(count, np.int64)
    kinds = np.empty(count, np.uint8)
    m = i = 0
    while i < n:
        if 0x20 < codes[i] < 0x7F:
            i += 1
            continue
        j, kind = i, 0
        while j < n and not 0x20 < codes[j] < 0x7F:
            flags = table[codes[j]] if codes[j] < len(table) else 0
            if not flags & SPACE:
                kind = _OTHER
            elif flags & LINE_BREAK and kind == 0:
                kind = 1
            j += 1
        if j - i > 1 or codes[i] != 0x20:
            starts[m], ends[m], kinds[m] = i, j, kind
            m += 1
        i = j
    return starts[:m], ends[:m], kinds[:m]


def _special_runs(raw: str, starts: np.ndarray, ends: np.ndarray, kinds: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:  # fmt: skip
    """All matches of ``_SPECIAL.finditer(raw)``, normalized, from the runs ``_runs`` found.

    Returns ``(starts, ends, outs, out_starts)``: each match's original span and
    normalized text, and the original offset of every output character, back to back.

    A match is one of the runs, with the letter before it when a combining mark
    opens it, or an entity. Runs of white space only are normalized as they are;
    the expression is matched only at the other runs and at ``&``, never
    searched across plain text.
    """
    other = kinds == _OTHER
    white = zip(starts[~other].tolist(), ends[~other].tolist(), kinds[~other].tolist(), strict=True)
    runs = [(s, e, _WHITE[k], np.array([s], dtype=np.int64)) for s, e, k in white]
    places = [(p, True) for p in starts[other].tolist()]
    amp = raw.find("&")
    while amp >= 0:
        places.append((amp, False))
        amp = raw.find("&", amp + 1)
    runs += _matches(raw, sorted(places))
    runs.sort()
    return (np.array([run[0] for run in runs], dtype=np.int64),
            np.array([run[1] for run in runs], dtype=np.int64), [run[2] for run in runs],
            np.concatenate([run[3] for run in runs] or [np.zeros(0, np.int64)]))  # fmt: skip


def _matches(raw: str, places: list[tuple[int, bool]]
             ) -> list[tuple[int, int, str, np.ndarray]]:  # fmt: skip
    """``_SPECIAL`` matches at ``places`` (position, whether a run starts there), left to
    right as ``finditer`` finds them; a run takes the letter before it if it matches there."""
    runs = []
    pos = 0  # end of the last match
    for p, run in places:
        if p < pos:
            continue
        m = _SPECIAL.match(raw, p - 1) if run and p > pos else None
        m = m or _SPECIAL.match(raw, p)
        if m is not None:
            runs.append((m.start(), m.end(), *_special_run(m.group(), m.start())))
            pos = m.end()
    return runs


def _special_run(run: str, offset: int) -> tuple[str, np.ndarray]:
    """Normalize one run of special characters; return it with each output char's start."""
    if run[0] == "&" and run[-1] == ";":
        decoded = html.unescape(run)
        if decoded != run:
            text = _fold_text(decoded, code_points(decoded))[0] if decoded.strip() else " "
            return text, np.full(len(text), offset, dtype=np.int64)
        return run.lower(), np.arange(offset, offset + len(run), dtype=np.int64)
    text, positions = _fold_text(run, code_points(run))
    return text, positions + offset


def _fold_clusters(text: str) -> tuple[str, np.ndarray]:
    """Normalize ``text`` (clusters as :func:`_unstable_clusters` finds them: no white space)
    one cluster (a character and the combining marks after it) at a time; return it with
    the offset in ``text`` of each output character."""
    out: list[str] = []
    out_starts: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1  # a base character and the combining marks that follow it
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        folded = unicodedata.normalize("NFKC", text[i:j]).translate(_FOLD).casefold()
        folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
        if folded.isspace():
            folded = " "
        out.append(folded)
        out_starts.extend([i] * len(folded))
        i = j
    return "".join(out), np.array(out_starts, dtype=np.int64)
