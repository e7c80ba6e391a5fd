"""JSON and CSV renderings of a ScanResult (the schema is documented in the README).

Files are written to a temporary name beside the target and renamed into place,
so an interrupted run never leaves a half-written output. CSV cells that a spreadsheet
would run as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) start with a ``'``, as OWASP recommends; the JSON holds the text as it is.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import json
import math
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from dedup.core.records import Direction, DocumentScore, Family, ScanResult, SourceScore
from dedup.io.outputs import OutputFiles, json_text, write_atomic

PAIR_FIELDS = ["a", "b", "rank", "score", "tfidf_cosine", "jaccard", "text_containment_ab",
               "text_containment_ba", "containment_ab", "containment_ba", "reused_chars",
               "has_reuse", "from", "to", "relation", "via", "confidence"]  # fmt: skip
MATCH_FIELDS = ["a", "b", "a_start", "a_end", "b_start", "b_end", "kind", "score",
                "shared_words", "a_text", "b_text"]  # fmt: skip
DOCUMENT_FIELDS = [f.name for f in fields(DocumentScore)]
SOURCE_FIELDS = [f.name for f in fields(SourceScore)]
FLOW_FIELDS = ["taker", "giver", "documents", "chars", "share"]
CSV_FILES = ("pairs.csv", "matches.csv", "documents.csv", "sources.csv", "flows.csv")
CSV_TEXT_LIMIT = 300  # characters of a passage's text in matches.csv; longer ones end in "…"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def result_dict(result: ScanResult) -> dict[str, Any]:
    """The JSON document: documents, pairs (by rank), matches, sources, source flows,
    families, corpus, params, stats."""
    extra = {d.id: {k: json_value(v) for k, v in d.extra.items()} for d in result.documents}
    published = {s.id: s.published for s in result.document_scores}
    return {
        "documents": [
            {**asdict(s), **({"extra": extra[s.id]} if extra[s.id] else {})}
            for s in result.document_scores
        ],
        "pairs": [{**asdict(p), "direction": direction_dict(p.direction),
                   "has_reuse": p.reused_chars > 0} for p in result.pairs],
        "matches": [{**asdict(m), "shared_words": list(m.shared_words)} for m in result.matches],
        "sources": [asdict(s) for s in result.sources],
        "source_flows": [asdict(f) for f in result.source_flows],
        "families": [_family_dict(f, published) for f in result.families],
        "corpus": asdict(result.corpus),
        "params": dict(result.params),
        "stats": dict(result.stats),
    }


def _family_dict(f: Family, published: dict[str, str | None]) -> dict[str, Any]:
    """A family with its origin's date and its edges, each with both ends' dates."""
    edges = [{"from": e.source, "to": e.copy, "relation": e.relation, "confidence": e.confidence,
              "tree": e.tree, "from_date": published[e.source], "to_date": published[e.copy]}
             for e in f.edges]  # fmt: skip
    origin_date = published[f.origin] if f.origin else None
    return {"id": f.id, "members": list(f.members), "origin": f.origin,
            "origin_date": origin_date, "large": f.large, "edges": edges}  # fmt: skip


def direction_dict(d: Direction | None) -> dict[str, Any] | None:
    """A pair's direction as JSON: ``from``/``to`` for a copy, ``via`` for siblings."""
    if d is None:
        return None
    ends = {"from": d.source, "to": d.copy} if d.relation == "copy" else {"via": d.via}
    return {**ends, "relation": d.relation, "confidence": d.confidence,
            "evidence": list(d.evidence)}  # fmt: skip


def json_value(value: Any) -> Any:
    """A pass-through input field as strict JSON: dates and times (Parquet timestamps) in
    ISO 8601, bytes in base64, NaN and infinities (which Python's JSON reader accepts and
    JSON has no word for) as null, other values JSON cannot hold (decimals) as text."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def to_json(result: ScanResult, settings: dict[str, Any] | None = None) -> str:
    """Deterministic JSON text: the same result gives byte-identical output. ``settings``
    (the command line's choices beside ``params``) is added under that key when given."""
    data = result_dict(result)
    return json_text(data if settings is None else {**data, "settings": settings})


def _cell(value: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


def _csv_text(rows: list[dict[str, Any]], fields: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def _clipped(text: str) -> str:
    return text if len(text) <= CSV_TEXT_LIMIT else text[: CSV_TEXT_LIMIT - 1] + "…"


def csv_texts(result: ScanResult) -> dict[str, str]:
    """The CSV files by name: ``pairs.csv`` (with each pair's direction), ``matches.csv``
    (with the shared words, space-separated, and both passages' text, clipped to
    :data:`CSV_TEXT_LIMIT` characters), ``documents.csv`` (each document's boilerplate
    spans as a JSON list), ``sources.csv`` and ``flows.csv``."""
    data = result_dict(result)
    pairs = [{**p, **(p["direction"] or {})} for p in data["pairs"]]
    text = {d.id: d.text for d in result.documents}
    matches = [{**m, "shared_words": " ".join(m["shared_words"]),
                "a_text": _clipped(text[m["a"]][m["a_start"]:m["a_end"]]),
                "b_text": _clipped(text[m["b"]][m["b_start"]:m["b_end"]])}
               for m in data["matches"]]  # fmt: skip
    documents = [{**d, "boilerplate": json.dumps(d["boilerplate"], separators=(",", ":"))}
                 for d in data["documents"]]  # fmt: skip
    return dict(zip(CSV_FILES, (_csv_text(pairs, PAIR_FIELDS),
                                _csv_text(matches, MATCH_FIELDS),
                                _csv_text(documents, DOCUMENT_FIELDS),
                                _csv_text(data["sources"], SOURCE_FIELDS),
                                _csv_text(data["source_flows"], FLOW_FIELDS)), strict=True))


def write_json(result: ScanResult, path: Path) -> None:
    """Write the JSON document to ``path``."""
    write_atomic(path, to_json(result))


def write_csv(result: ScanResult, folder: Path) -> None:
    """Write the files of :func:`csv_texts` into ``folder``, all or none."""
    with OutputFiles() as files:
        for name, text in csv_texts(result).items():
            files.write_text(Path(folder) / name, text)
        files.commit()
