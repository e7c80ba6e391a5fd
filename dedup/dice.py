"""Weighted word sets and their Dice coefficient, summed to the bit as numpy sums.

Chaining compares passages, and passages taken together, by the weights of
their content-word features; the sums follow numpy's pairwise summation so
that results agree with the vectorised join of :mod:`dedup.align`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import add

_PAIRWISE_BLOCK = 128  # numpy sums blocks up to this long with 8 accumulators


@dataclass(frozen=True, slots=True)
class WordSet:
    """Content-word features (``keys``, ascending; ``members``, the same as a set), their
    ``weights`` in the same order, and ``total``, their sum (:func:`numpy_sum`)."""

    keys: tuple[int, ...]
    weights: list[float]
    members: frozenset[int]
    total: float

    @classmethod
    def of(cls, keys: tuple[int, ...], weights: list[float]) -> WordSet:
        """Features ``keys`` (ascending) and their ``weights``."""
        return cls(keys, weights, frozenset(keys), numpy_sum(weights))

    def without(self, other: WordSet) -> WordSet:
        """The features of this set that ``other`` lacks."""
        kept = [(f, w) for f, w in zip(self.keys, self.weights, strict=True)
                if f not in other.members]  # fmt: skip
        return WordSet.of(tuple(f for f, _ in kept), [w for _, w in kept])


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


def shared_weight(x: WordSet, y: WordSet) -> float:
    """The weight of the features of ``x`` that ``y`` has, summed in ascending order (as
    numpy sums the weights of ``np.intersect1d(x, y)``), so results do not move."""
    return numpy_sum([w for f, w in zip(x.keys, x.weights, strict=True) if f in y.members])


def weighted_dice(x: WordSet, y: WordSet, shared: float | None = None) -> float:
    """Weighted Dice of two sets of features (``shared``: :func:`shared_weight`, if known)."""
    total = x.total + y.total
    if shared is None:
        shared = shared_weight(x, y)
    return 2 * shared / total if total > 0 else 0.0
