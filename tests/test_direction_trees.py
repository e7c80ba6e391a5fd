"""Story trees: planted chains, and a family whose origin nothing decides."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest
from helpers import random_text

import dedup
from dedup.core.records import Document
from dedup.scoring import cluster


def _edited(text: str, every: int, first: int, rng: np.random.Generator) -> str:
    """``text`` with one word in ``every`` (from word ``first``) replaced by a new word."""
    words = text.split(" ")
    for k in range(first, len(words), every):
        words[k] = "zq" + "".join(rng.choice(list("aeioubdgklmnrst"), 6))
    return " ".join(words)


def test_a_copy_of_a_copy_keeping_every_passage_hangs_from_the_copy() -> None:
    rng = np.random.default_rng(11)
    wire = random_text(rng, 16)
    outlet = random_text(rng, 3) + "\n\n" + _edited(wire, 15, 3, rng)
    aggregator = _edited(outlet, 17, 8, rng)  # every passage kept, a few more words edited
    docs = [Document("w", wire, "Wire", "2022-01-03T06:00:00Z"),
            Document("o", outlet, "Outlet", "2022-01-03T10:00:00Z"),
            Document("x", aggregator, "Aggregator", None)]  # fmt: skip
    result = dedup.scan(docs)
    [pair] = [p for p in result.pairs if (p.a, p.b) == ("o", "x")]
    assert pair.direction is not None
    assert (pair.direction.source, pair.direction.copy) == ("o", "x"), pair.direction
    assert any(e.startswith("stemma: x took o's version of w") for e in pair.direction.evidence)
    [family] = result.families
    tree = {e.copy: e.source for e in family.edges if e.tree}
    assert tree == {"o": "w", "x": "o"}


def test_an_undated_member_of_undecided_source_leaves_the_origin_open() -> None:
    rng = np.random.default_rng(12)
    story = random_text(rng, 14)
    wire = Document("w", story + "\n\n" + random_text(rng, 2), "Wire", None)
    outlet = Document("o", random_text(rng, 2) + "\n\n" + story, "Outlet", "2022-01-03")
    result = dedup.scan([wire, outlet])
    [pair] = [p for p in result.pairs if p.reused_chars]
    assert pair.direction is None  # no date on w, no credit, each adds its own paragraphs
    [family] = result.families
    assert family.origin is None  # o is the earliest dated, but w may be earlier
    dated = dedup.scan([replace(wire, date="Tue, 04 Jan 2022 10:00:00 +0000"), outlet])
    assert dated.families[0].origin == "o"


def test_a_family_above_the_size_limit_is_flagged_and_warned_about(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    rng = np.random.default_rng(13)
    story = random_text(rng, 14)
    docs = [Document(f"d{k}", random_text(rng, 1) + "\n\n" + story, f"s{k}") for k in range(4)]
    monkeypatch.setattr(cluster, "LARGE_FAMILY", 3)
    with caplog.at_level(logging.WARNING, logger="dedup.scoring.cluster"):
        [family] = dedup.scan(docs).families
    assert family.large and len(family.members) == 4
    [record] = caplog.records
    assert record.message.startswith("warning: 1 story family has more than 3 documents "
                                     "(largest: family 1, 4)")  # fmt: skip
    monkeypatch.setattr(cluster, "LARGE_FAMILY", 4)
    assert not dedup.scan(docs).families[0].large
