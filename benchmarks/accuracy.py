"""Accuracy of ``dedup.scan`` on a labeled corpus, with the PAN text-alignment measures.

Usage::

    python benchmarks/accuracy.py [--docs 300] [--seed 0 [1 ...]] [--json FILE] [--examples 5]

With several seeds, one corpus a seed: each seed's target values on a line, then
their mean, least and greatest, and whether the mean meets each target (one corpus
of 300 documents holds some 60 cases a kind, so a single seed's figures move with
the draw of the corpus).

The corpus comes from :func:`labeled.make_corpus` (planted reuse at known
character offsets; see ``benchmarks/labeled.py``). Measures, after Potthast et
al. (2010), "An Evaluation Framework for Plagiarism Detection", micro-averaged:

- a *case* is a planted reuse ``s = (s_src, s_host)``, a *detection* a reported
  non-boilerplate match ``r`` between the same two documents; ``r`` detects ``s``
  when it overlaps ``s`` on both sides. Characters count on both sides: ``|s|`` is
  ``len(s_src) + len(s_host)``.
- recall = sum over cases of the characters of ``s`` covered by the detections of
  ``s``, over the sum of ``|s|``; precision = sum over detections of the characters
  of ``r`` inside the cases ``r`` detects, over the sum of ``|r|``;
- granularity = mean number of detections per detected case;
- plagdet = F1 / log2(1 + granularity).

Per kind, recall and granularity use the kind's cases and every detection;
precision uses the detections *attributed* to the kind: each detection goes to
the kind of the case it overlaps most. A detection that detects no case is a
false positive; its characters count in the ``all`` row only.

Also: the share of reported matched characters that lie in distractor documents
(documents in no planted reuse case), whether each planted footer was reported
as ``boilerplate`` and never as reuse, and document-pair precision and recall.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: the checkout's root holds this package and dedup
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dedup
from benchmarks.labeled import REUSE_KINDS, Planted, make_corpus
from dedup.alignment.floor import FLOOR_WORDS, SharedRun, shared_runs
from dedup.core.records import Document, Match, ScanResult

__all__ = ["TARGETS", "evaluate", "examples", "format_table", "main", "make_corpus", "targets"]

Span = tuple[int, int]

# The acceptance figures: (path into evaluate()'s dict, ">=" or "<=", bound).
TARGETS: tuple[tuple[str, str, float], ...] = (
    ("kinds.verbatim.recall", ">=", 0.99),
    ("kinds.verbatim.precision", ">=", 0.98),
    ("kinds.light.recall", ">=", 0.99),
    ("kinds.light.precision", ">=", 0.98),
    ("kinds.heavy.plagdet", ">=", 0.85),
    ("distractor.share", "<=", 0.02),
)


def _covered(spans: Iterable[Span], within: Span | None = None) -> int:
    """Characters covered by the union of ``spans`` (clipped to ``within``)."""
    clipped = sorted((max(s, within[0]), min(e, within[1])) if within else (s, e) for s, e in spans)
    total, end = 0, -1
    for s, e in clipped:
        if e <= s:
            continue
        if s > end:
            total += e - s
            end = e
        elif e > end:
            total += e - end
            end = e
    return total


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _oriented(m: Match, case: Planted) -> tuple[Span, Span]:
    """The match's spans as (source side, host side) of ``case``."""
    if m.a == case.src_id:
        return (m.a_start, m.a_end), (m.b_start, m.b_end)
    return (m.b_start, m.b_end), (m.a_start, m.a_end)


def _src(c: Planted) -> Span:
    return (c.src_start, c.src_end)


def _host(c: Planted) -> Span:
    return (c.host_start, c.host_end)


def _plagdet(precision: float, recall: float, granularity: float) -> float:
    if precision + recall == 0:
        return 0.0
    f1 = 2 * precision * recall / (precision + recall)
    return f1 / math.log2(1 + granularity)


