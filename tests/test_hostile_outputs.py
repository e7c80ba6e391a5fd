"""Outputs never overwrite an input, are written all or none, hold any text the input
held, and carry nothing a spreadsheet would run. Every case hashes its inputs before
and after: no input is ever changed."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import seed_documents, tmpfs
from test_bad_input import A_TEXT, B_TEXT, cli, one_error, write_pair

IS_INPUT = "dedup never writes over what it reads: choose another output path"


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (links as the file they lead to)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Two text files, a JSONL file, a folder holding a CSV named pairs.csv, links to
    a.txt and to the JSONL file, and an index of b.txt."""
    write_pair(tmp_path)
    _jsonl(tmp_path / "docs.jsonl", [{"id": "x", "text": A_TEXT}, {"id": "y", "text": A_TEXT}])
    (tmp_path / "tables").mkdir()
    with open(tmp_path / "tables" / "pairs.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "text"], ["p", A_TEXT], ["q", B_TEXT]])
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "docs.jsonl")
    assert cli(capsys, "index", "add", str(tmp_path / "idx.db"), str(tmp_path / "b.txt"))[0] == 0
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "output"),
    [
        ("scan a.txt b.txt --json a.txt", "a.txt"),
        ("scan a.txt b.txt --html b.txt", "b.txt"),
        ("scan a.txt b.txt --json link.txt", "link.txt"),
        ("scan tables a.txt --csv tables", "tables/pairs.csv"),
        ("query idx.db a.txt --json a.txt", "a.txt"),
        ("overlap a.txt b.txt --json b.txt", "b.txt"),
        ("dedupe docs.jsonl --out kept.jsonl --report docs.jsonl", "docs.jsonl"),
        ("dedupe docs.jsonl --out link.jsonl", "link.jsonl"),
        ("dedupe tables --out out --report tables/pairs.csv", "tables/pairs.csv"),
    ],
)
def test_an_output_over_an_input_is_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], inputs: Path, monkeypatch: pytest.MonkeyPatch,
    argv: str, output: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(inputs)
    before = digests(inputs)
    err = one_error(capsys, *argv.split())
    assert err.startswith(f"error: {output}: is the input ") and err.endswith(IS_INPUT)
    assert digests(inputs) == before


def test_dedupe_out_inside_the_input_folder_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    write_pair(folder)
    before = digests(tmp_path)
    err = one_error(capsys, "dedupe", str(folder), "--out", str(folder / "kept"))
    assert err == (f"error: {folder / 'kept'}: lies inside the input folder {folder}, whose next "
                   "scan would read the documents written there as new ones; choose a folder "
                   "outside it")  # fmt: skip
    assert digests(tmp_path) == before


def test_two_outputs_at_one_path_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_pair(tmp_path)
    out = tmp_path / "out"
    err = one_error(capsys, "scan", str(tmp_path), "--json", str(out), "--html", str(out))
    assert err.startswith(f"error: {out}: two outputs of this run would be written there")


def test_a_named_pipe_is_written_into_never_replaced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """As ``/dev/null`` or ``/dev/stdout`` would be: renaming onto one replaces it."""
    write_pair(tmp_path / "in")
    pipe = tmp_path / "out.json"
    os.mkfifo(pipe)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(pipe.read_bytes()), daemon=True)
    reader.start()
    status, _, err = cli(capsys, "scan", str(tmp_path / "in"), "--json", str(pipe), "--quiet")
    assert status == 0, err
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    reader.join()
    assert [d["id"] for d in json.loads(read[0])["documents"]] == ["a", "b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out.json"]  # nothing staged


LONE = "\ud800"  # a JSON "\ud800" escape: a lone surrogate, which UTF-8 cannot hold


def test_lone_surrogates_reach_every_output_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    docs = _jsonl(tmp_path / "docs.jsonl", [
        {"id": f"a{LONE}", "text": A_TEXT + LONE, "source": f"s{LONE}"},
        {"id": "b", "text": B_TEXT},
        {"id": f"c{LONE}", "text": B_TEXT},
    ])  # fmt: skip
    before = digests(tmp_path)
    out = tmp_path / "out"
    status, _, err = cli(capsys, "scan", str(docs), "--json", str(out / "r.json"), "--csv",
                         str(out / "csv"), "--html", str(out / "r.html"))  # fmt: skip
    assert status == 0, err
    data = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert {d["id"] for d in data["documents"]} == {f"a{LONE}", "b", f"c{LONE}"}  # exact
    assert "a\ufffd" in (out / "csv" / "pairs.csv").read_text(encoding="utf-8")
    assert "a\ufffd" in (out / "r.html").read_text(encoding="utf-8")
    for argv in (["overlap", str(docs), str(docs), "--json", str(out / "o.json")],
                 ["dedupe", str(docs), "--out", str(out / "kept.jsonl")]):  # fmt: skip
        status, _, err = cli(capsys, *argv)
        assert status == 0, (argv, err)
    assert json.loads((out / "o.json").read_text(encoding="utf-8"))["documents"]
    report = json.loads((out / "kept.jsonl.report.json").read_text(encoding="utf-8"))
    assert report["dropped"][0]["id"] == f"c{LONE}"
    assert (out / "kept.jsonl").read_bytes() == docs.read_bytes().split(b"\n", 2)[0] + b"\n" + (
        docs.read_bytes().split(b"\n", 2)[1] + b"\n")  # the kept records, byte for byte
    assert digests(tmp_path)["docs.jsonl"] == before["docs.jsonl"]


def test_csv_cells_never_start_a_formula(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = ["=1+1", "+cmd", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\tx"]
    docs = _jsonl(tmp_path / "docs.jsonl", [{"id": i, "text": A_TEXT} for i in ids])
    status, _, err = cli(capsys, "scan", str(docs), "--csv", str(tmp_path / "csv"), "--quiet")
    assert status == 0, err
    for name in ("pairs.csv", "matches.csv"):
        with open(tmp_path / "csv" / name, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        cells = {row[side] for row in rows for side in ("a", "b")}
        assert cells == {"'" + i for i in ids}, name


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a small file system with no space left (a tmpfs mounted as root)."""
    with tmpfs(tmp_path / "disk", "64k") as disk:
        with pytest.raises(OSError), open(disk / "filler", "wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
        yield disk


def test_a_full_disk_leaves_no_output_of_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, full_disk: Path, seeds_dir: Path
) -> None:
    out = tmp_path / "out"
    err = one_error(capsys, "scan", str(seeds_dir), "--json", str(out / "r.json"),
                    "--html", str(full_disk / "r.html"))  # fmt: skip
    assert "No space left on device; no output file was written" in err
    assert not out.exists() or not any(out.iterdir())
    docs = _jsonl(tmp_path / "docs.jsonl",
                  [{"id": d.id, "text": d.text} for d in seed_documents()])  # fmt: skip
    status, _, err = cli(capsys, "dedupe", str(docs), "--out", str(out / "kept.jsonl"),
                         "--report", str(full_disk / "report.json"))  # fmt: skip
    assert status == 2 and err.count("\n") == 1
    assert "No space left on device; no output file was written" in err
    assert not any(out.iterdir())
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]
