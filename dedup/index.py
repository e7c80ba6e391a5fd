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
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from dedup.analyze import DocAnalysis, Weights, analyze
from dedup.boilerplate import footer_lines, held_chrome, share_more
from dedup.candidates import feature_weights, scaled_idf
from dedup.dates import PublishedDate, order, parse_date, parse_dates
from dedup.errors import DedupError, ParamError
from dedup.features import usable_passages
from dedup.fingerprints import Frequency, document_frequency
from dedup.index_redis import RedisStore
from dedup.index_sqlite import SQLiteStore
from dedup.index_store import BandKey, Entry, Store, Stored, sha
from dedup.lsh import band_keys, band_layout
from dedup.minhash import jaccard, signatures
from dedup.params import ScanParams
from dedup.records import Document, Match
from dedup.reuse import reuse_matches
from dedup.score import covered_chars
from dedup.shingle import shingles

log = logging.getLogger(__name__)

_ANALYSES_KEPT = 1024  # analyses of indexed documents a query batch keeps beyond one query's
FORMAT = "dedup-index/4"  # layout of the stored tables or keys
_PROBE = "“Ünïcode” — ﬁne\u00a0&amp; CJK 東京. Second sentence, 2026!\n\nNew  paragraph's end."
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # a location with a scheme is not a file


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


def _local_frequency(a: DocAnalysis, analyses: dict[str, DocAnalysis]) -> Frequency:
    """How many of the queried document and its candidates hold each fingerprint: the
    index keeps no corpus-wide fingerprint counts, so a phrase is a stock phrase when
    ``run_max_docs`` of the documents a query aligns hold it, where a scan counts all."""
    found = [a, *analyses.values()]
    doc = np.concatenate([np.full(len(x.fingerprint_hashes), k, np.int64)
                          for k, x in enumerate(found)])  # fmt: skip
    return document_frequency(doc, np.concatenate([x.fingerprint_hashes for x in found]))


def _dated(result: QueryResult, date: PublishedDate | None, dayfirst: bool) -> QueryResult:
    """``result`` with each hit marked earlier, later or same as the queried document."""
    words: dict[int, Literal["earlier", "later", "same"]] = {-1: "earlier", 0: "same",
                                                            1: "later"}  # fmt: skip
    hits = []
    for h in result.hits:
        when = order(parse_date(h.date, dayfirst=dayfirst) if h.date else None, date)
        hits.append(replace(h, when=words[when]) if when is not None else h)
    return replace(result, hits=tuple(hits))


