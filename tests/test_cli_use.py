"""The command line as a newcomer uses it: output to pipes and narrow terminals, settings,
filters and exits, messages that name what the user typed, and the CSV and JSON extras.

Runs that depend on a real pipe or terminal width (``--json -``, ``COLUMNS=80``) start
``python -m dedup``; the others call :func:`dedup.cli.main` in this process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import SEEDS, random_sentence, random_text
from test_cli import run_cli

import dedup
from dedup.io.load import load
from dedup.report.html import render_html
from dedup.report.tables import CSV_TEXT_LIMIT


def run(*argv: str) -> tuple[int, str, str]:
    """``main(argv)`` in this process: status, stdout, stderr (argparse's exit a status)."""
    done = run_cli(*argv)
    return done.status, done.out, done.err


def run_process(*argv: str, columns: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m dedup ARGV`` with stdout a pipe, as in ``dedup ... | cat``."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-m", "dedup", *argv], capture_output=True,
                          text=True, env=env, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def seeds_result() -> dedup.ScanResult:
    return dedup.scan(load([SEEDS]), workers=1)


@pytest.mark.parametrize("columns", ["80", None], ids=["COLUMNS=80", "piped"])
def test_every_number_of_the_pair_table_is_whole_at_80_columns(
    columns: str | None, seeds_result: dedup.ScanResult
) -> None:
    done = run_process("scan", str(SEEDS), "--workers", "1", columns=columns)
    assert done.returncode == 0, done.stderr
    table = done.stdout.split("Closest document pairs")[1].split("\n\n")[0]
    header = next(line for line in table.splitlines() if "rank" in line)
    assert max(map(len, done.stdout.splitlines())) <= 80
    assert "reused" in header and "b in a" in header
    reusing = [p for p in seeds_result.pairs if p.reused_chars]
    ranks = re.findall(r"^ +(\d+)  ", table, re.M)  # the rank column is right-aligned
    assert ranks == [str(p.rank) for p in reusing[:10]]  # pairs alike in TF-IDF only: no row
    for p in reusing:
        row = next(line for line in table.splitlines() if line.split()[:1] == [str(p.rank)])
        assert row.rstrip().endswith(f"{p.reused_chars:,}")  # the last column, whole
        whole = {"score": f"{p.score:.3f}", "b in a": f"{p.containment_ba:.0%}",
                 "a in b": f"{p.containment_ab:.0%}", "jaccard": f"{p.jaccard:.3f}"}  # fmt: skip
        for column, value in whole.items():
            if f" {column} " in f" {header} ":
                assert f" {value} " in f" {row} ", (column, row)


def test_the_query_table_keeps_ids_whole_and_dates_short_in_a_pipe(tmp_path: Path) -> None:
    # long sources and dates as outlets write them: at 80 columns the source column goes
    # and dates are shown as read, in ISO 8601
    dates = ["Wed, 12 Jan 2022 10:00:00 +0000", "Thursday, January 13, 2022 09:15 EST",
             "1642204800", "12 January 2022"]  # fmt: skip
    day1 = tmp_path / "day1.jsonl"
    stems = sorted(p.stem for p in SEEDS.glob("*.txt"))
    day1.write_text("".join(json.dumps({
        "id": f"{stem[:3]}_story", "text": (SEEDS / f"{stem}.txt").read_text(),
        "source": f"The Daily Outlet Number {k}", "date": date}) + "\n"
        for k, (stem, date) in enumerate(zip(stems[:2] + stems[4:], dates[:3], strict=True))))
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "new", "text": (SEEDS / f"{stems[3]}.txt").read_text(),
                               "date": dates[3]}) + "\n")  # fmt: skip
    index = tmp_path / "desk.db"
    assert run_process("index", "add", str(index), str(day1)).returncode == 0
    done = run_process("query", str(index), str(new), columns="80")
    assert done.returncode == 0, done.stderr
    assert max(map(len, done.stdout.splitlines())) <= 80
    rows = [line.split() for line in done.stdout.splitlines() if "_story " in line]
    assert rows and all(len(row) == 6 for row in rows), done.stdout  # id, date, when, numbers
    assert {row[1] for row in rows} <= {"2022-01-12T10:00:00Z", "2022-01-13T14:15:00Z",
                                         "2022-01-15T00:00:00Z"}  # fmt: skip


def test_json_dash_is_standard_output_and_the_summary_stays_on_stderr() -> None:
    done = run_process("scan", str(SEEDS), "--workers", "1", "--json", "-")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # nothing else on stdout
    assert len(data["documents"]) == 5 and data["pairs"]
    assert done.stderr.startswith("Read 5 documents from 5 files")
    assert not Path("-").exists()


