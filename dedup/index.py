"""Persistent index: add documents once, then ask which of them a new document reuses.

Stage: documents -> stored entries (text, signatures, LSH band keys, counts);
a query runs the scan's own alignment (:func:`dedup.align.align`) between a new
document and the indexed documents its LSH band keys meet, never all of them.

What is stored, per document: id, source, date, origin, the original text (to
align and to report offsets), its SHA-256, the document MinHash signature, the
band keys of its passages (passage LSH at ``passage_threshold``) and of the
document (near-duplicate LSH at ``doc_threshold``), and the hashes of its
lines. Per index: the :class:`~dedup.params.ScanParams` and a fingerprint of the
text analysis (normalization, tokens, segmentation) it was built with, and two
counts that make a scan's corpus statistics incremental:

- passage frequency of every content-word feature (for IDF weights), over the
  passages outside each document's footer chrome, and the number of those passages;
- the documents holding each line, for chrome as a scan judges it
  (:mod:`dedup.boilerplate`): a short line in ``boilerplate_min_docs`` documents or in
  two of one named source; a long line in ``boilerplate_min_docs`` documents of one
  named source, or in as many that share no other long line. Whether two documents
  share other long lines is judged among the queried document and the indexed ones
  its LSH keys meet (those it is aligned with), not over the whole index.

Both are sums over documents, updated on add and remove, so adding day 2 to an
index of day 1 stores exactly what indexing both days at once stores, and a
query gives the same answer either way.

Stores. SQLite is the default: it is embedded (no server to run), keeps the whole
index in one file that can be copied or mailed, gives transactions (one per
:meth:`Index.add` or :meth:`Index.remove` batch, so a process killed mid-batch
leaves the index as it was before the batch), and ships with Python. Redis
(``redis://host:port/db``, needs ``redis-py``) is for an index shared by several
machines; a batch is one ``MULTI``/``EXEC`` transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from dedup.align import Weights, align
from dedup.analyze import DocAnalysis, analyze
from dedup.boilerplate import footer_lines, share_more
from dedup.candidates import feature_weights, scaled_idf
from dedup.dates import PublishedDate, order, parse_date, parse_dates
from dedup.errors import DedupError, ParamError
from dedup.features import usable_passages
from dedup.lsh import band_keys, band_layout
from dedup.minhash import jaccard, signatures
from dedup.params import ScanParams
from dedup.records import Document, Match
from dedup.score import covered_chars
from dedup.shingle import shingles

log = logging.getLogger(__name__)

_CACHE_KIB = 256 * 1024  # SQLite page cache of an open index
_KEY_TABLES = {"passage_bands": "?, ?, ?", "doc_bands": "?, ?, ?", "lines": "?, ?"}
_ROWS_A_FLUSH = 500_000  # key rows an SQLite write holds back to insert them sorted
_ANALYSES_KEPT = 1024  # analyses of indexed documents a query batch keeps beyond one query's
FORMAT = "dedup-index/2"  # layout of the stored tables or keys (2: every line, not short ones)
_PROBE = "“Ünïcode” — ﬁne\u00a0&amp; CJK 東京. Second sentence, 2026!\n\nNew  paragraph's end."
BandKey = tuple[int, int]  # (band number, 64-bit band hash)


def analysis_fingerprint() -> str:
    """Hash of what the text analysis makes of a probe text.

    Normalization, tokens, stems and segmentation decide every stored hash, so
    an index built by a version that analyses text differently is refused.
    """
    a = analyze(Document("probe", _PROBE))
    h = hashlib.sha256(a.norm.text.encode())
    for arr in (a.norm.bounds, a.tokens.hashes, a.tokens.stems, a.tokens.content,
                a.passage_starts, a.passage_ends, a.line_hashes):  # fmt: skip
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Hit:
    """An indexed document that a queried document reuses.

    ``reused_chars`` counts the queried document's characters covered by
    ``matches`` (``a`` is the queried document, ``b`` this indexed one);
    ``jaccard`` is the MinHash estimate between the two documents' word shingles.
    """

    id: str
    source: str
    date: str | None
    reused_chars: int
    reused_share: float
    jaccard: float
    matches: tuple[Match, ...]
    when: Literal["earlier", "later", "same"] | None = None  # against the queried document


@dataclass(frozen=True, slots=True)
class QueryResult:
    """What one queried document reuses; ``hits`` sorted by reused characters, then id."""

    id: str
    source: str
    chars: int
    reused_chars: int  # union over all hits
    reused_share: float
    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Size of an index; ``passages`` counts those that feed the IDF weights."""

    location: str
    store: Literal["sqlite", "redis"]
    documents: int
    sources: int
    passages: int
    features: int
    params: dict[str, Any]


