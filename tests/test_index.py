"""The persistent index: seed queries, planted copies, incremental adds, crash safety."""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from helpers import stock_phrase_documents, wait_for_line

from dedup.analysis.analyze import analyze
from dedup.candidates.boilerplate import chrome_lines, footer_lines
from dedup.cli import main
from dedup.core.errors import DedupError, ParamError
from dedup.core.params import ScanParams
from dedup.core.records import Document, Match
from dedup.engines.pipeline import scan
from dedup.scoring.score import covered_chars
from dedup.workflows.index import Index
from dedup.workflows.index_query import QueryResult

SEEDS = Path(__file__).parent.parent / "seeds"
_SYLLABLES = "ka lo mi ne ru sa ti vo ber dan gel hor lin mar tos uk zen pra qui wes"


def seed_docs() -> dict[str, Document]:
    """The five seeds by three-digit prefix; ids are the file stems."""
    return {p.stem[:3]: Document(p.stem, p.read_text(encoding="utf-8"), origin=str(p))
            for p in sorted(SEEDS.glob("*.txt"))}  # fmt: skip


def vocabulary(rng: np.random.Generator, n: int = 4000) -> np.ndarray:
    syllables = np.array(_SYLLABLES.split())
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(syllables, size=int(rng.integers(2, 5)))))
    return np.array(sorted(words))


def sentences(rng: np.random.Generator, vocab: np.ndarray, n: int) -> list[str]:
    return [" ".join(rng.choice(vocab, size=int(rng.integers(10, 20)))).capitalize() + "."
            for _ in range(n)]  # fmt: skip


def article(rng: np.random.Generator, vocab: np.ndarray, n: int = 8) -> str:
    s = sentences(rng, vocab, n)
    return "\n\n".join(" ".join(s[i : i + 3]) for i in range(0, n, 3))


