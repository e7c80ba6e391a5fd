"""Publication dates: every accepted form, what is not a date, ties, and where dates decide."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pytest
from helpers import random_text

import dedup
from dedup.core.dates import earliest, order, parse_date, parse_dates
from dedup.core.records import Document
from dedup.io.load import load

UTC = dt.timezone.utc


@pytest.mark.parametrize(("text", "instant", "has_time"), [
    ("2022-01-12", dt.datetime(2022, 1, 12, tzinfo=UTC), False),
    ("2022-01-12T10:00:00+02:00", dt.datetime(2022, 1, 12, 8, tzinfo=UTC), True),
    ("2022-01-12T10:00:00Z", dt.datetime(2022, 1, 12, 10, tzinfo=UTC), True),
    ("2022-01-12 10:00", dt.datetime(2022, 1, 12, 10, tzinfo=UTC), True),  # naive: UTC
    ("Wed, 12 Jan 2022 10:00:00 +0000", dt.datetime(2022, 1, 12, 10, tzinfo=UTC), True),
    ("Wed, 12 Jan 2022 10:00:00 -0500", dt.datetime(2022, 1, 12, 15, tzinfo=UTC), True),
    ("Mon, 17 Jan 2022", dt.datetime(2022, 1, 17, tzinfo=UTC), False),
    ("12 January 2022", dt.datetime(2022, 1, 12, tzinfo=UTC), False),
    ("Jan 12, 2022 10:00 EST", dt.datetime(2022, 1, 12, 15, tzinfo=UTC), True),
    ("01/12/2022", dt.datetime(2022, 1, 12, tzinfo=UTC), False),  # month first by default
    ("01.12.2022", dt.datetime(2022, 1, 12, tzinfo=UTC), False),
    ("31.01.2022 18:45", dt.datetime(2022, 1, 31, 18, 45, tzinfo=UTC), True),  # 31: a day
    ("1641981600", dt.datetime(2022, 1, 12, 10, tzinfo=UTC), True),  # Unix seconds
])  # fmt: skip
def test_each_date_form_is_read_as_its_instant(text: str, instant: dt.datetime,
                                               has_time: bool) -> None:  # fmt: skip
    parsed = parse_date(text)
    assert (parsed.instant, parsed.has_time, parsed.text) == (instant, has_time, text)


def test_dayfirst_reads_numeric_dates_day_first_and_marks_them_ambiguous() -> None:
    month_first, day_first = parse_date("01/12/2022"), parse_date("01/12/2022", dayfirst=True)
    assert month_first.iso() == "2022-01-12" and day_first.iso() == "2022-12-01"
    assert month_first.ambiguous and day_first.ambiguous
    assert not parse_date("13/01/2022").ambiguous  # 13 cannot be a month
    assert parse_date("13/01/2022").iso() == "2022-01-13"
    unknown_zone = parse_date("Jan 12, 2022 10:00 XYZ")  # read as UTC, and said to be unsure
    assert unknown_zone.ambiguous and unknown_zone.iso() == "2022-01-12T10:00:00Z"


@pytest.mark.parametrize(("text", "problem"), [
    ("2014-09-31", "day is out of range"),
    ("17 Jan", "year, month or day missing"),
    ("yesterday evening", "Unknown string format"),
])  # fmt: skip
def test_unparseable_dates_are_missing_with_the_reason(text: str, problem: str) -> None:
    parsed = parse_date(text)
    assert parsed.instant is None and parsed.iso() is None
    assert parsed.problem is not None and problem in parsed.problem


def test_one_warning_a_run_counts_bad_and_ambiguous_dates(caplog: pytest.LogCaptureFixture
                                                          ) -> None:  # fmt: skip
    docs = [Document("a", "x", date="2014-09-31"), Document("b", "x", date="garbage"),
            Document("c", "x", date="03/04/2022"), Document("d", "x", date="2022-01-12"),
            Document("e", "x")]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="dedup.core.dates"):
        dates = parse_dates(docs)
    assert sorted(dates) == ["a", "b", "c", "d"]
    [record] = caplog.records
    assert "2 of 4 dates not understood" in record.message
    assert "e.g. a: '2014-09-31'" in record.message
    assert "1 ambiguous (e.g. c: '03/04/2022' read as 2022-03-04): " in record.message
    assert "read month first (--dayfirst reads them day first)" in record.message


def test_a_tie_on_date_orders_neither_first() -> None:
    day, morning = parse_date("2022-01-12"), parse_date("2022-01-12T09:30:00Z")
    evening = parse_date("Wed, 12 Jan 2022 23:00:00 +0000")
    assert order(day, morning) == order(morning, day) == 0  # a day holds its times
    assert order(morning, evening) == -1 and order(evening, morning) == 1
    assert order(day, parse_date("2022-01-13")) == -1
    assert order(day, None) is None and order(day, parse_date("garbage")) is None


def test_earliest_leaves_out_undated_and_unparsed_and_keeps_ties() -> None:
    dates = {k: parse_date(v) for k, v in {
        "mon17": "Mon, 17 Jan 2022", "wed12": "Wed, 12 Jan 2022 10:00:00 +0000",
        "garbage": "garbage", "wed12_day": "2022-01-12", "wed12_late": "2022-01-12T23:00:00Z",
        "tue11_late": "2022-01-11T23:30:00-01:00"}.items()}  # fmt: skip
    assert earliest(["mon17", "wed12", "garbage", "undated"], dates) == ["wed12"]
    assert earliest(["wed12_late", "wed12_day", "wed12"], dates) == ["wed12_day", "wed12"]
    assert earliest(["wed12", "tue11_late"], dates) == ["tue11_late"]  # 00:30 UTC on 12 Jan
    assert earliest(["garbage", "undated"], dates) == []


def test_dedupe_keeps_the_earliest_by_parsed_date_not_by_string() -> None:
    text = "\n\n".join(f"Paragraph {k} of the original report on the harbour fire, with "
                       f"ships, cranes and the port authority's figure of {k * 7} losses."
                       for k in range(12))  # fmt: skip
    original = Document("original", text, date="Wed, 12 Jan 2022")
    repost = Document("repost", text + "\n\nShared from our partners.", date="Mon, 17 Jan 2022")
    result = dedup.dedupe([repost, original])
    [cluster] = result.clusters
    assert cluster.kept == "original"  # as strings, "Mon, 17" sorts before "Wed, 12"
    assert [d.id for d in result.dropped] == ["repost"]


def test_dedupe_on_a_tie_keeps_the_longest() -> None:
    text = "\n\n".join(f"Paragraph {k} of the council's report on the flooded river road, "
                       f"with {k * 3} closures and the mayor's figures for the repairs."
                       for k in range(12))  # fmt: skip
    day = Document("day", text, date="2022-01-12")  # a day: no earlier than 09:00 that day
    morning = Document("morning", text + "\n\nUpdated with the mayor's statement.",
                       date="2022-01-12T09:00:00Z")  # fmt: skip
    evening = Document("evening", text + "\n\nUpdated with the mayor's statement, and "
                       "the repair crews' schedule for the week.", date="2022-01-12T19:00:00Z")
    [cluster] = dedup.dedupe([day, morning, evening]).clusters
    assert cluster.kept == "morning"  # ties with day (longer), earlier than evening


def test_a_familys_origin_is_the_earliest_by_parsed_date_in_mixed_formats() -> None:
    text = random_text(np.random.default_rng(4), 14)
    docs = [Document("iso", text, "one", "2022-01-13"),
            Document("rfc", text + " A line of its own.", "two", "Wed, 12 Jan 2022 10:00:00 +0000"),
            Document("day", text, "three", "Mon, 17 Jan 2022")]  # fmt: skip
    [family] = dedup.scan(docs).families
    assert family.origin == "rfc"  # as strings, "2022-01-13" sorts first
    tied = dedup.scan([*docs, Document("same", text, "four", "2022-01-12")])
    assert tied.families[0].origin is None  # 12 January ties with 10:00 that day


def test_scan_reports_each_documents_date_and_its_instant() -> None:
    docs = [Document("a", "Some words here.", date="Wed, 12 Jan 2022 10:00:00 +0200"),
            Document("b", "Other words there.", date="not a date"),
            Document("c", "More words.")]  # fmt: skip
    scores = {s.id: s for s in dedup.scan(docs).document_scores}
    assert (scores["a"].date, scores["a"].published) == ("Wed, 12 Jan 2022 10:00:00 +0200",
                                                         "2022-01-12T08:00:00Z")  # fmt: skip
    assert (scores["b"].date, scores["b"].published) == ("not a date", None)
    assert (scores["c"].date, scores["c"].published) == (None, None)


def test_a_json_number_date_is_read_as_unix_seconds(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text('{"id": "a", "text": "Words here.", "date": 1641981600}\n', encoding="utf-8")
    [doc] = load([path])
    assert doc.date == "1641981600"
    assert parse_date(doc.date).iso() == "2022-01-12T10:00:00Z"
