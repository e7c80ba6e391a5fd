from __future__ import annotations

import numpy as np
from helpers import seed_documents
from hypothesis import given
from hypothesis import strategies as st

from dedup.normalize import fold, normalize


def test_offsets_index_the_original_text() -> None:
    raw = "He said\u00a0\u201ctalks ended\u201d \u2014 today."
    norm = normalize(raw)
    i = norm.text.index('"talks ended"')
    start, end = norm.to_original(i, i + len('"talks ended"'))
    assert raw[start:end] == "\u201ctalks ended\u201d"
    assert norm.text == 'he said "talks ended" - today.'


def test_seed_curly_quotes_and_nbsp_map_back_exactly() -> None:
    docs = {d.id: d.text for d in seed_documents()}
    raw = docs["003"]
    norm = normalize(raw)
    phrase = '"a moment of truth" in russia-nato relations'
    i = norm.text.index(phrase)
    start, end = norm.to_original(i, i + len(phrase))
    assert raw[start:end] == "\u201ca moment of truth\u201d in Russia-NATO relations"
    blog = docs["002"]
    assert "\u00a0" in blog
    norm = normalize(blog)
    i = norm.text.index("nato-russia talks will be held")
    start, _ = norm.to_original(i, i + 1)
    assert blog[start:].startswith("NATO-Russia talks will be held")
    assert blog[start - 1] == "\u00a0"


def test_length_changing_forms_map_to_whole_original_characters() -> None:
    raw = "e\ufb01t caf\u0065\u0301 \uff21\uff22 Stra\u00dfe &amp; \U0001f44d\U0001f3fd ok"
    norm = normalize(raw)
    assert norm.text == "efit caf\u00e9 ab strasse & \U0001f44d\U0001f3fd ok"
    for word, original in [("efit", "e\ufb01t"), ("caf\u00e9", "cafe\u0301"),
                           ("ab", "\uff21\uff22"),
                           ("strasse", "Stra\u00dfe"), ("&", "&amp;")]:  # fmt: skip
        i = norm.text.index(word)
        start, end = norm.to_original(i, i + len(word))
        assert raw[start:end] == original


def test_white_space_runs_keep_line_breaks() -> None:
    assert fold("a \u2003 b\r\n\r\nc\td") == "a b\nc d"


@given(st.text())
def test_bounds_are_monotone_and_in_range(raw: str) -> None:
    norm = normalize(raw)
    assert len(norm.bounds) == len(norm.text) + 1
    assert (np.diff(norm.bounds) >= 0).all() and norm.bounds[-1] == len(raw)
    assert norm.bounds[0] >= 0
