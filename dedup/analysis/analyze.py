"""One document through normalize, segment and tokenize: the features later stages read.

Stage: :class:`~dedup.core.records.Document` -> :class:`DocAnalysis`. Pure and per
document, so a worker pool or a Spark executor runs it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np

from dedup.analysis.fingerprints import fingerprints
from dedup.analysis.language import detect
from dedup.analysis.normalize import normalize
from dedup.analysis.segment import sentences
from dedup.analysis.shingle import Tokens, sequence_hashes, tokenize
from dedup.core.kernels import compiled, heapsort
from dedup.core.offset_map import NormalizedText
from dedup.core.records import Document

Weights = Callable[[np.ndarray], np.ndarray]  # feature hashes -> weights in [0, 1]


@dataclass(frozen=True, slots=True)
class WeightedFeatures:
    """A set of content-word features and their weights.

    ``features`` are unique and sorted (uint64) and ``weights`` theirs, in the same
    order; ``total`` is ``weights.sum()``.
    """

    features: np.ndarray
    weights: np.ndarray
    total: float

    @classmethod
    def of(cls, features: np.ndarray, weights: np.ndarray) -> WeightedFeatures:
        """``features`` (unique, sorted) and their ``weights``."""
        return cls(features, weights, float(weights.sum()))


class WeightedTable:
    """A document's passage features under one weighting, each part computed once.

    ``passage``, ``features`` and ``weights`` (read-only arrays) are
    :meth:`DocAnalysis.feature_table` of all passages and the weights of its
    features; rows ``bounds[k]:bounds[k + 1]`` are passage ``k``'s.
    """

    def __init__(self, a: DocAnalysis, weights: Weights) -> None:
        self.passage, self.features = a.feature_table(np.arange(a.n_passages))
        self.weights = weights(self.features)
        for x in (self.passage, self.features, self.weights):
            x.flags.writeable = False
        self.bounds: list[int] = np.searchsorted(self.passage, np.arange(a.n_passages + 1)).tolist()
        self._passages: dict[int, WeightedFeatures] = {}
        self._by_feature: dict[int, float] | None = None

    def passage_words(self, k: int) -> WeightedFeatures:
        """Passage ``k``'s features (``passage_features(k)``) and their weights."""
        found = self._passages.get(k)
        if found is None:
            lo, hi = self.bounds[k], self.bounds[k + 1]
            found = WeightedFeatures.of(self.features[lo:hi], self.weights[lo:hi])
            self._passages[k] = found
        return found

    def by_feature(self) -> dict[int, float]:
        """The weight of each feature of the document's passages, by feature."""
        if self._by_feature is None:
            self._by_feature = dict(zip(self.features.tolist(), self.weights.tolist(), strict=True))
        return self._by_feature


_K = TypeVar("_K")
_V = TypeVar("_V")

# What later stages ask of a passage again for each pair its document is in
# (:mod:`dedup.alignment.anchors`): its figures; the names it states and its words.
PassageNames = tuple[frozenset[str], frozenset[str]]


class _Memo(dict[_K, _V]):
    """What an analysis keeps of what was asked of it; pickled empty (a weighting may be
    a closure, and a copy recomputes what it needs)."""

    def __reduce__(self) -> tuple[type[_Memo[_K, _V]], tuple[()]]:
        return type(self), ()


