"""Chain the verified passage pairs of a document pair, in order, and score the chains.

Stage: kept passage pairs of :func:`dedup.alignment.align.align` (seeds and support, with
Dice, containment and anchors) -> runs of pairs, each a candidate match; steps 3
to 5 of :mod:`dedup.alignment.align`, which reports the runs as spans.

- **Anchors** (:func:`dedup.alignment.anchors.anchor_agreement`): a figure in common adds
  to a chain's score; each side naming someone the other lacks costs score.
- **Chains** (:func:`chains`). Dynamic programming links pairs whose steps are 0
  to 2 passages on both sides: 0 on one side is a merge or split, 2 skips a
  sentence. Reordered passages form separate chains.
- **Ends** (:func:`trim_weak_ends`, :meth:`ChainContext.extend_merges`). A chain
  loses support pairs at its ends much less alike than its seeds (a topic
  neighbour beside a copied passage). A sentence merged from two is judged by
  what is left of it: at an end, a part stays, or the neighbouring sentence joins
  as a part, only when it explains what the other parts leave unexplained.
- **Score** (:meth:`ChainContext.chain_score`): what a run is worth as evidence
  of reuse, against ``chain_min_score``.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from dedup.alignment.dice import WordSet, shared_weight, weighted_dice
from dedup.analysis.analyze import DocAnalysis, Weights
from dedup.core.params import ScanParams
from dedup.core.sequence import word_ratio

__all__ = ["ChainContext", "Pairs", "Weights", "chains", "extend_identical", "fill_gaps",
           "pieces", "trim_weak_ends"]  # fmt: skip

# Kept passage pairs (i, j) -> (is a seed, Dice, anchors (see anchor_agreement), containment).
Pairs = dict[tuple[int, int], tuple[bool, float, int, float]]
_MAX_SKIP = 1  # passages a chain may skip on each side between two of its pairs
_REPEAT_SHARE = 0.1  # a merged part adding less than this share of its word weight repeats


@dataclass(frozen=True, slots=True)
class ChainContext:
    """One document pair under alignment and its kept passage pairs, with what chaining
    asks again: ``ratios``, the word-order ratios computed so far, by passage span;
    ``words``, each passage's words, and ``pooled``, those of passages taken together
    (by side, 0 for a and 1 for b, and passage or sorted passages)."""

    a: DocAnalysis
    b: DocAnalysis
    weights: Weights
    params: ScanParams
    pairs: Pairs
    ratios: dict[tuple[int, int, int, int], float] = field(default_factory=dict)
    words: dict[tuple[int, int], WordSet] = field(default_factory=dict)
    pooled: dict[tuple[int, tuple[int, ...]], WordSet] = field(default_factory=dict)

    def chain_score(self, run: list[tuple[int, int]]) -> float:
        """Evidence of a run (step 5): the gains of its blocks, summed.

        A block is a sentence pair, or a merge: pairs that share a passage (one
        sentence against the two parts it was split into). Its gain is its
        likeness (the larger of the weighted Dice of its passages' words taken
        together and difflib's ratio of its word sequences), minus
        ``support_similarity``, plus ``anchor_bonus`` when a pair of it states a
        figure in common, minus ``name_penalty`` when each side names someone the
        other does not; never below 0. A merge whose word sequences are alike
        (ratio >= ``light_similarity``: the parts' words, in their order) counts
        once per sentence of its longer side, as the sentences would had they not
        been merged; a merge of words in another order counts once. (A headline
        that repeats its lead is no part: :meth:`without_repeats` drops it first.)
        """
        total = 0.0
        for block in _blocks(run):
            ratio = self.sequence_ratio(block)
            if len(block) == 1:  # a sentence pair: its Dice is the block's
                _, dice, anchor, _ = self.pairs.get(block[0], (False, 1.0, 0, 1.0))
                gain = max(max(dice, ratio) - self.params.support_similarity
                           + self.anchor_gain(anchor), 0.0)  # fmt: skip
            else:
                anchor = max(self.pairs[x][2] if x in self.pairs else 0 for x in block)
                alike = max(self.group_dice(block), ratio)
                gain = max(alike - self.params.support_similarity + self.anchor_gain(anchor), 0.0)
                if ratio >= self.params.light_similarity:  # the parts' words, in their order
                    gain *= max(len({i for i, _ in block}), len({j for _, j in block}))
            total += gain
        return total

    def part_evidence(self, run: list[tuple[int, int]], part: tuple[int, int], side: int) -> bool:
        """Is ``part`` one part of a merged sentence? Its passage on the side other than
        ``side`` must explain what its partners in ``run`` (the pairs sharing its passage
        on ``side``, the merged one) leave unexplained of the merged sentence, and add
        no more than it explains.

        The merged sentence's words less its partners' are scored against the part
        (weighted Dice >= ``support_similarity``), and the pooled Dice of the merged
        sentence with the parts must not fall when the part joins. A topic neighbour
        beside a sentence pair finds only the few words an edit changed left to
        explain, and brings words of its own.
        """
        whole, own = part[side], part[1 - side]
        words, mine = self._passage(side, whole), self._passage(1 - side, own)
        if self.params.support_similarity > 0 and words.isdisjoint(mine):
            return False  # the usual neighbour: no word in common, a Dice of 0 with any part
        partners = [x[1 - side] for x in run if x[side] == whole and x[1 - side] != own]
        if not partners:  # no merge: the pair stands as any support pair
            return weighted_dice(words, mine) >= self.params.support_similarity
        theirs = self._pooled(1 - side, partners)
        rest = words.without(theirs)
        if weighted_dice(rest, mine) < self.params.support_similarity:
            return False  # it does not explain what its partners leave unexplained
        joined = self._pooled(1 - side, [*partners, own])
        return weighted_dice(words, joined) >= weighted_dice(words, theirs)

    def _passage(self, side: int, k: int) -> WordSet:
        """The words of passage ``k`` of a (``side`` 0) or b (1), computed once."""
        found = self.words.get((side, k))
        if found is None:
            d = self.b if side else self.a
            own = d.weighted(self.weights).passage_words(k)
            found = WordSet(own.features, own.weights, own.total)
            self.words[side, k] = found
        return found

    def _pooled(self, side: int, passages: Iterable[int]) -> WordSet:
        """The words of passages of a (``side`` 0) or b (1) taken together, computed once."""
        key = (side, tuple(sorted(set(passages))))
        if len(key[1]) == 1:
            return self._passage(side, key[1][0])
        found = self.pooled.get(key)
        if found is None:
            found = WordSet.pooled([self._passage(side, k) for k in key[1]])
            self.pooled[key] = found
        return found

    def extend_merges(self, run: list[tuple[int, int]], free_a: np.ndarray, free_b: np.ndarray
                      ) -> list[tuple[int, int]]:  # fmt: skip
        """The run with the parts of merged sentences at its ends that it lacks: the
        sentence before (after) its first (last) pair on one side, when it explains
        the rest of that pair's sentence on the other side (:meth:`part_evidence`).
        ``free_a``, ``free_b``: passages no match holds yet. A part added is entered
        in :attr:`pairs` (a support pair, with its Dice and containment)."""
        grown = True
        while grown:
            grown = False
            (i0, j0), (i1, j1) = run[0], run[-1]
            ends = [((i0 - 1, j0), 1, True), ((i0, j0 - 1), 0, True)]
            ends += [((i1 + 1, j1), 1, False), ((i1, j1 + 1), 0, False)]
            for x, side, at_start in ends:
                i, j = x
                if not (0 <= i < len(free_a) and 0 <= j < len(free_b) and free_a[i] and free_b[j]):
                    continue
                if any(y[0] == i for y in run) and any(y[1] == j for y in run):
                    continue
                if (i, j) not in run and self.part_evidence(run, x, side):
                    run = [x, *run] if at_start else [*run, x]
                    self.pairs.setdefault(x, self._support(i, j))
                    grown = True
                    break
        return run

    def _support(self, i: int, j: int) -> tuple[bool, float, int, float]:
        """Passage pair ``(i, j)`` as an entry of :attr:`pairs`: a support pair (no
        anchor counted) with its weighted Dice and containment."""
        fa, fb = self._passage(0, i), self._passage(1, j)
        lighter = min(fa.total, fb.total)
        shared = shared_weight(fa, fb)
        return False, weighted_dice(fa, fb, shared), 0, shared / lighter if lighter > 0 else 0.0

    def anchor_gain(self, anchor: int) -> float:
        """Chain score added by a block's anchors (see
        :func:`dedup.alignment.anchors.anchor_agreement`)."""
        if anchor > 0:
            return self.params.anchor_bonus
        return -self.params.name_penalty if anchor < 0 else 0.0

    def sequence_ratio(self, block: list[tuple[int, int]]) -> float:
        """difflib's ratio of the block's word sequences on the two sides."""
        if len(block) == 1:
            i, j = block[0]
            span = (i, i, j, j)
        else:
            ia, jb = [i for i, _ in block], [j for _, j in block]
            span = (min(ia), max(ia), min(jb), max(jb))
        found = self.ratios.get(span)
        if found is None:
            a, b = self.a, self.b
            words_a = a.tokens.hashes[a.passage_tok_lo[span[0]] : a.passage_tok_hi[span[1]]]
            words_b = b.tokens.hashes[b.passage_tok_lo[span[2]] : b.passage_tok_hi[span[3]]]
            found = self.ratios[span] = word_ratio(words_a, words_b)
        return found

    def without_repeats(self, run: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The run without pairs whose passage repeats a neighbour it is merged with
        (a headline that repeats its lead: its words add nothing to the block's)."""
        drop = set()
        for block in _blocks(run):
            for side in (0, 1):
                parts = sorted({x[side] for x in block})
                for k in parts if len(parts) > 1 else ():
                    own = self._passage(side, k)
                    rest = self._pooled(side, [o for o in parts if o != k])
                    new = own.without(rest).total
                    if new <= _REPEAT_SHARE * own.total:
                        drop |= {x for x in block if x[side] == k}
        return [x for x in run if x not in drop]

    def group_dice(self, block: list[tuple[int, int]]) -> float:
        """Weighted Dice of the words of a block's passages of a and of b, each side pooled."""
        if len(block) == 1:
            return self.pairs[block[0]][1] if block[0] in self.pairs else 1.0
        fa = self._pooled(0, (i for i, _ in block))
        fb = self._pooled(1, (j for _, j in block))
        return weighted_dice(fa, fb)


def _blocks(run: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The run cut into blocks of consecutive pairs that share a passage on one side."""
    if not run:
        return []
    out = [[run[0]]]
    for prev, cur in itertools.pairwise(run):
        if cur[0] != prev[0] and cur[1] != prev[1]:
            out.append([])
        out[-1].append(cur)
    return out


def chains(pairs: Pairs, params: ScanParams) -> list[list[tuple[int, int]]]:
    """Chains of pairs whose steps are 0 to ``1 + _MAX_SKIP`` passages on both sides
    (a step of 0 on one side, a merge or split, is 1 on the other).

    Classic chaining by dynamic programming: each pair, in ``(i, j)`` order, extends
    the best-scoring chain ending at a pair it may follow (a pair's gain is the larger
    of its Dice and containment minus ``support_similarity``, at least a hair); then
    chains are read back from the best ends, each pair in one chain at most.
    """
    keys = sorted(pairs)
    gain = [max(max(pairs[x][1], pairs[x][3]) - params.support_similarity, 1e-6) for x in keys]
    total, before = list(gain), [-1] * len(keys)
    step = 1 + _MAX_SKIP
    for k, (i, j) in enumerate(keys):
        for m in range(k - 1, -1, -1):
            pi, pj = keys[m]
            if i - pi > step:
                break
            di, dj = i - pi, j - pj
            merge = di == 0 or dj == 0  # parts of one sentence stand side by side
            if 0 <= dj <= step and (di + dj == 1 or not merge) and total[m] + gain[k] > total[k]:
                total[k], before[k] = total[m] + gain[k], m
    taken = [False] * len(keys)
    chains = []
    for end in sorted(range(len(keys)), key=lambda k: (-total[k], keys[k])):
        chain, k = [], end
        while k >= 0 and not taken[k]:
            taken[k] = True
            chain.append(keys[k])
            k = before[k]
        if chain:
            chains.append(chain[::-1])
    return chains


def trim_weak_ends(run: list[tuple[int, int]], ctx: ChainContext) -> list[tuple[int, int]]:
    """The run without the support pairs at its ends that are less alike than
    ``end_ratio`` times the median likeness of its seeds (empty when it has no seed).

    A topic neighbour next to a copied passage (same speaker, same story) is a weak
    pair beside strong ones; a reworded neighbour in a reworded passage is as weak as
    the rest. Likeness is measured as the seeds are alike: by word order (difflib's
    ratio) when their median ratio reaches ``light_similarity`` (edited copies: a
    topic neighbour shares words, not their order), else by weighted Dice (rewordings
    keep the rare words). A pair stating a figure in common stays. A pair sharing a
    passage with the next one inward (the part of a merged sentence) stays when it
    explains the rest of the merged sentence (:meth:`ChainContext.part_evidence`),
    seed or not: a part's Dice with the whole is low, and its containment in it is
    high for a neighbour too.
    """
    pairs = ctx.pairs
    seeds = [x for x in run if pairs[x][0]]
    if not seeds:
        return []
    # statistics' median is numpy's to the bit (of an even count, (lo + hi) / 2), and quicker
    ratio = statistics.median([ctx.sequence_ratio([x]) for x in seeds])
    in_order = ratio >= ctx.params.light_similarity
    if in_order:
        floor = ctx.params.end_ratio * ratio
    else:
        floor = ctx.params.end_ratio * statistics.median([pairs[x][1] for x in seeds])

    def strong(k: int, inward: int) -> bool:
        seed, dice, anchor, _ = pairs[run[k]]
        if first <= inward < last:
            for side in (0, 1):
                if run[k][side] == run[inward][side]:  # judged against the pairs kept
                    return ctx.part_evidence(run[first:last], run[k], side)
        alike = ctx.sequence_ratio([run[k]]) if in_order else dice
        return seed or anchor > 0 or alike >= floor

    first, last = 0, len(run)
    while first < last and not strong(first, first + 1):
        first += 1
    while last > first and not strong(last - 1, last - 2):
        last -= 1
    return run[first:last]


def pieces(run: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The run cut where it skips a passage on one side only: a sentence inserted in
    one text is not reused. A step skipping one passage on both sides stays whole (the
    two skipped sentences sit between counterparts, in order: a rewording too loose
    to pair alone)."""
    out = [[run[0]]]
    for (i0, j0), (i1, j1) in itertools.pairwise(run):
        di, dj = i1 - i0, j1 - j0
        if (di > 1 or dj > 1) and di != dj:
            out.append([])
        out[-1].append((i1, j1))
    return out


def fill_gaps(run: list[tuple[int, int]], ctx: ChainContext, support: Pairs,
              free_a: np.ndarray, free_b: np.ndarray) -> list[tuple[int, int]]:  # fmt: skip
    """The run with each passage it skips on one side only beside a reworded pair joined to
    it, when that passage and a passage beside the gap on the other side are a support
    pair (``support``: every pair that may extend a chain, before each passage keeps only
    its best counterparts).

    A rewording of two sentences can echo one sentence of the other text twice: the
    chain gives that sentence to one of them and skips the other, which :func:`pieces`
    would take for an inserted sentence and cut the passage in two. A skipped passage
    alike to neither neighbour across the gap stays out, and so does one between two
    edited copies (pairs alike in word order: difflib's ratio >= ``light_similarity``):
    a sentence that two copied ones enclose and that is no copy is inserted, whatever
    words it shares with them. ``free_a``, ``free_b``: passages no match holds yet. A
    pair joined is entered in :attr:`ChainContext.pairs`.
    """
    out = [run[0]]
    for (i0, j0), (i1, j1) in itertools.pairwise(run):
        if (i1 - i0, j1 - j0) == (2, 1) and free_a[i0 + 1]:
            options = [(i0 + 1, j0), (i0 + 1, j1)]
        elif (i1 - i0, j1 - j0) == (1, 2) and free_b[j0 + 1]:
            options = [(i0, j0 + 1), (i1, j0 + 1)]
        else:
            options = []
        found = [x for x in options if x in support]
        if found and not all(ctx.sequence_ratio([x]) >= ctx.params.light_similarity
                             for x in ((i0, j0), (i1, j1))):  # fmt: skip
            x = max(found, key=lambda y: support[y][1])
            ctx.pairs.setdefault(x, support[x])
            out.append(x)
        out.append((i1, j1))
    return out


def extend_identical(run: list[tuple[int, int]], a: DocAnalysis, b: DocAnalysis,
                      usable_a: np.ndarray, usable_b: np.ndarray
                      ) -> list[tuple[int, int]]:  # fmt: skip
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


def _same_words(a: DocAnalysis, i: int, b: DocAnalysis, j: int) -> bool:
    ta = a.tokens.hashes[a.passage_tok_lo[i] : a.passage_tok_hi[i]]
    tb = b.tokens.hashes[b.passage_tok_lo[j] : b.passage_tok_hi[j]]
    return len(ta) > 0 and ta.tolist() == tb.tolist()
