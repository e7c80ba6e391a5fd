"""Weighted word sets and their Dice coefficient, summed to the bit as numpy sums.

Chaining compares passages, and passages taken together, by the weights of
their content-word features; the sums follow numpy's pairwise summation so
that results agree with the vectorised join of :mod:`dedup.alignment.align`. The sets are
sorted arrays, compared by compiled merges: a passage of a script written without
spaces holds a feature a character, and a loop over them in Python cost more than
the rest of chaining.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import add

import numpy as np

from dedup.core.kernels import compiled

_PAIRWISE_BLOCK = 128  # numpy sums blocks up to this long with 8 accumulators


@dataclass(frozen=True, slots=True)
class WordSet:
    """Content-word features (``features``, uint64, ascending and distinct), their
    ``weights`` (float64) in the same order, and ``total``, their sum (as ``np.sum``)."""

    features: np.ndarray
    weights: np.ndarray
    total: float

    @classmethod
    def of(cls, features: np.ndarray, weights: np.ndarray) -> WordSet:
        """Features ``features`` (ascending, distinct) and their ``weights``."""
        return cls(features, weights, float(np.sum(weights)))

    @classmethod
    def pooled(cls, sets: list[WordSet]) -> WordSet:
        """The features of ``sets`` taken together (a feature weighs the same in each)."""
        features, first = np.unique(np.concatenate([s.features for s in sets]),
                                    return_index=True)  # fmt: skip
        return cls.of(features, np.concatenate([s.weights for s in sets])[first])

    def without(self, other: WordSet) -> WordSet:
        """The features of this set that ``other`` lacks."""
        kept = ~_found(self.features, other.features)
        return WordSet.of(self.features[kept], self.weights[kept])

    def isdisjoint(self, other: WordSet) -> bool:
        """Whether no feature is in both sets."""
        return not _found(self.features, other.features).any()


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
    found = np.empty(len(x.features))
    n, total = _shared_sum(x.features, x.weights, y.features, found)
    return float(total) if n <= _PAIRWISE_BLOCK else float(np.sum(found[:n]))


def weighted_dice(x: WordSet, y: WordSet, shared: float | None = None) -> float:
    """Weighted Dice of two sets of features (``shared``: :func:`shared_weight`, if known)."""
    total = x.total + y.total
    if shared is None:
        shared = shared_weight(x, y)
    return 2 * shared / total if total > 0 else 0.0


@compiled
def _found(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bool per element of ``x``: it is in ``y`` (both ascending)."""
    out = np.zeros(len(x), dtype=np.bool_)
    j = 0
    for i in range(len(x)):
        while j < len(y) and y[j] < x[i]:
            j += 1
        out[i] = j < len(y) and y[j] == x[i]
    return out


@compiled
def _shared_sum(x: np.ndarray, weights: np.ndarray, y: np.ndarray,
                found: np.ndarray) -> tuple[int, float]:  # fmt: skip
    """The weights of the elements of ``x`` found in ``y`` (both ascending), written in
    their order to ``found``: how many, and their sum as ``np.sum`` sums them if they are
    at most ``_PAIRWISE_BLOCK`` (numpy's pairwise summation of one block)."""
    n, j = 0, 0
    for i in range(len(x)):
        while j < len(y) and y[j] < x[i]:
            j += 1
        if j < len(y) and y[j] == x[i]:
            found[n] = weights[i]
            n += 1
    total = 0.0
    if n < 8:
        for i in range(n):
            total += found[i]
    elif n <= _PAIRWISE_BLOCK:
        r = found[:8].copy()
        end = n - n % 8
        for i in range(8, end, 8):
            for k in range(8):
                r[k] += found[i + k]
        total = float(((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])))
        for i in range(end, n):
            total += found[i]
    return n, total
