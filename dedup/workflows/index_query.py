"""A query against the persistent index: its answer records, and the corpus tables a
query computes from the index as a scan computes them over its corpus (chrome lines,
IDF weights, stock-phrase counts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from dedup.analysis.analyze import DocAnalysis, Weights
from dedup.analysis.fingerprints import Frequency, document_frequency
from dedup.candidates.boilerplate import footer_lines, held_chrome, share_more
from dedup.candidates.feature_table import FeatureWeights, scaled_idf
from dedup.candidates.features import usable_passages
from dedup.core.arrays import unique_sorted
from dedup.core.dates import PublishedDate, order
from dedup.core.params import ScanParams
from dedup.core.records import Document, Match
from dedup.workflows.index_store import Entry, Store


@dataclass(frozen=True, slots=True)
class Hit:
    """An indexed document that a queried document reuses.

    ``reused_chars`` counts the queried document's characters covered by
    ``matches`` (``a`` is the queried document, ``b`` this indexed one), its reuse:
    boilerplate the two share (a stock phrase, chrome) is no reuse and not listed;
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


def local_frequency(a: DocAnalysis, analyses: dict[str, DocAnalysis]) -> Frequency:
    """How many of the queried document and its candidates hold each fingerprint: the
    index keeps no corpus-wide fingerprint counts, so a phrase is a stock phrase when
    ``run_max_docs`` of the documents a query aligns hold it, where a scan counts all."""
    found = [a, *analyses.values()]
    doc = np.concatenate([np.full(len(x.fingerprint_hashes), k, np.int64)
                          for k, x in enumerate(found)])  # fmt: skip
    return document_frequency(doc, np.concatenate([x.fingerprint_hashes for x in found]))


def dated(result: QueryResult, date: PublishedDate | None,
          indexed: Mapping[str, PublishedDate]) -> QueryResult:  # fmt: skip
    """``result`` with each hit marked earlier, later or same as the queried document
    (``date``), by the hits' parsed dates ``indexed``."""
    words: dict[int, Literal["earlier", "later", "same"]] = {-1: "earlier", 0: "same",
                                                            1: "later"}  # fmt: skip
    hits = []
    for h in result.hits:
        when = order(indexed.get(h.id), date)
        hits.append(replace(h, when=words[when]) if when is not None else h)
    return replace(result, hits=tuple(hits))


def usable_passages_of(store: Store, p: ScanParams, doc: Document, a: DocAnalysis,
                       analyses: dict[str, DocAnalysis]
                       ) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # fmt: skip
    """Passages that are not chrome, of ``doc`` (analysis ``a``) and of each candidate.

    Chrome is judged on the index in ``store`` plus ``doc`` (which stands in for
    an indexed document of the same id), by the scan's rule
    (:func:`dedup.candidates.boilerplate.held_chrome`).
    """
    hashes = sorted({int(h) for x in (a, *analyses.values()) for h in x.line_hashes})
    holders = {h: dict(v) for h, v in store.line_docs(hashes).items()}
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

def query_weights(store: Store, entry: Entry, analyses: dict[str, DocAnalysis],
                  indexed: bool) -> Weights:  # fmt: skip
    """IDF weights in [0, 1] from the passage counts in ``store`` plus the queried
    document's (``entry``; already counted when ``indexed``), computed as a scan
    computes them (:func:`dedup.candidates.feature_table.scaled_idf`)."""
    tables = [an.feature_table(np.arange(an.n_passages))[1] for an in analyses.values()]
    own = np.array(sorted(entry.features), dtype=np.uint64)
    feats = unique_sorted(np.concatenate([*tables, own]))
    stored = store.feature_counts(feats.tolist())
    counts = np.array([stored.get(f, 0) for f in feats.tolist()], dtype=np.int64)
    n = int(store.meta().get("passages", "0"))
    if not indexed:  # else its passages are counted already
        n += entry.passages
        counts += np.array([entry.features.get(f, 0) for f in feats.tolist()], dtype=np.int64)
    seen = counts > 0
    return FeatureWeights(feats[seen], scaled_idf(counts[seen], n))
