"""A Spark standalone cluster on this machine: one master and its workers, each a process.

For trying ``dedup scan --engine spark --spark-master spark://...`` (and measuring it)
without a cluster::

    from dedup.engines.spark_cluster import standalone_cluster

    with standalone_cluster(workers=2) as master:  # "spark://127.0.0.1:PORT"
        result = scan_spark(docs, spark=spark_session(master))

The processes are started with the launcher pyspark ships (``bin/spark-class``, the
``Master`` and ``Worker`` classes of Spark's standalone deploy mode) on the loopback
interface, with free ports, logs and work folders in a temporary folder. Each process
leads a process group of its own; leaving the ``with`` block ends every group (a worker's
executors and their Python workers with it).

The workers start executors whose Python is the interpreter running dedup
(``sys.executable``) unless ``PYSPARK_PYTHON`` names another, as
:func:`dedup.engines.spark.spark_session` chooses for the tasks.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from dedup.core.errors import DedupError

_STARTED = re.compile(r"Starting Spark master at (spark://\S+)")
_REGISTERED = "Successfully registered with master"
_START_S = 120.0  # a JVM starts in seconds; a loaded machine may take much longer


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark (its ``bin/spark-class``)."""
    import pyspark

    return Path(pyspark.__file__).parent


@contextmanager
def standalone_cluster(workers: int = 2, *, cores: int = 1,
                       memory: str = "1g") -> Iterator[str]:  # fmt: skip
    """A master and ``workers`` workers (``cores`` cores and ``memory`` each), as processes.

    Yields
    ------
    str
        The master's URL, ``spark://127.0.0.1:PORT``.

    Raises
    ------
    DedupError
        When a process exits or does not report within ``_START_S`` seconds (its log
        is named).
    """
    env = {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": "127.0.0.1",
           "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable)}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="dedup-spark-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        master_log = folder / "master.log"
        master = stack.enter_context(_process(
            ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", "0",
             "--webui-port", "0"], master_log, env))  # fmt: skip
        url = _wait_for(master, master_log, _STARTED).group(1)
        for k in range(workers):
            log = folder / f"worker{k}.log"
            worker = stack.enter_context(_process(
                ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port", "0",
                 "--webui-port", "0", "--cores", str(cores), "--memory", memory,
                 "--work-dir", str(folder / f"work{k}"), url], log, env))  # fmt: skip
            _wait_for(worker, log, re.compile(re.escape(_REGISTERED)))
        yield url


@contextmanager
def _process(args: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """``spark-class ARGS`` with its output in ``log``; its process group ended on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen([str(spark_home() / "bin" / "spark-class"), *args], env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
    try:
        yield proc
    finally:
        _end_group(proc)


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group ``proc`` leads (a JVM runs its shutdown hooks: a
    worker stops its executors), then SIGKILL to whatever of it is left."""
    for stop, wait_s in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, stop)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        if not _group_alive(proc.pid):
            break
    proc.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for(proc: subprocess.Popen[bytes], log: Path, pattern: re.Pattern[str]) -> re.Match[str]:
    """The first match of ``pattern`` in ``log`` as ``proc`` writes it."""
    deadline = time.monotonic() + _START_S
    while time.monotonic() < deadline:
        found = pattern.search(log.read_text(errors="replace"))
        if found:
            return found
        if proc.poll() is not None:
            raise DedupError(f"{log}: the Spark process exited with status {proc.returncode}")
        time.sleep(0.2)
    raise DedupError(f"{log}: no {pattern.pattern!r} after {_START_S:.0f} s")
