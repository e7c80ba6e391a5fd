"""Local engine vs Spark engine on generated corpora, and Spark's scaling from 1 to 2 cores.

    python benchmarks/spark_scale.py --docs 10000 100000 --scaling-docs 10000

For each size it runs ``dedup.scan`` (process pool of ``--workers``) and the Spark engine
on ``local[2]``, each in a child process of its own, on the same JSONL corpus
(``benchmarks/corpus.py``), and prints seconds, the Spark/local ratio and whether the two
JSON results are byte-identical. Spark's time is read, scan and gather, from a started
session (JVM start-up is printed apart). At ``--scaling-docs`` it also runs Spark on
``local[1]`` and prints the local[1]/local[2] speed-up.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write
from scan_scale import _child, _peak_rss_mib

_WIDTHS = (8, 9, 11, 12, 12, 10, 7, 8)


def _digest(result: Any) -> str:
    from dedup.report.tables import to_json

    return hashlib.sha256(to_json(result).encode()).hexdigest()


def _run_local(path: str, workers: int, out: Any) -> None:
    from dedup.load import load
    from dedup.pipeline import scan

    start = time.perf_counter()
    result = scan(load([path]), workers=workers)
    out.send({"seconds": time.perf_counter() - start, "digest": _digest(result),
              "pairs": len(result.pairs), "matches": len(result.matches),
              "rss_mib": _peak_rss_mib()})  # fmt: skip


def _run_spark(path: str, master: str, out: Any) -> None:
    from dedup.spark import scan_spark, spark_session
    from dedup.spark_io import read_documents

    start = time.perf_counter()
    spark = spark_session(master, {"spark.ui.enabled": "false",
                                   "spark.ui.showConsoleProgress": "false",
                                   "spark.driver.memory": "8g"})  # fmt: skip
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter()
    result = scan_spark(read_documents(spark, [path]), spark=spark)
    seconds = time.perf_counter() - started
    spark.stop()
    out.send({"seconds": seconds, "startup": started - start, "digest": _digest(result),
              "pairs": len(result.pairs), "matches": len(result.matches),
              "rss_mib": _peak_rss_mib()})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--scaling-docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="local engine processes")
    parser.add_argument("--corpora", type=Path, default=Path("/tmp/dedup-corpora"))
    args = parser.parse_args()
    head = ("docs", "local s", "spark[2] s", "spark/local", "JVM start s", "identical", "pairs",
            "matches")  # fmt: skip
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, _WIDTHS, strict=True)), flush=True)
    for n in args.docs:
        corpus, _ = write(n, args.corpora)
        local, _ = _child(_run_local, str(corpus), args.workers)
        spark, _ = _child(_run_spark, str(corpus), "local[2]")
        same = "yes" if local["digest"] == spark["digest"] else "NO"
        print(f"{n:>8} {local['seconds']:>9.1f} {spark['seconds']:>11.1f} "
              f"{spark['seconds'] / local['seconds']:>12.2f} {spark['startup']:>12.1f} "
              f"{same:>10} {local['pairs']:>7} {local['matches']:>8}", flush=True)  # fmt: skip
    if args.scaling_docs:
        corpus, _ = write(args.scaling_docs, args.corpora)
        one, _ = _child(_run_spark, str(corpus), "local[1]")
        two, _ = _child(_run_spark, str(corpus), "local[2]")
        print(f"\nSpark scaling at {args.scaling_docs} documents: local[1] {one['seconds']:.1f} s, "
              f"local[2] {two['seconds']:.1f} s, speed-up {one['seconds'] / two['seconds']:.2f}x",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
