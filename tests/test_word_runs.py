"""Runs of words grouped by key: any split of the keys into groups gives the corpus's result."""

from __future__ import annotations

import numpy as np

from benchmarks.corpus import generate_web
from dedup.candidates.boilerplate import chrome_lines
from dedup.candidates.features import DocFeatures, doc_features
from dedup.candidates.word_runs import (
    KeyedRows,
    RunCandidates,
    print_groups,
    print_rows,
    run_groups,
    run_rows,
    word_run_candidates,
)
from dedup.core.params import ScanParams
from dedup.core.records import Document


def _grouped(rows: list[KeyedRows], groups: int) -> list[KeyedRows]:
    """The rows of all documents, split by ``key % groups`` as an engine's reducers get them."""
    keys = np.concatenate([k for k, _ in rows])
    values = np.concatenate([v for _, v in rows])
    dest = keys % np.uint64(groups)
    return [(keys[dest == g], values[dest == g]) for g in range(groups)]


def _candidates(feats: list[DocFeatures], chrome: list[np.ndarray], groups: int,
                max_docs: int) -> RunCandidates:  # fmt: skip
    n = len(feats)
    runs = [run_groups(g, n, max_docs)
            for g in _grouped([run_rows(d, f, chrome[d]) for d, f in enumerate(feats)], groups)]
    print_lists = [print_rows(d, f, chrome[d]) for d, f in enumerate(feats)]
    prints = [print_groups(g) for g in _grouped(print_lists, groups)]
    return word_run_candidates(runs, prints, n)


def test_any_grouping_of_keys_gives_the_same_pairs_and_frequencies() -> None:
    rows, _ = generate_web(200, seed=5)
    params = ScanParams()
    feats = [doc_features(Document(r["id"], r["text"], source=r["source"]), params) for r in rows]
    chrome = chrome_lines(feats, params)
    whole = _candidates(feats, chrome, 1, params.max_bucket)
    assert len(whole.pairs) > 20 and len(whole.frequency.keys) > 100  # planted copies found
    for groups in (2, 7):
        split = _candidates(feats, chrome, groups, params.max_bucket)
        assert split.pairs == whole.pairs
        assert np.array_equal(split.codes, whole.codes)
        assert np.array_equal(split.frequency.keys, whole.frequency.keys)
        assert np.array_equal(split.frequency.counts, whole.frequency.counts)
        assert split.skipped == whole.skipped
    stock = _candidates(feats, chrome, 3, max_docs=2)  # runs in 3+ documents pair none
    assert stock.skipped > 0 and stock.pairs < whole.pairs


def _shared_run_keys(text_a: str, text_b: str) -> set[int]:
    """Run keys (of :func:`run_rows`) that documents of ``text_a`` and ``text_b`` share."""
    params = ScanParams()
    keys = []
    for d, text in enumerate((text_a, text_b)):
        f = doc_features(Document(f"d{d}", text), params)
        keys.append(set(run_rows(d, f, np.zeros(len(f.line_starts), bool))[0].tolist()))
    return keys[0] & keys[1]


def _words(rng: np.random.Generator, vocabulary: list[str], n: int) -> list[str]:
    return [vocabulary[k] for k in rng.integers(len(vocabulary), size=n)]


def test_every_run_of_twelve_words_is_a_run_key_of_both_documents() -> None:
    rng = np.random.default_rng(3)
    common = [f"w{k}" for k in range(2000)]
    for vocabulary in (common, ["the", "of", "a"], ["the"]):  # periodic runs too
        for _ in range(60):
            run = _words(rng, vocabulary, 12)
            a = _words(rng, common, 30) + run + _words(rng, common, 30)
            b = _words(rng, common, 50) + run + _words(rng, common, 10)
            assert _shared_run_keys(" ".join(a), " ".join(b)), run


def test_a_run_of_five_words_alone_pairs_no_documents() -> None:
    rng = np.random.default_rng(4)
    common = [f"w{k}" for k in range(2000)]
    shared = 0
    stock = (["of", "the", "the", "the", "the"], ["the"] * 5)
    for run in (*stock, ["said", "in", "a", "statement", "on"]):
        for _ in range(30):
            a = _words(rng, common, 30) + run + _words(rng, common, 30)
            b = _words(rng, common, 50) + run + _words(rng, common, 10)
            shared += len(_shared_run_keys(" ".join(a), " ".join(b)))
    assert shared == 0
