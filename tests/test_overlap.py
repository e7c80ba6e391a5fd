"""Corpus overlap on a generated corpus with planted copies: the planted figures come back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_index import article, vocabulary

from dedup.cli import main
from dedup.core.records import Document
from dedup.workflows.overlap import overlap


def planted() -> tuple[list[Document], list[Document], dict[str, int]]:
    """Corpus B (20 wire stories), corpus A (10 stories), and the characters A took from B.

    A holds 3 exact copies (one under the same id as its original), 2 stories with one
    paragraph of a B story appended, and 5 stories of its own.
    """
    rng = np.random.default_rng(7)
    vocab = vocabulary(rng)
    b = [Document(f"w{i:02d}", article(rng, vocab), source=("wire", "agency")[i % 2])
         for i in range(20)]  # fmt: skip
    a = [Document("w00", b[0].text, source="web")]
    a += [Document(f"copy{i}", b[i].text, source="web") for i in (1, 2)]
    taken = {d.id: len(d.text) for d in a}
    for i in (3, 4):
        paragraph = b[i].text.split("\n\n")[1]
        a.append(Document(f"part{i}", article(rng, vocab, 6) + "\n\n" + paragraph, source="paper"))
        taken[f"part{i}"] = len(paragraph)
    a += [Document(f"own{i}", article(rng, vocab), source="paper") for i in range(5)]
    return a, b, taken


def test_overlap_reports_the_planted_figures() -> None:
    a, b, taken = planted()
    result = overlap(a, b)
    got = {d.id: d.reused_chars for d in result.documents if d.reused_chars}
    assert got == taken
    by_id = {d.id: d for d in result.documents}
    assert by_id["w00"].from_docs == ("w00",)  # the same id in both corpora still counts
    assert by_id["part3"].from_docs == ("w03",) and by_id["part4"].from_docs == ("w04",)
    total = result.total
    assert (total.documents, total.documents_with_reuse, total.documents_share) == (10, 5, 0.5)
    chars = sum(len(d.text) for d in a)
    assert (total.chars, total.reused_chars) == (chars, sum(taken.values()))
    assert total.reused_share == round(sum(taken.values()) / chars, 6)
    sources = {(s.side, s.source): s for s in result.sources}
    web, paper = sources["a", "web"], sources["a", "paper"]
    assert (web.documents, web.documents_with_reuse, web.reused_share) == (3, 3, 1.0)
    assert (paper.documents, paper.documents_with_reuse) == (7, 2)
    assert paper.reused_chars == taken["part3"] + taken["part4"]
    wire, agency = sources["b", "wire"], sources["b", "agency"]  # w00, w02, w04 | w01, w03
    assert wire.reused_chars == taken["w00"] + taken["copy2"] + taken["part4"]
    assert agency.reused_chars == taken["copy1"] + taken["part3"]
    for m in result.matches:
        a_doc = next(d for d in a if d.id == m.a)
        b_doc = next(d for d in b if d.id == m.b)
        assert a_doc.text[m.a_start : m.a_end] == b_doc.text[m.b_start : m.b_end]


def test_overlap_of_unrelated_corpora_is_zero() -> None:
    a, b, _ = planted()
    result = overlap(a[5:], b)
    assert result.total.reused_chars == 0 and result.total.documents_with_reuse == 0
    assert not result.matches


def test_cli_overlap_prints_and_writes_the_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, taken = planted()
    for name, docs in (("a.jsonl", a), ("b.jsonl", b)):
        (tmp_path / name).write_text("".join(
            json.dumps({"id": d.id, "text": d.text, "source": d.source}) + "\n" for d in docs
        ))  # fmt: skip
    out = tmp_path / "overlap.json"
    argv = ["overlap", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--json", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "5 of 10 documents of A (50.0%) reuse B" in printed
    assert " side " in printed  # sources of several documents: a row per source
    assert json.loads(out.read_text())["total"]["reused_chars"] == sum(taken.values())


def test_cli_overlap_of_documents_each_its_own_source_has_no_source_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
    for folder, picked in (("ours", seeds[2:4]), ("wires", seeds[:1])):
        (tmp_path / folder).mkdir()
        for path in picked:
            (tmp_path / folder / path.name).write_text(path.read_text(encoding="utf-8"))
    assert main(["overlap", str(tmp_path / "ours"), str(tmp_path / "wires")]) == 0
    printed = capsys.readouterr().out
    assert "2 of 2 documents of A (100.0%) reuse B" in printed
    assert " side " not in printed and " A document " in printed
