from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from helpers import seed_documents
from hypothesis import given
from hypothesis import strategies as st

import dedup.analysis.normalize as normalize_module
import dedup.core.offset_map as offset_map_module
from dedup.analysis.normalize import fold, normalize


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


def test_entities_and_combining_marks_are_runs_of_their_own() -> None:
    raw = "AT&T &amp;\u0301 x&#8220;a\u0301  b\r\n\r\nc"
    norm = normalize(raw)
    assert norm.text == 'at&t &\u0301 x"\u00e1 b\nc'
    i = norm.text.index('"')
    assert raw[slice(*norm.to_original(i, i + 1))] == "&#8220;"
    i = norm.text.index("\u00e1")
    assert raw[slice(*norm.to_original(i, i + 1))] == "a\u0301"


def test_normalized_inverts_the_map() -> None:
    raw = "Caf\u00e9 &amp;  Stra\u00dfe\n\n\ufb01n"
    norm = normalize(raw)
    offsets = np.arange(len(raw) + 1)
    assert norm.normalized(offsets).tolist() == np.searchsorted(norm.bounds, offsets).tolist()


@pytest.mark.skipif(not hasattr(normalize_module._runs, "py_func"), reason="numba is not installed")
def test_compiled_loops_equal_their_python_source(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [d.text for d in seed_documents()]
    texts += ["", " ", "\ud800", "a\u0301\u3000&nbsp;\x01 \r\n\u2028x", "\U0001f600 &amp"]
    texts += ["Straße ΐ يُّ\u0654ی ﷲ हिन्दी ไม้ x\u0301 \U0001d400 \U00011127"]
    expected = [normalize(t) for t in texts]
    for name in ("_runs", "offset_map", "_fold_codes", "_combining_classes",
                 "_unstable_clusters", "position_map"):
        monkeypatch.setattr(normalize_module, name, getattr(normalize_module, name).py_func)
    for name in ("_push", "_normalized"):
        monkeypatch.setattr(offset_map_module, name, getattr(offset_map_module, name).py_func)
    for raw, want in zip(texts, expected, strict=True):
        got = normalize(raw)
        assert got.text == want.text
        assert got.at.tolist() == want.at.tolist() and got.shift.tolist() == want.shift.tolist()
        offsets = np.arange(len(raw) + 1)
        assert got.normalized(offsets).tolist() == want.normalized(offsets).tolist()


_SCRIPTS = st.sampled_from(
    list("aZé \n\t\u00a0\u3000\u2028\u200b\u00ad\ufb01\uff21\u2019\u201c\u2014\u00df\u0130\u03a3")
    + list("Жжλά\u0390ضي\u064b\u0651\u064e\u0654\u06d2ﷲक\u094d\u093fก\u0e49\u0e33\u1100\u1161")
    + list("\u0301\u0308\u0323\u0327\u302a\U0001d400\U00011127\U00011131\U0001f600")
)


def _reference(raw: str) -> str:
    """What normalize() means, written out: runs of white space become a space (a newline
    when one breaks a line); every character with the combining marks after it NFKC,
    quotes and dashes folded, case folded, format characters dropped."""
    out, i = [], 0
    while i < len(raw):
        j = i + 1
        if raw[i].isspace():
            while j < len(raw) and raw[j].isspace():
                j += 1
            out.append("\n" if any(c in "\n\r\u2028\u2029\x0b\x0c\x85" for c in raw[i:j]) else " ")
        else:
            while j < len(raw) and unicodedata.combining(raw[j]):
                j += 1
            folded = unicodedata.normalize("NFKC", raw[i:j]).translate(normalize_module._FOLD)
            folded = "".join(c for c in folded.casefold() if unicodedata.category(c) != "Cf")
            out.append(" " if folded.isspace() else folded)
        i = j
    return "".join(out)


@given(st.lists(_SCRIPTS, max_size=40).map("".join))
def test_text_of_every_script_normalizes_as_written_out(raw: str) -> None:
    assert normalize(raw).text == _reference(raw)