def test_json_to_the_file_behind_standard_output_leaves_out_the_tables() -> None:
    done = run_process("scan", str(SEEDS), "--workers", "1", "--json", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # the terminal tables would follow the JSON
    assert len(data["documents"]) == 5 and data["pairs"]


def test_several_outputs_may_go_to_one_device() -> None:
    done = run_process("scan", str(SEEDS), "--workers", "1", "--quiet", "--json", "/dev/null",
                       "--html", "/dev/null")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Path("/dev/null").is_char_device()


def test_csv_dash_is_pairs_csv_on_standard_output(tmp_path: Path) -> None:
    status, out, _ = run("scan", str(SEEDS), "--workers", "1", "--csv", "-",
                         "--json", str(tmp_path / "r.json"))  # fmt: skip
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = json.loads((tmp_path / "r.json").read_text())["pairs"]
    assert [(r["a"], r["b"], int(r["reused_chars"]), r["has_reuse"]) for r in rows] == [
        (p["a"], p["b"], p["reused_chars"], str(p["has_reuse"])) for p in expected]
    assert {r["has_reuse"] for r in rows} == {"True", "False"}


def test_q_is_quiet_as_v_is_verbose(tmp_path: Path) -> None:
    assert run("scan", str(SEEDS), "--workers", "1", "-q", "--json", str(tmp_path / "r.json")
               ) == (0, "", "")  # fmt: skip


def test_version_prints_the_version() -> None:
    assert run("--version") == (0, f"dedup {dedup.__version__}\n", "")


def test_a_bad_value_names_the_flag_typed(tmp_path: Path) -> None:
    status, _, err = run("dedupe", str(SEEDS), "--dry-run", "--threshold", "1.5")
    assert status == 2
    assert err.startswith("dedup dedupe: error: argument --threshold: must be a number in (0, 1]")
    status, _, err = run("scan", str(SEEDS), "--chain-min-score", "-1")
    assert (status, err.split(" (see")[0]) == (
        2, "dedup scan: error: argument --chain-min-score: must be a float >= 0; got '-1'")


def test_standard_input_is_named_stdin_in_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "a"}\n')))
    status, _, err = run("dedupe", "-", "--out", str(tmp_path / "kept.jsonl"))
    assert status == 2 and err.startswith("error: <stdin>: records read from standard input")


def test_source_rules_match_the_id_as_printed_and_say_when_they_do_not_apply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    texts = sorted(SEEDS.glob("*.txt"))
    for folder, src in (("wire", texts[4]), ("paper", texts[1])):
        (tmp_path / "in" / folder).mkdir(parents=True)
        (tmp_path / "in" / folder / "nato-talks.txt").write_bytes(src.read_bytes())
    out = tmp_path / "r.json"
    status, _, _ = run("scan", str(tmp_path / "in"), "--source-from", "^wire/=AP",
                       "--json", str(out), "--workers", "1")  # fmt: skip
    assert status == 0
    sources = {d["id"]: d["source"] for d in json.loads(out.read_text())["documents"]}
    assert sources == {"wire/nato-talks": "AP", "paper/nato-talks": "paper/nato-talks"}

    records = tmp_path / "feed.jsonl"
    records.write_text("".join(json.dumps({"id": f"reu_{i}", "text": t.read_text(),
                                           **({"source": "Reuters"} if i else {})}) + "\n"
                               for i, t in enumerate(texts[:2])))  # fmt: skip
    assert run("scan", str(records), "--source-from", "^reu_=R", "--workers", "1")[0] == 0
    assert "warning: 1 record with a 'source' field keeps that source" in caplog.text
    assert run("scan", str(records), "--source-field", "outlet", "--workers", "1")[0] == 0
    assert "warning: no record has a field 'outlet' (--source-field)" in caplog.text


