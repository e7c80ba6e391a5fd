"""The index in a Redis database, for an index shared by several machines.

Locations are ``redis://host:port/db``, ``rediss://host:port/db`` (TLS) and
``unix:///path/to/socket?db=N``; a port out of range, a database that is not a number
or another scheme is an error, not a silent default. Keys are ``dedup:*``:
``dedup:meta`` and ``dedup:feat`` are hashes (parameters and counts; feature ->
passages), ``dedup:docs`` the set of ids, ``dedup:doc:ID`` one hash per document, and
``dedup:pb:BAND:KEY``, ``dedup:db:BAND:KEY`` and ``dedup:line:HASH`` sets of document
ids. Ids and texts go in as :func:`~dedup.index_store.encode` bytes. A batch is one
MULTI/EXEC that WATCHes the counts, so a concurrent writer makes it fail rather than mix.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np

from dedup.errors import DedupError
from dedup.index_store import BandKey, Entry, Stored, decode, encode, extra_json
from dedup.records import Document

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

    def _doc_key(self, doc_id: str) -> bytes:
        return self._P + b"doc:" + encode(doc_id)

    def documents(self, ids: Sequence[str]) -> dict[str, Stored]:
        pipe = self._r.pipeline(transaction=False)
        for i in ids:
            pipe.hgetall(self._doc_key(i))
        out = {}
        for i, h in zip(ids, pipe.execute(), strict=True):
            if h:
                date = decode(h[b"date"]) if h[b"date"] else None
                doc = Document(i, decode(h[b"text"]), decode(h[b"source"]), date,
                               decode(h[b"origin"]), json.loads(decode(h[b"extra"])))  # fmt: skip
                out[i] = Stored(doc, h[b"sha"].decode(), np.frombuffer(h[b"sig"], np.uint32))
        return out

    def _members(self, keys: list[bytes]) -> list[list[str]]:
        pipe = self._r.pipeline(transaction=False)
        for k in keys:
            pipe.smembers(k)
        return [sorted(decode(m) for m in s) for s in pipe.execute()]

    def band_docs(self, table: str, keys: Sequence[BandKey]) -> dict[BandKey, list[str]]:
        names = [self._P + self._TABLES[table] + f":{b}:{k}".encode() for b, k in keys]
        return {k: m for k, m in zip(keys, self._members(names), strict=True) if m}

    def feature_counts(self, features: Sequence[int]) -> dict[int, int]:
        if not features:
            return {}
        values = self._r.hmget(self._P + b"feat", [str(f) for f in features])
        return {f: int(v) for f, v in zip(features, values, strict=True) if v is not None}

    def line_docs(self, hashes: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
        members = self._members([self._P + f"line:{h}".encode() for h in hashes])
        ids = sorted({d for m in members for d in m})
        pipe = self._r.pipeline(transaction=False)
        for d in ids:
            pipe.hget(self._doc_key(d), "source")
        source = {d: decode(s) for d, s in zip(ids, pipe.execute(), strict=True)}
        return {h: [(d, source[d]) for d in m]
                for h, m in zip(hashes, members, strict=True) if m}  # fmt: skip

    def write(self, changes: Iterator[tuple[int, Entry]]) -> tuple[int, int]:
        """Apply the changes in one MULTI/EXEC; return (documents added, removed)."""
        meta, feat = self._P + b"meta", self._P + b"feat"
        with self._r.pipeline(transaction=True) as pipe:
            pipe.watch(meta, feat, self._P + b"docs")
            batch = list(changes)
            deltas: Counter[int] = Counter()
            for sign, e in batch:
                deltas.update({f: sign * n for f, n in e.features.items()})
            feats = sorted(f for f, n in deltas.items() if n)
            now = pipe.hmget(feat, [str(f) for f in feats]) if feats else []
            passages = int(pipe.hget(meta, "passages") or 0)
            pipe.multi()
            for sign, e in batch:
                self._queue(pipe, sign, e)
                passages += sign * e.passages
            for f, v in zip(feats, now, strict=True):
                n = int(v or 0) + deltas[f]
                pipe.hset(feat, str(f), n) if n > 0 else pipe.hdel(feat, str(f))
            pipe.hset(meta, "passages", passages)
            pipe.execute()
        signs = Counter(sign for sign, _ in batch)
        return signs[1], signs[-1]

    def _queue(self, pipe: Any, sign: int, e: Entry) -> None:
        d, p = e.doc, self._P
        keys = [p + f"pb:{b}:{k}".encode() for b, k in e.passage_keys]
        keys += [p + f"db:{b}:{k}".encode() for b, k in e.doc_keys]
        keys += [p + f"line:{h}".encode() for h in e.lines]
        member = encode(d.id)
        if sign > 0:
            pipe.sadd(p + b"docs", member)
            sig = e.signature.astype(np.uint32).tobytes()
            pipe.hset(self._doc_key(d.id), mapping={
                "source": encode(d.source), "date": encode(d.date or ""),
                "origin": encode(d.origin), "extra": encode(extra_json(d)), "sha": e.sha,
                "text": encode(d.text), "sig": sig})  # fmt: skip
            for k in keys:
                pipe.sadd(k, member)
        else:
            pipe.srem(p + b"docs", member)
            pipe.delete(self._doc_key(d.id))
            for k in keys:
                pipe.srem(k, member)

    def stats(self) -> tuple[int, int, int]:
        ids = sorted(self._r.smembers(self._P + b"docs"))
        pipe = self._r.pipeline(transaction=False)
        for d in ids:
            pipe.hget(self._P + b"doc:" + d, "source")
        sources = len(set(pipe.execute()))
        return len(ids), sources, int(self._r.hlen(self._P + b"feat"))
