"""Scale machinery: results identical for any worker count, progress reported, input order free."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import dedup
from dedup.records import Document
from dedup.report.tables import to_json

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import itertools

from corpus import generate


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Document], list[tuple[str, str]]]:
    rows, truth = generate(150, seed=3)
    return [Document(r["id"], r["text"], r["source"]) for r in rows], truth


def test_one_and_two_workers_give_byte_identical_json(corpus) -> None:  # type: ignore[no-untyped-def]
    docs, _ = corpus
    one = to_json(dedup.scan(docs, workers=1))
    two = to_json(dedup.scan(docs, workers=2))
    assert one == two


def test_streamed_input_in_any_order_gives_the_same_json(corpus) -> None:  # type: ignore[no-untyped-def]
    docs, _ = corpus
    listed = to_json(dedup.scan(docs, workers=1))
    streamed = to_json(dedup.scan((d for d in reversed(docs)), workers=2))
    assert listed == streamed


def test_planted_syndication_is_found(corpus) -> None:  # type: ignore[no-untyped-def]
    docs, truth = corpus
    result = dedup.scan(docs, workers=2)
    found = {tuple(sorted((p.a, p.b))) for p in result.pairs if p.reused_chars > 0}
    assert truth and found == set(truth)


def test_progress_reports_every_stage_to_completion(corpus) -> None:  # type: ignore[no-untyped-def]
    docs, _ = corpus
    calls: list[tuple[str, int, int]] = []
    dedup.scan(docs[:40], workers=2, progress=lambda *c: calls.append(c))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == ["analyze", "candidates", "align", "score"]
    for stage in stages:
        seen = [(done, total) for s, done, total in calls if s == stage]
        assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1]
        assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
