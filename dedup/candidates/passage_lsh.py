"""The two LSH indexes over passages: which passages each holds, and their band keys.

A passage is indexed by MinHash (threshold ``passage_threshold``) of two sets:

- its *rare stems*: content-word stems found in at most ``max_bucket``
  passages of the corpus. These survive rewording and reordering, so heavy
  rewrites meet their source. A passage needs two rare stems to be indexed
  here: sets of one stem are equal for every passage that holds it, and
  collide in every band.
- its *rare stem bigrams*: pairs of adjacent content-word stems found in at
  most ``max_bucket`` passages. Topic words are shared by thousands of
  passages once a corpus is large (their stems stop being rare), but two
  passages rarely put the same two of them side by side unless one copies the
  other, so lightly edited copies keep meeting in corpora of any size.

Two passages are a candidate pair when they collide in a band of either index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.candidates.feature_table import FeatureTable, row_starts
from dedup.candidates.lsh import band_keys, band_layout
from dedup.candidates.minhash import packed_signatures
from dedup.core.memory import TableStore
from dedup.core.params import ScanParams
from dedup.core.workers import TaskMap, in_turn

MIN_STEMS = 2  # rare stems a passage needs in the stem index
_SIGNATURE_BLOCK = 1 << 16  # passages signed at a time (32 MB of signatures)
_KEYS_BYTES = 320 << 20  # LSH band keys made at a time: 14 bands at 3M passages


def band_groups(members: list[int], params: ScanParams) -> list[dict[int, range]]:
    """The LSH bands of each index (``members[x]`` passages in index ``x``), in groups
    whose band keys fit in ``_KEYS_BYTES``: each group maps an index to its bands.

    Band keys take 8 bytes a passage and band (0.9 GB for the 37 bands of 3M passages),
    the largest arrays of the stage; small corpora key every band of both indexes at once.
    """
    n_bands = band_layout(params.passage_threshold, params.num_perm)[0]
    groups: list[dict[int, range]] = [{}]
    room = _KEYS_BYTES
    for x, n in enumerate(members):
        band = 0
        while band < n_bands:
            fit = min(n_bands - band, room // max(8 * n, 1))
            if fit <= 0 and groups[-1]:
                groups.append({})
                room = _KEYS_BYTES
                continue
            fit = max(fit, 1)
            groups[-1][x] = range(band, band + fit)
            room -= fit * 8 * n
            band += fit
    return [g for g in groups if g]


def eligible_passages(stems: FeatureTable, params: ScanParams) -> np.ndarray:
    """Bool per passage: it has ``passage_min_words`` distinct stems, enough to match alone."""
    return np.bincount(stems.passage, minlength=stems.n_passages) >= params.passage_min_words


@dataclass(frozen=True)
class LshSets:
    """The passages one LSH index holds, and which rows of a feature table make their sets.

    ``members`` are passage numbers (int64, ascending); ``sizes[k]`` is the size of
    member ``k``'s set; ``rows`` flags the table rows in a member's set; passage ``p``
    holds rows ``[first[p], first[p + 1])`` of the table.
    """

    members: np.ndarray
    sizes: np.ndarray
    rows: np.ndarray
    first: np.ndarray


def lsh_sets(passage: np.ndarray, rare: np.ndarray, starts: np.ndarray, *, min_size: int,
             eligible: np.ndarray) -> LshSets:  # fmt: skip
    """The sets of one LSH index: rare features of eligible passages with ``min_size`` of them.

    Parameters
    ----------
    passage : ndarray of int, shape (rows,)
        Row ``r`` belongs to passage ``passage[r]`` (in ``[0, n_passages)``); rows sorted by
        passage, one per distinct feature of a passage.
    rare : ndarray of bool, shape (rows,)
        Whether each row's feature is in at most ``max_bucket`` passages of the corpus
        (stock words stay out of the LSH sets).
    starts : ndarray of int64, shape (n_passages + 1,)
        Where each passage's rows begin (:func:`row_starts`).
    min_size : int
        Rare features a passage needs to be indexed.
    eligible : ndarray of bool, shape (n_passages,)
        Passages allowed in the index (:func:`eligible_passages`).
    """
    rows = rare & eligible[passage]
    sizes = np.bincount(passage[rows], minlength=len(starts) - 1)
    indexed = eligible & (sizes >= min_size)
    members = np.flatnonzero(indexed)
    rows &= indexed[passage]
    return LshSets(members, sizes[members], rows, starts)


def lsh_band_keys(sets: LshSets, feature: np.ndarray, params: ScanParams, bands: range, *,
                  threads: TaskMap = in_turn, store: TableStore | None = None
                  ) -> np.ndarray:  # fmt: skip
    """:func:`dedup.candidates.lsh.band_keys` of ``bands`` of the members' MinHash at
    ``passage_threshold`` (uint64, shape (len(members), len(bands))).

    The signatures are made a block of passages at a time (all of them would take
    ``num_perm * 4`` bytes a passage: 1.5 GB at 3M passages), blocks mapped by
    ``threads`` (the compiled loops release the GIL, so threads run them at once).
    ``store`` makes the keys array (in memory, or on disk past the scan's memory limit).
    """
    rows_per_band = band_layout(params.passage_threshold, params.num_perm)[1]
    members, first = sets.members, sets.first
    shape = (len(members), len(bands))
    keys = np.empty(shape, np.uint64) if store is None else store.empty(shape, np.uint64)

    def fill(lo: int) -> None:
        hi = min(lo + _SIGNATURE_BLOCK, len(members))
        span = slice(first[members[lo]], first[members[hi - 1] + 1])
        sigs = packed_signatures(feature[span][sets.rows[span]], sets.sizes[lo:hi],
                                 num_perm=params.num_perm, seed=params.seed)  # fmt: skip
        keys[lo:hi] = band_keys(sigs, len(bands), rows_per_band, first=bands.start)

    threads(fill, range(0, len(members), _SIGNATURE_BLOCK))
    return keys


def passage_band_keys(passage: np.ndarray, feature: np.ndarray, rare: np.ndarray,
                      n_passages: int, params: ScanParams, *, min_size: int,
                      eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The passages an LSH index holds and the keys of all their bands: :func:`lsh_sets`
    (same parameters; ``feature[r]`` is row ``r``'s feature), then :func:`lsh_band_keys`."""
    sets = lsh_sets(passage, rare, row_starts(passage, n_passages), min_size=min_size,
                    eligible=eligible)  # fmt: skip
    n_bands = band_layout(params.passage_threshold, params.num_perm)[0]
    return sets.members, lsh_band_keys(sets, feature, params, range(n_bands))
