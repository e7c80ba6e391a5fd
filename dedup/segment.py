"""Split a document into lines, paragraphs and sentences, with original offsets.

Stage: original text -> list of :class:`Segment`. Works on the original text
(letter case is a sentence cue that normalization folds away). Rules:

- a line break always ends a sentence; a blank line ends a paragraph, and in a
  text with no blank line every line is a paragraph;
- inside a line, a sentence ends at ``.``, ``!``, ``?`` or ``…`` (with closing
  quotes or brackets) followed by space and a letter that is not lower-case, a digit or an
  opening quote -- unless the word before is a known abbreviation or an initial;
- ``。``, ``！`` and ``？`` end a sentence with or without a following space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x85]")
_CANDIDATE_END = re.compile(
    r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(?=\s)|[\u3002\uff01\uff1f]+[\u300d\u300f\u201d\u2019)]*"
)
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen lt col sgt capt cmdr adm gov sen rep rev hon pres
    vs etc no nos inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec
    u.s u.k u.n e.u a.m p.m i.e e.g mt ft approx dept est fig vol op cf al""".split()  # noqa: SIM905
)
_OPENERS = "\"'\u201c\u2018\u00ab([\u2014\u2013-"


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence: original offsets, its line and paragraph numbers (0-based)."""

    start: int
    end: int
    line: int
    paragraph: int


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
    lines = _lines(text)
    blank_lines_split = any(text[s:e].strip() == "" for s, e in lines[1:-1])
    segments: list[Segment] = []
    paragraph, line_no, in_blank = 0, 0, False
    for start, end in lines:
        if text[start:end].strip() == "":
            in_blank = True
            continue
        if segments and (in_blank or not blank_lines_split):
            paragraph += 1
        in_blank = False
        for s, e in _sentences(text, start, end):
            segments.append(Segment(s, e, line_no, paragraph))
        line_no += 1
    return segments


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in _LINE_BREAK.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return spans


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    line = text[start:end]
    spans, begin = [], 0
    for m in _CANDIDATE_END.finditer(line):
        if _is_boundary(line, m):
            spans.append((begin, m.end()))
            begin = m.end()
    spans.append((begin, len(line)))
    out = []
    for s, e in spans:
        chunk = line[s:e]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            out.append((start + s + lead, start + s + lead + len(stripped)))
    return out


def _is_boundary(line: str, m: re.Match[str]) -> bool:
    """Whether candidate end ``m`` ends a sentence; reads only the characters around it."""
    if m.group()[0] in "\u3002\uff01\uff1f":
        return True
    n, j = len(line), m.end()
    while j < n and line[j].isspace():
        j += 1
    k = j
    while k < n and line[k] in _OPENERS:
        k += 1
    nxt = line[k] if k < n else ""
    if not nxt or not (
        (nxt.isalpha() and not nxt.islower()) or nxt.isdigit() or line[j] in _OPENERS
    ):
        return False
    if m.group()[0] != ".":
        return True
    start = m.start()
    first = start
    while first > 0 and not line[first - 1].isspace():
        first -= 1
    if first == start:
        return True
    token = line[first:start].lstrip(_OPENERS).lower()
    is_initial = len(token) == 1 and token.isalpha()
    return token not in _ABBREVIATIONS and not is_initial
