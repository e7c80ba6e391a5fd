"""Credit lines: which wire services or outlets a text names as its source.

Stage: a document's text -> the outlets it credits, used by attribution
(:mod:`dedup.scoring.attribute`: a text crediting the other's source copied it) and shown
beside each document in the HTML report. Newsrooms credit the agency they rewrote
("..., reports Reuters.", "a statement sent to AFP", "Agencies via Xinhua",
"Euronews reported", "Image source: Bangkok post", "(اے پی پی)", "сообщает
Рейтер"). Detection is a short, documented list of patterns, one per outlet, each
mapped to a canonical name; it is meant to be read and extended, not to be a
named-entity recogniser.
"""

from __future__ import annotations

import re
import unicodedata

# Canonical name: (acronyms, full names). Acronyms match case-sensitively and as
# whole words only, so "AP" fires on "(AP)" but not on "map" or "AP-style";
# full names match case-insensitively ("Bangkok post"), a space or hyphen in them
# standing for any run of spaces and hyphens. Names in other scripts are full names.
_OUTLETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AFP": (("AFP", "АФП"), ("Agence France-Presse", "Франс Пресс", "Франс-Прес",
                            "فرانس برس", "法新社", "اے ایف پی")),
    "Reuters": ((), ("Reuters", "Рейтер", "Ројтерс", "رويترز", "路透社", "رائٹرز")),
    "AP": (("AP",), ("Associated Press", "Ассошиэйтед Пресс", "美联社")),
    "Xinhua": ((), ("Xinhua", "Синьхуа", "新华社", "شینہوا", "شنهوا")),
    "APP": (("APP",), ("Associated Press of Pakistan", "اے پی پی")),
    "INN": (("INN",), ("آئی این این",)),
    "NNI": (("NNI",), ("این این آئی",)),
    "INP": (("INP",), ("آئی این پی",)),
    "SANA": (("SANA",), ("Sana News", "ثنا نیوز", "ثناء نیوز")),
    "dpa": (("dpa", "DPA"), ("Deutsche Presse-Agentur",)),
    "EFE": (("EFE",), ()),
    "ANSA": (("ANSA",), ()),
    "UPI": (("UPI",), ("United Press International",)),
    "TASS": (("TASS", "ТАСС"), ()),  # noqa: RUF001 (Cyrillic, as Russian writes it)
    "RIA Novosti": ((), ("RIA Novosti", "РИА Новости")),
    "Interfax": ((), ("Interfax", "Интерфакс")),
    "Kyodo": ((), ("Kyodo",)),
    "Yonhap": ((), ("Yonhap",)),
    "Anadolu": ((), ("Anadolu Agency",)),
    "PTI": (("PTI",), ("Press Trust of India",)),
    "Bloomberg": ((), ("Bloomberg",)),
    "Euronews": ((), ("Euronews",)),
    "BBC": (("BBC",), ()),
    "CNN": (("CNN",), ()),
    "Al Jazeera": ((), ("Al Jazeera",)),
    "Bangkok Post": ((), ("Bangkok Post",)),
}
# "Agencies" credits only as a signature: "Agencies via Xinhua", a line "Agencies"
# or "By X / Agencies"; "news agencies said" is not a credit.
_AGENCIES = re.compile(
    r"(?m)(?:^|[/|])[ \t]*(?:Agencies|AGENCIES)[ \t]*(?:$|via\b|[-/,;|])|\bAgencies\s+via\b"
)


_Credit = tuple[str, tuple[tuple[str, ...], ...], re.Pattern[str]]


def _compile(name: str, acronyms: tuple[str, ...], names: tuple[str, ...]) -> _Credit:
    words = [rf"(?<![\w-]){re.escape(a)}(?![\w-])" for a in acronyms]
    for full in names:
        parts = re.split(r"[ -]", full)
        body = r"[\s-]+".join(map(re.escape, parts))
        # Chinese and Japanese run words together: a name there has no word boundary.
        edge = "" if unicodedata.name(full[0], "").startswith("CJK") else r"\b"
        words.append(rf"(?i:{edge}{body}{edge})")
    keywords = (*((a,) for a in acronyms),
                *(tuple(re.split(r"[ -]", full.lower())) for full in names))
    return name, keywords, re.compile("|".join(words))


# (name, keywords, pattern). A pattern runs only on texts containing all the words of
# one of its keywords (plain substring tests: an acronym as written, each word of a
# full name lowercased; "al" of "Al Jazeera" is in most texts, "jazeera" is not),
# which keeps a corpus of long texts fast.
_CREDIT_PATTERNS: tuple[_Credit, ...] = (
    *(_compile(name, acronyms, names) for name, (acronyms, names) in _OUTLETS.items()),
    ("Agencies", (("agencies",),), _AGENCIES),
)
_BY_NAME = {credit[0]: credit for credit in _CREDIT_PATTERNS}
OUTLETS = tuple(_BY_NAME)  # the canonical names credits() answers with


def credits(text: str) -> tuple[str, ...]:
    """Outlets a text credits, by canonical name, in order of first mention.

    Parameters
    ----------
    text : str
        An original document text.

    Returns
    -------
    tuple of str
        Each outlet once, for instance ``("AFP", "Agencies", "Xinhua")`` for a
        text quoting "a statement sent to AFP" and signed "Agencies via Xinhua".
    """
    lower = text.lower()
    found = []
    for credit in _CREDIT_PATTERNS:
        hit = _search(text, lower, credit)
        if hit:
            found.append((hit.start(), credit[0]))
    return tuple(name for _, name in sorted(found))


def credits_outlet(text: str, outlet: str) -> bool:
    """Whether ``text`` credits ``outlet``, one of :data:`OUTLETS` (False for another name)."""
    credit = _BY_NAME.get(outlet)
    return credit is not None and _search(text, text.lower(), credit) is not None


def _search(text: str, lower: str, credit: _Credit) -> re.Match[str] | None:
    """The first credit of ``credit``'s outlet in ``text`` (``lower``: it lowercased)."""
    _, keys, pattern = credit
    if any(all(w in (lower if w.islower() else text) for w in k) for k in keys):
        return pattern.search(text)
    return None
