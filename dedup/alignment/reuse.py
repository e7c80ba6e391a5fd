"""A document pair's reuse: sentence-level and word-level alignment merged into matches.

Stage: two analyses + weights + fingerprint frequencies -> matches, one span and
one kind each. :func:`dedup.alignment.align.align` pairs sentences (rewordings, merges and
splits); :func:`dedup.alignment.wordalign.word_spans` extends shared word n-grams (a clause
reused inside a sentence that otherwise differs, runs across sentence ends). A
word span inside a sentence match adds nothing; one that overlaps sentence matches
on both sides is joined with them into one match when it holds ``run_min_words``
words outside them, or a run of ``floor_words`` of which more than ``EDGE_WORDS``
lie outside (a word or two more at an edge, "... said. The", is no more reuse); any
other stands alone.

**Stock phrases.** Agencies write to formulas ("won the toss and elected to bat",
"told reporters on Monday"), so stories of different events share phrases word for
word. A word span standing alone is weighed by the fingerprints
(:mod:`dedup.analysis.fingerprints`) found on both its sides; a fingerprint is *rare* when
at most ``run_max_docs`` documents of the corpus hold it. Such a span is reuse when
it holds a rare fingerprint and either an identical run of ``floor_words``
words (the verbatim floor), or the pair has sentence matches, or the pair's spans
share ``run_min_rare`` rare fingerprints: one formula with a name in it is not
reuse, several shared phrases are. A span holding such a run but no rare
fingerprint is a stock phrase, reported as ``boilerplate`` (so that every run of
``floor_words`` identical words is reported); any other is dropped.
Sentence matches keep the sentence-level verdict.

**Templates.** Agencies also fill one text with the figures of another day or
match (a market report, a scorecard), or one formula with the names of another story
("X has been ruled out of the series with a calf injury"). A match whose two sides
state other facts (:func:`dedup.alignment.anchors.other_facts`: fewer than half of their
figures in common), or that fills a slot (words between the same two runs of
identical words on both sides) with a name on each side that the other document
never mentions (:func:`dedup.alignment.anchors.unknown_names`), is such a template: it is
reported as ``boilerplate`` when it holds an identical run of ``floor_words`` words,
else dropped. Copied text keeps its figures and the names of its story.

**Derived pairs.** A pair whose texts share so much that it stands out among both
documents' pairs (:func:`dedup.scoring.score.derived_pairs`: the score ``derived_share``
at the least, ``derived_ratio`` times each document's next best) is derived as a
whole: the scan aligns it again when it holds no reuse, and then its chains of alike
passages (weighted Dice ``support_similarity`` at the least) are reported without a
seed or the chain score, and its word spans without the pair's sentence matches. Spelling
variants and words written joined or apart (common in Urdu) leave a rewritten copy
without one passage pair alike enough to be evidence alone.

**Rewording alone.** Two independent reports of one event reword each other's
sentences by chance: the same facts, names and verbs. A pair whose only reuse is
reworded (``heavy``) is reported only when the two texts share at least
``heavy_min_share`` of their text (the pair's score); a heavy match holding an
identical run of ``floor_words`` words is kept whatever the share.

A word span's offsets run from its first word to its last, and on over the
punctuation touching them that both texts hold alike (the full stop after the last
word, an opening quote before the first): a copy takes it along, though it is no word.

The kind of a joined or word-level match is read off its word sequences:
``verbatim`` when identical, ``light`` when difflib's ratio reaches
``light_similarity``, else ``heavy``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from dedup.alignment.align import align, shared_words
from dedup.alignment.anchors import figures, names, other_facts, unknown_names
from dedup.alignment.wordalign import WordSpan, word_spans
from dedup.analysis.analyze import DocAnalysis, Weights
from dedup.analysis.fingerprints import Frequency
from dedup.analysis.shingle import WORD_UNITS
from dedup.core.arrays import positions
from dedup.core.params import ScanParams
from dedup.core.records import Match, ReuseKind
from dedup.core.sequence import matching_blocks, word_ratio

__all__ = ["EDGE_WORDS", "reuse_matches"]

EDGE_WORDS = 3  # words a run may go on past the sentence match it touches, at either end
_CLOSING = ("Pe", "Pf", "Po")  # Unicode categories: closing, final and other punctuation
_OPENING = ("Ps", "Pi")  # opening and initial punctuation


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A word span standing alone, its rare fingerprints found on both sides and its
    longest identical run of words."""

    match: Match
    rare: int
    longest: int