def corpus(seed: int, n: int, prefix: str = "d") -> list[Document]:
    """``n`` unrelated articles, then every fifth one copied in part into a new one."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(rng)
    docs = [Document(f"{prefix}{i:04d}", article(rng, vocab), source=f"s{i % 3}",
                     date=f"2026-01-{1 + i % 28:02d}") for i in range(n)]  # fmt: skip
    for i in range(0, n, 5):
        donor = docs[i].text.split("\n\n")[0]
        docs.append(Document(f"{prefix}{i:04d}c", article(rng, vocab, 4) + "\n\n" + donor))
    return docs


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _spans(matches: Sequence[Match]) -> list[tuple[int, int, int, int, str]]:
    return [(m.a_start, m.a_end, m.b_start, m.b_end, m.kind) for m in matches]


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted, documents named by id rather than by their row
    numbers (which depend on the order of adds and removes): equal dumps are equal indexes."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        ids = dict(db.execute("SELECT n, id FROM documents").fetchall())
        out = {}
        for t in tables:
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({t})")]
            rows = [dict(zip(columns, r, strict=True)) for r in db.execute(f"SELECT * FROM {t}")]
            out[t] = sorted((tuple(ids[v] if c == "doc" else v for c, v in r.items() if c != "n")
                             for r in rows), key=repr)  # fmt: skip
        return out
    finally:
        db.close()


def build(path: Path, *batches: list[Document]) -> Path:
    with Index.open(path) as index:
        for batch in batches:
            index.add(batch)
    return path


def answers(path: Path, docs: list[Document]) -> list[QueryResult]:
    with Index.open(path) as index:
        return index.query(docs)


def test_seed_queries_find_their_sources(tmp_path: Path) -> None:
    seeds = seed_docs()
    path = build(tmp_path / "desk.sqlite", [seeds["000"], seeds["001"], seeds["002"]])
    r003, r004 = answers(path, [seeds["003"], seeds["004"]])
    assert r003.hits[0].id == seeds["000"].id
    assert r004.hits[0].id == seeds["001"].id
    assert r003.reused_share > 0.4 and r004.reused_share > 0.6
    for result in (r003, r004):
        new = next(d for d in seeds.values() if d.id == result.id)
        assert result.reused_chars <= result.chars == len(new.text)
        for hit in result.hits:
            old = next(d for d in seeds.values() if d.id == hit.id)
            for m in hit.matches:
                assert (m.a, m.b) == (new.id, old.id)
                a_text, b_text = new.text[m.a_start : m.a_end], old.text[m.b_start : m.b_end]
                assert a_text.strip() == a_text and b_text.strip() == b_text
                if m.kind == "verbatim":
                    assert _words(a_text) == _words(b_text)
            # the same passages, at the same offsets, as a scan of the indexed documents and
            # the queried one (scores may differ in the 4th decimal: the index's IDF counts
            # passages outside footer chrome, a scan's those outside all chrome)
            whole = scan([seeds["000"], seeds["001"], seeds["002"], new])
            reuse = [m for m in whole.matches_between(new.id, old.id) if m.kind != "boilerplate"]
            assert _spans(hit.matches) == _spans(reuse)


def test_boilerplate_a_query_shares_is_no_reuse(tmp_path: Path) -> None:
    # a run of 12 words in a sentence of each of four unrelated documents is a stock
    # phrase, boilerplate to the alignment; the fourth also copies the others' openings
    docs = stock_phrase_documents(np.random.default_rng(5), 4)
    openings = [". ".join(d.text.split(". ")[:2]) + "." for d in docs[:3]]
    query = Document("q", "\n\n".join([*openings, docs[3].text]))
    path = build(tmp_path / "desk.sqlite", docs[:3])
    (result,) = answers(path, [query])
    assert sorted(h.id for h in result.hits) == ["d0", "d1", "d2"]
    for hit in result.hits:
        assert hit.matches and all(m.kind != "boilerplate" for m in hit.matches)
        assert hit.reused_chars == covered_chars((m.a_start, m.a_end) for m in hit.matches)


def test_planted_copy_is_found_at_its_offsets(tmp_path: Path) -> None:
    docs = corpus(seed=3, n=30)
    host = docs[-1]  # holds the first paragraph of d0025
    donor = next(d for d in docs if d.id == "d0025")
    path = build(tmp_path / "i.sqlite", docs[:30])
    [result] = answers(path, [host])
    [hit] = result.hits
    [m] = hit.matches
    copied = donor.text.split("\n\n")[0]
    assert hit.id == "d0025" and m.kind == "verbatim"
    assert host.text[m.a_start : m.a_end] == donor.text[m.b_start : m.b_end] == copied
    assert result.reused_chars == len(copied)


def test_adding_day_two_equals_adding_both_days_at_once(tmp_path: Path) -> None:
    docs = corpus(seed=1, n=40)
    day1, day2 = docs[:25], docs[25:]
    once = build(tmp_path / "once.sqlite", docs)
    twice = build(tmp_path / "twice.sqlite", day1, day2)
    assert dump(once) == dump(twice)
    probes = corpus(seed=1, n=40, prefix="q")[40:]  # same copies under new ids
    assert answers(once, probes) == answers(twice, probes)
    assert all(r.hits for r in answers(once, probes))


def test_remove_undoes_add(tmp_path: Path) -> None:
    docs = corpus(seed=2, n=20)
    path = build(tmp_path / "all.sqlite", docs)
    with Index.open(path) as index:
        assert index.remove([d.id for d in docs[10:]] + ["not-there"]) == len(docs) - 10
    assert dump(path) == dump(build(tmp_path / "part.sqlite", docs[:10]))


def test_query_never_changes_the_index(tmp_path: Path) -> None:
    seeds = seed_docs()
    path = build(tmp_path / "i.sqlite", [seeds["000"], seeds["001"]])
    before = dump(path), path.stat().st_mtime_ns
    results = answers(path, list(seeds.values()))
    assert (dump(path), path.stat().st_mtime_ns) == before
    assert all(h.id != r.id for r in results for h in r.hits)  # an indexed article is not its own


def test_text_and_fields_come_back_as_added(tmp_path: Path) -> None:
    extra = {"when": datetime.date(2026, 1, 2), "n": 1}
    odd = Document("odd", "Ligature \ufb01 and\u00a0NBSP.\r\nCRLF kept.", source="s",
                   date="2026-01-02", extra=extra)  # fmt: skip
    with Index.open(tmp_path / "i.sqlite") as index:
        index.add([odd])
        back = index.documents(["odd", "missing"])
    assert list(back) == ["odd"]
    assert (back["odd"].text, back["odd"].source, back["odd"].date) == (odd.text, "s", odd.date)
    assert back["odd"].extra == {"when": "2026-01-02", "n": 1}


def test_a_foreign_file_is_not_taken_for_an_index(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database at all, " * 100)
    with pytest.raises(DedupError, match=r"notes\.txt: not a dedup index"):
        Index.open(tmp_path / "notes.txt")
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    foreign = r"other\.sqlite: an SQLite database of another program \(tables t\)"
    with pytest.raises(DedupError, match=foreign):
        Index.open(other)


def test_readding_is_a_no_op_and_changed_text_names_the_id(tmp_path: Path) -> None:
    seeds = seed_docs()
    path = build(tmp_path / "i.sqlite", [seeds["000"]])
    changed = Document(seeds["000"].id, seeds["000"].text + " Updated.")
    with Index.open(path) as index:
        assert index.add([seeds["000"], seeds["001"]]) == 1
        with pytest.raises(DedupError, match=r"'000_5b7a90ba04acb189' is already indexed"):
            index.add([changed])
        with pytest.raises(DedupError, match=r"'x' appears twice"):
            index.add([Document("x", "One."), Document("x", "Two.")])
        assert index.stats().documents == 2  # the failed batches left nothing behind
        assert index.add([changed], replace=True) == 1
    assert dump(path) == dump(build(tmp_path / "j.sqlite", [changed, seeds["001"]]))


def test_other_parameters_are_a_param_error(tmp_path: Path) -> None:
    path = build(tmp_path / "i.sqlite", [seed_docs()["000"]])
    with pytest.raises(ParamError, match=r"shingle_words=7 \(index: 5\)"):
        Index.open(path, ScanParams(shingle_words=7))
    with Index.open(path) as index:
        assert index.params == ScanParams()
        with pytest.raises(ParamError, match=r"num_perm=64 \(index: 128\)"):
            index.query(seed_docs()["003"], params=ScanParams(num_perm=64))
        with pytest.raises(ParamError, match=r"passage_threshold=0.4"):
            index.add([seed_docs()["001"]], params=ScanParams(passage_threshold=0.4))


def test_stats_count_documents_and_sources(tmp_path: Path) -> None:
    docs = corpus(seed=4, n=12)
    with Index.open(build(tmp_path / "i.sqlite", docs)) as index:
        stats = index.stats()
    assert (stats.documents, stats.store) == (len(docs), "sqlite")
    assert stats.sources == len({d.source for d in docs})
    assert stats.passages > 0 and stats.features > 0


_CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_index import corpus
    from dedup.workflows.index import Index

    def batch():
        for k, doc in enumerate(corpus(seed=9, n={n})[{start}:]):
            if k == 30:
                print("midway", flush=True)
            yield doc

    with Index.open({path!r}) as index:
        index.add(batch())
    print("finished", flush=True)
    """
)


