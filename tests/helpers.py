"""Shared test inputs: the seed corpus and generated texts with planted copies."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dedup.core.records import Document

REPO = Path(__file__).parent.parent
SEEDS = REPO / "seeds"

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ar", "en", "ol")]
# 2,000 pseudo-words: a vocabulary as wide as news text, so random sentences share few words.
_WORDS = sorted({a + b + c for a in _SYLLABLES[:40] for b in _SYLLABLES[40:90] for c in ("", "n")})[
    :2000
]
_GLUE = ["the", "a", "of", "to", "in", "and", "on", "for", "with", "from", "by", "at", "said",
         "would", "could", "after", "before"]  # fmt: skip


def seed_documents() -> list[Document]:
    """The five seed articles; ids are the three-digit prefixes ("000" ... "004")."""
    return [
        Document(p.name[:3], p.read_text(encoding="utf-8"), origin=str(p))
        for p in sorted(SEEDS.glob("*.txt"))
    ]


def random_sentence(rng: np.random.Generator) -> str:
    words = [
        str(rng.choice(_WORDS)) if rng.random() < 0.6 else str(rng.choice(_GLUE))
        for _ in range(int(rng.integers(12, 24)))
    ]
    return " ".join(words).capitalize() + "."


def random_text(rng: np.random.Generator, sentences: int) -> str:
    paragraphs = []
    while sentences > 0:
        n = min(sentences, int(rng.integers(2, 5)))
        paragraphs.append(" ".join(random_sentence(rng) for _ in range(n)))
        sentences -= n
    return "\n\n".join(paragraphs)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def plant_copy(
    rng: np.random.Generator, copy_sentences: int = 4
) -> tuple[Document, Document, Span, Span]:
    """A donor text and a host text holding a verbatim copy of some of the donor's sentences.

    Returns host, donor, the copy's span in the host and its span in the donor.
    """
    donor_text = random_text(rng, 20)
    sentences = [s + "." for s in donor_text.replace("\n\n", " ").split(". ") if s]
    sentences[-1] = sentences[-1].rstrip(".")
    first = int(rng.integers(0, len(sentences) - copy_sentences))
    copied = " ".join(sentences[first : first + copy_sentences])
    donor_start = donor_text.index(sentences[first][:40])
    donor_end = donor_text.index(sentences[first + copy_sentences - 1]) + len(
        sentences[first + copy_sentences - 1]
    )
    before, after = random_text(rng, 6), random_text(rng, 6)
    host_text = f"{before}\n\n{copied}\n\n{after}"
    host_start = len(before) + 2
    return (
        Document("host", host_text),
        Document("donor", donor_text),
        Span(host_start, host_start + len(copied)),
        Span(donor_start, donor_end),
    )


def dedup_process(*argv: str, cwd: Path) -> subprocess.Popen[str]:
    """``dedup ARGV`` as a real process in its own process group, output captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80"}
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job: Ctrl-C reaches all
    )


def corpus_jsonl(path: Path, docs: int, sentences: int) -> None:
    """Random articles of ``sentences`` sentences, one in ten sharing a passage."""
    rng = np.random.default_rng(5)
    vocab = np.array(_WORDS + _GLUE * 40)
    shared = random_text(rng, 6)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(docs):
            words = rng.choice(vocab, sentences * 16).reshape(sentences, 16)
            body = " ".join(" ".join(s).capitalize() + "." for s in words)
            text = body + ("\n\n" + shared if i % 10 == 0 else "")
            f.write(json.dumps({"id": f"d{i:04}", "text": text}) + "\n")


def wait_for_line(proc: subprocess.Popen[str], text: str, timeout: float) -> str:
    """Read ``proc``'s stderr until a line holding ``text`` has been written (an event the
    program reports, such as ``-v``'s "align: started"); return all it wrote so far.
    Kills it if that never happens, so that no process outlives the test."""
    assert proc.stderr is not None
    fd, seen = proc.stderr.fileno(), b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen.rpartition(b"\n")[0]:
        left = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            proc.kill()
            proc.communicate()
            raise AssertionError(f"process {proc.pid} never wrote {text!r}; it wrote {seen!r}")
        seen += chunk
    return seen.decode()


def finish(proc: subprocess.Popen[str], after: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``proc``; it hung (and is killed) if it runs on
    for two minutes ``after`` what the test did to it."""
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        raise AssertionError(f"dedup hung after {after}") from None
    return proc.returncode, out, err


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """``folder`` as a file system of ``size`` (``64k``, ``1m``) in memory while the block
    runs: a small disk that fills, or one to remount read-only (root can write to any
    folder whatever its permissions). Skips the test where mounting is not allowed."""
    folder.mkdir(exist_ok=True)
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def stock_phrase_documents(rng: np.random.Generator, n: int) -> list[Document]:
    """``n`` unrelated documents holding one run of 12 words inside a sentence each: a
    stock phrase of many stories, which a scan reports as boilerplate."""
    stock = " ".join(random_sentence(rng).rstrip(".").lower().split()[:12])

    def words(count: int) -> str:
        found: list[str] = []
        while len(found) < count:
            found += random_sentence(rng).rstrip(".").lower().split()
        return " ".join(found[:count])

    return [Document(f"d{k}", f"{random_text(rng, 8)} {words(15).capitalize()} {stock} "
                              f"{words(15)}. {random_text(rng, 8)}") for k in range(n)]  # fmt: skip
