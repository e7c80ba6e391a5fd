"""dedup against word 3-gram containment on real agency copy and the stories made from it.

Usage::

    python benchmarks/real_news.py --corpus ../shared/corpora/counter-dev/counter-dev.jsonl
        [--set name=value ...] [--language CODE] [--json FILE]

The corpus is JSON lines as in COUNTER (Sharjeel, Nawab & Rayson, 2017): agency
stories (``role`` "agency") and newspaper stories (``role`` "newspaper") labeled
against one agency story (``agency_id``) as WD (wholly derived), PD (partially
derived) or ND (written independently). It is read by path and never copied.

Stories are split in two halves by a hash of their agency story's id: ``tune``, on
which thresholds may be chosen, and ``check``, which no search sees. For each half
and for all, for dedup and for the baseline (containment of the newspaper story's
word 3-grams in the agency story's, on dedup's normalized tokens):

- ``auc``: ROC AUC of the pair's score, derived (WD, PD) against ND; a pair dedup
  does not report scores 0;
- ``recall_WD``, ``recall_PD``, ``flagged_ND``: the share of labeled pairs the
  method itself calls reuse (dedup: a match that is not boilerplate; baseline:
  containment at or above the threshold that maximises Youden's J on ``tune``); and
  dedup's pair score read as a decision (``dedup score``): the pair score at or above
  the lowest threshold that flags at most 10% of the ND stories of ``tune``;
- ``false_pairs``: pairs across different stories called reuse (dedup: any two
  documents; baseline and dedup's score: newspaper against agency stories);
- ``spearman``: rank correlation of the score with ND < PD < WD, and the mean score
  of each label;
- ``floor``: the share of runs of 12 or more identical words shared by two
  documents that a match covers (dedup only);
- the ND stories that credit their agency story's source (``credits``: "(APP)" in
  its dateline), which are in part its copy whatever the label, and the share of the
  other ND stories that dedup flags;
- the AUC of other views of a pair that dedup reports beside its score;
- who took from whom in the derived pairs dedup reports, read without the ``role``
  field (with the records' dates, and without them): how many it reads as a copy,
  and how many of those from the agency story.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

_HERE = Path(__file__).resolve().parent
if str(_HERE.parent) not in sys.path:  # this checkout's dedup
    sys.path.insert(0, str(_HERE.parent))

import dedup  # noqa: E402
from dedup.alignment.floor import shared_runs, uncovered_runs  # noqa: E402
from dedup.analysis.analyze import analyze  # noqa: E402
from dedup.analysis.shingle import shingles  # noqa: E402
from dedup.core.credits import credits  # noqa: E402
from dedup.core.records import Document, ScanResult  # noqa: E402
from dedup.io.load import load  # noqa: E402

LABELS = ("WD", "PD", "ND")
ORDINAL = {"ND": 0, "PD": 1, "WD": 2}


def story(d: Document) -> str:
    """The agency story a document belongs to (its own id for an agency story)."""
    return str(d.extra.get("agency_id") or d.id)


def half(story_id: str) -> str:
    """``tune`` or ``check``, fixed by the story id."""
    return "tune" if zlib.crc32(story_id.encode()) % 2 == 0 else "check"


def labeled_pairs(docs: Sequence[Document]) -> list[tuple[str, str, str]]:
    """(newspaper id, agency id, label) of every labeled newspaper story."""
    ids = {d.id for d in docs}
    return [(d.id, str(d.extra["agency_id"]), str(d.extra["label"])) for d in docs
            if d.extra.get("role") == "newspaper" and d.extra.get("agency_id") in ids]  # fmt: skip


VIEWS = {
    "reuse containment": lambda p: (p.containment_ab + p.containment_ba) / 2,
    "text containment, larger text": lambda p: min(p.text_containment_ab,
                                                   p.text_containment_ba),
    "tfidf_cosine": lambda p: p.tfidf_cosine,
    "jaccard": lambda p: p.jaccard,
}


def view_aucs(rows: list[tuple[str, str, str]], result: ScanResult) -> dict[str, float]:
    """ROC AUC, derived against ND, of each view of :data:`VIEWS` (0 for a pair dedup
    does not report)."""
    pairs = {frozenset((p.a, p.b)): p for p in result.pairs}
    derived = np.array([lab != "ND" for *_, lab in rows])
    out = {}
    for name, view in VIEWS.items():
        found = [pairs.get(frozenset((n, a))) for n, a, _ in rows]
        values = np.array([view(p) if p is not None else 0.0 for p in found])
        out[name] = float(roc_auc_score(derived, values))
    return out


def dedup_scores(result: ScanResult) -> tuple[dict[frozenset[str], float], set[frozenset[str]]]:
    """Pair score of every reported pair, and the pairs with a non-boilerplate match."""
    scores = {frozenset((p.a, p.b)): p.score for p in result.pairs}
    reuse = {frozenset((m.a, m.b)) for m in result.matches if m.kind != "boilerplate"}
    return scores, reuse


def trigram_sets(docs: Sequence[Document]) -> dict[str, set[int]]:
    """Word 3-gram hashes of each document, on dedup's normalized tokens."""
    return {d.id: set(shingles(analyze(d).tokens.hashes, 3).tolist()) for d in docs}


