"""Chaining's arithmetic gives what numpy gives, to the bit; names are read as anchors; a
reworded run keeps a passage it skips on one side only when the passage pairs across the gap."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.alignment.anchors import _names_and_words
from dedup.alignment.chain import fill_gaps
from dedup.alignment.dice import WordSet, numpy_sum, shared_weight, weighted_dice
from dedup.core.params import ScanParams


@pytest.mark.parametrize("seed", range(3))
def test_numpy_sum_equals_numpy_to_the_bit(seed: int) -> None:
    # lengths across numpy's small loop (< 8), its 8-accumulator block (<= 128) and its
    # halving above; weights of very different sizes make the order of additions show
    rng = np.random.default_rng(seed)
    for n in [*range(40), 127, 128, 129, 200, 256, 257, 300, 1000]:
        values = rng.random(n) * rng.choice([1e-3, 1.0, 1e3], size=n)
        assert numpy_sum(values.tolist()) == float(values.sum()), n


def test_numpy_sum_of_nothing_is_zero() -> None:
    assert numpy_sum([]) == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_shared_weight_is_numpys_sum_of_the_shared_features_weights(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in [0, 1, 7, 8, 60, 128, 129, 300, 1000]:
        features = np.unique(rng.integers(0, 3 * n + 1, n).astype(np.uint64))
        weights = rng.random(len(features)) * rng.choice([1e-3, 1.0, 1e3], size=len(features))
        other = np.unique(rng.integers(0, 3 * n + 1, 2 * n).astype(np.uint64))
        x, y = WordSet.of(features, weights), WordSet.of(other, rng.random(len(other)))
        shared = np.isin(features, other)
        assert shared_weight(x, y) == float(weights[shared].sum()), n
        assert weighted_dice(x, y) == (2 * float(weights[shared].sum()) / (x.total + y.total)
                                       if x.total + y.total > 0 else 0.0)  # fmt: skip
        rest = x.without(y)
        assert np.array_equal(rest.features, features[~shared])
        assert rest.total == float(weights[~shared].sum())
        assert x.isdisjoint(y) == (not shared.any())
        pooled = WordSet.pooled([x, rest, WordSet.of(features[shared], weights[shared])])
        assert np.array_equal(pooled.features, features) and pooled.total == x.total


def test_names_are_capitalised_words_inside_a_clause_folded_without_possessive() -> None:
    text = "Talks with O'Brien's aides. Later Mr Dupont met  Anna in Paris; Ministers left"
    names, words = _names_and_words(text)
    assert names == {"o'brien", "dupont", "anna", "paris"}
    assert words == {"talks", "with", "o'brien", "aides", "later", "mr", "dupont", "met", "anna",
                     "in", "paris", "ministers", "left"}  # fmt: skip
    assert _names_and_words("") == (frozenset(), frozenset())


class _Ratios:
    """What :func:`fill_gaps` asks of a chain context: pairs, params, word-order ratios."""

    def __init__(self, ratios: dict[tuple[int, int], float]) -> None:
        self.pairs: dict = {}
        self.params = ScanParams()
        self.ratios = ratios

    def sequence_ratio(self, block: list[tuple[int, int]]) -> float:
        [pair] = block
        return self.ratios[pair]


@pytest.mark.parametrize("side", [0, 1])
def test_a_passage_skipped_on_one_side_joins_a_reworded_run_when_it_pairs_across_the_gap(
    side: int,
) -> None:
    def flip(x: tuple[int, int]) -> tuple[int, int]:
        return (x[1], x[0]) if side else x

    run = [flip((4, 7)), flip((6, 8))]  # passage 5 of one side skipped
    weak, weaker = flip((5, 8)), flip((5, 7))
    support = {weak: (False, 0.4, 0, 0.5), weaker: (False, 0.32, 0, 0.4)}
    free = np.ones(10, dtype=bool)
    reworded = {x: 0.45 for x in run}
    ctx = _Ratios(reworded)
    assert fill_gaps(run, ctx, support, free, free) == [run[0], weak, run[1]]
    assert ctx.pairs == {weak: support[weak]}
    # not when the passage pairs with neither neighbour, is in a match, or lies between copies
    assert fill_gaps(run, _Ratios(reworded), {}, free, free) == run
    held = free.copy()
    held[5] = False
    free_a, free_b = (free, held) if side else (held, free)
    assert fill_gaps(run, _Ratios(reworded), support, free_a, free_b) == run
    copies = {x: 0.95 for x in run}
    assert fill_gaps(run, _Ratios(copies), support, free, free) == run
    one_copy = {run[0]: 0.95, run[1]: 0.45}
    assert fill_gaps(run, _Ratios(one_copy), support, free, free) == [run[0], weak, run[1]]
