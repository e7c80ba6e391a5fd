"""Verify a candidate document pair and align its reused passages into maximal spans.

Stage: two analyses + passage weights -> reuse matches. Every passage of one
document is compared with every passage of the other (the pair is already a
candidate, so this is cheap and misses nothing LSH missed inside it):

1. A passage pair is *evidence of reuse* when the content words the two share
   are rare enough (summed weight >= ``match_min_weight``, weights being IDF
   scaled to [0, 1]) and cover both passages (weighted Dice >= ``match_similarity``)
   or the smaller one (weighted containment >= ``match_containment``, which
   lets a sentence merged into a longer one match both of its parts).
2. Of those, a pair is kept when each passage is the other's best counterpart,
   or one of them is (a merged sentence is the best of both its parts).
3. Kept pairs that follow each other on both sides (steps of 0 or 1 passage)
   merge into one span; identical neighbouring passages (short sentences
   such as ``No.`` that carry no evidence alone) extend a span.
4. Each span gets a kind from its word sequences: ``verbatim`` when they are
   identical, ``light`` when difflib's ratio >= ``light_similarity``, else
   ``heavy``. When nearly all the words the two spans share form one run of
   eight words or more, the match is that verbatim run, trimmed to it (a
   copied clause inside otherwise different sentences).
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher

import numpy as np

from dedup.analyze import DocAnalysis
from dedup.params import ScanParams
from dedup.records import Match, ReuseKind

Weights = Callable[[np.ndarray], np.ndarray]  # feature hashes -> weights in [0, 1]
_TRIM_MIN_WORDS = 8  # a verbatim run this long is evidence on its own
_EDGE_MIN_WORDS = 4  # fewer differing words at an end are an edit, not a boundary
_OPENING = frozenset("\"'(\u201c\u2018\u00ab")
_CLOSING = frozenset("\"').,;:!?\u201d\u2019\u00bb\u2026")
_PARTIAL_SLACK = 0.1  # share of matched words that may lie outside the longest run
_EVIDENCE_WORDS = 8


def passage_similarity(a: DocAnalysis, b: DocAnalysis, weights: Weights, *,
                       usable_a: np.ndarray, usable_b: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Shared weight, weighted Dice and weighted containment for all passage pairs.

    Returns
    -------
    shared, dice, containment : ndarray of float64, shape (a.n_passages, b.n_passages)
        Zero for passages not ``usable``.
    """
    feats_a = [a.passage_features(k) if usable_a[k] else np.zeros(0, np.uint64)
               for k in range(a.n_passages)]  # fmt: skip
    feats_b = [b.passage_features(k) if usable_b[k] else np.zeros(0, np.uint64)
               for k in range(b.n_passages)]  # fmt: skip
    vocab = np.unique(np.concatenate([*feats_a, *feats_b, np.zeros(0, np.uint64)]))
    w = weights(vocab)
    pa = _incidence(feats_a, vocab) * w
    pb = _incidence(feats_b, vocab)
    shared = pa @ pb.T
    wa, wb = pa.sum(axis=1), pb @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = np.nan_to_num(2 * shared / (wa[:, None] + wb[None, :]))
        containment = np.nan_to_num(shared / np.minimum(wa[:, None], wb[None, :]))
    return shared, dice, containment


def is_evidence(shared: np.ndarray, dice: np.ndarray, containment: np.ndarray,
                params: ScanParams, slack: float = 0.0) -> np.ndarray:  # fmt: skip
    """Step 1's test, elementwise: is a passage pair evidence of reuse (bool array)?

    ``slack`` lowers every threshold a hair, for a pre-test that must keep every
    pair the exact test would accept (the pipeline's, which sums weights in
    another order).
    """
    return (shared >= params.match_min_weight - slack) & (
        (dice >= params.match_similarity - slack)
        | (containment >= params.match_containment - slack)
    )


