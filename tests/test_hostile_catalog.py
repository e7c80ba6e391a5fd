"""The catalog of hostile and unlucky cases, every command on every kind of bad input:
no traceback, an error is one line, and no input (nor any file dedup did not create)
changes, checked by hashing every input before and after each case."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from test_bad_input import A_TEXT, B_TEXT, cli, write_pair
from test_hostile_outputs import digests

_RECORDS = [
    {"id": "a\x1b[2J", "text": A_TEXT + "\ud800", "source": "=cmd|' /C calc'!A0"},
    {"id": "@SUM(1+1)", "text": B_TEXT, "date": "\x9b31m"},
    {"id": "b\udfff", "text": B_TEXT + "\x1b]52;c;Y2FsYw==\x07"},
]


def _inputs(root: Path) -> Path:
    """Every kind of bad input in one folder."""
    write_pair(root / "good")
    (root / "hostile.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _RECORDS))
    (root / "unclosed.csv").write_text('id,text\n1,"never closed\n2,two\n3,three\n')
    (root / "deep.jsonl").write_text("[" * 50_000 + "]" * 50_000 + "\n")
    (root / "bigint.jsonl").write_text('{"id": ' + "9" * 5000 + ', "text": "x"}\n')
    (root / "dups.jsonl").write_text("".join(json.dumps({"id": f"d{i % 900}", "text": "w"})
                                             + "\n" for i in range(3000)))  # fmt: skip
    (root / "paper.txt").write_bytes(b"%PDF-1.4\n" + bytes(range(256)))
    db = sqlite3.connect(root / "other.db")
    db.executescript("CREATE TABLE meta (k, v); CREATE TABLE documents (x);")
    db.close()
    (root / "empty.db").touch()
    (root / "special").mkdir()
    write_pair(root / "special")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "special" / "pipe.jsonl")
    (root / "special" / "linked").symlink_to(root / "good", target_is_directory=True)
    return root


CATALOG = [
    "scan good --json good/a.txt",
    "scan good hostile.jsonl --json OUT/r.json --csv OUT/csv --html OUT/r.html",
    "scan good --csv OUT/csv --json OUT/csv/pairs.csv",
    "scan unclosed.csv", "scan deep.jsonl", "scan bigint.jsonl", "scan dups.jsonl",
    "scan paper.txt", "scan special --json OUT/s.json",
    "index stats other.db", "index add other.db good", "index remove other.db a",
    "query other.db good", "index stats empty.db", "index add empty.db good",
    "index add rediss://127.0.0.1:1/0 good", "index add ftp://host/i good",
    "index add redis://127.0.0.1:1/x good", "index add OUT/i.db good hostile.jsonl",
    "query OUT/i.db hostile.jsonl --json OUT/q.json", "query OUT/i.db good --json good/b.txt",
    "index remove OUT/i.db a\x1b[2J", "overlap good hostile.jsonl --json OUT/o.json",
    "overlap good hostile.jsonl --json hostile.jsonl",
    "dedupe good --out good/kept", "dedupe hostile.jsonl --out hostile.jsonl",
    "dedupe hostile.jsonl --out OUT/kept.jsonl --report hostile.jsonl",
    "dedupe hostile.jsonl --out OUT/kept.jsonl --threshold 0.1",
]  # fmt: skip


def test_the_catalog_gives_no_traceback_and_changes_no_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    monkeypatch.chdir(inputs)
    statuses = []
    for case in CATALOG:
        before = digests(inputs)
        status, _, err = cli(capsys, *case.replace("OUT", str(out)).split(" "))
        statuses.append(status)
        assert status in (0, 2), (case, err)
        if status == 2:
            assert err.startswith("error: ") and err.count("\n") == 1, (case, err)
        assert "Traceback" not in err, case
        assert digests(inputs) == before, case
    assert statuses.count(0) == 7, list(zip(CATALOG, statuses, strict=True))
