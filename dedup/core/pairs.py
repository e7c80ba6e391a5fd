"""Pairs of numbered things (documents, passages): one code per pair, and the connected
components the pairs link.

A pair ``(i, j)`` of numbers below ``n`` is coded ``i * n + j``, so that codes sort
as the pairs do and a set of pairs is one integer array.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

_FEW_NODES = 64  # graphs up to this size are joined in Python: scipy's set-up costs more


def pair_codes(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """The codes ``i * n + j`` of pairs ``(i[k], j[k])`` of numbers below ``n``."""
    return np.asarray(i * n + j)


def code_pairs(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(i, j)`` of :func:`pair_codes` ``codes``, as two arrays."""
    i, j = np.divmod(codes, n)
    return i, j


def set_codes(pairs: Iterable[tuple[int, int]], n: int) -> np.ndarray:
    """The :func:`pair_codes` of ``pairs`` (int64, in their order)."""
    ij = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    return pair_codes(ij[:, 0], ij[:, 1], n)


def code_set(codes: np.ndarray, n: int) -> set[tuple[int, int]]:
    """The set of pairs ``(i, j)`` of :func:`pair_codes` ``codes``."""
    i, j = code_pairs(codes, n)
    return set(zip(i.tolist(), j.tolist(), strict=True))


def component_labels(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """The connected component of each of ``n`` nodes in the undirected graph of edges
    ``(i[k], j[k])``: an int32 label per node, equal within a component."""
    graph = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1])


def components(i: np.ndarray, j: np.ndarray, n: int) -> list[list[int]]:
    """The connected components of :func:`component_labels`, each a list of its nodes
    in ascending order, ordered by their first node (a node without edges is one)."""
    if n <= _FEW_NODES:
        return _small_components(i.tolist(), j.tolist(), n)
    label = component_labels(i, j, n)
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    return sorted(g.tolist() for g in np.split(order, cuts) if len(g))



def _small_components(i: list[int], j: list[int], n: int) -> list[list[int]]:
    """:func:`components` of a graph of few nodes, by union-find (each root the smallest
    node of its component)."""
    root = list(range(n))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for a, b in zip(i, j, strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in range(n):
        groups.setdefault(find(x), []).append(x)
    return sorted(groups.values())