@dataclass(slots=True)
class _Entry:
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
class _Stored:
    doc: Document
    sha: str
    signature: np.ndarray


def _encode(text: str) -> bytes:
    """UTF-8, lone surrogates included (JSON ``"\\ud800"`` makes them): text is stored as bytes."""
    return text.encode("utf-8", "surrogatepass")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def _sha(text: str) -> str:
    return hashlib.sha256(_encode(text)).hexdigest()


def _extra(doc: Document) -> str:
    """Pass-through fields as JSON; values JSON cannot hold (Parquet timestamps) as text."""
    return json.dumps(dict(doc.extra), sort_keys=True, ensure_ascii=False, default=str)


def _dated(result: QueryResult, date: PublishedDate | None, dayfirst: bool) -> QueryResult:
    """``result`` with each hit marked earlier, later or same as the queried document."""
    words: dict[int, Literal["earlier", "later", "same"]] = {-1: "earlier", 0: "same",
                                                            1: "later"}  # fmt: skip
    hits = []
    for h in result.hits:
        when = order(parse_date(h.date, dayfirst=dayfirst) if h.date else None, date)
        hits.append(replace(h, when=words[when]) if when is not None else h)
    return replace(result, hits=tuple(hits))


def _entry(doc: Document, a: DocAnalysis, params: ScanParams) -> _Entry:
    counted = ~footer_lines(a, params)[a.passage_lines] if a.n_passages else np.zeros(0, bool)
    feats = [a.passage_features(int(k)) for k in np.flatnonzero(counted)]
    keyed = [f for f in feats if len(f) >= params.passage_min_words]
    sig = signatures([shingles(a.tokens.hashes, params.shingle_words)],
                     num_perm=params.num_perm, seed=params.seed)  # fmt: skip
    return _Entry(
        doc=doc,
        sha=_sha(doc.text),
        signature=sig[0],
        passage_keys=_keys(
            signatures(keyed, num_perm=params.num_perm, seed=params.seed) if keyed else None,
            band_layout(params.passage_threshold, params.num_perm),
        ),
        doc_keys=_keys(sig, band_layout(params.doc_threshold, params.num_perm)),
        lines=sorted({int(h) for h in a.line_hashes[a.line_words > 0]}),
        features=Counter(int(x) for f in feats for x in f),
        passages=len(feats),
    )


def _keys(sigs: np.ndarray | None, layout: tuple[int, int]) -> list[BandKey]:
    if sigs is None or not len(sigs):
        return []
    keys = band_keys(sigs, *layout)
    bands = np.broadcast_to(np.arange(keys.shape[1]), keys.shape)
    return sorted({(int(b), int(k)) for b, k in zip(bands.ravel(), keys.ravel(), strict=True)})


def _i64(x: int) -> int:
    """A uint64 as the signed 64-bit integer SQLite stores."""
    return x - (1 << 64) if x >= 1 << 63 else x


def _u64(x: int) -> int:
    return x + (1 << 64) if x < 0 else x


class _Store(Protocol):
    location: str
    kind: Literal["sqlite", "redis"]

    def meta(self) -> dict[str, str]: ...
    def set_meta(self, meta: dict[str, str]) -> None: ...
    def documents(self, ids: Sequence[str]) -> dict[str, _Stored]: ...
    def band_docs(self, table: str, keys: Sequence[BandKey]) -> dict[BandKey, list[str]]: ...
    def feature_counts(self, features: Sequence[int]) -> dict[int, int]: ...
    def line_docs(self, hashes: Sequence[int]) -> dict[int, list[tuple[str, str]]]: ...
    def write(self, changes: Iterator[tuple[int, _Entry]]) -> tuple[int, int]: ...
    def stats(self) -> tuple[int, int, int]: ...
    def close(self) -> None: ...