def _incidence(feats: list[np.ndarray], vocab: np.ndarray) -> np.ndarray:
    m = np.zeros((len(feats), len(vocab)))
    for k, f in enumerate(feats):
        m[k, np.searchsorted(vocab, f)] = 1.0
    return m


def align(a: DocAnalysis, b: DocAnalysis, weights: Weights, params: ScanParams, *,
          usable_a: np.ndarray, usable_b: np.ndarray) -> list[Match]:  # fmt: skip
    """Reuse matches between documents ``a`` and ``b`` (oriented a -> b).

    Parameters
    ----------
    a, b : DocAnalysis
    weights : callable
        Weight in [0, 1] of content-word features (rarer is heavier).
    params : ScanParams
    usable_a, usable_b : ndarray of bool, shape (n_passages,)
        Passages that may carry reuse (not site chrome).

    Returns
    -------
    list of Match
        Non-overlapping spans, ordered by their start in ``a``; kinds are
        ``verbatim``, ``light`` or ``heavy``.
    """
    shared, dice, containment = passage_similarity(
        a, b, weights, usable_a=usable_a, usable_b=usable_b
    )
    evidence = is_evidence(shared, dice, containment, params)
    if not evidence.any():
        return []
    strength = np.where(evidence, dice + containment, 0.0)
    best_for_a = strength.argmax(axis=1)
    best_for_b = strength.argmax(axis=0)
    kept = [(i, j) for i, j in zip(*np.nonzero(evidence), strict=True)
            if best_for_a[i] == j or best_for_b[j] == i]  # fmt: skip
    matches = []
    for run in _chain(sorted(kept)):
        run = _extend_identical(run, a, b, usable_a, usable_b)
        score = float(np.mean([dice[i, j] if (i, j) in kept else 1.0 for i, j in run]))
        matches.append(_span_match(a, b, run, score, weights, params))
    return sorted(matches, key=lambda m: (m.a_start, m.b_start))


