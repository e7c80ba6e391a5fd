"""The file formats :func:`dedup.io.load.load` reads, each as an ``Iterator[Document]``: text,
JSON lines, CSV/TSV, Parquet and saved web pages.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from dedup.core.errors import InputError
from dedup.core.records import Document
from dedup.io.load_files import (
    COMPRESSIBLE,
    STDIN,
    file_id,
    open_bytes,
    open_text,
    sniff,
    split_compression,
)
from dedup.io.load_records import (
    DuplicateKey,
    LoadOptions,
    json_kind,
    json_object,
    record_document,
    repeated,
    rule_source,
)

_CSV_FIELD_LIMIT = 2**31 - 1

HTML_SUFFIXES = (".html", ".htm")

NEEDS_TRAFILATURA = "reading HTML needs trafilatura: pip install 'dedup[html]'"

_DELIMITERS = ",;\t|"  # comma first; spreadsheets write ';' where ',' is the decimal mark


Reader = Callable[[Path, LoadOptions], Iterator[Document]]


def reader_for(name: str) -> Reader | None:
    """The reader of a file named ``name`` in a folder; ``None`` for a type not read."""
    inner, compression = split_compression(name.lower())
    for suffixes, reader in (((".txt",), _read_txt), ((".csv", ".tsv"), _read_csv),
                             ((".jsonl", ".ndjson"), _read_jsonl), ((".parquet",), _read_parquet),
                             (HTML_SUFFIXES, _read_html)):  # fmt: skip
        if inner.endswith(suffixes) and (not compression or inner.endswith(COMPRESSIBLE)):
            return reader
    return None


def named_reader(path: Path) -> Reader:
    """The reader of a file named directly: JSON lines for standard input, else its
    type's, else plain text."""
    return _read_jsonl if path == STDIN else reader_for(path.name) or _read_txt


def one_document(name: str) -> bool:
    """Whether a file named ``name`` holds one document (text or a web page)."""
    return reader_for(name) in (_read_txt, _read_html)


def _read_txt(path: Path, opts: LoadOptions) -> Iterator[Document]:
    doc_id = file_id(path.name)
    with open_text(path, opts, newline="") as f:
        text = f.read()
    yield Document(doc_id, text, rule_source(doc_id, path, opts), origin=str(path))


def _read_jsonl(path: Path, opts: LoadOptions) -> Iterator[Document]:
    with open_text(path, opts, newline="\n") as lines:  # JSON Lines ends records at \n only
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json_object(line)
            except DuplicateKey as exc:
                raise InputError(path, number, str(exc)) from None
            except RecursionError:
                raise InputError(path, number, "not valid JSON here: nested too deeply") from None
            except json.JSONDecodeError as exc:
                # pos, not colno: the line's own "\n" would put an early end on "line 2, column 1"
                msg = exc.msg.removesuffix(" at")  # "Invalid control character at"
                if exc.pos >= len(line.rstrip("\r\n")):
                    where = "at the end of the line; each record is one JSON object on one line"
                else:
                    where = f"at column {exc.pos + 1}"
                problem = f"not valid JSON: {msg} {where}"
                raise InputError(path, number, problem) from None
            except ValueError as exc:  # a number of more digits than Python converts
                raise InputError(path, number, f"not readable JSON: {exc}") from None
            if not isinstance(raw, dict):
                raise InputError(path, number, f"expected a JSON object, got {json_kind(raw)}")
            yield record_document(raw, path, number, f"{path}:{number}", opts)


def _read_csv(path: Path, opts: LoadOptions) -> Iterator[Document]:
    with open_text(path, opts, newline="") as f:
        first = f.readline()
        delimiter = csv_delimiter(first, opts.id_field, opts.text_field)
        quotes = [0]  # quote marks in the lines of the record being read
        reader = csv.reader(_counting_quotes(f, quotes, first), delimiter=delimiter)
        try:
            rows = csv_rows(reader)
            header = [name.strip() for name in next(rows, [])]
            _check_columns(path, header, opts)
            start, quotes[0] = reader.line_num + 1, 0
            for row in rows:
                if len(row) not in (0, len(header)):  # csv gives [] for a blank line
                    problem = f"has {len(row)} fields, the header has {len(header)}"
                    raise InputError(path, start, problem)
                if quotes[0] % 2 and reader.line_num > start:
                    # csv reads a quote never closed to the end of the file, as one field
                    lines = f"lines {start:,} to {reader.line_num:,}"
                    problem = (f"a quoted field opens here and is never closed: {lines} would "
                               "be one field; close the quote")  # fmt: skip
                    raise InputError(path, start, problem)
                if row:
                    yield record_document(dict(zip(header, row, strict=True)), path, start,
                                  f"{path}:{start}", opts)  # fmt: skip
                start, quotes[0] = reader.line_num + 1, 0
        except csv.Error as exc:
            raise InputError(path, reader.line_num, f"not valid CSV: {exc}") from None


