"""`dedup scan` through its command line: the table, --json, --csv, parameters, --quiet."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dedup.analysis.normalize import fold
from dedup.cli import main
from dedup.core.errors import ParamError
from dedup.io.load import load
from dedup.report.tables import MATCH_FIELDS, PAIR_FIELDS

SEEDS = Path(__file__).parent.parent / "seeds"
SCHEMA = ["documents", "pairs", "matches", "sources", "source_flows", "families", "corpus",
          "params", "stats", "settings"]


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str


def run_cli(*argv: str) -> Run:
    """``main(argv)`` with stdout and stderr captured; argparse's exit becomes a status."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = int(exc.code or 0)
    return Run(status, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    """One scan of the seeds writing JSON and CSV, shared by the tests that read its output."""
    out = tmp_path_factory.mktemp("seeds-out")
    run = run_cli("scan", str(SEEDS), "--json", str(out / "r.json"), "--csv", str(out / "csv"))
    return run, out


@pytest.fixture(scope="module")
def seeds_json(seeds_run: tuple[Run, Path]) -> dict[str, object]:
    data: dict[str, object] = json.loads((seeds_run[1] / "r.json").read_text(encoding="utf-8"))
    return data


def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_bytes().decode("utf-8") for p in SEEDS.glob("*.txt")}


def test_scan_on_seeds_prints_the_ranked_table_and_run_summary(
    seeds_run: tuple[Run, Path], seeds_json: dict[str, list[dict[str, object]]]
) -> None:
    run, _ = seeds_run
    assert run.status == 0
    assert "Closest document pairs" in run.out and "Top reused passages" in run.out
    assert "Traceback" not in run.err
    listed = [p for p in seeds_json["pairs"] if p["reused_chars"]]
    assert 0 < len(listed) < len(seeds_json["pairs"])
    for pair in listed:
        # ids are folded over two lines at 80 columns: their first 11 characters start the row
        row = rf"^\s+{pair['rank']}\s+{re.escape(str(pair['a'])[:11])}\S*\s+{str(pair['b'])[:11]}"
        assert re.search(row, run.out, re.M), f"rank {pair['rank']} row missing"
    unlisted = len(seeds_json["pairs"]) - len(listed)
    noun = "pair" if unlisted == 1 else "pairs"
    assert f"{unlisted} {noun} without reused passages" in " ".join(run.out.split())
    assert run.err == "Read 5 documents from 5 files; scanned 5.\n"


def test_json_has_the_documented_keys_and_run_counts(seeds_json: dict[str, object]) -> None:
    assert list(seeds_json) == SCHEMA
    stats = seeds_json["stats"]
    assert isinstance(stats, dict)
    assert {k: stats[k] for k in ("documents", "empty_documents", "scanned_documents")} == {
        "documents": 5,
        "empty_documents": 0,
        "scanned_documents": 5,
    }
    assert (stats["files"], stats["skipped_files"]) == (5, 0)
    documents = seeds_json["documents"]
    assert isinstance(documents, list)
    assert sorted(d["id"] for d in documents) == sorted(seed_texts())
    params = seeds_json["params"]
    assert isinstance(params, dict) and params["passage_threshold"] == 0.3


def test_json_pairs_are_sorted_by_rank(seeds_json: dict[str, list[dict[str, object]]]) -> None:
    pairs = seeds_json["pairs"]
    assert [p["rank"] for p in pairs] == list(range(1, len(pairs) + 1))
    assert all(p["a"] < p["b"] for p in pairs)  # type: ignore[operator]
    assert len(pairs) >= 4  # the seeds' two AFP rewrites, Reuters pair and the blog's sources


def test_every_json_match_indexes_the_original_texts_exactly(
    seeds_json: dict[str, list[dict[str, object]]],
) -> None:
    texts = seed_texts()
    matches = seeds_json["matches"]
    assert len(matches) >= 5
    for m in matches:
        spans = []
        for side in ("a", "b"):
            text, start, end = texts[m[side]], m[f"{side}_start"], m[f"{side}_end"]  # type: ignore[index]
            assert isinstance(start, int) and isinstance(end, int)
            assert 0 <= start < end <= len(text)
            span = text[start:end]
            assert span == span.strip(), f"{m[side]}:{start}-{end} has untrimmed space"
            # a span neither starts nor ends inside a word
            assert start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())
            assert end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
            spans.append(fold(span))
        if m["kind"] == "verbatim":
            assert re.findall(r"\w+", spans[0]) == re.findall(r"\w+", spans[1])


