"""A text an agency fills with another day's figures, or with the names of another
story, is a template, not reuse."""

from __future__ import annotations

import pytest

import dedup
from dedup.core.records import Document

MONDAY = (
    "Karachi stock market extends its rally for a third session. "
    "The benchmark KSE-100 index gained 43.73 points to close at 30,136.57 points on Monday, "
    "while the KSE-30 index rose by 196.19 points to end at 17,777.95 points. "
    "Shares of 187 companies advanced, 28 declined and 12 remained unchanged in a session "
    "that saw 290 million shares change hands. "
    "The market capitalisation rose from 7,018 billion rupees to 7,031 billion rupees, "
    "traders said after the close of business in the port city."
)
TUESDAY = (
    "Karachi stock market snaps its rally after two sessions. "
    "The benchmark KSE-100 index lost 110.17 points to close at 30,180.30 points on Tuesday, "
    "while the KSE-30 index fell by 132.74 points to end at 17,698.49 points. "
    "Shares of 15 companies advanced, 128 declined and 3 remained unchanged in a session "
    "that saw 249 million shares change hands. "
    "The market capitalisation fell from 7,040 billion rupees to 7,019 billion rupees, "
    "traders said after the close of business in the port city."
)
# A newspaper's copy of Monday's report: reworded in places, its figures kept.
COPY = (
    "Karachi stock market extended its rally for the third straight session. "
    "The benchmark KSE-100 index gained 43.73 points and closed at 30,136.57 points on Monday, "
    "while the KSE-30 index went up by 196.19 points to end at 17,777.95 points. "
    "Shares of 187 companies advanced, 28 declined and 12 remained unchanged in the session "
    "that saw 290 million shares changing hands. "
    "Market capitalisation increased from 7,018 billion rupees to 7,031 billion rupees, "
    "dealers said after the close of business in Karachi."
)


def _reuse(result: dedup.ScanResult, a: str, b: str) -> list[str]:
    return [m.kind for m in result.matches
            if {m.a, m.b} == {a, b} and m.kind != "boilerplate"]  # fmt: skip


# One agency's injury formula, filled for two players (after two APP stories of
# COUNTER, in Urdu there), and a newspaper's copy of the first.
SHARMA = (
    "Fast bowler Mohit Sharma has been ruled out of the one-day series against Sri Lanka. "
    "According to a statement issued by the cricket board, Mohit Sharma is suffering from a "
    "calf injury, and the doctors advised him complete rest after a medical examination. "
    "The selectors will name his replacement for the remaining matches of the series soon."
)
SIMMONS = (
    "All-rounder Lendl Simmons has been ruled out of the one-day series against Bangladesh. "
    "According to a statement issued by the cricket board, Lendl Simmons is suffering from a "
    "back injury, and the doctors advised him complete rest after a medical examination. "
    "The selectors will name his replacement for the remaining matches of the series soon."
)
SHARMA_COPY = (
    "India fast bowler Mohit Sharma has been ruled out of the ODI series against Sri Lanka. "
    "According to a statement issued by the board, Sharma is suffering from a calf "
    "injury and doctors have advised him complete rest after a medical examination. "
    "Selectors will name a replacement for the remaining matches soon."
)



@pytest.mark.parametrize(("template", "other", "copy"), [(MONDAY, TUESDAY, COPY),
                                                         (SHARMA, SIMMONS, SHARMA_COPY)])
def test_a_template_filled_with_other_figures_or_names_is_not_reuse_and_a_copy_is(
    template: str, other: str, copy: str
) -> None:
    docs = [Document("template", template, source="APP"), Document("other", other, source="APP"),
            Document("copy", copy, source="daily")]  # fmt: skip
    result = dedup.scan(docs)
    assert _reuse(result, "template", "other") == []
    assert _reuse(result, "template", "copy")
    assert not _reuse(result, "other", "copy")
