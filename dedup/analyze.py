"""One document through normalize, segment and tokenize: the features later stages read.

Stage: :class:`~dedup.records.Document` -> :class:`DocAnalysis`. Pure and per
document, so a worker pool or a Spark executor runs it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.normalize import NormalizedText, normalize
from dedup.records import Document
from dedup.segment import segment
from dedup.shingle import Tokens, fmix64, tokenize

_R = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class DocAnalysis:
    """A document's passages, lines and tokens.

    Passage ``k`` is original span ``[passage_starts[k], passage_ends[k])`` and
    tokens ``[passage_tok_lo[k], passage_tok_hi[k])``; it lies on line
    ``passage_lines[k]``. Line ``l`` is original span ``[line_starts[l],
    line_ends[l])`` with ``line_words[l]`` tokens and ``line_hashes[l]`` the hash
    of its token sequence (equal lines, equal hashes).
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

    @property
    def n_passages(self) -> int:
        return len(self.passage_starts)

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
        lo, hi = self.passage_tok_lo[passages], self.passage_tok_hi[passages]
        lengths = np.maximum(hi - lo, 0)
        firsts = np.cumsum(lengths) - lengths
        tok = np.repeat(lo, lengths) + (np.arange(int(lengths.sum())) - np.repeat(firsts, lengths))
        owner = np.repeat(np.asarray(passages, dtype=np.int64), lengths)
        keep = self.tokens.content[tok]
        owner, feats = owner[keep], self.tokens.stems[tok[keep]]
        order = np.lexsort((feats, owner))
        owner, feats = owner[order], feats[order]
        new = np.ones(len(feats), dtype=bool)
        new[1:] = (owner[1:] != owner[:-1]) | (feats[1:] != feats[:-1])
        return owner[new], feats[new]

    def passage_features(self, k: int) -> np.ndarray:
        """Unique content-word stem hashes of passage ``k`` (uint64, sorted)."""
        lo, hi = self.passage_tok_lo[k], self.passage_tok_hi[k]
        return np.unique(self.tokens.stems[lo:hi][self.tokens.content[lo:hi]])


def analyze(doc: Document) -> DocAnalysis:
    """Normalize, segment and tokenize one document."""
    norm = normalize(doc.text)
    tokens = tokenize(norm.text)
    segs = segment(doc.text)
    starts = np.array([s.start for s in segs], dtype=np.int64)
    ends = np.array([s.end for s in segs], dtype=np.int64)
    lines = np.array([s.line for s in segs], dtype=np.int64)
    norm_starts, norm_ends = norm.normalized(starts), norm.normalized(ends)
    tok_lo = np.searchsorted(tokens.starts, norm_starts, side="left")
    tok_hi = np.searchsorted(tokens.starts, norm_ends, side="left")
    n_lines = int(lines[-1]) + 1 if len(lines) else 0
    first = np.searchsorted(lines, np.arange(n_lines), side="left")
    last = np.searchsorted(lines, np.arange(n_lines), side="right") - 1
    line_lo, line_hi = tok_lo[first], tok_hi[last]
    return DocAnalysis(
        doc=doc,
        norm=norm,
        tokens=tokens,
        passage_starts=starts,
        passage_ends=ends,
        passage_tok_lo=tok_lo,
        passage_tok_hi=tok_hi,
        passage_lines=lines,
        passage_paragraphs=np.array([s.paragraph for s in segs], dtype=np.int64),
        line_starts=starts[first],
        line_ends=ends[last],
        line_words=line_hi - line_lo,
        line_hashes=_sequence_hashes(tokens.hashes, line_lo, line_hi),
    )


def _sequence_hashes(hashes: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Order-sensitive hash of each token-hash sequence ``hashes[lo[k]:hi[k]]``.

    ``fmix64(sum_t hashes[lo + t] * R^(t+1) + (hi - lo))`` mod 2^64, for all
    sequences at once (sequences may be empty, must not overlap).
    """
    lengths = (hi - lo).astype(np.int64)
    if not len(lengths):
        return np.zeros(0, dtype=np.uint64)
    total = int(lengths.sum())
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(int(lengths.max(initial=0)), _R, dtype=np.uint64),
                            dtype=np.uint64)  # fmt: skip
        firsts = np.cumsum(lengths) - lengths
        pos = np.arange(total) - np.repeat(firsts, lengths)
        terms = hashes[np.repeat(lo, lengths) + pos] * powers[pos]
        sums = np.zeros(len(lengths), dtype=np.uint64)
        nonempty = lengths > 0
        if total:
            sums[nonempty] = np.add.reduceat(terms, firsts[nonempty], dtype=np.uint64)
        return fmix64(sums + lengths.astype(np.uint64))
