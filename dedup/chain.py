"""Chain the verified passage pairs of a document pair, in order, and score the chains.

Stage: kept passage pairs of :func:`dedup.align.align` (seeds and support, with
Dice, containment and anchors) -> runs of pairs, each a candidate match; steps 3
to 5 of :mod:`dedup.align`, which reports the runs as spans.

- **Anchors.** Figures and names anchor facts (:func:`anchor_agreement`): a
  figure in common (``6,256`` and ``6256`` are one figure) adds to a chain's
  score; passages stating only different figures are not reuse; each side naming
  someone the other lacks costs score.
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
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from operator import add

import numpy as np

from dedup.analyze import DocAnalysis, Weights
from dedup.params import ScanParams
from dedup.sequence import word_ratio

__all__ = ["ChainContext", "Pairs", "Weights", "anchor_agreement", "chains", "extend_identical",
           "figures", "numpy_sum", "other_facts", "pieces", "trim_weak_ends"]  # fmt: skip

# Kept passage pairs (i, j) -> (is a seed, Dice, anchors (see anchor_agreement), containment).
Pairs = dict[tuple[int, int], tuple[bool, float, int, float]]
_MAX_SKIP = 1  # passages a chain may skip on each side between two of its pairs
_REPEAT_SHARE = 0.1  # a merged part adding less than this share of its word weight repeats
# A figure as news writes it: 6256, 6,256, 6 256 (thin or non-breaking space), 28.5.
_NUMBER = re.compile(r"\d+(?:[,\u00a0\u202f ]\d{3}(?!\d))*(?:\.\d+)?")
_GROUPING = re.compile(r"[,\u00a0\u202f ]")
_WORD = re.compile(r"[^\W\d_][\w\u2019'-]*")
# A word and the gap before it (the gap holds no character that starts a word, so a
# match never backtracks); the gap after the last word comes with an empty word.
_GAP_AND_WORD = re.compile(r"([\W\d_]*)(" + _WORD.pattern + ")?")
# A capital after one of these opens a clause (not a name).
_AFTER_BREAK = frozenset(".!?:;\"'(\u201c\u2018\u00ab\u2014\u2013-")
_HONORIFICS = frozenset(("mr", "ms", "mrs", "dr"))
_POSSESSIVE_END = re.compile("(?:'s|\u2019s)(?=\x00|\\Z)")  # of a word, in words joined by NULs
_PAIRWISE_BLOCK = 128  # numpy sums blocks up to this long with 8 accumulators


@dataclass(frozen=True, slots=True)
class _Words:
    """Content-word features (``keys``, ascending; ``members``, the same as a set), their
    ``weights`` in the same order, and ``total``, their sum (:func:`numpy_sum`)."""

    keys: tuple[int, ...]
    weights: list[float]
    members: frozenset[int]
    total: float

    @classmethod
    def of(cls, keys: tuple[int, ...], weights: list[float]) -> _Words:
        """Features ``keys`` (ascending) and their ``weights``."""
        return cls(keys, weights, frozenset(keys), numpy_sum(weights))

    def without(self, other: _Words) -> _Words:
        """The features of this set that ``other`` lacks."""
        kept = [(f, w) for f, w in zip(self.keys, self.weights, strict=True)
                if f not in other.members]  # fmt: skip
        return _Words.of(tuple(f for f, _ in kept), [w for _, w in kept])


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
    words: dict[tuple[int, int], _Words] = field(default_factory=dict)
    pooled: dict[tuple[int, tuple[int, ...]], _Words] = field(default_factory=dict)

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
        if self.params.support_similarity > 0 and words.members.isdisjoint(mine.members):
            return False  # the usual neighbour: no word in common, a Dice of 0 with any part
        partners = [x[1 - side] for x in run if x[side] == whole and x[1 - side] != own]
        if not partners:  # no merge: the pair stands as any support pair
            return _dice(words, mine) >= self.params.support_similarity
        theirs = self._pooled(1 - side, partners)
        rest = words.without(theirs)
        explains = _dice(rest, mine) >= self.params.support_similarity
        return explains and _dice(words, self._pooled(1 - side, [*partners, own])) >= _dice(
            words, theirs
        )

    def _passage(self, side: int, k: int) -> _Words:
        """The words of passage ``k`` of a (``side`` 0) or b (1), computed once."""
        found = self.words.get((side, k))
        if found is None:
            d = self.b if side else self.a
            own = d.weighted(self.weights).passage_words(k)
            found = _Words(own.keys, own.weights.tolist(), own.members, own.total)
            self.words[side, k] = found
        return found

    def _pooled(self, side: int, passages: Iterable[int]) -> _Words:
        """The words of passages of a (``side`` 0) or b (1) taken together, computed once."""
        key = (side, tuple(sorted(set(passages))))
        if len(key[1]) == 1:
            return self._passage(side, key[1][0])
        found = self.pooled.get(key)
        if found is None:  # a feature weighs the same in each passage
            weight: dict[int, float] = {}
            for k in key[1]:
                x = self._passage(side, k)
                weight.update(zip(x.keys, x.weights, strict=True))
            keys = tuple(sorted(weight))
            found = self.pooled[key] = _Words.of(keys, [weight[f] for f in keys])
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
        shared = _shared(fa, fb)
        return False, _dice(fa, fb, shared), 0, shared / lighter if lighter > 0 else 0.0

    def anchor_gain(self, anchor: int) -> float:
        """Chain score added by a block's anchors (see :func:`anchor_agreement`)."""
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
        return _dice(fa, fb)


