from __future__ import annotations

import itertools

from helpers import seed_documents

from dedup.segment import segment


def _sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text)]


def test_abbreviations_initials_and_quotes_do_not_end_sentences() -> None:
    text = (
        'Mr. Smith met U.S. officials with John F. Kennedy Jr. "We go." she said. Then it rained.'
    )
    assert _sentences(text) == [
        'Mr. Smith met U.S. officials with John F. Kennedy Jr. "We go." she said.',
        "Then it rained.",
    ]


def test_question_exclamation_quotes_and_numbers() -> None:
    text = "Is it over? \u201cNo!\u201d He paid 3.5 million. 2022 was hard."
    assert _sentences(text) == [
        "Is it over?",
        "\u201cNo!\u201d",
        "He paid 3.5 million.",
        "2022 was hard.",
    ]


def test_chinese_and_japanese_sentence_ends_need_no_space() -> None:
    assert _sentences("他来了。她走了！你好吗？") == ["他来了。", "她走了！", "你好吗？"]


def test_lines_and_paragraphs() -> None:
    text = "Title line\n\nFirst para one. First para two.\nSame para line.\n\n\nSecond para."
    segs = segment(text)
    assert [text[s.start : s.end] for s in segs] == [
        "Title line", "First para one.", "First para two.", "Same para line.", "Second para.",
    ]  # fmt: skip
    assert [s.paragraph for s in segs] == [0, 1, 1, 1, 2]
    assert [s.line for s in segs] == [0, 1, 1, 2, 3]


def test_single_newline_texts_make_each_line_a_paragraph() -> None:
    segs = segment("One. Two.\nThree.\nFour.")
    assert [s.paragraph for s in segs] == [0, 0, 1, 2]


def test_seed_sentences_are_ordered_trimmed_and_cover_the_words() -> None:
    for doc in seed_documents():
        segs = segment(doc.text)
        assert all(a.end <= b.start for a, b in itertools.pairwise(segs))
        covered = "".join(doc.text[s.start : s.end] for s in segs)
        assert "".join(covered.split()) == "".join(doc.text.split())
