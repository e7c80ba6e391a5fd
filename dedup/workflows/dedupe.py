"""Near-duplicate removal: cluster near-copies, keep one document per cluster.

Stage: documents -> :class:`DedupeResult` (what is kept, what is dropped and
why) -> the kept documents written in the format they were read from.

Which pairs are near-duplicates. Each document's set of word shingles
(``shingle_words`` normalized words) is compared with another's by

- Jaccard: shared shingles / all shingles of the two, at least ``threshold``; or
- containment: shared shingles / shingles of the smaller, at least
  ``containment`` (a story cut short, or one embedded in a longer page).

Candidates come from LSH over the documents' MinHash signatures, run 0.15 below
``threshold`` so that pairs just above it are not lost on the S-curve, and from
documents that share an identical sentence of ``shingle_words`` words or more
(containment pairs, whose Jaccard can be low). Each candidate is then decided
on its exact shingle sets, so the result does not depend on MinHash noise.

Clusters are the connected components of near-duplicate pairs. The document
kept is, in this order: the earliest by parsed date (:mod:`dedup.core.dates`; documents
without a date, or with one not understood, come after dated ones; a calendar day ties
with the times of that day), then the longest text, then the smallest id. Every other
member is dropped, naming the document it duplicates (the kept one, or the member
through which it joined the cluster) and the figure.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dedup.analysis.analyze import analyze
from dedup.analysis.shingle import shingles
from dedup.candidates.lsh import band_keys, band_layout, candidate_pairs
from dedup.candidates.minhash import NEAR_DUPLICATE_JACCARD, signatures
from dedup.core.arrays import unique_sorted
from dedup.core.dates import PublishedDate, earliest, parse_dates
from dedup.core.errors import DedupError, ParamError
from dedup.core.pairs import components
from dedup.core.params import ScanParams
from dedup.core.progress import Progress, silent
from dedup.core.records import Document
from dedup.core.workers import default_workers, ordered_map
from dedup.io.load_files import COMPRESSED, STDIN, split_compression
from dedup.io.load_formats import csv_delimiter, csv_rows
from dedup.io.load_records import check_unique
from dedup.io.outputs import OutputFiles

_LSH_SLACK = 0.15  # LSH runs this far below the Jaccard threshold; exact sets decide
_CHUNK = 64  # documents a worker analyses at a time


@dataclass(frozen=True, slots=True)
class Dropped:
    """A dropped document: the one it duplicates (``via``), and the cluster's kept one.

    ``jaccard`` and ``containment`` are between this document and ``via``;
    ``containment`` is the share of the smaller document's shingles in the other.
    """

    id: str
    kept: str
    via: str
    cluster: int
    jaccard: float
    containment: float
    reason: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """Near-duplicates; ``members`` sorted by id, ``kept`` chosen by the module's rule."""

    id: int
    kept: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DedupeResult:
    """``kept`` in input order; ``dropped`` by id; clusters numbered from 1 by kept id."""

    documents: int
    kept: tuple[str, ...]
    dropped: tuple[Dropped, ...]
    clusters: tuple[Cluster, ...]
    threshold: float
    containment: float


