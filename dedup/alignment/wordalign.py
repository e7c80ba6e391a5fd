"""Word-level alignment of a document pair: shared word n-grams, extended into spans.

Stage: two analyses + word weights -> spans of reused words, whatever the
sentences they sit in. Sentence-level alignment (:mod:`dedup.alignment.align`) finds
reworded passages; this finds reuse that sentence pairs miss: a clause of one
wire spliced into a sentence of another, a story whose sentence breaks were
moved, text in a script whose sentence ends the segmenter does not know.
Seed-and-extend, after BLAST (Altschul et al., 1990) and the text-reuse aligners
passim (Smith et al., 2014) and TextPAIR:

1. **Seeds.** Every word n-gram (``run_seed_words`` words after normalization,
   stop words included, weighed as :mod:`dedup.analysis.unit_grams` weighs them: five
   Chinese characters, ten Thai letters) that both documents hold, outside site
   chrome. An n-gram
   found more than ``_MAX_REPEAT`` times in one document is a stock phrase of it
   and seeds nothing.
2. **Runs.** Seeds on one diagonal at consecutive positions join into maximal runs
   of identical words.
3. **Chains.** Dynamic programming joins runs in the order of both texts when the
   words between two of them number at most ``run_gap_words`` on each side
   (changed, inserted or dropped words); a chain's worth is its matched words.
   Chains are read from the best, each run in one chain.
4. **Spans.** A chain holding an identical run of ``floor_words`` words is a
   span whatever else it holds (the verbatim floor). Otherwise it needs
   ``run_min_words`` matched words whose content words weigh ``run_min_weight``
   (scaled IDF, so that a chain of function words proves nothing), and matched
   words must make at least half of its span on each side. :mod:`dedup.alignment.reuse`
   weighs the spans of a pair together, and tells stock phrases from reuse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.analysis.analyze import DocAnalysis, Weights
from dedup.analysis.shingle import WORD_UNITS
from dedup.analysis.unit_grams import unit_grams
from dedup.core.kernels import compiled, inlined
from dedup.core.params import ScanParams
from dedup.core.sequence import occurrences

_MAX_REPEAT = 32  # places of one n-gram in one document beyond which it seeds nothing
_MIN_DENSITY = 0.5  # matched words over a chain's span, on each side


@dataclass(frozen=True, slots=True)
class WordSpan:
    """Reused words: tokens ``[a_lo, a_hi)`` of a against ``[b_lo, b_hi)`` of b.

    ``runs`` are its runs of identical words, ``(i, j, length)``: tokens
    ``[i, i + length)`` of a equal ``[j, j + length)`` of b. ``matched`` counts the
    tokens inside them, ``longest`` the length of the longest in units (tenths of a
    word, :class:`dedup.analysis.shingle.Tokens`), ``weight`` the summed weight of the content
    words of a's matched tokens.
    """

    a_lo: int
    a_hi: int
    b_lo: int
    b_hi: int
    runs: tuple[tuple[int, int, int], ...]
    matched: int
    longest: int
    weight: float


def identical_runs(a: DocAnalysis, b: DocAnalysis, usable_a: np.ndarray, usable_b: np.ndarray,
                   n: int) -> np.ndarray:  # fmt: skip
    """Maximal runs of identical words of a and b seeded by shared word n-grams (of ``n``
    words).

    Returns
    -------
    ndarray of int64, shape (r, 3)
        ``(i, j, length)``: tokens ``[i, i + length)`` of a equal ``[j, j + length)``
        of b; sorted by ``(i, j)``. Tokens of unusable passages take no part.
    """
    ga, ends_a, ok_a = _grams(a, usable_a, n)
    gb, _, ok_b = _grams(b, usable_b, n)
    if not len(ga) or not len(gb):
        return np.zeros((0, 3), np.int64)
    return _seed_runs(ga, gb, ok_a, ok_b, ends_a, _MAX_REPEAT).reshape(-1, 3)


def _grams(a: DocAnalysis, usable: np.ndarray,
           n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Hashes of the word n-grams of ``a`` (the fewest tokens from each that weigh ``n``
    words), their ends, and whether each lies wholly in usable passages."""
    ends, grams = unit_grams(a.tokens.hashes, a.tokens.units, n * WORD_UNITS)
    bad = np.zeros(len(a.tokens) + 1, dtype=np.int64)  # tokens of unusable passages
    for k in np.flatnonzero(~usable).tolist():
        bad[a.passage_tok_lo[k] : a.passage_tok_hi[k]] = 1
    before = np.concatenate(([0], np.cumsum(bad[:-1])))
    return grams, ends, before[ends] == before[: len(grams)]


@compiled
def _seed_runs(ga: np.ndarray, gb: np.ndarray, ok_a: np.ndarray, ok_b: np.ndarray,
               ends_a: np.ndarray, cap: int) -> np.ndarray:  # fmt: skip
    """Runs ``(i, j, length)`` back to back (int64) of the seeds of n-gram hashes ``ga`` and
    ``gb``: positions where both hold the same n-gram, usable (``ok_a``, ``ok_b``) and found
    at most ``cap`` times in each. A run is a maximal diagonal of seeds; its length counts
    tokens. In ``(i, j)`` order."""
    count_a = _counts(ga, cap)
    count_b = _counts(gb, cap)
    first, after = occurrences(ga, gb)
    out = np.empty(0, np.int64)
    found = []
    for i in range(len(ga)):
        if not ok_a[i] or count_a[i] > cap:
            continue
        j = first[i]
        if j >= 0 and count_b[j] > cap:
            continue
        while j >= 0:
            if ok_b[j] and not _seed(ga, gb, ok_a, ok_b, count_a, count_b, cap, i - 1, j - 1):
                size = 1
                while _seed(ga, gb, ok_a, ok_b, count_a, count_b, cap, i + size, j + size):
                    size += 1
                found.append(i)
                found.append(j)
                found.append(ends_a[i + size - 1] - i)
            j = after[j]
    if len(found):
        out = np.array(found, dtype=np.int64)
    return out


