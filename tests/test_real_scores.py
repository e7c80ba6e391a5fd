"""The pair score on real agency copy and the newspaper stories made from it
(../shared/corpora/counter-dev, read by path): graded, and a better ranking of
derived stories than word 3-gram containment, the ten-line script dedup must beat."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import dedup
from dedup.analyze import analyze
from dedup.records import Document, ScanResult
from dedup.shingle import shingles

COUNTER_DEV = Path(__file__).parent.parent.parent / "shared/corpora/counter-dev/counter-dev.jsonl"


@pytest.fixture(scope="module")
def labeled() -> tuple[list[Document], list[tuple[str, str, str]], ScanResult]:
    if not COUNTER_DEV.exists():
        pytest.skip("../shared/corpora/counter-dev is not beside")
    records = [json.loads(line) for line in COUNTER_DEV.read_text(encoding="utf-8").splitlines()]
    docs = [Document(r["id"], r["text"], r["source"]) for r in records]
    rows = [(r["id"], r["agency_id"], r["label"]) for r in records if r.get("role") == "newspaper"]
    return docs, rows, dedup.scan(docs)


def _trigram_containment(docs: list[Document], rows: list[tuple[str, str, str]]) -> np.ndarray:
    grams = {d.id: set(shingles(analyze(d).tokens.hashes, 3).tolist()) for d in docs}
    return np.array([len(grams[n] & grams[a]) / max(len(grams[n]), 1) for n, a, _ in rows])


def _scores(result: ScanResult, rows: list[tuple[str, str, str]]) -> np.ndarray:
    found = {frozenset((p.a, p.b)): p.score for p in result.pairs}
    return np.array([found.get(frozenset((n, a)), 0.0) for n, a, _ in rows])


def test_the_score_ranks_derived_stories_above_independent_ones_better_than_containment(
    labeled: tuple[list[Document], list[tuple[str, str, str]], ScanResult],
) -> None:
    docs, rows, result = labeled
    derived = np.array([label != "ND" for *_, label in rows])
    ours = roc_auc_score(derived, _scores(result, rows))
    baseline = roc_auc_score(derived, _trigram_containment(docs, rows))
    assert ours > baseline, (ours, baseline)


def test_a_partly_derived_story_scores_between_a_wholly_derived_and_an_independent_one(
    labeled: tuple[list[Document], list[tuple[str, str, str]], ScanResult],
) -> None:
    _, rows, result = labeled
    scores, labels = _scores(result, rows), np.array([label for *_, label in rows])
    wd, pd, nd = (float(scores[labels == x].mean()) for x in ("WD", "PD", "ND"))
    assert wd > pd > nd > 0
    assert (scores[labels == "PD"] > 0).mean() > 0.5  # graded, not all or nothing