def _entry(doc: Document, a: DocAnalysis, params: ScanParams) -> Entry:
    counted = ~footer_lines(a, params)[a.passage_lines] if a.n_passages else np.zeros(0, bool)
    feats = [a.passage_features(int(k)) for k in np.flatnonzero(counted)]
    keyed = [f for f in feats if len(f) >= params.passage_min_words]
    sig = signatures([shingles(a.tokens.hashes, params.shingle_words)],
                     num_perm=params.num_perm, seed=params.seed)  # fmt: skip
    return Entry(
        doc=doc,
        sha=sha(doc.text),
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


class Index:
    """A persistent index of documents that new documents are queried against.

    Use :meth:`open`; close it (or use ``with``) when done. One writer at a time;
    queries never change the index.
    """

    def __init__(self, store: Store, params: ScanParams) -> None:
        self._store, self.params = store, params

    @classmethod
    def open(cls, location: str | Path, params: ScanParams | None = None, *,
             create: bool = True) -> Index:  # fmt: skip
        """Open the index at ``location``, creating it if there is none.

        Parameters
        ----------
        location : str or Path
            An SQLite file (created with its folder: a new file only, see
            :mod:`dedup.index_sqlite`), or a Redis URL (:mod:`dedup.index_redis`).
        params : ScanParams, optional
            For a new index, its parameters (default: ``ScanParams()``); for an
            existing one, they must equal the stored ones (else ``ParamError``).
        create : bool
            False: an index must be there already (``DedupError`` if not), so that a
            mistyped path is not answered from a new, empty index.

        Raises
        ------
        DedupError
            No index there (``create`` false), a file or database that is not a dedup
            index (left as it is), an unknown URL scheme, a store that cannot be reached.
        """
        text = str(location)
        store: Store = (RedisStore(text, create) if _URL.match(text)
                        else SQLiteStore(text, create))  # fmt: skip
        try:
            with store.guard():
                if store.created:
                    params = params or ScanParams()
                    params_json = json.dumps(params.as_dict(), sort_keys=True)
                    store.set_meta({"format": FORMAT, "analysis": analysis_fingerprint(),
                                    "params": params_json})  # fmt: skip
                    return cls(store, params)
                stored = _check_meta(text, store.meta())
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
        with self._store.guard():
            added, removed = self._store.write(self._changes(documents, replace))
        log.debug("%s: added %d documents (%d replaced)", self._store.location, added, removed)
        return added

    def _changes(self, documents: Iterable[Document],
                 replace: bool) -> Iterator[tuple[int, Entry]]:  # fmt: skip
        seen: set[str] = set()
        for doc in documents:
            if doc.id in seen:
                raise DedupError(f"document id {doc.id!r} appears twice in the batch to add")
            seen.add(doc.id)
            old = self._store.documents([doc.id]).get(doc.id)
            if old is not None and old.sha == sha(doc.text):
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

        def changes() -> Iterator[tuple[int, Entry]]:
            for doc_id in dict.fromkeys(ids):
                old = self._store.documents([doc_id]).get(doc_id)
                if old is not None:
                    yield -1, _entry(old.doc, analyze(old.doc), self.params)

        with self._store.guard():
            removed = self._store.write(changes())[1]
        log.debug("%s: removed %d documents", self._store.location, removed)
        return removed

    def documents(self, ids: Iterable[str]) -> dict[str, Document]:
        """The indexed documents with these ids (absent ids are left out)."""
        with self._store.guard():
            found = self._store.documents(list(dict.fromkeys(ids)))
        return {i: s.doc for i, s in found.items()}

    def stats(self) -> IndexStats:
        """Counts of documents, sources, IDF passages and features."""
        with self._store.guard():
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
        seen: OrderedDict[str, tuple[Stored, DocAnalysis]] = OrderedDict()
        dates = parse_dates(docs, dayfirst=dayfirst)
        with self._store.guard():
            return [_dated(self._query_one(d, skip_same_id, seen), dates.get(d.id), dayfirst)
                    for d in docs]  # fmt: skip

    def _query_one(self, doc: Document, skip_same_id: bool,
                   seen: OrderedDict[str, tuple[Stored, DocAnalysis]]) -> QueryResult:  # fmt: skip
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
        frequency = _local_frequency(a, analyses)
        weights = self._weights(entry, analyses, indexed=indexed)
        hits = []
        for d in sorted(analyses):
            matches = reuse_matches(a, analyses[d], weights, frequency, p, usable_a=usable_a,
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

    def _candidates(self, entry: Entry) -> set[str]:
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
            return held_chrome(held, short=short, params=p, shares_more=lambda: share_more(
                h, [d for d in held if d in docs], shared_long))  # fmt: skip

        def usable(x: DocAnalysis) -> np.ndarray:
            short = x.line_words <= p.chrome_max_words
            chrome = np.array([w > 0 and is_chrome(int(h), bool(s)) for h, w, s
                               in zip(x.line_hashes, x.line_words, short, strict=True)],
                              dtype=bool)  # fmt: skip
            return usable_passages(x.passage_lines, chrome | footer_lines(x, p))

        return usable(a), {d: usable(x) for d, x in analyses.items()}

    def _weights(self, entry: Entry, analyses: dict[str, DocAnalysis],
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
