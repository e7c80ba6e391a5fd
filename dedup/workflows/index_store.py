"""What an index store keeps, and the interface :class:`dedup.workflows.index.Index` uses.

An :class:`Entry` is everything one document adds to the stored tables; a store
(:mod:`dedup.workflows.index_sqlite`, :mod:`dedup.workflows.index_redis`) writes entries in one
transaction and answers look-ups by id, band key, feature and line hash. Text is
stored as UTF-8 with lone surrogates passed through (JSON's ``"\\ud800"`` puts them in
ids and texts), so that every string reads back as it was written.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from dedup.core.records import Document

BandKey = tuple[int, int]  # (band number, 64-bit band hash)


@dataclass(slots=True)
class Entry:
    """Everything a document adds to the stored tables."""

    doc: Document
    sha: str
    signature: np.ndarray  # uint32, shape (num_perm,)
    passage_keys: list[BandKey]  # unique
    doc_keys: list[BandKey]
    lines: list[int]  # unique hashes of the lines holding words
    features: Counter[int] = field(default_factory=Counter)  # feature -> passages holding it
    passages: int = 0


@dataclass(frozen=True, slots=True)
class Stored:
    """An indexed document as a store returns it."""

    doc: Document
    sha: str
    signature: np.ndarray


class Store(Protocol):
    """Where an index lives. ``guard`` turns the store's own errors (a damaged file, a
    lost connection) into one-line :class:`~dedup.core.errors.DedupError` s naming it."""

    location: str
    kind: Literal["sqlite", "redis"]
    created: bool  # made empty by this open: the index's meta is still to be written

    def guard(self) -> AbstractContextManager[None]: ...
    def meta(self) -> dict[str, str]: ...
    def set_meta(self, meta: dict[str, str]) -> None: ...
    def documents(self, ids: Sequence[str]) -> dict[str, Stored]: ...
    def band_docs(self, table: str, keys: Sequence[BandKey]) -> dict[BandKey, list[str]]: ...
    def feature_counts(self, features: Sequence[int]) -> dict[int, int]: ...
    def line_docs(self, hashes: Sequence[int]) -> dict[int, list[tuple[str, str]]]: ...
    def write(self, changes: Iterator[tuple[int, Entry]]) -> tuple[int, int]: ...
    def stats(self) -> tuple[int, int, int]: ...
    def close(self) -> None: ...


def encode(text: str) -> bytes:
    """UTF-8, lone surrogates included: every stored string goes in as these bytes."""
    return text.encode("utf-8", "surrogatepass")


def decode(data: bytes) -> str:
    """The string :func:`encode` made ``data`` from."""
    return data.decode("utf-8", "surrogatepass")


def sha(text: str) -> str:
    """SHA-256 of the text, in hex: an indexed text is compared by it."""
    return hashlib.sha256(encode(text)).hexdigest()


def extra_json(doc: Document) -> str:
    """Pass-through fields as JSON; values JSON cannot hold (Parquet timestamps) as text."""
    return json.dumps(dict(doc.extra), sort_keys=True, ensure_ascii=False, default=str)


def signed64(x: int) -> int:
    """A uint64 as the signed 64-bit integer SQLite stores."""
    return x - (1 << 64) if x >= 1 << 63 else x


def unsigned64(x: int) -> int:
    """The uint64 that :func:`signed64` made ``x`` from."""
    return x + (1 << 64) if x < 0 else x


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in consecutive lists of at most ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
