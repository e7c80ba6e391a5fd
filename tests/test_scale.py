"""Scale machinery: results identical for any worker count and for streamed input, progress."""

from __future__ import annotations

import csv
import itertools
import json
import logging
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import dedup
from benchmarks.corpus import generate
from dedup.analysis.analyze import analyze
from dedup.analysis.fingerprints import Frequency
from dedup.candidates.feature_table import FeatureWeights
from dedup.cli import main
from dedup.core import progress
from dedup.core.params import ScanParams
from dedup.core.records import Document
from dedup.engines.engine import Held
from dedup.engines.pipeline import AlignTables, align_pair
from dedup.io.load import load
from dedup.report import progress as rendering
from dedup.report.tables import to_json

SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Document], list[tuple[str, str]]]:
    rows, truth = generate(150, seed=3)
    return [Document(r["id"], r["text"], r["source"]) for r in rows], truth


@pytest.fixture(scope="module")
def in_memory(corpus) -> str:  # type: ignore[no-untyped-def]
    """The JSON of a scan of the corpus given as a list, on one worker."""
    return to_json(dedup.scan(corpus[0], workers=1))


def test_one_and_two_workers_give_byte_identical_json(corpus, in_memory) -> None:  # type: ignore[no-untyped-def]
    assert to_json(dedup.scan(corpus[0], workers=2)) == in_memory


def test_streamed_input_in_any_order_gives_the_same_json(corpus, in_memory) -> None:  # type: ignore[no-untyped-def]
    docs, _ = corpus
    assert to_json(dedup.scan((d for d in reversed(docs)), workers=2)) == in_memory


def _write(docs: list[Document], folder: Path) -> list[Path]:
    """The documents as JSONL, CSV and Parquet files (a third of them each)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": d.id, "text": d.text, "source": d.source} for d in docs]
    jsonl, table, parquet = folder / "a.jsonl", folder / "b.csv", folder / "c.parquet"
    with jsonl.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows[::3])
    with table.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["id", "text", "source"])
        writer.writeheader()
        writer.writerows(rows[1::3])
    pq.write_table(pa.Table.from_pylist(rows[2::3]), parquet, row_group_size=7)
    return [jsonl, table, parquet]


def test_documents_streamed_from_jsonl_csv_and_parquet_give_the_same_json(
    corpus,
    in_memory,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    paths = _write(corpus[0], tmp_path)
    streamed = dedup.scan(load(paths), workers=2)
    assert to_json(streamed) == in_memory


def test_planted_syndication_is_found(corpus) -> None:  # type: ignore[no-untyped-def]
    docs, truth = corpus
    result = dedup.scan(docs, workers=2)
    found = {tuple(sorted((p.a, p.b))) for p in result.pairs if p.reused_chars > 0}
    assert truth and found == set(truth)


def test_progress_reports_every_stage_to_completion(corpus) -> None:  # type: ignore[no-untyped-def]
    docs, _ = corpus
    calls: list[tuple[str, int, int]] = []
    dedup.scan(docs[:40], workers=2, progress=lambda *c: calls.append(c))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == ["analyze", "candidates", "align", "score"]
    for stage in stages:
        seen = [(done, total) for s, done, total in calls if s == stage]
        assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1]
        assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))


def test_log_lines_count_each_long_stage_and_its_end(corpus, caplog) -> None:  # type: ignore[no-untyped-def]
    lines = rendering._LogLines(every_s=0.0)  # every stage counts as long
    with caplog.at_level(logging.INFO, logger="dedup"):
        dedup.scan(corpus[0][:40], workers=2, progress=lines)
    messages = [r.getMessage() for r in caplog.records if r.name == "dedup"]
    for stage in progress.STAGES:
        assert any(m.startswith(f"{stage}: done, ") for m in messages), messages
    assert "analyze: done, 40 items in " in " ".join(messages)
    assert any(m.startswith("analyze: ") and "%" in m for m in messages)


def test_quick_stages_log_nothing() -> None:
    lines = rendering._LogLines(every_s=3600.0)
    logger = logging.getLogger("dedup")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        for stage in progress.STAGES:
            lines(stage, 0, 10)
            lines(stage, 10, 10)
    finally:
        logger.removeHandler(handler)
    assert records == []


def test_cli_logs_progress_when_not_a_tty_and_nothing_with_quiet(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(rendering, "LOG_EVERY_S", 0.0)
    with caplog.at_level(logging.INFO, logger="dedup"):
        assert main(["scan", str(SEEDS), "--workers", "1"]) == 0
    logged = [r.getMessage() for r in caplog.records if r.name == "dedup"]
    assert [m.split(":")[0] for m in logged if ": done, " in m] == list(progress.STAGES)
    capsys.readouterr()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dedup"):
        assert main(["scan", str(SEEDS), "--workers", "1", "--quiet"]) == 0
    assert [r for r in caplog.records if r.name == "dedup"] == []
    assert capsys.readouterr() == ("", "")


def test_a_document_in_several_pairs_weighs_its_passages_once(corpus) -> None:  # type: ignore[no-untyped-def]
    docs, truth = corpus
    number = {d.id: k for k, d in enumerate(docs)}
    hub, _ = Counter(x for pair in truth for x in pair).most_common(1)[0]
    partners = [b if a == hub else a for a, b in truth if hub in (a, b)]
    analyses = {d: analyze(docs[number[d]]) for d in [hub, *partners]}
    keys = np.unique(np.concatenate([a.tokens.stems for a in analyses.values()]))
    lines = [len(analyses[d.id].line_starts) if d.id in analyses else 0 for d in docs]
    tables = Held(AlignTables(FeatureWeights(keys, np.linspace(0.1, 1.0, len(keys))),
                              Frequency(np.zeros(0, np.uint64), np.zeros(0, np.int64)),
                              [np.zeros(n, bool) for n in lines],
                              np.zeros(len(docs), bool), np.arange(len(docs)),
                              np.ones(len(docs), np.int64)))  # fmt: skip
    found = [align_pair(number[hub], number[p], analyses[hub], analyses[p], tables=tables,
                        params=ScanParams()) for p in partners]  # fmt: skip
    assert len(partners) >= 2 and all(found)
    assert len(analyses[hub]._memo) == 1  # one weighted table, whatever the pairs
