"""Near-duplicate removal on a generated corpus with planted copies; output in the input format."""

from __future__ import annotations

import csv
import inspect
import io
import json
from pathlib import Path

import numpy as np
import pytest
from test_index import article, vocabulary

from dedup.cli import main
from dedup.commands.parser import build_parser
from dedup.core.errors import ParamError
from dedup.core.records import Document
from dedup.io.load import load
from dedup.workflows.dedupe import dedupe, write_kept


def _edit(rng: np.random.Generator, vocab: np.ndarray, text: str, words: int) -> str:
    """Replace ``words`` words, far apart, so that each edit costs its own shingles."""
    tokens = text.split(" ")
    for k in np.linspace(3, len(tokens) - 3, words).astype(int):
        tokens[k] = str(rng.choice(vocab))
    return " ".join(tokens)


def planted() -> tuple[list[Document], dict[str, str]]:
    """30 stories plus planted copies; returns the documents and, per copy to drop, its keeper.

    Planted: 5 exact copies (later dates), 5 near copies (3 words edited), 3 first
    paragraphs alone (contained), one story whose copy is dated earlier (the copy is
    kept), and a cluster of three with an undated exact copy.
    """
    rng = np.random.default_rng(11)
    vocab = vocabulary(rng)
    base = [Document(f"b{i:02d}", article(rng, vocab), date=f"2026-02-{10 + i % 10:02d}")
            for i in range(30)]  # fmt: skip
    docs, drop = list(base), {}
    for i in range(5):
        docs.append(Document(f"exact{i}", base[i].text, date="2026-03-01"))
        drop[f"exact{i}"] = base[i].id
    for i in range(5, 10):
        docs.append(Document(f"near{i}", _edit(rng, vocab, base[i].text, 3), date="2026-03-01"))
        drop[f"near{i}"] = base[i].id
    for i in range(10, 13):
        lead = base[i].text.split("\n\n")[0]
        docs.append(Document(f"lead{i}", lead, date="2026-03-01"))
        drop[f"lead{i}"] = base[i].id
    docs.append(Document("early14", base[14].text, date="2026-01-01"))
    drop[base[14].id] = "early14"
    docs.append(Document("undated15", base[15].text))
    docs.append(Document("near15", _edit(rng, vocab, base[15].text, 2), date="2026-03-02"))
    drop["undated15"] = drop["near15"] = base[15].id
    return docs, drop


def test_dedupe_drops_the_planted_copies_and_keeps_by_the_rule() -> None:
    docs, drop = planted()
    result = dedupe(docs)
    assert {d.id: d.kept for d in result.dropped} == drop
    assert result.kept == tuple(d.id for d in docs if d.id not in drop)
    assert (result.documents, len(result.clusters)) == (len(docs), 15)
    why = {d.id: d for d in result.dropped}
    assert why["exact0"].jaccard == 1.0 and "Jaccard 1.00 >= 0.7" in why["exact0"].reason
    assert 0.7 <= why["near5"].jaccard < 1.0
    assert why["lead10"].jaccard < 0.7 and why["lead10"].containment == 1.0
    assert why["lead10"].reason == "contained in b10: containment 1.00 >= 0.9"
    [c15] = [c for c in result.clusters if c.kept == "b15"]
    assert c15.members == ("b15", "near15", "undated15")


def test_threshold_and_containment_decide() -> None:
    docs, drop = planted()
    strict = dedupe(docs, threshold=0.99, containment=1.0)
    dropped = {d.id for d in strict.dropped}
    assert not any(k.startswith("near") for k in dropped)  # edited copies now stay
    assert {"exact0", "lead10", "undated15"} <= dropped
    loose = dedupe(docs, containment=0.99)
    assert {d.id for d in loose.dropped} == set(drop)
    no_containment = dedupe(docs, containment=1.0)
    assert "lead10" in {d.id for d in no_containment.dropped}  # containment 1.0 still counts
    with pytest.raises(ParamError, match=r"'threshold' parameter must be a float in \(0, 1\]"):
        dedupe(docs, threshold=0)


def test_kept_documents_are_written_in_the_input_format(tmp_path: Path) -> None:
    docs, drop = planted()
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps({"id": d.id, "text": d.text, "date": d.date,
                                         "lang": "xx"}) + "\n" for d in docs))  # fmt: skip
    folder = tmp_path / "txt"
    (folder / "sub").mkdir(parents=True)
    for d in docs:
        (folder / "sub" / f"{d.id}.txt").write_text(d.text)
    table = tmp_path / "in.csv"
    with table.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "date"])
        writer.writerows([d.id, d.text, d.date or ""] for d in docs)
    for source, out in ((jsonl, tmp_path / "out.jsonl"), (folder, tmp_path / "out"),
                        (table, tmp_path / "out.csv")):  # fmt: skip
        read = list(load([source]))
        result = dedupe(read)
        if source != folder:  # text files carry no dates: the keep rule then differs
            assert {d.id for d in result.dropped} == set(drop)
        write_kept(read, result, source, out)
        again = list(load([out]))
        assert sorted(d.id for d in again) == sorted(result.kept)
        kept = set(result.kept)
        assert {d.id: d.text for d in again} == {d.id: d.text for d in read if d.id in kept}
    kept_lines = [line for line in jsonl.read_text().splitlines(keepends=True)
                  if json.loads(line)["id"] not in drop]  # fmt: skip
    assert (tmp_path / "out.jsonl").read_text() == "".join(kept_lines)  # byte for byte
    assert (tmp_path / "out" / "sub" / "b00.txt").exists()
    assert not (tmp_path / "out" / "sub" / "exact0.txt").exists()


