"""Read documents: the first stage, handing an ``Iterator[Document]`` to :func:`dedup.scan`.

Accepted inputs (each path a file or a folder):

- ``.txt``: one document; its id is the file name without ``.txt`` (in a folder, where
  two subfolders hold files of one name, the relative path: ``afp/story``).
- ``.jsonl`` / ``.ndjson``: one document per non-blank line, an object with
  ``"id"`` (string or integer) and ``"text"`` (string), optionally ``"source"``, ``"date"``
  and ``"language"`` (an ISO 639-1 code such as ``"ur"``, else detected)
  (other names with ``id_field``, ``text_field``, ``source_field``, ``date_field``); other
  fields are kept in ``Document.extra``.
- ``.csv`` / ``.tsv``: a header with ``id`` and ``text`` columns (optionally ``source``,
  ``date``; other columns go to ``extra``); quoted fields may hold newlines. The delimiter is
  the first of comma, semicolon, tab and ``|`` that splits the header into those columns.
- ``.parquet``: the same columns, read in record batches (needs pyarrow).
- ``.html`` / ``.htm``: one document, the article text of a saved web page (needs
  trafilatura); see :func:`_read_html`.
- ``-``: JSON lines on standard input (``zcat news.jsonl.gz | dedup scan -``); origins and
  errors name it ``<stdin>``.
- Text, JSON lines, CSV and TSV files compressed with gzip, bzip2 or xz (``.jsonl.gz``,
  ``.csv.bz2``, ``.txt.xz``, ...) are decompressed as they are read.
- A folder: every file above inside it, recursively, in order of relative path. Hidden files
  and folders and files of other types are skipped and listed in :class:`LoadReport`.
- A file of another type named directly is read as plain text unless it looks binary.

Text is decoded strictly as UTF-8 unless told otherwise; a BOM (UTF-8, UTF-16, UTF-32) wins over
``encoding`` and is not part of the text, so offsets into ``Document.text`` count from after it.
Line ends (CRLF, lone CR) are kept as they are in the file, so offsets index the original text.
Errors name the file and line; a decoding error also gives the offset of the first bad byte,
counted from the start of the file (BOM included; of the decompressed data for a
compressed file).
Empty and whitespace-only texts are yielded like any other: the pipeline decides what to do.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import datetime
import gzip
import io
import json
import logging
import lzma
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib.util import find_spec
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from dedup.errors import InputError, ParamError
from dedup.records import Document

log = logging.getLogger(__name__)

_CSV_FIELD_LIMIT = 2**31 - 1
_DUPES_SHOWN = 5  # duplicated ids an error names, and copies of each
MAX_ID_CHARS = 4096  # longer is not a name but a mistake (a text in the id column, say)
_HTML = (".html", ".htm")
_LINKED = "a link to a folder, not followed (name that folder to read it)"
STDIN = Path("<stdin>")  # the path "-": JSON lines on standard input
_NEEDS_TRAFILATURA = "reading HTML needs trafilatura: pip install 'dedup[html]'"
_DELIMITERS = ",;\t|"  # comma first; spreadsheets write ';' where ',' is the decimal mark
ACCEPTED = ("dedup reads .txt, .jsonl, .ndjson, .csv, .tsv (each also compressed: .gz, .bz2, "
            ".xz), .parquet and .html files")  # fmt: skip
COMPRESSED = {".gz": gzip, ".bz2": bz2, ".xz": lzma}  # suffix -> module (open, de/compress)
_SNIFF_BYTES = 8192
_MAGIC = ((b"%PDF-", "a PDF"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"\x1f\x8b", "gzip-compressed data"), (b"BZh", "bzip2-compressed data"),
          (b"\xfd7zXZ\x00", "xz-compressed data"),
          (b"\x28\xb5\x2f\xfd", "zstd-compressed data (zstd -dc FILE | dedup scan -)"),
          (b"PK\x03\x04", "a ZIP archive (.zip, .docx, .xlsx)"))  # fmt: skip
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),  # before UTF-16
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))  # fmt: skip
_JSON_KINDS = {"dict": "an object", "list": "an array", "str": "a string", "bool": "true/false",
               "int": "a number", "float": "a number", "NoneType": "null"}  # fmt: skip


@dataclass(slots=True)
class LoadReport:
    """What :func:`load` read and skipped; not frozen, as it is filled in while iterating.

    Attributes
    ----------
    read : int
        Documents yielded so far.
    files : int
        Files read so far (a JSONL, CSV or Parquet file counts once).
    skipped : list of (str, str)
        ``(path, reason)`` for every entry of a folder that was not read.
    """

    read: int = 0
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Options:
    rules: tuple[tuple[re.Pattern[str] | None, str], ...]  # (None, "") is the "folder" rule
    encoding: str
    errors: str
    text_field: str = "text"
    id_field: str = "id"
    source_field: str = "source"
    date_field: str = "date"
    seen: Counter[str] = field(default_factory=Counter)  # records read, sources found in them


def load(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    source_rules: Sequence[str] = (),
    encoding: str = "utf-8",
    encoding_errors: str = "strict",
    text_field: str = "text",
    id_field: str = "id",
    source_field: str = "source",
    date_field: str = "date",
    report: LoadReport | None = None,
) -> Iterator[Document]:
    """Stream the documents of files and folders, one at a time, in input order.

    Parameters
    ----------
    paths : path or iterable of paths
        Files and folders, in the formats listed in the module docstring; ``"-"`` is standard
        input (JSON lines).
    source_rules : sequence of str
        For records without a source: ``"folder"`` (the file's parent folder is the source) or
        ``"REGEX=SOURCE"`` (``SOURCE`` when ``re.search(REGEX, id)``; the last ``=`` splits).
        The first rule that applies wins; with none, the source is the id.
    encoding : str
        Codec of files without a BOM.
    encoding_errors : str
        ``"strict"`` (undecodable bytes are an error) or ``"replace"`` (they become U+FFFD).
    text_field, id_field, source_field, date_field : str
        Names of the text, id, source and date fields in JSONL, CSV and Parquet records
        (``--text-field maintext --id-field url`` for news-please output, say); distinct.
    report : LoadReport, optional
        Filled in as the iterator runs: counts and the folder entries skipped, with reasons.

    Returns
    -------
    Iterator of Document
        ``origin`` is ``path`` (text file), ``path:line`` (JSONL; CSV: the line where the
        record starts) or ``path#row`` (Parquet, 1-based).

    Raises
    ------
    ParamError
        At the call: no paths, an unknown codec or error handler, a malformed source rule.
    InputError
        At the call, for a missing path; while iterating, for an unreadable file or record,
        naming file and line. Duplicate ids do not stop the iteration: after the last document
        one error lists every duplicated id with where each copy came from.
    """
    named = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    todo = [STDIN if str(p) == "-" else Path(p) for p in named]
    if not todo:
        raise ParamError("The 'paths' parameter must name at least one file or folder. Got none.")
    if todo.count(STDIN) > 1:
        raise ParamError("Standard input ('-') can be read once. Got it twice.")
    for path in todo:
        if path != STDIN and not path.exists():
            raise InputError(path, None, "no such file or folder")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ParamError(
            "The 'encoding' parameter must be a codec Python knows (utf-8, cp1252, latin-1, ...). "
            f"Got {encoding!r} instead."
        ) from None
    if encoding_errors not in ("strict", "replace"):
        raise ParamError(
            "The 'encoding_errors' parameter must be 'strict' or 'replace'. "
            f"Got {encoding_errors!r} instead."
        )
    rules = [source_rules] if isinstance(source_rules, str) else source_rules
    opts = _Options(tuple(map(_parse_rule, rules)), encoding, encoding_errors,
                    *check_fields(text_field, id_field, source_field, date_field))  # fmt: skip
    return _load(todo, opts, LoadReport() if report is None else report)


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


def _parse_rule(rule: str) -> tuple[re.Pattern[str] | None, str]:
    if rule == "folder":
        return None, ""
    pattern, eq, source = rule.rpartition("=")
    if not (eq and pattern and source):
        raise ParamError(f"A source rule must be 'folder' or 'REGEX=SOURCE'. Got {rule!r} instead.")
    try:
        return re.compile(pattern), source
    except re.error as exc:
        raise ParamError(f"The source rule {rule!r} has an invalid regex: {exc}.") from None


def _load(paths: list[Path], opts: _Options, report: LoadReport) -> Iterator[Document]:
    seen: dict[str, str] = {}
    dupes: dict[str, list[str]] = {}
    first_dupe = paths[0]  # the input (file or folder) where an id first came back
    for path in paths:
        docs = _read_folder(path, opts, report) if path.is_dir() else _read_file(path, opts, report)
        for doc in docs:
            if doc.id not in seen:
                seen[doc.id] = doc.origin
            else:
                first_dupe = first_dupe if dupes else path
                dupes.setdefault(doc.id, [seen[doc.id]]).append(doc.origin)
            report.read += 1
            yield doc
    _warn_sources(opts)
    if dupes:
        shown = sorted(dupes.items())[:_DUPES_SHOWN]
        listing = "; ".join(f"{d!r} ({', '.join(where[:_DUPES_SHOWN])}"
                            f"{_more(len(where) - _DUPES_SHOWN, 'more copy', 'more copies')})"
                            for d, where in shown)  # fmt: skip
        more = _more(len(dupes) - len(shown), "more id", "more ids")
        raise InputError(first_dupe, None, f"ids must be unique; {len(dupes):,} duplicated: "
                                           f"{listing}{more}")  # fmt: skip


def _warn_sources(opts: _Options) -> None:
    """Say when a source rule or field name the user gave did not apply to every record."""
    records, sourced = opts.seen["records"], opts.seen["sourced"]
    if opts.rules and sourced:
        log.warning("warning: %s with a %r field keep that source; the source rules "
                    "(--source-from) set the others' only", f"{sourced:,} record" +
                    "s" * (sourced != 1), opts.source_field)  # fmt: skip
    if records and not sourced and opts.source_field != "source":
        log.warning("warning: no record has a field %r (--source-field), so none took its "
                    "source from it", opts.source_field)  # fmt: skip


def _more(n: int, one: str, many: str) -> str:
    return "" if n <= 0 else f" and {n:,} {one if n == 1 else many}"


def folder_files(folder: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """What :func:`load` reads in ``folder``: ``(relative POSIX path, path)`` of each file it
    reads, sorted, and ``(path, reason)`` of each entry it skips."""
    found: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []

    def unreadable(exc: OSError) -> None:
        skipped.append((str(exc.filename), f"cannot be read: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        for name in [d for d in dirs if d.startswith(".") or Path(root, d).is_symlink()]:
            dirs.remove(name)  # .git and the like, and links: not walked
            hidden = name.startswith(".")
            skipped.append((str(Path(root, name)), "hidden folder" if hidden else _LINKED))
        for name in files:
            path = Path(root, name)
            if name.startswith(".") or _reader(name) is None:
                why = "hidden file" if name.startswith(".") else "not a supported file type"
                skipped.append((str(path), why))
            elif not path.is_file():  # a FIFO would block the read forever
                skipped.append((str(path), "not a regular file (a pipe, socket or device)"))
            elif name.lower().endswith(_HTML) and find_spec("trafilatura") is None:
                skipped.append((str(path), f"HTML: {_NEEDS_TRAFILATURA}"))
            else:
                found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found), sorted(skipped)


def _read_folder(folder: Path, opts: _Options, report: LoadReport) -> Iterator[Document]:
    found, skipped = folder_files(folder)
    report.skipped.extend(skipped)
    if skipped:
        log.info("%s: skipped %d hidden, linked, unreadable or special entries or files of "
                 "other types", folder, len(skipped))  # fmt: skip
    renamed = path_ids([rel for rel, path in found if _one_document(path.name)])
    count = 0
    for rel, path in found:
        for doc in _read_file(path, opts, report, named=False):
            if rel in renamed:  # a source rule matches the id as shown: the renamed one
                named = renamed[rel]
                ruled = doc.source in (doc.id, _source(doc.id, path, opts))
                source = _source(named, path, opts) or named if ruled else doc.source
                doc = replace(doc, id=named, source=source)
            count += 1
            yield doc
    if count == 0:
        what = f"{len(found)} files without records, {len(skipped)} skipped"
        raise InputError(folder, None, f"no documents found ({what}); {ACCEPTED}")


def file_id(name: str) -> str:
    """The id of the document in a text file or web page: its name without extensions
    (``story.txt.gz`` -> ``story``)."""
    return Path(split_compression(name)[0]).stem


def path_ids(paths: Sequence[str]) -> dict[str, str]:
    """Ids for one-document files (text, web pages) whose :func:`file_id` collides, such as
    outlet folders holding the same story slug: their relative path without extensions
    (``afp/story.txt`` -> ``afp/story``). ``paths`` are relative POSIX paths; files that
    do not collide keep their :func:`file_id` and are not in the result."""
    stems = Counter(file_id(PurePosixPath(p).name) for p in paths)
    return {p: str(PurePosixPath(p).parent / file_id(PurePosixPath(p).name))
            for p in paths if stems[file_id(PurePosixPath(p).name)] > 1}  # fmt: skip


def _one_document(name: str) -> bool:
    return _reader(name) in (_read_txt, _read_html)


def _reader(name: str) -> Callable[[Path, _Options], Iterator[Document]] | None:
    inner, compression = split_compression(name.lower())
    for suffixes, reader, compressible in (((".txt",), _read_txt, True),
                                           ((".csv", ".tsv"), _read_csv, True),
                                           ((".jsonl", ".ndjson"), _read_jsonl, True),
                                           ((".parquet",), _read_parquet, False),
                                           (_HTML, _read_html, False)):  # fmt: skip
        if inner.endswith(suffixes) and (compressible or not compression):
            return reader
    return None


def split_compression(name: str) -> tuple[str, str]:
    """``name`` without its compression suffix, and that suffix (``""`` for none)."""
    for suffix in COMPRESSED:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def _read_file(
    path: Path, opts: _Options, report: LoadReport, named: bool = True
) -> Iterator[Document]:
    if path.suffix.lower() == ".json":
        raise InputError(path, None, f"JSON is read one object per line, as .jsonl; {ACCEPTED}")
    report.files += 1
    count = 0
    reader = _read_jsonl if path == STDIN else _reader(path.name) or _read_txt  # named: text
    for doc in reader(path, opts):
        count += 1
        yield doc
    if named and count == 0:
        raise InputError(path, None, "holds no records")


@contextmanager
def _open_bytes(path: Path) -> Iterator[IO[bytes]]:
    if path == STDIN:
        yield sys.stdin.buffer  # left open: it is not ours to close
        return
    _, compression = split_compression(path.name)
    opener = COMPRESSED[compression].open if compression and _reader(path.name) else open
    try:
        with opener(path, "rb") as raw:
            yield cast(IO[bytes], raw)  # GzipFile is a binary file in all but typeshed's name
    except (OSError, EOFError, lzma.LZMAError) as exc:  # EOFError: a truncated stream
        raise InputError(path, None, f"cannot be read: {exc}") from exc


def _sniff(path: Path, raw: IO[bytes], encoding: str) -> tuple[str, int]:
    """Codec and BOM length of a text file; refuse files that look binary."""
    if raw.seekable():
        head = raw.read(_SNIFF_BYTES)
        raw.seek(0)
    else:  # a pipe: look ahead without consuming
        head = cast(io.BufferedReader, raw).peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InputError(path, None, f"looks like {what}, not text; {ACCEPTED}")
    codec = codecs.lookup(encoding).name
    if b"\0" in head and not codec.startswith(("utf-16", "utf-32")):
        what = "binary data (NUL bytes; UTF-16 text needs a BOM)"
        raise InputError(path, None, f"looks like {what}, not text; {ACCEPTED}")
    return codec, 0


@contextmanager
def _open_text(path: Path, opts: _Options, newline: str) -> Iterator[IO[str]]:
    """Decode ``path`` as a stream, with no newline translation."""
    with _open_bytes(path) as raw:
        codec, skip = _sniff(path, raw, opts.encoding)
        raw.read(skip)
        text = io.TextIOWrapper(raw, encoding=codec, errors=opts.errors, newline=newline)
        try:
            yield text
        except UnicodeDecodeError as exc:
            raise _decode_error(path, codec, skip) from exc
        finally:
            text.detach()


def _decode_error(path: Path, codec: str, skip: int) -> InputError:
    """Re-read ``path`` to find the first byte ``codec`` cannot decode (error path only)."""
    hint = "try --encoding cp1252 (Windows)" if codec == "utf-8" else "try another --encoding"
    if path == STDIN:  # read once: no offset to give
        return InputError(path, None, f"not valid {codec}; {hint}")
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset, newlines = skip, 0  # bytes read, and b"\n" among them
    with _open_bytes(path) as raw:
        raw.read(skip)
        while chunk := raw.read(1 << 16):
            pending = decoder.getstate()[0]  # the start of a character cut by the last chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data, at, why = pending + chunk, exc.start, exc.reason
                break
            offset, newlines = offset + len(chunk), newlines + chunk.count(b"\n")
        else:
            return InputError(path, None, f"not valid {codec}: the file ends inside a character")
    problem = (
        f"not valid {codec}: byte 0x{data[at]:02x} at byte offset {offset - len(pending) + at} "
        f"({why}); {hint}, or --encoding-errors replace to turn bad bytes into U+FFFD"
    )
    # Lines are counted only in codecs where b"\n" is always a newline (not UTF-16/32).
    line = newlines + data[:at].count(b"\n") + 1
    return InputError(path, None if codec.startswith(("utf-16", "utf-32")) else line, problem)


def _read_txt(path: Path, opts: _Options) -> Iterator[Document]:
    doc_id = file_id(path.name)
    with _open_text(path, opts, newline="") as f:
        text = f.read()
    yield Document(doc_id, text, _source(doc_id, path, opts), origin=str(path))


class DuplicateKey(ValueError):
    """A JSON object names one key twice: which value counts is not clear, and the other
    would be lost."""


def json_object(line: str) -> Any:
    """``json.loads(line)``, refusing an object that names a key twice (``DuplicateKey``)."""
    return json.loads(line, object_pairs_hook=_unique_keys)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        twice = _repeated([k for k, _ in pairs])
        raise DuplicateKey(f'key "{twice}" appears twice in one object; name each field once')
    return found


def _repeated(names: Sequence[str]) -> str | None:
    """The first name that ``names`` holds a second time, if any."""
    return next((n for i, n in enumerate(names) if n in names[:i]), None)


def _read_jsonl(path: Path, opts: _Options) -> Iterator[Document]:
    with _open_text(path, opts, newline="\n") as lines:  # JSON Lines ends records at \n only
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
                raise InputError(path, number, f"expected a JSON object, got {_json_kind(raw)}")
            yield _record(raw, path, number, f"{path}:{number}", opts)


def _read_csv(path: Path, opts: _Options) -> Iterator[Document]:
    with _open_text(path, opts, newline="") as f:
        # The csv module caps fields at 128 KiB by default; an article can be longer.
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        first = f.readline()
        delimiter = csv_delimiter(first, opts.id_field, opts.text_field)
        quotes = [0]  # quote marks in the lines of the record being read
        reader = csv.reader(_counting_quotes(f, quotes, first), delimiter=delimiter)
        try:
            header = [name.strip() for name in next(reader, [])]
            _check_columns(path, header, opts)
            start, quotes[0] = reader.line_num + 1, 0
            for row in reader:
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
                    yield _record(dict(zip(header, row, strict=True)), path, start,
                                  f"{path}:{start}", opts)  # fmt: skip
                start, quotes[0] = reader.line_num + 1, 0
        except csv.Error as exc:
            raise InputError(path, reader.line_num, f"not valid CSV: {exc}") from None


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


def _read_parquet(path: Path, opts: _Options) -> Iterator[Document]:
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
                    yield _record(raw, path, row, f"{path}#{row}", opts)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(path, None, f"not a readable Parquet file: {exc}") from None


def _read_html(path: Path, opts: _Options) -> Iterator[Document]:
    """A saved web page: its article text, as trafilatura extracts it (navigation, related
    links, comments and footers left out), headline first. Its source is the site's host
    name (canonical URL) or name, its date the publication date in its metadata;
    ``title`` and ``url`` go to ``extra``. Offsets index the extracted text. The page's
    own charset declaration decodes it."""
    try:
        from trafilatura import bare_extraction
    except ImportError:
        raise InputError(path, None, _NEEDS_TRAFILATURA) from None
    with _open_bytes(path) as raw:
        _sniff(path, raw, "utf-8")  # refuse PDFs, images and other binary files
        data = raw.read()
    found = bare_extraction(data, with_metadata=True, include_comments=False,
                            date_extraction_params={"extensive_search": False,
                                                    "original_date": True})  # fmt: skip
    page = found if found is None or isinstance(found, dict) else found.as_dict()
    doc_id = file_id(path.name)
    if page is None:  # no article text found: read as empty, reported as not scanned
        yield Document(doc_id, "", _source(doc_id, path, opts), origin=str(path))
        return
    extra = {k: page[k] for k in ("title", "url") if page.get(k)}
    source = page.get("hostname") or page.get("sitename") or _source(doc_id, path, opts)
    yield Document(doc_id, page.get("text") or "", source, page.get("date") or None, str(path),
                   extra)  # fmt: skip


def _check_columns(path: Path, names: list[str], opts: _Options) -> None:
    twice = _repeated(names)
    if twice is not None:
        raise InputError(path, None, f'column "{twice}" appears twice; name each column once')
    if opts.id_field not in names or opts.text_field not in names:
        found = ", ".join(names) or "none"
        need = f'"{opts.id_field}" and "{opts.text_field}"'
        raise InputError(path, None, f"needs columns {need}; found columns: {found}")


def _record(raw: Mapping[str, Any], path: Path, line: int, origin: str, opts: _Options) -> Document:
    """One record as a Document; ``line`` (or row) only places errors."""
    id_f, text_f = opts.id_field, opts.text_field
    for name in (id_f, text_f):
        if name not in raw:
            got = ", ".join(raw) or "no fields"
            need = f'each line needs "{id_f}" and "{text_f}"; got {got}'
            raise InputError(path, line, f'field "{name}" is missing ({need})')
    text, doc_id = raw[text_f], raw[id_f]
    if not isinstance(text, str):
        raise InputError(path, line, f'field "{text_f}" must be a string, got {_json_kind(text)}')
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        got = repr(doc_id) if isinstance(doc_id, str) else _json_kind(doc_id)
        problem = f'field "{id_f}" must be a non-empty string or an integer, got {got}'
        raise InputError(path, line, problem)
    if len(doc_id) > MAX_ID_CHARS:
        problem = (f'field "{id_f}" holds {len(doc_id):,} characters; an id has at most '
                   f"{MAX_ID_CHARS:,} (is --id-field the right column?)")  # fmt: skip
        raise InputError(path, line, problem)
    source_f, date_f = opts.source_field, opts.date_field
    source, date = raw.get(source_f) or "", raw.get(date_f) or None
    opts.seen.update(("records", "sourced") if source else ("records",))
    language = raw.get(_LANGUAGE_FIELD) or None
    if isinstance(date, datetime.date):  # Parquet date and timestamp columns
        date = date.isoformat()
    elif type(date) in (int, float):  # Unix seconds (a bool is neither: it stays an error)
        date = str(date)
    for name, value in ((source_f, source), (date_f, date), (_LANGUAGE_FIELD, language)):
        if value is not None and not isinstance(value, str):
            problem = f'field "{name}" must be a string, got {_json_kind(value)}'
            raise InputError(path, line, problem)
    used = (id_f, text_f, source_f, date_f, _LANGUAGE_FIELD)
    extra = {k: v for k, v in raw.items() if k not in used}
    source = source or _source(doc_id, path, opts)
    return Document(doc_id, text, source, date, origin, extra, language)


_LANGUAGE_FIELD = "language"  # a record's ISO 639-1 language code, else it is detected


def _source(doc_id: str, path: Path, opts: _Options) -> str:
    for pattern, source in opts.rules:
        if pattern is None:
            return path.absolute().parent.name
        if pattern.search(doc_id):
            return source
    return ""


def _json_kind(value: object) -> str:
    return _JSON_KINDS.get(type(value).__name__, type(value).__name__)