def test_csv_writes_pairs_and_matches_as_in_the_json(
    seeds_run: tuple[Run, Path], seeds_json: dict[str, list[dict[str, object]]]
) -> None:
    folder = seeds_run[1] / "csv"
    with open(folder / "pairs.csv", newline="", encoding="utf-8") as f:
        pairs = list(csv.DictReader(f))
    with open(folder / "matches.csv", newline="", encoding="utf-8") as f:
        matches = list(csv.DictReader(f))
    assert list(pairs[0]) == PAIR_FIELDS and list(matches[0]) == MATCH_FIELDS
    assert [(p["a"], p["b"], int(p["rank"])) for p in pairs] == [
        (p["a"], p["b"], p["rank"]) for p in seeds_json["pairs"]
    ]
    assert [(m["a"], m["b"], int(m["a_start"]), int(m["b_end"]), m["kind"]) for m in matches] == [
        (m["a"], m["b"], m["a_start"], m["b_end"], m["kind"]) for m in seeds_json["matches"]
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--passage-threshold", "1.5"],
            "dedup scan: error: argument --passage-threshold: must be a float in [0, 1]; got '1.5'",
        ),
        (["--num-perm", "1"],
         "dedup scan: error: argument --num-perm: must be an int in [2, 1024]; got '1'"),
        (
            ["--passage-threshold", "half"],
            "dedup scan: error: argument --passage-threshold: invalid float value: 'half'",
        ),
        (["--workers", "0"], "dedup scan: error: argument --workers: must be an int >= 1; got '0'"),
        (["--top", "-1"], "dedup scan: error: argument --top: must be an int >= 0; got '-1'"),
        (
            ["--encoding", "utf-9"],
            "error: The 'encoding' parameter must be a codec Python knows",
        ),
        (
            ["--source-from", "nonsense"],
            "error: A source rule must be 'folder' or 'REGEX=SOURCE'. Got 'nonsense' instead.",
        ),
        (["--no-such-option"], "dedup: error: unrecognized arguments: --no-such-option"),
    ],
    ids=["range", "int-range", "not-a-float", "workers", "top", "encoding", "rule", "unknown"],
)
def test_bad_parameter_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "a.txt").write_text("Some words to scan here.")
    run = run_cli("scan", str(tmp_path), *args)
    assert run.status == 2
    assert run.out == ""
    assert run.err.startswith(message)
    assert run.err.count("\n") == 1, run.err  # one line, not wrapped at 80 columns


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    body = "The harbour reopened on Monday after three weeks of repairs to the outer wall."
    (tmp_path / "a.txt").write_text(f"{body}\n\nA local paper added nothing else of note.\n")
    (tmp_path / "b.txt").write_text(f"Quiet morning news.\n\n{body}\n")
    run = run_cli("scan", str(tmp_path), "--quiet", "--json", str(tmp_path / "out" / "r.json"))
    assert (run.status, run.out, run.err) == (0, "", "")
    assert json.loads((tmp_path / "out" / "r.json").read_text())["stats"]["documents"] == 2


def test_unwritable_output_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some words to scan here.")
    (tmp_path / "taken").mkdir()  # a folder where the JSON file should go
    run = run_cli("scan", str(tmp_path / "a.txt"), "--json", str(tmp_path / "taken"))
    assert run.status == 2
    assert run.err.startswith(f"error: {tmp_path / 'taken'}: cannot write: ")
    assert run.err.endswith("choose another path\n") and run.err.count("\n") == 1
    assert [p.name for p in (tmp_path / "taken").iterdir()] == []  # no temporary file left


def test_error_text_with_brackets_is_printed_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "[bold]x[red].jsonl"  # rich markup in a file name is not interpreted
    path.write_text('{"id": "a"}\n')
    run = run_cli("scan", str(path))
    assert run.status == 2
    assert run.err.startswith(f'error: {path}:1: field "text" is missing')