def _detections(cases: Sequence[Planted], matches: Sequence[Match]) -> list[list[int]]:
    """For each match, the indices of the cases it detects (overlap on both sides)."""
    by_pair: dict[frozenset[str], list[int]] = defaultdict(list)
    for k, c in enumerate(cases):
        by_pair[frozenset((c.src_id, c.host_id))].append(k)
    out = []
    for m in matches:
        hits = []
        for k in by_pair.get(frozenset((m.a, m.b)), ()):
            ms, mh = _oriented(m, cases[k])
            if _overlap(ms, _src(cases[k])) and _overlap(mh, _host(cases[k])):
                hits.append(k)
        out.append(hits)
    return out


def _scores(
    cases: Sequence[Planted],
    matches: Sequence[Match],
    detects: list[list[int]],
    case_ids: list[int],
    match_ids: list[int],
) -> dict[str, float | int]:
    """PAN measures of the cases ``case_ids`` and the detections ``match_ids``."""
    detectors: dict[int, list[int]] = defaultdict(list)
    for j, hits in enumerate(detects):
        for k in hits:
            detectors[k].append(j)
    covered = total = 0
    detected = []
    for k in case_ids:
        c = cases[k]
        total += (c.src_end - c.src_start) + (c.host_end - c.host_start)
        sides = [_oriented(matches[j], c) for j in detectors[k]]
        covered += _covered((s for s, _ in sides), _src(c))
        covered += _covered((h for _, h in sides), _host(c))
        if detectors[k]:
            detected.append(len(detectors[k]))
    inside = size = 0
    for j in match_ids:
        m = matches[j]
        size += (m.a_end - m.a_start) + (m.b_end - m.b_start)
        on_a = [_src(cases[k]) if cases[k].src_id == m.a else _host(cases[k]) for k in detects[j]]
        on_b = [_host(cases[k]) if cases[k].src_id == m.a else _src(cases[k]) for k in detects[j]]
        inside += _covered(on_a, (m.a_start, m.a_end)) + _covered(on_b, (m.b_start, m.b_end))
    recall = covered / total if total else 0.0
    precision = inside / size if size else 0.0
    granularity = sum(detected) / len(detected) if detected else 1.0
    return {
        "cases": len(case_ids),
        "detected": len(detected),
        "detections": len(match_ids),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "granularity": round(granularity, 4),
        "plagdet": round(_plagdet(precision, recall, granularity), 4),
    }


def _attributed_kind(m: Match, hits: list[int], cases: Sequence[Planted]) -> str | None:
    """The kind of the case that ``m`` overlaps most (both sides summed)."""
    best: tuple[int, str] | None = None
    for k in hits:
        ms, mh = _oriented(m, cases[k])
        size = _overlap(ms, _src(cases[k])) + _overlap(mh, _host(cases[k]))
        if best is None or size > best[0]:
            best = (size, cases[k].kind)
    return best[1] if best else None


def evaluate(
    documents: Sequence[Document], planted: Sequence[Planted], result: ScanResult
) -> dict[str, Any]:
    """Compare a scan's matches with the planted cases.

    Parameters
    ----------
    documents : sequence of Document
        The scanned corpus.
    planted : sequence of Planted
        Its ground truth, as :func:`labeled.make_corpus` returns it.
    result : ScanResult
        What ``dedup.scan(documents)`` returned.

    Returns
    -------
    dict
        ``kinds``: per kind (and ``all``) cases, detected, detections, precision,
        recall, granularity, plagdet; ``false_positive``: matches and characters
        detecting no case; ``distractor``: matched characters in distractor
        documents and their share of all matched characters; ``boilerplate``:
        footers, reported as boilerplate, reported as reuse, accuracy; ``pairs``:
        document-pair precision and recall.
    """
    cases = [p for p in planted if p.kind in REUSE_KINDS]
    reuse = [m for m in result.matches if m.kind != "boilerplate"]
    detects = _detections(cases, reuse)
    kinds: dict[str, Any] = {}
    attributed = [_attributed_kind(m, hits, cases) for m, hits in zip(reuse, detects, strict=True)]
    for kind in REUSE_KINDS:
        case_ids = [k for k, c in enumerate(cases) if c.kind == kind]
        match_ids = [j for j, a in enumerate(attributed) if a == kind]
        kinds[kind] = _scores(cases, reuse, detects, case_ids, match_ids)
    kinds["all"] = _scores(cases, reuse, detects, list(range(len(cases))), list(range(len(reuse))))
    fp = [m for m, hits in zip(reuse, detects, strict=True) if not hits]
    return {
        "kinds": kinds,
        "false_positive": {
            "matches": len(fp),
            "chars": sum((m.a_end - m.a_start) + (m.b_end - m.b_start) for m in fp),
        },
        "distractor": _distractor_share(documents, cases, reuse),
        "boilerplate": _boilerplate(planted, result),
        "pairs": _pairs(cases, reuse),
        "reported_kinds": _reported_kinds(reuse, attributed),
    }


