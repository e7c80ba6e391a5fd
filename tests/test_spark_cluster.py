"""The scan submitted to a Spark standalone cluster: a master and two workers, each a process
of its own on this machine, started and ended by the test."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from dedup.cli import main
from dedup.engines.spark import spark_session
from dedup.engines.spark_cluster import standalone_cluster

_NO_JAVA = shutil.which("java") is None and "JAVA_HOME" not in os.environ
pytestmark = [pytest.mark.spark_cluster, pytest.mark.skipif(_NO_JAVA, reason="Spark needs Java")]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_scan_on_a_standalone_cluster_gives_the_local_result(seeds_dir: Path,
                                                               tmp_path: Path) -> None:  # fmt: skip
    local_json, cluster_json = tmp_path / "local.json", tmp_path / "cluster.json"
    assert main(["scan", str(seeds_dir), "--quiet", "--json", str(local_json)]) == 0
    with standalone_cluster(workers=2) as master:
        assert master.startswith("spark://127.0.0.1:")
        spark = spark_session(master, {"spark.ui.enabled": "false"})
        try:
            tasks = spark.sparkContext.parallelize(range(8), 8).map(
                lambda _: (os.getpid(), sys.executable)).collect()  # fmt: skip
        finally:
            spark.stop()
        assert {python for _, python in tasks} == {sys.executable}
        executors = {pid for pid, _ in tasks}
        assert main(["scan", str(seeds_dir), "--quiet", "--json", str(cluster_json),
                     "--engine", "spark", "--spark-master", master]) == 0  # fmt: skip
    assert SparkSession.getActiveSession() is None
    assert json.loads(cluster_json.read_text()) == json.loads(local_json.read_text())
    assert not [pid for pid in executors if _alive(pid)]