class Index:
    """A persistent index of documents that new documents are queried against.

    Use :meth:`open`; close it (or use ``with``) when done. One writer at a time;
    queries never change the index.
    """

    def __init__(self, store: _Store, params: ScanParams) -> None:
        self._store, self.params = store, params

    @classmethod
    def open(cls, location: str | Path, params: ScanParams | None = None, *,
             create: bool = True) -> Index:  # fmt: skip
        """Open the index at ``location``, creating it if there is none.

        Parameters
        ----------
        location : str or Path
            An SQLite file (created with its folder), or ``redis://host:port/db``.
        params : ScanParams, optional
            For a new index, its parameters (default: ``ScanParams()``); for an
            existing one, they must equal the stored ones (else ``ParamError``).
        create : bool
            False: an index must be there already (``DedupError`` if not), so that a
            mistyped path is not answered from a new, empty index.
        """
        text = str(location)
        missing = DedupError(f"{text}: no dedup index there; build one with 'dedup index add'")
        is_redis = text.startswith("redis://")
        if not create and not is_redis and text != ":memory:" and not Path(text).exists():
            raise missing
        store: _Store = _RedisStore(text) if is_redis else _SQLiteStore(text)
        try:
            meta = store.meta()
            if not meta and not create:
                raise missing
            if not meta:
                params = params or ScanParams()
                params_json = json.dumps(params.as_dict(), sort_keys=True)
                store.set_meta(
                    {"format": FORMAT, "analysis": analysis_fingerprint(), "params": params_json}
                )
                return cls(store, params)
            stored = _check_meta(text, meta)
            index = cls(store, stored)
            index._check(params)
            return index
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        """Release the file or connection."""
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, params: ScanParams | None) -> None:
        if params is None or params == self.params:
            return
        mine, theirs = self.params.as_dict(), params.as_dict()
        diff = ", ".join(f"{k}={theirs[k]!r} (index: {mine[k]!r})" for k in mine
                         if mine[k] != theirs[k])  # fmt: skip
        raise ParamError(
            f"The index {self._store.location} was built with other parameters: got {diff}. "
            "Use the index's parameters, or build a new index with these."
        )

    def add(self, documents: Iterable[Document], *, replace: bool = False,
            params: ScanParams | None = None) -> int:  # fmt: skip
        """Add documents in one transaction; return how many were added or replaced.

        A document whose id is indexed with the same text is skipped, so re-running
        an interrupted add completes it. With other text it is an error naming the
        id, unless ``replace`` is true. Ids must be unique within the batch.
        """
        self._check(params)
        added, removed = self._store.write(self._changes(documents, replace))
        log.debug("%s: added %d documents (%d replaced)", self._store.location, added, removed)
        return added

    def _changes(self, documents: Iterable[Document],
                 replace: bool) -> Iterator[tuple[int, _Entry]]:  # fmt: skip
        seen: set[str] = set()
        for doc in documents:
            if doc.id in seen:
                raise DedupError(f"document id {doc.id!r} appears twice in the batch to add")
            seen.add(doc.id)
            old = self._store.documents([doc.id]).get(doc.id)
            sha = _sha(doc.text)
            if old is not None and old.sha == sha:
                continue
            if old is not None and not replace:
                raise DedupError(
                    f"document {doc.id!r} is already indexed with different text "
                    f"({doc.origin or 'new'}); remove it first or add with replace=True "
                    "(CLI: --replace)"
                )
            if old is not None:
                yield -1, _entry(old.doc, analyze(old.doc), self.params)
            yield 1, _entry(doc, analyze(doc), self.params)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove documents by id in one transaction; return how many were indexed."""

        def changes() -> Iterator[tuple[int, _Entry]]:
            for doc_id in dict.fromkeys(ids):
                old = self._store.documents([doc_id]).get(doc_id)
                if old is not None:
                    yield -1, _entry(old.doc, analyze(old.doc), self.params)

        removed = self._store.write(changes())[1]
        log.debug("%s: removed %d documents", self._store.location, removed)
        return removed

    def documents(self, ids: Iterable[str]) -> dict[str, Document]:
        """The indexed documents with these ids (absent ids are left out)."""
        return {i: s.doc for i, s in self._store.documents(list(dict.fromkeys(ids))).items()}

    def stats(self) -> IndexStats:
        """Counts of documents, sources, IDF passages and features."""
        docs, sources, features = self._store.stats()
        passages = int(self._store.meta().get("passages", "0"))
        return IndexStats(self._store.location, self._store.kind, docs, sources, passages,
                          features, self.params.as_dict())  # fmt: skip

    def query(self, documents: Document | Iterable[Document], *, skip_same_id: bool = True,
              params: ScanParams | None = None, dayfirst: bool = False
              ) -> list[QueryResult]:  # fmt: skip
        """Which indexed documents each document reuses, with the aligned passages.

        Parameters
        ----------
        documents : Document or iterable of Document
            Documents to look up; each is answered on its own (the answer for
            one does not depend on the others queried with it).
        skip_same_id : bool
            Ignore the indexed document with the queried document's id (it is
            the same article, indexed earlier).
        params : ScanParams, optional
            Must equal the index's parameters when given.
        dayfirst : bool
            Read numeric dates day first (:mod:`dedup.dates`) when telling whether each
            indexed document is earlier or later than the queried one.

        Returns
        -------
        list of QueryResult
            In input order. Match offsets are exact in both original texts:
            ``a`` is the queried document, ``b`` the indexed one.
        """
        self._check(params)
        docs = [documents] if isinstance(documents, Document) else list(documents)
        seen: OrderedDict[str, tuple[_Stored, DocAnalysis]] = OrderedDict()
        dates = parse_dates(docs, dayfirst=dayfirst)
        return [_dated(self._query_one(d, skip_same_id, seen), dates.get(d.id), dayfirst)
                for d in docs]  # fmt: skip

    def _query_one(self, doc: Document, skip_same_id: bool,
                   seen: OrderedDict[str, tuple[_Stored, DocAnalysis]]) -> QueryResult:  # fmt: skip
        """One document's answer. ``seen`` keeps the indexed documents met lately, with their
        analyses, least recently used first: the ones this query needs, then up to
        ``_ANALYSES_KEPT`` more (a batch of queries on one story meets the same ones)."""
        p = self.params
        a = analyze(doc)
        entry = _entry(doc, a, p)
        candidates = self._candidates(entry)
        if skip_same_id:
            candidates.discard(doc.id)
        fetched = self._store.documents(sorted(candidates - set(seen)))
        seen.update((d, (s, analyze(s.doc))) for d, s in fetched.items())
        stored = {d: seen[d][0] for d in sorted(candidates) if d in seen}
        analyses = {d: seen[d][1] for d in stored}
        for d in stored:
            seen.move_to_end(d)
        while len(seen) > len(stored) + _ANALYSES_KEPT:
            seen.popitem(last=False)
        same = stored.get(doc.id) or self._store.documents([doc.id]).get(doc.id)
        indexed = same is not None and same.sha == entry.sha  # its counts are stored already
        usable_a, usable = self._usable(doc, a, analyses)
        weights = self._weights(entry, analyses, indexed=indexed)
        hits = []
        for d in sorted(analyses):
            matches = align(a, analyses[d], weights, p, usable_a=usable_a,
                            usable_b=usable[d])  # fmt: skip
            if not matches:
                continue
            reused = covered_chars((m.a_start, m.a_end) for m in matches)
            s = stored[d]
            share = round(reused / max(len(doc.text), 1), 6)
            jac = round(jaccard(entry.signature, s.signature), 6)
            hits.append(Hit(d, s.doc.source, s.doc.date, reused, share, jac, tuple(matches)))
        hits.sort(key=lambda h: (-h.reused_chars, h.id))
        total = covered_chars((m.a_start, m.a_end) for h in hits for m in h.matches)
        return QueryResult(doc.id, doc.source, len(doc.text), total,
                           round(total / max(len(doc.text), 1), 6), tuple(hits))  # fmt: skip

    def _candidates(self, entry: _Entry) -> set[str]:
        """Indexed documents sharing a passage or document band key (buckets <= max_bucket)."""
        found: set[str] = set()
        for table, keys in (("passage_bands", entry.passage_keys), ("doc_bands", entry.doc_keys)):
            for docs in self._store.band_docs(table, keys).values():
                if len(docs) <= self.params.max_bucket:
                    found.update(docs)
        return found

    def _usable(self, doc: Document, a: DocAnalysis, analyses: dict[str, DocAnalysis]
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # fmt: skip
        """Passages that are not chrome, of ``doc`` and of each candidate.

        Chrome is judged on the index plus ``doc`` (which stands in for an
        indexed document of the same id).
        """
        p = self.params
        hashes = sorted({int(h) for x in (a, *analyses.values()) for h in x.line_hashes})
        holders = {h: dict(v) for h, v in self._store.line_docs(hashes).items()}
        for held in holders.values():
            held.pop(doc.id, None)
        for h in {int(h) for h in a.line_hashes[a.line_words > 0]}:
            holders.setdefault(h, {})[doc.id] = doc.source
        docs = {doc.id: a, **analyses}
        long_lines = {d: {int(h) for h in x.line_hashes[x.line_words > p.chrome_max_words]}
                      for d, x in docs.items()}  # fmt: skip
        shared_long = {d: {h for h in hs if len(holders.get(h, ())) > 1}
                       for d, hs in long_lines.items()}  # fmt: skip

        def is_chrome(h: int, short: bool) -> bool:
            held = holders.get(h, {})
            if short:
                return _is_repeated(held, p)
            named = Counter(s for d, s in held.items() if s != d)
            return len(held) >= p.boilerplate_min_docs and (
                max(named.values(), default=0) >= p.boilerplate_min_docs
                or not share_more(h, [d for d in held if d in docs], shared_long)
            )

        def usable(x: DocAnalysis) -> np.ndarray:
            short = x.line_words <= p.chrome_max_words
            chrome = np.array([w > 0 and is_chrome(int(h), bool(s)) for h, w, s
                               in zip(x.line_hashes, x.line_words, short, strict=True)],
                              dtype=bool)  # fmt: skip
            return usable_passages(x.passage_lines, chrome | footer_lines(x, p))

        return usable(a), {d: usable(x) for d, x in analyses.items()}

    def _weights(self, entry: _Entry, analyses: dict[str, DocAnalysis],
                 indexed: bool) -> Weights:  # fmt: skip
        """IDF weights in [0, 1] from the stored passage counts plus the queried document's,
        computed as a scan computes them (:func:`dedup.candidates.scaled_idf`)."""
        tables = [an.feature_table(np.arange(an.n_passages))[1] for an in analyses.values()]
        own = np.array(sorted(entry.features), dtype=np.uint64)
        feats = np.unique(np.concatenate([*tables, own]))
        stored = self._store.feature_counts(feats.tolist())
        counts = np.array([stored.get(f, 0) for f in feats.tolist()], dtype=np.int64)
        n = int(self._store.meta().get("passages", "0"))
        if not indexed:  # else its passages are counted already
            n += entry.passages
            counts += np.array([entry.features.get(f, 0) for f in feats.tolist()], dtype=np.int64)
        seen = counts > 0
        return feature_weights(feats[seen], scaled_idf(counts[seen], n))


def _is_repeated(holders: dict[str, str], params: ScanParams) -> bool:
    """A short line held by ``boilerplate_min_docs`` documents, or two of one named source."""
    if len(holders) >= params.boilerplate_min_docs:
        return True
    named = [s for d, s in holders.items() if s != d]
    return len(named) != len(set(named))


def _check_meta(location: str, meta: dict[str, str]) -> ScanParams:
    found = meta.get("format")
    if found != FORMAT:
        if str(found).startswith("dedup-index/"):
            raise DedupError(f"{location} is a dedup index of format {found}; this version reads "
                             f"{FORMAT}: rebuild it with 'dedup index add'")  # fmt: skip
        raise DedupError(f"{location} is not a dedup index of format {FORMAT} "
                         f"(found {found!r})")  # fmt: skip
    if meta.get("analysis") != analysis_fingerprint():
        raise ParamError(
            f"The index {location} was built with another text normalization "
            f"(fingerprint {meta.get('analysis')}, this version {analysis_fingerprint()}); "
            "rebuild it with this version."
        )
    return ScanParams(**json.loads(meta["params"]))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, date TEXT, origin TEXT NOT NULL,
    extra TEXT NOT NULL, text BLOB NOT NULL, sha TEXT NOT NULL, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS passage_bands (
    band INTEGER, key INTEGER, doc TEXT, PRIMARY KEY (band, key, doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_bands (
    band INTEGER, key INTEGER, doc TEXT, PRIMARY KEY (band, key, doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lines (hash INTEGER, doc TEXT, PRIMARY KEY (hash, doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS features (feature INTEGER PRIMARY KEY, passages INTEGER NOT NULL);
"""
_CHUNK = 500  # host parameters per statement, well below SQLite's limit


