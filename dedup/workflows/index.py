"""Persistent index: add documents once, then ask which of them a new document reuses.

Stage: documents -> stored entries (text, signatures, LSH band keys, counts);
a query runs the scan's own alignment (:func:`dedup.alignment.align.align`) between a new
document and the indexed documents its LSH band keys meet, never all of them.

What is stored, per document: id, source, date, origin, the original text (to
align and to report offsets), its SHA-256, the document MinHash signature, the
band keys of its passages (passage LSH at ``passage_threshold``) and of the
document (near-duplicate LSH at ``doc_threshold``), and the hashes of its
lines. Per index: the :class:`~dedup.core.params.ScanParams` and a fingerprint of the
text analysis (normalization, tokens, segmentation) it was built with, and two
counts that make a scan's corpus statistics incremental:

- passage frequency of every content-word feature (for IDF weights), over the
  passages outside each document's footer chrome, and the number of those passages;
- the documents holding each line, for chrome as a scan judges it
  (:mod:`dedup.candidates.boilerplate`): a short line in ``boilerplate_min_docs`` documents or in
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

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np

from dedup.alignment.reuse import reuse_matches
from dedup.analysis.analyze import DocAnalysis, analyze
from dedup.candidates.minhash import NEAR_DUPLICATE_JACCARD, jaccard
from dedup.core.dates import parse_dates
from dedup.core.errors import DedupError, ParamError
from dedup.core.params import ScanParams
from dedup.core.records import Document
from dedup.core.roles import is_wire_copy
from dedup.engines.pipeline import reprint_groups, reprints_beside
from dedup.scoring.score import covered_chars, text_share
from dedup.workflows.index_entry import FORMAT, analysis_fingerprint, check_meta, entry_of
from dedup.workflows.index_query import (
    Hit,
    QueryResult,
    dated,
    local_frequency,
    query_weights,
    usable_passages_of,
)
from dedup.workflows.index_redis import RedisStore
from dedup.workflows.index_sqlite import SQLiteStore
from dedup.workflows.index_store import Entry, Store, Stored, sha

log = logging.getLogger(__name__)

_ANALYSES_KEPT = 1024  # analyses of indexed documents a query batch keeps beyond one query's
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # a location with a scheme is not a file


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
            :mod:`dedup.workflows.index_sqlite`), or a Redis URL
            (:mod:`dedup.workflows.index_redis`).
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
                stored = check_meta(text, store.meta())
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
        writing = False
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
                yield -1, entry_of(old.doc, analyze(old.doc), self.params)
            yield 1, entry_of(doc, analyze(doc), self.params)
            if not writing:  # the store has written the first document of the batch
                writing = True
                log.debug("%s: writing the batch (one transaction)", self._store.location)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove documents by id in one transaction; return how many were indexed."""

        def changes() -> Iterator[tuple[int, Entry]]:
            for doc_id in dict.fromkeys(ids):
                old = self._store.documents([doc_id]).get(doc_id)
                if old is not None:
                    yield -1, entry_of(old.doc, analyze(old.doc), self.params)

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
            Read numeric dates day first (:mod:`dedup.core.dates`) when telling whether each
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
            results = [self._query_one(d, skip_same_id, seen) for d in docs]
        hits = {h.id: h for r in results for h in r.hits}.values()
        indexed = parse_dates(hits, dayfirst=dayfirst, of="indexed documents' dates")
        return [dated(r, dates.get(r.id), indexed) for r in results]

    def _query_one(self, doc: Document, skip_same_id: bool,
                   seen: OrderedDict[str, tuple[Stored, DocAnalysis]]) -> QueryResult:  # fmt: skip
        """One document's answer. ``seen`` keeps the indexed documents met lately, with their
        analyses, least recently used first: the ones this query needs, then up to
        ``_ANALYSES_KEPT`` more (a batch of queries on one story meets the same ones)."""
        p = self.params
        a = analyze(doc)
        entry = entry_of(doc, a, p)
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
        usable_a, usable = usable_passages_of(self._store, p, doc, a, analyses)
        frequency = local_frequency(a, analyses)
        weights = query_weights(self._store, entry, analyses, indexed=indexed)
        ids = sorted(analyses)
        sigs = np.vstack([entry.signature, *(stored[d].signature for d in ids)])
        alike = np.vstack([np.mean(sigs == sig, axis=1) for sig in sigs])  # MinHash Jaccard
        pairs = np.argwhere(np.triu(alike >= NEAR_DUPLICATE_JACCARD, 1))
        near = {(int(x), int(y)) for x, y in pairs}
        groups = reprint_groups(near, sigs)
        sizes = np.bincount(groups)
        hits = []
        for k, d in enumerate(ids, 1):
            b, usable_b = analyses[d], usable[d]
            pair_frequency = frequency.without_reprints(reprints_beside(groups, sizes, 0, k))
            pair_share = partial(text_share, a, b, usable_a, usable_b, is_wire_copy(a.doc, ()),
                                 is_wire_copy(b.doc, ()))  # fmt: skip
            matches = [m for m in reuse_matches(a, b, weights, pair_frequency, p,
                                                usable_a=usable_a, usable_b=usable_b,
                                                text_share=pair_share)
                       if m.kind != "boilerplate"]  # fmt: skip
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