def _check_share(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ParamError(
            f"The {name!r} parameter must be a float in (0, 1]. Got {value!r} instead."
        )


def dedupe(documents: Iterable[Document], *, threshold: float = NEAR_DUPLICATE_JACCARD,
           containment: float = 0.9,
           params: ScanParams | None = None, workers: int | None = None,
           progress: Progress | None = None, dayfirst: bool = False) -> DedupeResult:  # fmt: skip
    """Cluster near-duplicate documents and choose the one to keep in each.

    Parameters
    ----------
    documents : iterable of Document
        Ids must be unique.
    threshold : float
        Jaccard of word-shingle sets from which two documents are near-duplicates.
    containment : float
        Share of the smaller document's shingles found in the other from which
        they are near-duplicates.
    params : ScanParams, optional
        ``shingle_words``, ``num_perm``, ``seed`` and ``max_bucket`` are used.
    workers : int, optional
        Processes analysing the documents (default: all cores); the result does not
        depend on it. Only each document's shingle set and sentence keys are kept.
    progress : callable, optional
        ``progress(stage, done, total)`` as for :func:`dedup.scan` (stage ``analyze``).
    dayfirst : bool
        Read numeric dates day first when choosing the earliest (:mod:`dedup.core.dates`).

    Returns
    -------
    DedupeResult
    """
    _check_share("threshold", threshold)
    _check_share("containment", containment)
    p = params or ScanParams()
    report = progress or silent
    docs = list(documents)
    check_unique(docs)
    report("analyze", 0, len(docs))
    features = ordered_map(lambda d: _features(d, p), docs,
                           workers=default_workers() if workers is None else workers,
                           chunk_size=_CHUNK,
                           done=lambda n: report("analyze", n, len(docs)))  # fmt: skip
    sets = [s for s, _ in features]
    candidates = _lsh_pairs(sets, threshold, p) | _shared_sentence_pairs(
        [k for _, k in features], p)
    del features
    edges: Edges = {}
    for i, j in sorted(candidates):
        shared = len(np.intersect1d(sets[i], sets[j], assume_unique=True))
        jac = shared / max(len(sets[i]) + len(sets[j]) - shared, 1)
        cont = shared / max(min(len(sets[i]), len(sets[j])), 1)
        if shared and (jac >= threshold or cont >= containment):
            edges[(i, j)] = (round(jac, 6), round(cont, 6))
    sizes = [len(s) for s in sets]
    dates = parse_dates(docs, dayfirst=dayfirst)
    clusters, dropped = _clusters(docs, sizes, edges, threshold, containment, dates)
    gone = {d.id for d in dropped}
    return DedupeResult(len(docs), tuple(d.id for d in docs if d.id not in gone), tuple(dropped),
                        tuple(clusters), threshold, containment)  # fmt: skip


def _features(doc: Document, p: ScanParams) -> tuple[np.ndarray, np.ndarray]:
    """A document's shingle set (sorted uint64) and the keys of its passages of
    ``shingle_words`` words or more (the hash of the passage's whole word sequence)."""
    a = analyze(doc)
    keys = [shingles(a.tokens.hashes[lo:hi], int(hi - lo))[0]
            for lo, hi in zip(a.passage_tok_lo, a.passage_tok_hi, strict=True)
            if hi - lo >= p.shingle_words]  # fmt: skip
    return unique_sorted(shingles(a.tokens.hashes, p.shingle_words)), np.array(keys, np.uint64)


def _lsh_pairs(sets: list[np.ndarray], threshold: float, p: ScanParams) -> set[tuple[int, int]]:
    if len(sets) < 2:
        return set()
    sigs = signatures(sets, num_perm=p.num_perm, seed=p.seed)
    layout = band_layout(max(threshold - _LSH_SLACK, 0.05), p.num_perm)
    pairs, _ = candidate_pairs(band_keys(sigs, *layout), max_bucket=p.max_bucket)
    empty = {i for i, s in enumerate(sets) if not len(s)}
    return {(int(i), int(j)) for i, j in pairs if i not in empty and j not in empty}


def _shared_sentence_pairs(keys: list[np.ndarray], p: ScanParams) -> set[tuple[int, int]]:
    """Documents sharing a passage of ``shingle_words`` words or more, word for word
    (``keys[d]``: document ``d``'s passage keys)."""
    owner = np.repeat(np.arange(len(keys)), [len(k) for k in keys])
    if not len(owner):
        return set()
    rows, _ = candidate_pairs(np.concatenate(keys)[:, None], max_bucket=p.max_bucket,
                              groups=owner)  # fmt: skip
    docs = owner[rows]
    return {(int(min(i, j)), int(max(i, j))) for i, j in docs}


Edges = dict[tuple[int, int], tuple[float, float]]  # (i, j), i < j -> (Jaccard, containment)


def _clusters(docs: Sequence[Document], sizes: list[int], edges: Edges, threshold: float,
              containment: float, dates: Mapping[str, PublishedDate]
              ) -> tuple[list[Cluster], list[Dropped]]:  # fmt: skip
    neighbours: dict[int, list[int]] = {}
    for i, j in edges:
        neighbours.setdefault(i, []).append(j)
        neighbours.setdefault(j, []).append(i)
    ij = np.array(list(edges), dtype=np.int64).reshape(-1, 2)
    groups = [set(g) for g in components(ij[:, 0], ij[:, 1], len(docs)) if len(g) > 1]
    keepers = [(_keeper(docs, sorted(g), dates), g) for g in groups]
    keepers.sort(key=lambda kg: docs[kg[0]].id)
    clusters, dropped = [], []
    for number, (keep, group) in enumerate(keepers, start=1):
        clusters.append(Cluster(number, docs[keep].id, tuple(sorted(docs[i].id for i in group))))
        for i, via in _tree(keep, neighbours).items():
            jac, cont = edges[(min(i, via), max(i, via))]
            if jac >= threshold:
                why = f"near-duplicate of {docs[via].id}: Jaccard {jac:.2f} >= {threshold:g}"
            else:
                rel = "contained in" if sizes[i] <= sizes[via] else "contains"
                why = f"{rel} {docs[via].id}: containment {cont:.2f} >= {containment:g}"
            dropped.append(Dropped(docs[i].id, docs[keep].id, docs[via].id, number, jac, cont, why))
    return clusters, sorted(dropped, key=lambda d: d.id)


def _keeper(docs: Sequence[Document], group: list[int], dates: Mapping[str, PublishedDate]
            ) -> int:  # fmt: skip
    """The member to keep: of the earliest (all, when none is dated), the longest, then the
    smallest id."""
    first = set(earliest([docs[i].id for i in group], dates))
    return min((i for i in group if not first or docs[i].id in first),
               key=lambda i: (-len(docs[i].text), docs[i].id))  # fmt: skip


def _tree(root: int, neighbours: dict[int, list[int]]) -> dict[int, int]:
    """Breadth-first parents from the kept document: each member joins through its parent."""
    parent, queue = {root: root}, deque([root])
    while queue:
        x = queue.popleft()
        for n in sorted(neighbours[x]):
            if n not in parent:
                parent[n] = x
                queue.append(n)
    del parent[root]
    return parent


def write_kept(documents: Sequence[Document], result: DedupeResult, source: Path, out: Path, *,
               encoding: str = "utf-8", id_field: str = "id",
               text_field: str = "text") -> list[Path]:  # fmt: skip
    """Write the kept documents, as read from ``source``, to ``out`` in their input format.

    ``source`` a file: ``out`` is a file of the same format. ``source`` a folder:
    ``out`` is a folder with the same relative paths. A text file is copied when
    its document is kept; a JSONL, CSV or Parquet file is written with its kept
    records only, copied byte for byte (JSONL lines, CSV records with the header),
    so fields dedup does not read pass through; one whose records are all dropped
    is written empty (CSV: its header); a compressed file is written compressed the
    same way. ``encoding`` and the field names are those
    the documents were read with (they tell a CSV file's delimiter). The files go
    to temporary names renamed into place once all are written: all or none.

    Returns
    -------
    list of Path
        The files written, sorted.
    """
    with OutputFiles() as files:
        written = stage_kept(documents, result, source, out, files, encoding=encoding,
                             id_field=id_field, text_field=text_field)  # fmt: skip
        files.commit()
    return written


def stage_kept(documents: Sequence[Document], result: DedupeResult, source: Path, out: Path,
               files: OutputFiles, *, encoding: str = "utf-8", id_field: str = "id",
               text_field: str = "text") -> list[Path]:  # fmt: skip
    """:func:`write_kept`, staged in ``files`` (written when ``files`` is committed, with
    the run's other outputs). Returns the targets, sorted."""
    keep = set(result.kept)
    by_file: dict[Path, dict[int | None, bool]] = {}
    for d in documents:
        path, record = _locate(d.origin)
        by_file.setdefault(path, {})[record] = d.id in keep
    if STDIN in by_file:
        raise DedupError(f"{STDIN}: records read from standard input cannot be written back; "
                         "save them to a file and dedupe that, or use --dry-run")  # fmt: skip
    written = []
    for path, records in sorted(by_file.items()):
        target = out / path.relative_to(source) if source.is_dir() else out
        kept = {r for r, k in records.items() if k}
        name = path.name.lower()
        if None in records:  # a text file: one document
            if kept:
                files.write_bytes(target, path.read_bytes())
                written.append(target)
            continue
        inner, compression = split_compression(name)
        if inner.endswith((".jsonl", ".ndjson")):
            files.write_bytes(target, _kept_jsonl(path, kept, compression))
        elif inner.endswith((".csv", ".tsv")):
            files.write_bytes(target, _kept_csv(path, kept, compression, encoding,
                                                (id_field, text_field)))  # fmt: skip
        elif name.endswith(".parquet"):
            _write_parquet(path, files.staged(target), kept)
        else:
            raise DedupError(f"{path}: cannot write records of this file type back")
        written.append(target)
    return sorted(written)


def _locate(origin: str) -> tuple[Path, int | None]:
    """File and record number of ``path:line`` (JSONL, CSV) or ``path#row`` (Parquet)."""
    for sep in (":", "#"):
        path, found, number = origin.rpartition(sep)
        if found and number.isdigit() and not Path(origin).exists():
            return Path(path), int(number)
    return Path(origin), None


def _unpacked(path: Path, compression: str) -> bytes:
    data = path.read_bytes()
    return bytes(COMPRESSED[compression].decompress(data)) if compression else data


def _packed(data: bytes, compression: str) -> bytes:
    if compression == ".gz":
        return gzip.compress(data, mtime=0)  # no timestamp: the same bytes every run
    return bytes(COMPRESSED[compression].compress(data)) if compression else data


def _kept_jsonl(path: Path, kept: set[int | None], compression: str) -> bytes:
    data = _unpacked(path, compression)
    pieces = data.split(b"\n")  # lines end at b"\n" only, as the loader reads them
    lines = [x + b"\n" for x in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
    body = b"".join(line for n, line in enumerate(lines, start=1) if n in kept)
    if body and not body.endswith(b"\n"):
        body += b"\n"
    return _packed(body, compression)


def _kept_csv(path: Path, kept: set[int | None], compression: str, encoding: str,
              fields: tuple[str, str]) -> bytes:  # fmt: skip
    raw = _unpacked(path, compression)
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    text = raw[len(bom) :].decode(encoding)
    lines = list(io.StringIO(text, newline=""))
    delimiter = csv_delimiter(lines[0] if lines else "", *fields)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = csv_rows(reader)
    next(rows, None)
    parts = lines[: reader.line_num]  # the header
    start = reader.line_num + 1
    for _ in rows:
        if start in kept:
            parts.extend(lines[start - 1 : reader.line_num])
        start = reader.line_num + 1
    body = "".join(parts)
    if body and not body.endswith(("\n", "\r")):
        body += "\r\n" if "\r\n" in text else "\n"
    return _packed(bom + body.encode(encoding), compression)


def _write_parquet(path: Path, staged: Path, kept: set[int | None]) -> None:
    import pyarrow.parquet as pq  # the loader needed pyarrow to read this file

    table = pq.read_table(path)
    rows = sorted(r - 1 for r in kept if r is not None)
    pq.write_table(table.take(rows), staged)
