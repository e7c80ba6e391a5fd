"""Chaining's arithmetic gives what numpy gives, to the bit; names are read as anchors."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.alignment.anchors import _names_and_words
from dedup.alignment.dice import WordSet, numpy_sum, shared_weight, weighted_dice


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
