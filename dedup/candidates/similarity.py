"""Passage similarity of a document pair, sparse, and the seed test of reuse.

Steps 1 and 2 of :mod:`dedup.alignment.align`: only passage pairs that share a content
word are scored, by a join on sorted features in chunks of bounded size (shared
weight, weighted Dice, weighted containment of the lighter passage);
:func:`is_evidence` says which pairs are evidence of reuse. The pipeline's
pre-test of document pairs uses the same function, so it drops no pair
alignment could use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dedup.analysis.analyze import DocAnalysis, WeightedTable, Weights
from dedup.core.pairs import code_pairs, pair_codes
from dedup.core.params import ScanParams

_JOIN_CHUNK = 1 << 21  # (passage, passage, feature) triples joined at a time: bounds memory
_DENSE_PAIRS = 1 << 16  # passage pairs up to which the join sums into a table of them all


@dataclass(frozen=True, slots=True)
class PairSimilarity:
    """Passage pairs ``(p[k], q[k])`` of documents a and b that share content words.

    Arrays of equal length, sorted by ``(p, q)``: ``shared`` is the summed weight
    of the shared words, ``dice`` the weighted Dice coefficient and
    ``containment`` the shared weight over the lighter passage's weight.
    """

    p: np.ndarray  # int64, passage of a
    q: np.ndarray  # int64, passage of b
    shared: np.ndarray  # float64
    dice: np.ndarray  # float64 in [0, 1]
    containment: np.ndarray  # float64 in [0, 1]

    def __len__(self) -> int:
        return len(self.p)

    def subset(self, keep: np.ndarray) -> PairSimilarity:
        """The pairs where ``keep`` (bool, one per pair) is True."""
        return PairSimilarity(self.p[keep], self.q[keep], self.shared[keep], self.dice[keep],
                              self.containment[keep])  # fmt: skip


def passage_similarity(a: DocAnalysis, b: DocAnalysis, weights: Weights, *,
                       usable_a: np.ndarray, usable_b: np.ndarray,
                       keep: Callable[[PairSimilarity], np.ndarray]) -> PairSimilarity:  # fmt: skip
    """Shared weight, weighted Dice and weighted containment of passage pairs, sparse.

    Parameters
    ----------
    a, b : DocAnalysis
    weights : callable
        Weight in [0, 1] of content-word features.
    usable_a, usable_b : ndarray of bool, shape (n_passages,)
        Passages that take part (others share nothing).
    keep : callable
        Filter applied to each chunk of scored pairs (bool per pair), so that
        only the pairs a caller can use are held in memory.

    Returns
    -------
    PairSimilarity
        The kept pairs that share at least one content word. Memory is bounded
        by ``_JOIN_CHUNK`` feature matches plus the kept pairs, whatever the
        number of passages.
    """
    pa, fa, wa = _usable_rows(a.weighted(weights), usable_a)
    pb, fb, wb = _usable_rows(b.weighted(weights), usable_b)
    total_a = np.bincount(pa, weights=wa, minlength=a.n_passages)
    total_b = np.bincount(pb, weights=wb, minlength=b.n_passages)
    order = np.argsort(fb, kind="stable")
    fb, pb = fb[order], pb[order]
    lo = np.searchsorted(fb, fa, side="left")
    hits = np.searchsorted(fb, fa, side="right") - lo
    parts = [
        _join_chunk(pa[r0:r1], wa[r0:r1], lo[r0:r1], hits[r0:r1], pb, total_a, total_b, keep)
        for r0, r1 in _chunks(pa, hits)
    ]
    if len(parts) == 1:
        return PairSimilarity(*parts[0])
    if not parts:
        empty = np.zeros(0)
        return PairSimilarity(empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty)
    return PairSimilarity(*(np.concatenate(cols) for cols in zip(*parts, strict=True)))


def _usable_rows(table: WeightedTable, usable: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Passage, feature and weight of the rows of ``table`` whose passage is usable."""
    keep = usable[table.passage]
    return table.passage[keep], table.features[keep], table.weights[keep]


def _chunks(passages: np.ndarray, hits: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges ``[r0, r1)`` of ``passages`` (sorted) with about ``_JOIN_CHUNK`` hits
    each (more only when one passage alone has more), never cutting a passage."""
    if not len(passages):
        return []
    if hits.sum() <= _JOIN_CHUNK:  # the usual document pair: one chunk
        return [(0, len(passages))]
    firsts = np.flatnonzero(np.concatenate(([True], passages[1:] != passages[:-1])))
    before = (np.cumsum(hits) - hits)[firsts]  # hits before each passage's first row
    bucket = before // _JOIN_CHUNK
    cuts = firsts[np.concatenate(([True], bucket[1:] != bucket[:-1]))]
    ends = [*cuts[1:].tolist(), len(passages)]
    return list(zip(cuts.tolist(), ends, strict=True))


def _join_chunk(pa: np.ndarray, wa: np.ndarray, lo: np.ndarray, hits: np.ndarray,
                pb: np.ndarray, total_a: np.ndarray, total_b: np.ndarray,
                keep: Callable[[PairSimilarity], np.ndarray]
                ) -> tuple[np.ndarray, ...]:  # fmt: skip
    """Scored pairs of a's rows ``pa`` (whole passages) against all of b's rows."""
    firsts = np.cumsum(hits) - hits
    rows = np.repeat(np.arange(len(pa)), hits)
    q = pb[np.repeat(lo - firsts, hits) + np.arange(int(hits.sum()))]
    n_pairs = len(total_a) * len(total_b)
    codes = pair_codes(pa[rows], q, len(total_b))
    if n_pairs <= _DENSE_PAIRS:  # bincount adds each pair's weights in the order unique's would
        pairs = np.flatnonzero(np.bincount(codes, minlength=n_pairs))
        shared = np.bincount(codes, weights=wa[rows], minlength=n_pairs)[pairs]
    else:
        pairs, inverse = np.unique(codes, return_inverse=True)
        shared = np.bincount(inverse, weights=wa[rows], minlength=len(pairs))
    p, q = code_pairs(pairs, len(total_b))
    ta, tb = total_a[p], total_b[q]
    # A passage of weight 0 shares weight 0: its Dice and containment are 0.
    both, lighter = ta + tb, np.minimum(ta, tb)
    dice = np.minimum(np.divide(2 * shared, both, out=np.zeros(len(p)), where=both > 0), 1.0)
    containment = np.minimum(
        np.divide(shared, lighter, out=np.zeros(len(p)), where=lighter > 0), 1.0
    )
    sim = PairSimilarity(p, q, shared, dice, containment)
    sim = sim.subset(keep(sim))
    return sim.p, sim.q, sim.shared, sim.dice, sim.containment


def is_evidence(shared: np.ndarray, dice: np.ndarray, containment: np.ndarray,
                params: ScanParams, slack: float = 0.0) -> np.ndarray:  # fmt: skip
    """Step 2's seed test, elementwise: is a passage pair evidence of reuse (bool array)?

    ``slack`` lowers every threshold a hair, for a pre-test that must keep every
    pair the exact test would accept (the pipeline's, which sums weights in
    another order).
    """
    return (shared >= params.match_min_weight - slack) & (
        (dice >= params.match_similarity - slack)
        | (containment >= params.match_containment - slack)
    )