def reuse_matches(a: DocAnalysis, b: DocAnalysis, weights: Weights, frequency: Frequency,
                  params: ScanParams, *, usable_a: np.ndarray, usable_b: np.ndarray,
                  text_share: Callable[[], float],
                  derived: bool = False) -> list[Match]:  # fmt: skip
    """Reuse and stock-phrase matches between documents ``a`` and ``b`` (oriented a -> b).

    Parameters
    ----------
    a, b : DocAnalysis
    weights : callable
        Weight in [0, 1] of content-word features (rarer is heavier).
    frequency : callable
        Documents of the corpus holding each word n-gram fingerprint
        (:func:`dedup.analysis.fingerprints.document_frequency`).
    params : ScanParams
    usable_a, usable_b : ndarray of bool, shape (n_passages,)
        Passages that may carry reuse (not site chrome).
    text_share : callable
        How much of the two texts is shared (the pair's score,
        :func:`dedup.scoring.score.copy_share`), asked only of a pair whose reuse is all
        reworded.
    derived : bool
        The pair is derived as a whole (:func:`dedup.scoring.score.derived_pairs`): its
        alike passages and word spans need no evidence of their own (see the module).

    Returns
    -------
    list of Match
        Ordered by their start in ``a``; kinds ``verbatim``, ``light``, ``heavy``, or
        ``boilerplate`` for a stock phrase; half-open offsets into the original texts.
    """
    matches = align(a, b, weights, params, usable_a=usable_a, usable_b=usable_b, derived=derived)
    alone: list[Match] = []
    for span in word_spans(a, b, weights, params, usable_a=usable_a, usable_b=usable_b):
        a_start, a_end, b_start, b_end = _with_punctuation(
            a.doc.text, b.doc.text, *a.token_span(span.a_lo, span.a_hi),
            *b.token_span(span.b_lo, span.b_hi))  # fmt: skip
        if any(m.a_start <= a_start and a_end <= m.a_end and m.b_start <= b_start
               and b_end <= m.b_end for m in matches):  # fmt: skip
            continue
        offsets = (a_start, a_end, b_start, b_end)
        touching = _touching(matches, offsets)
        if touching and not _spills(a, b, span, touching, params):
            continue  # a few words more than the sentences hold: an edge, not more reuse
        if touching:
            matches = [m for m in matches if m not in touching]
            matches.append(_joined(a, b, weights, params, _union(offsets, touching)))
        else:
            touching = _touching(alone, offsets)
            alone = [m for m in alone if m not in touching]
            alone.append(_joined(a, b, weights, params, _union(offsets, touching)))
    if alone:
        prints = _Fingerprints(a, b, frequency, params)
        matches += _alone_verdicts([prints.candidate(m) for m in alone],
                                   derived or bool(matches), params)  # fmt: skip
    words = _PairWords(a, b, usable_a, usable_b)
    verdicts = (_template_verdict(m, params, words) for m in matches)
    kept = [m for m in verdicts if m is not None]
    reuse = [m for m in kept if m.kind != "boilerplate"]
    if reuse and all(m.kind == "heavy" for m in reuse) and text_share() < params.heavy_min_share:
        floor = params.floor_words * WORD_UNITS
        kept = [m for m in kept if m.kind != "heavy" or _longest_run(a, b, m) >= floor]
    return sorted(kept, key=lambda m: (m.a_start, m.b_start))


