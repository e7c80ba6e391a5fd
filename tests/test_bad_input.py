"""A catalog of bad input, run through the command line.

Every case either works (and then the reused passage is found at offsets that index the
original text, decoded as dedup decodes it) or stops with one line naming the file, and the
line or byte offset, and saying what to do: exit status 2, never a traceback, never a
document dropped without a word.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import (
    _SYLLABLES,
    corpus_jsonl,
    dedup_process,
    finish,
    random_text,
    wait_for_line,
)

from dedup.cli import main
from dedup.io.load_files import ACCEPTED

REPO = Path(__file__).parent.parent
NO_WORDS = "nothing to compare: a scan needs two documents with words"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``dedup`` run in this process."""
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def scan_json(capsys: pytest.CaptureFixture[str], out: Path, *argv: str) -> dict[str, Any]:
    """Run ``dedup scan ARGV --json OUT --quiet``, which must succeed silently; the JSON."""
    status, stdout, err = cli(capsys, "scan", *argv, "--json", str(out), "--quiet")
    assert (status, stdout, err) == (0, "", "")
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def one_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``dedup ARGV``, which must fail with exit status 2 and one line; that line."""
    status, out, err = cli(capsys, *argv)
    assert (status, out) == (2, ""), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err.rstrip("\n")


def reuse(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in data["matches"] if m["kind"] != "boilerplate"]


def assert_found(data: dict[str, Any], texts: dict[str, str], planted: dict[str, str]) -> None:
    """Exactly one reuse match, between two documents, spanning the planted passage in each.

    ``texts`` are the documents' texts as dedup reads them (raw bytes decoded the same way,
    no newline translation); ``planted`` the passage as it stands in each of the two.
    """
    [m] = reuse(data)
    assert {m["a"], m["b"]} == set(planted)
    for side in ("a", "b"):
        doc = m[side]
        start, end = m[f"{side}_start"], m[f"{side}_end"]
        assert texts[doc][start:end] == planted[doc], f"{doc}: {texts[doc][start:end]!r}"
        assert texts[doc].index(planted[doc]) == start


def _host(rng: np.random.Generator, passage: str) -> str:
    return f"{random_text(rng, 6)}\n\n{passage}\n\n{random_text(rng, 5)}"


_RNG = np.random.default_rng(7)
SHARED = random_text(_RNG, 5)  # two or three paragraphs, joined by "\n\n"
A_TEXT, B_TEXT = (_host(_RNG, SHARED) for _ in range(2))


def _quoted(text: str) -> str:
    """``text`` with curly quotes and an apostrophe, all in cp1252 (0x93, 0x94, 0x92)."""
    words = text.split(" ")
    words[3], words[7] = "\u201c" + words[3], words[7] + "\u201d"
    words[10] += "\u2019s"
    return " ".join(words)


QUOTED = _quoted(SHARED)


def write_pair(folder: Path, a: str = A_TEXT, b: str = B_TEXT) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(a, encoding="utf-8", newline="")
    (folder / "b.txt").write_text(b, encoding="utf-8", newline="")
    return {"a": a, "b": b}


# --- paths, empty and tiny documents ----------------------------------------------------


def test_missing_path_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = one_error(capsys, "scan", str(tmp_path / "nope"))
    assert err == f"error: {tmp_path / 'nope'}: no such file or folder"


def test_empty_folder_says_what_dedup_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    err = one_error(capsys, "scan", str(tmp_path / "empty"))
    assert err == (
        f"error: {tmp_path / 'empty'}: no documents found (files without records: 0; "
        f"entries skipped: 0); {ACCEPTED}"
    )


def test_empty_file_is_read_not_scanned_and_said_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "empty.txt").write_text("")
    status, out, err = cli(capsys, "scan", str(tmp_path / "empty.txt"))
    assert status == 0
    assert err == (
        f"Read 1 document from 1 file; scanned 0; not scanned (no words): 1 (empty); {NO_WORDS}.\n"
    )
    assert "No reused passages found." in out
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path / "empty.txt"))
    assert [(d["id"], d["chars"]) for d in data["documents"]] == [("empty", 0)]
    stats = data["stats"]
    assert (stats["documents"], stats["empty_documents"], stats["scanned_documents"]) == (1, 1, 0)


def test_whitespace_only_documents_are_listed_as_not_scanned(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    texts = write_pair(tmp_path)
    for i in range(10):
        (tmp_path / f"blank{i:02}.txt").write_text(" \n\t\r\n\u00a0\u3000 " * i)
    (tmp_path / "entities.txt").write_text("&amp; &nbsp; &#8212;")  # decodes to no word
    (tmp_path / "rule.txt").write_text("* * *\n— … —\n")
    status, _, err = cli(capsys, "scan", str(tmp_path), "--json", str(tmp_path / "o.json"))
    assert status == 0
    blanks = ", ".join(f"blank{i:02}" for i in range(10))
    assert err == (
        f"Read 14 documents from 14 files; scanned 2; "
        f"not scanned (no words): 12 ({blanks} and 2 more).\n"
    )
    data = json.loads((tmp_path / "o.json").read_text())
    assert len(data["documents"]) == 14  # listed, not dropped
    assert (data["stats"]["empty_documents"], data["stats"]["scanned_documents"]) == (12, 2)
    assert_found(data, texts, {"a": SHARED, "b": SHARED})


def test_a_single_document_is_scanned_with_nothing_to_compare(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "one.txt").write_text(A_TEXT)
    status, out, err = cli(capsys, "scan", str(tmp_path / "one.txt"))
    assert status == 0
    assert err == f"Read 1 document from 1 file; scanned 1; {NO_WORDS}.\n"
    assert "No reused passages found." in out


def test_a_one_word_document_is_scanned_beside_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    texts = write_pair(tmp_path)
    first_word = SHARED.split()[0]
    (tmp_path / "word.txt").write_text(first_word)
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path))
    assert [d["id"] for d in data["documents"]] == ["a", "b", "word"]
    assert data["stats"]["scanned_documents"] == 3
    assert_found(data, texts, {"a": SHARED, "b": SHARED})


# --- not text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "looks"),
    [
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a PNG image"),
        (
            "articles.gz",
            gzip.compress(b"plain text\n"),
            "gzip-compressed data",
        ),
    ],
    ids=["pdf", "png", "gzip"],
)
def test_binary_input_is_refused_saying_what_it_looks_like(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, data: bytes, looks: str
) -> None:
    (tmp_path / name).write_bytes(data)
    err = one_error(capsys, "scan", str(tmp_path / name))
    assert err == f"error: {tmp_path / name}: looks like {looks}, not text; {ACCEPTED}"


def test_other_files_in_a_folder_are_skipped_and_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_pair(tmp_path)
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n")
    (tmp_path / ".hidden.txt").write_text(SHARED)
    status, _, err = cli(capsys, "scan", str(tmp_path), "--json", str(tmp_path / "o.json"))
    assert status == 0
    assert err.splitlines() == [
        "Read 2 documents from 2 files; scanned 2.",
        f"Skipped 2 files in folders: {tmp_path / '.hidden.txt'} (hidden file), "
        f"{tmp_path / 'report.pdf'} (not a supported file type).",
    ]
    stats = json.loads((tmp_path / "o.json").read_text())["stats"]
    assert (stats["files"], stats["skipped_files"]) == (2, 2)


def test_gzipped_txt_and_jsonl_are_read_transparently(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with gzip.open(tmp_path / "a.txt.gz", "wb") as f:
        f.write(A_TEXT.encode("utf-8"))
    with gzip.open(tmp_path / "more.jsonl.gz", "wt", encoding="utf-8") as g:
        g.write(json.dumps({"id": "b", "text": B_TEXT}) + "\n")
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path))
    assert_found(data, {"a": A_TEXT, "b": B_TEXT}, {"a": SHARED, "b": SHARED})


# --- encodings and line ends --------------------------------------------------------------


def test_invalid_utf8_names_file_line_and_byte_then_encoding_options_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    win = _host(np.random.default_rng(1), QUOTED)
    raw = win.encode("cp1252")
    (tmp_path / "win.txt").write_bytes(raw)
    (tmp_path / "b.txt").write_bytes(codecs.BOM_UTF8 + B_TEXT.encode("utf-8"))  # BOM wins
    offset = raw.index(b"\x93")
    line = raw[:offset].count(b"\n") + 1
    err = one_error(capsys, "scan", str(tmp_path))
    assert err == (
        f"error: {tmp_path / 'win.txt'}:{line}: not valid utf-8: byte 0x93 at byte offset "
        f"{offset} (invalid start byte); try --encoding cp1252 (Windows), "
        "or --encoding-errors replace to turn bad bytes into U+FFFD"
    )
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path), "--encoding", "cp1252")
    assert_found(data, {"win": win, "b": B_TEXT}, {"win": QUOTED, "b": SHARED})

    lossy = raw.decode("utf-8", errors="replace")
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path), "--encoding-errors", "replace")
    assert {d["id"]: d["chars"] for d in data["documents"]} == {"b": len(B_TEXT), "win": len(lossy)}
    [m] = reuse(data)  # U+FFFD where the quotes were: the passage is still found
    assert (m["a"], m["b"]) == ("b", "win")
    replaced = QUOTED.translate({0x201C: 0xFFFD, 0x201D: 0xFFFD, 0x2019: 0xFFFD})
    assert lossy[m["b_start"] : m["b_end"]] == replaced


def test_bom_utf16_and_cp1252_offsets_count_in_the_decoded_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rng = np.random.default_rng(2)
    texts = {name: _host(rng, QUOTED) for name in ("bom8", "bom16", "win")}
    (tmp_path / "bom8.txt").write_bytes(codecs.BOM_UTF8 + texts["bom8"].encode("utf-8"))
    (tmp_path / "bom16.txt").write_bytes(texts["bom16"].encode("utf-16"))  # BOM + LE
    (tmp_path / "win.txt").write_bytes(texts["win"].encode("cp1252"))
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path), "--encoding", "cp1252")
    assert len(reuse(data)) == 3  # each pair shares the quoted passage
    for m in reuse(data):
        for side in ("a", "b"):
            span = texts[m[side]][m[f"{side}_start"] : m[f"{side}_end"]]
            assert span == QUOTED, (m[side], span)


def test_crlf_and_lone_cr_offsets_index_the_raw_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "dos.txt").write_bytes(A_TEXT.replace("\n", "\r\n").encode())
    (tmp_path / "mac.txt").write_bytes(B_TEXT.replace("\n", "\r").encode())
    raw = {p.stem: p.read_bytes().decode("utf-8") for p in tmp_path.glob("*.txt")}
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path))
    planted = {"dos": SHARED.replace("\n", "\r\n"), "mac": SHARED.replace("\n", "\r")}
    assert_found(data, raw, planted)


# --- JSONL --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "c" "text": "x"}', "not valid JSON: Expecting ',' delimiter at column 12"),
        (
            '{"id": "c", "text": "no end}',
            "not valid JSON: Invalid control character at the end of the line; "
            "each record is one JSON object on one line",
        ),
        (
            '{"id": "c", "body": "x"}',
            'field "text" is missing (each line needs "id" and "text"; got id, body)',
        ),
        ('{"id": "c", "text": ["x"]}', 'field "text" must be a string, got an array'),
        ('{"id": "c", "text": null}', 'field "text" must be a string, got null'),
        ("null", "expected a JSON object, got null"),
        ("{}", 'field "id" is missing (each line needs "id" and "text"; got no fields)'),
    ],
    ids=["malformed", "cut-short", "no-text", "text-array", "text-null", "null", "empty-object"],
)
def test_bad_jsonl_line_names_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "wires.jsonl"
    good = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in (("a", A_TEXT), ("b", "x")))
    path.write_text(good + "\n" + line + "\n")  # a blank line still counts as a line
    err = one_error(capsys, "scan", str(path))
    assert err.startswith(f"error: {path}:4: {problem}")


def test_duplicate_ids_are_all_listed_with_where_each_copy_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(A_TEXT)
    path = tmp_path / "w.jsonl"
    ids = ["a", "b", "c", "b", "d", "b"]
    path.write_text("".join(json.dumps({"id": i, "text": B_TEXT}) + "\n" for i in ids))
    err = one_error(capsys, "scan", str(tmp_path / "a.txt"), str(path))
    assert err == (
        f"error: {path}: ids must be unique; 2 duplicated: 'a' ({tmp_path / 'a.txt'}, {path}:1); "
        f"'b' ({path}:2, {path}:4, {path}:6)"
    )


def test_jsonl_extra_fields_pass_through_to_the_json_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    extra = {"url": "https://example.org/a", "tags": ["wire", "afp"], "meta": {"words": 3}}
    records = [
        {"id": "a", "text": A_TEXT, "source": "AFP", "date": "2022-01-12", **extra},
        {"id": "b", "text": B_TEXT},
    ]
    path = tmp_path / "w.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    data = scan_json(capsys, tmp_path / "o.json", str(path))
    a, b = data["documents"]
    assert (a["id"], a["source"], a["extra"]) == ("a", "AFP", extra)
    assert "extra" not in b
    assert_found(data, {"a": A_TEXT, "b": B_TEXT}, {"a": SHARED, "b": SHARED})


# --- CSV ----------------------------------------------------------------------------------


def _csv_bytes(rows: list[list[str]], bom: bool = False) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)  # quotes the fields with newlines; lines end "\r\n"
    return (codecs.BOM_UTF8 if bom else b"") + buf.getvalue().encode("utf-8")


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_csv_quoted_newlines_and_header_bom(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bom: bool
) -> None:
    rows = [["id", "text", "lang"], ["a", A_TEXT, "en"], ["b", B_TEXT, "fr"]]
    (tmp_path / "t.csv").write_bytes(_csv_bytes(rows, bom=bom))
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path / "t.csv"))
    assert [(d["id"], d["extra"]) for d in data["documents"]] == [
        ("a", {"lang": "en"}),
        ("b", {"lang": "fr"}),
    ]
    assert_found(data, {"a": A_TEXT, "b": B_TEXT}, {"a": SHARED, "b": SHARED})


def test_csv_missing_column_lists_the_columns_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "t.csv").write_bytes(_csv_bytes([["id", "body"], ["a", A_TEXT]], bom=True))
    err = one_error(capsys, "scan", str(tmp_path / "t.csv"))
    assert (
        err
        == f'error: {tmp_path / "t.csv"}: needs columns "id" and "text"; found columns: id, body'
    )


# --- text that normalization changes --------------------------------------------------------


def test_offsets_survive_text_that_changes_length_under_normalization(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    words = SHARED.split(" ")
    plain = " ".join(words)
    # ligature, combining accent (the plain side has the precomposed letter), full-width
    # letters, an emoji with a skin-tone modifier and a ZWJ sequence, non-breaking spaces
    words[1] = "ﬁ" + words[1]
    words[2] = "é" + words[2]
    words[4] = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in words[4])
    words[6] = words[6] + " 👍🏽 👩‍💻"
    changed = "\u00a0".join(words[:8]) + " " + " ".join(words[8:])
    plain_words = plain.split(" ")
    plain_words[1] = "fi" + plain_words[1]
    plain_words[2] = "e\u0301" + plain_words[2]
    plain = " ".join(plain_words)
    assert len(changed) != len(plain)
    texts = write_pair(
        tmp_path, _host(np.random.default_rng(3), plain), B_TEXT.replace(SHARED, changed)
    )
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path))
    assert_found(data, texts, {"a": plain, "b": changed})


def test_a_lone_surrogate_from_a_json_escape_is_scanned_with_exact_offsets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # JSON allows "\\ud800" alone; Python decodes it to a lone surrogate, which has no UTF-8.
    broken = "\ud800 " + A_TEXT
    lines = [json.dumps({"id": "a", "text": broken}), json.dumps({"id": "b", "text": B_TEXT})]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path / "in.jsonl"))
    assert_found(data, {"a": broken, "b": B_TEXT}, {"a": SHARED, "b": SHARED})


# --- scripts without spaces -----------------------------------------------------------------


def _cjk_text(rng: np.random.Generator, chars: str, sentences: int) -> str:
    pool = np.array(list(chars))
    out = ["".join(rng.choice(pool, int(rng.integers(14, 30)))) + "。" for _ in range(sentences)]
    return "".join(out[: sentences // 2]) + "\n\n" + "".join(out[sentences // 2 :])


HAN = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000, 3))
KANA = "".join(chr(c) for c in range(0x3041, 0x3097)) + "".join(
    chr(c) for c in range(0x30A1, 0x30FB)
)


@pytest.mark.parametrize("chars", [HAN, KANA + HAN[:400]], ids=["chinese", "japanese"])
def test_reuse_is_found_in_scripts_without_spaces(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, chars: str
) -> None:
    rng = np.random.default_rng(4)
    copied = "".join(_cjk_text(rng, chars, 4).split("\n\n"))
    a = _cjk_text(rng, chars, 6) + "\n\n" + copied + "\n\n" + _cjk_text(rng, chars, 4)
    b = _cjk_text(rng, chars, 4) + "\n\n" + copied + "\n\n" + _cjk_text(rng, chars, 6)
    texts = write_pair(tmp_path, a, b)
    data = scan_json(capsys, tmp_path / "o.json", str(tmp_path))
    assert_found(data, texts, {"a": copied, "b": copied})


# --- very large input -------------------------------------------------------------------------

# News-like vocabulary: 200,000 words drawn with Zipf's law, so that a large text has stock
# words in every sentence and a long tail of rare ones (names, places) as real text has.
_SYL = np.array(_SYLLABLES)
_N = np.arange(300_000)
_VOCAB = np.random.default_rng(0).permutation(  # ranks in no alphabetical order
    np.unique(np.char.add(np.char.add(_SYL[_N % 112], _SYL[_N // 112 % 112]),
                          _SYL[_N // 12544 % 112]))[:200_000]
)  # fmt: skip
_ZIPF = 1 / np.arange(1, len(_VOCAB) + 1)
_ZIPF /= _ZIPF.sum()
MEMORY_CAP = 8 << 30  # address space a scan of 50 MB may use: "bounded memory"


def _sentences(rng: np.random.Generator, n: int) -> list[str]:
    words = _VOCAB[rng.choice(len(_VOCAB), (n, 16), p=_ZIPF)]
    return [" ".join(w).capitalize() + "." for w in words]


def _news_like(rng: np.random.Generator, chars: int, planted: str) -> str:
    """At least ``chars`` characters of 16-word sentences in 4-sentence paragraphs, with
    ``planted`` as a paragraph in the middle. Built in numpy: 50 MB takes seconds."""
    paragraphs: list[str] = []
    size = len(planted)
    while size < chars:
        sentences = _sentences(rng, 50_000)
        for i in range(0, len(sentences), 4):
            paragraphs.append(" ".join(sentences[i : i + 4]))
            size += len(paragraphs[-1]) + 2
            if size >= chars:
                break
    half = len(paragraphs) // 2
    return "\n\n".join([*paragraphs[:half], planted, *paragraphs[half:]])


def _donor(rng: np.random.Generator) -> tuple[str, str]:
    """A 24-sentence text and the two paragraphs of it that are copied."""
    s = _sentences(rng, 24)
    donor = "\n\n".join(" ".join(s[i : i + 4]) for i in range(0, 24, 4))
    return donor, "\n\n".join(donor.split("\n\n")[1:3])


def _capped_scan(paths: list[Path], out: Path) -> subprocess.CompletedProcess[str]:
    """``python -m dedup scan PATHS --json OUT --quiet`` with its address space capped."""
    code = (
        "import resource, runpy, sys; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP})); "
        "sys.argv = ['dedup', *sys.argv[1:]]; runpy.run_module('dedup', run_name='__main__')"
    )
    argv = [sys.executable, "-c", code, "scan", *map(str, paths), "--json", str(out), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)


def test_a_10_mb_jsonl_line_is_scanned_in_bounded_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    donor, planted = _donor(rng)
    huge = _news_like(rng, 10_000_000, planted)
    path = tmp_path / "c.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "huge", "text": huge}) + "\n")
        f.write(json.dumps({"id": "donor", "text": donor}) + "\n")
    assert path.stat().st_size > 10_000_000
    run = _capped_scan([path], tmp_path / "o.json")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    data = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert_found(data, {"huge": huge, "donor": donor}, {"huge": planted, "donor": planted})


def test_a_50_mb_document_is_scanned_in_bounded_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    donor, planted = _donor(rng)
    big = _news_like(rng, 50_000_000, planted)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.txt").write_text(big, encoding="utf-8")
    (tmp_path / "in" / "donor.txt").write_text(donor, encoding="utf-8")
    assert (tmp_path / "in" / "big.txt").stat().st_size > 50_000_000
    run = _capped_scan([tmp_path / "in"], tmp_path / "o.json")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    data = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert_found(data, {"big": big, "donor": donor}, {"big": planted, "donor": planted})


# --- subprocess: no traceback whatever the input ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("missing.txt", None, "no such file or folder"),
        ("report.pdf", b"%PDF-1.4\n", "looks like a PDF, not text"),
        (
            "latin.txt",
            "caf\u00e9\n".encode("latin-1"),
            "not valid utf-8: byte 0xe9 at byte offset 3",
        ),
    ],
    ids=["missing", "pdf", "latin-1"],
)
def test_a_real_process_prints_one_line_and_no_traceback(
    tmp_path: Path, name: str, data: bytes | None, expected: str
) -> None:
    if data is not None:
        (tmp_path / name).write_bytes(data)
    proc = dedup_process("scan", name, cwd=tmp_path)
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, out) == (2, "")
    assert err.startswith(f"error: {name}") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_ctrl_c_exits_130_with_one_line_and_leaves_outputs_untouched(tmp_path: Path) -> None:
    corpus = tmp_path / "big.jsonl"
    corpus_jsonl(corpus, docs=2000, sentences=40)  # about 7 s of scanning on 2 cores
    (tmp_path / "out.json").write_text("previous run\n")
    proc = dedup_process("scan", str(corpus), "--json", "out.json", "-v", cwd=tmp_path)
    before = wait_for_line(proc, "align: started", timeout=120)
    os.killpg(proc.pid, signal.SIGINT)
    status, out, err = finish(proc, "Ctrl-C")
    assert status == 130, before + err
    assert err == "interrupted: no output file written; nothing else was changed\n"
    assert "Traceback" not in before
    assert out == ""
    assert (tmp_path / "out.json").read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl", "out.json"]


def test_ctrl_c_while_the_summary_prints_exits_130_and_names_the_written_outputs(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("dedup.report.terminal.render_summary", interrupt)
    out_json = tmp_path / "out.json"
    status = main(["scan", str(seeds_dir), "--json", str(out_json), "--workers", "1"])
    err = capsys.readouterr().err
    assert status == 130
    assert err.endswith(f"interrupted: only {out_json} written; nothing else was changed\n")
    assert json.loads(out_json.read_text())["documents"]


def _strict_json(path: Path) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{path} holds {constant}, which is not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_typed_parquet_columns_pass_through_to_strict_json(tmp_path: Path) -> None:
    import datetime
    import decimal

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(8)
    texts = [random_text(rng, 6), random_text(rng, 6)]
    table = pa.table({
        "id": ["a", "b"], "text": texts,
        "published": [datetime.datetime(2022, 1, 12, 10, 30), datetime.datetime(2022, 1, 13)],
        "price": pa.array([decimal.Decimal("1.50"), decimal.Decimal("2.00")]),
        "raw": [b"\x00\x01", b"\xff"], "tags": [["nato", "russia"], []],
        "weight": [float("nan"), 1.0],
    })  # fmt: skip
    pq.write_table(table, tmp_path / "typed.parquet")
    out = tmp_path / "out.json"
    assert main(["scan", str(tmp_path / "typed.parquet"), "--json", str(out), "--quiet"]) == 0
    extra = {d["id"]: d["extra"] for d in _strict_json(out)["documents"]}
    assert extra["a"] == {"published": "2022-01-12T10:30:00", "price": "1.50", "raw": "AAE=",
                          "tags": ["nato", "russia"], "weight": None}  # fmt: skip
    assert extra["b"]["weight"] == 1.0 and extra["b"]["raw"] == "/w=="


def test_nan_in_a_jsonl_field_is_read_and_written_as_null(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    lines = [f'{{"id": "a", "text": {json.dumps(random_text(rng, 5))}, "score": NaN}}',
             f'{{"id": "b", "text": {json.dumps(random_text(rng, 5))}, "score": -Infinity}}']
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["scan", str(tmp_path / "in.jsonl"), "--json", str(out), "--quiet"]) == 0
    assert [d["extra"] for d in _strict_json(out)["documents"]] == [{"score": None}] * 2
