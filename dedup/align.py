"""Verify a candidate document pair and align its reused passages into maximal spans.

Stage: two analyses + passage weights -> reuse matches. Passages are sentences;
content words are weighted by their IDF over the corpus, scaled to [0, 1]. The
approach is seed-and-extend over sentences, as in the PAN text-alignment systems
and passim: rare-word seeds, chained into spans, verified as a whole.

1. **Similarity, sparse.** Only passage pairs that share a content word are
   scored, by a join on sorted features in chunks of bounded size: shared
   weight, weighted Dice and weighted containment of the lighter passage.
2. **Seeds.** A pair is *evidence of reuse* (:func:`is_evidence`) when its shared
   words are rare enough (summed weight >= ``match_min_weight``) and cover both
   passages (Dice >= ``match_similarity``) or the smaller one (containment >=
   ``match_containment``: a sentence merged into, or split from, a longer one).
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
   (an inserted sentence is not reused); a skip on both sides stays inside. Each
   piece is one :class:`~dedup.records.Match` over whole passages, less an
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

   ``boilerplate`` matches come from :mod:`dedup.boilerplate`, never from here.
   Each match carries its evidence: ``score`` (mean Dice of its passage pairs)
   and ``shared_words`` (the rarest shared words, rarest first).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from dedup.analyze import DocAnalysis
from dedup.params import ScanParams
from dedup.records import Match, ReuseKind

Weights = Callable[[np.ndarray], np.ndarray]  # feature hashes -> weights in [0, 1]
# Kept passage pairs (i, j) -> (is a seed, Dice, anchors (see _anchor_agreement), containment).
_Pairs = dict[tuple[int, int], tuple[bool, float, int, float]]
_EDGE_MIN_WORDS = 4  # fewer differing words at an end are an edit, not a boundary
_OPENING = frozenset("\"'(\u201c\u2018\u00ab")
_CLOSING = frozenset("\"').,;:!?\u201d\u2019\u00bb\u2026")
_PARTIAL_SLACK = 0.1  # share of matched words that may lie outside the longest run
_EVIDENCE_WORDS = 8
_JOIN_CHUNK = 1 << 21  # (passage, passage, feature) triples joined at a time: bounds memory
_MAX_SKIP = 1  # passages a chain may skip on each side between two of its pairs
# A news dateline: capitalised place words, maybe ", Region" and "(Agency)", then a dash.
_DATELINE = re.compile(
    r"(?:[A-Z][A-Z.'\u2019]+ ?)+(?:, ?[A-Z][\w .]+?)? ?(?:\([^)\n]{1,40}\))? ?"
    r"(?:[\u2013\u2014] ?|-+ )"  # spaced hyphen, or an en or em dash
    r"|[A-Z]{5,}-(?=[A-Z][a-z])"  # BRUSSELS-Russia (not NATO-Russia)
)
_REPEAT_SHARE = 0.1  # a merged part adding less than this share of its word weight repeats
# A figure as news writes it: 6256, 6,256, 6 256 (thin or non-breaking space), 28.5.
_NUMBER = re.compile(r"\d+(?:[,\u00a0\u202f ]\d{3}(?!\d))*(?:\.\d+)?")
_GROUPING = re.compile(r"[,\u00a0\u202f ]")
_WORD = re.compile(r"[^\W\d_][\w\u2019'-]*")
# A capital after one of these opens a clause (not a name).
_AFTER_BREAK = frozenset(".!?:;\"'(\u201c\u2018\u00ab\u2014\u2013-")
_HONORIFICS = frozenset(("mr", "ms", "mrs", "dr"))
_POSSESSIVE = re.compile(r"['\u2019]s$")


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
    pa, fa = a.feature_table(np.flatnonzero(usable_a))
    pb, fb = b.feature_table(np.flatnonzero(usable_b))
    wa, wb = weights(fa), weights(fb)
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
    if not parts:
        empty = np.zeros(0)
        return PairSimilarity(empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty)
    return PairSimilarity(*(np.concatenate(cols) for cols in zip(*parts, strict=True)))


def _chunks(passages: np.ndarray, hits: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges ``[r0, r1)`` of ``passages`` (sorted) with about ``_JOIN_CHUNK`` hits
    each (more only when one passage alone has more), never cutting a passage."""
    if not len(passages):
        return []
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
    q = pb[np.repeat(lo, hits) + np.arange(int(hits.sum())) - np.repeat(firsts, hits)]
    codes = pa[rows] * len(total_b) + q
    pairs, inverse = np.unique(codes, return_inverse=True)
    shared = np.bincount(inverse, weights=wa[rows], minlength=len(pairs))
    p, q = pairs // len(total_b), pairs % len(total_b)
    ta, tb = total_a[p], total_b[q]
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = np.nan_to_num(np.minimum(2 * shared / (ta + tb), 1.0))
        containment = np.nan_to_num(np.minimum(shared / np.minimum(ta, tb), 1.0))
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


