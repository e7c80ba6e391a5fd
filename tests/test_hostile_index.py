"""The index never writes a file that is not its own, never takes a location for another,
and says in one line what went wrong with its file or server."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import seed_documents, tmpfs
from test_bad_input import A_TEXT, B_TEXT, cli, one_error, write_pair
from test_hostile_outputs import digests
from test_index_redis import _free_port, redis_server

from dedup.core.errors import DedupError
from dedup.core.records import Document
from dedup.workflows.index import Index


@pytest.fixture
def seeds_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n"
                            for d in seed_documents()))  # fmt: skip
    return path


def _foreign(path: Path) -> Path:
    """Another program's database, with tables named as dedup's are."""
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (name TEXT, value TEXT);"
                     "CREATE TABLE documents (id INTEGER, body TEXT);"
                     "INSERT INTO meta VALUES ('owner', 'another program');")  # fmt: skip
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("make", ["foreign", "empty"])
@pytest.mark.parametrize("command", ["index stats", "index add", "index remove", "query"])
def test_a_file_that_is_not_a_dedup_index_is_never_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seeds_jsonl: Path, make: str,
    command: str,
) -> None:  # fmt: skip
    path = tmp_path / "other.db"
    if make == "foreign":
        _foreign(path)
    else:
        path.touch()
    before = digests(tmp_path)
    argv = {"index stats": [], "index add": [str(seeds_jsonl)], "index remove": ["x"],
            "query": [str(seeds_jsonl)]}[command]  # fmt: skip
    err = one_error(capsys, *command.split(), str(path), *argv)
    assert "dedup leaves it as it is" in err, err
    assert digests(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db", "seeds.jsonl"]


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("rediss://127.0.0.1:{port}/0", "cannot reach Redis"),
        ("unix://{tmp}/no.sock", "cannot reach Redis"),
        ("ftp://127.0.0.1/index", "an index is an SQLite file or a Redis URL"),
        ("redis://127.0.0.1:99999/0", "Port out of range 0-65535; a Redis port is 1 to 65535"),
        ("redis://127.0.0.1:{port}/abc", "the Redis database must be a number (0, 1, ...)"),
        ("unix://{tmp}/no.sock?db=x", "the Redis database must be a number (0, 1, ...)"),
    ],
)
def test_an_index_url_is_never_taken_for_a_file_or_a_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    seeds_jsonl: Path, location: str, problem: str,
) -> None:  # fmt: skip
    pytest.importorskip("redis")
    monkeypatch.chdir(tmp_path)
    url = location.format(port=_free_port(), tmp=tmp_path)
    err = one_error(capsys, "index", "add", url, str(seeds_jsonl))
    assert err.startswith(f"error: {url}: ") and problem in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seeds.jsonl"]  # no local file


def _damage(path: Path) -> None:
    """Overwrite every page after the first (the schema), as a bad disk would."""
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\xa5" * (len(data) - 4096))


@pytest.mark.parametrize("command", ["index stats", "index add", "index remove", "query"])
def test_a_damaged_index_is_one_line_for_every_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seeds_jsonl: Path, command: str
) -> None:
    path = tmp_path / "idx.db"
    assert cli(capsys, "index", "add", str(path), str(seeds_jsonl))[0] == 0
    _damage(path)
    write_pair(tmp_path / "new", A_TEXT, B_TEXT)
    argv = {"index stats": [], "index add": [str(tmp_path / "new")],
            "index remove": ["000", "001"], "query": [str(seeds_jsonl)]}[command]  # fmt: skip
    err = one_error(capsys, *command.split(), str(path), *argv)
    assert err.startswith(f"error: {path}: the file is damaged (database disk image is "
                          "malformed); rebuild the index"), err  # fmt: skip


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system."""
    with tmpfs(tmp_path / "disk", "1m") as disk:
        yield disk


