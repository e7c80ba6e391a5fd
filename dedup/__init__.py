"""dedup: find who copied what from whom, and how much.

Public API::

    docs = dedup.load(["articles/", "wires.jsonl"])   # Iterator[Document]
    result = dedup.scan(docs)                          # ScanResult
    result.pairs[0], result.matches_between("a", "b")

    with dedup.Index.open("news.db") as index:         # persistent index (SQLite or Redis)
        index.add(dedup.load(["day1/"]))
        hits = index.query(dedup.load(["new.txt"]))
    dedup.overlap(dedup.load(["ours/"]), dedup.load(["wires/"]))  # OverlapResult
    dedup.dedupe(dedup.load(["feed.jsonl"]))                      # DedupeResult
"""

from dedup.dedupe import DedupeResult, dedupe
from dedup.errors import DedupError, InputError, ParamError
from dedup.index import Index, QueryResult
from dedup.load import LoadReport, load
from dedup.overlap import OverlapResult, overlap
from dedup.params import ScanParams
from dedup.pipeline import scan
from dedup.records import (
    CorpusScore,
    Document,
    DocumentScore,
    Family,
    Match,
    PairScore,
    ScanResult,
    SourceScore,
)

__version__ = "0.1.0"

__all__ = [
    "CorpusScore",
    "DedupError",
    "DedupeResult",
    "Document",
    "DocumentScore",
    "Family",
    "Index",
    "InputError",
    "LoadReport",
    "Match",
    "OverlapResult",
    "PairScore",
    "ParamError",
    "QueryResult",
    "ScanParams",
    "ScanResult",
    "SourceScore",
    "__version__",
    "dedupe",
    "load",
    "overlap",
    "scan",
]
