"""Verify a candidate document pair and align its reused passages into maximal spans.

Stage: two analyses + passage weights -> reuse matches. Passages are sentences;
content words are weighted by their IDF over the corpus, scaled to [0, 1]. The
approach is seed-and-extend over sentences, as in the PAN text-alignment systems
and passim: rare-word seeds, chained into spans, verified as a whole. Steps 1
and 2 are :mod:`dedup.candidates.similarity`; anchors :mod:`dedup.alignment.anchors`; chains and
their scores (steps 3 to 5) :mod:`dedup.alignment.chain`.

1. **Similarity, sparse.** Only passage pairs that share a content word are
   scored, by a join on sorted features in chunks of bounded size: shared
   weight, weighted Dice and weighted containment of the lighter passage.
2. **Seeds.** A pair is *evidence of reuse*
   (:func:`~dedup.candidates.similarity.is_evidence`) when its shared words are rare
   enough (summed weight >= ``match_min_weight``) and cover both passages (Dice >=
   ``match_similarity``) or the smaller one (containment >= ``match_containment``: a
   sentence merged into, or split from, a longer one).
   Every match holds a seed, so the pipeline's pre-test with the same function
   drops no document pair alignment could use.
3. **Support and anchors.** A weaker pair (Dice >= ``support_similarity``) may
   extend a chain, never start one. Figures and names anchor facts: a pair whose
   passages state figures but none in common (``6,256`` and ``6256`` are one
   figure) is dropped, seed or not; a support pair where each side names someone
   the other does not is dropped. Support pairs are kept when one passage is the
   other's best counterpart; seeds are all kept (a merged sentence pairs with
   both of its parts).
4. **Chains.** Dynamic programming links pairs whose steps are 0 to 2 passages on
   both sides: 0 on one side is a merge or split, 2 skips a sentence. Reordered
   passages form separate chains. Chains are read from the best, each passage in
   one match at most. A chain loses a headline that only repeats the lead it is
   merged with, and support pairs at its ends much less alike than its seeds
   (``end_ratio``: a topic neighbour beside a copied passage), alike in word order
   in a chain of edited copies, in rare words in a chain of rewordings.
   **Merges at the ends.** A sentence merged from two (or split in two) is judged
   by what is left of it: at a chain's end, a part stays, or the neighbouring
   sentence joins as a part, only when it explains the words of the merged
   sentence that its other parts leave unexplained (weighted Dice of the rest and
   the part >= ``support_similarity``) and its joining does not lower the pooled
   Dice of the merged sentence and its parts. A topic neighbour beside a sentence
   pair finds only the words an edit changed left to explain.
5. **Verification.** Topic-similar sentences share names, places and topic
   words, so one such pair proves little; reuse shows as several similar
   passages in order, or one nearly identical. A chain is reported when its
   score reaches ``chain_min_score``, or when it holds an identical run of
   ``verbatim_min_words`` words. The score sums, over the chain's blocks (a pair,
   or the pairs of one merge), the block's likeness (the larger of the weighted
   Dice of its pooled words and difflib's ratio of its word sequences) minus
   ``support_similarity``, plus ``anchor_bonus`` for a figure in common, minus
   ``name_penalty`` for names on each side the other lacks. A merge whose word
   sequences are alike (ratio >= ``light_similarity``: the parts' words in their
   order) counts once per sentence of its longer side, as the sentences would
   had they not been merged; a merge of words in another order counts once.
6. **Spans.** A reported chain is cut where it skips a sentence on one side only
   (an inserted sentence is not reused), unless a pair beside the gap is reworded
   and the skipped sentence and one beside the gap on the other side are a support
   pair (the chain paired its counterpart with a neighbour that echoes it too); a
   skip on both sides stays inside. Each
   piece is one :class:`~dedup.core.records.Match` over whole passages, less an
   outlet's own dateline (``LYON (Reuters) -``); identical neighbouring passages
   extend it.
7. **Kinds**, from the piece's word sequences (tokens after normalization):

   - ``verbatim``: identical sequences; or one identical run of
     ``verbatim_min_words`` words or more holding nearly all the shared words
     (a copied clause inside otherwise different sentences), trimmed to it;
   - ``light``: difflib's ratio of the sequences >= ``light_similarity`` (some
     words, quotes, figures' format or sentence breaks changed);
   - ``heavy``: below that; reported only on the chain score (reworded, clauses
     moved or dropped, synonyms).

   ``boilerplate`` matches come from :mod:`dedup.candidates.boilerplate`, never from here.
   Each match carries its evidence: ``score`` (mean Dice of its passage pairs)
   and ``shared_words`` (the rarest shared words, rarest first).
"""

