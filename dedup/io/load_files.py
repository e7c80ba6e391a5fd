"""Open input files for :func:`dedup.io.load.load`: standard input, decompression by suffix,
BOM and binary sniffing, and strict decoding whose errors name the file, line and byte.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

from dedup.core.errors import InputError
from dedup.io.load_records import LoadOptions

STDIN = Path("<stdin>")  # the path "-": JSON lines on standard input
ACCEPTED = ("dedup reads .txt, .jsonl, .ndjson, .csv, .tsv (each also compressed: .gz, .bz2, "
            ".xz), .parquet and .html files")  # fmt: skip
COMPRESSIBLE = (".txt", ".csv", ".tsv", ".jsonl", ".ndjson")  # formats also read compressed
COMPRESSED = {".gz": gzip, ".bz2": bz2, ".xz": lzma}  # suffix -> module (open, de/compress)

_SNIFF_BYTES = 8192
_ZLIB_OUT_OF_MEMORY = "Error -4 "  # zlib's Z_MEM_ERROR, as the zlib module words it
_MAGIC = ((b"%PDF-", "a PDF"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"\x1f\x8b", "gzip-compressed data"), (b"BZh", "bzip2-compressed data"),
          (b"\xfd7zXZ\x00", "xz-compressed data"),
          (b"\x28\xb5\x2f\xfd", "zstd-compressed data (zstd -dc FILE | dedup scan -)"),
          (b"PK\x03\x04", "a ZIP archive (.zip, .docx, .xlsx)"))  # fmt: skip
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),  # before UTF-16
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))  # fmt: skip


def file_id(name: str) -> str:
    """The id of the document in a text file or web page: its name without extensions
    (``story.txt.gz`` -> ``story``)."""
    return Path(split_compression(name)[0]).stem


def split_compression(name: str) -> tuple[str, str]:
    """``name`` without its compression suffix, and that suffix (``""`` for none)."""
    for suffix in COMPRESSED:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


@contextmanager
def open_bytes(path: Path) -> Iterator[IO[bytes]]:
    if path == STDIN:
        yield sys.stdin.buffer  # left open: it is not ours to close
        return
    inner, compression = split_compression(path.name)
    decompress = compression and inner.lower().endswith(COMPRESSIBLE)
    opener = COMPRESSED[compression].open if decompress else open
    try:
        with opener(path, "rb") as raw:
            yield cast(IO[bytes], raw)  # GzipFile is a binary file in all but typeshed's name
    except (OSError, EOFError, lzma.LZMAError) as exc:  # EOFError: a truncated stream
        raise InputError(path, None, f"cannot be read: {exc}") from exc
    except zlib.error as exc:  # a gzip stream that does not inflate
        if str(exc).startswith(_ZLIB_OUT_OF_MEMORY):
            raise MemoryError(str(exc)) from exc
        raise InputError(path, None, f"cannot be read: {exc}") from exc


def sniff(path: Path, raw: IO[bytes], encoding: str) -> tuple[str, int]:
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
def open_text(path: Path, opts: LoadOptions, newline: str) -> Iterator[IO[str]]:
    """Decode ``path`` as a stream, with no newline translation."""
    with open_bytes(path) as raw:
        codec, skip = sniff(path, raw, opts.encoding)
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
    with open_bytes(path) as raw:
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
