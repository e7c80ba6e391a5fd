"""dedup beside its peers on one corpus: seconds, CPU seconds, peak memory, recall, precision.

    python benchmarks/peers.py --docs 10000 --workers 2

Peers: the datasketch pipeline (``MinHash`` per document on word 5-gram shingles, then
``MinHashLSH`` insert and query), text-dedup's MinHash script and datatrove's MinHash
deduplication (its four stages: signatures, buckets, clusters, filter). Each runs at its
defaults and at Jaccard threshold ``--near`` (0.3, the passage threshold of dedup's
candidate stage), in its own virtual environment under ``--venvs`` (outside the
repository; created with pip on first use: text-dedup 0.4.1 needs Python 3.12, datatrove
needs xxhash, spacy, regex, tokenizers and orjson to run at all). dedup runs in the
interpreter running this script, after a warm-up scan that fills numba's cache.

Every run is a child process timed from start to exit: seconds, CPU seconds and peak RSS
come from ``os.wait4`` (the child and the processes it waited for). A document pair
counts as found when dedup reports reuse between the two, or when a peer puts the two in
one duplicate cluster (datasketch: one is in the other's LSH query result). Recall is
given apart for copies (a wire story and a rewrite of it) and siblings (two rewrites of
one story); precision is over all pairs found. Ratios are to dedup's run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: the checkout's root holds this package and dedup
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NEAR = 0.3
PEERS: dict[str, tuple[str, list[str]]] = {  # peer: (Python version, requirements)
    "datasketch": ("3.11", ["datasketch==2.0.0"]),
    "text-dedup": ("3.12", ["text-dedup==0.4.1"]),
    "datatrove": ("3.11", ["datatrove==0.10.1", "xxhash<4", "spacy", "regex", "tokenizers",
                           "orjson"]),
}  # fmt: skip


# --- runners: executed in a peer's own environment (standard library + the peer only) ---


def _rows(corpus: str) -> Iterator[dict[str, str]]:
    with open(corpus, encoding="utf-8") as f:
        yield from map(json.loads, f)


def _cluster_pairs(labels: dict[str, Any]) -> list[tuple[str, str]]:
    """Every pair of documents that share a cluster label."""
    members: dict[Any, list[str]] = {}
    for doc, label in labels.items():
        members.setdefault(label, []).append(doc)
    return [(min(a, b), max(a, b)) for group in members.values()
            for x, a in enumerate(group) for b in group[x + 1 :]]  # fmt: skip


def run_dedup(corpus: str, threshold: float | None, workers: int, work: str) -> list[Any]:
    import dedup
    from dedup.core.records import Document

    docs = [Document(r["id"], r["text"], r["source"]) for r in _rows(corpus)]
    result = dedup.scan(docs, workers=workers)
    return [(min(p.a, p.b), max(p.a, p.b)) for p in result.pairs if p.reused_chars > 0]


def run_datasketch(corpus: str, threshold: float | None, workers: int, work: str) -> list[Any]:
    import re

    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(num_perm=128) if threshold is None else MinHashLSH(threshold, num_perm=128)
    sketches = []
    for row in _rows(corpus):
        words = re.findall(r"\w+", row["text"].lower())
        grams = {" ".join(words[k : k + 5]).encode() for k in range(max(len(words) - 4, 1))}
        m = MinHash(num_perm=128)
        m.update_batch(list(grams))
        lsh.insert(row["id"], m)
        sketches.append((row["id"], m))
    return [(a, b) for a, m in sketches for b in lsh.query(m) if a < b]


def run_text_dedup(corpus: str, threshold: float | None, workers: int, work: str) -> list[Any]:
    import pickle
    import runpy

    os.environ["HF_DATASETS_CACHE"] = str(Path(work) / "hf")  # nothing cached between runs
    os.environ["HF_HUB_OFFLINE"] = "1"
    # threshold, num_perm and the rest have no default: these are its README's config
    (Path(work) / "config.toml").write_text(f"""[input]
input_type = "local_files"
file_type = "json"

[input.read_arguments]
path = "json"
data_files = "{corpus}"
split = "train"

[algorithm]
algorithm_name = "minhash"
text_column = "text"
seed = 42
batch_size = 10000
num_perm = 240
threshold = {0.7 if threshold is None else threshold}
false_positive_weight = 0.5
false_negative_weight = 0.5
hash_bits = 64
ngram_size = 5
check_false_positive = true
num_proc = {workers}

[output]
output_dir = "{Path(work) / 'output'}"
clean_cache = false
save_clusters = true