def _is_support(sim: PairSimilarity, params: ScanParams) -> np.ndarray:
    """Step 3's test: may the pair extend a chain (bool per pair)? Every seed may."""
    weak = sim.dice >= params.support_similarity
    return np.asarray(weak | is_evidence(sim.shared, sim.dice, sim.containment, params))


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
    sim = passage_similarity(a, b, weights, usable_a=usable_a, usable_b=usable_b,
                             keep=lambda s: _is_support(s, params))  # fmt: skip
    seed = is_evidence(sim.shared, sim.dice, sim.containment, params)
    if not seed.any():
        return []
    anchors = _anchor_agreement(a, b, sim)
    agree = (anchors > -2) & (seed | (anchors > -1))
    sim, seed, anchors = sim.subset(agree), seed[agree], anchors[agree]
    if not seed.any():
        return []
    sim, seed, anchors = _best_counterparts(sim, seed, anchors)
    ctx = _Context(a, b, weights, params, {
        (int(p), int(q)): (bool(s), float(d), int(x), float(c))
        for p, q, s, d, x, c in zip(sim.p, sim.q, seed, sim.dice, anchors, sim.containment,
                                    strict=True)})  # fmt: skip
    matches: list[Match] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for run in sorted(_chain(ctx.pairs, params), key=lambda r: -ctx.chain_score(r)):
        run = [(i, j) for i, j in run if i not in used_a and j not in used_b]
        run = _trim_weak_ends(ctx.without_repeats(run), ctx)
        if not run:
            continue
        run = ctx.extend_merges(run, usable_a & ~_mask(used_a, a.n_passages),
                                usable_b & ~_mask(used_b, b.n_passages))  # fmt: skip
        run = _extend_identical(run, a, b, usable_a, usable_b)
        found = [_span_match(a, b, piece, ctx.pairs, weights, params) for piece in _pieces(run)]
        if (
            ctx.chain_score(run) >= params.chain_min_score
            or max(n for _, n in found) >= params.verbatim_min_words
        ):
            matches += [m for m, _ in found]
            used_a.update(i for i, _ in run)
            used_b.update(j for _, j in run)
    return sorted(matches, key=lambda m: (m.a_start, m.b_start))