def test_kill_9_mid_add_leaves_a_consistent_index(tmp_path: Path) -> None:
    docs = corpus(seed=9, n=120)
    path = build(tmp_path / "i.sqlite", docs[:24])  # day 1, committed
    committed = dump(path)
    code = _CHILD.format(tests=str(Path(__file__).parent), path=str(path), n=120, start=24)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "midway"  # inside the batch's transaction
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.close()
    assert dump(path) == committed  # the batch is not in, and day 1 is intact
    with Index.open(path) as index:
        assert index.add(docs[24:]) == len(docs) - 24  # re-running completes it
        assert index.add(docs[24:]) == 0  # and a third run adds nothing
    assert dump(path) == dump(build(tmp_path / "clean.sqlite", docs))


def test_cli_index_add_stats_query_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = seed_docs()
    index = str(tmp_path / "desk.sqlite")
    files = [str(SEEDS / f"{seeds[k].id}.txt") for k in ("000", "001", "002")]
    assert main(["index", "add", index, *files]) == 0
    assert "Added 3 of 3 documents read" in capsys.readouterr().out
    assert main(["index", "add", index, files[0]]) == 0
    assert "1 already indexed with the same text" in capsys.readouterr().out
    assert main(["index", "stats", index]) == 0
    assert "documents" in capsys.readouterr().out
    out_json = tmp_path / "q.json"
    new = [str(SEEDS / f"{seeds[k].id}.txt") for k in ("003", "004")]
    assert main(["query", index, *new, "--json", str(out_json)]) == 0
    shown = capsys.readouterr().out
    assert f"{seeds['003'].id}: " in shown and "reused" in shown
    data = json.loads(out_json.read_text())
    top = {r["id"]: r["hits"][0]["id"] for r in data["results"]}
    assert top == {seeds["003"].id: seeds["000"].id, seeds["004"].id: seeds["001"].id}
    for r in data["results"]:
        for m in r["hits"][0]["matches"]:
            assert m["a_start"] < m["a_end"] and m["b_start"] < m["b_end"]
    assert main(["query", index, new[0], "--shingle-words", "7"]) == 2
    assert "shingle_words=7 (index: 5)" in capsys.readouterr().err
    assert main(["index", "remove", index, seeds["002"].id, "nope"]) == 0
    assert "Removed 1 document" in capsys.readouterr().out


