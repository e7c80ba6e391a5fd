"""The index in one SQLite file: the default store (see :mod:`dedup.workflows.index` for why
SQLite).

A document's id is stored once, in ``documents``, beside a row number; the key tables
(``passage_bands``, ``doc_bands``, ``lines``), which hold a row a band key or line,
refer to the document by that number, so a long id costs its length once, not once a
key. Strings are stored as :func:`~dedup.workflows.index_store.encode` bytes.

A file that is not a dedup index is never written: an index is only created in a new
file, and a database holding tables dedup did not create, or an empty file, is refused
by every command, reading or writing.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

import numpy as np

from dedup.core.errors import DedupError
from dedup.core.records import Document
from dedup.workflows.index_store import (
    BandKey,
    Entry,
    Stored,
    chunks,
    decode,
    encode,
    extra_json,
    signed64,
    unsigned64,
)

_CACHE_KIB = 256 * 1024  # SQLite page cache of an open index
_ROWS_A_FLUSH = 500_000  # key rows a write holds back to insert them sorted
_CHUNK = 500  # host parameters per statement, well below SQLite's limit
_KEY_TABLES = {"passage_bands": "?, ?, ?", "doc_bands": "?, ?, ?", "lines": "?, ?"}
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    n INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, source BLOB NOT NULL, date BLOB,
    origin BLOB NOT NULL, extra BLOB NOT NULL, text BLOB NOT NULL, sha TEXT NOT NULL,
    signature BLOB NOT NULL);
CREATE TABLE passage_bands (
    band INTEGER, key INTEGER, doc INTEGER, PRIMARY KEY (band, key, doc)) WITHOUT ROWID;
CREATE TABLE doc_bands (
    band INTEGER, key INTEGER, doc INTEGER, PRIMARY KEY (band, key, doc)) WITHOUT ROWID;
CREATE TABLE lines (hash INTEGER, doc INTEGER, PRIMARY KEY (hash, doc)) WITHOUT ROWID;
CREATE TABLE features (feature INTEGER PRIMARY KEY, passages INTEGER NOT NULL);
"""
TABLES = frozenset({"meta", "documents", "passage_bands", "doc_bands", "lines", "features"})


