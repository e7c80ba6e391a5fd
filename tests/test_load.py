from __future__ import annotations

import csv
import gzip
import json
import logging
import re
from pathlib import Path

import pytest

import dedup
from dedup.core.errors import InputError, ParamError
from dedup.core.records import Document
from dedup.io.load import LoadReport, load


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# --- folders of text files -------------------------------------------------------------


def test_seeds_folder_loads_five_documents_named_by_stem(seeds_dir: Path) -> None:
    docs = list(load(seeds_dir))
    stems = sorted(p.name.removesuffix(".txt") for p in seeds_dir.glob("*.txt"))
    assert [d.id for d in docs] == stems
    assert len(docs) == 5
    first = seeds_dir / f"{stems[0]}.txt"
    assert docs[0].text == first.read_bytes().decode("utf-8")
    assert docs[0].origin == str(first)
    assert docs[0].source == docs[0].id  # no rule: each document is its own outlet


def test_folder_is_read_recursively_in_relative_path_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "z").mkdir(parents=True)
    (tmp_path / "b" / "one.txt").write_text("1")
    (tmp_path / "a" / "z" / "two.txt").write_text("2")
    (tmp_path / "a" / "three.TXT").write_text("3")
    with gzip.open(tmp_path / "c.txt.gz", "wt") as f:
        f.write("4")
    _write_jsonl(tmp_path / "d.jsonl", [{"id": "five", "text": "5"}])
    (tmp_path / "e.csv").write_text("id,text\nsix,6\n")
    assert [d.id for d in load(tmp_path)] == ["three", "two", "one", "c", "five", "six"]


def test_folder_skips_other_files_and_reports_them(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("kept")
    (tmp_path / "notes.md").write_text("not read")
    (tmp_path / ".DS_Store").write_bytes(b"\0\1")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("hidden")
    report = LoadReport()
    docs = list(load([tmp_path], report=report))
    assert [d.id for d in docs] == ["a"]
    assert report.read == 1
    assert report.files == 1
    assert sorted(Path(p).name for p, _ in report.skipped) == [".DS_Store", ".git", "notes.md"]
    reasons = dict((Path(p).name, why) for p, why in report.skipped)
    assert reasons[".git"] == "hidden folder"
    assert reasons["notes.md"].startswith("not a supported file type")


def test_empty_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "photo.png").write_bytes(b"\x89PNG")
    with pytest.raises(
        InputError,
        match=r"empty: no documents found \(files without records: 0; entries skipped: 1\)",
    ) as info:
        list(load(tmp_path / "empty"))
    assert info.value.path == tmp_path / "empty"


def test_empty_text_is_yielded_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text("  \n")
    (tmp_path / "empty.txt").write_text("")
    docs = {d.id: d.text for d in load(tmp_path)}
    assert docs == {"blank": "  \n", "empty": ""}


def test_missing_path_is_named_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file or folder"):
        load([tmp_path / "nope.jsonl"])  # raised before any iteration


def test_no_paths_is_a_param_error() -> None:
    with pytest.raises(ParamError, match="at least one"):
        load([])


def test_a_single_str_path_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    assert [d.id for d in load(str(tmp_path / "a.txt"))] == ["a"]


# --- JSONL --------------------------------------------------------------------------------


