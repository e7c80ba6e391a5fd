"""Split a document into lines, paragraphs and sentences, with original offsets.

Stage: original text -> :class:`Sentences` (arrays) or a list of :class:`Segment`.
Works on the original text (letter case is a sentence cue that normalization
folds away). Rules:

- a line break always ends a sentence; a blank line ends a paragraph, and in a
  text with no blank line every line is a paragraph;
- inside a line, a sentence ends at ``.``, ``!``, ``?``, ``…`` and their
  variants (``‼``, ``⁉``, the Greek question mark ``;``, ...), with closing
  quotes or brackets, followed by space and a letter that is not lower-case, a
  digit or an opening quote -- unless the word before is a known abbreviation
  or an initial. Georgian letters count as caseless (Georgian does not
  capitalize sentences), as do the letters of scripts without case;
- a script's own full stop or question mark ends a sentence with or without a
  following space: Chinese and Japanese ``。！？｡``, Arabic-script ``۔؟``
  (Urdu, Arabic, Persian), the danda ``।॥`` of Devanagari and the other Indic
  scripts (and ``|`` typed for it after an Indic letter), Armenian ``։``,
  Ethiopic ``።፧፨``, Myanmar ``။``, Khmer ``។៕``, Tibetan ``།༎``, Sinhala ``෴``,
  Syriac, Mongolian and others of Unicode's ``Sentence_Terminal`` set. The
  Armenian question and exclamation marks are not among them: they sit on the
  stressed word, inside the sentence;
- Thai and Lao have no sentence punctuation and write a space between
  sentences (and clauses): space between two of their letters ends a sentence.

Two loops over the code points, compiled by numba when it is there, do the
scanning: one finds the candidate ends and what surrounds them, the other cuts
lines into stripped sentences. Python only judges the letter after each
candidate and the word before it (Unicode letter case, abbreviations).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from dedup.core.kernels import LINE_BREAK, SPACE, code_points, compiled, inlined, space_table

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen lt col sgt capt cmdr adm gov sen rep rev hon pres
    vs etc no nos inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec
    u.s u.k u.n e.u a.m p.m i.e e.g mt ft approx dept est fig vol op cf al""".split()  # noqa: SIM905
)
_OPENERS = "\"'\u201c\u2018\u00ab([\u2014\u2013-"
# Character classes beside SPACE and LINE_BREAK (all in the BMP).
_END, _MARK_END, _CLOSER, _MARK_CLOSER, _OPENER = 4, 8, 16, 32, 64
_SPACED, _GREEK, _SEMICOLON, _INDIC, _PIPE = 128, 256, 512, 1024, 2048
_ENDS = _END | _MARK_END | _SEMICOLON | _PIPE  # what may start a candidate end


def _class_table() -> np.ndarray:
    table = space_table().astype(np.uint16)
    members = {
        _END: ".!?\u2026\u037e\u203c\u203d\u2047\u2048\u2049\u2e2e\ufe52\ufe56\ufe57\uff0e",
        _MARK_END: (
            "\u3002\uff01\uff1f\uff61"  # Chinese, Japanese
            "\u061d\u061e\u061f\u06d4"  # Arabic script
            "\u0964\u0965\u0df4"  # danda, double danda (Indic scripts); Sinhala
            "\u0589\u1362\u1367\u1368"  # Armenian; Ethiopic
            "\u104b\u17d4\u17d5\u0f0d\u0f0e"  # Myanmar, Khmer, Tibetan
            "\u0700\u0701\u0702\u07f9\u1803\u1809\u166e\u1735\u1736\u1944\u1945"
            "\u1aa8\u1aa9\u1aaa\u1aab\u1b5a\u1b5b\u1b5e\u1b5f\u1c3b\u1c3c\u1c7e\u1c7f"
            "\ua4ff\ua60e\ua60f\ua6f3\ua6f7\ua876\ua877\ua8ce\ua8cf\ua92f\ua9c8\ua9c9"
            "\uaa5d\uaa5e\uaa5f\uaaf0\uaaf1\uabeb"
        ),
        _CLOSER: "\"'\u201d\u2019\u00bb)]",
        _MARK_CLOSER: "\u300d\u300f\u201d\u2019\u00bb)\uff09\u300b\u3011\u3015",
        _OPENER: _OPENERS,
        _SEMICOLON: ";",
        _PIPE: "|",
    }
    for flag, chars in members.items():
        table[[ord(c) for c in chars]] |= flag
    ranges = {
        _SPACED: ((0x0E01, 0x0E5B), (0x0E81, 0x0EDF)),  # Thai, Lao
        _GREEK: ((0x0370, 0x03FF), (0x1F00, 0x1FFF)),
        _INDIC: ((0x0900, 0x0DFF),),  # Devanagari to Sinhala
    }
    for flag, spans in ranges.items():
        for lo, hi in spans:
            letters = [c for c in range(lo, hi + 1) if chr(c).isalpha() or _is_mark(chr(c))]
            table[letters] |= flag
    return table