from __future__ import annotations

import re

import numpy as np

from dedup.alignment.anchors import anchor_agreement
from dedup.alignment.chain import (
    ChainContext,
    Pairs,
    Weights,
    chains,
    extend_identical,
    fill_gaps,
    pieces,
    trim_weak_ends,
)
from dedup.alignment.dice import numpy_sum
from dedup.analysis.analyze import DocAnalysis
from dedup.candidates.similarity import PairSimilarity, is_evidence, passage_similarity
from dedup.core.params import ScanParams
from dedup.core.records import Match, ReuseKind
from dedup.core.sequence import matching_blocks, word_ratio

__all__ = ["align", "shared_words"]

_EDGE_MIN_WORDS = 4  # fewer differing words at an end are an edit, not a boundary
_OPENING = frozenset("\"'(\u201c\u2018\u00ab")
_CLOSING = frozenset("\"').,;:!?\u201d\u2019\u00bb\u2026")
_PARTIAL_SLACK = 0.1  # share of matched words that may lie outside the longest run
_EVIDENCE_WORDS = 8
# A news dateline: capitalised place words, maybe ", Region" and "(Agency)", then a dash.
_DATELINE = re.compile(
    r"(?:[A-Z][A-Z.'\u2019]+ ?)+(?:, ?[A-Z][\w .]+?)? ?(?:\([^)\n]{1,40}\))? ?"
    r"(?:[\u2013\u2014] ?|-+ )"  # spaced hyphen, or an en or em dash
    r"|[A-Z]{5,}-(?=[A-Z][a-z])"  # BRUSSELS-Russia (not NATO-Russia)
)


def _is_support(sim: PairSimilarity, params: ScanParams) -> np.ndarray:
    """Step 3's test: may the pair extend a chain (bool per pair)? Every seed may."""
    weak = sim.dice >= params.support_similarity
    return np.asarray(weak | is_evidence(sim.shared, sim.dice, sim.containment, params))