def _chain(pairs: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Group pairs into runs whose steps are 0 or 1 passage on both sides."""
    runs: list[list[tuple[int, int]]] = []
    for i, j in pairs:
        fits = [r for r in runs if 0 <= i - r[-1][0] <= 1 and 0 <= j - r[-1][1] <= 1]
        if fits:
            min(fits, key=lambda r: j - r[-1][1]).append((i, j))
        else:
            runs.append([(i, j)])
    return runs


def _same_words(a: DocAnalysis, i: int, b: DocAnalysis, j: int) -> bool:
    ta = a.tokens.hashes[a.passage_tok_lo[i] : a.passage_tok_hi[i]]
    tb = b.tokens.hashes[b.passage_tok_lo[j] : b.passage_tok_hi[j]]
    return len(ta) > 0 and np.array_equal(ta, tb)


def _extend_identical(run: list[tuple[int, int]], a: DocAnalysis, b: DocAnalysis,
                      usable_a: np.ndarray, usable_b: np.ndarray) -> list[tuple[int, int]]:  # fmt: skip
    i, j = run[-1]
    while (
        i + 1 < a.n_passages
        and j + 1 < b.n_passages
        and usable_a[i + 1]
        and usable_b[j + 1]
        and _same_words(a, i + 1, b, j + 1)
    ):
        i, j = i + 1, j + 1
        run = [*run, (i, j)]
    i, j = run[0]
    while (
        i > 0 and j > 0 and usable_a[i - 1] and usable_b[j - 1] and _same_words(a, i - 1, b, j - 1)
    ):
        i, j = i - 1, j - 1
        run = [(i, j), *run]
    return run


def _span_match(a: DocAnalysis, b: DocAnalysis, run: list[tuple[int, int]], score: float,
                weights: Weights, params: ScanParams) -> Match:  # fmt: skip
    ia = sorted({i for i, _ in run})
    jb = sorted({j for _, j in run})
    a_lo, a_hi = int(a.passage_tok_lo[ia[0]]), int(a.passage_tok_hi[ia[-1]])
    b_lo, b_hi = int(b.passage_tok_lo[jb[0]]), int(b.passage_tok_hi[jb[-1]])
    a_start, a_end = int(a.passage_starts[ia[0]]), int(a.passage_ends[ia[-1]])
    b_start, b_end = int(b.passage_starts[jb[0]]), int(b.passage_ends[jb[-1]])
    words_a = a.tokens.hashes[a_lo:a_hi].tolist()
    words_b = b.tokens.hashes[b_lo:b_hi].tolist()
    kind: ReuseKind
    if words_a == words_b:
        kind, score = "verbatim", 1.0
    else:
        matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
        kind = "light" if matcher.ratio() >= params.light_similarity else "heavy"
        blocks = [blk for blk in matcher.get_matching_blocks() if blk.size]
        longest = max(blocks, key=lambda blk: blk.size) if blocks else None
        if (
            longest is not None
            and longest.size >= _TRIM_MIN_WORDS
            and (longest.size >= (1 - _PARTIAL_SLACK) * sum(blk.size for blk in blocks))
        ):
            # One verbatim run inside longer passages: trim the ends that lie far outside it.
            others = [blk for blk in blocks if blk is not longest]
            a_start, a_end, a_cut = _trimmed(a, a_lo, a_hi, longest.a, longest.size, a_start, a_end,
                                             [blk.a for blk in others])  # fmt: skip
            b_start, b_end, b_cut = _trimmed(b, b_lo, b_hi, longest.b, longest.size, b_start, b_end,
                                             [blk.b for blk in others])  # fmt: skip
            if a_cut and b_cut:
                kind, score = "verbatim", 1.0
    return Match(a.doc.id, b.doc.id, a_start, a_end, b_start, b_end, kind, round(score, 4),
                 _shared_words(a, a_lo, a_hi, b, b_lo, b_hi, weights))  # fmt: skip


def _trimmed(d: DocAnalysis, lo: int, hi: int, first: int, size: int, start: int, end: int,
             other_blocks: list[int]) -> tuple[int, int, bool]:  # fmt: skip
    """Trim ``[start, end)`` to tokens ``[lo + first, lo + first + size)`` at each end whose
    outside part has ``_EDGE_MIN_WORDS`` words or more and no other matched words; say
    whether nothing is left outside the run."""
    before, after = first, hi - (lo + first + size)
    matched_before = any(x < first for x in other_blocks)
    matched_after = any(x > first for x in other_blocks)
    text = d.doc.text
    if before >= _EDGE_MIN_WORDS and not matched_before:
        start, before = d.token_span(lo + first, lo + first + 1)[0], 0
        while start > 0 and text[start - 1] in _OPENING:
            start -= 1
    if after >= _EDGE_MIN_WORDS and not matched_after:
        end, after = d.token_span(lo + first + size - 1, lo + first + size)[1], 0
        while end < len(text) and text[end] in _CLOSING:
            end += 1
    return start, end, before == 0 and after == 0


def _shared_words(a: DocAnalysis, a_lo: int, a_hi: int, b: DocAnalysis, b_lo: int, b_hi: int,
                  weights: Weights) -> tuple[str, ...]:  # fmt: skip
    """The rarest content words of a's span whose stems also stand in b's span."""
    content = a.tokens.content[a_lo:a_hi]
    stems = a.tokens.stems[a_lo:a_hi][content]
    b_stems = b.tokens.stems[b_lo:b_hi][b.tokens.content[b_lo:b_hi]]
    idx = np.flatnonzero(content)[np.isin(stems, b_stems)] + a_lo
    words: dict[str, float] = {}
    for t, w in zip(idx, weights(a.tokens.stems[idx]), strict=True):
        words.setdefault(a.norm.text[a.tokens.starts[t] : a.tokens.ends[t]], float(w))
    ranked = sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(word for word, _ in ranked[:_EVIDENCE_WORDS])