def containment(x: set[int], y: set[int]) -> float:
    return len(x & y) / len(x) if x else 0.0


def youden_threshold(scores: np.ndarray, derived: np.ndarray) -> float:
    """The score threshold maximising recall of derived minus recall of ND."""
    best, at = -1.0, 1.0
    for t in np.unique(scores):
        j = float(np.mean(scores[derived] >= t) - np.mean(scores[~derived] >= t))
        if j > best:
            best, at = j, float(t)
    return at


def nd_share_threshold(scores: np.ndarray, derived: np.ndarray, share: float = 0.1) -> float:
    """The lowest score threshold at which at most ``share`` of the ND scores reach it."""
    nd = np.sort(scores[~derived])[::-1]
    allowed = int(np.floor(share * len(nd)))
    return float(np.nextafter(nd[allowed], np.inf)) if allowed < len(nd) else 0.0


def figures(rows: list[tuple[str, str, str]], score: dict[tuple[str, str], float],
            flagged: set[tuple[str, str]], false_pairs: int, floor: float | None
            ) -> dict[str, Any]:  # fmt: skip
    """The measures of one method on ``rows`` (newspaper, agency, label)."""
    labels = np.array([lab for _, _, lab in rows])
    s = np.array([score.get((n, a), 0.0) for n, a, _ in rows])
    derived = labels != "ND"
    out: dict[str, Any] = {"pairs": len(rows)}
    out["auc"] = float(roc_auc_score(derived, s)) if 0 < derived.sum() < len(rows) else None
    for lab in LABELS:
        mine = [(n, a) for n, a, x in rows if x == lab]
        share = sum((n, a) in flagged for n, a in mine) / max(len(mine), 1)
        out["flagged_ND" if lab == "ND" else f"recall_{lab}"] = share
    out["spearman"] = float(spearmanr(s, [ORDINAL[x] for x in labels]).statistic)
    out["mean_score"] = {lab: float(s[labels == lab].mean()) if (labels == lab).any() else None
                         for lab in LABELS}  # fmt: skip
    out["false_pairs"] = false_pairs
    out["floor"] = floor
    return out


def evaluate(docs: list[Document], result: ScanResult) -> dict[str, Any]:
    """dedup's and the baseline's figures on each half and on all."""
    rows = labeled_pairs(docs)
    by_id = {d.id: d for d in docs}
    scores, reuse = dedup_scores(result)
    dedup_score = {(n, a): scores.get(frozenset((n, a)), 0.0) for n, a, _ in rows}
    dedup_flag = {(n, a) for n, a, _ in rows if frozenset((n, a)) in reuse}
    dedup_false = [tuple(sorted(p)) for p in reuse if len({story(by_id[x]) for x in p}) > 1]
    runs = shared_runs(docs)
    missed = uncovered_runs(result, runs)

    grams = trigram_sets(docs)
    news = [d for d in docs if d.extra.get("role") == "newspaper"]
    agency = [d for d in docs if d.extra.get("role") == "agency"]
    base = {(n.id, a.id): containment(grams[n.id], grams[a.id]) for n in news for a in agency}
    tune = [r for r in rows if half(r[1]) == "tune"] or rows
    tune_scores = np.array([base[n, a] for n, a, _ in tune])
    threshold = youden_threshold(tune_scores, np.array([lab != "ND" for *_, lab in tune]))
    base_flag = {k for k, v in base.items() if v >= threshold}
    base_false = [k for k in base_flag if story(by_id[k[0]]) != story(by_id[k[1]])]
    tune_dedup = np.array([dedup_score[n, a] for n, a, _ in tune])
    score_threshold = nd_share_threshold(tune_dedup, np.array([lab != "ND" for *_, lab in tune]))
    news_agency = {(n.id, a.id): scores.get(frozenset((n.id, a.id)), 0.0)
                   for n in news for a in agency}  # fmt: skip
    score_flag = {k for k, v in news_agency.items() if v >= score_threshold}
    score_false = [k for k in score_flag if story(by_id[k[0]]) != story(by_id[k[1]])]

    out: dict[str, Any] = {"baseline_threshold": threshold, "score_threshold": score_threshold,
                           "floor_runs": len(runs),
                           "floor_missed": [r.__repr__() for r in missed[:20]]}  # fmt: skip
    for name, keep in (("tune", "tune"), ("check", "check"), ("all", None)):
        part = [r for r in rows if keep is None or half(r[1]) == keep]

        def within(pair: tuple[str, ...], keep: str | None = keep) -> bool:
            return keep is None or all(half(story(by_id[x])) == keep for x in pair)

        runs_in = [r for r in runs if within((r.a, r.b))]
        missed_in = [r for r in missed if within((r.a, r.b))]
        floor = 1 - len(missed_in) / len(runs_in) if runs_in else 1.0
        out[name] = {
            "dedup": figures(part, dedup_score, dedup_flag,
                             sum(within(p) for p in dedup_false), floor),
            "dedup score": figures(part, dedup_score, score_flag,
                                   sum(within(p) for p in score_false), floor),
            "baseline": figures(part, base, base_flag, sum(within(p) for p in base_false), None),
        }  # fmt: skip
    out["view_auc"] = view_aucs(rows, result)
    out["false_pair_list"] = sorted(dedup_false)[:20]
    out["false_pairs_by_roles"] = dict(sorted(Counter(
        "-".join(sorted(str(by_id[x].extra.get("role", "?")) for x in p))
        for p in dedup_false).items()))  # fmt: skip
    out["flagged_nd"] = sorted(n for n, a, lab in rows if lab == "ND" and (n, a) in dedup_flag)
    crediting = {n for n, a, lab in rows
                 if lab == "ND" and by_id[a].source in credits(by_id[n].text)}  # fmt: skip
    out["nd_crediting_agency"] = sorted(crediting)
    others = [(n, a) for n, a, lab in rows if lab == "ND" and n not in crediting]
    out["flagged_nd_not_crediting"] = sum(k in dedup_flag for k in others) / max(len(others), 1)
    return out


