"""The corpus tables as the Spark engine computes them, counted per document and joined per
pair, are the local engine's tables to the last bit (no Spark session: the functions the
executors run, on the seeds)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers import seed_documents

from dedup.analysis.analyze import analyze
from dedup.candidates.boilerplate import chrome_lines
from dedup.candidates.evidence import passage_evidence
from dedup.candidates.feature_table import corpus_tables
from dedup.candidates.features import DocFeatures, features_of
from dedup.core.params import ScanParams
from dedup.engines.spark_tables import (
    CorpusCounts,
    HalfPairs,
    by_group,
    count_groups,
    count_rows,
    evidence_block,
    evidence_rows,
    first_halves,
    merged,
    pair_cosines,
    passing_codes,
    tfidf_vectors,
)
from dedup.scoring import score
from dedup.scoring.score import cosine_pairs, smoothed_idf, tfidf_matrix

PARAMS = ScanParams()


@pytest.fixture(scope="module")
def corpus() -> tuple[list[DocFeatures], list[np.ndarray], list[np.ndarray]]:
    docs = sorted(seed_documents(), key=lambda d: d.id)
    feats = [features_of(analyze(d), PARAMS) for d in docs]
    chrome = chrome_lines(feats, PARAMS)
    return feats, chrome, [f.usable(c) for f, c in zip(feats, chrome, strict=True)]


def _counted(feats: list[DocFeatures], chrome: list[np.ndarray], max_bucket: int) -> list:
    """Count rows split over two reducers by key, as a shuffle splits them."""
    rows = [count_rows(f, c) for f, c in zip(feats, chrome, strict=True)]
    keys = np.concatenate([k for k, _ in rows])
    table = np.concatenate([t for _, t in rows])
    odd = (keys % np.uint64(2)).astype(bool)
    return [count_groups((keys[m], table[m]), max_bucket) for m in (odd, ~odd)]


def test_counts_of_two_reducers_are_the_corpus_tables(corpus) -> None:
    feats, chrome, usable = corpus
    stems, bigrams, terms = corpus_tables(list[DocFeatures | None](feats), usable)
    found = _counted(feats, chrome, max_bucket=2)
    keys, counts = merged(c.stems for c in found)
    assert np.array_equal(keys, stems.keys) and np.array_equal(counts, stems.counts)
    common = np.sort(np.concatenate([c.common_bigrams for c in found]))
    assert len(common) and np.array_equal(common, bigrams.common(2))
    vocabulary, df = merged(c.terms for c in found)
    per_doc = np.concatenate([np.unique(t) for t in terms])
    expected_keys, expected_df = np.unique(per_doc, return_counts=True)
    assert np.array_equal(vocabulary, expected_keys) and np.array_equal(df, expected_df)
    assert df.max() > 1


def test_evidence_in_two_groups_of_documents_is_the_corpus_pretest(corpus) -> None:
    feats, chrome, usable = corpus
    stems = corpus_tables(list[DocFeatures | None](feats), usable)[0]
    base = np.concatenate(([0], np.cumsum([np.count_nonzero(u) for u in usable])))
    counts = CorpusCounts(stems.keys, stems.counts, stems.idf(), base, np.zeros(0, np.uint64))
    owner = np.repeat(np.arange(len(feats)), np.diff(base))
    p, q = np.triu_indices(int(base[-1]), 1)
    pairs = np.column_stack((p, q))[owner[p] != owner[q]]
    passing = passage_evidence(stems.evidence_table(), pairs, PARAMS)
    expected = np.unique(owner[pairs[passing, 0]] * len(feats) + owner[pairs[passing, 1]])
    assert 0 < passing.sum() < len(pairs)
    blocks = {g: evidence_block((d, evidence_rows(feats[d], chrome[d], counts))
                                for d in range(g, len(feats), 2)) for g in (0, 1)}  # fmt: skip
    halves: dict[int, HalfPairs] = {}
    twice = np.concatenate((pairs, pairs[::3]))  # a pair collides in several reducers' buckets
    for g, mine in by_group(twice, counts, 2):
        for h, half in first_halves(mine, blocks[g], counts, 2):
            halves[h] = halves[h].concat(half) if h in halves else half
    got = np.unique(np.concatenate([passing_codes(half, blocks[h], counts, PARAMS)
                                    for h, half in halves.items()]))  # fmt: skip
    assert np.array_equal(got, expected)


def test_tfidf_rows_and_cosines_are_the_local_ones(corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    feats, _, usable = corpus
    terms = corpus_tables(list[DocFeatures | None](feats), usable)[2]
    x = tfidf_matrix(terms)
    vocabulary, df = np.unique(np.concatenate([np.unique(t) for t in terms]), return_counts=True)
    idf = smoothed_idf(df, len(terms))
    docs = list(enumerate(terms))
    rows = dict(tfidf_vectors(docs[::2], vocabulary, idf)) | dict(
        tfidf_vectors(docs[1::2], vocabulary, idf))  # two partitions
    for d in range(len(terms)):
        row = x.getrow(d)
        assert np.array_equal(rows[d][0], row.indices) and np.array_equal(rows[d][1], row.data)
    pairs = set(itertools.combinations(range(len(terms)), 2))
    monkeypatch.setattr(score, "ALL_PAIRS_MAX_DOCS", 0)  # candidates only, as past 5,000
    expected = cosine_pairs(x, pairs, floor=0.3)
    got = dict(pair_cosines([(i, j, None, rows[i], rows[j]) for i, j in sorted(pairs)],
                            len(vocabulary)))  # fmt: skip
    assert got == expected and any(v > 0.3 for v in got.values())