def align(a: DocAnalysis, b: DocAnalysis, weights: Weights, params: ScanParams, *,
          usable_a: np.ndarray, usable_b: np.ndarray,
          derived: bool = False) -> list[Match]:  # fmt: skip
    """Reuse matches between documents ``a`` and ``b`` (oriented a -> b).

    Parameters
    ----------
    a, b : DocAnalysis
    weights : callable
        Weight in [0, 1] of content-word features (rarer is heavier).
    params : ScanParams
    usable_a, usable_b : ndarray of bool, shape (n_passages,)
        Passages that may carry reuse (not site chrome).
    derived : bool
        The pair is derived as a whole (:func:`dedup.scoring.score.derived_pairs`): every
        support pair is a seed and every chain with a positive score is reported.

    Returns
    -------
    list of Match
        Non-overlapping spans, ordered by their start in ``a``; kinds are
        ``verbatim``, ``light`` or ``heavy``.
    """
    sim = passage_similarity(a, b, weights, usable_a=usable_a, usable_b=usable_b,
                             keep=lambda s: _is_support(s, params))  # fmt: skip
    seed = is_evidence(sim.shared, sim.dice, sim.containment, params)
    if derived:
        seed = _is_support(sim, params)
    if not seed.any():
        return []
    anchors = anchor_agreement(a, b, sim.p, sim.q)
    agree = (anchors > -2) & (seed | (anchors > -1))
    sim, seed, anchors = sim.subset(agree), seed[agree], anchors[agree]
    if not seed.any():
        return []
    support = _pairs(sim, seed, anchors)
    sim, seed, anchors = _best_counterparts(sim, seed, anchors)
    ctx = ChainContext(a, b, weights, params, _pairs(sim, seed, anchors))
    matches: list[Match] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    free_a, free_b = usable_a.copy(), usable_b.copy()  # usable, in no match yet
    runs = chains(ctx.pairs, params)
    scores = [ctx.chain_score(run) for run in runs]
    for k in sorted(range(len(runs)), key=lambda k: -scores[k]):
        run = [(i, j) for i, j in runs[k] if i not in used_a and j not in used_b]
        run = trim_weak_ends(ctx.without_repeats(run), ctx)
        if not run:
            continue
        run = ctx.extend_merges(run, free_a, free_b)
        run = extend_identical(run, a, b, usable_a, usable_b)
        score = scores[k] if run == runs[k] else ctx.chain_score(run)
        run = fill_gaps(run, ctx, support, free_a, free_b)
        found = [_span_match(ctx, piece) for piece in pieces(run)]
        needed = 0.0 if derived else params.chain_min_score
        if score >= needed or max(n for _, n in found) >= params.verbatim_min_words:
            matches += [m for m, _ in found]
            used_a.update(i for i, _ in run)
            used_b.update(j for _, j in run)
            free_a[[i for i, _ in run]] = False
            free_b[[j for _, j in run]] = False
    return sorted(matches, key=lambda m: (m.a_start, m.b_start))


def _pairs(sim: PairSimilarity, seed: np.ndarray, anchors: np.ndarray) -> Pairs:
    """The passage pairs as :data:`~dedup.alignment.chain.Pairs`."""
    columns = (sim.p, sim.q, seed, sim.dice, anchors, sim.containment)
    rows = zip(*(col.tolist() for col in columns), strict=True)
    return {(p, q): (s, d, x, c) for p, q, s, d, x, c in rows}


def _best_counterparts(sim: PairSimilarity, seed: np.ndarray, anchors: np.ndarray
                       ) -> tuple[PairSimilarity, np.ndarray, np.ndarray]:  # fmt: skip
    """Seeds, and support pairs where one passage is the other's strongest counterpart
    (by the larger of Dice and containment: the part of a merged sentence is contained)."""
    strength = np.maximum(sim.dice, sim.containment) + seed  # a seed outranks any support
    best_a = np.full(int(sim.p.max(initial=-1)) + 1, -np.inf)
    best_b = np.full(int(sim.q.max(initial=-1)) + 1, -np.inf)
    np.maximum.at(best_a, sim.p, strength)
    np.maximum.at(best_b, sim.q, strength)
    keep = seed | (strength >= best_a[sim.p]) | (strength >= best_b[sim.q])
    return sim.subset(keep), seed[keep], anchors[keep]