class _SQLiteStore:
    """The index in one SQLite file; see the module docstring for why SQLite."""

    kind: Literal["sqlite", "redis"] = "sqlite"

    def __init__(self, path: str) -> None:
        self.location = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise DedupError(f"{path}: cannot open the index ({exc})") from exc
        try:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            if tables and "meta" not in tables:
                raise DedupError(f"{path}: an SQLite database, but not a dedup index")
            self._db.executescript(_SCHEMA)
            # band rows go in at random keys: a larger page cache than SQLite's 2 MB
            # default cut adding 10,000 articles from 78.7 s to 59.9 s
            self._db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise DedupError(f"{path}: not a dedup index ({exc})") from exc
        except DedupError:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, meta: dict[str, str]) -> None:
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())

    def _transaction(self) -> _Commit:
        self._db.execute("BEGIN IMMEDIATE")
        return _Commit(self._db)

    def documents(self, ids: Sequence[str]) -> dict[str, _Stored]:
        out: dict[str, _Stored] = {}
        for chunk in _chunks(list(ids)):
            rows = self._db.execute(
                "SELECT id, source, date, origin, extra, text, sha, signature FROM documents "
                f"WHERE id IN ({','.join('?' * len(chunk))})", chunk,
            )  # fmt: skip
            for i, source, date, origin, extra, text, sha, sig in rows:
                doc = Document(i, _decode(text), source, date, origin, json.loads(extra))
                out[i] = _Stored(doc, sha, np.frombuffer(sig, dtype=np.uint32))
        return out

    def band_docs(self, table: str, keys: Sequence[BandKey]) -> dict[BandKey, list[str]]:
        out: dict[BandKey, list[str]] = {}
        for chunk in _chunks(list(keys), _CHUNK // 2):
            values = ",".join("(?, ?)" for _ in chunk)
            args = [x for b, k in chunk for x in (b, _i64(k))]
            rows = self._db.execute(
                f"WITH q(band, key) AS (VALUES {values}) "
                f"SELECT t.band, t.key, t.doc FROM q JOIN {table} t USING (band, key)", args,
            )  # fmt: skip
            for b, k, d in rows:
                out.setdefault((b, _u64(k)), []).append(d)
        return out

    def feature_counts(self, features: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for chunk in _chunks([_i64(f) for f in features]):
            rows = self._db.execute(
                "SELECT feature, passages FROM features "
                f"WHERE feature IN ({','.join('?' * len(chunk))})", chunk,
            )  # fmt: skip
            out.update((_u64(f), n) for f, n in rows)
        return out

    def line_docs(self, hashes: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
        out: dict[int, list[tuple[str, str]]] = {}
        for chunk in _chunks([_i64(h) for h in hashes]):
            rows = self._db.execute(
                "SELECT l.hash, l.doc, d.source FROM lines l JOIN documents d ON d.id = l.doc "
                f"WHERE l.hash IN ({','.join('?' * len(chunk))})", chunk,
            )  # fmt: skip
            for h, d, s in rows:
                out.setdefault(_u64(h), []).append((d, s))
        return out

    def write(self, changes: Iterator[tuple[int, _Entry]]) -> tuple[int, int]:
        """Apply the changes in one transaction; return (documents added, removed)."""
        db, done = self._db, Counter[int]()
        deltas: Counter[int] = Counter()
        passages = 0
        # Inserted key rows wait and go in sorted, a few hundred thousand at a time: in key
        # order they land on neighbouring B-tree pages (adding 10,000 articles: 59.9 s ->
        # 40.4 s); deletions run as they come, before any later insert.
        pending: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _KEY_TABLES}

        def flush() -> None:
            for table, rows in pending.items():
                rows.sort()
                db.executemany(f"INSERT INTO {table} VALUES ({_KEY_TABLES[table]})", rows)
                rows.clear()

        with self._transaction():
            for sign, e in changes:
                d = e.doc
                if sign > 0:
                    row = (d.id, d.source, d.date, d.origin, _extra(d), _encode(d.text),
                           e.sha, e.signature.astype(np.uint32).tobytes())  # fmt: skip
                    db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                else:
                    db.execute("DELETE FROM documents WHERE id = ?", (d.id,))
                done[sign] += 1
                rows: dict[str, list[tuple[Any, ...]]] = {
                    "passage_bands": [(b, _i64(k), d.id) for b, k in e.passage_keys],
                    "doc_bands": [(b, _i64(k), d.id) for b, k in e.doc_keys],
                    "lines": [(_i64(h), d.id) for h in e.lines],
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
                [(_i64(f), n) for f, n in sorted(deltas.items()) if n],
            )  # fmt: skip
            db.executemany("DELETE FROM features WHERE feature = ? AND passages <= 0",
                           [(_i64(f),) for f, n in deltas.items() if n < 0])  # fmt: skip
            old = int(self.meta().get("passages", "0"))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('passages', ?)", (str(old + passages),))
        return done[1], done[-1]

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
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _RedisStore:
    """The index in a Redis database, under keys ``dedup:*``; for an index shared by machines.

    ``dedup:meta`` and ``dedup:feat`` are hashes (parameters and counts; feature
    -> passages), ``dedup:docs`` the set of ids, ``dedup:doc:ID`` one hash per
    document, and ``dedup:pb:BAND:KEY``, ``dedup:db:BAND:KEY`` and
    ``dedup:line:HASH`` sets of document ids. A batch is one MULTI/EXEC that
    WATCHes the counts, so a concurrent writer makes it fail rather than mix.
    """

    kind: Literal["sqlite", "redis"] = "redis"
    _P = "dedup:"
    _TABLES = {"passage_bands": "pb", "doc_bands": "db"}  # noqa: RUF012

    def __init__(self, url: str) -> None:
        try:
            import redis  # an optional dependency: imported only for a Redis index
        except ImportError as exc:
            raise DedupError("A Redis index needs redis-py: pip install 'dedup[redis]'") from exc
        self.location, self._redis = url, redis
        self._r: Any = redis.Redis.from_url(url)
        try:
            self._r.ping()
        except redis.RedisError as exc:
            self._r.close()
            raise DedupError(f"{url}: cannot reach Redis ({exc})") from exc

    def close(self) -> None:
        self._r.close()

    def meta(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self._r.hgetall(self._P + "meta").items()}

    def set_meta(self, meta: dict[str, str]) -> None:
        self._r.hset(self._P + "meta", mapping=meta)

    def documents(self, ids: Sequence[str]) -> dict[str, _Stored]:
        pipe = self._r.pipeline(transaction=False)
        for i in ids:
            pipe.hgetall(f"{self._P}doc:{i}")
        out = {}
        for i, h in zip(ids, pipe.execute(), strict=True):
            if h:
                date = h[b"date"].decode() if h[b"date"] else None
                doc = Document(i, _decode(h[b"text"]),
                               h[b"source"].decode(), date, h[b"origin"].decode(),
                               json.loads(h[b"extra"]))  # fmt: skip
                out[i] = _Stored(doc, h[b"sha"].decode(), np.frombuffer(h[b"sig"], np.uint32))
        return out

    def _members(self, keys: list[str]) -> list[list[str]]:
        pipe = self._r.pipeline(transaction=False)
        for k in keys:
            pipe.smembers(k)
        return [sorted(m.decode() for m in s) for s in pipe.execute()]

    def band_docs(self, table: str, keys: Sequence[BandKey]) -> dict[BandKey, list[str]]:
        names = [f"{self._P}{self._TABLES[table]}:{b}:{k}" for b, k in keys]
        return {k: m for k, m in zip(keys, self._members(names), strict=True) if m}

    def feature_counts(self, features: Sequence[int]) -> dict[int, int]:
        if not features:
            return {}
        values = self._r.hmget(self._P + "feat", [str(f) for f in features])
        return {f: int(v) for f, v in zip(features, values, strict=True) if v is not None}

    def line_docs(self, hashes: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
        members = self._members([f"{self._P}line:{h}" for h in hashes])
        ids = sorted({d for m in members for d in m})
        pipe = self._r.pipeline(transaction=False)
        for d in ids:
            pipe.hget(f"{self._P}doc:{d}", "source")
        source = {d: s.decode() for d, s in zip(ids, pipe.execute(), strict=True)}
        return {h: [(d, source[d]) for d in m]
                for h, m in zip(hashes, members, strict=True) if m}  # fmt: skip

    def write(self, changes: Iterator[tuple[int, _Entry]]) -> tuple[int, int]:
        """Apply the changes in one MULTI/EXEC; return (documents added, removed)."""
        with self._r.pipeline(transaction=True) as pipe:
            pipe.watch(self._P + "meta", self._P + "feat", self._P + "docs")
            batch = list(changes)
            deltas: Counter[int] = Counter()
            for sign, e in batch:
                deltas.update({f: sign * n for f, n in e.features.items()})
            feats = sorted(f for f, n in deltas.items() if n)
            now = pipe.hmget(self._P + "feat", [str(f) for f in feats]) if feats else []
            passages = int(pipe.hget(self._P + "meta", "passages") or 0)
            pipe.multi()
            for sign, e in batch:
                self._queue(pipe, sign, e)
                passages += sign * e.passages
            for f, v in zip(feats, now, strict=True):
                n = int(v or 0) + deltas[f]
                pipe.hset(self._P + "feat", str(f), n) if n > 0 else pipe.hdel(
                    self._P + "feat", str(f)
                )
            pipe.hset(self._P + "meta", "passages", passages)
            try:
                pipe.execute()
            except self._redis.WatchError as exc:
                raise DedupError(f"{self.location}: another writer changed the index; "
                                 "nothing was written, run the batch again") from exc  # fmt: skip
        signs = Counter(sign for sign, _ in batch)
        return signs[1], signs[-1]

    def _queue(self, pipe: Any, sign: int, e: _Entry) -> None:
        d, p = e.doc, self._P
        keys = [f"{p}pb:{b}:{k}" for b, k in e.passage_keys]
        keys += [f"{p}db:{b}:{k}" for b, k in e.doc_keys]
        keys += [f"{p}line:{h}" for h in e.lines]
        if sign > 0:
            pipe.sadd(p + "docs", d.id)
            pipe.hset(f"{p}doc:{d.id}", mapping={
                "source": d.source, "date": d.date or "", "origin": d.origin,
                "extra": _extra(d), "sha": e.sha, "text": _encode(d.text),
                "sig": e.signature.astype(np.uint32).tobytes()})  # fmt: skip
            for k in keys:
                pipe.sadd(k, d.id)
        else:
            pipe.srem(p + "docs", d.id)
            pipe.delete(f"{p}doc:{d.id}")
            for k in keys:
                pipe.srem(k, d.id)

    def stats(self) -> tuple[int, int, int]:
        ids = sorted(m.decode() for m in self._r.smembers(self._P + "docs"))
        pipe = self._r.pipeline(transaction=False)
        for d in ids:
            pipe.hget(f"{self._P}doc:{d}", "source")
        sources = len(set(pipe.execute()))
        return len(ids), sources, int(self._r.hlen(self._P + "feat"))