def test_jsonl_fields_extra_and_origin(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    path.write_text(
        '{"id": "a", "text": "Alpha", "source": "AP", "date": "2022-01-12", "url": "u", "n": 3}\n'
        "\n"
        '{"id": 7, "text": "Beta"}\n',
        encoding="utf-8",
    )
    a, b = load(path)
    assert a == Document("a", "Alpha", "AP", "2022-01-12", f"{path}:1", {"url": "u", "n": 3})
    assert (b.id, b.text, b.source, b.date, b.origin, b.extra) == ("7", "Beta", "7", None,
                                                                   f"{path}:3", {})  # fmt: skip


def test_malformed_jsonl_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{"id": "b", "text": \n')
    with pytest.raises(InputError, match=r"c\.jsonl:2: not valid JSON: Expecting value"):
        list(load(path))


def test_missing_text_field_says_what_each_line_needs(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "x"}, {"id": "b", "body": "y"}])
    expected = 'c.jsonl:2: field "text" is missing (each line needs "id" and "text"; got id, body)'
    with pytest.raises(InputError, match=re.escape(expected)):
        list(load(path))


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('["a", "b"]', "expected a JSON object, got an array"),
        ('{"id": "a", "text": null}', 'field "text" must be a string, got null'),
        ('{"id": "a", "text": 3}', 'field "text" must be a string, got a number'),
        ('{"text": "x"}', 'field "id" is missing'),
        (
            '{"id": "", "text": "x"}',
            "field \"id\" must be a non-empty string or an integer, got ''",
        ),
        ('{"id": 1.5, "text": "x"}', 'field "id" must be a non-empty string or an integer, got a'),
        ('{"id": true, "text": "x"}', 'field "id" must be a non-empty string or an integer, got t'),
        ('{"id": "a", "text": "x", "source": 3}', 'field "source" must be a string, got a number'),
    ],
)
def test_bad_jsonl_records_name_file_line_and_problem(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "ok", "text": "fine"}\n' + line + "\n")
    with pytest.raises(InputError, match=re.escape(f"c.jsonl:2: {problem}")):
        list(load(path))


def test_empty_jsonl_named_directly_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "e.jsonl").write_text("\n\n")
    with pytest.raises(InputError, match=r"e\.jsonl: holds no records"):
        list(load(tmp_path / "e.jsonl"))


def test_a_folders_files_without_records_are_named(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    _write_jsonl(tmp_path / "feed.jsonl", [{"id": "a", "text": "x"}])
    (tmp_path / "e.jsonl").write_text("\n\n")
    (tmp_path / "f.jsonl").write_text("")
    with caplog.at_level(logging.WARNING, logger="dedup.io.load"):
        assert [d.id for d in load(tmp_path)] == ["a"]
    [said] = [r.getMessage() for r in caplog.records]
    assert said.endswith("2 files hold no records, nothing read from them: e.jsonl, f.jsonl")


def test_custom_field_names(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "c.jsonl", [{"key": "a", "body": "x", "id": "other"}])
    [doc] = load(path, text_field="body", id_field="key")
    assert (doc.id, doc.text, doc.extra) == ("a", "x", {"id": "other"})


def test_gzipped_jsonl_and_txt_are_read(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "w.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write('{"id": "a", "text": "caf\\u00e9"}\n')
    with gzip.open(tmp_path / "b.txt.gz", "wb") as g:
        g.write("naïve\r\n".encode())
    docs = list(load([tmp_path / "w.jsonl.gz", tmp_path / "b.txt.gz"]))
    assert [(d.id, d.text) for d in docs] == [("a", "café"), ("b", "naïve\r\n")]


def test_documents_stream_out_before_a_later_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "x"}\nnot json\n')
    docs = load(path)
    assert next(docs).id == "a"  # the bad line 2 is not read yet
    with pytest.raises(InputError, match=r"c\.jsonl:2: not valid JSON"):
        next(docs)


def test_empty_jsonl_inside_a_folder_is_counted_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "none.jsonl").write_text("")
    report = LoadReport()
    assert [d.id for d in load(tmp_path, report=report)] == ["a"]
    assert (report.files, report.read, report.skipped) == (2, 1, [])


def test_txt_gz_that_is_not_gzip_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_text("plain")
    with pytest.raises(InputError, match=r"a\.txt\.gz: cannot be read: Not a gzipped file"):
        list(load(tmp_path / "a.txt.gz"))


# --- duplicates ---------------------------------------------------------------------------