def numpy_sum(values: list[float]) -> float:
    """``float(np.sum(values))`` to the bit for non-negative floats, quicker on a few: numpy's
    pairwise summation (8 accumulators over blocks of up to ``_PAIRWISE_BLOCK``)."""
    n = len(values)
    if n < 8:
        return reduce(add, values, 0.0)
    if n <= _PAIRWISE_BLOCK:
        end = n - n % 8
        r = [reduce(add, values[k:end:8]) for k in range(8)]
        head = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        return reduce(add, values[end:], head)
    half = n // 2 - n // 2 % 8
    return numpy_sum(values[:half]) + numpy_sum(values[half:])


def _shared(x: _Words, y: _Words) -> float:
    """The weight of the features of ``x`` that ``y`` has, summed in ascending order (as
    numpy sums the weights of ``np.intersect1d(x, y)``), so results do not move."""
    return numpy_sum([w for f, w in zip(x.keys, x.weights, strict=True) if f in y.members])


def _dice(x: _Words, y: _Words, shared: float | None = None) -> float:
    """Weighted Dice of two sets of features (``shared``: :func:`_shared`, if known)."""
    total = x.total + y.total
    if shared is None:
        shared = _shared(x, y)
    return 2 * shared / total if total > 0 else 0.0


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


def _passage_text(d: DocAnalysis, k: int) -> str:
    return d.doc.text[d.passage_starts[k] : d.passage_ends[k]]


# Both cached by the passage's text: a document's passages meet each of its pairs.
@lru_cache(maxsize=1 << 16)
def figures(text: str) -> frozenset[str]:
    """The figures ``text`` states, thousands separators dropped (6,256 -> 6256)."""
    return frozenset(_GROUPING.sub("", m) for m in _NUMBER.findall(text))


def other_facts(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two texts stating figures ``a`` and ``b`` state different facts: both
    state figures and share fewer than half of the figures of the one stating fewer.
    Reused text keeps its figures; a template filled for another day or match, or a
    topic neighbour, changes them."""
    return bool(a and b) and 2 * len(a & b) < min(len(a), len(b))


@lru_cache(maxsize=1 << 16)
def _names_and_words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names ``text`` states (capitalised words inside a clause) and all its words,
    case folded, possessives dropped."""
    found = _GAP_AND_WORD.findall(text)  # the words _WORD finds, each after its gap
    while found and not found[-1][1]:
        found.pop()
    if not found:
        return frozenset(), frozenset()
    # casefold maps each character alone, so the words are folded in one call
    joined = _POSSESSIVE_END.sub("", "\x00".join([token for _, token in found]))
    folded = joined.casefold().split("\x00")
    names = set()
    for k, (gap, token) in enumerate(found):
        if token[0].isupper():
            gap = gap.rstrip()  # the character before the word, spaces skipped:
            last = gap[-1] if gap else found[k - 1][1][-1] if k else ""
            if last and last not in _AFTER_BREAK:
                names.add(folded[k])
    return frozenset(names - _HONORIFICS), frozenset(folded)


def anchor_agreement(a: DocAnalysis, b: DocAnalysis, p: np.ndarray, q: np.ndarray
                     ) -> np.ndarray:  # fmt: skip
    """Per passage pair ``(p[k], q[k])``, what its anchors say (int8):

    -2 the passages state other facts (:func:`other_facts`); +1 figures in common;
    -1 each names someone or something
    whose name the other does not contain at all (another person or place in the
    same slot); else 0. Names are only read where figures do not decide.
    """
    p_list, q_list = p.tolist(), q.tolist()
    text_a = {i: _passage_text(a, i) for i in set(p_list)}
    text_b = {j: _passage_text(b, j) for j in set(q_list)}
    figs_a = {i: figures(text) for i, text in text_a.items()}
    figs_b = {j: figures(text) for j, text in text_b.items()}
    out = []
    for i, j in zip(p_list, q_list, strict=True):
        if figs_a[i] and figs_b[j]:
            out.append(-2 if other_facts(figs_a[i], figs_b[j]) else 1)
            continue
        (names_a, words_a), (names_b, words_b) = (_names_and_words(text_a[i]),
                                                  _names_and_words(text_b[j]))  # fmt: skip
        out.append(-1 if names_a - words_b and names_b - words_a else 0)
    return np.array(out, dtype=np.int8)


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