def _with_punctuation(a_text: str, b_text: str, a_start: int, a_end: int, b_start: int,
                      b_end: int) -> tuple[int, int, int, int]:  # fmt: skip
    """Offsets ``[a_start, a_end)`` of ``a_text`` and ``[b_start, b_end)`` of ``b_text``
    widened over the punctuation that touches them alike in both texts: closing or final
    marks after the ends (``.``, ``。``, ``»``), opening ones before the starts."""
    while (a_end < len(a_text) and b_end < len(b_text) and a_text[a_end] == b_text[b_end]
           and unicodedata.category(a_text[a_end]) in _CLOSING):  # fmt: skip
        a_end, b_end = a_end + 1, b_end + 1
    while (a_start > 0 and b_start > 0 and a_text[a_start - 1] == b_text[b_start - 1]
           and (unicodedata.category(a_text[a_start - 1]) in _OPENING
                or a_text[a_start - 1] in "\"'")):  # fmt: skip
        a_start, b_start = a_start - 1, b_start - 1
    return a_start, a_end, b_start, b_end


def _template_verdict(m: Match, params: ScanParams, words: _PairWords) -> Match | None:
    """``m``, or for a template filled with other facts or names (see the module) a stock
    match when it holds an identical run of ``floor_words`` words, else None; ``words``:
    the pair's :class:`_PairWords`."""
    a, b = words.a, words.b
    if m.kind in ("verbatim", "boilerplate") or not (
        other_facts(figures(a.doc.text[m.a_start : m.a_end]),
                    figures(b.doc.text[m.b_start : m.b_end]))
        or words.other_names_in_a_slot(m)
    ):  # fmt: skip
        return m
    return _stock(m) if _longest_run(a, b, m) >= params.floor_words * WORD_UNITS else None


