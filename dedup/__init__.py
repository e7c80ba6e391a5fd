"""dedup: find who copied what from whom, and how much.

Public API::

    docs = dedup.load(["articles/", "wires.jsonl"])   # Iterator[Document]
    result = dedup.scan(docs)                          # ScanResult
    result.pairs[0], result.matches_between("a", "b")
"""

from dedup.errors import DedupError, InputError, ParamError
from dedup.load import LoadReport, load
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
    "Document",
    "DocumentScore",
    "Family",
    "InputError",
    "LoadReport",
    "Match",
    "PairScore",
    "ParamError",
    "ScanParams",
    "ScanResult",
    "SourceScore",
    "__version__",
    "load",
    "scan",
]
