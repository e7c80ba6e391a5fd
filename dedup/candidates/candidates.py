"""Candidate document pairs: LSH over passages' rare features, then the evidence pre-test.

Stage: the corpus's passage features (:mod:`dedup.candidates.feature_table`) -> document pairs
worth aligning. Pure numpy over flat tables, so the local engine runs it whole and
the Spark engine runs the same functions per LSH bucket. The two passage LSH
indexes are described in :mod:`dedup.candidates.passage_lsh`, the evidence pre-test in
:mod:`dedup.candidates.evidence`.

How candidate generation is bounded
-----------------------------------
1. A feature found in more than ``max_bucket`` passages (a stock word or
   phrase of the corpus) is left out of the LSH sets. A band collision means
   the two sets share an element, so the passage pairs LSH can produce are at
   most ``max_bucket / 2`` times the feature occurrences: linear. Corpora with
   no feature that common (the seeds) are unaffected.
2. LSH buckets holding more than ``max_bucket`` passages are skipped (counted
   in ``stats["skipped_buckets"]``).
3. A colliding passage pair makes its documents a candidate only when it passes
   alignment's evidence test (rare shared words: weighted overlap >=
   ``match_min_weight`` and Dice >= ``match_similarity`` or containment >=
   ``match_containment``), one compiled merge of the two passages' sorted
   stems a pair; pairs that collided on common words alone are never aligned.
"""

from __future__ import annotations

import numpy as np

from dedup.candidates.evidence import EvidenceTable, passage_evidence
from dedup.candidates.feature_table import FeatureTable, PassageRows
from dedup.candidates.lsh import band_keys, band_layout, candidate_pairs
from dedup.candidates.passage_lsh import (
    MIN_STEMS,
    band_groups,
    eligible_passages,
    lsh_band_keys,
    lsh_sets,
)
from dedup.core.arrays import union_sorted, unique_sorted
from dedup.core.memory import TableStore, release_freed_memory
from dedup.core.pairs import code_pairs, code_set, pair_codes
from dedup.core.params import ScanParams
from dedup.core.workers import TaskMap, in_turn

_BANDS_A_TASK = 6  # bands a task groups one after the other, at most


def candidate_documents(stems: FeatureTable, bigrams: PassageRows, params: ScanParams, *,
                        tasks: TaskMap = in_turn, threads: TaskMap = in_turn,
                        store: TableStore | None = None
                        ) -> tuple[set[tuple[int, int]], np.ndarray, int]:  # fmt: skip
    """Document pairs to align, codes ``i * n + j`` of all colliding document pairs, and
    LSH buckets skipped.

    ``stems`` and ``bigrams`` number the same passages. A document pair is aligned when
    one of its colliding passage pairs passes the evidence test (on ``stems``). A task
    groups a few bands one after the other and pre-tests their pairs; ``tasks`` runs the
    tasks and ``threads`` the blocks of signatures (:class:`~dedup.core.workers.TaskMap`, the
    engine's), and the result does not depend on how. ``store`` makes the band keys
    (:class:`~dedup.core.memory.TableStore`).
    """
    eligible = eligible_passages(stems, params)
    indexes = [lsh_sets(table.passage, table.rare(params.max_bucket), table.starts,
                        min_size=min_size, eligible=eligible)
               for table, min_size in ((stems, MIN_STEMS), (bigrams, 1))]  # fmt: skip
    features = (stems.feature, bigrams.feature)
    pretest = stems.evidence_table()
    colliding, aligned, skipped = np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    for group in band_groups([len(s.members) for s in indexes], params):
        keys = {x: lsh_band_keys(indexes[x], features[x], params, bands, threads=threads,
                                 store=store)
                for x, bands in group.items()}  # fmt: skip
        found = _band_codes(keys, [indexes[x].members for x in keys], stems, pretest, aligned,
                            params, tasks)  # fmt: skip
        if store is not None:
            for array in keys.values():
                store.release(array)
        del keys
        parts = [colliding, *(c for c, _, _ in found)]
        newly = [aligned, *(a for _, a, _ in found)]
        skipped += sum(sk for _, _, sk in found)
        del found, colliding, aligned
        colliding, aligned = union_sorted(parts), union_sorted(newly)
        release_freed_memory()
    return code_set(aligned, stems.n_docs), colliding, skipped


