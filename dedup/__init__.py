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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dedup.core.errors import DedupError, InputError, ParamError
    from dedup.core.params import ScanParams
    from dedup.core.records import (
        CorpusScore,
        Document,
        DocumentScore,
        Family,
        Match,
        PairScore,
        ScanResult,
        SourceScore,
    )
    from dedup.engines.pipeline import scan
    from dedup.io.load import LoadReport, load
    from dedup.workflows.dedupe import DedupeResult, dedupe
    from dedup.workflows.index import Index
    from dedup.workflows.index_query import QueryResult
    from dedup.workflows.overlap import OverlapResult, overlap

__version__ = "0.1.0"

# Each name is imported from its module when first used, so that importing dedup (and
# starting the command line) does not load numpy, scikit-learn and the numba kernels.
_NAMES = {
    "core.errors": ("DedupError", "InputError", "ParamError"),
    "core.params": ("ScanParams",),
    "core.records": ("CorpusScore", "Document", "DocumentScore", "Family", "Match", "PairScore",
                     "ScanResult", "SourceScore"),
    "io.load": ("LoadReport", "load"),
    "engines.pipeline": ("scan",),
    "workflows.index": ("Index",),
    "workflows.index_query": ("QueryResult",),
    "workflows.overlap": ("OverlapResult", "overlap"),
    "workflows.dedupe": ("DedupeResult", "dedupe"),
}  # fmt: skip
_HOME = {name: module for module, names in _NAMES.items() for name in names}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dedup.{home}"), name)
    globals()[name] = value
    return value


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
