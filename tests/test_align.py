"""Planted copies at known positions in generated text are found at exactly those offsets."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import plant_copy, random_text

import dedup
from dedup.records import Document


@pytest.mark.parametrize("seed", range(5))
def test_planted_copy_is_found_at_its_offsets(seed: int) -> None:
    host, donor, in_host, in_donor = plant_copy(np.random.default_rng(seed))
    [match] = dedup.scan([host, donor]).matches_between(host.id, donor.id)
    assert match.kind == "verbatim"
    assert (match.a_start, match.a_end) == (in_host.start, in_host.end)
    assert (match.b_start, match.b_end) == (in_donor.start, in_donor.end)


def test_copied_clause_inside_a_longer_sentence_is_trimmed_to_the_clause() -> None:
    rng = np.random.default_rng(7)
    clause = "the harbour council said the railway budget would double before the summit in spring"  # noqa: E501
    a = Document(
        "a",
        random_text(rng, 5) + f"\n\nMeanwhile officials in three provinces agreed that {clause}.",
    )
    b = Document("b", f"According to a statement released late on Friday, {clause}, as aides told reporters.\n\n"
                 + random_text(rng, 5))  # fmt: skip
    [m] = dedup.scan([a, b]).matches_between("a", "b")
    assert m.kind == "verbatim"
    assert a.text[m.a_start : m.a_end] == clause + "."
    assert b.text[m.b_start : m.b_end] == clause + ","


def test_unrelated_texts_share_no_match() -> None:
    rng = np.random.default_rng(11)
    docs = [Document(str(k), random_text(rng, 12)) for k in range(4)]
    assert [m for m in dedup.scan(docs).matches if m.kind != "boilerplate"] == []


def test_lightly_edited_copy_is_light_and_covers_the_passage() -> None:
    rng = np.random.default_rng(5)
    host, donor, in_host, _ = plant_copy(rng)
    copied = host.text[in_host.start : in_host.end]
    words = copied.split(" ")
    words[3] = "reportedly"
    words[-5] = "also"
    edited = host.text[: in_host.start] + " ".join(words) + host.text[in_host.end :]
    [m] = dedup.scan([Document("host", edited), donor]).matches_between("host", "donor")
    assert m.kind == "light"
    assert (m.a_start, m.a_end) == (in_host.start, in_host.start + len(" ".join(words)))
