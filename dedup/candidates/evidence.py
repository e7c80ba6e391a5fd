"""The evidence pre-test: alignment's test of rare shared words, on passage pairs in bulk.

A colliding passage pair makes its documents a candidate only when it passes
alignment's evidence test (rare shared words: weighted overlap >=
``match_min_weight`` and Dice >= ``match_similarity`` or containment >=
``match_containment``), one compiled merge of the two passages' sorted stems a
pair; pairs that collided on common words alone are never aligned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.candidates.similarity import is_evidence
from dedup.core.kernels import compiled
from dedup.core.params import ScanParams

_EPS = 1e-9  # slack for the evidence pre-test: alignment sums the same weights in another order

# The compiled loops of this module allocate nothing: their callers do, in numpy. On a
# first run numba compiles each array constructor a loop uses, for each dtype.


@dataclass(frozen=True)
class EvidenceTable:
    """The stems the evidence pre-test reads.

    Passage ``p`` holds stem ranks ``key[starts[p]:starts[p + 1]]`` (sorted, distinct),
    rank ``k`` weighs ``idf[k]``, and ``totals[p]`` is the weight of all of passage
    ``p``'s stems (float64, summed in row order).
    """

    starts: np.ndarray
    key: np.ndarray
    idf: np.ndarray
    totals: np.ndarray


def evidence_table(starts: np.ndarray, key: np.ndarray, idf: np.ndarray) -> EvidenceTable:
    """The :class:`EvidenceTable` of passages ``[starts[p], starts[p + 1])`` of ``key``."""
    totals = np.zeros(len(starts) - 1)
    _passage_totals(starts, key, idf, totals)
    return EvidenceTable(starts, key, idf, totals)


def passage_evidence(table: EvidenceTable, pairs: np.ndarray, params: ScanParams) -> np.ndarray:
    """Alignment's evidence test for passage pairs ``(p, q)`` (bool per pair).

    Shared weight, weighted Dice and weighted containment as in
    :func:`dedup.candidates.similarity.passage_similarity`, with a hair of slack so that no pair
    alignment would accept is dropped for a rounding difference.

    Parameters
    ----------
    table : EvidenceTable
        The passages' stems and weights.
    pairs : ndarray of int64, shape (k, 2)
    """
    shared = np.zeros(len(pairs))
    _shared_weights(table.starts, table.key, table.idf, pairs, shared)
    wa, wb = table.totals[pairs[:, 0]], table.totals[pairs[:, 1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = np.nan_to_num(2 * shared / (wa + wb))
        containment = np.nan_to_num(shared / np.minimum(wa, wb))
    return is_evidence(shared, dice, containment, params, slack=_EPS)


@compiled
def _passage_totals(starts: np.ndarray, key: np.ndarray, idf: np.ndarray,
                    totals: np.ndarray) -> None:  # fmt: skip
    """Add the weight of each passage's features to ``totals`` (float64), in row order."""
    for p in range(len(totals)):
        for r in range(starts[p], starts[p + 1]):
            totals[p] += idf[key[r]]


@compiled
def _shared_weights(starts: np.ndarray, key: np.ndarray, idf: np.ndarray, pairs: np.ndarray,
                    shared: np.ndarray) -> None:  # fmt: skip
    """Add to ``shared[k]`` (float64) the weight of the features both passages of pair
    ``k`` hold, in row order, by a merge of the two sorted row ranges."""
    for k in range(len(pairs)):
        i, i_end = starts[pairs[k, 0]], starts[pairs[k, 0] + 1]
        j, j_end = starts[pairs[k, 1]], starts[pairs[k, 1] + 1]
        while i < i_end and j < j_end:
            if key[i] < key[j]:
                i += 1
            elif key[i] > key[j]:
                j += 1
            else:
                shared[k] += idf[key[i]]
                i += 1
                j += 1
