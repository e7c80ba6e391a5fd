"""The verbatim floor: every run of 12 or more identical words two documents share is
reported, whatever sentences it sits in and whatever script it is written in."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import seed_documents, stock_phrase_documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.alignment.floor import FLOOR_WORDS, shared_runs, uncovered_runs
from dedup.core.records import Document

COUNTER_DEV = Path(__file__).parent.parent.parent / "shared/corpora/counter-dev/counter-dev.jsonl"

# Per script: syllables that make pseudo-words, and how a sentence ends.
SCRIPTS = {
    "latin": ("ba be di fo gu ka le mi no pu ra se ti vo zu", ". "),
    "cyrillic": ("ба ве ди фо гу ка ле ми но пу ра се ти во зу", ". "),
    "urdu": ("با بے دی فو گو کا لے می نو پو را سے تی وو زو", "۔ "),
    "devanagari": ("बा बे दी फो गु का ले मी नो पु रा से ती वो जु", "। "),
    "greek": ("βα βε δι φο γυ κα λε μι νο πυ ρα σε τι βο ζυ", ". "),
    # Scripts read a character at a time: 12 words are 20 characters, 40 Thai letters.
    "chinese": ("新 华 社 北 京 电 记 者 国 家 经 济 发 展 会 议", "。 "),
    "japanese": ("東 京 の 政 府 は ア メ リ カ 日 本 経 済 会 議", "。 "),
    "thai": ("กา เข แด โต นิน บุก มา ระ สา ทอ ลู ชี", " "),
}


def _words(rng: np.random.Generator, syllables: list[str], n: int) -> list[str]:
    return ["".join(rng.choice(syllables, size=int(rng.integers(2, 4)))) for _ in range(n)]


def _text(rng: np.random.Generator, words: list[str], end: str) -> str:
    """``words`` cut into sentences of 5 to 25 words, each ended by ``end``."""
    out, at = [], 0
    while at < len(words):
        n = int(rng.integers(5, 26))
        out.append(" ".join(words[at : at + n]).capitalize() + end.strip())
        at += n
    return " ".join(out)


@st.composite
def planted_pair(draw: st.DrawFn) -> tuple[str, Document, Document, Document]:
    """Two documents sharing a run of identical words (in one sentence, or across a
    sentence end), and a third sharing nothing on purpose; hypothesis draws the script,
    the run's length and a seed for the words."""
    script = draw(st.sampled_from(sorted(SCRIPTS)))
    syllables, end = SCRIPTS[script][0].split(), SCRIPTS[script][1]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    run = _words(rng, syllables, draw(st.integers(FLOOR_WORDS, FLOOR_WORDS + 8)))
    docs = []
    for name in ("a", "b", "c"):
        words = _words(rng, syllables, int(rng.integers(30, 80)))
        if name != "c":
            at = int(rng.integers(0, len(words) + 1))
            words = words[:at] + run + words[at:]
        docs.append(Document(name, _text(rng, words, end)))
    return script, docs[0], docs[1], docs[2]


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(planted_pair())
def test_every_shared_run_of_identical_words_is_reported(
    case: tuple[str, Document, Document, Document],
) -> None:
    _, a, b, c = case
    runs = shared_runs([a, b, c])
    assert any((r.a, r.b) == ("a", "b") for r in runs)  # the planted run is there
    result = dedup.scan([a, b, c])
    assert uncovered_runs(result, runs) == []
    for m in result.matches:  # offsets index the original texts
        da, db = result.document(m.a).text, result.document(m.b).text
        assert da[m.a_start : m.a_end].strip() and db[m.b_start : m.b_end].strip()


def test_the_seeds_report_every_shared_run() -> None:
    docs = seed_documents()
    runs = shared_runs(docs)
    assert len(runs) >= 25
    assert uncovered_runs(dedup.scan(docs), runs) == []


@pytest.mark.skipif(not COUNTER_DEV.exists(), reason="../shared/corpora/counter-dev is not beside")
def test_real_agency_copy_reports_every_shared_run() -> None:
    lines = COUNTER_DEV.read_text(encoding="utf-8").splitlines()
    docs = [Document(r["id"], r["text"], r["source"]) for r in map(json.loads, lines)]
    runs = shared_runs(docs)
    assert len(runs) >= 250
    assert uncovered_runs(dedup.scan(docs), runs) == []


def test_reprints_of_a_story_leave_what_another_took_from_it_reuse() -> None:
    # China Daily (000) takes clauses of the Reuters story (004); two reprints of 004 and a
    # lightly edited copy of it hold those clauses too, yet they are one text, not a
    # stock phrase of many stories
    seeds = {d.id[:3]: d for d in seed_documents()}
    wire = seeds["004"].text
    copies = [Document(f"reprint-{k}", wire) for k in range(2)]
    copies.append(Document("edited", wire.replace("Russia", "Moscow", 3)))
    alone = dedup.scan([seeds["000"], seeds["004"]])
    beside = dedup.scan([seeds["000"], seeds["004"], *copies])
    taken = [(m.a_start, m.a_end, m.kind) for m in alone.matches_between(seeds["000"].id,
                                                                         seeds["004"].id)]
    assert taken and all(kind != "boilerplate" for *_, kind in taken)
    assert [(m.a_start, m.a_end, m.kind) for m in beside.matches_between(
        seeds["000"].id, seeds["004"].id)] == taken  # fmt: skip


def test_a_phrase_of_many_stories_stays_a_stock_phrase() -> None:
    result = dedup.scan(stock_phrase_documents(np.random.default_rng(5), 4))
    assert len(result.matches) == 6 and {m.kind for m in result.matches} == {"boilerplate"}
