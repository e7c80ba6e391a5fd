"""Boilerplate: chrome lines marked on each document, never paired across a whole outlet."""

from __future__ import annotations

import numpy as np
from helpers import random_text

import dedup
from dedup.core.records import Document


def _outlet(rng: np.random.Generator, n: int) -> tuple[list[Document], list[str]]:
    newsletter = ("Sign up for the Herald morning newsletter to get the day's top stories in "
                  "your inbox before breakfast.")
    footer = [newsletter, "\u00a9 2024 The Herald", "All rights reserved"]
    docs = [Document(f"h{k:03d}", f"By Ann Lee\n\n{random_text(rng, 5)}\n\n" + "\n".join(footer),
                     source="Herald") for k in range(n)]  # fmt: skip
    return docs, ["By Ann Lee", *footer]


def test_an_outlets_footer_is_a_span_of_each_article_and_no_pair_of_articles() -> None:
    docs, chrome = _outlet(np.random.default_rng(11), 150)
    result = dedup.scan(docs)
    assert result.matches == ()
    assert not result.pairs or all(p.reused_chars == 0 for p in result.pairs)
    for doc, score in zip(docs, result.document_scores, strict=True):
        assert [(doc.text[b.start : b.end], b.documents, b.sources)
                for b in score.boilerplate] == [(line, 150, 1) for line in chrome]  # fmt: skip
        covered = sum(b.end - b.start for b in score.boilerplate)
        assert score.boilerplate_share == round(covered / len(doc.text), 6)
    assert result.corpus.boilerplate_chars == sum(
        b.end - b.start for s in result.document_scores for b in s.boilerplate
    )


def test_a_wires_stock_paragraph_is_reuse_only_beside_a_story_taken_from_another_source() -> None:
    rng = np.random.default_rng(12)
    stock = random_text(rng, 3).replace("\n\n", " ")
    stories = [random_text(rng, 8) for _ in range(4)]
    wire = [Document(f"w{k}", f"{story}\n\n{stock}", source="Wire")
            for k, story in enumerate(stories)]  # fmt: skip
    taken = Document("x", f"{random_text(rng, 2)}\n\n{stories[0]}\n\n{stock}", source="Gazette")
    rerun = Document("w9", f"{stories[0]}\n\n{random_text(rng, 2)}\n\n{stock}", source="Wire")
    result = dedup.scan([*wire, taken, rerun])
    reused = {(p.a, p.b) for p in result.pairs if p.reused_chars > 0}
    assert reused == {("w0", "x"), ("w0", "w9"), ("w9", "x")}

    def stock_matches(a: str, b: str) -> list[str]:
        text = result.document(a).text
        return [m.kind for m in result.matches_between(a, b, include_boilerplate=True)
                if text[m.a_start : m.a_end] == stock]  # fmt: skip

    assert stock_matches("w0", "x") == ["verbatim"]  # different sources: part of the copy
    assert stock_matches("w0", "w9") == ["boilerplate"]  # one source's own stock paragraph
    for score in result.document_scores:
        doc = result.document(score.id)
        assert [(doc.text[b.start : b.end], b.documents, b.sources)
                for b in score.boilerplate] == [(stock, 6, 2)]  # fmt: skip