def _doc_spans(matches: Iterable[Match | SharedRun]) -> dict[str, list[Span]]:
    spans: dict[str, list[Span]] = defaultdict(list)
    for m in matches:
        spans[m.a].append((m.a_start, m.a_end))
        spans[m.b].append((m.b_start, m.b_end))
    return spans


def _distractor_share(
    documents: Sequence[Document], cases: Sequence[Planted], reuse: Sequence[Match]
) -> dict[str, Any]:
    in_cases = {c.src_id for c in cases} | {c.host_id for c in cases}
    distractors = {d.id for d in documents} - in_cases
    covered = {d: _covered(s) for d, s in _doc_spans(reuse).items()}
    total = sum(covered.values())
    in_distractors = sum(n for d, n in covered.items() if d in distractors)
    # Runs of identical words that the grammar happened to give two documents: the
    # verbatim floor reports them, so their characters are counted apart.
    runs = _doc_spans(shared_runs(documents))
    reported = _doc_spans(reuse)
    in_runs = sum(_covered(reported[d]) + _covered(runs[d]) - _covered(reported[d] + runs[d])
                  for d in distractors)  # characters both cover
    return {
        "documents": len(distractors),
        "matched_chars": total,
        "distractor_chars": in_distractors,
        "share": round(in_distractors / total, 4) if total else 0.0,
        "chars_in_shared_runs": in_runs,
        "share_outside_shared_runs": round(max(in_distractors - in_runs, 0) / total, 4)
        if total else 0.0,
    }


def _boilerplate(planted: Sequence[Planted], result: ScanResult) -> dict[str, Any]:
    """Per planted footer: covered (>= half) by its document's boilerplate lines or by
    boilerplate matches, touched by reuse matches."""
    footers = {(p.src_id, _src(p)) for p in planted if p.kind == "boilerplate"}
    footers |= {(p.host_id, _host(p)) for p in planted if p.kind == "boilerplate"}
    boiler = _doc_spans(m for m in result.matches if m.kind == "boilerplate")
    for score in result.document_scores:
        boiler[score.id].extend((b.start, b.end) for b in score.boilerplate)
    reuse = _doc_spans(m for m in result.matches if m.kind != "boilerplate")
    as_boiler = as_reuse = correct = 0
    for doc, span in footers:
        is_boiler = 2 * _covered(boiler.get(doc, []), span) >= span[1] - span[0]
        is_reuse = _covered(reuse.get(doc, []), span) > 0
        as_boiler += is_boiler
        as_reuse += is_reuse
        correct += is_boiler and not is_reuse
    n = len(footers)
    return {
        "footers": n,
        "as_boilerplate": as_boiler,
        "as_reuse": as_reuse,
        "accuracy": round(correct / n, 4) if n else 1.0,
    }


def _pairs(cases: Sequence[Planted], reuse: Sequence[Match]) -> dict[str, Any]:
    truth = {frozenset((c.src_id, c.host_id)) for c in cases}
    reported = {frozenset((m.a, m.b)) for m in reuse}
    hit = len(truth & reported)
    return {
        "planted": len(truth),
        "reported": len(reported),
        "correct": hit,
        "precision": round(hit / len(reported), 4) if reported else 0.0,
        "recall": round(hit / len(truth), 4) if truth else 0.0,
    }


