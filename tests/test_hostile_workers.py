"""Worker processes that die, memory that runs out, more workers than cores: the run stops
with one line and a non-zero exit status, never a hang or a traceback."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import REPO, corpus_jsonl, dedup_process, finish, wait_for_line

from dedup.core.workers import default_workers, ordered_map

_MAP = """
import os, signal, sys
from dedup.core.errors import WorkerDied
from dedup.core.workers import ordered_map

def killed(x):  # what the out-of-memory killer does to a worker
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x

def _no_memory():
    raise MemoryError

class Huge:  # a result that runs out of memory as the parent unpickles it
    def __reduce__(self):
        return (_no_memory, ())

def huge(x):
    return Huge() if x == 3 else x

fn = {"killed": killed, "huge": huge}[sys.argv[1]]
try:
    ordered_map(fn, list(range(40)), workers=2, chunk_size=1)
except WorkerDied:
    print("WorkerDied")
except MemoryError:
    print("MemoryError")
"""


def _run_map(case: str) -> subprocess.CompletedProcess[str]:
    """The map in a process of its own: on a pool that hangs, the test fails, not the suite."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(_MAP), case], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the map hung after the {case} case") from None


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
@pytest.mark.parametrize(("case", "raised"), [("killed", "WorkerDied"), ("huge", "MemoryError")])
def test_a_lost_worker_or_result_stops_the_map(case: str, raised: str) -> None:
    done = _run_map(case)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{raised}\n", "")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find workers")
def test_a_scan_whose_worker_is_killed_exits_1_with_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "big.jsonl"
    corpus_jsonl(corpus, docs=2000, sentences=40)
    proc = dedup_process("scan", str(corpus), "--workers", "2", "-v", cwd=tmp_path)
    wait_for_line(proc, "align: started", timeout=120)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    pids: list[str] = []
    while not pids and proc.poll() is None:  # alignment starts its workers
        pids = children.read_text().split()
        time.sleep(0.01)
    assert pids, "the scan finished before it started workers"
    os.kill(int(pids[0]), signal.SIGKILL)
    status, out, err = finish(proc, "a worker was killed")
    assert status == 1, err
    assert err.endswith("error: a worker process was killed (the system does that when memory "
                        "runs out); scan fewer or smaller documents, or use fewer --workers\n")
    assert "Traceback" not in err and out == ""


def test_more_workers_than_cores_are_capped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        pids = set(ordered_map(lambda _: os.getpid(), list(range(64)), workers=5000,
                               chunk_size=1))  # fmt: skip
    cores = default_workers()
    assert len(pids - {os.getpid()}) <= cores
    assert f"--workers 5000: this machine lets dedup use {cores} cores" in caplog.text


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find workers")
def test_sigterm_stops_a_scan_like_ctrl_c_without_a_traceback(tmp_path: Path) -> None:
    corpus = tmp_path / "big.jsonl"
    corpus_jsonl(corpus, docs=2000, sentences=40)
    proc = dedup_process("scan", str(corpus), "--json", "out.json", "--workers", "2", "-v",
                         cwd=tmp_path)  # fmt: skip
    before = wait_for_line(proc, "align: started", timeout=120)
    os.killpg(proc.pid, signal.SIGTERM)  # as kill does to a shell job
    status, out, err = finish(proc, "SIGTERM")
    assert (status, out) == (130, ""), before + err
    assert err == "interrupted: no output file written; nothing else was changed\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl"]