class _PairWords:
    """What the template rule reads of a pair's words, made once for its matches:
    documents ``a`` and ``b``, their ``usable`` passages (bool per passage)."""

    def __init__(self, a: DocAnalysis, b: DocAnalysis, usable_a: np.ndarray,
                 usable_b: np.ndarray) -> None:  # fmt: skip
        self.a, self.b, self._usable = a, b, (usable_a, usable_b)

    @cached_property
    def _sides(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """Per side, a bool per token (in a usable passage) and the token hashes it
        holds, sorted."""
        out = []
        for d, usable in zip((self.a, self.b), self._usable, strict=True):
            inside = np.zeros(len(d.tokens), dtype=bool)
            for lo, hi in zip(d.passage_tok_lo[usable].tolist(),
                              d.passage_tok_hi[usable].tolist(), strict=True):  # fmt: skip
                inside[lo:hi] = True
            out.append((inside, np.unique(d.tokens.hashes)))
        return out[0], out[1]

    def other_names_in_a_slot(self, m: Match) -> bool:
        """Whether words of usable passages that stand between the same two runs of
        identical words on both sides of ``m`` (a slot) name, on each side, someone or
        something the other document never mentions
        (:func:`dedup.alignment.anchors.unknown_names`). An outlet's chrome line inside a
        copy names the outlet: no slot of a template."""
        a, b = self.a, self.b
        a_lo, a_hi = _token_range(a, m.a_start, m.a_end)
        b_lo, b_hi = _token_range(b, m.b_start, m.b_end)
        (inside_a, held_a), (inside_b, held_b) = self._sides
        unheld_a = positions(held_b, a.tokens.hashes[a_lo:a_hi]) < 0
        unheld_b = positions(held_a, b.tokens.hashes[b_lo:b_hi]) < 0
        new_a = _capital(a, a_lo, inside_a[a_lo:a_hi] & unheld_a)
        new_b = _capital(b, b_lo, inside_b[b_lo:b_hi] & unheld_b)
        if not new_a.any() or not new_b.any():
            return False
        blocks = matching_blocks(a.tokens.hashes[a_lo:a_hi], b.tokens.hashes[b_lo:b_hi])
        after = [(0, 0)] + [(k.a + k.size, k.b + k.size) for k in blocks]
        before = [(k.a, k.b) for k in blocks] + [(a_hi - a_lo, b_hi - b_lo)]
        for (i0, j0), (i1, j1) in zip(after, before, strict=True):
            if not new_a[i0:i1].any() or not new_b[j0:j1].any():
                continue
            in_a = _slot_names(a, a_lo + i0, a_lo + i1, new_a[i0:i1])
            in_b = _slot_names(b, b_lo + j0, b_lo + j1, new_b[j0:j1]) if in_a else in_a
            if in_b and unknown_names(in_a, b) and unknown_names(in_b, a):
                return True
        return False


def _capital(d: DocAnalysis, lo: int, tokens: np.ndarray) -> np.ndarray:
    """``tokens`` (bool per token from token ``lo`` of ``d``) less those whose first
    letter is no capital (no name)."""
    at = lo + np.flatnonzero(tokens)
    if len(at):
        text = d.doc.text
        first = d.norm.original(d.tokens.starts[at]).tolist()
        tokens = tokens.copy()
        tokens[at - lo] = [text[k].isupper() for k in first]
    return tokens


def _slot_names(d: DocAnalysis, lo: int, hi: int, candidates: np.ndarray) -> frozenset[str]:
    """The names (:func:`dedup.alignment.anchors.names`) among tokens ``[lo, hi)`` of ``d``
    marked ``candidates`` (bool per token of the slot), read with the word before them
    (whether a capital opens a clause)."""
    start, end = d.token_span(max(lo - 1, 0), hi)
    text, starts, ends = d.norm.text, d.tokens.starts, d.tokens.ends
    words = {text[starts[k] : ends[k]] for k in (lo + np.flatnonzero(candidates)).tolist()}
    return names(d.doc.text[start:end]).intersection(words)


def _longest_run(a: DocAnalysis, b: DocAnalysis, m: Match) -> int:
    """Length in units (tenths of a word) of the longest run of identical words in both
    spans of ``m``."""
    a_lo, a_hi = _token_range(a, m.a_start, m.a_end)
    b_lo, b_hi = _token_range(b, m.b_start, m.b_end)
    blocks = matching_blocks(a.tokens.hashes[a_lo:a_hi], b.tokens.hashes[b_lo:b_hi])
    units = a.tokens.units
    return max((int(units[a_lo + blk.a : a_lo + blk.a + blk.size].sum()) for blk in blocks),
               default=0)  # fmt: skip


def _spills(a: DocAnalysis, b: DocAnalysis, span: WordSpan, touching: list[Match],
            params: ScanParams) -> bool:  # fmt: skip
    """Whether ``span`` holds more reuse than the matches it touches: its runs of identical
    words have ``run_min_words`` tokens outside them on each side, or a run of
    ``floor_words`` has more than ``EDGE_WORDS`` outside them on either side."""
    a_lo, a_hi = _token_range(a, min(m.a_start for m in touching), max(m.a_end for m in touching))
    b_lo, b_hi = _token_range(b, min(m.b_start for m in touching), max(m.b_end for m in touching))
    outside = [(size - max(0, min(i + size, a_hi) - max(i, a_lo)),
                size - max(0, min(j + size, b_hi) - max(j, b_lo))) for i, j, size in span.runs]
    units = a.tokens.units
    return sum(min(x) for x in outside) >= params.run_min_words or any(
        max(x) > EDGE_WORDS for x, (i, _, size) in zip(outside, span.runs, strict=True)
        if units[i : i + size].sum() >= params.floor_words * WORD_UNITS)  # fmt: skip


def _touching(matches: list[Match], offsets: tuple[int, int, int, int]) -> list[Match]:
    """The matches overlapping ``offsets`` (a's start and end, b's) on both sides."""
    a_start, a_end, b_start, b_end = offsets
    return [m for m in matches if m.a_start < a_end and a_start < m.a_end
            and m.b_start < b_end and b_start < m.b_end]  # fmt: skip


def _union(offsets: tuple[int, int, int, int], matches: list[Match]) -> tuple[int, int, int, int]:
    """The smallest spans holding ``offsets`` and ``matches``, on each side."""
    a_start, a_end, b_start, b_end = offsets
    return (min([a_start, *(m.a_start for m in matches)]),
            max([a_end, *(m.a_end for m in matches)]),
            min([b_start, *(m.b_start for m in matches)]),
            max([b_end, *(m.b_end for m in matches)]))  # fmt: skip


def _alone_verdicts(found: list[_Candidate], evidence: bool, params: ScanParams
                    ) -> list[Match]:  # fmt: skip
    """The reported word spans standing alone (the rules of the module); ``evidence``:
    whether the pair has sentence matches or is derived as a whole."""
    evidence = evidence or sum(c.rare for c in found) >= params.run_min_rare
    out = []
    for c in found:
        floor = c.longest >= params.floor_words * WORD_UNITS
        if c.rare and (evidence or floor):
            out.append(c.match)
        elif floor:
            out.append(_stock(c.match))
    return out


def _stock(m: Match) -> Match:
    return Match(m.a, m.b, m.a_start, m.a_end, m.b_start, m.b_end, "boilerplate", m.score,
                 m.shared_words)  # fmt: skip


class _Fingerprints:
    """The fingerprints of a pair's two documents, and what a match shares of them."""

    def __init__(self, a: DocAnalysis, b: DocAnalysis, frequency: Frequency,
                 params: ScanParams) -> None:  # fmt: skip
        self.a, self.b = a, b
        self.sides = [(a.fingerprint_at, a.fingerprint_ends, a.fingerprint_hashes),
                      (b.fingerprint_at, b.fingerprint_ends, b.fingerprint_hashes)]
        common = np.intersect1d(self.sides[0][2], self.sides[1][2])
        self.rare = frozenset(common[frequency(common) <= params.run_max_docs].tolist())

    def candidate(self, m: Match) -> _Candidate:
        """``m`` with the fingerprints found inside both its spans."""
        a_lo, a_hi = _token_range(self.a, m.a_start, m.a_end)
        b_lo, b_hi = _token_range(self.b, m.b_start, m.b_end)
        inside = [set(h[(at >= lo) & (ends <= hi)].tolist())
                  for (at, ends, h), (lo, hi) in zip(self.sides, ((a_lo, a_hi), (b_lo, b_hi)),
                                                     strict=True)]  # fmt: skip
        both = inside[0] & inside[1]
        longest = _longest_run(self.a, self.b, m) if both else 0
        return _Candidate(m, len(both & self.rare), longest)


def _token_range(d: DocAnalysis, start: int, end: int) -> tuple[int, int]:
    """Tokens ``[lo, hi)`` of ``d`` inside original offsets ``[start, end)``."""
    lo, hi = d.norm.normalized(np.array([start, end], dtype=np.int64)).tolist()
    starts = d.tokens.starts
    return int(np.searchsorted(starts, lo, side="left")), int(np.searchsorted(starts, hi, "left"))


def _joined(a: DocAnalysis, b: DocAnalysis, weights: Weights, params: ScanParams,
            offsets: tuple[int, int, int, int]) -> Match:  # fmt: skip
    """The match over ``offsets`` (a's start and end, b's), its kind read off its words."""
    a_start, a_end, b_start, b_end = offsets
    a_lo, a_hi = _token_range(a, a_start, a_end)
    b_lo, b_hi = _token_range(b, b_start, b_end)
    words_a, words_b = a.tokens.hashes[a_lo:a_hi], b.tokens.hashes[b_lo:b_hi]
    kind: ReuseKind
    if np.array_equal(words_a, words_b):
        kind, score = "verbatim", 1.0
    else:
        score = word_ratio(words_a, words_b)
        kind = "light" if score >= params.light_similarity else "heavy"
    return Match(a.doc.id, b.doc.id, a_start, a_end, b_start, b_end, kind, round(score, 4),
                 shared_words(a, a_lo, a_hi, b, b_lo, b_hi, weights))  # fmt: skip
