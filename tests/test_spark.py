"""The Spark engine gives the local engine's result: same pairs, matches, offsets, scores, stats.

Every comparison is of the whole JSON result (``result_dict``): documents, pairs, matches,
sources, families, corpus, params and stats. Nothing is left out: ``Document.origin``
(``path:line`` locally, the file's URI in Spark) is the one field that differs, and the
JSON result does not hold it. One local[2] session serves the module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pyspark.sql import SparkSession

import dedup
from benchmarks.corpus import write
from dedup.cli import main
from dedup.core.errors import DedupError
from dedup.core.records import Document
from dedup.engines.spark import scan_spark, spark_session
from dedup.engines.spark_io import read_documents, split_out, write_results
from dedup.engines.spark_lsh import bucket_pairs
from dedup.io.load import load
from dedup.report.tables import result_dict

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """A session started as on a fresh machine: no PYSPARK_PYTHON, and the ``python3``
    first on PATH is a bare interpreter without dedup (here one that cannot even start)."""
    bare = tmp_path_factory.mktemp("bare-bin")
    (bare / "python3").write_text("#!/bin/sh\necho 'not the interpreter running dedup' >&2\n"
                                  "exit 1\n")  # fmt: skip
    (bare / "python3").chmod(0o755)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("PYSPARK_PYTHON", raising=False)
        env.setenv("PATH", f"{bare}{os.pathsep}{os.environ['PATH']}")
        session = spark_session("local[2]", {"spark.ui.enabled": "false",
                                             "spark.ui.showConsoleProgress": "false",
                                             "spark.sql.shuffle.partitions": "2"})  # fmt: skip
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def test_wires_and_dayfirst_direct_pairs_as_locally(spark: SparkSession, seeds_dir: Path) -> None:
    docs = [Document(d.id, d.text, "Wire" if d.id.startswith("004") else d.source,
                     f"0{k + 1}/02/2022") for k, d in enumerate(load([seeds_dir]))]  # fmt: skip
    options = {"wires": ["wire"], "dayfirst": True}
    remote = scan_spark(docs, spark=spark, **options)
    assert remote == dedup.scan(docs, workers=1, **options)
    pair = remote.pair("001_e2ab171a521ca024", "004_8caa1555c1246b20")
    assert pair is not None and pair.direction is not None
    assert pair.direction.evidence[0] == "role: 004_8caa1555c1246b20 is from Wire, a wire"


def test_workers_run_the_interpreter_running_dedup(spark: SparkSession) -> None:
    interpreters = spark.sparkContext.parallelize(range(2), 2).map(lambda _: sys.executable)
    assert set(interpreters.collect()) == {sys.executable}
    assert spark.conf.get("spark.pyspark.python") == sys.executable


def test_a_worker_interpreter_without_dedup_is_one_line_before_spark_starts(
        seeds_dir: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    venv.create(bare, with_pip=False)
    python = str(bare / "bin" / "python3")
    env = {**os.environ, "PYSPARK_PYTHON": python}
    done = subprocess.run([sys.executable, "-m", "dedup", "scan", str(seeds_dir), "--engine",
                           "spark"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"PYSPARK_PYTHON={python}" in done.stderr and "No module named" in done.stderr
    assert sys.executable in done.stderr  # the interpreter that would work


def _same(paths: list[Path], spark: SparkSession, **params: object) -> dict:
    local = result_dict(dedup.scan(load(paths), workers=2, **params))
    distributed = result_dict(scan_spark(read_documents(spark, paths), spark=spark, **params))
    for field in local:
        assert distributed[field] == local[field], field
    return local


def test_seeds_give_the_local_result(spark: SparkSession, seeds_dir: Path) -> None:
    result = _same([seeds_dir], spark)
    assert len(result["pairs"]) >= 3 and len(result["matches"]) >= 10
    assert {m["kind"] for m in result["matches"]} >= {"verbatim", "light"}


def test_a_bucket_over_max_bucket_is_counted_and_never_expanded() -> None:
    big, small = np.uint64(7), np.uint64(9)
    rows = (np.zeros(7, np.int64), np.array([big] * 5 + [small] * 2, np.uint64),
            np.arange(10, 17, dtype=np.int64), np.arange(7, dtype=np.int64))  # fmt: skip
    pairs, skipped = bucket_pairs([rows], max_bucket=4, grouped=True)
    assert skipped == 1
    assert np.concatenate(pairs).tolist() == [[15, 16]]


def test_a_skewed_corpus_gives_the_local_result(spark: SparkSession, seeds_dir: Path) -> None:
    seeds = list(load([seeds_dir]))
    copies = [Document(f"copy{k:02d}", seeds[0].text, "mirror") for k in range(12)]
    docs = seeds + copies
    local = result_dict(dedup.scan(docs, workers=2, max_bucket=5))
    assert result_dict(scan_spark(docs, spark=spark, max_bucket=5)) == local
    assert local["pairs"]


def test_10000_generated_documents_give_the_local_result(
    spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> None:
    corpus, _ = write(10_000, tmp_path_factory.mktemp("corpus"), seed=5)
    result = _same([corpus], spark)
    assert result["stats"]["documents"] == 10_000
    assert len(result["pairs"]) > 1000 and len(result["matches"]) > 5000


def test_documents_and_dataframes_are_accepted(spark: SparkSession, seeds_dir: Path) -> None:
    text = next(iter(load([seeds_dir]))).text
    docs = [Document("b", text), Document("a", text[: len(text) // 2] + "\n\nA new ending."),
            Document("c", "")]  # fmt: skip
    local = result_dict(dedup.scan(docs, workers=1))
    assert result_dict(scan_spark(docs, spark=spark)) == local
    frame = spark.createDataFrame([(d.id, d.text) for d in docs], "id string, text string")
    assert result_dict(scan_spark(frame, spark=spark)) == local
    assert local["stats"]["empty_documents"] == 1 and local["matches"]


def test_duplicate_ids_are_refused_as_locally(spark: SparkSession) -> None:
    docs = [Document("a", "one text"), Document("a", "another text"), Document("b", "x")]
    with pytest.raises(DedupError, match="duplicated: 'a'"):
        scan_spark(docs, spark=spark)


def test_cli_writes_spark_folders_and_the_usual_json(spark: SparkSession, seeds_dir: Path,
                                                     tmp_path: Path) -> None:  # fmt: skip
    out, local_json, spark_json = tmp_path / "out", tmp_path / "l.json", tmp_path / "s.json"
    assert main(["scan", str(seeds_dir), "--quiet", "--json", str(local_json)]) == 0
    assert main(["scan", str(seeds_dir), "--quiet", "--json", str(spark_json),
                 "--engine", "spark", "--out", str(out)]) == 0  # fmt: skip
    assert json.loads(spark_json.read_text()) == json.loads(local_json.read_text())
    expected = json.loads(local_json.read_text())
    pairs = spark.read.parquet(str(out / "pairs")).orderBy("rank").collect()
    assert [_pair_row(p.asDict(recursive=True)) for p in pairs] == expected["pairs"]
    matches = [m.asDict() for m in spark.read.parquet(str(out / "matches")).collect()]
    assert sorted(matches, key=_match_order) == expected["matches"]


def test_jsonl_folders_hold_the_matches(spark: SparkSession, seeds_dir: Path,
                                        tmp_path: Path) -> None:  # fmt: skip
    result = dedup.scan(load([seeds_dir]), workers=1)
    fmt, folder = split_out(f"jsonl:{tmp_path / 'lines'}")
    write_results(spark, result, folder, fmt)
    rows = [json.loads(line) for f in sorted((tmp_path / "lines" / "matches").glob("part-*"))
            for line in f.read_text().splitlines()]  # fmt: skip
    assert sorted(rows, key=_match_order) == result_dict(result)["matches"]


def _pair_row(p: dict) -> dict:
    """A Parquet pair as in the JSON: the direction's fields its relation has no use for are
    null in the table's struct and absent from the JSON; the JSON flags pairs with reuse."""
    d = p["direction"]
    return {**p, "direction": d and {k: v for k, v in d.items() if v is not None},
            "has_reuse": p["reused_chars"] > 0}


