"""Document pairs sharing a run of words, and how many documents hold each fingerprint.

Stage: each document's fingerprints (:class:`~dedup.candidates.features.DocFeatures`, on passages
off chrome lines) -> keyed rows -> per key, the documents holding it
(:mod:`dedup.analysis.fingerprints`). The rows of one document come from :func:`run_rows` and
:func:`print_rows`; an engine groups them by key (every row of a key reaches one call of
:func:`run_groups` or :func:`print_groups`) and the results of the groups are combined by
:func:`word_run_candidates`. No corpus-wide table is needed before the grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.analysis.fingerprints import (
    Frequency,
    document_frequency,
    merged_frequency,
    run_keys,
    run_pairs,
)
from dedup.candidates.features import DocFeatures
from dedup.core.arrays import unique_sorted
from dedup.core.pairs import code_set

KeyedRows = tuple[np.ndarray, np.ndarray]  # keys (uint64) and a value (int64) per key


@dataclass(frozen=True, slots=True)
class RunCandidates:
    """Document pairs sharing a run of words (:mod:`dedup.analysis.fingerprints`): ``pairs`` and
    their ``codes`` (``i * n + j``), the corpus's ``frequency`` of each fingerprint, and
    the fingerprints ``skipped`` for being in too many documents."""

    pairs: set[tuple[int, int]]
    codes: np.ndarray
    frequency: Frequency
    skipped: int


def _usable_prints(f: DocFeatures, chrome: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The fingerprints of ``f`` on usable passages, their numbers in ``f``'s sequence
    and their gaps."""
    usable = f.usable(chrome)
    keep = usable[f.fingerprint_passage] if len(usable) else np.zeros(0, bool)
    return f.fingerprints[keep], np.flatnonzero(keep).astype(np.int64), f.fingerprint_gaps[keep]


def run_rows(d: int, f: DocFeatures, chrome: np.ndarray) -> KeyedRows:
    """Document ``d``'s runs of words (:func:`dedup.analysis.fingerprints.run_keys`), keyed by run;
    ``chrome`` is a bool per line of ``f``."""
    prints, ordinal, gap = _usable_prints(f, chrome)
    doc, keys = run_keys(np.full(len(prints), d, np.int64), prints, ordinal, gap)
    return keys, doc


def print_rows(d: int, f: DocFeatures, chrome: np.ndarray) -> KeyedRows:
    """Document ``d``'s fingerprints, keyed by fingerprint; ``chrome`` as for :func:`run_rows`."""
    prints, _, _ = _usable_prints(f, chrome)
    return prints, np.full(len(prints), d, np.int64)


def run_groups(rows: KeyedRows, n_docs: int, max_docs: int) -> tuple[np.ndarray, int]:
    """:func:`dedup.analysis.fingerprints.run_pairs` of every key of ``rows`` (of
    :func:`run_rows`)."""
    keys, doc = rows
    return run_pairs(doc, keys, n_docs, max_docs)


def print_groups(rows: KeyedRows) -> Frequency:
    """The :class:`Frequency` of every fingerprint of ``rows`` (of :func:`print_rows`)."""
    prints, doc = rows
    return document_frequency(doc, prints)


def word_run_candidates(runs: Sequence[tuple[np.ndarray, int]], prints: Sequence[Frequency],
                        n_docs: int) -> RunCandidates:  # fmt: skip
    """:class:`RunCandidates` of the groups' results: ``runs`` of :func:`run_groups`,
    ``prints`` of :func:`print_groups`, over ``n_docs`` documents."""
    codes = unique_sorted(np.concatenate([c for c, _ in runs] + [np.zeros(0, np.int64)]))
    return RunCandidates(code_set(codes, n_docs), codes, merged_frequency(prints),
                         sum(s for _, s in runs))  # fmt: skip