def test_duplicate_ids_are_all_listed_after_the_last_document(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.txt").write_text("one")
    path = _write_jsonl(
        tmp_path / "c.jsonl",
        [{"id": "a", "text": "2"}, {"id": "b", "text": "3"}, {"id": "b", "text": "4"},
         {"id": "c", "text": "5"}],
    )  # fmt: skip
    seen: list[str] = []
    with pytest.raises(InputError) as info:
        for doc in load([tmp_path / "x", path]):
            seen.append(doc.id)
    assert seen == ["a", "a", "b", "b", "c"]  # every document came out before the error
    message = str(info.value)
    assert f"'a' ({tmp_path / 'x' / 'a.txt'}, {path}:1)" in message
    assert f"'b' ({path}:2, {path}:3)" in message
    assert message.startswith(f"{path}: ids must be unique")


# --- CSV ----------------------------------------------------------------------------------


def test_csv_quoted_newline_and_record_start_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(
        b'id,text,source,date,lang\r\na,"line one\r\nline two",AP,2022-01-01,en\r\nb,plain,,,de\r\n'
    )
    a, b = load(path)
    assert a.text == "line one\r\nline two"
    assert (a.source, a.date, a.origin, a.extra) == ("AP", "2022-01-01", f"{path}:2",
                                                     {"lang": "en"})  # fmt: skip
    assert (b.source, b.date, b.origin) == ("b", None, f"{path}:4")


def test_csv_fields_longer_than_csv_allows_are_read_and_the_limit_is_left_as_it_was(
    tmp_path: Path,
) -> None:
    text = "word " * 60_000  # 300,000 characters: over the csv module's 131,072
    path = tmp_path / "long.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "text"], ["a", text], ["b", "short"]])
    before = csv.field_size_limit()
    assert [d.text for d in load(path)] == [text, "short"]
    assert csv.field_size_limit() == before
    with open(path, newline="", encoding="utf-8") as f, pytest.raises(csv.Error):
        list(csv.reader(f))  # another reader of the process keeps its own limit


def test_a_gzip_file_whose_data_does_not_inflate_is_one_error_naming_it(tmp_path: Path) -> None:
    records = [{"id": str(i), "text": f"word {i} " * 50} for i in range(200)]
    lines = "".join(json.dumps(r) + "\n" for r in records)
    data = bytearray(gzip.compress(lines.encode()))
    data[200:260] = bytes(b ^ 0x55 for b in data[200:260])  # inside the deflate stream
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"c\.jsonl\.gz: cannot be read: Error -3 while"):
        list(load(path))


def test_csv_header_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfid,text\n1,hello\n")
    [doc] = load(path)
    assert (doc.id, doc.text) == ("1", "hello")


def test_csv_without_text_column_lists_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,body\n1,hello\n")
    with pytest.raises(InputError, match=r't\.csv: needs columns "id" and "text"; found.*id, body'):
        list(load(path))


def test_csv_row_with_wrong_field_count_names_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,text\n1,a\n2,b,extra\n")
    with pytest.raises(InputError, match=r"t\.csv:3: has 3 fields, the header has 2"):
        list(load(path))


# --- encodings and newlines ---------------------------------------------------------------


def test_crlf_and_lone_cr_are_kept_exactly(tmp_path: Path) -> None:
    raw = b"Title\r\n\r\nBody one.\rBody two.\n"
    (tmp_path / "a.txt").write_bytes(raw)
    [doc] = load(tmp_path / "a.txt")
    assert doc.text == raw.decode("ascii")
    assert doc.text.index("Body two.") == raw.index(b"Body two.")


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbf\xe2\x80\x9cHi\xe2\x80\x9d")
    [doc] = load(tmp_path / "a.txt")
    assert doc.text == "\u201cHi\u201d"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_is_decoded(tmp_path: Path, codec: str) -> None:
    text = "Zoë said “no”.\r\n"
    bom = b"\xfe\xff" if codec == "utf-16-be" else b""
    (tmp_path / "a.txt").write_bytes(bom + text.encode(codec))
    _write_jsonl(tmp_path / "tmp.jsonl", [{"id": "j", "text": text}])
    (tmp_path / "b.jsonl").write_bytes(
        bom + (tmp_path / "tmp.jsonl").read_text(encoding="utf-8").encode(codec)
    )
    docs = list(load([tmp_path / "a.txt", tmp_path / "b.jsonl"]))
    assert [d.text for d in docs] == [text, text]


