"""Which document pairs a report lists: the filters of ``dedup scan``."""

from __future__ import annotations

from dataclasses import replace

from dedup.core.records import PairScore, ScanResult


def select_pairs(result: ScanResult, *, cross_source: bool = False, min_reused: int = 0,
                 min_score: float = 0.0) -> ScanResult:  # fmt: skip
    """``result`` listing only the pairs that pass every filter, and only their matches.

    Parameters
    ----------
    result : ScanResult
        A scan's result.
    cross_source : bool
        Keep only pairs whose two documents have different sources.
    min_reused : int
        Reused characters (``PairScore.reused_chars``) a pair needs at the least.
    min_score : float
        Score (``PairScore.score``, in [0, 1]) a pair needs at the least.

    Returns
    -------
    ScanResult
        The same result with ``pairs`` and ``matches`` narrowed (ranks kept); document,
        source, family and corpus scores still describe the whole corpus.
    """
    source = {d.id: d.source for d in result.document_scores}

    def passes(p: PairScore) -> bool:
        return ((not cross_source or source[p.a] != source[p.b])
                and p.reused_chars >= min_reused and p.score >= min_score)  # fmt: skip

    pairs = tuple(p for p in result.pairs if passes(p))
    if len(pairs) == len(result.pairs):
        return result
    kept = {(p.a, p.b) for p in pairs}
    matches = tuple(m for m in result.matches if (min(m.a, m.b), max(m.a, m.b)) in kept)
    return replace(result, pairs=pairs, matches=matches)
