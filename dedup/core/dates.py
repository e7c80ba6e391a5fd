"""Publication dates as instants: parsed once, compared everywhere a date decides something.

Stage: documents -> one :class:`PublishedDate` per dated document. A date field is read as

- ISO 8601, with or without a time and a zone (``2022-01-12``, ``2022-01-12T10:00:00+02:00``);
- RFC 2822, as in feeds and mail (``Wed, 12 Jan 2022 10:00:00 +0000``);
- other written forms python-dateutil understands (``12 January 2022``, ``Jan 12, 2022 10:00``);
- numeric day and month (``12/01/2022``, ``12.01.2022``): month first unless ``dayfirst``;
- Unix seconds (9 to 11 digits, ``1641981600``).

A time without a zone is taken as UTC; common zone abbreviations (EST, CET, PKT, ...) are
known. A date without a time is a calendar day: two documents compare by day when either
lacks a time, so a day is never earlier than a time on that same day. A string missing a
year, month or day, or naming an impossible day (``2014-09-31``), is not a date; one
warning a run counts those, and the numeric dates whose day and month could be swapped.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from dateutil import parser as dateutil_parser

log = logging.getLogger(__name__)

_UNIX_SECONDS = re.compile(r"\d{9,11}(?:\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d")
_DAY_MONTH = re.compile(r"\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}\b")
# Zone abbreviations seen in news feeds, as UTC offsets in seconds.
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600,
          "CDT": -5 * 3600, "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600,
          "PDT": -7 * 3600, "WET": 0, "BST": 3600, "CET": 3600, "CEST": 2 * 3600,
          "EET": 2 * 3600, "EEST": 3 * 3600, "MSK": 3 * 3600, "PKT": 5 * 3600,
          "IST": 19800, "JST": 9 * 3600, "KST": 9 * 3600,
          "AEST": 10 * 3600}  # fmt: skip
# Two defaults that differ in every field: a field the text does not give differs between them.
_DEFAULTS = (dt.datetime(2000, 1, 1, 0, 0, 0), dt.datetime(2001, 2, 2, 1, 1, 1))


@dataclass(frozen=True, slots=True)
class PublishedDate:
    """A date field as read and as understood.

    ``instant`` is in UTC (None when the text is not a date, ``problem`` then says why);
    ``has_time`` is False for a calendar day; ``ambiguous`` marks a numeric date whose day
    and month could be swapped (read by the ``dayfirst`` rule).
    """

    text: str
    instant: dt.datetime | None
    has_time: bool = False
    ambiguous: bool = False
    problem: str | None = None

    def iso(self) -> str | None:
        """The instant in ISO 8601: ``2022-01-12T10:00:00Z``, or ``2022-01-12`` for a day."""
        if self.instant is None:
            return None
        if not self.has_time:
            return self.instant.date().isoformat()
        return self.instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str, *, dayfirst: bool = False) -> PublishedDate:
    """Read one date field.

    Parameters
    ----------
    text : str
        The field as read.
    dayfirst : bool
        Read ``01/02/2022`` as 1 February (else 2 January).

    Returns
    -------
    PublishedDate
        ``instant`` None, with ``problem`` set, when ``text`` is not a whole date.
    """
    s = text.strip()
    if _UNIX_SECONDS.fullmatch(s):
        return PublishedDate(text, dt.datetime.fromtimestamp(float(s), dt.timezone.utc), True)
    if _ISO_DATE.match(s):
        try:
            return PublishedDate(text, _utc(dt.datetime.fromisoformat(s.replace("Z", "+00:00"))),
                                 bool(_ISO_TIME.match(s)))  # fmt: skip
        except ValueError:
            pass  # not strict ISO (or an impossible day): dateutil says which
    numeric = _DAY_MONTH.match(s)
    ambiguous = numeric is not None and _swappable(numeric)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first, second = (dateutil_parser.parse(s, default=d, dayfirst=dayfirst,
                                                   tzinfos=_ZONES) for d in _DEFAULTS)  # fmt: skip
    except (ValueError, OverflowError) as exc:
        return PublishedDate(text, None, problem=str(exc) or "not a date")
    if first.date() != second.date():
        return PublishedDate(text, None, problem="not a whole date (year, month or day missing)")
    zone_unknown = any(issubclass(w.category, dateutil_parser.UnknownTimezoneWarning)
                       for w in caught)  # fmt: skip
    return PublishedDate(text, _utc(first), first.hour == second.hour, ambiguous or zone_unknown)


def _swappable(numeric: re.Match[str]) -> bool:
    day, month = int(numeric.group(1)), int(numeric.group(2))
    return day != month and day <= 12 and month <= 12


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


class Dated(Protocol):
    """Anything with an id and a date field as read (a document, an indexed document)."""

    @property
    def id(self) -> str: ...

    @property
    def date(self) -> str | None: ...


def parse_dates(documents: Iterable[Dated], *, dayfirst: bool = False,
                of: str = "dates") -> dict[str, PublishedDate]:  # fmt: skip
    """The parsed date of every dated document, by id; one warning for the run's problems.

    Each distinct date string is parsed once. The warning (logged, never printed) counts
    the dates not understood and the ambiguous ones, with an example of each; ``of``
    names what is counted (``"indexed documents' dates"``).
    """
    seen: dict[str, PublishedDate] = {}
    out: dict[str, PublishedDate] = {}
    for d in documents:
        if d.date is None or not d.date.strip():
            continue
        parsed = seen.get(d.date)
        if parsed is None:
            parsed = seen[d.date] = parse_date(d.date, dayfirst=dayfirst)
        out[d.id] = parsed
    warning = date_warning(out, dayfirst=dayfirst, of=of)
    if warning:
        log.warning(warning)
    return out


def date_warning(dates: Mapping[str, PublishedDate], *, dayfirst: bool,
                 of: str = "dates") -> str | None:  # fmt: skip
    """One line on the dates not understood and the ambiguous ones, or None when all are fine."""
    bad = [(i, p) for i, p in dates.items() if p.instant is None]
    unsure = [(i, p) for i, p in dates.items() if p.ambiguous]
    parts = []
    if bad:
        i, p = min(bad)
        parts.append(f"{len(bad):,} of {len(dates):,} {of} not understood, taken as missing "
                     f"(e.g. {i}: {p.text!r}: {p.problem})")  # fmt: skip
    if unsure:
        i, p = min(unsure)
        rule = "day first" if dayfirst else "month first (--dayfirst reads them day first)"
        parts.append(f"{len(unsure):,} ambiguous (e.g. {i}: {p.text!r} read as {p.iso()}): "
                     f"numeric dates whose day and month could swap are read {rule}, "
                     "and times in a zone not known are read as UTC")  # fmt: skip
    return "warning: " + "; ".join(parts) + "." if parts else None


def order(a: PublishedDate | None, b: PublishedDate | None) -> int | None:
    """-1 when ``a`` is earlier than ``b``, 1 when later, 0 on a tie, None when either is unknown.

    When either has no time, the two compare by calendar day (UTC).
    """
    if a is None or b is None or a.instant is None or b.instant is None:
        return None
    x, y = a.instant, b.instant
    if not (a.has_time and b.has_time):
        return (x.date() > y.date()) - (x.date() < y.date())
    return (x > y) - (x < y)


def is_dated(p: PublishedDate | None) -> bool:
    """Is ``p`` a date understood?"""
    return p is not None and p.instant is not None


def earliest(ids: Iterable[str], dates: Mapping[str, PublishedDate]) -> list[str]:
    """The dated ids that no other of ``ids`` is earlier than (by :func:`order`), in order.

    More than one on a tie: a calendar day ties with every time on that day, so the first
    day's ids without a time come with its earliest timed ones. Empty when none is dated.
    """
    known = [(i, p.instant, p.has_time) for i in ids
             if (p := dates.get(i)) is not None and p.instant is not None]  # fmt: skip
    if not known:
        return []
    first_day = min(t.date() for _, t, _ in known)
    first_time = min((t for _, t, timed in known if timed), default=None)
    return [i for i, t, timed in known
            if t.date() == first_day and (not timed or t == first_time)]  # fmt: skip
