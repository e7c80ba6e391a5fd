"""The index in a Redis database, for an index shared by several machines.

Locations are ``redis://host:port/db``, ``rediss://host:port/db`` (TLS) and
``unix:///path/to/socket?db=N``; a port out of range, a database that is not a number
or another scheme is an error, not a silent default. Keys are ``dedup:*``:
``dedup:meta`` and ``dedup:feat`` are hashes (parameters and counts; feature ->
passages), ``dedup:ids`` maps each id to the document's row number, ``dedup:doc:N`` is
one hash per document (its id, text and fields), and ``dedup:pb:BAND:KEY``,
``dedup:db:BAND:KEY`` and ``dedup:line:HASH`` are sets of row numbers: as in the
SQLite store, a long id costs its length once, not once a key. Ids and texts go in as
:func:`~dedup.workflows.index_store.encode` bytes. A batch is one MULTI/EXEC that WATCHes the
counts and ids, so a concurrent writer makes it fail rather than mix.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np

from dedup.core.errors import DedupError
from dedup.core.records import Document
from dedup.workflows.index_store import BandKey, Entry, Stored, decode, encode, extra_json

SCHEMES = ("redis", "rediss", "unix")


def check_url(url: str) -> None:
    """Refuse a Redis URL whose port, database or scheme redis-py would read otherwise
    than written (a database ``abc`` as 0, say)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise DedupError(f"{url}: an index is an SQLite file or a Redis URL "
                         "(redis://host:port/db, rediss://, unix://); "
                         f"{parts.scheme}:// is neither")  # fmt: skip
    try:
        parts.port  # noqa: B018  (reading it checks the range)
    except ValueError as exc:
        raise DedupError(f"{url}: {exc}; a Redis port is 1 to 65535") from None
    db = [v for k, v in urllib.parse.parse_qsl(parts.query) if k == "db"]
    if parts.scheme != "unix" and parts.path.strip("/"):
        db.append(parts.path.strip("/"))
    if parts.scheme == "unix" and not parts.path:
        raise DedupError(f"{url}: a unix:// location needs the socket's path")
    for value in db:
        if not value.isdigit():
            raise DedupError(f"{url}: the Redis database must be a number (0, 1, ...); "
                             f"got {value!r}")  # fmt: skip


