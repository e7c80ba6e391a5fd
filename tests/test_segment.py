from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers import seed_documents

import dedup.analysis.segment as segment_module
from dedup.analysis.segment import segment, sentences


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


_SCRIPTS = [
    ("یہ بات ہے۔عالمی بات ہے؟ اور پھر۔ ختم", ["یہ بات ہے۔", "عالمی بات ہے؟", "اور پھر۔", "ختم"]),
    ("هل جاء؟ نعم. جاء أمس", ["هل جاء؟", "نعم.", "جاء أمس"]),
    ("यह है। वह है॥और | फिर", ["यह है।", "वह है॥", "और |", "फिर"]),
    ("এটা হয়। ওটা", ["এটা হয়।", "ওটা"]),
    ("Կատու է։Շունը ո՞ւր է։", ["Կատու է։", "Շունը ո՞ւր է։"]),
    ("ሰላም ነው። እንዴት ነህ፧ደህና", ["ሰላም ነው።", "እንዴት ነህ፧", "ደህና"]),
    ("ဒါ ဟုတ်တယ်။ နောက်", ["ဒါ ဟုတ်တယ်။", "နောက်"]),
    ("នេះជាការពិត។ នោះ៕", ["នេះជាការពិត។", "នោះ៕"]),
    ("བོད་ཡིག། ཡིག", ["བོད་ཡིག།", "ཡིག"]),
    ("วันนี้อากาศดี ปี 2566 ครับ ไปไหน", ["วันนี้อากาศดี", "ปี 2566 ครับ", "ไปไหน"]),
    ("Τι κάνεις; Καλά. είμαι; Εσύ", ["Τι κάνεις;", "Καλά. είμαι;", "Εσύ"]),
    ("ეს არის. ახალი წინადადება.", ["ეს არის.", "ახალი წინადადება."]),
    ("Он пришёл. Она ушла! «Да» — сказал.", ["Он пришёл.", "Она ушла!", "«Да» — сказал."]),
    ("他说：“好。”然后走了（真的）。", ["他说：“好。”", "然后走了（真的）。"]),
    ("x = f(a; b). Next", ["x = f(a; b).", "Next"]),
]


@pytest.mark.parametrize(("text", "expected"), _SCRIPTS)
def test_sentence_ends_of_every_script(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


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


def test_crlf_cr_and_cjk_ends_at_line_ends() -> None:
    text = "One. Two!\r\n\r\nThree\u3002\rFour? \u00c9t\u00e9 five."
    found = [(text[s.start : s.end], s.line, s.paragraph) for s in segment(text)]
    expected = [("One.", 0, 0), ("Two!", 0, 0), ("Three\u3002", 1, 1), ("Four?", 2, 1)]
    assert found == [*expected, ("\u00c9t\u00e9 five.", 2, 1)]


def test_non_ascii_next_letter_decides_by_its_case() -> None:
    assert _sentences("Done. \u00c9t\u00e9 came. \u00e9t\u00e9 not. \u0394 yes.") == [
        "Done.", "\u00c9t\u00e9 came. \u00e9t\u00e9 not.", "\u0394 yes.",
    ]  # fmt: skip


def test_sentences_arrays_equal_segments() -> None:
    text = seed_documents()[0].text
    a = sentences(text)
    columns = (a.starts, a.ends, a.lines, a.paragraphs)
    rows = [tuple(row) for row in np.stack(columns, axis=1).tolist()]
    assert [(s.start, s.end, s.line, s.paragraph) for s in segment(text)] == rows


@pytest.mark.skipif(
    not hasattr(segment_module._candidates, "py_func"), reason="numba is not installed"
)
def test_compiled_loops_equal_their_python_source(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [d.text for d in seed_documents()]
    texts += ["", "\n\n", "Mr. A. B. went. \u201cNo.\u201d 3 a.\r\n\r\n\u4ed6\u3002\u3002x! \u00c9"]
    texts += [text for text, _ in _SCRIPTS]
    expected = [segment(t) for t in texts]
    for name in ("_candidates", "_next_start", "_end_kind", "_sentence_spans"):
        monkeypatch.setattr(segment_module, name, getattr(segment_module, name).py_func)
    assert [segment(t) for t in texts] == expected