def _reported_kinds(reuse: Sequence[Match], attributed: list[str | None]) -> dict[str, Any]:
    """Confusion of planted kind (attributed) against the kind the detector reported."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m, a in zip(reuse, attributed, strict=True):
        table[a or "none"][m.kind] += 1
    return {k: dict(sorted(v.items())) for k, v in sorted(table.items())}


def targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each of :data:`TARGETS` with the value measured and whether it is met."""
    out = {}
    for path, op, bound in TARGETS:
        value: Any = figures
        for key in path.split("."):
            value = value[key]
        met = value >= bound if op == ">=" else value <= bound
        out[path] = {"value": value, "target": f"{op} {bound}", "met": bool(met)}
    return out


# --------------------------------------------------------------------------- errors


def examples(
    documents: Sequence[Document], planted: Sequence[Planted], result: ScanResult, limit: int = 5
) -> list[str]:
    """Text of the worst-recalled cases per kind and of false-positive matches."""
    text = {d.id: d.text for d in documents}
    cases = [p for p in planted if p.kind in REUSE_KINDS]
    reuse = [m for m in result.matches if m.kind != "boilerplate"]
    detects = _detections(cases, reuse)
    detectors: dict[int, list[int]] = defaultdict(list)
    for j, hits in enumerate(detects):
        for k in hits:
            detectors[k].append(j)
    out = []
    for kind in REUSE_KINDS:
        missed = []
        for k, c in enumerate(cases):
            if c.kind != kind:
                continue
            sides = [_oriented(reuse[j], c) for j in detectors[k]]
            got = _covered((s for s, _ in sides), _src(c)) + _covered(
                (h for _, h in sides), _host(c)
            )
            size = (c.src_end - c.src_start) + (c.host_end - c.host_start)
            if got < size:
                missed.append((got / size, k))
        for share, k in sorted(missed)[:limit]:
            c = cases[k]
            found = [
                f"{reuse[j].kind} {text[c.src_id][slice(*_oriented(reuse[j], c)[0])]!r}"
                for j in detectors[k]
            ]
            out.append(
                f"MISSED {kind} {c.src_id}->{c.host_id} recall {share:.2f}\n"
                f"  src:  {text[c.src_id][c.src_start : c.src_end]!r}\n"
                f"  host: {text[c.host_id][c.host_start : c.host_end]!r}\n"
                f"  found (src side): {found}"
            )
    fp = [m for m, hits in zip(reuse, detects, strict=True) if not hits]
    for m in sorted(fp, key=lambda m: -(m.a_end - m.a_start))[:limit]:
        out.append(
            f"FALSE {m.kind} {m.a}<->{m.b} score {m.score}\n"
            f"  a: {text[m.a][m.a_start : m.a_end]!r}\n"
            f"  b: {text[m.b][m.b_start : m.b_end]!r}"
        )
    return out


# --------------------------------------------------------------------------- script


