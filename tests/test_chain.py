"""Chaining's arithmetic gives what numpy gives, to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.chain import numpy_sum


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