def test_cli_dedupe_dry_run_writes_nothing_and_out_writes_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, drop = planted()
    source = tmp_path / "news.jsonl"
    source.write_text("".join(json.dumps({"id": d.id, "text": d.text, "date": d.date}) + "\n"
                              for d in docs))  # fmt: skip
    assert main(["dedupe", str(source), "--dry-run"]) == 0
    shown = capsys.readouterr().out
    rule = "(Jaccard >= 0.7 or containment >= 0.9)"
    assert f"{len(docs)} documents: 15 clusters of near-duplicates {rule}; keeping" in shown
    assert "Dry run: nothing written." in shown and sorted(tmp_path.iterdir()) == [source]
    out = tmp_path / "kept.jsonl"
    assert main(["dedupe", str(source), "--out", str(out), "--threshold", "0.7"]) == 0
    assert {d.id for d in load([out])} == {d.id for d in docs} - set(drop)
    report = json.loads((tmp_path / "kept.jsonl.report.json").read_text())
    assert {d["id"]: d["kept"] for d in report["dropped"]} == drop
    assert main(["dedupe", str(source)]) == 2
    assert "needs --out OUT" in capsys.readouterr().err


def test_kept_records_of_a_semicolon_csv_with_other_field_names_are_copied_exactly(
    tmp_path: Path,
) -> None:
    docs, drop = planted()
    table = tmp_path / "in.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["key", "body", "published"])
        # a quoted field holding "; and a line break reads as one record only with ";"
        writer.writerows([d.id, d.text.replace("\n\n", ';"\n"', 1), d.date or ""] for d in docs)
    out = tmp_path / "out.csv"
    args = ["dedupe", str(table), "--out", str(out), "--id-field", "key", "--text-field", "body",
            "--date-field", "published"]  # fmt: skip
    assert main(args) == 0
    kept = load([out], id_field="key", text_field="body", date_field="published")
    assert {d.id for d in kept} == {d.id for d in docs} - set(drop)
    with table.open(newline="", encoding="utf-8") as f:
        records = {r[0]: r for r in csv.reader(f, delimiter=";")}
    with out.open(newline="", encoding="utf-8") as f:
        again = list(csv.reader(f, delimiter=";"))
    assert again == [records["key"], *(records[r[0]] for r in again[1:])]
    assert len(again) == 1 + len(docs) - len(drop)


@pytest.mark.parametrize("name", ["in.jsonl.bz2", "in.csv.gz", "in.tsv.xz"])
def test_kept_records_of_a_compressed_file_are_written_compressed(tmp_path: Path,
                                                                  name: str) -> None:  # fmt: skip
    from dedup.io.load_files import COMPRESSED, split_compression

    docs, drop = planted()
    inner, suffix = split_compression(name)
    if inner.endswith(".jsonl"):
        plain = "".join(json.dumps({"id": d.id, "text": d.text, "date": d.date}) + "\n"
                        for d in docs)  # fmt: skip
    else:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter="," if inner.endswith(".csv") else "\t")
        writer.writerow(["id", "text", "date"])
        writer.writerows([d.id, d.text, d.date or ""] for d in docs)
        plain = buffer.getvalue()
    source, out = tmp_path / name, tmp_path / f"out-{name}"
    source.write_bytes(COMPRESSED[suffix].compress(plain.encode("utf-8")))
    read = list(load([source]))
    result = dedupe(read)
    assert {d.id for d in result.dropped} == set(drop)
    write_kept(read, result, source, out)
    kept = COMPRESSED[suffix].decompress(out.read_bytes()).decode("utf-8")
    again = list(load([out]))
    assert sorted(d.id for d in again) == sorted(result.kept)
    assert kept.splitlines()[0] == plain.splitlines()[0]  # the header (or first line) as read


def test_the_result_does_not_depend_on_the_number_of_workers() -> None:
    docs, drop = planted()
    stages: list[tuple[str, int, int]] = []
    one = dedupe(docs, workers=1)
    two = dedupe(docs, workers=2, progress=lambda *a: stages.append(a))
    assert one == two and {d.id for d in two.dropped} == set(drop)
    assert stages[0] == ("analyze", 0, len(docs)) and stages[-1] == ("analyze", len(docs),
                                                                     len(docs))  # fmt: skip


@pytest.mark.parametrize("option", ["threshold", "containment"])
def test_the_command_line_default_is_the_library_default(
        option: str, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    # the parser writes its defaults out, since importing dedup.dedupe (numpy) would
    # slow `dedup --help`: they must stay the library's
    default = inspect.signature(dedupe).parameters[option].default
    args = build_parser().parse_args(["dedupe", "feed.jsonl", "--dry-run"])
    assert getattr(args, option) == default
    with pytest.raises(SystemExit):
        build_parser().parse_args(["dedupe", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert f"--{option} " in said and f"(default {default})" in said
