"""Anchors of a passage pair: the figures and names two passages state, and whether
they agree (:func:`anchor_agreement`), for chaining; and for reuse's template rule,
the figures of two spans (:func:`other_facts`) and the names of one (:func:`names`)
that another document lacks (:func:`unknown_names`).

A figure in common (``6,256`` and ``6256`` are one figure) is evidence of reuse;
passages stating only different figures are not reuse; each side naming someone
the other lacks is evidence against it.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

import numpy as np
from dateutil.parser import parserinfo

from dedup.analysis.analyze import DocAnalysis, PassageNames

# A figure as news writes it: 6256, 6,256, 6 256 (thin or non-breaking space), 28.5.
_NUMBER = re.compile(r"\d+(?:[,\u00a0\u202f ]\d{3}(?!\d))*(?:\.\d+)?")
_GROUPING = re.compile(r"[,\u00a0\u202f ]")
_WORD = re.compile(r"[^\W\d_][\w\u2019'-]*")
# A word and the gap before it (the gap holds no character that starts a word, so a
# match never backtracks); the gap after the last word comes with an empty word.
_GAP_AND_WORD = re.compile(r"([\W\d_]*)(" + _WORD.pattern + ")?")
# A capital after one of these opens a clause (not a name).
_AFTER_BREAK = frozenset(".!?:;\"'(\u201c\u2018\u00ab\u2014\u2013-")
_HONORIFICS = frozenset(("mr", "ms", "mrs", "dr"))
_CALENDAR = frozenset(name.casefold() for names in (*parserinfo.WEEKDAYS, *parserinfo.MONTHS)
                      for name in names)  # fmt: skip
_NAME_PREFIX = 4  # letters two spellings of a name share at its start
_NAME_LIKENESS = 0.7  # difflib's ratio of two spellings of a name, at the least
_POSSESSIVE_END = re.compile("(?:'s|\u2019s)(?=\x00|\\Z)")  # of a word, in words joined by NULs


def figures(text: str) -> frozenset[str]:
    """The figures ``text`` states, thousands separators dropped (6,256 -> 6256)."""
    return frozenset(_GROUPING.sub("", m) for m in _NUMBER.findall(text))


def other_facts(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two texts stating figures ``a`` and ``b`` state different facts: both
    state figures and share fewer than half of the figures of the one stating fewer.
    Reused text keeps its figures; a template filled for another day or match, or a
    topic neighbour, changes them."""
    return bool(a and b) and 2 * len(a & b) < min(len(a), len(b))


def names(text: str) -> frozenset[str]:
    """The names ``text`` states (:func:`_names_and_words`), days and months aside: a
    copy re-dates its story ("on Wednesday" becomes "on Thursday")."""
    return _names_and_words(text)[0] - _CALENDAR


def unknown_names(found: frozenset[str], other: DocAnalysis) -> frozenset[str]:
    """Those of names ``found`` that document ``other`` never mentions, even spelt
    otherwise (:func:`_spelt_in`, accents aside: ``Gruško`` is ``Grushko``,
    ``Organisation`` ``Organization``, ``Kyiv`` ``Kiev``)."""
    words = {_bare(w) for k in range(other.n_passages) for w in _names(other, k)[1]}
    starts = {w[:_NAME_PREFIX] for w in words}
    return frozenset(n for n in found if not _spelt_in(_bare(n), words, starts))


def _spelt_in(name: str, words: set[str], starts: set[str]) -> bool:
    """Whether one of ``words`` is ``name``, spelt the same or otherwise (its first
    ``_NAME_PREFIX`` letters, or difflib's ratio of the two >= ``_NAME_LIKENESS``)."""
    if name[:_NAME_PREFIX] in starts:
        return True
    matcher = SequenceMatcher(None, "", name, autojunk=False)
    for word in words:
        matcher.set_seq1(word)
        if matcher.quick_ratio() >= _NAME_LIKENESS and matcher.ratio() >= _NAME_LIKENESS:
            return True
    return False


def _bare(word: str) -> str:
    """``word`` without its accents and other combining marks."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _names_and_words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names ``text`` states (capitalised words inside a clause) and all its words,
    case folded, possessives dropped."""
    found = _GAP_AND_WORD.findall(text)  # the words _WORD finds, each after its gap
    while found and not found[-1][1]:
        found.pop()
    if not found:
        return frozenset(), frozenset()
    # casefold maps each character alone, so the words are folded in one call
    joined = _POSSESSIVE_END.sub("", "\x00".join([token for _, token in found]))
    folded = joined.casefold().split("\x00")
    names = set()
    for k, (gap, token) in enumerate(found):
        if token[0].isupper():
            gap = gap.rstrip()  # the character before the word, spaces skipped:
            last = gap[-1] if gap else found[k - 1][1][-1] if k else ""
            if last and last not in _AFTER_BREAK:
                names.add(folded[k])
    return frozenset(names - _HONORIFICS), frozenset(folded)


def anchor_agreement(a: DocAnalysis, b: DocAnalysis, p: np.ndarray, q: np.ndarray
                     ) -> np.ndarray:  # fmt: skip
    """Per passage pair ``(p[k], q[k])``, what its anchors say (int8):

    -2 the passages state other facts (:func:`other_facts`); +1 figures in common;
    -1 each names someone or something
    whose name the other does not contain at all (another person or place in the
    same slot); else 0. Names count only where figures do not decide.
    """
    out = []
    for i, j in zip(p.tolist(), q.tolist(), strict=True):
        figs_a, figs_b = _figures(a, i), _figures(b, j)
        if figs_a and figs_b:
            out.append(-2 if other_facts(figs_a, figs_b) else 1)
        else:
            (names_a, words_a), (names_b, words_b) = _names(a, i), _names(b, j)
            out.append(-1 if names_a - words_b and names_b - words_a else 0)
    return np.array(out, dtype=np.int8)


# A passage's figures and names are kept with the analysis: its passages meet each of
# the document's pairs.
def _figures(d: DocAnalysis, k: int) -> frozenset[str]:
    """The figures of passage ``k`` of ``d``."""
    found = d.passage_figures.get(k)
    if found is None:
        found = d.passage_figures[k] = figures(_passage_text(d, k))
    return found


def _names(d: DocAnalysis, k: int) -> PassageNames:
    """The names and words of passage ``k`` of ``d``."""
    found = d.passage_names.get(k)
    if found is None:
        found = d.passage_names[k] = _names_and_words(_passage_text(d, k))
    return found


def _passage_text(d: DocAnalysis, k: int) -> str:
    return d.doc.text[d.passage_starts[k] : d.passage_ends[k]]