def test_cp1252_fails_with_byte_offset_then_reads_with_encoding(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes("first line\nHe said \u201cno\u201d.".encode("cp1252"))
    with pytest.raises(InputError) as info:
        list(load(path))
    message = str(info.value)
    assert message.startswith(f"{path}:2: not valid utf-8: byte 0x93 at byte offset 19")
    assert "--encoding cp1252" in message and "--encoding-errors replace" in message
    [doc] = load(path, encoding="cp1252")
    assert doc.text == "first line\nHe said \u201cno\u201d."
    [lossy] = load(path, encoding_errors="replace")
    assert lossy.text == "first line\nHe said \ufffdno\ufffd."


def test_bad_byte_deep_in_a_jsonl_stream_gets_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = json.dumps({"id": "x", "text": "é" * 50}).encode() + b"\n"  # ASCII escapes
    good = b"".join(line.replace(b'"x"', f'"{i}"'.encode()) for i in range(2000))
    path.write_bytes(good + b'{"id": "bad", "text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=f"big.jsonl:2001: not valid utf-8: byte 0xe9 at byte "
                                         f"offset {len(good) + 26} "):  # fmt: skip
        list(load(path))


def test_file_ending_inside_a_character_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "cut.jsonl").write_bytes(b'{"id": "a", "text": "x"}\n\xe2\x80')
    with pytest.raises(InputError, match=r"cut\.jsonl: not valid utf-8: the file ends inside"):
        list(load(tmp_path / "cut.jsonl"))


def test_unknown_encoding_is_a_param_error(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match="utf-9"):
        load(tmp_path, encoding="utf-9")


# --- binary files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "looks"),
    [
        ("paper.pdf", b"%PDF-1.7\n%\xe2\xe3\n", "looks like a PDF"),
        ("paper.txt", b"%PDF-1.4\n", "looks like a PDF"),
        ("logo.png", b"\x89PNG\r\n\x1a\n\0\0", "looks like a PNG image"),
        ("data.jsonl.zst", b"\x28\xb5\x2f\xfd\x00", "looks like zstd-compressed data"),
        ("blob.bin", b"abc\0def", "looks like binary data"),
    ],
    ids=["pdf", "pdf-named-txt", "png", "zstd", "nul"],
)
def test_binary_files_are_refused_saying_what_they_look_like(
    tmp_path: Path, name: str, data: bytes, looks: str
) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError, match=re.escape(f"{name}: {looks}")) as info:
        list(load(tmp_path / name))
    assert "dedup reads .txt" in str(info.value)


def test_other_text_files_named_directly_are_plain_text(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Notes\n")
    [doc] = load(tmp_path / "notes.md")
    assert (doc.id, doc.text) == ("notes", "# Notes\n")


def test_json_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[]")
    with pytest.raises(InputError, match=r"a\.json: JSON is read one object per line, as \.jsonl"):
        list(load(tmp_path / "a.json"))


# --- source rules -------------------------------------------------------------------------


def test_source_rules_first_match_wins_and_record_source_is_kept(tmp_path: Path) -> None:
    (tmp_path / "reuters").mkdir()
    for name in ("ap-1", "rt-2", "zz-3"):
        (tmp_path / "reuters" / f"{name}.txt").write_text(name)
    path = _write_jsonl(tmp_path / "w.jsonl", [{"id": "ap-9", "text": "t", "source": "Own"}])
    rules = ["^ap-=AP", "^(ap|rt)-=Wire", "folder"]
    docs = {d.id: d.source for d in load([tmp_path / "reuters", path], source_rules=rules)}
    assert docs == {"ap-1": "AP", "rt-2": "Wire", "zz-3": "reuters", "ap-9": "Own"}


def test_folder_rule_for_a_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "a.txt").write_text("x")
    monkeypatch.chdir(tmp_path / "desk")
    [doc] = load("a.txt", source_rules="folder")
    assert doc.source == "desk"