def test_an_indexed_article_queried_again_is_answered_as_if_new(tmp_path: Path) -> None:
    seeds = seed_docs()
    day1 = [seeds["000"], seeds["001"], seeds["002"]]
    without = build(tmp_path / "without.sqlite", day1)
    with_it = build(tmp_path / "with.sqlite", [*day1, seeds["003"]])
    # its own passages are counted once, not twice, and it is not its own source
    assert answers(with_it, [seeds["003"]]) == answers(without, [seeds["003"]])
    with Index.open(with_it) as index:
        [itself] = index.query(seeds["003"], skip_same_id=False)
    assert itself.hits[0].id == seeds["003"].id and itself.hits[0].reused_share > 0.99


def test_a_first_add_that_fails_leaves_no_index(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "batch.jsonl"
    good = json.dumps({"id": "a", "text": seed_docs()["000"].text})
    batch.write_text(f"{good}\n{{not json\n", encoding="utf-8")
    index = tmp_path / "desk.db"
    assert main(["index", "add", str(index), str(batch)]) == 2
    assert "batch.jsonl:2" in capsys.readouterr().err
    assert not index.exists()
    assert main(["query", str(index), str(batch)]) == 2  # no index to answer from
    assert "no dedup index there" in capsys.readouterr().err


def test_ctrl_c_in_cli_index_add_rolls_the_batch_back(tmp_path: Path) -> None:
    docs = corpus(seed=9, n=120)
    index = build(tmp_path / "i.sqlite", docs[:24])
    committed = dump(index)
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs[24:]))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    child = subprocess.Popen([sys.executable, "-m", "dedup", "index", "add", str(index),
                              str(batch), "-v"], stderr=subprocess.PIPE, text=True,
                             env=env)  # fmt: skip
    wait_for_line(child, "writing the batch", timeout=120)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted: the batch in progress was rolled back" in err
    assert dump(index) == committed


_DISCLAIMER = ("The views and opinions expressed in this article are those of the author and do "
               "not necessarily reflect the official policy or position of the paper or its "
               "editorial board.")  # fmt: skip


@pytest.mark.parametrize("named", [True, False], ids=["one-named-source", "unrelated-documents"])
def test_a_repeated_long_line_is_chrome_in_a_query_as_in_a_scan(tmp_path: Path,
                                                                 named: bool) -> None:  # fmt: skip
    rng = np.random.default_rng(21)
    vocab = vocabulary(rng)
    docs = [Document(f"x{i}", article(rng, vocab) + "\n\n" + _DISCLAIMER,
                     source="daily" if named else f"x{i}") for i in range(5)]  # fmt: skip
    path = build(tmp_path / "desk.sqlite", docs[:4])
    (result,) = answers(path, [docs[4]])
    assert result.hits == ()
    whole = scan(docs)
    assert not [m for m in whole.matches if m.kind != "boilerplate"]
    [x4] = [s for s in whole.document_scores if s.id == "x4"]
    assert [b.start for b in x4.boilerplate] == [docs[4].text.index(_DISCLAIMER)]


