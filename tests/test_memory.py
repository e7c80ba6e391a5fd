"""A scan past its memory limit puts its corpus-sized tables on disk and finds the same."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import numpy as np
import pytest

import dedup
from benchmarks.corpus import generate_web
from dedup.candidates import feature_table
from dedup.candidates.features import doc_features, feature_batch
from dedup.commands.parser import build_parser
from dedup.core import memory
from dedup.core.memory import SpilledArrays, TableStore, frozen_objects
from dedup.core.params import ScanParams
from dedup.engines import engine
from dedup.scoring import attribute, score


def test_arrays_past_the_limit_are_memory_mapped_and_hold_what_is_written() -> None:
    store = TableStore(100)
    small = store.empty(10, np.int64)
    large = store.empty((50, 2), np.uint64)
    assert not isinstance(small, np.memmap) and isinstance(large, np.memmap)
    large[:] = np.arange(100, dtype=np.uint64).reshape(50, 2)
    assert int(large.sum()) == 4950 and store.spilled_bytes == 800
    store.release(small)
    assert not isinstance(store.empty(12, np.int64), np.memmap)


def test_a_scan_under_a_tiny_memory_limit_spills_and_gives_the_same_result(
    seeds_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = list(dedup.load([seeds_dir]))
    free = dedup.scan(docs, workers=1)
    with caplog.at_level(logging.INFO, logger="dedup.engines.pipeline"):
        tight = dedup.scan(docs, workers=1, memory_limit=1024)
    assert "memory-mapped from temporary files (memory limit 0.0 MB)" in caplog.text
    assert tight == free
    assert any(p.reused_chars for p in tight.pairs)


@pytest.mark.parametrize(("text", "size"), [("512M", 512 << 20), ("4g", 4 << 30),
                                             ("1.5GB", 3 << 29), ("1000", 1000)])  # fmt: skip
def test_memory_limit_option_reads_sizes(text: str, size: int) -> None:
    args = build_parser().parse_args(["scan", "--memory-limit", text])
    assert args.memory_limit == size


def test_a_bad_memory_limit_is_refused_with_what_was_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["scan", "--memory-limit", "lots"])
    assert "must be a size such as 4G, 512M or 1000000; got 'lots'" in capsys.readouterr().err


def test_keyed_rows_grouped_tables_copied_and_scores_made_in_parts_give_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    docs = [dedup.Document(r["id"], r["text"], r["source"]) for r in generate_web(200)[0]]
    whole = dedup.scan(docs, workers=1)
    monkeypatch.setattr(engine, "_GROUP_DOCS", 37)  # 6 groups of keyed rows
    monkeypatch.setattr(engine, "_ROWS_AT_ONCE", 50)
    monkeypatch.setattr(feature_table, "_TABLE_CHUNK", 64)
    monkeypatch.setattr(score, "_PAIRS_A_TASK", 3)
    monkeypatch.setattr(attribute, "_DOCS_A_TASK", 2)
    parts = dedup.scan(docs, workers=1)
    assert parts == whole
    # rows made and groups reduced by workers, scores' tasks spread over them
    assert dedup.scan(docs, workers=2) == whole
    assert any(m.kind == "verbatim" for m in whole.matches)
    assert any(s.boilerplate for s in whole.document_scores)  # chrome rows were dropped


def test_spilled_arrays_come_back_as_given_and_their_file_goes() -> None:
    arrays = [np.arange(5, dtype=np.uint64), np.zeros(0, np.uint64),
              np.array([2**64 - 1, 7], dtype=np.uint64)]  # fmt: skip
    spilled = SpilledArrays(arrays, np.uint64)
    back = spilled.load()
    assert [a.tolist() for a in back] == [a.tolist() for a in arrays]
    assert all(a.dtype == np.uint64 for a in back)
    assert spilled._file is not None and spilled._file.closed
    assert SpilledArrays([], np.uint64).load() == []


def test_arrays_that_cannot_be_spilled_stay_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_room(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(memory.tempfile, "TemporaryFile", no_room)
    arrays = [np.arange(3, dtype=np.uint64), np.zeros(0, np.uint64)]
    assert [a.tolist() for a in SpilledArrays(arrays, np.uint64).load()] == [[0, 1, 2], []]


def test_objects_are_frozen_for_the_scan_only_and_a_callers_freeze_is_kept() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_objects() as freeze:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        kept = [object() for _ in range(10)], {"a": [1]}  # noqa: F841 -- alive when frozen
        freeze()
        assert gc.get_freeze_count() > frozen
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with frozen_objects() as freeze:
            freeze()
            assert gc.get_freeze_count() == before
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()


def test_passage_numbers_are_narrowed_only_where_they_fit() -> None:
    docs = [dedup.Document(r["id"], r["text"], r["source"]) for r in generate_web(20)[0]]
    long = dedup.Document("long", "Word after word ends here. " * 33_000, "site")  # 33,000 passages
    params = ScanParams()
    for batch, dtype in ((docs, np.int16), ([*docs[:2], long], np.int32)):
        packed = feature_batch(batch, params)
        for name in ("stem_passage", "term_passage", "fingerprint_passage"):
            assert packed.arrays[name].dtype == dtype, name
        for d, f in zip(batch, packed.unpack(batch), strict=True):
            assert f.stem_passage.tolist() == doc_features(d, params).stem_passage.tolist()