def _is_mark(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc")


_CLASSES = _class_table()


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence: original offsets, its line and paragraph numbers (0-based)."""

    start: int
    end: int
    line: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class Sentences:
    """The sentences of a text as int64 arrays of equal length, one entry a sentence."""

    starts: np.ndarray  # original offsets, half-open
    ends: np.ndarray
    lines: np.ndarray  # 0-based line, counting non-blank lines only
    paragraphs: np.ndarray  # 0-based paragraph


def segment(text: str) -> list[Segment]:
    """Sentences of ``text``, in order, stripped of surrounding white space.

    Parameters
    ----------
    text : str
        Original document text.

    Returns
    -------
    list of Segment
        Non-empty, non-overlapping, increasing half-open spans of ``text``.
    """
    s = sentences(text)
    rows = zip(s.starts.tolist(), s.ends.tolist(), s.lines.tolist(), s.paragraphs.tolist(),
               strict=True)  # fmt: skip
    return [Segment(*row) for row in rows]


def sentences(text: str) -> Sentences:
    """The sentences :func:`segment` returns, as arrays."""
    codes = code_points(text)
    classes, starts, ends, nexts, words = _candidates(codes, _CLASSES)
    candidates = zip(starts.tolist(), ends.tolist(), nexts.tolist(), words.tolist(), strict=True)
    cuts = [end for start, end, nxt, word in candidates if _is_boundary(text, start, nxt, word)]
    return Sentences(*_sentence_spans(codes, classes, np.array(cuts, dtype=np.int64)))


def _is_boundary(text: str, start: int, nxt: int, word: int) -> bool:
    """Whether the candidate end at ``start`` ends a sentence (``nxt`` and ``word`` as
    ``_candidates`` returns them)."""
    if nxt >= 0 and not _may_start_sentence(text[nxt]):
        return False
    if word == start:
        return True
    token = text[word:start].lstrip(_OPENERS).lower()
    return token not in _ABBREVIATIONS and not (len(token) == 1 and token.isalpha())


def _may_start_sentence(char: str) -> bool:
    """A digit, or a letter that is not lower-case (Georgian's lower-case letters count
    as caseless)."""
    if char.isdigit():
        return True
    return char.isalpha() and (not char.islower() or "\u10d0" <= char <= "\u10ff")


@compiled
def _candidates(codes: np.ndarray, table: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Character classes of ``codes`` and the candidate sentence ends among them.

    Candidates are, left to right: the runs of ``_END`` characters (or of a
    ``;`` after a Greek letter) with closing quotes, followed by space on the
    same line; the runs of ``_MARK_END`` characters (or of a ``|`` after an
    Indic letter and spaces) with closing quotes; the spaces between two Thai
    or Lao letters. The first are kept when a sentence may start after them:
    the next character on the line after space and opening quotes is a digit
    or an ASCII capital, or an opening quote came first (``nexts`` -1), or it
    is outside ASCII (``nexts`` is its position: its letter case decides); the
    others have ``nexts`` -1. ``words`` is where the word before a ``.``
    starts, else the candidate's start.
    Returns ``(classes, starts, ends, nexts, words)``: uint16, then int64 arrays.
    """
    n = len(codes)
    classes = np.empty(n, np.uint16)
    count = 0
    for i in range(n):
        classes[i] = table[codes[i]] if codes[i] < len(table) else 0
        if classes[i] & _ENDS or (i > 0 and classes[i] & SPACE and classes[i - 1] & _SPACED):
            count += 1
    starts, ends = np.empty(count, np.int64), np.empty(count, np.int64)
    nexts, words = np.empty(count, np.int64), np.empty(count, np.int64)
    m = i = 0
    while i < n:
        end = _end_kind(codes, classes, i)
        if end == 0:
            i += 1
            continue
        if end == _SPACED:
            j = i
            while j < n and classes[j] & SPACE and not classes[j] & LINE_BREAK:
                j += 1
            if j < n and classes[j] & _SPACED:
                starts[m], ends[m], nexts[m], words[m] = i, i, -1, i
                m += 1
            i = j
            continue
        closer = _CLOSER if end == _END else _MARK_CLOSER
        j = i + 1
        while j < n and (classes[j] & end or codes[j] == codes[i]):
            j += 1
        while j < n and classes[j] & closer:
            j += 1
        nxt = _next_start(codes, classes, j) if end == _END else -1
        if nxt != -2:
            word = i
            while codes[i] == 0x2E and word > 0 and not classes[word - 1] & SPACE:  # "."
                word -= 1
            starts[m], ends[m], nexts[m], words[m] = i, j, nxt, word
            m += 1
        i = j  # no candidate starts inside a run that did not match
    return classes, starts[:m], ends[:m], nexts[:m], words[:m]


@inlined
def _end_kind(codes: np.ndarray, classes: np.ndarray, i: int) -> int:
    """What kind of candidate end starts at ``i``: ``_END``, ``_MARK_END``, ``_SPACED``
    (space after a Thai or Lao letter) or 0 for none."""
    here = classes[i]
    if here & (_END | _MARK_END):
        return int(here & (_END | _MARK_END))
    before = classes[i - 1] if i > 0 else 0
    if here & _SEMICOLON and before & _GREEK:
        return _END
    if here & SPACE and not here & LINE_BREAK and before & _SPACED:
        return _SPACED
    if here & _PIPE:
        k = i - 1
        while k >= 0 and classes[k] & SPACE and not classes[k] & LINE_BREAK:
            k -= 1
        if k >= 0 and classes[k] & _INDIC:
            return _MARK_END
    return 0


@inlined
def _next_start(codes: np.ndarray, classes: np.ndarray, j: int) -> int:
    """After a candidate end at ``j``: -2 if no sentence can start there, -1 if one does,
    else the position of the non-ASCII character that decides."""
    n = len(codes)
    if j == n or not classes[j] & SPACE or classes[j] & LINE_BREAK:
        return -2  # the end must be followed by space on its line
    while j < n and classes[j] & SPACE and not classes[j] & LINE_BREAK:
        j += 1
    k = j
    while k < n and classes[k] & _OPENER:
        k += 1
    if k == n or classes[k] & LINE_BREAK:
        return -2
    if k > j or 0x41 <= codes[k] <= 0x5A or 0x30 <= codes[k] <= 0x39:  # opener, A-Z, 0-9
        return -1
    return k if codes[k] > 0x7F else -2


@compiled
def _sentence_spans(codes: np.ndarray, classes: np.ndarray, cuts: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Sentences from code points, their classes and the sentence ends ``cuts`` (increasing).

    Lines end at line breaks (``\\r\\n`` is one); each non-blank line is cut at
    the cuts inside it, and every piece stripped of white space, or dropped if
    nothing is left. Returns ``(starts, ends, lines, paragraphs)``, int64 arrays.
    """
    n = len(codes)
    n_lines = 1
    for i in range(n):
        if classes[i] & LINE_BREAK and not (i > 0 and codes[i - 1] == 13 and codes[i] == 10):
            n_lines += 1
    lo, hi = np.empty(n_lines, np.int64), np.empty(n_lines, np.int64)
    lo[0], hi[n_lines - 1] = 0, n
    blank = np.empty(n_lines, np.bool_)
    for line in range(n_lines):
        blank[line] = True
    line = 0
    for i in range(n):
        if i > 0 and codes[i - 1] == 13 and codes[i] == 10:
            lo[line] = i + 1
        elif classes[i] & LINE_BREAK:
            hi[line], lo[line + 1] = i, i + 1
            line += 1
        elif not classes[i] & SPACE:
            blank[line] = False
    split = False  # blank lines end paragraphs; else every line is one
    for line in range(1, n_lines - 1):
        split = split or blank[line]
    size = len(cuts) + n_lines
    starts, ends = np.empty(size, np.int64), np.empty(size, np.int64)
    lines, paragraphs = np.empty(size, np.int64), np.empty(size, np.int64)
    m = c = line_no = paragraph = 0
    gap = False
    for line in range(n_lines):
        if blank[line]:
            gap = True
            continue
        if line_no > 0 and (gap or not split):
            paragraph += 1
        gap = False
        begin, last = lo[line], False
        while not last:
            end = hi[line]
            if c < len(cuts) and cuts[c] <= end:
                end, c = cuts[c], c + 1
            else:
                last = True
            while begin < end and classes[begin] & SPACE:
                begin += 1
            stop = end
            while stop > begin and classes[stop - 1] & SPACE:
                stop -= 1
            if begin < stop:
                starts[m], ends[m], lines[m], paragraphs[m] = begin, stop, line_no, paragraph
                m += 1
            begin = end
        line_no += 1
    return starts[:m], ends[:m], lines[:m], paragraphs[:m]
