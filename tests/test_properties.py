"""Properties over generated texts with planted copies (hypothesis draws the texts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from helpers import plant_copy, random_text
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.core.records import Document
from dedup.report.tables import to_json


def _corpus(seed: int, copies: int) -> tuple[list[Document], list[tuple[str, str, int, int]]]:
    rng = np.random.default_rng(seed)
    docs, planted = [], []
    for k in range(copies):
        host, donor, in_host, _ = plant_copy(rng, copy_sentences=int(rng.integers(2, 5)))
        docs += [Document(f"h{k}", host.text), Document(f"d{k}", donor.text)]
        planted.append((f"h{k}", f"d{k}", in_host.start, in_host.end))
    docs.append(Document("other", random_text(rng, 10)))
    return docs, planted


@settings(max_examples=10, deadline=None, derandomize=True)  # the same examples every run
@given(seed=st.integers(0, 2**32 - 1), copies=st.integers(1, 3))
def test_offsets_are_in_range_and_every_planted_copy_is_found(seed: int, copies: int) -> None:
    docs, planted = _corpus(seed, copies)
    result = dedup.scan(docs)
    texts = {d.id: d.text for d in docs}
    for m in result.matches:
        assert 0 <= m.a_start < m.a_end <= len(texts[m.a])
        assert 0 <= m.b_start < m.b_end <= len(texts[m.b])
    for host, donor, start, end in planted:
        spans = [(m.a_start, m.a_end) for m in result.matches_between(host, donor)]
        assert (start, end) in spans


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), order=st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_answer(seed: int, order) -> None:  # type: ignore[no-untyped-def]
    docs, _ = _corpus(seed, 2)
    shuffled = list(docs)
    order.shuffle(shuffled)
    assert to_json(dedup.scan(shuffled)) == to_json(dedup.scan(docs))


def test_json_is_byte_identical_between_runs() -> None:
    docs, _ = _corpus(4, 3)
    assert to_json(dedup.scan(docs)) == to_json(dedup.scan(docs))


def test_json_is_byte_identical_across_processes_with_other_hash_seeds(tmp_path: Path) -> None:
    # str hashes, and so the iteration order of sets and dicts of strings, change with
    # PYTHONHASHSEED: nothing in the output may follow them.
    docs, _ = _corpus(4, 3)
    path = tmp_path / "planted.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs),
                    encoding="utf-8")  # fmt: skip
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    outputs = []
    for hash_seed in ("0", "1", "2718"):
        run = subprocess.run(
            [sys.executable, "-m", "dedup", "scan", str(seeds), str(path), "--json", "-",
             "--quiet", "--workers", "2"],
            env={**os.environ, "PYTHONHASHSEED": hash_seed}, capture_output=True, check=True,
        )  # fmt: skip
        outputs.append(run.stdout)
    assert json.loads(outputs[0])["pairs"]
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_chinese_text_without_spaces_is_matched_by_characters() -> None:
    a = ("北约秘书长斯托尔滕贝格周三在布鲁塞尔会见了俄罗斯副外长格鲁什科。双方讨论了乌克兰边境局势。"  # noqa: E501 (CJK characters count double)
         "\n\n今天天气很好，我们去公园散步。孩子们在草地上玩耍。")  # fmt: skip
    b = ("据报道，北约秘书长斯托尔滕贝格周三在布鲁塞尔会见了俄罗斯副外长格鲁什科。双方讨论了乌克兰边境局势。"  # noqa: E501 (CJK characters count double)
         "\n\n股市今天上涨了百分之二。投资者对前景感到乐观。")  # fmt: skip
    [m] = dedup.scan([Document("a", a), Document("b", b)]).matches_between("a", "b")
    assert (
        a[m.a_start : m.a_end]
        == "北约秘书长斯托尔滕贝格周三在布鲁塞尔会见了俄罗斯副外长格鲁什科。双方讨论了乌克兰边境局势。"  # noqa: E501 (CJK characters count double)
    )
    assert b[m.b_start : m.b_end].endswith(a[m.a_start : m.a_end])
