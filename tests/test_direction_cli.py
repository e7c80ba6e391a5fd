"""Who copied whom on the command line: --wire, --dayfirst, arrows, flows, query's dates."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from helpers import random_text
from rich.console import Console
from test_cli import Run, run_cli

import dedup
from dedup.core.records import Document, ScanResult
from dedup.report.terminal import pair_table

SEEDS = Path(__file__).parent.parent / "seeds"


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def story() -> str:
    return random_text(np.random.default_rng(7), 16)


def test_scan_prints_who_took_from_whom_and_the_top_flow(tmp_path: Path) -> None:
    run = run_cli("scan", str(SEEDS), "--csv", str(tmp_path))
    assert run.status == 0
    assert "b → a 0.73" in run.out and "siblings via" in run.out  # folded at 80 columns
    assert "001_e2ab171a521ca024 takes 71% of its text on 1 story from" in run.out
    with (tmp_path / "pairs.csv").open(encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    assert (first["from"], first["to"], first["relation"]) == ("004_8caa1555c1246b20",
                                                               "001_e2ab171a521ca024", "copy")
    assert (tmp_path / "flows.csv").read_text().startswith("taker,giver,documents,chars,share\n")


def test_a_flow_over_several_stories_counts_them_in_plain_english(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    stories = [random_text(rng, 12) for _ in range(2)]
    rows = [{"id": f"w{k}", "text": s + "\n\n" + random_text(rng, 3), "source": "Newswire"}
            for k, s in enumerate(stories)]  # fmt: skip
    rows += [{"id": f"n{k}", "text": s, "source": "Gazette"} for k, s in enumerate(stories)]
    run = run_cli("scan", str(_jsonl(tmp_path / "two.jsonl", rows)), "--wire", "Newswire")
    assert run.status == 0
    assert "Gazette takes 100% of its text on 2 stories from Newswire" in run.out, run.out


def test_wire_flag_names_the_source(tmp_path: Path, story: str,
                                    caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    path = _jsonl(tmp_path / "two.jsonl", [
        {"id": "n", "text": story, "source": "Gazette"},
        {"id": "w", "text": story + "\n\nMore lines of the agency's own.", "source": "Newswire"},
    ])  # fmt: skip
    out = tmp_path / "r.json"
    run = run_cli("scan", str(path), "--wire", "newswire", "--wire", "News Wires", "--json",
                  str(out))  # fmt: skip
    assert run.status == 0
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1  # names compare loosely: newswire is Newswire
    assert "--wire 'News Wires' names no document's source" in warned[0]
    assert "1 source pair scored" in run.out
    [pair] = [p for p in json.loads(out.read_text())["pairs"] if p["reused_chars"]]
    assert (pair["direction"]["from"], pair["direction"]["to"]) == ("w", "n")
    assert pair["direction"]["evidence"][0] == "role: w is from Newswire, a wire"


def test_dayfirst_changes_which_date_comes_first(tmp_path: Path, story: str) -> None:
    path = _jsonl(tmp_path / "d.jsonl", [
        {"id": "x", "text": story, "source": "one", "date": "15/01/2022"},
        {"id": "y", "text": story, "source": "two", "date": "01/02/2022"},
    ])  # fmt: skip
    for flag, source in (([], "y"), (["--dayfirst"], "x")):  # 2 January, or 1 February
        out = tmp_path / "r.json"
        assert run_cli("scan", str(path), "--json", str(out), "--quiet", *flag).status == 0
        [pair] = json.loads(out.read_text())["pairs"]
        assert pair["direction"]["from"] == source
        run = run_cli("dedupe", str(path), "--dry-run", *flag)
        assert run.status == 0 and f" {'x' if source == 'y' else 'y'}  " in run.out


def _query(tmp_path: Path, story: str, indexed_date: str, new_date: str) -> Run:
    """Index ``story`` as "old" dated ``indexed_date``, then query it as "new"."""
    old = _jsonl(tmp_path / "old.jsonl", [
        {"id": "old", "text": story, "source": "one", "date": indexed_date}])
    new = _jsonl(tmp_path / "new.jsonl", [
        {"id": "new", "text": story, "source": "two", "date": new_date}])  # fmt: skip
    db = str(tmp_path / "i.db")
    assert run_cli("index", "add", db, str(old)).status == 0
    return run_cli("query", db, str(new))


def test_query_says_whether_the_indexed_document_is_earlier(tmp_path: Path, story: str) -> None:
    run = _query(tmp_path, story, "Wed, 12 Jan 2022 10:00:00 +0000", "1642100000")
    assert run.status == 0 and "than this" in run.out and "earlier" in run.out


def test_query_warns_of_indexed_dates_it_cannot_read(tmp_path: Path, story: str,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    run = _query(tmp_path, story, "see page 4", "2022-01-12")
    assert run.status == 0 and "old" in run.out and "earlier" not in run.out
    assert ("warning: 1 of 1 indexed documents' dates not understood, taken as missing "
            "(e.g. old: 'see page 4'") in caplog.text


@pytest.fixture(scope="module")
def seeds_by_file_name() -> ScanResult:
    return dedup.scan([Document(p.stem, p.read_text(encoding="utf-8"))
                       for p in sorted(SEEDS.glob("*.txt"))])  # fmt: skip


@pytest.mark.parametrize(("width", "arrow"), [
    (200, "004_8caa1555c1246b20 → 001_e2ab171a521ca024 0.73"), (80, "b → a 0.73")])
def test_the_arrow_names_the_ids_where_they_fit(seeds_by_file_name: ScanResult, width: int,
                                                arrow: str) -> None:  # fmt: skip
    result = seeds_by_file_name
    pairs = [p for p in result.pairs if p.reused_chars]
    published = {d.id: d.published for d in result.document_scores}
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(pair_table(pairs, published, width))
    assert arrow in console.export_text()
