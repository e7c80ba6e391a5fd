"""Documents for the Spark engine: files read as DataFrames, rows turned into Documents.

Stage: paths (or a DataFrame) -> ``RDD[Document]``, the same documents :func:`dedup.load`
yields (ids, texts, sources, dates and extra fields; ``origin`` is the file, without line).

- ``.jsonl`` / ``.ndjson``, also gzip- or bzip2-compressed: ``spark.read.text`` (split
  across tasks; Hadoop decompresses), one object per line, each record checked by the
  local loader's own rules. Spark decodes UTF-8 and turns undecodable bytes into U+FFFD.
- ``.parquet``: ``spark.read.parquet``, the same columns as for the local loader.
- ``.txt``, also gzip-, bzip2- or xz-compressed: ``binaryFile``, one document per file (id =
  file name without ``.txt``), decompressed and decoded as the local loader does (BOM,
  ``encoding``, ``encoding_errors``).
- A local folder is walked as the local loader walks it (hidden entries and other file
  types skipped and reported); a URI (``hdfs://``, ``s3a://``) names a file of one of the
  types above, or a folder of ``.txt`` files.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from dataclasses import astuple, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from dedup.core.errors import InputError, ParamError
from dedup.core.records import Direction, Document, ScanResult
from dedup.io.load import LoadReport, folder_layout, path_ids
from dedup.io.load_files import COMPRESSED, file_id, sniff, split_compression
from dedup.io.load_records import (
    DuplicateKey,
    LoadOptions,
    check_fields,
    json_kind,
    json_object,
    parse_rule,
    record_document,
    rule_source,
)

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import DataFrame, SparkSession

_JSONL = tuple(f"{kind}{codec}" for kind in (".jsonl", ".ndjson") for codec in ("", ".gz", ".bz2"))
_TXT = tuple(f".txt{codec}" for codec in ("", *COMPRESSED))
_PARQUET = (".parquet",)


def read_documents(spark: SparkSession, paths: Sequence[str | os.PathLike[str]], *,
                   source_rules: Sequence[str] | None = None, encoding: str = "utf-8",
                   encoding_errors: str = "strict", text_field: str = "text",
                   id_field: str = "id", source_field: str = "source", date_field: str = "date",
                   language: str | None = None,
                   report: LoadReport | None = None) -> RDD[Document]:  # fmt: skip
    """The documents of files and folders, as an RDD (see the module docstring for types).

    The options are :func:`dedup.io.load.load`'s. ``report`` is filled in with the files found
    and the folder entries skipped.
    """
    if not paths:
        raise ParamError("The 'paths' parameter must name at least one file or folder. Got none.")
    if any(str(p) == "-" for p in paths):
        raise ParamError("The Spark engine reads files and folders, not standard input ('-').")
    rules = folder_layout(paths) if source_rules is None else source_rules
    opts = LoadOptions(tuple(map(parse_rule, rules)), encoding, encoding_errors,
                       *check_fields(text_field, id_field, source_field, date_field))  # fmt: skip
    report = LoadReport() if report is None else report
    files: dict[tuple[str, ...], list[str]] = {_JSONL: [], _TXT: [], _PARQUET: []}
    renamed: dict[str, str] = {}  # local path -> id, as the local loader names text files
    for path in paths:
        found = _files(str(path), report)
        for uri, kind in found:
            files[kind].append(uri)
        renamed.update(_folder_ids(str(path), [uri for uri, kind in found if kind == _TXT]))
    report.files += sum(len(v) for v in files.values())
    parts = []
    if files[_JSONL]:
        parts.append(_jsonl(spark, files[_JSONL], opts))
    if files[_PARQUET]:
        rows = _with_path(spark.read.parquet(*files[_PARQUET]))
        parts.append(rows.rdd.map(lambda r: _row_document(r.asDict(recursive=True), opts)))
    if files[_TXT]:
        binary = spark.read.format("binaryFile").load(files[_TXT]).select("path", "content")
        parts.append(binary.rdd.map(lambda r: _txt_document(r.path, bytes(r.content), opts,
                                                            renamed)))  # fmt: skip
    if not parts:
        raise InputError(Path(str(paths[0])), None, "no documents found")
    docs = parts[0] if len(parts) == 1 else spark.sparkContext.union(parts)
    return docs if language is None else docs.map(lambda d: replace(d, language=language))


def dataframe_documents(df: DataFrame) -> RDD[Document]:
    """Documents of a DataFrame with ``id`` and ``text`` columns (``source``, ``date`` and
    other columns as for a Parquet file)."""
    opts = LoadOptions((), "utf-8", "strict")
    return df.rdd.map(lambda r: _row_document({"_path": "dataframe", **r.asDict(True)}, opts))


def _files(path: str, report: LoadReport) -> list[tuple[str, tuple[str, ...]]]:
    """``(uri, kind)`` of every file a path names, as the local loader would read them."""
    if "://" in path and not path.startswith("file:"):
        return [(path, _kind(path) or _TXT)]
    local = Path(unquote(urlparse(path).path)) if path.startswith("file:") else Path(path)
    if not local.exists():
        raise InputError(local, None, "no such file or folder")
    if local.is_file():
        kind = _kind(local.name)
        if kind is None:
            raise InputError(local, None, "the Spark engine reads .txt, JSONL and Parquet files")
        return [(local.absolute().as_uri(), kind)]
    found = []
    for root, dirs, names in os.walk(local):
        for name in sorted(d for d in dirs if d.startswith(".")):
            dirs.remove(name)
            report.skipped.append((str(Path(root, name)), "hidden folder"))
        for name in sorted(names):
            kind = None if name.startswith(".") else _kind(name)
            if kind is None:
                why = "hidden file" if name.startswith(".") else "not a supported file type"
                report.skipped.append((str(Path(root, name)), why))
            else:
                found.append((Path(root, name).absolute().as_uri(), kind))
    if not found:
        raise InputError(local, None, "no .txt, JSONL or Parquet files found")
    return sorted(found)


def _kind(name: str) -> tuple[str, ...] | None:
    low = name.lower()
    return next((k for k in (_JSONL, _TXT, _PARQUET) if low.endswith(k)), None)


def _with_path(df: DataFrame) -> DataFrame:
    from pyspark.sql.functions import input_file_name

    return df.withColumn("_path", input_file_name())


def _local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme in ("", "file") else Path(uri)


def _row_document(raw: dict[str, Any], opts: LoadOptions) -> Document:
    """A record (JSON object or table row) as the local loader makes it."""
    uri = raw.pop("_path")
    return record_document(raw, _local_path(uri), 0, uri, opts)


def _jsonl(spark: SparkSession, uris: list[str], opts: LoadOptions) -> RDD[Document]:
    lines = _with_path(spark.read.option("lineSep", "\n").text(uris))

    def parse(uri: str, line: str) -> list[Document]:
        line = line.lstrip("\ufeff")
        if not line.strip():
            return []
        try:
            raw = json_object(line)
        except DuplicateKey as exc:
            raise InputError(_local_path(uri), None, str(exc)) from None
        except json.JSONDecodeError as exc:
            raise InputError(_local_path(uri), None, f"not valid JSON: {exc.msg}") from None
        if not isinstance(raw, dict):
            problem = f"expected a JSON object, got {json_kind(raw)}"
            raise InputError(_local_path(uri), None, problem)
        return [_row_document({**raw, "_path": uri}, opts)]

    return lines.rdd.flatMap(lambda r: parse(r._path, r.value))


def _folder_ids(root: str, uris: list[str]) -> dict[str, str]:
    """:func:`dedup.io.load.path_ids` of the text files ``uris`` found in local folder ``root``,
    keyed by local path."""
    base = Path(root)
    if "://" in root or not base.is_dir():
        return {}
    local = {_local_path(u).relative_to(base.absolute()).as_posix(): _local_path(u) for u in uris}
    return {str(local[rel]): named for rel, named in path_ids(list(local)).items()}


def _txt_document(uri: str, data: bytes, opts: LoadOptions, renamed: dict[str, str]) -> Document:
    """One ``.txt`` file as the local loader reads it: BOM, codec and error handling, and
    its id (``renamed`` by local path where names collide, see :func:`_folder_ids`)."""
    path = _local_path(uri)
    _, compression = split_compression(path.name)
    if compression:
        data = COMPRESSED[compression].decompress(data)
    doc_id = renamed.get(str(path), file_id(path.name))
    codec, skip = sniff(path, io.BytesIO(data), opts.encoding)
    try:
        text = data[skip:].decode(codec, opts.errors)
    except UnicodeDecodeError as exc:
        problem = f"not valid {codec}: byte offset {exc.start + skip} ({exc.reason})"
        raise InputError(path, None, problem) from None
    return Document(doc_id, text, rule_source(doc_id, path, opts), origin=str(path))


_SCHEMAS = {
    "pairs": "a string, b string, rank long, score double, tfidf_cosine double, jaccard double, "
    "text_containment_ab double, text_containment_ba double, containment_ab double, "
    "containment_ba double, reused_chars long, "
    "direction struct<from: string, to: string, relation: string, via: string, "
    "confidence: double, evidence: array<string>>",
    "matches": "a string, b string, a_start long, a_end long, b_start long, b_end long, "
    "kind string, score double, shared_words array<string>",
    "documents": "id string, source string, chars long, reused_share double, "
    "boilerplate_share double, family long, date string, published string, language string, "
    "boilerplate array<struct<start:long,end:long,documents:long,sources:long>>",
}
FORMATS = ("parquet", "jsonl")


def split_out(target: str) -> tuple[str, str]:
    """``(format, folder)`` of an ``--out`` value: ``DIR`` (Parquet) or ``jsonl:DIR``."""
    head, sep, rest = target.partition(":")
    return (head, rest) if sep and head in FORMATS else ("parquet", target)


def _direction_row(d: Direction | None) -> tuple[Any, ...] | None:
    """A pair's direction as the struct of the Spark pairs table: the JSON's fields, the
    ones a relation does not use (``via`` of a copy, ``from`` and ``to`` of siblings) null."""
    if d is None:
        return None
    return d.source, d.copy, d.relation, d.via, d.confidence, list(d.evidence)


def write_results(spark: SparkSession, result: ScanResult, folder: str,
                  fmt: str = "parquet") -> list[str]:  # fmt: skip
    """Write ``pairs``, ``matches`` and ``documents`` (document scores) folders under ``folder``.

    Each is a Spark output folder (part files) in ``fmt``, ``parquet`` or ``jsonl`` (one JSON
    object a line); an existing one is replaced. Returns the folders written.
    """
    if fmt not in FORMATS:
        raise ParamError(f"The output format must be one of {', '.join(FORMATS)}. Got {fmt!r}.")
    tables = {"pairs": [(*astuple(p)[:-1], _direction_row(p.direction)) for p in result.pairs],
              "matches": [(*astuple(m)[:-1], list(m.shared_words)) for m in result.matches],
              "documents": [astuple(d) for d in result.document_scores]}  # fmt: skip
    written = []
    for name, rows in tables.items():
        target = f"{folder.rstrip('/')}/{name}"
        writer = spark.createDataFrame(rows, _SCHEMAS[name]).coalesce(1).write.mode("overwrite")
        (writer.parquet if fmt == "parquet" else writer.json)(target)
        written.append(target)
    return written
