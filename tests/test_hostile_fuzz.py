"""Random bytes, random JSON and random CSV fed to the loaders: documents, or one
:class:`~dedup.core.errors.InputError` line naming the file, never another exception."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup.core.errors import InputError
from dedup.core.records import Document
from dedup.io.load import load

FUZZ = settings(max_examples=60, deadline=None)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip
FIELD = st.sampled_from(["id", "text", "source", "date", "extra"]) | st.text(max_size=6)


def documents_or_one_line(name: str, data: bytes) -> list[Document]:
    """``load`` of ``data`` saved as ``name``: the documents, or [] after an error that
    is an InputError of one line naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return list(load(path))
        except InputError as exc:
            message = str(exc)
            assert message.startswith(str(path)), message
            assert "\n" not in message and "\r" not in message, message
            return []


@FUZZ
@given(st.binary(max_size=3000),
       st.sampled_from(["t.txt", "t.jsonl", "t.csv", "t.tsv", "t.jsonl.gz", "t.parquet",
                        "t.html"]))  # fmt: skip
def test_random_bytes(data: bytes, name: str) -> None:
    for doc in documents_or_one_line(name, data):
        assert isinstance(doc.id, str) and isinstance(doc.text, str)


@FUZZ
@given(st.lists(st.dictionaries(FIELD, JSON, max_size=6) | JSON, max_size=6))
@example([{"\r": None}])  # an error quoting a field name must stay one line
def test_random_json_lines(records: list[Any]) -> None:
    lines = "".join(json.dumps(r) + "\n" for r in records).encode("utf-8", "surrogatepass")
    docs = documents_or_one_line("t.jsonl", lines)
    assert all(isinstance(d.text, str) and d.id for d in docs)


@FUZZ
@given(st.lists(FIELD, min_size=1, max_size=5),
       st.lists(st.lists(st.text(max_size=30), max_size=6), max_size=6),
       st.sampled_from([",", ";", "\t", "|"]))  # fmt: skip
@example(["0\n0"], [], ",")  # a column name quoted in an error must stay one line
def test_random_csv(header: list[str], rows: list[list[str]], delimiter: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    docs = documents_or_one_line("t.csv", buf.getvalue().encode("utf-8", "surrogatepass"))
    if docs:  # a CSV read at all has a row per record, each with the header's columns
        assert len(docs) <= len(rows)