def _band_codes(keys: dict[int, np.ndarray], members: list[np.ndarray], stems: FeatureTable,
                pretest: EvidenceTable, aligned: np.ndarray, params: ScanParams, tasks: TaskMap
                ) -> list[tuple[np.ndarray, np.ndarray, int]]:  # fmt: skip
    """Per task (a few columns of a ``keys`` array, whose rows are the passages ``members``
    in the same order): codes of the colliding document pairs, of the document pairs
    newly found to hold a passage pair passing the evidence test (``pretest``), and
    buckets skipped.

    A true copy collides in most bands: once its document pair is known to pass
    (``aligned``, sorted, or an earlier band of the task), its passage pairs are not
    tested again. Which pairs pass does not depend on the order.
    """
    arrays = list(zip(keys.values(), members, strict=True))

    def task_codes(task: tuple[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
        band_keys, passages = arrays[task[0]]
        known, colliding, skipped = aligned, [], 0
        for column in task[1].tolist():
            pairs, sk = candidate_pairs(band_keys[:, column : column + 1],
                                        max_bucket=params.max_bucket,
                                        groups=stems.owner[passages])  # fmt: skip
            pairs, skipped = passages[pairs], skipped + sk
            codes = document_pair_codes(stems.owner, pairs, stems.n_docs)
            untested = ~is_in(codes, known)
            passing = passage_evidence(pretest, pairs[untested], params)
            known = unique_sorted(np.concatenate((known, codes[untested][passing])))
            colliding.append(unique_sorted(codes))
        return unique_sorted(np.concatenate(colliding)), known, skipped

    columns = [(k, c) for k, (band_keys, _) in enumerate(arrays)
               for c in np.array_split(np.arange(band_keys.shape[1]),
                                       -(-band_keys.shape[1] // _BANDS_A_TASK))]  # fmt: skip
    return tasks(task_codes, columns)


def is_in(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Bool per value: it is one of ``ordered`` (sorted)."""
    if not len(ordered):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return np.asarray(ordered[at] == values)


def unique_pairs(found: list[np.ndarray], n: int) -> np.ndarray:
    """Distinct rows of the ``(k, 2)`` int64 arrays ``found`` (entries below ``n``), sorted."""
    codes = unique_sorted(np.concatenate([pair_codes(p[:, 0], p[:, 1], n) for p in found]
                                         + [np.zeros(0, np.int64)]))  # fmt: skip
    return np.stack(code_pairs(codes, max(n, 1)), axis=1)


def owner_codes(owner: np.ndarray, pairs: np.ndarray, n_docs: int) -> np.ndarray:
    """Distinct document pairs ``(i, j)``, ``i < j``, of passage pairs, as ``i * n + j`` codes."""
    return unique_sorted(document_pair_codes(owner, pairs, n_docs))


def document_pair_codes(owner: np.ndarray, pairs: np.ndarray, n_docs: int) -> np.ndarray:
    """The document pair ``(i, j)``, ``i < j``, of each passage pair, as a pair code."""
    i, j = owner[pairs[:, 0]], owner[pairs[:, 1]]
    return pair_codes(np.minimum(i, j), np.maximum(i, j), n_docs)


def near_duplicate_documents(sigs: np.ndarray, params: ScanParams) -> set[tuple[int, int]]:
    """Document pairs whose word-shingle MinHash collide in a band at ``doc_threshold``."""
    bands, rows = band_layout(params.doc_threshold, params.num_perm)
    pairs, _ = candidate_pairs(band_keys(sigs, bands, rows), max_bucket=params.max_bucket)
    return {(int(i), int(j)) for i, j in pairs}