def test_files_in_subfolders_take_the_subfolder_as_source(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    texts = sorted(SEEDS.glob("*.txt"))
    for folder, src in (("afp", texts[0]), ("afp", texts[3]), ("reuters", texts[4])):
        (tmp_path / "in" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / folder / src.name).write_bytes(src.read_bytes())
    out = tmp_path / "r.json"
    assert run("scan", str(tmp_path / "in"), "--json", str(out), "--workers", "1")[0] == 0
    assert "Sources: the subfolder of each file" in caplog.text
    docs = json.loads(out.read_text())["documents"]
    assert sorted(d["source"] for d in docs) == ["afp", "afp", "reuters"]
    (tmp_path / "in" / texts[1].name).write_bytes(texts[1].read_bytes())  # one loose file
    caplog.clear()
    assert run("scan", str(tmp_path / "in"), "--json", str(out), "--workers", "1")[0] == 0
    assert f"Sources: each document is its own, as {texts[1].name} lies outside" in caplog.text
    docs = json.loads(out.read_text())["documents"]
    assert all(d["source"] == d["id"] for d in docs)


def test_query_on_an_indexed_id_says_so_and_compares_with_the_others(tmp_path: Path) -> None:
    db = str(tmp_path / "i.db")
    assert run("index", "add", db, str(SEEDS))[0] == 0
    seed = sorted(SEEDS.glob("004_*.txt"))[0]
    status, out, _ = run("query", db, str(seed))
    assert status == 0
    assert f"{seed.stem} is indexed with the same text" in out
    # 001 (its back-translation) and 000 (China Daily took two of its Reuters lines)
    assert "from 2 indexed documents" in out and "001_e2ab171a521ca024" in out
    changed = tmp_path / seed.name
    changed.write_text(seed.read_text() + "\nA closing line added later.\n")
    status, out, _ = run("query", db, str(changed))
    assert status == 0 and f"{seed.stem} is indexed with another text" in out


def test_html_counts_one_passage_in_the_singular() -> None:
    rng = np.random.default_rng(7)
    shared = " ".join(random_sentence(rng) for _ in range(2))
    a = random_text(rng, 6) + "\n\n" + shared + "\n\n" + random_text(rng, 6)
    b = random_text(rng, 6) + "\n\n" + shared + "\n\n" + random_text(rng, 6)
    result = dedup.scan([dedup.Document("a", a), dedup.Document("b", b)], workers=1)
    assert len(result.matches_between("a", "b")) == 1
    html = render_html(result)
    assert "· 1 passage</p>" in html and "1 passages" not in html


def test_overlap_json_gives_each_b_source_its_own_totals(tmp_path: Path) -> None:
    texts = sorted(SEEDS.glob("*.txt"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for t in (texts[2], texts[3]):
        (tmp_path / "a" / t.name).write_bytes(t.read_bytes())
    (tmp_path / "b" / texts[0].name).write_bytes(texts[0].read_bytes())
    out = tmp_path / "o.json"
    assert run("overlap", str(tmp_path / "a"), str(tmp_path / "b"), "--json", str(out),
               "--workers", "1")[0] == 0  # fmt: skip
    rows = {s["side"]: s for s in json.loads(out.read_text())["sources"]}
    b_chars = len(texts[0].read_text(encoding="utf-8"))
    assert (rows["b"]["documents"], rows["b"]["documents_with_reuse"]) == (1, 1)
    assert rows["b"]["chars"] == b_chars
    assert 0 < rows["b"]["reused_chars"] <= b_chars


def test_csv_holds_shared_words_passage_text_documents_and_sources(tmp_path: Path) -> None:
    status, _, _ = run("scan", str(SEEDS), "--workers", "1", "--csv", str(tmp_path),
                       "--json", str(tmp_path / "r.json"))  # fmt: skip
    assert status == 0
    data = json.loads((tmp_path / "r.json").read_text())
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    with open(tmp_path / "matches.csv", newline="", encoding="utf-8") as f:
        matches = list(csv.DictReader(f))
    assert len(matches) == len(data["matches"])
    for row, m in zip(matches, data["matches"], strict=True):
        assert row["shared_words"].split() == m["shared_words"]
        passage = texts[m["a"]][m["a_start"]:m["a_end"]]
        assert len(row["a_text"]) <= CSV_TEXT_LIMIT
        assert passage.startswith(row["a_text"].removesuffix("…").lstrip("'"))
    assert any(len(texts[m["a"]][m["a_start"]:m["a_end"]]) > CSV_TEXT_LIMIT
               for m in data["matches"])  # fmt: skip
    with open(tmp_path / "documents.csv", newline="", encoding="utf-8") as f:
        documents = list(csv.DictReader(f))
    assert [r["id"] for r in documents] == [d["id"] for d in data["documents"]]
    assert [json.loads(r["boilerplate"]) for r in documents] == [
        d["boilerplate"] for d in data["documents"]]
    assert any(d["boilerplate"] for d in data["documents"])
    with open(tmp_path / "sources.csv", newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == len(data["sources"])