def _match_order(m: dict) -> tuple:
    return m["a"], m["b"], m["a_start"], m["b_start"], m["kind"]


def test_cli_refuses_out_without_spark_and_bad_settings(seeds_dir: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:  # fmt: skip
    assert main(["scan", str(seeds_dir), "--out", str(tmp_path / "o")]) == 2
    assert "--engine spark" in capsys.readouterr().err
    assert main(["scan", str(seeds_dir), "--engine", "spark", "--spark-conf", "novalue"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_records_with_other_field_names_read_as_the_local_loader_reads_them(
    spark: SparkSession, tmp_path: Path
) -> None:
    names = {"id_field": "url", "text_field": "maintext", "source_field": "domain",
             "date_field": "published"}  # fmt: skip
    path = tmp_path / "np.jsonl"
    path.write_text("".join(json.dumps({"url": f"https://x.example/{i}", "maintext": f"Text {i}.",
                                        "domain": "x.example", "published": "2022-01-12",
                                        "title": f"T{i}"}) + "\n" for i in range(3)))  # fmt: skip
    local = sorted(load(path, **names), key=lambda d: d.id)
    distributed = sorted(read_documents(spark, [path], **names).collect(), key=lambda d: d.id)
    assert [(d.id, d.text, d.source, d.date, dict(d.extra)) for d in distributed] == [
        (d.id, d.text, d.source, d.date, dict(d.extra)) for d in local]
    assert [d.source for d in local] == ["x.example"] * 3


def test_compressed_files_read_as_the_local_loader_reads_them(spark: SparkSession,
                                                              tmp_path: Path) -> None:  # fmt: skip
    import bz2
    import lzma

    (tmp_path / "a.jsonl.bz2").write_bytes(bz2.compress(
        b'{"id": "j1", "text": "First.", "source": "S"}\n{"id": "j2", "text": "Second."}\n'))
    (tmp_path / "b.txt.xz").write_bytes(lzma.compress("\ufeffPlain caf\u00e9.\n".encode()))

    def key(d: Document) -> tuple[str, str, str]:
        return d.id, d.text, d.source

    local = sorted(map(key, load(tmp_path)))
    distributed = sorted(map(key, read_documents(spark, [tmp_path]).collect()))
    assert distributed == local == [("b", "Plain caf\u00e9.\n", "b"), ("j1", "First.", "S"),
                                    ("j2", "Second.", "j2")]  # fmt: skip


def test_text_files_of_one_name_in_subfolders_get_the_local_loaders_ids(spark: SparkSession,
                                                                        tmp_path: Path) -> None:
    for folder in ("reuters", "afp"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "nato-talks.txt").write_text(f"Story as {folder} ran it.")
    (tmp_path / "afp" / "other.txt").write_text("Another story.")
    local = sorted((d.id, d.source, d.text) for d in load(tmp_path))
    distributed = sorted((d.id, d.source, d.text)
                         for d in read_documents(spark, [tmp_path]).collect())  # fmt: skip
    assert distributed == local and local[0][0] == "afp/nato-talks"
