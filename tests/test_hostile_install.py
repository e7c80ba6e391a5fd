"""An install the running user cannot write to (system-wide, a container run as another
user, no home folder) runs: numba's on-disk cache goes to a folder of the user's under
the temporary folder, or is left out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import REPO, SEEDS, tmpfs


@pytest.fixture
def read_only_install(tmp_path: Path) -> Iterator[Path]:
    """A copy of the package on a file system mounted read-only (root can write to any
    folder whatever its permissions, so the mount is what refuses)."""
    with tmpfs(tmp_path / "site", "64m") as site:
        shutil.copytree(REPO / "dedup", site / "dedup",
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        subprocess.run(["mount", "-o", "remount,ro", str(site)], check=True)
        yield site


def _scan(site: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")}  # fmt: skip
    # HOME on the read-only mount too: root could create any /nonexistent
    run_env = {**clean, "PYTHONPATH": str(site), "HOME": str(site), "TMPDIR": str(tmp)}
    code = ("import sys, dedup; assert dedup.__file__.startswith(sys.argv[1]), dedup.__file__; "
            "from dedup.cli import main; sys.exit(main(sys.argv[2:]))")
    return subprocess.run([sys.executable, "-c", code, str(site), "scan", str(SEEDS), "--quiet",
                           "--workers", "1"], env=run_env, capture_output=True, text=True,
                          cwd=tmp, timeout=600)  # fmt: skip


def test_a_read_only_install_and_home_cache_in_the_temporary_folder(
    read_only_install: Path, tmp_path: Path
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    done = _scan(read_only_install, tmp)
    assert (done.returncode, done.stderr) == (0, "")
    cache = tmp / f"dedup-numba-{os.getuid()}"
    assert any(cache.rglob("*.nbi")), "numba cached nothing in the temporary folder"
    assert (cache.stat().st_mode & 0o777) == 0o700


def test_with_no_writable_folder_at_all_it_runs_uncached(
    read_only_install: Path, tmp_path: Path
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir(mode=0o777)
    (tmp / f"dedup-numba-{os.getuid()}").mkdir(mode=0o777)  # others could plant code there
    (tmp / f"dedup-numba-{os.getuid()}").chmod(0o777)
    done = _scan(read_only_install, tmp)
    assert (done.returncode, done.stderr) == (0, "")
    assert not any((tmp / f"dedup-numba-{os.getuid()}").iterdir())