@dataclass(frozen=True, slots=True)
class DocAnalysis:
    """A document's passages, lines and tokens.

    Passage ``k`` is original span ``[passage_starts[k], passage_ends[k])`` and
    tokens ``[passage_tok_lo[k], passage_tok_hi[k])``; it lies on line
    ``passage_lines[k]``. Line ``l`` is original span ``[line_starts[l],
    line_ends[l])`` with ``line_words[l]`` tokens and ``line_hashes[l]`` the hash
    of its token sequence (equal lines, equal hashes). Fingerprint ``f`` is the word
    n-gram of tokens ``[fingerprint_at[f], fingerprint_ends[f])``
    (:mod:`dedup.analysis.fingerprints`), of hash ``fingerprint_hashes[f]``.
    """

    doc: Document
    norm: NormalizedText
    tokens: Tokens
    passage_starts: np.ndarray
    passage_ends: np.ndarray
    passage_tok_lo: np.ndarray
    passage_tok_hi: np.ndarray
    passage_lines: np.ndarray
    passage_paragraphs: np.ndarray
    line_starts: np.ndarray
    line_ends: np.ndarray
    line_words: np.ndarray
    line_hashes: np.ndarray
    fingerprint_at: np.ndarray
    fingerprint_ends: np.ndarray
    fingerprint_hashes: np.ndarray
    _memo: _Memo[Weights, WeightedTable] = field(default_factory=_Memo, init=False, repr=False,
                                                 compare=False)  # fmt: skip
    passage_figures: _Memo[int, frozenset[str]] = field(default_factory=_Memo, init=False,
                                                        repr=False, compare=False)  # fmt: skip
    passage_names: _Memo[int, PassageNames] = field(default_factory=_Memo, init=False,
                                                    repr=False, compare=False)  # fmt: skip

    @property
    def n_passages(self) -> int:
        return len(self.passage_starts)

    @property
    def line_closed(self) -> np.ndarray:
        """Bool per line: it ends as a sentence does (:func:`closed_lines`)."""
        return closed_lines(self.doc.text, self.line_ends)

    def token_span(self, lo: int, hi: int) -> tuple[int, int]:
        """Original offsets from the start of token ``lo`` to the end of token ``hi - 1``."""
        return self.norm.to_original(int(self.tokens.starts[lo]), int(self.tokens.ends[hi - 1]))

    def feature_table(self, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``passage_features(k)`` of each passage ``k`` in ``passages``, back to back.

        Returns
        -------
        passage, features : ndarray of int64 and ndarray of uint64, shape (m,)
            Rows sorted by passage then feature; ``features[passage == k]`` equals
            ``passage_features(k)``.
        """
        passages = np.unique(np.asarray(passages, dtype=np.int64))
        lo, hi = self.passage_tok_lo[passages], self.passage_tok_hi[passages]
        content_before = np.concatenate(([0], np.cumsum(self.tokens.content)))
        room = int(np.maximum(content_before[hi] - content_before[lo], 0).sum())
        owner, feats = np.empty(room, np.int64), np.empty(room, np.uint64)
        n = _passage_rows(passages, lo, hi, self.tokens.content, self.tokens.stems, owner, feats)
        return owner[:n], feats[:n]

    def passage_features(self, k: int) -> np.ndarray:
        """Unique content-word stem hashes of passage ``k`` (uint64, sorted)."""
        lo, hi = self.passage_tok_lo[k], self.passage_tok_hi[k]
        return np.unique(self.tokens.stems[lo:hi][self.tokens.content[lo:hi]])

    def weighted(self, weights: Weights) -> WeightedTable:
        """The passages' features under ``weights``, kept with the analysis (alignment
        asks again for each pair the document is in)."""
        found = self._memo.get(weights)
        if found is None:
            found = self._memo[weights] = WeightedTable(self, weights)
        return found


SENTENCE_END = frozenset(".!?\"'\u201d\u2019\u00bb")  # the last characters of a sentence


def closed_lines(text: str, line_ends: np.ndarray) -> np.ndarray:
    """Bool per line of ``text`` (``line_ends``: original offsets): its last character is
    one of :data:`SENTENCE_END` (``.``, ``!``, ``?``, a closing quote)."""
    return np.array([end > 0 and text[end - 1] in SENTENCE_END for end in line_ends.tolist()],
                    dtype=bool)  # fmt: skip


def analyze(doc: Document) -> DocAnalysis:
    """Normalize, segment and tokenize one document; the analysis's ``doc`` has its
    language (given, or detected)."""
    if doc.language is None:
        doc = replace(doc, language=detect(doc.text))
    norm = normalize(doc.text)
    tokens = tokenize(norm.text, str(doc.language))
    segs = sentences(doc.text)
    tok_lo = np.searchsorted(tokens.starts, norm.normalized(segs.starts), side="left")
    tok_hi = np.searchsorted(tokens.starts, norm.normalized(segs.ends), side="left")
    prints_at, prints_end, prints = fingerprints(tokens.hashes, tokens.units)
    line_starts, line_ends, line_lo, line_hi = _lines(
        segs.lines, segs.starts, segs.ends, tok_lo, tok_hi
    )
    return DocAnalysis(
        doc=doc,
        norm=norm,
        tokens=tokens,
        passage_starts=segs.starts,
        passage_ends=segs.ends,
        passage_tok_lo=tok_lo,
        passage_tok_hi=tok_hi,
        passage_lines=segs.lines,
        passage_paragraphs=segs.paragraphs,
        line_starts=line_starts,
        line_ends=line_ends,
        line_words=line_hi - line_lo,
        line_hashes=sequence_hashes(tokens.hashes, line_lo, line_hi),
        fingerprint_at=prints_at,
        fingerprint_ends=prints_end,
        fingerprint_hashes=prints,
    )


@compiled
def _lines(
    lines: np.ndarray, starts: np.ndarray, ends: np.ndarray, tok_lo: np.ndarray, tok_hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Original span and token range of each line, from its first passage to its last.

    ``lines`` numbers the passages' lines in order, each line from 0 to
    ``lines[-1]`` holding one or more. Returns ``(line_starts, line_ends,
    line_lo, line_hi)``, int64 arrays of ``lines[-1] + 1`` entries.
    """
    n_lines = lines[-1] + 1 if len(lines) else 0
    line_starts, line_ends = np.empty(n_lines, np.int64), np.empty(n_lines, np.int64)
    line_lo, line_hi = np.empty(n_lines, np.int64), np.empty(n_lines, np.int64)
    for k in range(len(lines)):
        line = lines[k]
        if k == 0 or lines[k - 1] != line:
            line_starts[line], line_lo[line] = starts[k], tok_lo[k]
        line_ends[line], line_hi[line] = ends[k], tok_hi[k]
    return line_starts, line_ends, line_lo, line_hi