def csv_rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The rows of a ``csv.reader``, each parsed with fields of any length allowed.

    The csv module caps a field at 128 KiB, for every reader of the process; an
    article can be longer. The cap is lifted while a row is parsed and put back
    before the row is handed on, so other readers keep their limit.
    """
    while True:
        limit = csv.field_size_limit(_CSV_FIELD_LIMIT)
        try:
            row = next(reader, None)
        finally:
            csv.field_size_limit(limit)
        if row is None:
            return
        yield row


def _counting_quotes(lines: Iterable[str], quotes: list[int], first: str) -> Iterator[str]:
    """``first``, then ``lines``, adding the quote marks of each to ``quotes[0]``."""
    yield first
    for line in lines:
        quotes[0] += line.count('"')
        yield line


def csv_delimiter(header: str, id_field: str = "id", text_field: str = "text") -> str:
    """The delimiter of a CSV file: the first of ``_DELIMITERS`` that splits its header
    line into columns holding the id and text fields (a comma when none does: the error
    then lists the columns it found)."""
    for delimiter in _DELIMITERS:
        names = {name.strip() for name in next(csv.reader([header], delimiter=delimiter), [])}
        if {id_field, text_field} <= names:
            return delimiter
    return ","


def _read_parquet(path: Path, opts: LoadOptions) -> Iterator[Document]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        problem = "Reading Parquet needs pyarrow: pip install 'dedup[parquet]'"
        raise InputError(path, None, problem) from None
    with open(path, "rb") as f:
        try:
            parquet = pq.ParquetFile(f)
            _check_columns(path, parquet.schema_arrow.names, opts)
            row = 0
            for batch in parquet.iter_batches(batch_size=1024):
                for raw in batch.to_pylist():
                    row += 1
                    yield record_document(raw, path, row, f"{path}#{row}", opts)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(path, None, f"not a readable Parquet file: {exc}") from None


def _read_html(path: Path, opts: LoadOptions) -> Iterator[Document]:
    """A saved web page: its article text, as trafilatura extracts it (navigation, related
    links, comments and footers left out), headline first. Its source is the site's host
    name (canonical URL) or name, its date the publication date in its metadata;
    ``title`` and ``url`` go to ``extra``. Offsets index the extracted text. The page's
    own charset declaration decodes it."""
    try:
        from trafilatura import bare_extraction
    except ImportError:
        raise InputError(path, None, NEEDS_TRAFILATURA) from None
    with open_bytes(path) as raw:
        sniff(path, raw, "utf-8")  # refuse PDFs, images and other binary files
        data = raw.read()
    found = bare_extraction(data, with_metadata=True, include_comments=False,
                            date_extraction_params={"extensive_search": False,
                                                    "original_date": True})  # fmt: skip
    page = found if found is None or isinstance(found, dict) else found.as_dict()
    doc_id = file_id(path.name)
    if page is None:  # no article text found: read as empty, reported as not scanned
        yield Document(doc_id, "", rule_source(doc_id, path, opts), origin=str(path))
        return
    extra = {k: page[k] for k in ("title", "url") if page.get(k)}
    source = page.get("hostname") or page.get("sitename") or rule_source(doc_id, path, opts)
    yield Document(doc_id, page.get("text") or "", source, page.get("date") or None, str(path),
                   extra)  # fmt: skip


def _check_columns(path: Path, names: list[str], opts: LoadOptions) -> None:
    twice = repeated(names)
    if twice is not None:
        raise InputError(path, None, f'column "{twice}" appears twice; name each column once')
    if opts.id_field not in names or opts.text_field not in names:
        found = ", ".join(names) or "none"
        need = f'"{opts.id_field}" and "{opts.text_field}"'
        raise InputError(path, None, f"needs columns {need}; found columns: {found}")
