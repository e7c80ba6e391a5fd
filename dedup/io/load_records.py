"""Records into documents: the fields of one JSONL line, CSV row or Parquet row checked
and turned into a :class:`~dedup.core.records.Document`, for :func:`dedup.io.load.load` and the
Spark reader alike.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dedup.core.errors import DedupError, InputError, ParamError
from dedup.core.records import Document

MAX_ID_CHARS = 4096  # longer is not a name but a mistake (a text in the id column, say)
LANGUAGE_FIELD = "language"  # a record's ISO 639-1 language code, else it is detected


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How records become documents: the checked options of :func:`dedup.io.load.load`."""

    rules: tuple[tuple[re.Pattern[str] | None, str], ...]  # (None, "") is the "folder" rule
    encoding: str
    errors: str
    text_field: str = "text"
    id_field: str = "id"
    source_field: str = "source"
    date_field: str = "date"
    seen: Counter[str] = field(default_factory=Counter)  # records read, sources found in them

_JSON_KINDS = {"dict": "an object", "list": "an array", "str": "a string", "bool": "true/false",
               "int": "a number", "float": "a number", "NoneType": "null"}  # fmt: skip


def check_fields(text: str, id_: str, source: str, date: str) -> tuple[str, str, str, str]:
    """The record field names ``(text, id, source, date)``, checked: non-empty and distinct."""
    names = {"text_field": text, "id_field": id_, "source_field": source, "date_field": date}
    for param, name in names.items():
        if not isinstance(name, str) or not name:
            raise ParamError(f"The '{param}' parameter must be a non-empty field name. "
                             f"Got {name!r} instead.")  # fmt: skip
    if len(set(names.values())) < len(names):
        listing = ", ".join(f"{k}={v!r}" for k, v in names.items())
        raise ParamError(f"The field names must be distinct. Got {listing}.")
    return text, id_, source, date


def parse_rule(rule: str) -> tuple[re.Pattern[str] | None, str]:
    if rule == "folder":
        return None, ""
    pattern, eq, source = rule.rpartition("=")
    if not (eq and pattern and source):
        raise ParamError(f"A source rule must be 'folder' or 'REGEX=SOURCE'. Got {rule!r} instead.")
    try:
        return re.compile(pattern), source
    except re.error as exc:
        raise ParamError(f"The source rule {rule!r} has an invalid regex: {exc}.") from None


class DuplicateKey(ValueError):
    """A JSON object names one key twice: which value counts is not clear, and the other
    would be lost."""


def json_object(line: str) -> Any:
    """``json.loads(line)``, refusing an object that names a key twice (``DuplicateKey``)."""
    return json.loads(line, object_pairs_hook=_unique_keys)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        twice = repeated([k for k, _ in pairs])
        raise DuplicateKey(f'key "{twice}" appears twice in one object; name each field once')
    return found


def repeated(names: Sequence[str]) -> str | None:
    """The first name that ``names`` holds a second time, if any."""
    return next((n for i, n in enumerate(names) if n in names[:i]), None)


def record_document(
    raw: Mapping[str, Any], path: Path, line: int, origin: str, opts: LoadOptions
) -> Document:
    """One record as a Document; ``line`` (or row) only places errors."""
    id_f, text_f = opts.id_field, opts.text_field
    for name in (id_f, text_f):
        if name not in raw:
            got = ", ".join(raw) or "no fields"
            need = f'each line needs "{id_f}" and "{text_f}"; got {got}'
            raise InputError(path, line, f'field "{name}" is missing ({need})')
    text, doc_id = raw[text_f], raw[id_f]
    if not isinstance(text, str):
        raise InputError(path, line, f'field "{text_f}" must be a string, got {json_kind(text)}')
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        got = repr(doc_id) if isinstance(doc_id, str) else json_kind(doc_id)
        problem = f'field "{id_f}" must be a non-empty string or an integer, got {got}'
        raise InputError(path, line, problem)
    if len(doc_id) > MAX_ID_CHARS:
        problem = (f'field "{id_f}" holds {len(doc_id):,} characters; an id has at most '
                   f"{MAX_ID_CHARS:,} (is --id-field the right column?)")  # fmt: skip
        raise InputError(path, line, problem)
    source_f, date_f = opts.source_field, opts.date_field
    source, date = raw.get(source_f) or "", raw.get(date_f) or None
    opts.seen.update(("records", "sourced") if source else ("records",))
    language = raw.get(LANGUAGE_FIELD) or None
    if isinstance(date, datetime.date):  # Parquet date and timestamp columns
        date = date.isoformat()
    elif type(date) in (int, float):  # Unix seconds (a bool is neither: it stays an error)
        date = str(date)
    for name, value in ((source_f, source), (date_f, date), (LANGUAGE_FIELD, language)):
        if value is not None and not isinstance(value, str):
            problem = f'field "{name}" must be a string, got {json_kind(value)}'
            raise InputError(path, line, problem)
    used = (id_f, text_f, source_f, date_f, LANGUAGE_FIELD)
    extra = {k: v for k, v in raw.items() if k not in used}
    source = source or rule_source(doc_id, path, opts)
    return Document(doc_id, text, source, date, origin, extra, language)


def rule_source(doc_id: str, path: Path, opts: LoadOptions) -> str:
    for pattern, source in opts.rules:
        if pattern is None:
            return path.absolute().parent.name
        if pattern.search(doc_id):
            return source
    return ""


def json_kind(value: object) -> str:
    return _JSON_KINDS.get(type(value).__name__, type(value).__name__)


def check_unique(docs: Sequence[Document]) -> None:
    """Raise a DedupError naming every id two of ``docs`` carry, with where each copy
    came from (its origin, ``?`` for none)."""
    where: dict[str, list[str]] = {}
    for d in docs:
        where.setdefault(d.id, []).append(d.origin or "?")
    dupes = sorted(d for d, copies in where.items() if len(copies) > 1)
    if dupes:
        listing = "; ".join(f"{d!r} ({', '.join(where[d])})" for d in dupes)
        raise DedupError(f"document ids must be unique; duplicated: {listing}")
