"""Scan settings from flags and a TOML file, the pair filters, --fail-on-reuse, -v, and a
command line that starts without loading the scan's libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SEEDS
from test_cli_use import run, run_process

from dedup.core.params import ScanParams


def _scan_json(tmp_path: Path, *argv: str) -> dict:
    out = tmp_path / "r.json"
    status, _, err = run("scan", str(SEEDS), "--workers", "1", "--json", str(out), *argv)
    assert status == 0, err
    data: dict = json.loads(out.read_text())
    return data


def test_a_config_file_sets_the_scan_and_flags_override_it(tmp_path: Path) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text("passage_threshold = 0.4\nchain_min_score = 1.2\nshingle_words = 4\n")
    data = _scan_json(tmp_path, "--config", str(config), "--shingle-words", "6")
    expected = {**ScanParams().as_dict(), "passage_threshold": 0.4, "chain_min_score": 1.2,
                "shingle_words": 6}  # fmt: skip
    assert data["params"] == expected
    assert data["settings"]["config"] == str(config)


def test_an_unknown_config_key_is_an_error_listing_the_valid_ones(tmp_path: Path) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text("passage_treshold = 0.4\n")
    status, out, err = run("scan", str(SEEDS), "--config", str(config))
    assert (status, out) == (2, "")
    assert err.startswith(f"error: {config}: unknown setting(s) 'passage_treshold'; valid ones: ")
    assert all(name in err for name in ScanParams().as_dict())
    config.write_text("passage_threshold = 2\n")
    status, _, err = run("scan", str(SEEDS), "--config", str(config))
    assert status == 2 and err.startswith(f"error: {config}: The 'passage_threshold' parameter")


def test_the_tuned_settings_have_flags_in_help() -> None:
    status, out, _ = run("scan", "--help")
    assert status == 0
    for flag in ("--passage-threshold", "--passage-min-words", "--chain-min-score",
                 "--boilerplate-min-docs", "--shingle-words", "--config", "--cross-source",
                 "--min-reused", "--min-score", "--fail-on-reuse", "--verbose"):  # fmt: skip
        assert flag in out


def test_filters_keep_the_pairs_that_pass_and_their_matches(tmp_path: Path) -> None:
    everything = _scan_json(tmp_path)
    kept = _scan_json(tmp_path, "--min-reused", "1000", "--min-score", "0.5")
    expected = [p for p in everything["pairs"] if p["reused_chars"] >= 1000 and p["score"] >= 0.5]
    assert kept["pairs"] == expected and 0 < len(expected) < len(everything["pairs"])
    pairs = {(p["a"], p["b"]) for p in expected}
    assert kept["matches"] == [m for m in everything["matches"] if (m["a"], m["b"]) in pairs]
    assert kept["settings"] == {"config": None, "cross_source": False, "min_reused": 1000,
                                "min_score": 0.5}  # fmt: skip
    assert [p["has_reuse"] for p in everything["pairs"]] == [
        p["reused_chars"] > 0 for p in everything["pairs"]]
    assert not all(p["has_reuse"] for p in everything["pairs"])


def test_cross_source_keeps_only_pairs_of_two_sources(tmp_path: Path) -> None:
    rules = ["--source-from", "^00[01]_=Reuters", "--source-from", "^.=Other"]
    both = _scan_json(tmp_path, *rules)
    cross = _scan_json(tmp_path, *rules, "--cross-source")
    source = {d["id"]: d["source"] for d in both["documents"]}
    assert cross["pairs"] == [p for p in both["pairs"] if source[p["a"]] != source[p["b"]]]
    assert len(cross["pairs"]) < len(both["pairs"])


@pytest.mark.parametrize(("argv", "status"), [([], 3), (["--min-reused", "10000"], 0)],
                         ids=["reuse", "none-reported"])  # fmt: skip
def test_fail_on_reuse_exits_3_when_a_reported_pair_reuses_text(argv: list[str],
                                                                status: int) -> None:  # fmt: skip
    argv = ["scan", str(SEEDS), "--workers", "1", "--quiet", "--fail-on-reuse", *argv]
    assert run(*argv)[0] == status


def test_verbose_logs_each_stage_as_it_starts_and_ends() -> None:
    done = run_process("scan", str(SEEDS), "--workers", "1", "-v")
    assert done.returncode == 0, done.stderr
    for stage, items in (("analyze", "5 items"), ("candidates", "5 items"), ("score", "1 item")):
        started, ended = f"{stage}: started, {items}\n", f"{stage}: {items} in "
        assert started in done.stderr and ended in done.stderr
        assert done.stderr.index(started) < done.stderr.index(ended)
    assert "counts: documents 5, " in done.stderr
    # Without -v: no stage line of -v's form (a stage slower than 10 s logs "analyze: done, 5
    # items in ..." either way, as without a terminal every long stage does).
    plain = run_process("scan", str(SEEDS), "--workers", "1").stderr
    assert "analyze: started" not in plain and "analyze: 5 items in " not in plain
    assert "counts: " not in plain


def test_the_command_line_starts_without_the_scan_libraries() -> None:
    probe = ("import sys, dedup.cli; from dedup.commands.parser import build_parser; "
             "build_parser(); print(sorted(m for m in ('numpy', 'sklearn', 'numba', 'rich') "
             "if m in sys.modules))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout == "[]\n"