@pytest.mark.parametrize("rule", ["([a=B", "nothing", "=B", "^a="])
def test_bad_source_rule_is_a_param_error_naming_it(rule: str) -> None:
    with pytest.raises(ParamError, match=re.escape(repr(rule))):
        load(["."], source_rules=[rule])


# --- Parquet ------------------------------------------------------------------------------


def test_parquet_roundtrip_in_batches(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    n = 2500  # more than one record batch
    table = pa.table({
        "id": list(range(n)),
        "text": [f"text {i}\r\n" for i in range(n)],
        "source": ["AP" if i % 2 else None for i in range(n)],
        "lang": ["en"] * n,
    })  # fmt: skip
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=1000)
    docs = list(load(path))
    assert len(docs) == n
    assert (docs[0].id, docs[0].text, docs[0].source, docs[0].origin) == (
        "0", "text 0\r\n", "0", f"{path}#1"
    )  # fmt: skip
    assert (docs[-1].id, docs[-1].source, docs[-1].extra) == ("2499", "AP", {"lang": "en"})


def test_parquet_without_text_column_names_columns(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"id": ["a"], "body": ["x"]}), tmp_path / "t.parquet")
    with pytest.raises(InputError, match=r"t\.parquet: needs columns .*found columns: id, body"):
        list(load(tmp_path / "t.parquet"))


def test_parquet_without_pyarrow_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    with pytest.raises(InputError, match=re.escape("pip install 'dedup[parquet]'")):
        list(load(tmp_path / "t.parquet"))


def test_broken_parquet_is_an_input_error(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    (tmp_path / "t.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"t\.parquet: not a readable Parquet file"):
        list(load(tmp_path / "t.parquet"))


def test_source_and_date_fields_can_be_named_too(tmp_path: Path) -> None:
    record = {"url": "https://x.example/1", "maintext": "Words.", "source_domain": "x.example",
              "date_publish": "2022-01-12", "title": "T", "source": "not the source"}
    path = _write_jsonl(tmp_path / "np.jsonl", [record])
    [doc] = load(path, id_field="url", text_field="maintext", source_field="source_domain",
                 date_field="date_publish")  # fmt: skip
    assert (doc.id, doc.text, doc.source, doc.date) == (
        "https://x.example/1", "Words.", "x.example", "2022-01-12")
    assert doc.extra == {"title": "T", "source": "not the source"}


@pytest.mark.parametrize("fields", [{"id_field": "text"}, {"date_field": ""}])
def test_field_names_must_be_distinct_and_non_empty(tmp_path: Path,
                                                     fields: dict[str, str]) -> None:  # fmt: skip
    path = _write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "x"}])
    with pytest.raises(ParamError, match="field name"):
        load(path, **fields)


@pytest.mark.parametrize(("name", "delimiter"), [("semi.csv", ";"), ("tabs.tsv", "\t"),
                                                 ("pipes.csv", "|"), ("tabs.csv", "\t")])
def test_csv_delimiter_is_read_off_the_header(tmp_path: Path, name: str, delimiter: str) -> None:
    path = tmp_path / name
    rows = [["id", "text", "source"], ["a", 'one; two, three\nfour | "five"', "AP"],
            ["b", "plain", ""]]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    a, b = load(path)
    assert (a.id, a.text, a.source, a.origin) == ("a", rows[1][1], "AP", f"{path}:2")
    assert (b.id, b.text, b.origin) == ("b", "plain", f"{path}:4")


def test_a_tsv_file_in_a_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_text("id\ttext\nx\thello there\n", encoding="utf-8")
    [doc] = load(tmp_path)
    assert (doc.id, doc.text) == ("x", "hello there")