class RedisStore:
    """The index in a Redis database, under keys ``dedup:*``."""

    kind: Literal["sqlite", "redis"] = "redis"
    _P = b"dedup:"
    _TABLES = {"passage_bands": b"pb", "doc_bands": b"db"}  # noqa: RUF012

    def __init__(self, url: str, create: bool) -> None:
        check_url(url)
        try:
            import redis  # an optional dependency: imported only for a Redis index
        except ImportError as exc:
            raise DedupError("A Redis index needs redis-py: pip install 'dedup[redis]'") from exc
        self.location, self._redis = url, redis
        self._r: Any = redis.Redis.from_url(url)
        try:
            with self.guard():
                self.created = not self._r.exists(self._P + b"meta")
        except BaseException:
            self._r.close()
            raise
        if self.created and not create:
            self._r.close()
            raise DedupError(f"{url}: no dedup index there; build one with 'dedup index add'")

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Redis's errors as one line naming the server: unreachable, lost, another
        program's key where dedup keeps its own."""
        redis = self._redis
        try:
            yield
        except redis.WatchError as exc:
            if "ConnectionError" in str(exc):  # redis-py's words for a connection lost
                lost = "lost the connection to Redis during the batch"
                raise DedupError(f"{self.location}: {lost}; run it again (a re-run completes "
                                 "it)") from exc  # fmt: skip
            raise DedupError(f"{self.location}: another writer changed the index; "
                             "nothing was written, run the batch again") from exc  # fmt: skip
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise DedupError(f"{self.location}: cannot reach Redis, or lost the connection "
                             f"({exc})") from exc  # fmt: skip
        except redis.ResponseError as exc:
            if "WRONGTYPE" in str(exc):
                raise DedupError(f"{self.location}: a dedup:* key holds another program's data "
                                 f"({exc}); not a dedup index, left as it is") from exc  # fmt: skip
            raise DedupError(f"{self.location}: Redis refused: {exc}") from exc
        except redis.RedisError as exc:
            raise DedupError(f"{self.location}: Redis: {exc}") from exc

    def close(self) -> None:
        self._r.close()

    def meta(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self._r.hgetall(self._P + b"meta").items()}

    def set_meta(self, meta: dict[str, str]) -> None:
        self._r.hset(self._P + b"meta", mapping=meta)
        self.created = False

    def _rows(self, ids: Sequence[str]) -> list[bytes | None]:
        """Each id's row number (None where it is not indexed)."""
        if not ids:
            return []
        return list(self._r.hmget(self._P + b"ids", [encode(i) for i in ids]))

    def _doc_key(self, row: bytes) -> bytes:
        return self._P + b"doc:" + row

    def documents(self, ids: Sequence[str]) -> dict[str, Stored]:
        pipe = self._r.pipeline(transaction=False)
        found = [(i, n) for i, n in zip(ids, self._rows(ids), strict=True) if n is not None]
        for _, n in found:
            pipe.hgetall(self._doc_key(n))
        out = {}
        for (i, _), h in zip(found, pipe.execute(), strict=True):
            date = decode(h[b"date"]) if h[b"date"] else None
            doc = Document(i, decode(h[b"text"]), decode(h[b"source"]), date,
                           decode(h[b"origin"]), json.loads(decode(h[b"extra"])))  # fmt: skip
            out[i] = Stored(doc, h[b"sha"].decode(), np.frombuffer(h[b"sig"], np.uint32))
        return out

    def _members(self, keys: list[bytes]) -> list[list[tuple[str, str]]]:
        """The (id, source) of the documents in each set, sorted by id."""
        pipe = self._r.pipeline(transaction=False)
        for k in keys:
            pipe.smembers(k)
        sets = pipe.execute()
        rows = sorted({n for m in sets for n in m})
        for n in rows:
            pipe.hmget(self._doc_key(n), ["id", "source"])
        held = {n: (decode(i), decode(s)) for n, (i, s) in zip(rows, pipe.execute(), strict=True)}
        return [sorted(held[n] for n in m) for m in sets]

    def band_docs(self, table: str, keys: Sequence[BandKey]) -> dict[BandKey, list[str]]:
        names = [self._P + self._TABLES[table] + f":{b}:{k}".encode() for b, k in keys]
        members = self._members(names)
        return {k: [d for d, _ in m] for k, m in zip(keys, members, strict=True) if m}

    def feature_counts(self, features: Sequence[int]) -> dict[int, int]:
        if not features:
            return {}
        values = self._r.hmget(self._P + b"feat", [str(f) for f in features])
        return {f: int(v) for f, v in zip(features, values, strict=True) if v is not None}

    def line_docs(self, hashes: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
        members = self._members([self._P + f"line:{h}".encode() for h in hashes])
        return {h: m for h, m in zip(hashes, members, strict=True) if m}

    def write(self, changes: Iterator[tuple[int, Entry]]) -> tuple[int, int]:
        """Apply the changes in one MULTI/EXEC; return (documents added, removed)."""
        meta, feat, ids = self._P + b"meta", self._P + b"feat", self._P + b"ids"
        with self._r.pipeline(transaction=True) as pipe:
            pipe.watch(meta, feat, ids)
            batch = list(changes)
            deltas: Counter[int] = Counter()
            for sign, e in batch:
                deltas.update({f: sign * n for f, n in e.features.items()})
            feats = sorted(f for f, n in deltas.items() if n)
            now = pipe.hmget(feat, [str(f) for f in feats]) if feats else []
            passages = int(pipe.hget(meta, "passages") or 0)
            last = int(pipe.hget(meta, "rows") or 0)
            gone = [e.doc.id for sign, e in batch if sign < 0]
            rows = dict(zip(gone, pipe.hmget(ids, [encode(i) for i in gone]), strict=True)
                        if gone else [])  # fmt: skip
            pipe.multi()
            for sign, e in batch:
                if sign > 0:
                    last += 1
                    self._put(pipe, e, str(last).encode())
                else:
                    self._drop(pipe, e, rows[e.doc.id])
                passages += sign * e.passages
            for f, v in zip(feats, now, strict=True):
                n = int(v or 0) + deltas[f]
                pipe.hset(feat, str(f), n) if n > 0 else pipe.hdel(feat, str(f))
            pipe.hset(meta, mapping={"passages": passages, "rows": last})
            pipe.execute()
        signs = Counter(sign for sign, _ in batch)
        return signs[1], signs[-1]

    def _keys(self, e: Entry) -> list[bytes]:
        p = self._P
        keys = [p + f"pb:{b}:{k}".encode() for b, k in e.passage_keys]
        keys += [p + f"db:{b}:{k}".encode() for b, k in e.doc_keys]
        return keys + [p + f"line:{h}".encode() for h in e.lines]

    def _put(self, pipe: Any, e: Entry, row: bytes) -> None:
        d = e.doc
        pipe.hset(self._P + b"ids", encode(d.id), row)
        pipe.hset(self._doc_key(row), mapping={
            "id": encode(d.id), "source": encode(d.source), "date": encode(d.date or ""),
            "origin": encode(d.origin), "extra": encode(extra_json(d)), "sha": e.sha,
            "text": encode(d.text), "sig": e.signature.astype(np.uint32).tobytes()})  # fmt: skip
        for k in self._keys(e):
            pipe.sadd(k, row)

    def _drop(self, pipe: Any, e: Entry, row: bytes) -> None:
        pipe.hdel(self._P + b"ids", encode(e.doc.id))
        pipe.delete(self._doc_key(row))
        for k in self._keys(e):
            pipe.srem(k, row)

    def stats(self) -> tuple[int, int, int]:
        rows = self._r.hvals(self._P + b"ids")
        pipe = self._r.pipeline(transaction=False)
        for n in rows:
            pipe.hget(self._doc_key(n), "source")
        sources = len(set(pipe.execute()))
        return len(rows), sources, int(self._r.hlen(self._P + b"feat"))