def test_a_wire_story_run_by_many_outlets_is_reuse_in_a_query_as_in_a_scan(tmp_path: Path) -> None:
    rng = np.random.default_rng(22)
    vocab = vocabulary(rng)
    wire = article(rng, vocab, 9)  # three long paragraphs, carried whole by every outlet
    docs = [Document(f"w{i}", article(rng, vocab, 4) + "\n\n" + wire, source=f"outlet{i}")
            for i in range(5)]  # fmt: skip
    path = build(tmp_path / "desk.sqlite", docs[:4])
    (result,) = answers(path, [docs[4]])
    assert sorted(h.id for h in result.hits) == ["w0", "w1", "w2", "w3"]
    start = docs[4].text.index(wire)
    whole = scan(docs)
    for hit in result.hits:
        assert hit.reused_chars >= len(wire) - 2
        assert min(m.a_start for m in hit.matches) == start
        assert _spans(hit.matches) == _spans(whole.matches_between("w4", hit.id))


def test_footer_lines_of_one_document_follow_the_scans_chrome_rule() -> None:
    closing = Document("c", "A long opening line of this story, with many more than eight words.\n"
                       "Inflation rose to 4.2%.\nPost a Comment\nSubscribe To Our Newsletter\n")
    params = ScanParams()
    for doc in [*seed_docs().values(), closing]:
        a = analyze(doc)
        footer = footer_lines(a, params)
        # alone in a corpus, a document's chrome is its footer lines and their repeats
        worded_short = (a.line_words > 0) & (a.line_words <= params.chrome_max_words)
        alone = worded_short & np.isin(a.line_hashes, a.line_hashes[footer])
        assert np.array_equal(chrome_lines([a], params)[0], alone), doc.id
    flagged = [closing.text[s:e] for s, e, f in zip(a.line_starts, a.line_ends, footer,
                                                     strict=True) if f]  # fmt: skip
    assert flagged == ["Post a Comment", "Subscribe To Our Newsletter"]


def test_an_index_of_an_older_format_asks_to_be_rebuilt(tmp_path: Path) -> None:
    path = build(tmp_path / "old.sqlite", [seed_docs()["000"]])
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 'dedup-index/1' WHERE key = 'format'")
    db.commit()
    db.close()
    with pytest.raises(DedupError, match=r"old\.sqlite is a dedup index of format dedup-index/1;"
                       r" this version reads dedup-index/4: rebuild it"):  # fmt: skip
        Index.open(path)


def test_a_query_batch_keeps_few_analyses_and_gives_the_same_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = corpus(31, 40)
    path = build(tmp_path / "desk.sqlite", docs[:30])
    queried = [Document(f"q{d.id}", d.text, d.source) for d in docs[20:]]

    def run(kept: int) -> tuple[list[QueryResult], int]:
        monkeypatch.setattr("dedup.workflows.index._ANALYSES_KEPT", kept)
        fetched = []
        with Index.open(path) as index:
            documents = index._store.documents
            monkeypatch.setattr(index._store, "documents",
                                lambda ids: fetched.append(len(ids)) or documents(ids))  # fmt: skip
            return index.query(queried), sum(fetched)

    (cached, fetched_once), (uncached, fetched_again) = run(1024), run(0)
    assert uncached == cached and any(r.hits for r in cached)
    assert fetched_again > fetched_once  # with no analyses kept, documents met again are re-read


@pytest.mark.parametrize("command", [["query", "desk.db", "new.jsonl"],
                                     ["index", "stats", "desk.db"],
                                     ["index", "remove", "desk.db", "x"]])  # fmt: skip
def test_reading_commands_on_a_missing_index_fail_and_create_nothing(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "new.jsonl").write_text('{"id": "n", "text": "Some words here."}\n')
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err == "error: desk.db: no dedup index there; build one with 'dedup index add'\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.jsonl"]