# --- saved web pages -----------------------------------------------------------------------


def _page(title: str, paragraphs: list[str], site: str, charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (f'<!doctype html><html><head><meta charset="{charset}"><title>{title}</title>'
            f'<link rel="canonical" href="https://www.{site}/world/story">'
            f'<meta property="article:published_time" content="2022-01-12T18:00:00Z"></head>'
            f'<body><nav><ul><li><a href="/">Home</a></li><li><a href="/w">World news</a></li>'
            f"</ul></nav><article><h1>{title}</h1>\n{body}</article>"
            f"<footer>Copyright {site}. All rights reserved.</footer></body></html>")  # fmt: skip


def test_saved_web_pages_are_read_as_their_article_text(tmp_path: Path, seeds_dir: Path) -> None:
    pytest.importorskip("trafilatura")
    seeds = sorted(seeds_dir.glob("*.txt"))
    for name, seed, site in (("a.html", seeds[1], "first.example"),
                             ("b.htm", seeds[4], "second.example")):  # fmt: skip
        paragraphs = [p for p in seed.read_text(encoding="utf-8").splitlines() if p.strip()]
        (tmp_path / name).write_text(_page(f"Story {name}", paragraphs, site), encoding="utf-8")
    a, b = load(tmp_path)
    assert (a.id, a.source, a.date, a.origin) == ("a", "first.example", "2022-01-12",
                                                  str(tmp_path / "a.html"))  # fmt: skip
    assert a.extra == {"title": "Story a.html", "url": "https://www.first.example/world/story"}
    for doc in (a, b):
        assert doc.text.startswith(f"Story {doc.origin[-6:].lstrip('/')}\n")
        assert "Home" not in doc.text and "All rights reserved" not in doc.text
    pages = dedup.scan([a, b]).matches
    texts = dedup.scan(list(load([seeds[1], seeds[4]]))).matches  # the same articles as text
    assert [(m.kind, m.a_end - m.a_start) for m in pages] == [
        (m.kind, m.a_end - m.a_start) for m in texts]


def test_a_page_decodes_with_its_declared_charset(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    words = ["Переговоры России и альянса в Брюсселе завершились без прорыва, заявил Грушко. " * 3,
             "Столтенберг сообщил журналистам, что стороны договорились продолжить диалог. " * 3]
    page = _page("Переговоры", words, "ru.example", charset="windows-1251")
    (tmp_path / "ru.html").write_bytes(page.encode("cp1251"))
    [doc] = load(tmp_path / "ru.html")
    assert doc.text.splitlines() == ["Переговоры", *(w.strip() for w in words)]


def test_html_without_trafilatura_is_skipped_in_folders_and_named_directly_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    (tmp_path / "page.html").write_text(_page("T", ["Some text here."], "x.example"))
    (tmp_path / "note.txt").write_text("Some other text.")
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import fails, as when missing
    monkeypatch.setattr(sys.modules["dedup.io.load"], "find_spec", lambda name: None)
    report = LoadReport()
    assert [d.id for d in load(tmp_path, report=report)] == ["note"]
    assert report.skipped == [(str(tmp_path / "page.html"),
                               "HTML: reading HTML needs trafilatura: pip install 'dedup[html]'")]
    with pytest.raises(InputError, match=r"page\.html: reading HTML needs trafilatura"):
        list(load(tmp_path / "page.html"))


def test_a_page_with_no_article_is_read_empty_and_a_pdf_named_html_is_refused(
    tmp_path: Path,
) -> None:
    pytest.importorskip("trafilatura")
    (tmp_path / "empty.html").write_text("<html><body></body></html>")
    [doc] = load(tmp_path / "empty.html")
    assert (doc.id, doc.text) == ("empty", "")
    (tmp_path / "paper.html").write_bytes(b"%PDF-1.4\n")
    with pytest.raises(InputError, match=r"paper\.html: looks like a PDF"):
        list(load(tmp_path / "paper.html"))


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_files_of_every_line_format_are_read(tmp_path: Path, suffix: str) -> None:
    from dedup.io.load_files import COMPRESSED

    codec = COMPRESSED[suffix]
    (tmp_path / f"a.txt{suffix}").write_bytes(codec.compress(b"Plain text.\n"))
    (tmp_path / f"b.jsonl{suffix}").write_bytes(
        codec.compress(b'{"id": "j1", "text": "From JSON."}\n'))
    (tmp_path / f"c.csv{suffix}").write_bytes(
        codec.compress(b'id;text\nc1;"From; CSV\nover two lines."\n'))
    docs = list(load(tmp_path))
    assert [(d.id, d.text, d.origin) for d in docs] == [
        ("a", "Plain text.\n", str(tmp_path / f"a.txt{suffix}")),
        ("j1", "From JSON.", f"{tmp_path / f'b.jsonl{suffix}'}:1"),
        ("c1", "From; CSV\nover two lines.", f"{tmp_path / f'c.csv{suffix}'}:2")]


def test_a_truncated_compressed_file_is_an_error_naming_it(tmp_path: Path) -> None:
    import lzma

    data = lzma.compress(b'{"id": "a", "text": "x"}\n' * 1000)
    (tmp_path / "cut.jsonl.xz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.jsonl\.xz: cannot be read"):
        list(load(tmp_path / "cut.jsonl.xz"))


@pytest.mark.parametrize(("line", "key"),
                         [('{"id": "a", "text": "one", "text": "two"}', "text"),
                          ('{"id": "a", "text": "x", "m": {"k": 1, "k": 2}}', "k")])  # fmt: skip
def test_a_json_key_named_twice_is_an_error_not_a_silent_choice(tmp_path: Path, line: str,
                                                                key: str) -> None:  # fmt: skip
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "z", "text": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf'd\.jsonl:2: key "{key}" appears twice in one object'):
        list(load(path))


def test_a_column_named_twice_is_an_error_in_csv_and_parquet(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("id,text,text\n1,first,second\n", encoding="utf-8")
    with pytest.raises(InputError, match=r'd\.csv: column "text" appears twice'):
        list(load(tmp_path / "d.csv"))
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.Table.from_arrays([pa.array(["a"]), pa.array(["x"]), pa.array(["y"])],
                                 names=["id", "text", "text"])  # fmt: skip
    pq.write_table(table, tmp_path / "d.parquet")
    with pytest.raises(InputError, match=r'd\.parquet: column "text" appears twice'):
        list(load(tmp_path / "d.parquet"))


def test_text_files_of_one_name_in_different_subfolders_are_named_by_path(tmp_path: Path) -> None:
    for folder in ("reuters", "afp"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "nato-talks.txt").write_text(f"Story as {folder} ran it.")
    (tmp_path / "afp" / "other.txt").write_text("Another story.")
    docs = list(load(tmp_path, source_rules=()))
    assert [(d.id, d.source) for d in docs] == [("afp/nato-talks", "afp/nato-talks"),
                                                ("other", "other"),
                                                ("reuters/nato-talks", "reuters/nato-talks")]
    by_folder = load(tmp_path, source_rules=["folder"])
    assert [(d.id, d.source) for d in by_folder][::2] == [("afp/nato-talks", "afp"),
                                                          ("reuters/nato-talks", "reuters")]


def test_outlet_subfolders_are_the_sources_unless_a_file_lies_outside_them(
        tmp_path: Path) -> None:  # fmt: skip
    # the library reads a folder as the command line does
    for folder in ("reuters", "afp"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "talks.txt").write_text(f"Story as {folder} ran it.")
    assert sorted(d.source for d in load(tmp_path)) == ["afp", "reuters"]
    (tmp_path / "loose.txt").write_text("A file of no outlet.")
    assert sorted(d.source for d in load(tmp_path)) == ["afp/talks", "loose", "reuters/talks"]