class SQLiteStore:
    """The index in one SQLite file.

    Parameters
    ----------
    path : str
        The file; ``":memory:"`` for an index that lives as long as the store.
    create : bool
        Create the index if the file does not exist (with its folder); else the file
        must hold one already.
    """

    kind: Literal["sqlite", "redis"] = "sqlite"

    def __init__(self, path: str, create: bool) -> None:
        self.location = path
        file = Path(path)
        self.created = path == ":memory:" or not file.exists()
        self._new_file = self.created and path != ":memory:"  # made by this open
        if self.created and not create:
            raise DedupError(f"{path}: no dedup index there; build one with 'dedup index add'")
        if self.created and path != ":memory:":
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DedupError(f"{path}: cannot create the index's folder: "
                                 f"{exc.strerror or exc}") from exc  # fmt: skip
        # mode=rw: an existing file is opened as it is, never created or truncated
        uri = path if self.created else f"file:{urllib.parse.quote(path)}?mode=rw"
        try:
            self._db = sqlite3.connect(uri, timeout=30, isolation_level=None,
                                       uri=not self.created)  # fmt: skip
        except sqlite3.Error as exc:
            raise DedupError(f"{path}: cannot open the index ({exc})") from exc
        try:
            if not self.created:
                with self.guard():
                    self._refuse_foreign()
            # band rows go in at random keys: a page cache larger than SQLite's 2 MB
            # default keeps more of the B-tree pages they land on
            self._db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        except BaseException:
            self._db.close()
            raise

    def _refuse_foreign(self) -> None:
        found = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                 "AND name NOT LIKE 'sqlite_%'")  # fmt: skip
        tables = {r[0] for r in found}
        if not tables:
            raise DedupError(f"{self.location}: an empty file or database, not a dedup index; "
                             "dedup leaves it as it is: give 'index add' a new file")  # fmt: skip
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.OperationalError:  # a meta table of other columns
            row = None
        if tables != TABLES or not str(row and row[0]).startswith("dedup-index/"):
            theirs = ", ".join(sorted(tables - TABLES) or sorted(tables))
            raise DedupError(f"{self.location}: an SQLite database of another program (tables "
                             f"{theirs}), not a dedup index; dedup leaves it as it is")  # fmt: skip

    @contextmanager
    def guard(self) -> Iterator[None]:
        """SQLite's errors as one line naming the file: damaged, read-only, full disk."""
        try:
            yield
        except sqlite3.Error as exc:
            why = str(exc)
            if "not a database" in why:
                why = f"not a dedup index ({why}); dedup leaves it as it is"
            elif "malformed" in why:
                why = f"the file is damaged ({why}); rebuild the index"
            elif "full" in why:
                why = f"the disk is full ({why}); nothing of this batch was written"
            elif "readonly" in why or "read-only" in why:
                why = f"cannot write to it ({why}); nothing was changed"
            elif "no such table" in why or "no such column" in why:
                why = f"not a dedup index of this version ({why})"
            raise DedupError(f"{self.location}: {why}") from exc

    def close(self) -> None:
        """Close the file; one this store created that holds no document (the open or the
        first add failed) is removed, so that no later command answers from it."""
        empty = self._new_file and self._holds_no_document()
        self._db.close()
        if empty:
            with suppress(OSError):
                Path(self.location).unlink()

    def _holds_no_document(self) -> bool:
        try:
            return not self._db.execute("SELECT 1 FROM documents LIMIT 1").fetchone()
        except sqlite3.Error:  # no tables: nothing was written
            return True

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, meta: dict[str, str]) -> None:
        """Store the index's parameters; a new index's tables are created with them, in
        one transaction, so that a file is a whole index or nothing of one."""
        with self._transaction():
            made = self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
            if self.created and made:
                raise DedupError(f"{self.location}: another process created an index here at "
                                 "the same time; run the command again")  # fmt: skip
            if self.created:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        self.created = False

    def _transaction(self) -> _Commit:
        self._db.execute("BEGIN IMMEDIATE")
        return _Commit(self._db)

    def documents(self, ids: Sequence[str]) -> dict[str, Stored]:
        out: dict[str, Stored] = {}
        rows = self._rows("SELECT id, source, date, origin, extra, text, sha, signature "
                          "FROM documents WHERE id IN ({marks})",
                          [encode(i) for i in ids])  # fmt: skip
        for i, source, date, origin, extra, text, sha, sig in rows:
            doc = Document(decode(i), decode(text), decode(source),
                           None if date is None else decode(date), decode(origin),
                           json.loads(decode(extra)))  # fmt: skip
            out[doc.id] = Stored(doc, sha, np.frombuffer(sig, dtype=np.uint32))
        return out

    def _rows(self, sql: str, values: list[Any]) -> Iterator[Any]:
        """The rows of ``sql``, whose ``{marks}`` stands for a list of ``values``, run a
        chunk of values at a time."""
        for chunk in chunks(values, _CHUNK):
            yield from self._db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def band_docs(self, table: str, keys: Sequence[BandKey]) -> dict[BandKey, list[str]]:
        if table not in ("passage_bands", "doc_bands"):
            raise ValueError(f"not a band table: {table!r}")
        out: dict[BandKey, list[str]] = {}
        for chunk in chunks(list(keys), _CHUNK // 2):
            values = ",".join("(?, ?)" for _ in chunk)
            args = [x for b, k in chunk for x in (b, signed64(k))]
            rows = self._db.execute(
                f"WITH q(band, key) AS (VALUES {values}) SELECT t.band, t.key, d.id "
                f"FROM q JOIN {table} t USING (band, key) JOIN documents d ON d.n = t.doc", args,
            )  # fmt: skip
            for b, k, d in rows:
                out.setdefault((b, unsigned64(k)), []).append(decode(d))
        return out

    def feature_counts(self, features: Sequence[int]) -> dict[int, int]:
        rows = self._rows("SELECT feature, passages FROM features WHERE feature IN ({marks})",
                          [signed64(f) for f in features])  # fmt: skip
        return {unsigned64(f): n for f, n in rows}

    def line_docs(self, hashes: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
        out: dict[int, list[tuple[str, str]]] = {}
        rows = self._rows("SELECT l.hash, d.id, d.source FROM lines l JOIN documents d "
                          "ON d.n = l.doc WHERE l.hash IN ({marks})",
                          [signed64(h) for h in hashes])  # fmt: skip
        for h, d, s in rows:
            out.setdefault(unsigned64(h), []).append((decode(d), decode(s)))
        return out

    def write(self, changes: Iterator[tuple[int, Entry]]) -> tuple[int, int]:
        """Apply the changes in one transaction; return (documents added, removed)."""
        db, done = self._db, Counter[int]()
        deltas: Counter[int] = Counter()
        passages = 0
        # Inserted key rows wait and go in sorted, a few hundred thousand at a time: in key
        # order they land on neighbouring B-tree pages; deletions run as they come,
        # before any later insert.
        pending: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _KEY_TABLES}

        def flush() -> None:
            for table, rows in pending.items():
                rows.sort()
                db.executemany(f"INSERT INTO {table} VALUES ({_KEY_TABLES[table]})", rows)
                rows.clear()

        with self._transaction():
            for sign, e in changes:
                n = self._put(e) if sign > 0 else self._drop(e)
                done[sign] += 1
                rows: dict[str, list[tuple[Any, ...]]] = {
                    "passage_bands": [(b, signed64(k), n) for b, k in e.passage_keys],
                    "doc_bands": [(b, signed64(k), n) for b, k in e.doc_keys],
                    "lines": [(signed64(h), n) for h in e.lines],
                }
                for table, keyed in rows.items():
                    if sign > 0:
                        pending[table].extend(keyed)
                    else:
                        where = ("hash = ? AND doc = ?" if table == "lines"
                                 else "band = ? AND key = ? AND doc = ?")  # fmt: skip
                        db.executemany(f"DELETE FROM {table} WHERE {where}", keyed)
                if sum(map(len, pending.values())) >= _ROWS_A_FLUSH:
                    flush()
                deltas.update({f: sign * n for f, n in e.features.items()})
                passages += sign * e.passages
            flush()
            db.executemany(
                "INSERT INTO features VALUES (?, ?) ON CONFLICT (feature) "
                "DO UPDATE SET passages = passages + excluded.passages",
                [(signed64(f), n) for f, n in sorted(deltas.items()) if n],
            )  # fmt: skip
            db.executemany("DELETE FROM features WHERE feature = ? AND passages <= 0",
                           [(signed64(f),) for f, n in deltas.items() if n < 0])  # fmt: skip
            old = int(self.meta().get("passages", "0"))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('passages', ?)", (str(old + passages),))
        return done[1], done[-1]

    def _put(self, e: Entry) -> int:
        """Insert the document row; its row number."""
        d = e.doc
        row = (encode(d.id), encode(d.source), None if d.date is None else encode(d.date),
               encode(d.origin), encode(extra_json(d)), encode(d.text), e.sha,
               e.signature.astype(np.uint32).tobytes())  # fmt: skip
        columns = "id, source, date, origin, extra, text, sha, signature"
        cursor = self._db.execute(f"INSERT INTO documents ({columns}) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)  # fmt: skip
        return int(cursor.lastrowid or 0)

    def _drop(self, e: Entry) -> int:
        """Delete the document row; the row number its key rows hold."""
        key = (encode(e.doc.id),)
        (n,) = self._db.execute("SELECT n FROM documents WHERE id = ?", key).fetchone()
        self._db.execute("DELETE FROM documents WHERE id = ?", key)
        return int(n)

    def stats(self) -> tuple[int, int, int]:
        docs, sources = self._db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT source) FROM documents"
        ).fetchone()
        (features,) = self._db.execute("SELECT COUNT(*) FROM features").fetchone()
        return int(docs), int(sources), int(features)


class _Commit:
    """Commit on success, roll back on any exception (KeyboardInterrupt included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        return self._db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        elif self._db.in_transaction:  # a full disk makes SQLite roll back by itself
            self._db.execute("ROLLBACK")