def format_table(figures: dict[str, Any]) -> str:
    """The figures of :func:`evaluate` as a plain-text table."""
    lines = [
        f"{'kind':<10}{'cases':>7}{'found':>7}{'dets':>6}{'precision':>11}{'recall':>8}"
        f"{'granul.':>9}{'plagdet':>9}"
    ]
    for kind, s in figures["kinds"].items():
        lines.append(
            f"{kind:<10}{s['cases']:>7}{s['detected']:>7}{s['detections']:>6}"
            f"{s['precision']:>11.4f}{s['recall']:>8.4f}{s['granularity']:>9.4f}"
            f"{s['plagdet']:>9.4f}"
        )
    fp, dis, bp, pr = (figures[k] for k in ("false_positive", "distractor", "boilerplate", "pairs"))
    lines += [
        "",
        f"false-positive matches: {fp['matches']} ({fp['chars']} chars, both sides)",
        f"distractor share of matched chars: {dis['share']:.4f} "
        f"({dis['distractor_chars']} of {dis['matched_chars']}, {dis['documents']} distractors); "
        f"{dis['chars_in_shared_runs']} of them in runs of {FLOOR_WORDS}+ identical words that "
        f"two documents share (the verbatim floor reports them), "
        f"{dis['share_outside_shared_runs']:.4f} outside them",
        f"boilerplate footers: {bp['footers']}, reported as boilerplate {bp['as_boilerplate']}, "
        f"as reuse {bp['as_reuse']}, accuracy {bp['accuracy']:.4f}",
        f"document pairs: planted {pr['planted']}, reported {pr['reported']}, "
        f"precision {pr['precision']:.4f}, recall {pr['recall']:.4f}",
        "reported kind by planted kind: "
        + "; ".join(f"{k}: {dict(v)}" for k, v in figures["reported_kinds"].items()),
        "targets: "
        + "; ".join(
            f"{path} {t['value']:.4f} {t['target']} {'met' if t['met'] else 'MISSED'}"
            for path, t in targets(figures).items()
        ),
    ]
    return "\n".join(lines)


def run(docs: int, seed: int) -> tuple[list[Document], list[Planted], ScanResult,
                                        dict[str, Any]]:  # fmt: skip
    """Generate one corpus, scan it and measure: documents, planted cases, result, figures."""
    t0 = time.perf_counter()
    documents, planted = make_corpus(docs, seed)
    t1 = time.perf_counter()
    result = dedup.scan(documents)
    t2 = time.perf_counter()
    figures = evaluate(documents, planted, result)
    figures["targets"] = targets(figures)
    figures["corpus"] = {
        "documents": len(documents),
        "chars": sum(len(d.text) for d in documents),
        "seed": seed,
        "cases": {k: sum(p.kind == k for p in planted) for k in (*REUSE_KINDS, "boilerplate")},
        "generate_seconds": round(t1 - t0, 2),
        "scan_seconds": round(t2 - t1, 2),
    }
    return documents, planted, result, figures


def format_seeds(runs: Sequence[dict[str, Any]]) -> str:
    """Each seed's target values, then their mean, least and greatest."""
    paths = [path for path, _, _ in TARGETS]
    width = max(len(p) for p in paths)
    lines = [f"{'target':<{width}}  " + " ".join(f"{r['corpus']['seed']:>7}" for r in runs)
             + "     mean   least  greatest  mean meets"]  # fmt: skip
    for path, op, bound in TARGETS:
        values = [r["targets"][path]["value"] for r in runs]
        mean = sum(values) / len(values)
        met = mean >= bound if op == ">=" else mean <= bound
        lines.append(f"{path:<{width}}  " + " ".join(f"{v:>7.4f}" for v in values)
                     + f"  {mean:>7.4f} {min(values):>7.4f} {max(values):>9.4f}  "
                     f"{op} {bound} {'met' if met else 'MISSED'}")  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the corpus, scan it, print the table (and write JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="documents (default 300)")
    parser.add_argument("--seed", type=int, nargs="+", default=[0],
                        help="corpus seed, or several: one corpus each (default 0)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--examples",
        type=int,
        default=0,
        metavar="K",
        help="print K missed cases per kind and K false positives",
    )
    args = parser.parse_args(argv)
    runs = []
    for seed in args.seed:
        documents, planted, result, figures = run(args.docs, seed)
        runs.append(figures)
        c = figures["corpus"]
        print(
            f"corpus: {c['documents']} documents, {c['chars']} chars, seed {c['seed']}; "
            f"generated in {c['generate_seconds']} s, scanned in {c['scan_seconds']} s"
        )
        if len(args.seed) == 1:
            print(format_table(figures))
        for text in examples(documents, planted, result, args.examples) if args.examples else []:
            print()
            print(text)
    if len(runs) > 1:
        print(format_seeds(runs))
    if args.json:
        out = runs[0] if len(runs) == 1 else {"seeds": runs}
        args.json.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
