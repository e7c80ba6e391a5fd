"""LSH on Spark: band rows shuffled by key in numpy blocks, buckets grouped on the reducers.

Every ``(band, key, item, group)`` row goes, in numpy blocks (:func:`keyed_blocks`), to
the reducer that owns ``key`` (:func:`shuffled`), so a bucket lands whole on one task,
which groups it with :func:`dedup.candidates.lsh.candidate_pairs` (:func:`bucket_pairs`).

The codes of the document pairs that collide there stay in the executors
(:class:`SparkCodes`): the scan reports how many distinct pairs collided, and the driver
receives that count, never the codes, whose number grows with the square of a story's
documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, cast

import numpy as np

from dedup.candidates.lsh import band_keys, band_layout, candidate_pairs
from dedup.core.arrays import unique_sorted
from dedup.core.params import ScanParams
from dedup.engines.spark_tables import BandRows

if TYPE_CHECKING:
    from pyspark import RDD

Rows = BandRows
# A record of a reducer's colliding passage pairs: their document pairs' codes, the
# passage pairs (numbered over the corpus), buckets skipped (in the reducer's first record)
Collided = tuple[np.ndarray, np.ndarray, int]
# Passage pairs a record of the LSH reducers' output holds, at most: the output is cached,
# and a reducer's every pair in one record ran a 4 GB JVM (local[2]) out of heap in the
# memory store at 100,000 documents.
COLLIDED_A_RECORD = 1 << 20
CODES_A_RECORD = 1 << 20  # colliding pair codes a record of the count's shuffle holds, at most
CODE_PARTITIONS = 8  # partitions of that shuffle a partition of the scan's shuffles


class SparkCodes:
    """:class:`~dedup.engines.engine.PairCodes` of the LSH reducers' colliding document
    pairs, spread over ``parts`` partitions by code (``code % parts``), each partition's
    sorted and distinct; the caller persists ``codes`` and unpersists it.

    Each reducer sends its distinct codes in records of at most ``CODES_A_RECORD``: a
    record is deserialized whole in the JVM, and at 100,000 documents records of a
    reducer's every code for a partition ran a 4 GB heap out of memory.
    """

    def __init__(self, collided: RDD[Collided], parts: int) -> None:
        def split(codes: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
            codes = unique_sorted(codes)
            dest = codes % parts
            for r in np.unique(dest).tolist():
                mine = codes[dest == r]
                for first in range(0, len(mine), CODES_A_RECORD):
                    yield r, mine[first : first + CODES_A_RECORD]

        def merge(blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
            yield unique_sorted(np.concatenate([*blocks, np.zeros(0, np.int64)]))

        self.parts = parts
        by_code = collided.flatMap(lambda r: split(r[0])).partitionBy(parts, lambda r: r)
        self.codes: RDD[np.ndarray] = by_code.values().mapPartitions(merge)

    def count_with(self, codes: np.ndarray) -> int:
        parts, extra = self.parts, codes.astype(np.int64)
        shared = self.codes.context.broadcast(extra)

        def count(r: int, held: Iterable[np.ndarray]) -> Iterator[int]:
            more = shared.value[shared.value % parts == r]
            yield len(unique_sorted(np.concatenate([*held, more])))

        try:
            return int(sum(self.codes.mapPartitionsWithIndex(count).collect()))
        finally:
            shared.unpersist()


def keyed_blocks(rows: Iterable[tuple[np.ndarray, ...]], parts: int,
                 key_at: int) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:  # fmt: skip
    """Split a partition's rows (columns of equal length, column ``key_at`` the uint64
    key) by reducer (``key % parts``): one block per reducer."""
    got = list(rows)
    if not got:
        return
    columns = [np.concatenate(c) for c in zip(*got, strict=True)]
    dest = (columns[key_at] % np.uint64(parts)).astype(np.int64)
    order = np.argsort(dest, kind="stable")
    cuts = np.searchsorted(dest[order], np.arange(parts + 1))
    for r in range(parts):
        sel = order[cuts[r] : cuts[r + 1]]
        if len(sel):
            yield r, tuple(c[sel] for c in columns)


def shuffled(rows: RDD[Rows], parts: int) -> RDD[Rows]:
    """Band rows regrouped so that every ``(band, key)`` bucket is whole in one partition."""
    blocks = rows.mapPartitions(lambda it: keyed_blocks(it, parts, key_at=1))
    return cast("RDD[Rows]", blocks.partitionBy(parts, lambda r: r).values())


def bucket_pairs(blocks: Iterable[Rows], max_bucket: int,
                 grouped: bool) -> tuple[list[np.ndarray], int]:  # fmt: skip
    """Pairs ``(item_i, item_j)``, ``item_i < item_j``, sharing a bucket, and buckets skipped.

    Each band is grouped by :func:`dedup.candidates.lsh.candidate_pairs`, which skips and counts the
    buckets over ``max_bucket``; with ``grouped``, pairs inside one group are dropped.
    """
    got = list(blocks)
    if not got:
        return [], 0
    band, key, item, group = (np.concatenate(c) for c in zip(*got, strict=True))
    found, skipped = [], 0
    for b in np.unique(band):
        sel = np.flatnonzero(band == b)
        pairs, sk = candidate_pairs(key[sel][:, None], max_bucket=max_bucket,
                                    groups=group[sel] if grouped else None)  # fmt: skip
        skipped += sk
        ends = item[sel][pairs]
        found.append(np.sort(ends, axis=1))
    return found, skipped


def doc_band_rows(blocks: Iterable[tuple[np.ndarray, np.ndarray]],
                  params: ScanParams) -> Iterator[Rows]:  # fmt: skip
    """Band keys of blocks of document signatures ``(indices, signatures)``."""
    bands, rows = band_layout(params.doc_threshold, params.num_perm)
    for index, sigs in blocks:
        keys = band_keys(sigs, bands, rows)
        item = np.repeat(index, bands)
        yield np.tile(np.arange(bands), len(index)), keys.ravel(), item, item