[debug]
enable_profiling = false
""")
    os.chdir(work)
    sys.argv = ["text_dedup.minhash"]
    runpy.run_module("text_dedup.minhash", run_name="__main__")
    ids = [r["id"] for r in _rows(corpus)]
    with open(Path(work) / "output" / "clusters.pickle", "rb") as f:
        clusters = pickle.load(f)
    return _cluster_pairs({ids[k]: c for k, c in clusters.items()})


def run_datatrove(corpus: str, threshold: float | None, workers: int, work: str) -> list[Any]:
    import struct

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    # b bands of r rows have their steepest rise near (1/b)^(1/r): 11 bands of 2 for 0.3
    config = MinhashConfig() if threshold is None else MinhashConfig(num_buckets=11,
                                                                     hashes_per_bucket=2)
    w = Path(work)
    data = w / "data"
    data.mkdir()
    shutil.copy(corpus, data / "corpus.jsonl")

    def reader() -> Any:
        return JsonlReader(str(data), id_key="id")

    stages = [
        ([reader(), MinhashDedupSignature(str(w / "sigs"), config=config)], 1),
        ([MinhashDedupBuckets(str(w / "sigs"), str(w / "buckets"), config=config)],
         config.num_buckets),
        ([MinhashDedupCluster(str(w / "buckets"), str(w / "remove"), config=config,
                              save_cluster_id=True)], 1),
        ([reader(), MinhashDedupFilter(str(w / "remove"), load_cluster_ids=True),
          JsonlWriter(str(w / "kept"))], 1),
    ]  # fmt: skip
    for k, (steps, tasks) in enumerate(stages):
        LocalPipelineExecutor(pipeline=steps, tasks=tasks, workers=min(workers, tasks),
                              logging_dir=str(w / f"logs{k}")).run()  # fmt: skip
    ids = [r["id"] for r in _rows(corpus)]
    labels = {}
    path = w / "remove" / "000000.clusters"
    raw = path.read_bytes() if path.exists() else b""
    for doc, cluster in struct.iter_unpack("<II", raw):
        labels[ids[doc]] = cluster
    return _cluster_pairs(labels)


RUNNERS = {"dedup": run_dedup, "datasketch": run_datasketch, "text-dedup": run_text_dedup,
           "datatrove": run_datatrove}  # fmt: skip


# --- the parent: environments, child processes, the table ---


def _environment(peer: str, venvs: Path) -> Path:
    """The Python of ``peer``'s virtual environment, made with pip on first use."""
    version, requirements = PEERS[peer]
    python = venvs / peer / "bin" / "python"
    if python.exists():
        return python
    pyenv = Path.home() / ".pyenv" / "versions"
    found = [shutil.which(f"python{version}"),  # a pyenv shim may name a version not active
             *(str(pyenv / v / "bin" / "python")
               for v in (sorted(os.listdir(pyenv)) if pyenv.is_dir() else [])
               if v.startswith(version + "."))]  # fmt: skip
    base = next((b for b in found if b and subprocess.run(
        [b, "--version"], capture_output=True).returncode == 0), None)  # fmt: skip
    if base is None:
        raise SystemExit(f"{peer} needs Python {version}, which this machine does not have")
    subprocess.run([base, "-m", "venv", str(venvs / peer)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], check=True)
    return python


def _child(python: str, peer: str, corpus: Path, threshold: float | None,
           workers: int) -> dict[str, Any]:  # fmt: skip
    """Run one peer in a child process: its pairs, seconds, CPU seconds, peak RSS (MiB)."""
    with tempfile.TemporaryDirectory(prefix=f"peer-{peer}-") as work:
        found = Path(work) / "found.json"
        args = [python, str(Path(__file__).resolve()), "--run", peer, "--corpus", str(corpus),
                "--workers", str(workers), "--found", str(found), "--work", work]  # fmt: skip
        if threshold is not None:
            args += ["--threshold", str(threshold)]
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            return {"error": err.strip().splitlines()[-1] if err.strip() else "failed"}
        pairs = {(a, b) for a, b in json.loads(found.read_text())}
    return {"pairs": pairs, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss / 1024}  # fmt: skip


def _quality(found: set[tuple[str, str]], truth: dict[tuple[str, str], str]) -> dict[str, float]:
    recall = {kind: sum(1 for p, k in truth.items() if k == kind and p in found)
                    / max(sum(1 for k in truth.values() if k == kind), 1)
              for kind in ("copy", "sibling")}  # fmt: skip
    return {**recall, "precision": len(found & truth.keys()) / max(len(found), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--shape", choices=("web", "plain"), default="web")
    parser.add_argument("--out", type=Path, default=Path("/tmp/dedup-corpora"))
    parser.add_argument("--venvs", type=Path, default=Path.home() / ".cache" / "dedup-peers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--near", type=float, default=NEAR)
    parser.add_argument("--peers", nargs="+", default=list(PEERS), choices=list(PEERS))
    parser.add_argument("--run", choices=list(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--threshold", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--found", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        pairs = RUNNERS[args.run](args.corpus, args.threshold, args.workers, args.work)
        Path(args.found).write_text(json.dumps(sorted(set(pairs))))
        return
    from benchmarks.corpus import read_truth, write

    corpus, truth_path = write(args.docs, args.out, shape=args.shape)
    truth = read_truth(truth_path)
    _child(sys.executable, "dedup", write(50, args.out, shape=args.shape)[0], None, args.workers)
    runs = [("dedup", "defaults", _child(sys.executable, "dedup", corpus, None, args.workers))]
    for peer in args.peers:
        try:
            python = str(_environment(peer, args.venvs))
        except (OSError, subprocess.CalledProcessError) as exc:
            runs.append((peer, "-", {"error": f"no environment: {exc}"}))
            continue
        for label, threshold in (("defaults", None), (f"threshold {args.near}", args.near)):
            runs.append((peer, label, _child(python, peer, corpus, threshold, args.workers)))
    base = runs[0][2]
    print(f"{args.docs} {args.shape}-shaped documents ({corpus.stat().st_size / 1e6:.1f} MB), "
          f"{len(truth)} true pairs; --workers {args.workers}\n")  # fmt: skip
    print("| run | setting | seconds | CPU s | peak RSS MiB | copy recall | sibling recall "
          "| precision | time / dedup | CPU / dedup | RSS / dedup |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for peer, label, r in runs:
        if "error" in r:
            print(f"| {peer} | {label} | failed: {r['error']} |||||||||")
            continue
        q = _quality(r["pairs"], truth)
        print(f"| {peer} | {label} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['rss']:.0f} | "
              f"{q['copy']:.3f} | {q['sibling']:.3f} | {q['precision']:.3f} | "
              f"{r['seconds'] / base['seconds']:.2f} | {r['cpu'] / base['cpu']:.2f} | "
              f"{r['rss'] / base['rss']:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