def test_running_out_of_memory_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    (tmp_path / "a.txt").write_text("Some words to scan here.")
    monkeypatch.setattr("dedup.engines.pipeline.scan", no_memory)
    run = run_cli("scan", str(tmp_path))
    assert (run.status, run.out) == (1, "")
    assert run.err == (
        "error: out of memory after reading 0 documents from 0 files; "
        "scan fewer or smaller documents\n"
    )


def test_an_error_caused_by_ctrl_c_counts_as_ctrl_c() -> None:
    # numba raises SystemError, chained to the KeyboardInterrupt, when Ctrl-C lands
    # while it loads a compiled function: the CLI must still exit with status 130.
    from dedup.cli import interrupted

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as inner:
            raise SystemError("returned a result with an exception set") from inner
    except SystemError as exc:
        assert interrupted(exc)
    assert not interrupted(SystemError("unrelated"))


def test_scan_reads_records_with_other_field_names(tmp_path: Path, seeds_dir: Path) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))
    path = tmp_path / "news-please.jsonl"
    path.write_text("".join(json.dumps({"url": f"https://news.example/{p.stem}",
                                        "maintext": p.read_text(encoding="utf-8"),
                                        "source_domain": f"site{k % 2}.example",
                                        "date_publish": "2022-01-12"}) + "\n"
                            for k, p in enumerate(seeds)), encoding="utf-8")  # fmt: skip
    out = tmp_path / "out.json"
    args = ["scan", str(path), "--json", str(out), "--quiet", "--id-field", "url",
            "--text-field", "maintext", "--source-field", "source_domain",
            "--date-field", "date_publish"]  # fmt: skip
    assert main(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {d["id"]: d["source"] for d in result["documents"]} == {
        f"https://news.example/{p.stem}": f"site{k % 2}.example" for k, p in enumerate(seeds)}
    assert all("extra" not in d for d in result["documents"])  # every field was mapped
    top = result["pairs"][0]
    assert {top["a"], top["b"]} == {f"https://news.example/{seeds[1].stem}",
                                    f"https://news.example/{seeds[4].stem}"}  # fmt: skip


def test_field_names_that_collide_are_a_clear_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    assert main(["scan", str(path), "--id-field", "text"]) == 2
    err = capsys.readouterr().err
    assert "field names must be distinct" in err and err.count("\n") == 1


def _piped(args: list[str], data: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``dedup ARGS`` in a real process with ``data`` on a pipe to its standard input."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    return subprocess.run([sys.executable, "-m", "dedup", *args], input=data, cwd=cwd, env=env,
                          capture_output=True, timeout=300, check=False)  # fmt: skip


def test_scan_reads_json_lines_from_a_pipe_as_from_the_file(tmp_path: Path,
                                                            seeds_dir: Path) -> None:  # fmt: skip
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")})
                            + "\n" for p in sorted(seeds_dir.glob("*.txt"))),
                    encoding="utf-8")  # fmt: skip
    piped = _piped(["scan", "-", "--json", "piped.json", "--quiet"], path.read_bytes(), tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert main(["scan", str(path), "--json", str(tmp_path / "file.json"), "--quiet"]) == 0
    from_pipe = json.loads((tmp_path / "piped.json").read_text(encoding="utf-8"))
    from_file = json.loads((tmp_path / "file.json").read_text(encoding="utf-8"))
    assert from_pipe["matches"] == from_file["matches"] and from_pipe["matches"]
    assert from_pipe["pairs"] == from_file["pairs"]


def test_errors_on_a_pipe_name_stdin_and_its_line(tmp_path: Path) -> None:
    bad = _piped(["scan", "-"], b'{"id": "a", "text": "x"}\n{bad\n', tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.decode() == ("error: <stdin>:2: not valid JSON: Expecting property name "
                                   "enclosed in double quotes at column 2\n")  # fmt: skip
    latin = _piped(["scan", "-"], '{"id": "a", "text": "caf\u00e9"}\n'.encode("latin-1"), tmp_path)
    assert latin.stderr.decode().startswith("error: <stdin>: not valid utf-8; try --encoding")
    back = _piped(["dedupe", "-", "--out", "kept.jsonl"], b'{"id": "a", "text": "x"}\n', tmp_path)
    assert back.returncode == 2 and b"cannot be written back" in back.stderr
    assert not (tmp_path / "kept.jsonl").exists()


def test_standard_input_can_be_named_once() -> None:
    with pytest.raises(ParamError, match="can be read once"):
        load(["-", "-"])
