"""Local engine vs Spark engine on generated corpora: time, driver memory, bytes shuffled.

    python benchmarks/spark_scale.py --docs 10000 100000 [--spark local[2]]

For each size it runs, one after the other on the same JSONL corpus
(``benchmarks/corpus.py``), each in a child process of its own: ``dedup.scan`` (process
pool of ``--workers``), then the Spark engines that ``--spark`` names (default both): on
``local[2]``, and on a standalone cluster started here (:mod:`dedup.engines.spark_cluster`: a
master and two workers of one core each, separate processes). The Spark runs write the
result with ``--out``'s writer. It prints seconds, the Spark/local ratio, whether the JSON
results are byte-identical, the driver's peak memory (the Python driver's peak RSS when the
result is written, before this benchmark's own JSON digest of it, and the driver JVM's peak
RSS where the executors run apart from it, on the cluster), and per Spark
stage the bytes written to the shuffle, read from it and spilled, per document (from
Spark's own stage metrics, read from its REST API). Spark's time is read, scan, gather and
write, from a started session (JVM start-up is printed apart). ``lscpu``'s model name
heads the output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import nullcontext
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: the checkout's root holds this package and dedup
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import write
from benchmarks.scan_scale import _child, _peak_rss_mib

_HEAD = ("docs", "engine", "seconds", "/ local", "JVM start s", "identical", "driver MiB",
         "driver JVM MiB", "pairs", "matches")  # fmt: skip
_WIDTHS = (8, 12, 9, 8, 12, 10, 11, 15, 7, 8)
_SPARK = {"local[2]": ("local[2]", False), "standalone": ("", True)}  # engine: master, cluster?


def _digest(result: Any) -> str:
    from dedup.report.tables import to_json

    return hashlib.sha256(to_json(result).encode()).hexdigest()


def _run_local(path: str, workers: int, out: Any) -> None:
    from dedup.engines.pipeline import scan
    from dedup.io.load import load

    start = time.perf_counter()
    result = scan(load([path]), workers=workers)
    seconds, rss = time.perf_counter() - start, _peak_rss_mib()
    out.send({"seconds": seconds, "digest": _digest(result), "pairs": len(result.pairs),
              "matches": len(result.matches), "rss_mib": rss})  # fmt: skip


def _vm_hwm_mib(pid: int | None) -> float | None:
    """Peak RSS of process ``pid`` (``VmHWM``), in MiB; None when not readable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (OSError, TypeError):
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else None


def _stages(spark: Any) -> list[dict[str, Any]]:
    """Spark's metrics of every completed stage of this application (its REST API)."""
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages?status=complete"
    with urllib.request.urlopen(url, timeout=60) as answer:
        return list(json.load(answer))


def _run_spark(path: str, master: str, cluster: bool, heap: str, out: Any) -> None:
    from dedup.engines.spark import scan_spark, spark_session
    from dedup.engines.spark_cluster import standalone_cluster
    from dedup.engines.spark_io import read_documents, write_results

    with standalone_cluster(workers=2) if cluster else nullcontext(master) as url:
        start = time.perf_counter()
        spark = spark_session(url, {"spark.ui.port": "0", "spark.ui.showConsoleProgress": "false",
                                    "spark.driver.memory": heap})  # fmt: skip
        spark.sparkContext.setLogLevel("ERROR")
        started = time.perf_counter()
        result = scan_spark(read_documents(spark, [path]), spark=spark)
        with tempfile.TemporaryDirectory(prefix="dedup-out-") as folder:
            write_results(spark, result, folder)
        seconds, rss = time.perf_counter() - started, _peak_rss_mib()
        stages = _stages(spark)
        gateway = getattr(spark.sparkContext._gateway, "proc", None)
        jvm = _vm_hwm_mib(gateway.pid if gateway is not None else None)
        spark.stop()
    out.send({"seconds": seconds, "startup": started - start, "digest": _digest(result),
              "pairs": len(result.pairs), "matches": len(result.matches),
              "rss_mib": rss, "jvm_mib": jvm if cluster else None,
              "stages": stages})  # fmt: skip


def _row(n: int, engine: str, run: dict[str, Any], local: dict[str, Any]) -> str:
    same = "yes" if run["digest"] == local["digest"] else "NO"
    jvm = "-" if run.get("jvm_mib") is None else f"{run['jvm_mib']:.0f}"
    start = "-" if "startup" not in run else f"{run['startup']:.1f}"
    cells = (n, engine, f"{run['seconds']:.1f}", f"{run['seconds'] / local['seconds']:.2f}",
             start, same, f"{run['rss_mib']:.0f}", jvm, run["pairs"], run["matches"])  # fmt: skip
    return " ".join(f"{c!s:>{w}}" for c, w in zip(cells, _WIDTHS, strict=True))


def _stage_table(n: int, engine: str, stages: list[dict[str, Any]]) -> list[str]:
    """Per stage: bytes written to and read from the shuffle, and spilled, per document."""
    lines = [f"  {engine} at {n} documents, per document: shuffle write / read, spilled "
             "(memory, disk), in bytes"]
    for s in sorted(stages, key=lambda s: s["stageId"]):
        where = re.sub(r" at .*/", " at ", s["name"])
        figures = [s.get(k, 0) / n for k in ("shuffleWriteBytes", "shuffleReadBytes",
                                             "memoryBytesSpilled", "diskBytesSpilled")]
        lines.append(f"  {s['stageId']:>4} {where:<44} " +
                     " ".join(f"{f:>10.0f}" for f in figures))  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=2, help="local engine processes")
    parser.add_argument("--spark", nargs="+", choices=_SPARK, default=list(_SPARK),
                        help="Spark engines to run next to the local one")  # fmt: skip
    parser.add_argument("--driver-memory", default="2g",
                        help="the driver JVM's heap (spark.driver.memory); on local[2] it "
                             "runs the executors too")  # fmt: skip
    parser.add_argument("--corpora", type=Path, default=Path(tempfile.gettempdir(),
                                                               "dedup-corpora"))  # fmt: skip
    args = parser.parse_args()
    model = re.search(r"Model name:\s*(.+)", subprocess.run(["lscpu"], capture_output=True,
                                                             text=True).stdout)  # fmt: skip
    print(f"CPU: {model.group(1).strip() if model else '?'}", flush=True)
    print(" ".join(f"{h:>{w}}" for h, w in zip(_HEAD, _WIDTHS, strict=True)), flush=True)
    details = []
    for n in args.docs:
        corpus, _ = write(n, args.corpora)
        local, _ = _child(_run_local, str(corpus), args.workers)
        print(_row(n, "local", local, local), flush=True)
        for engine in args.spark:
            run, _ = _child(_run_spark, str(corpus), *_SPARK[engine], args.driver_memory)
            print(_row(n, engine, run, local), flush=True)
            details += _stage_table(n, engine, run["stages"])
    print("\n".join(["", *details]), flush=True)


if __name__ == "__main__":
    main()