@inlined
def _seed(ga: np.ndarray, gb: np.ndarray, ok_a: np.ndarray, ok_b: np.ndarray,
          count_a: np.ndarray, count_b: np.ndarray, cap: int, i: int, j: int) -> bool:  # fmt: skip
    """Whether n-gram ``i`` of a and ``j`` of b are a seed (see :func:`_seed_runs`)."""
    return (0 <= i < len(ga) and 0 <= j < len(gb) and ga[i] == gb[j] and ok_a[i] and ok_b[j]
            and count_a[i] <= cap and count_b[j] <= cap)  # fmt: skip


@inlined
def _counts(g: np.ndarray, cap: int) -> np.ndarray:
    """How often each n-gram of ``g`` occurs in ``g``, counted up to ``cap + 1``."""
    first, after = occurrences(g, g)
    out = np.empty(len(g), np.int64)
    for i in range(len(g)):
        k, j = 0, first[i]
        while j >= 0 and k <= cap:
            k += 1
            j = after[j]
        out[i] = k
    return out


def word_spans(a: DocAnalysis, b: DocAnalysis, weights: Weights, params: ScanParams, *,
               usable_a: np.ndarray, usable_b: np.ndarray) -> list[WordSpan]:  # fmt: skip
    """The word-level spans of a and b (steps 1 to 4), ordered by ``a_lo``."""
    runs = identical_runs(a, b, usable_a, usable_b, params.run_seed_words)
    if not len(runs):
        return []
    token_weight = np.where(a.tokens.content, weights(a.tokens.stems), 0.0)
    weight_before = np.concatenate(([0.0], np.cumsum(token_weight)))
    units_before = np.concatenate(([0], np.cumsum(a.tokens.units)))
    floor = params.floor_words * WORD_UNITS
    out = []
    for chain in _chains(runs.tolist(), params.run_gap_words):
        sizes = [size for _, _, size in chain]
        if max(sizes) * WORD_UNITS < floor and sum(sizes) < params.run_min_words:
            continue  # a token weighs a word at most
        i, j, size = (np.array(x, dtype=np.int64) for x in zip(*chain, strict=True))
        longest = int((units_before[i + size] - units_before[i]).max())
        span = WordSpan(int(i[0]), int(i[-1] + size[-1]), int(j[0]), int(j[-1] + size[-1]),
                        tuple(chain), int(size.sum()), longest,
                        float((weight_before[i + size] - weight_before[i]).sum()))  # fmt: skip
        if _is_span(span, params):
            out.append(span)
    return sorted(out, key=lambda s: (s.a_lo, s.b_lo))


def _is_span(span: WordSpan, params: ScanParams) -> bool:
    """Step 4's test of a chain."""
    if span.longest >= params.floor_words * WORD_UNITS:
        return True
    dense = span.matched >= _MIN_DENSITY * max(span.a_hi - span.a_lo, span.b_hi - span.b_lo)
    return dense and span.matched >= params.run_min_words and span.weight >= params.run_min_weight


def _chains(runs: list[list[int]], gap: int) -> list[list[tuple[int, int, int]]]:
    """Runs ``(i, j, length)`` (sorted by i, j) joined in order on both sides with at most
    ``gap`` tokens between two of them on each side; best chains first, each run in one.

    Overlapping runs (a repeated word at a joint) are trimmed: a run's tokens that
    the previous run already matched on either side are not counted again.
    """
    n = len(runs)
    longest = max(r[2] for r in runs)
    total = [float(r[2]) for r in runs]
    before = [-1] * n
    for k, (i, j, size) in enumerate(runs):
        for m in range(k - 1, -1, -1):
            pi, pj, ps = runs[m]
            if pi + longest < i - gap:  # no earlier run ends close enough
                break
            ga, gb = i - (pi + ps), j - (pj + ps)
            if i <= pi or j <= pj or ga > gap or gb > gap or i + size <= pi + ps \
                    or j + size <= pj + ps:  # fmt: skip
                continue
            gain = size - max(0, -ga, -gb)
            if total[m] + gain > total[k]:
                total[k], before[k] = total[m] + gain, m
    taken = [False] * n
    out = []
    for end in sorted(range(n), key=lambda k: (-total[k], runs[k][0], runs[k][1])):
        chain, k = [], end
        while k >= 0 and not taken[k]:
            taken[k] = True
            i, j, size = runs[k]
            chain.append((i, j, size))
            k = before[k]
        if chain:
            out.append(_trimmed(chain[::-1]))
    return out


def _trimmed(chain: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The chain with each run's start moved past tokens the previous run matched."""
    out = [chain[0]]
    for i, j, size in chain[1:]:
        pi, pj, ps = out[-1]
        cut = max(0, pi + ps - i, pj + ps - j)
        if cut < size:
            out.append((i + cut, j + cut, size - cut))
    return out
