"""End-to-end ``dedup.scan`` at 1k / 10k / 100k documents, beside the datasketch pipeline.

Each size runs in its own child process, so peak RSS is that run's own::

    python benchmarks/scan_scale.py --docs 1000 10000 100000 --workers 2

For every size it prints seconds, documents per second, peak RSS of the child
(``ru_maxrss`` of the child, or of its largest worker), candidate and aligned pairs, and
pair recall / precision against the generator's ground truth (a document pair
counts as found when ``dedup`` reports reuse between the two, i.e. a pair with
``reused_chars > 0``). At ``--peer-docs`` (10k) it also runs the datasketch
pipeline that only finds candidate document pairs -- per document
``MinHash.update_batch`` on word 5-gram shingles, then ``MinHashLSH`` insert and
query at threshold 0.3 -- and prints the ratio. The last table is the scaling
from the smallest to the largest size. A first scan of 50 documents warms numba's
on-disk cache (a one-time compile per install, printed) before anything is timed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: the checkout's root holds this package and dedup
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import read_truth, write

PEER_THRESHOLD = 0.3


def _documents(path: Path) -> list[Any]:
    from dedup.core.records import Document

    with path.open(encoding="utf-8") as f:
        return [Document(r["id"], r["text"], r["source"]) for r in map(json.loads, f)]


def _run_dedup(path: str, workers: int | None, out: Any) -> None:
    from dedup.engines.pipeline import scan

    start = time.perf_counter()
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter() - start)

    result = scan(_documents(Path(path)), workers=workers, progress=progress)
    seconds = time.perf_counter() - start
    found = sorted((p.a, p.b) if p.a < p.b else (p.b, p.a) for p in result.pairs
                   if p.reused_chars > 0)  # fmt: skip
    marks = [*stages.items(), ("end", seconds)]
    split = {a: b_at - a_at for (a, a_at), (_, b_at) in itertools.pairwise(marks)}
    out.send({"seconds": seconds, "found": found, "stats": dict(result.stats), "stages": split,
              "cpu": time.process_time() + _children_cpu(),
              "matches": len(result.matches), "rss_mib": _peak_rss_mib()})  # fmt: skip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_datasketch(path: str, out: Any) -> None:
    from datasketch import MinHash, MinHashLSH

    from dedup.analysis.normalize import normalize
    from dedup.analysis.shingle import tokenize

    docs = _documents(Path(path))
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=PEER_THRESHOLD, num_perm=128)
    sketches = []
    for d in docs:
        norm = normalize(d.text).text
        t = tokenize(norm)
        words = [norm[s:e] for s, e in zip(t.starts.tolist(), t.ends.tolist(), strict=True)]
        grams = {" ".join(words[k : k + 5]).encode() for k in range(max(len(words) - 4, 1))}
        m = MinHash(num_perm=128)
        m.update_batch(list(grams))
        lsh.insert(d.id, m)
        sketches.append((d.id, m))
    found = {(min(a, b), max(a, b)) for a, m in sketches for b in lsh.query(m) if b != a}
    seconds = time.perf_counter() - start
    out.send({"seconds": seconds, "found": sorted(found), "rss_mib": _peak_rss_mib()})


def _peak_rss_mib() -> float:
    """Peak RSS of this process, and of its largest worker (ru_maxrss is in KiB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


def _child(target: Any, *args: Any) -> tuple[dict[str, Any], float]:
    """Run ``target`` in a fresh process; its result and its peak RSS in MiB."""
    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, send))
    proc.start()
    result = recv.recv()
    proc.join()
    return result, float(result["rss_mib"])


def _quality(found: list[tuple[str, str]], truth: dict[tuple[str, str], str]) -> str:
    """Copy and sibling recall and the precision of ``found`` against ``truth``."""
    got = {(a, b) for a, b in found}
    recall = {kind: sum(1 for p, k in truth.items() if k == kind and p in got)
                    / max(sum(1 for k in truth.values() if k == kind), 1)
              for kind in ("copy", "sibling")}  # fmt: skip
    precision = len(got & truth.keys()) / max(len(got), 1)
    return (f"copy recall {recall['copy']:.4f}  sibling recall {recall['sibling']:.4f}  "
            f"precision {precision:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--out", type=Path, default=Path("/tmp/dedup-corpora"))
    parser.add_argument("--shape", choices=("web", "plain"), default="web",
                        help="corpus generator (benchmarks/corpus.py); default: web")
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--peer-docs", type=int, default=10000)
    args = parser.parse_args()
    # numba compiles dedup's kernels on first use and caches them on disk; time that
    # once here, so that every size below measures the scan and not the compiler.
    warm, _ = _child(_run_dedup, str(write(50, args.out, shape=args.shape)[0]), args.workers)
    print(f"warm-up scan of 50 documents (includes numba's one-time compile when its cache"
          f" is cold): {warm['seconds']:.1f} s", flush=True)  # fmt: skip
    rows = []
    for n in sorted(args.docs):
        corpus, truth_path = write(n, args.out, shape=args.shape)
        truth = read_truth(truth_path)
        mb = corpus.stat().st_size / 1e6
        res, rss = _child(_run_dedup, str(corpus), args.workers)
        candidates = res["stats"].get("candidate_pairs")
        rows.append((n, res["seconds"], candidates))
        stages = "  ".join(f"{k} {v:.1f}" for k, v in res["stages"].items())
        print(f"dedup scan  {n:>7} docs ({mb:6.1f} MB): {res['seconds']:8.1f} s "
              f"({res['cpu']:.1f} CPU-s) {n / res['seconds']:8.0f} docs/s  peak RSS {rss:7.0f} "
              f"MiB  candidates {candidates}  matches {res['matches']}  "
              f"{_quality(res['found'], truth)}  ({len(truth)} true pairs)\n"
              f"            stages (s): {stages}", flush=True)  # fmt: skip
        if n == args.peer_docs:
            peer, peer_rss = _child(_run_datasketch, str(corpus))
            print(f"datasketch  {n:>7} docs: {peer['seconds']:8.1f} s "
                  f"{n / peer['seconds']:8.0f} docs/s  peak RSS {peer_rss:7.0f} MiB  "
                  f"{_quality(peer['found'], truth)} (candidates only)\n"
                  f"dedup takes {res['seconds'] / peer['seconds']:.2f}x the datasketch "
                  "pipeline's wall time", flush=True)  # fmt: skip
    if len(rows) > 1:
        print("\nscaling (relative to the smallest size)")
        print(f"{'docs':>8}{'seconds':>10}{'x time':>9}{'candidates':>12}{'x cand.':>9}"
              f"{'x docs':>9}")
        for n, seconds, candidates in rows:
            print(f"{n:>8}{seconds:>10.1f}{seconds / rows[0][1]:>9.1f}{candidates:>12}"
                  f"{candidates / max(rows[0][2], 1):>9.1f}{n / rows[0][0]:>9.0f}")


if __name__ == "__main__":
    main()
