"""What the corpus-wide stages read of one document, small enough to hold for every document.

Stage: :class:`~dedup.core.records.Document` -> :class:`DocFeatures`, per document (a
worker or a Spark executor runs it). A scan keeps these for the whole corpus and
drops the analysis they come from; alignment analyzes again only the documents
of candidate pairs. A document's features are a fraction of the size of its
:class:`~dedup.analysis.analyze.DocAnalysis`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from dedup.analysis.analyze import DocAnalysis, analyze
from dedup.analysis.fingerprints import gaps
from dedup.analysis.shingle import WORD_UNITS, fmix64_one, shingles
from dedup.candidates.minhash import signatures
from dedup.core.kernels import compiled, heapsort
from dedup.core.params import ScanParams
from dedup.core.records import Document

_R = np.uint64(0x9E3779B97F4A7C15)  # multiplier that mixes a stem pair into one hash


@dataclass(frozen=True, slots=True)
class DocFeatures:
    """A document's lines, passage features, TF-IDF terms and MinHash.

    Line ``l`` is original span ``[line_starts[l], line_ends[l])`` with ``line_words[l]``
    tokens and ``line_hashes[l]`` the hash of its token sequence (the
    :class:`~dedup.candidates.boilerplate.Lines` protocol). Passage ``k`` lies on line
    ``passage_lines[k]``. Rows ``(stem_passage, stems)``: distinct content-word stems
    of each passage; ``(bigram_passage, bigrams)``: distinct adjacent stem pairs of each
    passage; ``(term_passage, terms)``: hash of every content word, in text order
    (TF-IDF input). ``signature``: MinHash of the document's word shingles. Rows
    ``(fingerprint_passage, fingerprints)``: winnowed word n-grams
    (:mod:`dedup.analysis.fingerprints`), each with the passage of its first word;
    ``fingerprint_gaps``: words from each to the next (:func:`dedup.analysis.fingerprints.gaps`).
    """

    doc: Document
    line_starts: np.ndarray
    line_ends: np.ndarray
    line_words: np.ndarray
    line_hashes: np.ndarray
    line_closed: np.ndarray
    passage_lines: np.ndarray
    stem_passage: np.ndarray
    stems: np.ndarray
    bigram_passage: np.ndarray
    bigrams: np.ndarray
    term_passage: np.ndarray
    terms: np.ndarray
    signature: np.ndarray
    fingerprint_passage: np.ndarray
    fingerprints: np.ndarray
    fingerprint_gaps: np.ndarray
    n_tokens: int

    @property
    def n_passages(self) -> int:
        return len(self.passage_lines)

    def usable(self, chrome: np.ndarray) -> np.ndarray:
        """Bool per passage: not on a chrome line (``chrome`` is a bool per line)."""
        return usable_passages(self.passage_lines, chrome)


def usable_passages(passage_lines: np.ndarray, chrome: np.ndarray) -> np.ndarray:
    """Bool per passage: its line (``passage_lines``) is not a chrome line."""
    return ~chrome[passage_lines] if len(passage_lines) else np.zeros(0, bool)


def doc_features(doc: Document, params: ScanParams) -> DocFeatures:
    """Analyze ``doc`` and keep what the corpus-wide stages read."""
    return features_of(analyze(doc), params)


def doc_signature(a: DocAnalysis, params: ScanParams) -> np.ndarray:
    """MinHash signature (uint32, shape ``(num_perm,)``) of the document's word shingles,
    the input of document-level LSH in the scan and in the index."""
    return np.asarray(signatures([shingles(a.tokens.hashes, params.shingle_words)],
                                 num_perm=params.num_perm, seed=params.seed)[0])  # fmt: skip


def features_of(a: DocAnalysis, params: ScanParams) -> DocFeatures:
    """:class:`DocFeatures` of an analysis."""
    every = np.arange(a.n_passages)
    stem_passage, stems = a.feature_table(every)
    bigram_passage, bigrams = bigram_rows(a, every)
    term_passage, terms = _term_rows(a)
    signature = doc_signature(a, params)
    fingerprint_passage, fingerprints = _fingerprint_rows(a)
    return DocFeatures(
        doc=a.doc,
        line_starts=a.line_starts,
        line_ends=a.line_ends,
        line_words=a.line_words,
        line_hashes=a.line_hashes,
        line_closed=a.line_closed,
        passage_lines=a.passage_lines.astype(np.int32),
        stem_passage=stem_passage.astype(np.int32),
        stems=stems,
        bigram_passage=bigram_passage.astype(np.int32),
        bigrams=bigrams,
        term_passage=term_passage,
        terms=terms,
        signature=signature,
        fingerprint_passage=fingerprint_passage,
        fingerprints=fingerprints,
        fingerprint_gaps=gaps(a.fingerprint_at, a.tokens.units),
        n_tokens=len(a.tokens),
    )


_ARRAYS = tuple(f.name for f in fields(DocFeatures) if f.name not in ("doc", "n_tokens"))
_PASSAGE_NUMBERS = ("passage_lines", "stem_passage", "bigram_passage", "term_passage",
                    "fingerprint_passage")  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeatureBatch:
    """The :class:`DocFeatures` of a few documents, packed for the trip from a worker.

    Each array field of the documents is concatenated in ``arrays`` (by field
    name), with ``lengths[k, f]`` the length of field ``f`` of document ``k``; the
    texts stay behind. Pickling a dozen large arrays costs a fraction of pickling
    a dozen small ones a document (per document, pickling and unpickling
    ``DocFeatures`` took as long as computing them).
    """

    arrays: dict[str, np.ndarray]
    lengths: np.ndarray
    n_tokens: np.ndarray
    languages: tuple[str | None, ...]  # of the documents, as analysis found them

    def unpack(self, docs: Sequence[Document]) -> list[DocFeatures]:
        """The documents' features (views of the batch's arrays), ``docs`` in batch order."""
        ends = np.cumsum(self.lengths, axis=0)
        bounds = zip((ends - self.lengths).tolist(), ends.tolist(), strict=True)
        # An empty column stands for each of its views: no array object a document.
        columns = [self.arrays[name] for name in _ARRAYS]
        out = []
        rows = zip(docs, self.languages, bounds, self.n_tokens.tolist(), strict=True)
        for doc, language, (first, last), n in rows:
            parts = {name: c[lo:hi] if len(c) else c
                     for name, c, lo, hi in zip(_ARRAYS, columns, first, last, strict=True)}
            if doc.language != language:
                doc = replace(doc, language=language)
            out.append(DocFeatures(doc=doc, n_tokens=int(n), **parts))
        return out


def feature_batch(docs: Sequence[Document], params: ScanParams) -> FeatureBatch:
    """:func:`doc_features` of ``docs``, packed (see :class:`FeatureBatch`)."""
    return packed([doc_features(d, params) for d in docs])


def packed(feats: Sequence[DocFeatures]) -> FeatureBatch:
    """``feats`` as one :class:`FeatureBatch` (their documents' texts are not in it)."""
    lengths = np.array([[len(getattr(f, name)) for name in _ARRAYS] for f in feats],
                       dtype=np.int64).reshape(len(feats), len(_ARRAYS))  # fmt: skip
    arrays = {name: np.concatenate([getattr(f, name) for f in feats]) if feats else np.zeros(0)
              for name in _ARRAYS}  # fmt: skip
    for name in _PASSAGE_NUMBERS:
        arrays[name] = _narrowed(arrays[name])
    n_tokens = np.array([f.n_tokens for f in feats], dtype=np.int64)
    return FeatureBatch(arrays, lengths, n_tokens, tuple(f.doc.language for f in feats))


def _narrowed(numbers: np.ndarray) -> np.ndarray:
    """``numbers`` (passage or line numbers within a document) as int16 when all fit.

    A scan holds every document's features from analysis until the corpus tables are
    built; their passage numbers are a sixth of those bytes in int32, and a document
    rarely has 32,768 passages.
    """
    if len(numbers) and int(numbers.max()) < np.iinfo(np.int16).max:
        return numbers.astype(np.int16)
    return numbers


def _fingerprint_rows(a: DocAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """Passage (int32) of each fingerprint of ``a`` (of its first word), and its hash."""
    last = max(a.n_passages - 1, 0)
    passage = np.minimum(np.searchsorted(a.passage_tok_hi, a.fingerprint_at, side="right"), last)
    return passage.astype(np.int32), a.fingerprint_hashes


def _term_rows(a: DocAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """Passage (int32) and term hash of every content word that lies in a passage, in
    text order (see :func:`_terms`)."""
    room = int(np.maximum(a.passage_tok_hi - a.passage_tok_lo, 0).sum())
    passage, terms = np.empty(room, np.int32), np.empty(room, np.uint64)
    content, hashes = _terms(a)
    n = _content_rows(a.passage_tok_lo, a.passage_tok_hi, content, hashes, passage, terms)
    return passage[:n], terms[:n]


def _terms(a: DocAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """Which tokens are TF-IDF terms, and their hashes: each content word; in scripts
    written without spaces, where a token is one character, its feature (the pair of it
    and the next character it touches, :func:`dedup.analysis.shingle.tokenize`)."""
    t = a.tokens
    return t.content, np.where(t.units < WORD_UNITS, t.stems, t.hashes)


@compiled
def _content_rows(lo: np.ndarray, hi: np.ndarray, content: np.ndarray, hashes: np.ndarray,
                  passage: np.ndarray, terms: np.ndarray) -> int:  # fmt: skip
    """Write rows ``(k, hashes[t])`` for every content token ``t`` in ``[lo[k], hi[k])``, in
    order, to ``passage`` and ``terms``; returns how many (the caller allocates: numba
    compiles each array constructor a loop uses, on a first run)."""
    row = 0
    for k in range(len(lo)):
        for t in range(lo[k], hi[k]):
            if content[t]:
                passage[row], terms[row] = k, hashes[t]
                row += 1
    return row


def usable_rows(passage: np.ndarray, values: np.ndarray,
                usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Rows ``(passage, values)`` of ``usable`` passages, passages renumbered ``0..`` over them."""
    if usable.all():  # most documents: nothing to drop or renumber
        return passage.astype(np.int64), values
    keep = usable[passage]
    renumber = np.cumsum(usable) - 1
    return renumber[passage[keep]].astype(np.int64), values[keep]


def bigram_rows(a: DocAnalysis, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of adjacent content-word stem pairs inside each passage of ``passages``.

    Returns
    -------
    passage, bigrams : ndarray of int64 and ndarray of uint64, shape (m,)
        Rows sorted by passage (numbered as in ``passages``) then bigram, one per
        distinct bigram of a passage.
    """
    lo, hi = a.passage_tok_lo[passages], a.passage_tok_hi[passages]
    content_before = np.concatenate(([0], np.cumsum(a.tokens.content)))
    n = int(np.maximum(content_before[hi] - content_before[lo] - 1, 0).sum())
    owner, grams = np.empty(n, np.int64), np.empty(n, np.uint64)
    end = _bigram_rows(lo, hi, a.tokens.content, a.tokens.stems, owner, grams)
    return owner[:end], grams[:end]


@compiled
def _bigram_rows(lo: np.ndarray, hi: np.ndarray, content: np.ndarray, stems: np.ndarray,
                 owner: np.ndarray, grams: np.ndarray) -> int:  # fmt: skip
    """:func:`bigram_rows` of the passages of tokens ``[lo[k], hi[k])``, written to the
    first rows of ``owner`` and ``grams`` (room for every bigram); returns the rows used."""
    end = 0
    for k in range(len(lo)):
        first = end
        prev = np.uint64(0)
        seen = False
        for t in range(lo[k], hi[k]):
            if content[t]:
                if seen:
                    grams[end] = fmix64_one(prev * _R + stems[t])
                    end += 1
                prev, seen = stems[t], True
        heapsort(grams, first, end)
        last = end
        end = first
        for g in range(first, last):
            if g == first or grams[g] != grams[g - 1]:
                grams[end], owner[end] = grams[g], k
                end += 1
    return end