@compiled
def _passage_rows(passages: np.ndarray, lo: np.ndarray, hi: np.ndarray, content: np.ndarray,
                  stems: np.ndarray, owner: np.ndarray, feats: np.ndarray) -> int:  # fmt: skip
    """Write the rows of :meth:`DocAnalysis.feature_table` of ``passages`` (ascending, of
    tokens ``[lo[k], hi[k])``) to the first rows of ``owner`` and ``feats`` (room for
    every content token); returns the rows used."""
    end = 0
    for k in range(len(passages)):
        first = end
        for t in range(lo[k], hi[k]):
            if content[t]:
                feats[end] = stems[t]
                end += 1
        heapsort(feats, first, end)
        last, end = end, first
        for g in range(first, last):
            if g == first or feats[g] != feats[g - 1]:
                feats[end], owner[end] = feats[g], passages[k]
                end += 1
    return end


# Start of a run of letters or digits that no markup entity (&amp; &#65;) can have consumed.
_PLAIN_WORD = re.compile(r"(?<![\w&#])[^\W_]")


def wordless_ids(documents: Sequence[Document]) -> list[str]:
    """Ids of the documents in which the scan finds no word (its ``empty_documents``).

    A plain run of letters survives normalization, so only the few texts without one are
    tokenized again, exactly as the pipeline does.
    """
    maybe = [d for d in documents if not _PLAIN_WORD.search(d.text)]
    return [d.id for d in maybe if len(tokenize(normalize(d.text).text)) == 0]
