"""Input that a careless or hostile user hands dedup: special files and links in folders,
records that never end, JSON nested or numbered past what Python reads, ids that are
texts, and thousands of duplicated ids. Each is read, or named in one line; none hangs,
none prints a traceback, none is dropped without a word."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import dedup_process, finish
from test_bad_input import A_TEXT, B_TEXT, cli, one_error, write_pair

from dedup.io.load_records import MAX_ID_CHARS


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pipes_in_a_folder_are_skipped_and_named(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_pair(folder)
    for name in ("pipe.txt", "pipe.jsonl"):
        os.mkfifo(folder / name)  # nobody writes to them: reading one blocks forever
    status, _, err = finish(dedup_process("scan", "in", "--top", "0", cwd=tmp_path), "a pipe")
    assert status == 0, err
    assert "Read 2 documents from 2 files; scanned 2." in err
    special = "(not a regular file (a pipe, socket or device))"
    assert (f"Skipped 2 files in folders: in/pipe.jsonl {special}, in/pipe.txt {special}."
            in err)  # fmt: skip


def test_a_linked_subfolder_is_named_not_silently_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_pair(tmp_path / "elsewhere")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "c.txt").write_text(A_TEXT)
    (folder / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    status, _, err = cli(capsys, "scan", str(folder), "--top", "0")
    assert status == 0, err
    assert "Read 1 document from 1 file" in err
    assert (f"Skipped 1 file in folders: {folder / 'linked'} (a link to a folder, not followed "
            "(name that folder to read it))." in err)  # fmt: skip


def test_an_unreadable_subfolder_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    write_pair(folder)
    locked = folder / "locked"
    locked.mkdir()
    (locked / "c.txt").write_text(B_TEXT)
    listing = os.scandir

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        # Tests run as root, whom permissions do not stop: the refusal is injected.
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    status, _, err = cli(capsys, "scan", str(folder), "--top", "0")
    assert status == 0, err
    assert f"Skipped 1 file in folders: {locked} (cannot be read: Permission denied)." in err


def test_a_csv_quote_never_closed_is_an_error_not_one_long_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    rows = [f"{i},{' '.join(A_TEXT.split())}" for i in range(2, 7)]
    path.write_text('id,text\n1,"an opening quote that never closes\n' + "\n".join(rows) + "\n")
    err = one_error(capsys, "scan", str(path))
    assert err == (f"error: {path}:2: a quoted field opens here and is never closed: lines 2 to "
                   "7 would be one field; close the quote")  # fmt: skip


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("[" * 100_000 + "]" * 100_000, "not valid JSON here: nested too deeply"),
        ('{"id": ' + "7" * 5000 + ', "text": "x"}',
         "not readable JSON: Exceeds the limit (4300 digits) for integer string conversion"),
        (json.dumps({"id": "x" * (MAX_ID_CHARS + 1), "text": "words"}),
         f'field "id" holds {MAX_ID_CHARS + 1:,} characters; an id has at most '
         f"{MAX_ID_CHARS:,} (is --id-field the right column?)"),
    ],
    ids=["deep", "5000-digit-id", "long-id"],
)  # fmt: skip
def test_json_past_what_python_reads_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"id": "a", "text": A_TEXT}) + "\n" + line + "\n")
    err = one_error(capsys, "scan", str(path))
    assert err.startswith(f"error: {path}:2: {problem}")


def test_fifty_thousand_duplicated_ids_are_counted_and_a_few_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "t.jsonl"
    lines = [json.dumps({"id": f"d{i % 50_000}", "text": "a few words"}) for i in range(100_001)]
    path.write_text("\n".join(lines) + "\n")
    err = one_error(capsys, "scan", str(path))
    assert err.startswith(f"error: {path}: ids must be unique; 50,000 duplicated: "
                          f"'d0' ({path}:1, {path}:50001, {path}:100001); "
                          f"'d1' ({path}:2, {path}:50002); ")  # fmt: skip
    assert err.endswith(" and 49,995 more ids")
    assert len(err) < 2000  # not the 1.6 MB that lists every copy
