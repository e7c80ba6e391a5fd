"""Winnowed word n-gram fingerprints: document pairs that share runs of identical words.

Stage: tokens -> fingerprints (per document), then the corpus's fingerprints ->
document pairs to align. The passage indexes of :mod:`dedup.candidates.passage_lsh` meet
sentences alike in their rare words; these meet documents that share a run of
words whatever sentences it sits in, so word-level alignment sees every pair
sharing a long run.

Winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for
document fingerprinting", SIGMOD 2003): of every window of consecutive word n-gram
hashes, the smallest is a fingerprint. Grams and windows are measured in words
(:mod:`dedup.analysis.unit_grams`): a gram is the fewest tokens from its start that weigh
more than ``GRAM_WORDS`` words, a window the grams starting in the fewest tokens
that weigh as much. In a script written with spaces both are four words: two
documents sharing a run of 7 words share a fingerprint, a run of 11 words two, and
some 2 / 5 of the n-grams are kept. In any mix of scripts a run of 11 words holds
two windows one after the other (each weighs at most 4 words), so every run of the
verbatim floor's 12 words holds two fingerprints. Within a shared run the two
documents select the same fingerprints, one after the other in both, the same
number of words apart: documents holding the same fingerprints one after the other,
as far apart, are a pair (:func:`run_keys`).

Two fingerprints one word apart are the grams of a mere five words (``of the the the
the``, ``said in a statement on``): chance meets them in documents that share nothing
else. In a run of 12 words (each token a word) the first and last fingerprints both
documents select there are two words apart at the least (the first starts in the run's
first four words, the last in its five words before its last gram), so a run key
reaches from a fingerprint to the first one two words on or more: six words or more,
and every floor run still holds a key. Where a token weighs less than a word (scripts
written without spaces) two fingerprints one after the other are a key, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from dedup.analysis.shingle import WORD_UNITS, fmix64
from dedup.analysis.unit_grams import unit_grams
from dedup.core.arrays import first_rows, runs, sort_values, unique_sorted
from dedup.core.kernels import compiled
from dedup.core.pairs import pair_codes

GRAM_WORDS = 3  # a gram (and a window) weighs more than this many words

_PAIRS_AT_ONCE = 1 << 24
_R = np.uint64(0x9E3779B97F4A7C15)  # document pairs enumerated at a time


def fingerprints(tokens: np.ndarray, units: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The fingerprints of a token sequence: in each window of word n-grams, the one of
    smallest hash (the leftmost of equal ones).

    Parameters
    ----------
    tokens, units : ndarray of uint64 and ndarray of int64
        Token hashes and lengths in units (tenths of a word), in text order.

    Returns
    -------
    at, ends, hashes : ndarray of int64, int64 and uint64
        Start token of each fingerprint's n-gram (ascending, distinct), its end (tokens
        ``[at, ends)``) and its hash.
    """
    gram_ends, grams = unit_grams(tokens, units, GRAM_WORDS * WORD_UNITS + 1)
    if not len(grams):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint64)
    window_ends = gram_ends[gram_ends <= len(grams)]  # windows weigh what grams weigh
    if not len(window_ends):
        at = np.array([int(np.argmin(grams))], dtype=np.int64)
    else:
        at = _window_minima(grams, window_ends)
        at = at[np.concatenate(([True], at[1:] != at[:-1]))]  # non-decreasing: drop repeats
    return at, gram_ends[at], grams[at]


@compiled
def _window_minima(grams: np.ndarray, window_ends: np.ndarray) -> np.ndarray:
    """Index of the leftmost smallest of ``grams[i:window_ends[i]]`` for each ``i``
    (int64), ends non-decreasing: a queue of the candidates, ascending in hash."""
    out = np.empty(len(window_ends), np.int64)
    queue = np.empty(len(grams), np.int64)
    head = tail = end = 0
    for i in range(len(window_ends)):
        while end < window_ends[i]:
            while tail > head and grams[queue[tail - 1]] > grams[end]:
                tail -= 1
            queue[tail] = end
            tail += 1
            end += 1
        while queue[head] < i:
            head += 1
        out[i] = queue[head]
    return out


