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
        return (int(self.norm.bounds[self.tokens.starts[lo]]),
                int(self.norm.bounds[self.tokens.ends[hi - 1]]))  # fmt: skip

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
    norm_starts = np.searchsorted(norm.bounds, starts, side="left")
    norm_ends = np.searchsorted(norm.bounds, ends, side="left")
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
        line_hashes=np.array(
            [_sequence_hash(tokens.hashes[lo:hi]) for lo, hi in zip(line_lo, line_hi, strict=True)],
            dtype=np.uint64,
        ),
    )


def _sequence_hash(hashes: np.ndarray) -> np.uint64:
    """Order-sensitive hash of a token-hash sequence."""
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(len(hashes), np.uint64(0x9E3779B97F4A7C15)), dtype=np.uint64)
        total = np.sum(hashes * powers, dtype=np.uint64) + np.uint64(len(hashes))
        return np.uint64(fmix64(np.array([total], dtype=np.uint64))[0])