def directions(docs: Sequence[Document], rows: list[tuple[str, str, str]], dated: bool,
               workers: int | None, params: dict[str, Any]) -> dict[str, int]:  # fmt: skip
    """Who took from whom in the derived (WD, PD) pairs that dedup reports, read without
    the ``role`` field (and without the dates unless ``dated``): pairs ``reported``,
    ``decided`` (a copy), with the agency story as the source (``right``)."""
    bare = [Document(d.id, d.text, d.source, date=d.date if dated else None) for d in docs]
    pairs = {frozenset((p.a, p.b)): p for p in dedup.scan(bare, workers=workers, **params).pairs}
    found = [(a, pairs[frozenset((n, a))].direction) for n, a, lab in rows
             if lab != "ND" and frozenset((n, a)) in pairs
             and pairs[frozenset((n, a))].reused_chars]  # fmt: skip
    decided = [(a, d) for a, d in found if d is not None and d.relation == "copy"]
    return {"reported": len(found), "decided": len(decided),
            "right": sum(d.source == a for a, d in decided)}


def format_table(report: dict[str, Any]) -> str:
    cols = ("auc", "recall_WD", "recall_PD", "flagged_ND", "false_pairs", "spearman", "floor")
    lines = [f"{'split':<6} {'method':<11} " + " ".join(f"{c:>11}" for c in cols)]
    for split in ("tune", "check", "all"):
        for method in ("dedup", "dedup score", "baseline"):
            f = report[split][method]
            cells = []
            for c in cols:
                v = f[c]
                cells.append(f"{'-':>11}" if v is None else f"{v:>11}" if isinstance(v, int)
                             else f"{v:>11.3f}")  # fmt: skip
            lines.append(f"{split:<6} {method:<11} " + " ".join(cells))
    return "\n".join(lines)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="JSON lines with labels")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a ScanParams value (repeatable)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--language", metavar="CODE",
                    help="every document's language, as dedup scan --language (default: detected)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    params = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
    docs = list(load([args.corpus], language=args.language))
    t0 = time.perf_counter()
    result = dedup.scan(docs, workers=args.workers, **params)
    seconds = time.perf_counter() - t0
    report = evaluate(docs, result)
    report["scan_seconds"] = seconds
    report["params"] = params
    rows = labeled_pairs(docs)
    report["directions"] = {"dated": directions(docs, rows, True, args.workers, params),
                            "undated": directions(docs, rows, False, args.workers, params)}
    print(f"{len(docs)} documents, {len(labeled_pairs(docs))} labeled pairs; scan {seconds:.1f} s;"
          f" baseline threshold {report['baseline_threshold']:.3f};"
          f" score threshold {report['score_threshold']:.3f};"
          f" {report['floor_runs']} shared runs of 12+ words")  # fmt: skip
    print(format_table(report))
    for method in ("dedup", "baseline"):
        means = report["all"][method]["mean_score"]
        print(f"mean score, {method}: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))
    print("AUC of other views, all pairs: " + ", ".join(
        f"{k} {v:.3f}" for k, v in report["view_auc"].items()))
    for name, d in report["directions"].items():
        print(f"who took from whom without roles, {name}: of {d['reported']} derived pairs"
              f" reported, {d['decided']} read as a copy, {d['right']} from the agency story")
    if report["flagged_nd"]:
        print("ND stories dedup calls derived:", ", ".join(report["flagged_nd"]))
    print(f"ND stories crediting their agency story's source: {len(report['nd_crediting_agency'])}"
          f" ({', '.join(report['nd_crediting_agency'])}); dedup flags"
          f" {report['flagged_nd_not_crediting']:.3f} of the others")  # fmt: skip
    if report["false_pair_list"]:
        print("pairs across stories dedup reports, by roles:", ", ".join(
            f"{k} {v}" for k, v in report["false_pairs_by_roles"].items()))
        print("pairs across stories:", ", ".join("/".join(p) for p in report["false_pair_list"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