@dataclass(frozen=True, slots=True)
class Frequency:
    """How many documents of a corpus hold each fingerprint: ``keys`` (sorted) held by
    two documents or more, ``counts`` theirs; any other is held by one. Called with an
    array of fingerprint hashes, gives their counts (int64), less ``reprints`` for those
    of ``keys`` (:meth:`without_reprints`)."""

    keys: np.ndarray
    counts: np.ndarray
    reprints: int = 0

    def __call__(self, hashes: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.ones(len(hashes), np.int64)
        at = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        return np.where(self.keys[at] == hashes, self.counts[at] - self.reprints, 1)

    def without_reprints(self, reprints: int) -> Frequency:
        """The counts of a pair of documents of which ``reprints`` other documents are
        reprints: a text and its reprints count once, so that a passage a document takes
        from a wire story is not a stock phrase because other sites reprinted that story."""
        return replace(self, reprints=reprints)


def document_frequency(doc: np.ndarray, prints: np.ndarray) -> Frequency:
    """The :class:`Frequency` of a corpus's fingerprint rows.

    Parameters
    ----------
    doc, prints : ndarray of int64 and ndarray of uint64, shape (m,)
        The corpus's fingerprint rows (a document may list one several times).
    """
    keys, counts = runs(sort_values(prints[_distinct_rows(doc, prints)]))
    keep = counts >= 2  # held by one document: nothing to look up
    return Frequency(keys[keep], counts[keep].astype(np.int64))


def merged_frequency(parts: Iterable[Frequency]) -> Frequency:
    """One :class:`Frequency` of the frequencies of disjoint sets of fingerprints."""
    got = list(parts)
    keys = np.concatenate([f.keys for f in got] + [np.zeros(0, np.uint64)])
    counts = np.concatenate([f.counts for f in got] + [np.zeros(0, np.int64)])
    order = np.argsort(keys, kind="stable")
    return Frequency(keys[order], counts[order])


def _distinct_rows(doc: np.ndarray, prints: np.ndarray) -> np.ndarray:
    """Indexes of the first row of each distinct ``(doc, fingerprint)``, sorted by
    fingerprint, then document."""
    return first_rows(doc, prints)


def gaps(at: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Per fingerprint, the words from its start to the next one's (uint8, at most 255), or
    0 when a token between them weighs less than a word (and for the last).

    Parameters
    ----------
    at : ndarray of int64
        Start token of each fingerprint (ascending, :func:`fingerprints`).
    units : ndarray of int64
        Length of every token in units (tenths of a word).
    """
    out = np.zeros(len(at), np.uint8)
    if len(at) < 2:
        return out
    partial = np.concatenate(([0], np.cumsum(units != WORD_UNITS)))
    whole = partial[at[1:]] == partial[at[:-1]]
    out[:-1] = np.where(whole, np.minimum(at[1:] - at[:-1], 255), 0)
    return out


def run_keys(doc: np.ndarray, prints: np.ndarray, ordinal: np.ndarray, gap: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The runs of words in fingerprint rows: a key per fingerprint and the next ones it
    takes to reach two words on (see the module), and that document.

    Parameters
    ----------
    doc, prints, ordinal, gap : ndarray of int64, uint64, int64 and uint8, shape (m,)
        Fingerprint rows in document order: document, hash, the fingerprint's number in
        its document's sequence of fingerprints and its :func:`gaps`.

    Returns
    -------
    doc, keys : ndarray of int64 and uint64
        Two documents sharing a key share the run (:func:`run_pairs`).
    """
    follows = (doc[1:] == doc[:-1]) & (ordinal[1:] == ordinal[:-1] + 1)
    step = gap[:-1].astype(np.uint64)
    with np.errstate(over="ignore"):
        first = fmix64((prints[:-1] * _R + prints[1:]) * _R + step)
        pair = follows & (gap[:-1] != 1)
        third = np.zeros(len(follows), bool)
        third[:-1] = follows[:-1] & (gap[:-2] == 1) & follows[1:]
        pair[:-1] |= third[:-1] & (gap[1:-1] == 0)  # the next step not in words: two suffice
        third[:-1] &= gap[1:-1] != 0
        longer = fmix64((first[:-1][third[:-1]] * _R + prints[2:][third[:-1]]) * _R
                        + step[1:][third[:-1]])  # fmt: skip
    at = np.flatnonzero(pair | third)
    keys = np.empty(len(at), np.uint64)
    keys[pair[at]] = first[pair]
    keys[third[at]] = longer
    return doc[:-1][at], keys


def run_pairs(doc: np.ndarray, keys: np.ndarray, n_docs: int,
              max_docs: int) -> tuple[np.ndarray, int]:  # fmt: skip
    """Document pairs sharing a run of words: a key of :func:`run_keys` in both.

    Parameters
    ----------
    doc, keys : ndarray of int64 and uint64, shape (m,)
        Rows of :func:`run_keys`, in any order; every row of a key must be here.
    n_docs : int
    max_docs : int
        Keys found in more documents than this (stock phrases) pair none of them.

    Returns
    -------
    codes : ndarray of int64
        ``i * n_docs + j`` (``i < j``) of each pair, ascending.
    skipped : int
        Keys left out for being in more than ``max_docs`` documents.
    """
    order = _distinct_rows(doc, keys)  # sorted by key
    doc = doc[order]
    _, sizes = runs(keys[order])
    firsts = np.cumsum(sizes) - sizes
    keep = (sizes >= 2) & (sizes <= max_docs)
    skipped = int((sizes > max_docs).sum())
    firsts, sizes = firsts[keep], sizes[keep]
    codes = [np.zeros(0, np.int64)]
    for size in np.unique(sizes).tolist():  # buckets of one size pair in one array pass
        starts = firsts[sizes == size]
        left, right = np.triu_indices(size, k=1)
        step = max(1, _PAIRS_AT_ONCE // len(left))
        for lo in range(0, len(starts), step):
            block = starts[lo : lo + step]
            i = doc[block[:, None] + left[None, :]].ravel()  # ascending within a bucket
            j = doc[block[:, None] + right[None, :]].ravel()
            codes.append(pair_codes(i, j, n_docs))
    return unique_sorted(np.concatenate(codes)), skipped