@dataclass(frozen=True, slots=True)
class _Context:
    """One document pair under alignment and its kept passage pairs."""

    a: DocAnalysis
    b: DocAnalysis
    weights: Weights
    params: ScanParams
    pairs: _Pairs

    def chain_score(self, run: list[tuple[int, int]]) -> float:
        """Evidence of a run (step 5): the gains of its blocks, summed.

        A block is a sentence pair, or a merge: pairs that share a passage (one
        sentence against the two parts it was split into). Its gain is the
        weighted Dice of its passages' words taken together, minus
        ``support_similarity``, plus ``anchor_bonus`` when a pair of it states a
        figure in common, minus ``name_penalty`` when each side names someone the
        other does not; never below 0. Counting a merge once keeps a headline that repeats
        its lead from doubling the evidence of one sentence pair.
        """
        total = 0.0
        for block in _blocks(run):
            anchor = max(self.pairs[x][2] if x in self.pairs else 0 for x in block)
            ratio = self.sequence_ratio(block)
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
        whole_doc, part_doc = (self.a, self.b) if side == 0 else (self.b, self.a)
        whole, own = part[side], part[1 - side]
        partners = [x[1 - side] for x in run if x[side] == whole and x[1 - side] != own]
        words = whole_doc.passage_features(whole)
        mine = part_doc.passage_features(own)
        if not partners:
            return self.dice(words, mine) >= self.params.support_similarity
        theirs = np.unique(np.concatenate([part_doc.passage_features(k) for k in partners]))
        rest = np.setdiff1d(words, theirs, assume_unique=True)
        explains = self.dice(rest, mine) >= self.params.support_similarity
        return explains and self.dice(words, np.union1d(theirs, mine)) >= self.dice(words, theirs)

    def dice(self, x: np.ndarray, y: np.ndarray) -> float:
        """Weighted Dice of two sets of features (unique)."""
        total = self.weights(x).sum() + self.weights(y).sum()
        shared = self.weights(np.intersect1d(x, y, assume_unique=True)).sum()
        return float(2 * shared / total) if total > 0 else 0.0

    def extend_merges(self, run: list[tuple[int, int]], free_a: np.ndarray, free_b: np.ndarray
                      ) -> list[tuple[int, int]]:  # fmt: skip
        """The run with the parts of merged sentences at its ends that it lacks: the
        sentence before (after) its first (last) pair on one side, when it explains
        the rest of that pair's sentence on the other side (:meth:`part_evidence`).
        ``free_a``, ``free_b``: passages no match holds yet."""
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
                    grown = True
                    break
        return run

    def anchor_gain(self, anchor: int) -> float:
        """Chain score added by a block's anchors (see :func:`_anchor_agreement`)."""
        if anchor > 0:
            return self.params.anchor_bonus
        return -self.params.name_penalty if anchor < 0 else 0.0

    def sequence_ratio(self, block: list[tuple[int, int]]) -> float:
        """difflib's ratio of the block's word sequences on the two sides."""
        a, b = self.a, self.b
        ia, jb = [i for i, _ in block], [j for _, j in block]
        words_a = a.tokens.hashes[a.passage_tok_lo[min(ia)] : a.passage_tok_hi[max(ia)]]
        words_b = b.tokens.hashes[b.passage_tok_lo[min(jb)] : b.passage_tok_hi[max(jb)]]
        return _ratio(words_a.tolist(), words_b.tolist())

    def without_repeats(self, run: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The run without pairs whose passage repeats a neighbour it is merged with
        (a headline that repeats its lead: its words add nothing to the block's)."""
        drop = set()
        for block in _blocks(run):
            for side, d in ((0, self.a), (1, self.b)):
                parts = sorted({x[side] for x in block})
                for k in parts if len(parts) > 1 else ():
                    own = d.passage_features(k)
                    rest = np.concatenate([d.passage_features(o) for o in parts if o != k])
                    new = self.weights(own[~np.isin(own, rest)]).sum()
                    if new <= _REPEAT_SHARE * self.weights(own).sum():
                        drop |= {x for x in block if x[side] == k}
        return [x for x in run if x not in drop]

    def group_dice(self, block: list[tuple[int, int]]) -> float:
        """Weighted Dice of the words of a block's passages of a and of b, each side pooled."""
        if len(block) == 1:
            return self.pairs[block[0]][1] if block[0] in self.pairs else 1.0
        fa = np.unique(np.concatenate([self.a.passage_features(i) for i, _ in block]))
        fb = np.unique(np.concatenate([self.b.passage_features(j) for _, j in block]))
        wa, wb = self.weights(fa).sum(), self.weights(fb).sum()
        shared = self.weights(np.intersect1d(fa, fb, assume_unique=True)).sum()
        return float(2 * shared / (wa + wb)) if wa + wb > 0 else 0.0


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


def _anchors(d: DocAnalysis, k: int) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """What passage ``k`` states: its figures (thousands separators dropped: 6,256 ->
    6256), its names (capitalised words inside a clause) and all its words, the last
    two case folded, possessives dropped."""
    text = d.doc.text[d.passage_starts[k] : d.passage_ends[k]]
    figures = frozenset(_GROUPING.sub("", m) for m in _NUMBER.findall(text))
    words, names = set(), set()
    for m in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", m.group()).casefold()
        words.add(word)
        before = text[: m.start()].rstrip()
        if m.group()[0].isupper() and before and before[-1] not in _AFTER_BREAK:
            names.add(word)
    return figures, frozenset(names - _HONORIFICS), frozenset(words)


def _anchor_agreement(a: DocAnalysis, b: DocAnalysis, sim: PairSimilarity) -> np.ndarray:
    """Per pair, what its anchors say (int8):

    -2 both passages state figures but none in common (different facts: reused text
    keeps its figures); +1 a figure in common; -1 each names someone or something
    whose name the other does not contain at all (another person or place in the
    same slot); else 0.
    """
    fa = {int(p): _anchors(a, int(p)) for p in np.unique(sim.p)}
    fb = {int(q): _anchors(b, int(q)) for q in np.unique(sim.q)}
    out = np.zeros(len(sim), dtype=np.int8)
    for k, (p, q) in enumerate(zip(sim.p.tolist(), sim.q.tolist(), strict=True)):
        (figs_a, names_a, words_a), (figs_b, names_b, words_b) = fa[p], fb[q]
        if figs_a and figs_b:
            out[k] = 1 if figs_a & figs_b else -2
        elif names_a - words_b and names_b - words_a:
            out[k] = -1
    return out


def _chain(pairs: _Pairs, params: ScanParams) -> list[list[tuple[int, int]]]:
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


def _trim_weak_ends(run: list[tuple[int, int]], ctx: _Context) -> list[tuple[int, int]]:
    """The run without the support pairs at its ends that are less alike than
    ``end_ratio`` times the median likeness of its seeds (empty when it has no seed).

    A topic neighbour next to a copied passage (same speaker, same story) is a weak
    pair beside strong ones; a reworded neighbour in a reworded passage is as weak as
    the rest. Likeness is measured as the seeds are alike: by word order (difflib's
    ratio) when their median ratio reaches ``light_similarity`` (edited copies: a
    topic neighbour shares words, not their order), else by weighted Dice (rewordings
    keep the rare words). A pair stating a figure in common stays. A pair sharing a passage with
    the next one inward (the part of a merged sentence) stays when it explains the rest
    of the merged sentence (:meth:`_Context.part_evidence`), seed or not: a part's Dice
    with the whole is low, and its containment in it is high for a neighbour too.
    """
    pairs = ctx.pairs
    seeds = [x for x in run if pairs[x][0]]
    if not seeds:
        return []
    ratios = [ctx.sequence_ratio([x]) for x in seeds]
    in_order = float(np.median(ratios)) >= ctx.params.light_similarity
    if in_order:
        floor = ctx.params.end_ratio * float(np.median(ratios))
    else:
        floor = ctx.params.end_ratio * float(np.median([pairs[x][1] for x in seeds]))

    def strong(k: int, inward: int) -> bool:
        if not 0 <= k < len(run):
            return True
        seed, dice, anchor, _ = pairs[run[k]]
        if 0 <= inward < len(run):
            for side in (0, 1):
                if run[k][side] == run[inward][side]:
                    return ctx.part_evidence(run, run[k], side)
        alike = ctx.sequence_ratio([run[k]]) if in_order else dice
        return seed or anchor > 0 or alike >= floor

    first, last = 0, len(run)
    while first < last and not strong(first, first + 1):
        first += 1
    while last > first and not strong(last - 1, last - 2):
        last -= 1
    return run[first:last]


def _mask(taken: set[int], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(taken)] = True
    return out


def _pieces(run: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
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


def _same_words(a: DocAnalysis, i: int, b: DocAnalysis, j: int) -> bool:
    ta = a.tokens.hashes[a.passage_tok_lo[i] : a.passage_tok_hi[i]]
    tb = b.tokens.hashes[b.passage_tok_lo[j] : b.passage_tok_hi[j]]
    return len(ta) > 0 and np.array_equal(ta, tb)


def _extend_identical(run: list[tuple[int, int]], a: DocAnalysis, b: DocAnalysis,
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


def _span_match(a: DocAnalysis, b: DocAnalysis, run: list[tuple[int, int]],
                pairs: _Pairs, weights: Weights,
                params: ScanParams) -> tuple[Match, int]:  # fmt: skip
    """The contiguous run as a match with its kind (step 6), and the number of words
    of the longest identical word run the two sides share."""
    ia = sorted({i for i, _ in run})
    jb = sorted({j for _, j in run})
    a_lo, a_hi = int(a.passage_tok_lo[ia[0]]), int(a.passage_tok_hi[ia[-1]])
    b_lo, b_hi = int(b.passage_tok_lo[jb[0]]), int(b.passage_tok_hi[jb[-1]])
    a_start, a_end = int(a.passage_starts[ia[0]]), int(a.passage_ends[ia[-1]])
    b_start, b_end = int(b.passage_starts[jb[0]]), int(b.passage_ends[jb[-1]])
    line_a, line_b = _dateline(a, a_start, a_end), _dateline(b, b_start, b_end)
    if line_a != line_b:  # each outlet writes its own dateline: not reused text
        a_start, a_lo = _after(a, a_start, line_a, a_lo)
        b_start, b_lo = _after(b, b_start, line_b, b_lo)
    words_a = a.tokens.hashes[a_lo:a_hi].tolist()
    words_b = b.tokens.hashes[b_lo:b_hi].tolist()
    score = float(np.mean([pairs[x][1] if x in pairs else 1.0 for x in run]))
    kind: ReuseKind
    if words_a == words_b:
        kind, score, identical = "verbatim", 1.0, len(words_a)
    else:
        matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
        kind = "light" if _ratio(words_a, words_b) >= params.light_similarity else "heavy"
        blocks = [blk for blk in matcher.get_matching_blocks() if blk.size]
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
                  _shared_words(a, a_lo, a_hi, b, b_lo, b_hi, weights))  # fmt: skip
    return match, identical


def _ratio(x: list[int], y: list[int]) -> float:
    """difflib's ratio of two word sequences, the same whichever comes first (difflib's
    is not: its longest-match ties break by position in the second sequence)."""
    first, second = (x, y) if x <= y else (y, x)
    return SequenceMatcher(None, first, second, autojunk=False).ratio()


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
