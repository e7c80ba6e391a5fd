"""Accuracy and speed of ``dedup.scan`` in every script, next to English, in one run.

Usage::

    python benchmarks/multilingual.py [--docs 1000] [--seed 0] [--scripts thai,urdu] [--json FILE]
        [--rounds 2] [--langid-docs 10000] [--cpu]

For each script a corpus of ``--docs`` documents is written from words of that
script: its language's stop words (stopwordsiso, shipped in the package; entries
holding punctuation, such as the Chinese list's ``。`` and ``》``, left out) as the
function words, never a one-letter one before a full stop (there it reads as an
initial or an abbreviation), and pseudo-words drawn from its letters (or, for Chinese and
Japanese, its characters) as the content words. Nothing is downloaded. Sentences
end and words are separated as the script does (``।`` in Hindi, ``۔`` in Urdu,
``。`` and no spaces in Chinese and Japanese, no spaces between Thai words and a
space between Thai sentences). A Chinese or Japanese word is two or three characters,
so their paragraphs hold three times the sentences: every script's documents
are about as long in characters as English's (1,000 to 1,250), and time per character
measures the work a character takes, not the work a document takes.

A third of the documents are hosts: each reuses 2-5 consecutive sentences of
another document, planted at a sentence boundary,

- ``verbatim``: copied character for character;
- ``light``: a tenth of the content words replaced, one sentence end dropped
  (two sentences run together);
- ``shuffled``: the passage's second half first; each half is its own case.

Each corpus is scanned on its own and scored with ``accuracy.evaluate`` (PAN
measures: recall, precision per kind); ``exact`` is the share of verbatim cases
that one match reports with exactly the planted offsets on both sides. Speed:
characters per second of the whole scan and of each stage (``progress``
callbacks), and their ratio to English's (time per character over English's), after
an untimed scan of a few documents of every script (numba loads its compiled loops).
Every corpus is scanned ``--rounds`` times, all scripts in turn each round, and each
stage's least time counts: on a shared machine the load changes during a run, and a
script scanned only while it is high would look slower than it is. ``--cpu`` times
the stages in CPU seconds of a scan on one worker (all its work in this process)
instead of wall seconds of a scan on every core: the work a character takes, which
other jobs on a shared machine change far less than they change the wall clock.

Language identification: ``--langid-docs`` documents of every script (an equal share
each) have their language detected by ``dedup.analysis.language.detect`` and by py3langid's
own ``classify`` on the same first ``SAMPLE_CHARS`` characters; printed are the seconds
of each, the share of the documents where the two agree with the corpus's language,
and what detection takes of the documents' whole analysis.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import py3langid
import stopwordsiso

if __package__ in (None, ""):  # run as a file: the checkout's root holds this package and dedup
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dedup
from benchmarks.accuracy import evaluate
from benchmarks.labeled import Planted
from dedup.analysis.analyze import analyze
from dedup.analysis.language import SAMPLE_CHARS, detect
from dedup.core.progress import STAGES
from dedup.core.records import Document

_KINDS = ("verbatim", "light", "shuffled")
_WARM_UP_DOCS = 30  # of each script, scanned untimed first
_BARS = {"verbatim.recall": 0.99, "light.recall": 0.99, "verbatim.precision": 0.98,
         "light.precision": 0.98}  # fmt: skip


def _chars(spec: str) -> list[str]:
    """Characters of ``spec``: single characters and ``a-z`` style ranges."""
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out += [chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1)]
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return out


@dataclass(frozen=True)
class Script:
    """How one script writes: its language, letters, word and sentence separators."""

    name: str
    language: str
    consonants: str  # letters (or characters) that start a syllable, as _chars reads them
    vowels: str  # what follows them in a syllable ("" for a character script)
    end: str  # sentence end
    space: str = " "  # between words
    sentence_space: str = " "  # after a sentence end
    cased: bool = False
    syllables: tuple[int, int] = (2, 3)  # syllables of a pseudo-word, inclusive
    paragraph: int = 1  # times the sentences of a paragraph, for documents as long as English's

    def words(self, rng: np.random.Generator, count: int) -> list[str]:
        """``count`` pseudo-words of 2-3 (``syllables``) letters and vowels each."""
        consonants = np.array(_chars(self.consonants))
        vowels = np.array(_chars(self.vowels) or [""])
        lo, hi = self.syllables
        sizes = rng.integers(lo, hi + 1, count)
        firsts = consonants[rng.integers(0, len(consonants), (count, hi))]
        seconds = vowels[rng.integers(0, len(vowels), (count, hi))]
        return ["".join(a + b for a, b in zip(f[:n], v[:n], strict=True))
                for f, v, n in zip(firsts.tolist(), seconds.tolist(), sizes.tolist(), strict=True)]


SCRIPTS = (
    Script("english", "en", "bcdfghklmnprstvwz", "aeiou", ".", cased=True),
    Script("latin", "fr", "bcdfglmnprstvz", "aeiouéèêàâîôûçëï", ".", cased=True),
    Script("cyrillic", "ru", "бвгджзклмнпрстфхцчшщ", "аеиоуыэюяё", ".", cased=True),
    Script("greek", "el", "βγδζθκλμνξπρστφχψ", "αεηιουωάέήίόύώ", ".", cased=True),
    Script("arabic", "ar", "بتثجحخدذرزسشصضطظعغفقكلمنه", "اوي", "."),
    Script("urdu", "ur", "بپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنہھ", "اوییے", "۔"),
    Script("devanagari", "hi", "कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह", "ािीुूेैोौ", "।"),
    Script("chinese", "zh", "一-龥", "", "。", space="", sentence_space="", syllables=(2, 2),
           paragraph=3),
    Script("japanese", "ja", "一-龥ア-ン", "", "。", space="", sentence_space="", syllables=(2, 3),
           paragraph=3),
    Script("thai", "th", "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ", "ะาิีึืุูเแโใไ่้", "", space="",
           syllables=(2, 4)),
)


class _Writer:
    """Sentences of one script: content pseudo-words and the language's stop words."""

    def __init__(self, script: Script, rng: np.random.Generator) -> None:
        self.script, self.rng = script, rng
        self.vocabulary = np.array(sorted(set(script.words(rng, 20_000))))
        stops = sorted(stopwordsiso.stopwords(script.language))
        self.glue = np.array([w for w in stops if _is_word(w)][:150])

    def sentence(self) -> str:
        s, rng = self.script, self.rng
        size = int(rng.integers(12, 22))
        content = rng.random(size) < 0.65
        picks = self.vocabulary[rng.integers(0, len(self.vocabulary), size)]
        glue = self.glue[rng.integers(0, len(self.glue), size)]
        # A letter before a full stop is an initial or an abbreviation (``J.``, Russian
        # "g." for "city", "t. e." for "that is"), not a sentence's last word.
        content[-1] |= len(glue[-1]) == 1 and s.end == "."
        words = np.where(content, picks, glue).tolist()
        text = s.space.join(words)
        return (text[:1].upper() + text[1:] if s.cased else text) + s.end

    def light(self, sentences: list[str]) -> list[str]:
        """A tenth of the content words replaced, one sentence end dropped."""
        s, rng = self.script, self.rng
        out = []
        for sentence in sentences:
            body = sentence[: len(sentence) - len(s.end)]
            words = body.split(s.space) if s.space else _chunks(body, 2)
            k = max(1, len(words) // 10)
            for i in rng.choice(len(words), size=k, replace=False).tolist():
                words[i] = str(self.vocabulary[rng.integers(0, len(self.vocabulary))])
            out.append(s.space.join(words) + s.end)
        if s.end and len(out) > 1:
            i = int(rng.integers(0, len(out) - 1))
            out[i] = out[i][: len(out[i]) - len(s.end)]
        return out


def _is_word(entry: str) -> bool:
    """Whether a stop-word list's entry is one word: no space, punctuation (the Chinese
    list holds ``。``, ``》`` and ``、``) or symbol, but for a hyphen inside."""
    return all(c == "-" or unicodedata.category(c)[0] not in "PSZ" for c in entry)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@dataclass
class _Doc:
    id: str
    paragraphs: list[list[str]]


def _text(doc: _Doc, script: Script) -> tuple[str, list[list[tuple[int, int]]]]:
    """A document's text and each sentence's span, by paragraph."""
    parts, spans, pos = [], [], 0
    for k, paragraph in enumerate(doc.paragraphs):
        if k:
            parts.append("\n\n")
            pos += 2
        row = []
        for j, sentence in enumerate(paragraph):
            if j:
                parts.append(script.sentence_space)
                pos += len(script.sentence_space)
            row.append((pos, pos + len(sentence)))
            parts.append(sentence)
            pos += len(sentence)
        spans.append(row)
    return "".join(parts), spans


def make_corpus(script: Script, n_docs: int, seed: int) -> tuple[list[Document], list[Planted]]:
    """``n_docs`` documents of ``script`` and the planted reuse among them."""
    rng = np.random.default_rng(seed)
    writer = _Writer(script, rng)
    docs = [_Doc(f"{script.name}-{i:05d}",
                 [[writer.sentence() for _ in range(int(rng.integers(3, 6)) * script.paragraph)]
                  for _ in range(int(rng.integers(2, 4)))]) for i in range(n_docs)]  # fmt: skip
    plans: list[tuple[int, int, str, int, int, int, list[str]]] = []
    hosts = rng.permutation(n_docs)[: n_docs // 3].tolist()
    for n, host in enumerate(hosts):
        src = int(rng.integers(0, n_docs))
        while src == host or src in hosts:
            src = int(rng.integers(0, n_docs))
        kind = _KINDS[n % len(_KINDS)]
        sizes = [len(p) for p in docs[src].paragraphs]
        paragraph = sizes.index(max(sizes))
        sentences = docs[src].paragraphs[paragraph]
        length = int(rng.integers(2, min(5, len(sentences)) + 1))
        first = int(rng.integers(0, len(sentences) - length + 1))
        passage = sentences[first : first + length]
        copied = writer.light(passage) if kind == "light" else list(passage)
        if kind == "shuffled":
            half = length // 2
            copied = copied[half:] + copied[:half]
        where = int(rng.integers(0, len(docs[host].paragraphs[0]) + 1))
        docs[host].paragraphs[0][where:where] = copied
        plans.append((host, src, kind, paragraph, first, length, copied))
    texts = {d.id: _text(d, script) for d in docs}
    planted = []
    for host, src, kind, paragraph, first, length, copied in plans:
        src_id, host_id = docs[src].id, docs[host].id
        src_spans = texts[src_id][1][paragraph][first : first + length]
        at = next(i for i, s in enumerate(docs[host].paragraphs[0]) if s is copied[0])
        host_spans = texts[host_id][1][0][at : at + length]
        if kind == "shuffled":
            half = length // 2
            runs = [(src_spans[half:], host_spans[: length - half]),
                    (src_spans[:half], host_spans[length - half :])]  # fmt: skip
        else:
            runs = [(src_spans, host_spans)]
        for s, h in runs:
            planted.append(Planted(kind, src_id, s[0][0], s[-1][1], host_id, h[0][0], h[-1][1]))
    documents = [Document(d.id, texts[d.id][0]) for d in docs]
    return documents, planted


def _exact(planted: Sequence[Planted], matches: Sequence[Any]) -> float:
    """Share of verbatim cases that one match reports with exactly their offsets."""
    spans = {(m.a, m.a_start, m.a_end, m.b, m.b_start, m.b_end) for m in matches}
    spans |= {(b, bs, be, a, as_, ae) for a, as_, ae, b, bs, be in spans}
    cases = [p for p in planted if p.kind == "verbatim"]
    hits = sum((p.src_id, p.src_start, p.src_end, p.host_id, p.host_start, p.host_end) in spans
               for p in cases)  # fmt: skip
    return hits / len(cases) if cases else 1.0


def _timed_scan(docs: list[Document], cpu: bool = False) -> tuple[Any, dict[str, float]]:
    """``dedup.scan(docs)`` and the seconds of the whole scan and of each stage (``cpu``:
    CPU seconds of a scan on one worker)."""
    ends: dict[str, float] = {}
    clock = time.process_time if cpu else time.perf_counter
    begin = clock()

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            ends[stage] = clock()

    result = dedup.scan(docs, progress=progress, workers=1 if cpu else None)
    seconds = {"scan": clock() - begin}
    last = begin
    for stage in STAGES:
        if stage in ends:
            seconds[stage] = ends[stage] - last
            last = ends[stage]
    return result, seconds


def measure(corpora: dict[str, tuple[list[Document], list[Planted]]],
            rounds: int, cpu: bool = False) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Accuracy and speed figures of each script's corpus (by name). Every corpus is
    scanned once a round, in turn; each stage's time is its least over the rounds (the
    load of a shared machine changes during a run, and slows each scan only)."""
    timed: dict[str, list[dict[str, float]]] = {name: [] for name in corpora}
    results: dict[str, Any] = {}
    for _ in range(rounds):
        for name, (docs, _) in corpora.items():
            results[name], seconds = _timed_scan(docs, cpu)
            timed[name].append(seconds)
    return {name: _figures(docs, planted, results[name],
                           {k: min(s[k] for s in timed[name]) for k in timed[name][0]})
            for name, (docs, planted) in corpora.items()}  # fmt: skip


def _figures(docs: list[Document], planted: list[Planted], result: Any,
             seconds: dict[str, float]) -> dict[str, Any]:  # fmt: skip
    """Accuracy figures of one scan and the speed of its stages (``seconds``)."""
    figures = evaluate(docs, planted, result)
    reuse = [m for m in result.matches if m.kind != "boilerplate"]
    chars = sum(len(d.text) for d in docs)
    languages = sorted({d.language for d in result.document_scores})
    return {
        "docs": len(docs),
        "chars": chars,
        "languages": languages,
        **{f"{k}.{m}": figures["kinds"][k][m] for k in _KINDS for m in ("recall", "precision")},
        "all.precision": figures["kinds"]["all"]["precision"],
        "exact": round(_exact(planted, reuse), 4),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "chars_per_s": {k: round(chars / v) for k, v in seconds.items() if v > 0},
    }


def langid_cost(n_docs: int, seed: int) -> dict[str, float]:
    """Seconds to detect the language of ``n_docs`` documents of every script, with dedup's
    compiled walk and with py3langid's ``classify``, and of their whole analysis."""
    per = -(-n_docs // len(SCRIPTS))
    docs = [(s.language, d) for s in SCRIPTS for d in make_corpus(s, per, seed)[0]][:n_docs]
    detect(docs[0][1].text)  # the model loaded and the walk compiled before the clock
    begin = time.perf_counter()
    ours = [detect(d.text) for _, d in docs]
    mid = time.perf_counter()
    theirs = [py3langid.classify(d.text[:SAMPLE_CHARS])[0] for _, d in docs]
    end = time.perf_counter()
    for _, d in docs:
        analyze(d)
    analysis = time.perf_counter() - end
    truth = [language for language, _ in docs]
    return {"docs": len(docs), "detect_s": round(mid - begin, 3),
            "py3langid_s": round(end - mid, 3), "analysis_s": round(analysis, 3),
            "detect_share_of_analysis": round((mid - begin) / analysis, 4),
            "detect_right": _agreement(ours, truth), "py3langid_right": _agreement(theirs, truth)}


def _agreement(found: list[str], truth: list[str]) -> float:
    return round(sum(a == b for a, b in zip(found, truth, strict=True)) / max(len(truth), 1), 4)


def _ratios(rows: dict[str, dict[str, Any]]) -> None:
    """Time per character over English's, per stage, in place."""
    base = rows["english"]["chars_per_s"]
    for row in rows.values():
        row["vs_english"] = {k: round(base[k] / v, 2) for k, v in row["chars_per_s"].items()
                             if k in base}  # fmt: skip


def format_table(rows: dict[str, dict[str, Any]]) -> str:
    stages = ["scan", *STAGES]
    head = (f"{'script':<11} {'lang':<5} {'verb R':>6} {'verb P':>6} {'light R':>7} {'light P':>7} "
            f"{'shuf R':>6} {'exact':>5} {'chars/s':>9} " + " ".join(f"{s:>10}" for s in stages))
    lines = [head, "-" * len(head)]
    for name, r in rows.items():
        ratios = " ".join(f"{r['vs_english'].get(s, float('nan')):>9.2f}x" for s in stages)
        lines.append(f"{name:<11} {','.join(r['languages'])[:5]:<5} {r['verbatim.recall']:>6.3f} "
                     f"{r['verbatim.precision']:>6.3f} {r['light.recall']:>7.3f} "
                     f"{r['light.precision']:>7.3f} {r['shuffled.recall']:>6.3f} "
                     f"{r['exact']:>5.2f} {r['chars_per_s']['scan']:>9,} {ratios}")  # fmt: skip
    lines.append("chars/s: whole scan; the last columns: time per character over English's")
    return "\n".join(lines)


def failures(rows: dict[str, dict[str, Any]]) -> list[str]:
    """The accuracy bars a script misses."""
    return [f"{name}: {key} {r[key]} < {bar}" for name, r in rows.items()
            for key, bar in _BARS.items() if r[key] < bar]  # fmt: skip


def main(argv: Sequence[str] | None = None,
         out: Callable[[str], None] = print) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents a script")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scripts", default="", help="comma-separated names (default: all)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--rounds", type=int, default=2,
                        help="scans of every corpus, in turn; each stage's least time counts")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU seconds of a scan on one worker, not wall seconds")
    parser.add_argument("--langid-docs", type=int, default=10_000,
                        help="documents whose language detection is timed (0: none)")
    args = parser.parse_args(argv)
    wanted = {s for s in args.scripts.split(",") if s} | {"english"} if args.scripts else None
    chosen = [s for s in SCRIPTS if wanted is None or s.name in wanted]
    for script in chosen:  # compiled loops loaded before any clock starts
        dedup.scan(make_corpus(script, _WARM_UP_DOCS, args.seed)[0])
    rows = measure({s.name: make_corpus(s, args.docs, args.seed) for s in chosen}, args.rounds,
                   args.cpu)  # fmt: skip
    _ratios(rows)
    out(format_table(rows))
    missed = failures(rows)
    for line in missed:
        out(f"MISSED {line}")
    figures: dict[str, Any] = {"scripts": rows}
    if args.langid_docs:
        cost = figures["langid"] = langid_cost(args.langid_docs, args.seed)
        out(f"language detection, {cost['docs']:,} documents: dedup {cost['detect_s']:.2f} s "
            f"({cost['detect_share_of_analysis']:.1%} of their analysis, "
            f"{cost['analysis_s']:.1f} s), py3langid {cost['py3langid_s']:.2f} s; right: "
            f"dedup {cost['detect_right']:.3f}, py3langid {cost['py3langid_right']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
