"""Memory that really runs out, under an address-space limit as ``prlimit --as`` sets it:
every command stops with one line and exit status 1, never a traceback, and writes
nothing."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import REPO

PRLIMIT = shutil.which("prlimit")
# dedup starts in about 0.7 GB of address space with one BLAS thread; the inputs below
# need several times what is left under this limit.
LIMIT_BYTES = 1_000_000_000

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="address-space limits as on Linux"),
    pytest.mark.skipif(PRLIMIT is None, reason="prlimit (util-linux) is not installed"),
]


def _limited(*argv: str, cwd: Path) -> tuple[int, str, str]:
    """``dedup ARGV`` under the limit: exit status, stdout, stderr."""
    # One BLAS thread: the start-up footprint then does not grow with the cores.
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([str(PRLIMIT), f"--as={LIMIT_BYTES}", sys.executable, "-m", "dedup",
                           *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def _gzip_bomb(path: Path, text_bytes: int) -> Path:
    """One JSON line whose text is ``text_bytes`` of words, gzipped about 300 to 1: the
    same compressed block repeated (gzip members concatenate)."""
    sentence = "the council said on monday that the new bridge would open in spring "
    block = gzip.compress((sentence * 16_000).encode(), compresslevel=9)
    with open(path, "wb") as f:
        f.write(gzip.compress(b'{"id": "bomb", "text": "'))
        for _ in range(text_bytes // (len(sentence) * 16_000)):
            f.write(block)
        f.write(gzip.compress(b'"}\n'))
    return path


@pytest.mark.parametrize("command", ["index add", "dedupe", "overlap"])
def test_a_gzip_bomb_under_a_memory_limit_is_one_line(tmp_path: Path, command: str) -> None:
    bomb = _gzip_bomb(tmp_path / "bomb.jsonl.gz", text_bytes=3_000_000_000)
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "s", "text": "A short text of a few words."}) + "\n")
    argv = {
        "index add": ["index", "add", "i.db", bomb.name],
        "dedupe": ["dedupe", bomb.name, "--out", "kept"],
        "overlap": ["overlap", bomb.name, small.name, "--json", "o.json"],
    }[command]
    status, out, err = _limited(*argv, cwd=tmp_path)
    assert (status, out) == (1, ""), err
    assert err.startswith("error: out of memory; ") and err.count("\n") == 1, err
    # nothing written: not even the new index, which no document reached
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.jsonl.gz", "small.jsonl"]


def test_a_dry_run_of_documents_too_large_to_analyse_is_one_line(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    words = np.array([f"w{i}" for i in range(50_000)])
    docs = tmp_path / "large.jsonl"
    with open(docs, "w", encoding="utf-8") as f:
        for i in range(3):  # 3 million words a document: analysis needs gigabytes
            text = " ".join(words[rng.integers(0, len(words), 3_000_000)].tolist())
            f.write(json.dumps({"id": f"d{i}", "text": text}) + "\n")
    status, out, err = _limited("dedupe", docs.name, "--dry-run", cwd=tmp_path)
    assert (status, out) == (1, ""), err
    assert err == (
        "error: out of memory; no output file written or changed; use fewer or smaller documents\n"
    )
