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
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dedup.dedupe import DedupeResult, dedupe
    from dedup.errors import DedupError, InputError, ParamError
    from dedup.index import Index
    from dedup.index_query import QueryResult
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

# Each name is imported from its module when first used, so that importing dedup (and
# starting the command line) does not load numpy, scikit-learn and the numba kernels.
_HOME = {
    "DedupeResult": "dedupe", "dedupe": "dedupe", "DedupError": "errors", "InputError": "errors",
    "ParamError": "errors", "Index": "index", "QueryResult": "index_query", "LoadReport": "load",
    "load": "load", "OverlapResult": "overlap", "overlap": "overlap", "ScanParams": "params",
    "scan": "pipeline", "CorpusScore": "records", "Document": "records",
    "DocumentScore": "records", "Family": "records", "Match": "records",
    "PairScore": "records", "ScanResult": "records", "SourceScore": "records",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dedup.{home}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package, whose functions ``load``, ``overlap`` and ``dedupe`` keep their names
    when their modules of the same name are imported (the import system would otherwise
    set ``dedup.load`` to the module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _HOME.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