def test_a_disk_that_fills_during_add_leaves_the_index_as_it_was(
    capsys: pytest.CaptureFixture[str], small_disk: Path, tmp_path: Path, seeds_jsonl: Path
) -> None:
    path = small_disk / "idx.db"
    assert cli(capsys, "index", "add", str(path), str(seeds_jsonl))[0] == 0
    before = cli(capsys, "index", "stats", str(path))
    big = tmp_path / "big.jsonl"
    text = " ".join(A_TEXT.split()) + " "
    big.write_text("".join(json.dumps({"id": f"n{i}", "text": f"{i} {text * 40}"}) + "\n"
                           for i in range(60)))  # fmt: skip
    err = one_error(capsys, "index", "add", str(path), str(big))
    assert err.startswith(f"error: {path}: the disk is full (database or disk is full); "
                          "nothing of this batch was written"), err  # fmt: skip
    assert cli(capsys, "index", "stats", str(path)) == before


def test_a_read_only_index_answers_and_refuses_writes_in_one_line(
    capsys: pytest.CaptureFixture[str], small_disk: Path, seeds_jsonl: Path
) -> None:
    path = small_disk / "idx.db"
    assert cli(capsys, "index", "add", str(path), str(seeds_jsonl))[0] == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert cli(capsys, "index", "stats", str(path))[0] == 0
    assert cli(capsys, "query", str(path), str(seeds_jsonl))[0] == 0
    for argv in (["index", "add", str(path), str(seeds_jsonl), "--replace"],
                 ["index", "remove", str(path), "000"]):  # fmt: skip
        err = one_error(capsys, *argv)
        assert err.startswith(f"error: {path}: cannot write to it ("), err


def test_an_index_folder_that_cannot_be_made_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seeds_jsonl: Path
) -> None:
    (tmp_path / "file").write_text("a file, not a folder")
    path = tmp_path / "file" / "sub" / "idx.db"
    err = one_error(capsys, "index", "add", str(path), str(seeds_jsonl))
    assert err == f"error: {path}: cannot create the index's folder: Not a directory"


def test_a_long_id_is_stored_once_not_once_a_key(tmp_path: Path) -> None:
    text = seed_documents()[0].text
    sizes = {}
    for name, doc_id in (("short", "a"), ("long", "x" * 4000)):
        with Index.open(tmp_path / f"{name}.db") as index:
            index.add([Document(doc_id, text)])
        sizes[name] = (tmp_path / f"{name}.db").stat().st_size
    assert sizes["long"] - sizes["short"] < 5 * 4000  # the id, its unique index, a page


def test_lone_surrogates_in_ids_and_texts_are_indexed_and_queried(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "a\ud800", "text": A_TEXT + "\udc00"}) + "\n")
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "b\udfff", "text": B_TEXT}) + "\n")
    assert cli(capsys, "index", "add", str(tmp_path / "i.db"), str(docs))[0] == 0
    status, _, err = cli(capsys, "query", str(tmp_path / "i.db"), str(new), "--json",
                         str(tmp_path / "q.json"))  # fmt: skip
    assert status == 0, err
    [result] = json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))["results"]
    assert (result["id"], result["hits"][0]["id"]) == ("b\udfff", "a\ud800")


@pytest.mark.redis
def test_redis_keys_of_another_program_or_a_lost_server_are_one_line(
    capsys: pytest.CaptureFixture[str], seeds_jsonl: Path
) -> None:
    import redis

    with redis_server() as url:
        client = redis.Redis.from_url(url)
        client.set("dedup:meta", "another program's string")
        before = client.get("dedup:meta")
        for argv in (["index", "stats", url], ["index", "add", url, str(seeds_jsonl)]):
            err = one_error(capsys, *argv)
            assert "a dedup:* key holds another program's data (WRONGTYPE" in err, err
        assert client.get("dedup:meta") == before
        client.delete("dedup:meta")
        client.close()
        assert cli(capsys, "index", "add", url, str(seeds_jsonl))[0] == 0
        index = Index.open(url, create=False)
    with pytest.raises(DedupError, match=r"cannot reach Redis, or lost the connection"):
        index.query(seed_documents()[:1])  # the server is gone
    index.close()
