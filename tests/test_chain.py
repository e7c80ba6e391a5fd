"""Chaining's arithmetic gives what numpy gives, to the bit; names are read as anchors."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.anchors import _names_and_words
from dedup.dice import numpy_sum


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


def test_names_are_capitalised_words_inside_a_clause_folded_without_possessive() -> None:
    text = "Talks with O'Brien's aides. Later Mr Dupont met  Anna in Paris; Ministers left"
    names, words = _names_and_words(text)
    assert names == {"o'brien", "dupont", "anna", "paris"}
    assert words == {"talks", "with", "o'brien", "aides", "later", "mr", "dupont", "met", "anna",
                     "in", "paris", "ministers", "left"}  # fmt: skip
    assert _names_and_words("") == (frozenset(), frozenset())
