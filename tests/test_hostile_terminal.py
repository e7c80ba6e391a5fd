"""What reaches the terminal: escape sequences in ids and texts are drawn, never obeyed;
memory running out in any command is one line and exit status 1."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from test_bad_input import A_TEXT, B_TEXT, cli

from dedup.report.console import visible

CLEAR = "\x1b[2J"  # clears the screen
CLIPBOARD = "\x1b]52;c;Y2FsYw==\x07"  # OSC 52: writes the clipboard
TITLE = "\x9b31m"  # a C1 control sequence introducer


def test_visible_draws_every_control_character_and_keeps_newlines_and_tabs() -> None:
    assert visible(f"a{CLEAR}b") == "a\u241b[2Jb"
    assert visible(CLIPBOARD) == "\u241b]52;c;Y2FsYw==\u2407"
    assert visible(TITLE + "\x7f\r\x00") == "\\x9b31m\u2421\u240d\u2400"
    assert visible("line\n\tnext \ud800 東京") == "line\n\tnext \ufffd 東京"


def test_escape_sequences_in_ids_and_texts_never_reach_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    docs = tmp_path / "docs.jsonl"
    records = [{"id": f"a{CLEAR}", "text": A_TEXT + CLIPBOARD, "source": f"s{TITLE}"},
               {"id": f"b{CLIPBOARD}", "text": B_TEXT}]  # fmt: skip
    docs.write_text("".join(json.dumps(r) + "\n" for r in records))
    runs = [cli(capsys, "scan", str(docs)),
            cli(capsys, "overlap", str(docs), str(docs)),
            cli(capsys, "dedupe", str(docs), "--dry-run", "--threshold", "0.1"),
            cli(capsys, "index", "add", str(tmp_path / "i.db"), str(docs)),
            cli(capsys, "query", str(tmp_path / "i.db"), str(docs))]  # fmt: skip
    for status, out, err in runs:
        assert status == 0, err
        for text in (out, err):
            assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "a\u241b[2J" in runs[0][1]  # the id is shown, drawn


@pytest.mark.parametrize("command", ["index", "overlap", "dedupe"])
def test_running_out_of_memory_in_any_command_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:  # fmt: skip
    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError  # as a gzip bomb does under a memory limit

    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "a", "text": A_TEXT}) + "\n")
    module, name = {"index": ("dedup.workflows.index", "analyze"),
                    "overlap": ("dedup.workflows.overlap", "overlap"),
                    "dedupe": ("dedup.workflows.dedupe", "dedupe")}[command]  # fmt: skip
    monkeypatch.setattr(importlib.import_module(module), name, no_memory)
    argv = {"index": ["index", "add", str(tmp_path / "i.db"), str(docs)],
            "overlap": ["overlap", str(docs), str(docs)],
            "dedupe": ["dedupe", str(docs), "--dry-run"]}[command]  # fmt: skip
    status, out, err = cli(capsys, *argv)
    assert (status, out) == (1, "")
    assert err.startswith("error: out of memory; ") and err.endswith(
        "; use fewer or smaller documents\n")
    assert err.count("\n") == 1
