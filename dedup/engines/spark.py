"""The scan on Apache Spark: the same result as :func:`dedup.scan`, computed by a Spark job.

Python API::

    from dedup.engines.spark import scan_spark, spark_session
    from dedup.engines.spark_io import read_documents

    spark = spark_session("local[*]")
    result = scan_spark(read_documents(spark, ["articles/", "wires.jsonl"]), spark=spark)

``scan_spark`` also takes a DataFrame with ``id`` and ``text`` (optionally ``source``,
``date``) columns, or any iterable of :class:`~dedup.core.records.Document`.

Where each stage runs
---------------------
:func:`dedup.engines.pipeline.run_scan` calls the stages in the local engine's order, through a
:class:`~dedup.engines.spark_engine.SparkEngine`: analysis, features, LSH buckets and alignment run
in the executors (see :mod:`dedup.engines.spark_engine`).

Executors: the corpus-wide tables are counted where the documents are
(:mod:`dedup.engines.spark_tables`): stem passage counts and their IDF, the common bigrams, the
TF-IDF terms' document frequencies; the evidence pre-test and the TF-IDF cosines read
both documents of a pair, joined to it. The driver receives what each document's lines
are (chrome lines and boilerplate spans are found there, from line hashes), its
signature, and the counts, which it broadcasts back; then the final scores
(:func:`dedup.engines.pipeline.assemble_result`: ranks, sources, families). Each is computed with
the local engine's arithmetic, so the result is the local engine's to the last bit: same
pairs, matches, offsets, scores and stats. The documents are gathered on the driver at
the end, as :class:`ScanResult` holds them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dedup.core.errors import DedupError, ParamError
from dedup.core.params import ScanParams
from dedup.core.records import Document, ScanResult
from dedup.engines.pipeline import run_scan
from dedup.engines.spark_engine import SparkEngine
from dedup.engines.spark_io import read_documents, split_out, write_results
from dedup.io.load import LoadReport

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)


def spark_session(master: str = "local[*]", conf: Mapping[str, str] | None = None,
                  app_name: str = "dedup") -> SparkSession:  # fmt: skip
    """A SparkSession on ``master`` (``local[*]``, ``spark://host:7077``, ``yarn``, ...).

    ``conf`` holds ordinary Spark settings (``spark.executor.memory`` and the like).

    Python workers run the interpreter that runs dedup (``sys.executable``) unless the
    environment variable ``PYSPARK_PYTHON`` names another; Spark's own default is the
    ``python3`` first on PATH, which need not have dedup and its dependencies installed.
    The choice is exported as ``PYSPARK_PYTHON`` (pyspark reads it there when the session
    starts) and set as ``spark.pyspark.python`` and ``spark.pyspark.driver.python``.

    Raises
    ------
    DedupError
        When the workers run on this machine (a ``local`` master or a cluster on
        loopback) and ``PYSPARK_PYTHON`` names an interpreter that cannot import dedup:
        every task would fail there, after Spark has printed each failure's Java trace.
    """
    from pyspark.sql import SparkSession

    python = os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if SparkSession.getActiveSession() is None and _on_this_machine(master):
        _check_worker_python(python)
    defaults = {"spark.pyspark.python": python, "spark.pyspark.driver.python": python}
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**defaults, **(conf or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _on_this_machine(master: str) -> bool:
    """Whether the executors of ``master`` run here, so their interpreter can be tried."""
    host = master.removeprefix("spark://").split(":")[0]
    return master.startswith("local") or (master.startswith("spark://")
                                          and host in {"127.0.0.1", "localhost", "::1"})


def _check_worker_python(python: str) -> None:
    """Import what the executors import in ``python``, in the environment they inherit."""
    if python == sys.executable:
        return
    try:
        imports = "import dedup.engines.pipeline, dedup.engines.spark_engine"
        tried = subprocess.run([python, "-c", imports], capture_output=True, text=True,
                               timeout=120)
    except OSError as exc:
        raise DedupError(f"PYSPARK_PYTHON={python}: cannot run it ({exc.strerror}); unset "
                         f"PYSPARK_PYTHON to run Spark's workers on {sys.executable}") from exc
    if tried.returncode != 0:
        why = (tried.stderr.strip().splitlines() or [f"exit status {tried.returncode}"])[-1]
        raise DedupError(f"PYSPARK_PYTHON={python}: Spark's Python workers cannot import dedup "
                         f"there ({why}); install dedup in that interpreter, or unset "
                         f"PYSPARK_PYTHON to run them on {sys.executable}")


def scan_spark(documents: DataFrame | RDD[Document] | Iterable[Document],
               params: ScanParams | None = None, *, spark: SparkSession | None = None,
               partitions: int | None = None, wires: Collection[str] = (),
               dayfirst: bool = False, **kwargs: Any) -> ScanResult:  # fmt: skip
    """:func:`dedup.scan` as a Spark job: the same :class:`ScanResult`, to the last bit.

    Parameters
    ----------
    documents : DataFrame, RDD of Document or iterable of Document
        A DataFrame needs ``id`` and ``text`` columns (``source`` and ``date`` are used
        when present). Ids must be unique.
    params : ScanParams, optional
        All tunables; keywords (``passage_threshold=0.4``) build one instead.
    spark : SparkSession, optional
        Default: the active session, or a new ``local[*]`` one.
    partitions : int, optional
        Tasks of a shuffle (default: twice the context's default parallelism); the
        documents are spread evenly over as many partitions, or more (see
        :class:`~dedup.engines.spark_engine.SparkEngine`).
    wires, dayfirst
        Who copied whom, as for :func:`dedup.scan`.

    Returns
    -------
    ScanResult
        Equal to ``dedup.scan(documents, params)``; documents are gathered on the driver.
    """
    params = ScanParams.from_kwargs(**{**(params.as_dict() if params else {}), **kwargs})
    spark = spark or spark_session()
    parts = max(1, partitions or 2 * spark.sparkContext.defaultParallelism)
    return run_scan(SparkEngine(spark, parts), documents, params, wires=wires,
                    dayfirst=dayfirst)  # fmt: skip


def scan_paths(paths: Sequence[str | os.PathLike[str]], params: ScanParams, *,
               master: str = "local[*]", conf: Sequence[str] = (), out: str | None = None,
               report: LoadReport | None = None, wires: Collection[str] = (),
               dayfirst: bool = False, **reading: Any) -> ScanResult:  # fmt: skip
    """``dedup scan --engine spark``: read, scan and (``out``) write on a session of its own.

    ``conf`` holds ``KEY=VALUE`` Spark settings; ``out`` is ``DIR`` (Parquet folders of
    pairs, matches and document scores) or ``jsonl:DIR``; ``reading`` holds the options of
    :func:`dedup.engines.spark_io.read_documents` (source rules, encoding, field names). A session
    started here is stopped at the end; an active one is used (``master`` and ``conf`` then
    do not apply) and kept.
    """
    from pyspark.errors import PythonException
    from pyspark.sql import SparkSession

    settings = dict(_setting(c) for c in conf)
    fmt, folder = split_out(out) if out is not None else ("parquet", "")
    own = SparkSession.getActiveSession() is None  # else the caller's session, left running
    try:
        spark = spark_session(master, {"spark.ui.showConsoleProgress": "false", **settings})
    except DedupError:
        raise
    except Exception as exc:  # pyspark raises its own error types when the JVM cannot start
        raise DedupError(f"cannot start Spark on {master!r} (it needs Java 17 or newer on PATH "
                         f"or JAVA_HOME): {exc}") from exc  # fmt: skip
    try:
        docs = read_documents(spark, paths, report=report, **reading)
        result = scan_spark(docs, params, spark=spark, wires=wires, dayfirst=dayfirst)
        if out is not None:
            write_results(spark, result, folder, fmt)
        return result
    except PythonException as exc:  # a task failed: an input error raised in an executor
        raise DedupError(_task_error(str(exc))) from None
    finally:
        if own:
            spark.stop()


def _setting(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not (eq and key.strip()):
        raise ParamError(f"A Spark setting must be 'KEY=VALUE'. Got {text!r} instead.")
    return key.strip(), value


def _task_error(trace: str) -> str:
    """The message of the dedup error a failed task raised, else the trace's last line."""
    lines = [line for line in trace.splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith("dedup.core.errors.")]
    return (ours[-1] if ours else lines[-1] if lines else "a Spark task failed").partition(": ")[2]
