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
  trafilatura); see :func:`dedup.io.load_formats._read_html`.
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

import codecs
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib.util import find_spec
from pathlib import Path, PurePosixPath

from dedup.core.errors import InputError, ParamError
from dedup.core.records import Document
from dedup.io.load_files import ACCEPTED, STDIN, file_id
from dedup.io.load_formats import (
    HTML_SUFFIXES,
    NEEDS_TRAFILATURA,
    named_reader,
    one_document,
    reader_for,
)
from dedup.io.load_records import LoadOptions, check_fields, parse_rule, rule_source

log = logging.getLogger(__name__)

_DUPES_SHOWN = 5  # duplicated ids an error names, and copies of each
_LINKED = "a link to a folder, not followed (name that folder to read it)"


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


def load(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    source_rules: str | Sequence[str] | None = None,
    encoding: str = "utf-8",
    encoding_errors: str = "strict",
    text_field: str = "text",
    id_field: str = "id",
    source_field: str = "source",
    date_field: str = "date",
    language: str | None = None,
    report: LoadReport | None = None,
) -> Iterator[Document]:
    """Stream the documents of files and folders, one at a time, in input order.

    Parameters
    ----------
    paths : path or iterable of paths
        Files and folders, in the formats listed in the module docstring; ``"-"`` is standard
        input (JSON lines).
    source_rules : str or sequence of str, optional
        For records without a source: ``"folder"`` (the file's parent folder is the source) or
        ``"REGEX=SOURCE"`` (``SOURCE`` when ``re.search(REGEX, id)``; the last ``=`` splits).
        The first rule that applies wins; with none, the source is the id. Not given: the
        rules of :func:`folder_layout` (outlet subfolders are the sources).
    encoding : str
        Codec of files without a BOM.
    encoding_errors : str
        ``"strict"`` (undecodable bytes are an error) or ``"replace"`` (they become U+FFFD).
    text_field, id_field, source_field, date_field : str
        Names of the text, id, source and date fields in JSONL, CSV and Parquet records
        (``--text-field maintext --id-field url`` for news-please output, say); distinct.
    language : str, optional
        Every document's language (ISO 639-1: its stop words), in place of the records'
        ``language`` fields and of detection; :func:`dedup.analysis.language.check_language` says
        whether dedup knows it.
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
    rules = (folder_layout(todo) if source_rules is None
             else [source_rules] if isinstance(source_rules, str) else source_rules)  # fmt: skip
    opts = LoadOptions(tuple(map(parse_rule, rules)), encoding, encoding_errors,
                       *check_fields(text_field, id_field, source_field, date_field))  # fmt: skip
    docs = _load(todo, opts, LoadReport() if report is None else report)
    return docs if language is None else (replace(d, language=language) for d in docs)


def folder_layout(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The source rules of inputs given none: ``["folder"]`` when every input is a folder
    keeping all its files in subfolders (``afp/story.txt``, ``reuters/story.txt``: one
    outlet a subfolder), else none (each document is its own source); a log line says
    which, and names a file lying outside the subfolders."""
    folders = [Path(p) for p in paths]
    if not folders or not all(p.is_dir() for p in folders):
        return []
    found = [rel for p in folders for rel, _ in folder_files(p)[0]]
    loose = [rel for rel in found if "/" not in rel]
    if not found or len(loose) == len(found):
        return []
    if loose:
        log.info("Sources: each document is its own, as %s lies outside the subfolders "
                 "(move it into one, or name the folder rule: --source-from folder).",
                 loose[0])  # fmt: skip
        return []
    log.info("Sources: the subfolder of each file (afp/story.txt: afp); --source-from RULE "
             "sets them otherwise.")  # fmt: skip
    return ["folder"]


def _load(paths: list[Path], opts: LoadOptions, report: LoadReport) -> Iterator[Document]:
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


def _warn_sources(opts: LoadOptions) -> None:
    """Say when a source rule or field name the user gave did not apply to every record."""
    records, sourced = opts.seen["records"], opts.seen["sourced"]
    if opts.rules and sourced:
        log.warning("warning: %s with a %r field %s that source; the source rules "
                    "(--source-from) set the others' only", f"{sourced:,} record" +
                    "s" * (sourced != 1), opts.source_field,
                    "keeps" if sourced == 1 else "keep")  # fmt: skip
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
            if name.startswith(".") or reader_for(name) is None:
                why = "hidden file" if name.startswith(".") else "not a supported file type"
                skipped.append((str(path), why))
            elif not path.is_file():  # a FIFO would block the read forever
                skipped.append((str(path), "not a regular file (a pipe, socket or device)"))
            elif name.lower().endswith(HTML_SUFFIXES) and find_spec("trafilatura") is None:
                skipped.append((str(path), f"HTML: {NEEDS_TRAFILATURA}"))
            else:
                found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found), sorted(skipped)


def _read_folder(folder: Path, opts: LoadOptions, report: LoadReport) -> Iterator[Document]:
    found, skipped = folder_files(folder)
    report.skipped.extend(skipped)
    if skipped:
        log.debug("%s: entries skipped (hidden, linked, unreadable, special or of other "
                 "types): %d", folder, len(skipped))  # fmt: skip
    renamed = path_ids([rel for rel, path in found if one_document(path.name)])
    count = 0
    empty = []
    for rel, path in found:
        before = count
        for doc in _read_file(path, opts, report, named=False):
            if rel in renamed:  # a source rule matches the id as shown: the renamed one
                named = renamed[rel]
                ruled = doc.source in (doc.id, rule_source(doc.id, path, opts))
                source = rule_source(named, path, opts) or named if ruled else doc.source
                doc = replace(doc, id=named, source=source)
            count += 1
            yield doc
        if count == before:
            empty.append(rel)
    if empty and count:
        shown = ", ".join(empty[:3]) + (f" and {len(empty) - 3:,} more" if len(empty) > 3 else "")
        log.warning("warning: %s: %s no records, nothing read from %s: %s", folder,
                    "a file holds" if len(empty) == 1 else f"{len(empty):,} files hold",
                    "it" if len(empty) == 1 else "them", shown)  # fmt: skip
    if count == 0:
        what = f"files without records: {len(found)}; entries skipped: {len(skipped)}"
        raise InputError(folder, None, f"no documents found ({what}); {ACCEPTED}")


def path_ids(paths: Sequence[str]) -> dict[str, str]:
    """Ids for one-document files (text, web pages) whose :func:`file_id` collides, such as
    outlet folders holding the same story slug: their relative path without extensions
    (``afp/story.txt`` -> ``afp/story``). ``paths`` are relative POSIX paths; files that
    do not collide keep their :func:`file_id` and are not in the result."""
    stems = Counter(file_id(PurePosixPath(p).name) for p in paths)
    return {p: str(PurePosixPath(p).parent / file_id(PurePosixPath(p).name))
            for p in paths if stems[file_id(PurePosixPath(p).name)] > 1}  # fmt: skip


def _read_file(
    path: Path, opts: LoadOptions, report: LoadReport, named: bool = True
) -> Iterator[Document]:
    if path.suffix.lower() == ".json":
        raise InputError(path, None, f"JSON is read one object per line, as .jsonl; {ACCEPTED}")
    report.files += 1
    count = 0
    for doc in named_reader(path)(path, opts):
        count += 1
        yield doc
    if named and count == 0:
        raise InputError(path, None, "holds no records")