def _span_match(ctx: ChainContext, run: list[tuple[int, int]]) -> tuple[Match, int]:
    """The contiguous run as a match with its kind (step 6), and the number of words
    of the longest identical word run the two sides share."""
    a, b, params = ctx.a, ctx.b, ctx.params
    ia, jb = [i for i, _ in run], [j for _, j in run]
    span = (min(ia), max(ia), min(jb), max(jb))
    a_lo, a_hi = int(a.passage_tok_lo[span[0]]), int(a.passage_tok_hi[span[1]])
    b_lo, b_hi = int(b.passage_tok_lo[span[2]]), int(b.passage_tok_hi[span[3]])
    a_start, a_end = int(a.passage_starts[span[0]]), int(a.passage_ends[span[1]])
    b_start, b_end = int(b.passage_starts[span[2]]), int(b.passage_ends[span[3]])
    line_a, line_b = _dateline(a, a_start, a_end), _dateline(b, b_start, b_end)
    if line_a != line_b:  # each outlet writes its own dateline: not reused text
        a_start, a_lo = _after(a, a_start, line_a, a_lo)
        b_start, b_lo = _after(b, b_start, line_b, b_lo)
        span = (-1, -1, -1, -1)  # no longer a passage span
    words_a, words_b = a.tokens.hashes[a_lo:a_hi], b.tokens.hashes[b_lo:b_hi]
    score = _mean([ctx.pairs[x][1] if x in ctx.pairs else 1.0 for x in run])
    seq_a, seq_b = words_a.tolist(), words_b.tolist()
    kind: ReuseKind
    if seq_a == seq_b:
        kind, score, identical = "verbatim", 1.0, len(seq_a)
    else:
        blocks = matching_blocks(words_a, words_b)
        alike = ctx.ratios.get(span)
        if alike is None and seq_a > seq_b:
            alike = word_ratio(words_a, words_b)
        elif alike is None:  # word_ratio puts a first: difflib's ratio of these blocks
            alike = 2.0 * sum(blk.size for blk in blocks) / (len(seq_a) + len(seq_b))
        kind = "light" if alike >= params.light_similarity else "heavy"
        longest = max(blocks, key=lambda blk: blk.size) if blocks else None
        identical = longest.size if longest is not None else 0
        if (
            longest is not None
            and longest.size >= params.verbatim_min_words
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
    match = Match(a.doc.id, b.doc.id, a_start, a_end, b_start, b_end, kind, round(score, 4),
                  shared_words(a, a_lo, a_hi, b, b_lo, b_hi, ctx.weights))  # fmt: skip
    return match, identical


def _mean(values: list[float]) -> float:
    """``float(np.mean(values))`` to the bit (numpy's sum, then the division), quicker."""
    return numpy_sum(values) / len(values)


def _dateline(d: DocAnalysis, start: int, end: int) -> str:
    """The dateline opening ``d.doc.text[start:end]`` (``LYON (Reuters) - ``), or ''."""
    m = _DATELINE.match(d.doc.text, start, end)
    return m.group() if m and m.end() < end else ""


def _after(d: DocAnalysis, start: int, prefix: str, lo: int) -> tuple[int, int]:
    """Span start and first token once ``prefix`` (text at ``start``) is skipped."""
    if not prefix:
        return start, lo
    start += len(prefix)
    norm_start = int(np.searchsorted(d.norm.bounds, start, side="left"))
    return start, max(lo, int(np.searchsorted(d.tokens.starts, norm_start, side="left")))


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


def shared_words(a: DocAnalysis, a_lo: int, a_hi: int, b: DocAnalysis, b_lo: int, b_hi: int,
                  weights: Weights) -> tuple[str, ...]:  # fmt: skip
    """The rarest content words of a's span whose stems also stand in b's span."""
    b_stems = set(b.tokens.stems[b_lo:b_hi][b.tokens.content[b_lo:b_hi]].tolist())
    ta, text = a.tokens, a.norm.text
    stem_of: dict[str, int] = {}  # each word's first occurrence
    for content, stem, start, end in zip(
        ta.content[a_lo:a_hi].tolist(), ta.stems[a_lo:a_hi].tolist(),
        ta.starts[a_lo:a_hi].tolist(), ta.ends[a_lo:a_hi].tolist(), strict=True,
    ):  # fmt: skip
        if content and stem in b_stems:
            stem_of.setdefault(text[start:end], stem)
    weight = _stem_weights(a, list(stem_of.values()), weights)
    ranked = sorted([(-weight[s], word) for word, s in stem_of.items()])[:_EVIDENCE_WORDS]
    return tuple(word for _, word in ranked)


def _stem_weights(a: DocAnalysis, stems: list[int], weights: Weights) -> dict[int, float]:
    """The weight of each of ``stems``, content-word stems of ``a``: looked up in its
    passages' features, else asked of ``weights``."""
    known = a.weighted(weights).by_feature()
    unknown = [s for s in stems if s not in known]
    if not unknown:
        return known
    found = dict(zip(unknown, weights(np.array(unknown, dtype=np.uint64)).tolist(), strict=True))
    return {s: known[s] for s in stems if s in known} | found
