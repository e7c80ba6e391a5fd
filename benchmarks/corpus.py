"""Deterministic news-like corpora with planted syndication, for the scale benchmarks.

Writes ``corpus-<n>.jsonl`` (one ``{"id", "text", "source"}`` a line) and
``corpus-<n>.pairs.tsv`` (the ground truth: every pair of documents that share
one wire story, ``a<TAB>b`` with ``a < b``, sorted) into a folder::

    python benchmarks/corpus.py --docs 10000 --out /tmp/corpora

How the text is made
--------------------
Documents are 300-900 words in paragraphs of 1-4 sentences of 8-32 words.
Words follow a Zipf law over a vocabulary of real English function and news
words at the head and ~40,000 generated word forms in the tail; each document
has a topic (one of 400) whose 60 words and 20 names are drawn 5x more often,
so unrelated documents on one topic share vocabulary as real news does.

Planted syndication
-------------------
``copy_share`` of the documents (default 0.15) are rewrites of an earlier
*wire* document: each paragraph is dropped with probability 0.2 (at least half
are kept), the kept paragraphs are partly reordered, 5-15% of the words are
substituted by other words, and the outlet adds an own first paragraph. A wire
story has 1-3 rewrites; every two documents of one story (wire and rewrites, and
rewrites among themselves) form a ground-truth pair.

Everything comes from ``numpy.random.default_rng(seed)``: the same arguments
give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

_FUNCTION_TEXT = """the of to and a in that for on is was with said by as at from it he his be
has have an are were but not its will had this which after who their they been would more
also than one about up over new two into out we i last she her there could when all year
can some other no first what only while against them people years do so time like before
because between since under during three where government if these most those any both
many"""

_NEWS_TEXT = """president minister government officials police state country security military
forces talks border troops attack killed report week monday tuesday wednesday thursday
friday saturday sunday city capital election party leader court law parliament vote
million billion percent economy market prices bank company deal trade oil gas energy
health hospital workers union strike protest crisis war peace agreement foreign defence
spokesman statement agency news interview told reporters official national international
region province village area residents children women men family members group army
ministry council committee investigation case charges prison judge lawyers rights
demands support plan policy decision meeting summit envoy ambassador talks negotiations
ceasefire sanctions aid refugees migrants fire flood storm earthquake rescue victims
injured dead damage homes roads power water food schools university students study
research scientists climate emissions coal nuclear weapons missile drone navy aircraft"""

_SYLLABLES_TEXT = """ba be bi bo bu ca ce co cu da de di do du fa fe fi fo ga ge go ha he hi ho
ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa
se si so su ta te ti to tu va ve vi vo za ze zo an en in on ar er or al el il ol ur st tr
pr br gr dr cr fl pl sl ch sh th"""
_FUNCTION = _FUNCTION_TEXT.split()
_NEWS = _NEWS_TEXT.split()
_SYLLABLES = _SYLLABLES_TEXT.split()

_STORY_SHARE = 0.15
_WEB_OUTLETS = 80
_WIRES = 5  # wires in the web shape; with the outlets, 85 sources
_WIRE_SHARE = 0.3  # of new stories in the web shape, those a wire publishes
_STOCK = 4  # stock background paragraphs per wire
_STOCK_SHARE = 0.5  # of a wire's stories, those that carry one of its stock paragraphs
_MASTHEADS = ("Herald", "Courier", "Gazette", "Tribune", "Post", "Observer", "Chronicle", "Times")

Truth = tuple[str, str, str]  # a, b (a < b), kind: "copy" or "sibling"


def vocabulary(rng: np.random.Generator, size: int = 40_000) -> tuple[list[str], np.ndarray]:
    """Words and their Zipf probabilities: function words first, then news words, then a tail."""
    seen = set(_FUNCTION) | set(_NEWS)
    tail: list[str] = []
    syl = np.array(_SYLLABLES)
    while len(tail) < size:
        n = int(rng.integers(2, 5))
        word = "".join(syl[rng.integers(0, len(syl), n)])
        if word not in seen:
            seen.add(word)
            tail.append(word)
    words = list(dict.fromkeys(_FUNCTION + _NEWS)) + tail
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    p = 1.0 / ranks**1.05
    return words, p / p.sum()


def _names(rng: np.random.Generator, n: int) -> list[str]:
    syl = np.array(_SYLLABLES)
    return ["".join(syl[rng.integers(0, len(syl), int(rng.integers(2, 4)))]).capitalize()
            for _ in range(n)]  # fmt: skip


class _Writer:
    """Documents as paragraphs of sentences of word indices into ``self.words``.

    ``self.words`` holds the vocabulary, then the topics' names, then the numbers
    2-1999, so a whole document is drawn with a few array operations.
    """

    def __init__(self, rng: np.random.Generator, topics: int = 400) -> None:
        self.rng = rng
        vocab, p = vocabulary(rng)
        self.n_vocab = len(vocab)
        self.cum = np.cumsum(p)
        self.topic_words = rng.integers(len(_FUNCTION), len(vocab), (topics, 60))
        names = _names(rng, topics * 20)
        self.name_base = len(vocab)
        self.number_base = self.name_base + len(names)
        self.words = np.array([*vocab, *names, *map(str, range(2, 2000))], dtype=object)
        self.capital = np.array([w[:1].upper() + w[1:] for w in self.words], dtype=object)

    def draw(self, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cum, self.rng.random(n)), self.n_vocab - 1)

    def words_of(self, topic: int, n: int) -> np.ndarray:
        rng = self.rng
        idx = self.draw(n)
        roll = rng.random(n)
        topical = roll < 0.12
        idx[topical] = self.topic_words[topic, rng.integers(0, 60, int(topical.sum()))]
        named = (roll >= 0.12) & (roll < 0.16)
        idx[named] = self.name_base + topic * 20 + rng.integers(0, 20, int(named.sum()))
        number = (roll >= 0.16) & (roll < 0.175)
        idx[number] = self.number_base + rng.integers(0, 1998, int(number.sum()))
        return idx

    def paragraphs(self, topic: int, n_words: int) -> list[list[np.ndarray]]:
        """Paragraphs of 1-4 sentences of 8-32 words, at least ``n_words`` words in all."""
        rng = self.rng
        lengths = rng.integers(8, 33, n_words // 8 + 1)
        cut = int(np.searchsorted(np.cumsum(lengths), n_words)) + 1
        lengths = lengths[:cut]
        idx = self.words_of(topic, int(lengths.sum()))
        sents = np.split(idx, np.cumsum(lengths)[:-1])
        per_para = rng.integers(1, 5, len(sents))
        bounds = np.concatenate(([0], np.cumsum(per_para)))
        return [sents[bounds[k] : bounds[k + 1]] for k in range(len(per_para))
                if bounds[k] < len(sents)]  # fmt: skip

    def document(self, topic: int) -> list[list[np.ndarray]]:
        """Paragraphs of sentences of words, 300-900 words in all."""
        return self.paragraphs(topic, int(self.rng.integers(300, 901)))

    def rewrite(self, paragraphs: list[list[np.ndarray]], topic: int) -> list[list[np.ndarray]]:
        """A syndicated rewrite: paragraphs dropped and reordered, 5-15% words substituted."""
        rng = self.rng
        keep = [p for p in paragraphs if rng.random() >= 0.2]
        if len(keep) < (len(paragraphs) + 1) // 2:
            keep = paragraphs[: (len(paragraphs) + 1) // 2]
        for _ in range(len(keep) // 4 + 1):  # a few swaps: partly reordered
            i, j = rng.integers(0, len(keep), 2)
            keep[i], keep[j] = keep[j], keep[i]
        share = rng.uniform(0.05, 0.15)
        out = []
        for para in keep:
            new_para = []
            for sent in para:
                sent = sent.copy()
                hit = rng.random(len(sent)) < share
                sent[hit] = self.draw(int(hit.sum()))
                new_para.append(sent)
            out.append(new_para)
        intro = self.paragraphs(topic, int(rng.integers(15, 50)))[:1]
        return [*intro, *out]

    def render(self, paragraphs: list[list[np.ndarray]]) -> str:
        out = []
        for para in paragraphs:
            sents = [" ".join([self.capital[s[0]], *self.words[s[1:]]]) + "." for s in para]
            out.append(" ".join(sents))
        return "\n\n".join(out)


def generate(n_docs: int, *, seed: int = 0, copy_share: float = _STORY_SHARE,
             outlets: int = 60) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:  # fmt: skip
    """Documents (``id``, ``text``, ``source``) and the sorted ground-truth pairs, plain shape."""
    docs, truth = _generate(n_docs, seed=seed, copy_share=copy_share, outlets=outlets, web=False)
    return docs, [(a, b) for a, b, _ in truth]


def generate_web(
    n_docs: int, *, seed: int = 0, copy_share: float = _STORY_SHARE, outlets: int = _WEB_OUTLETS
) -> tuple[list[dict[str, str]], list[Truth]]:
    """Documents shaped like the web (outlet chrome, wire stock paragraphs) and the sorted
    ground-truth pairs ``(a, b, kind)``, kind ``copy`` or ``sibling``."""
    return _generate(n_docs, seed=seed, copy_share=copy_share, outlets=outlets, web=True)


def _generate(n_docs: int, *, seed: int, copy_share: float, outlets: int,
              web: bool) -> tuple[list[dict[str, str]], list[Truth]]:  # fmt: skip
    rng = np.random.default_rng(seed)
    w = _Writer(rng)
    chrome = _Chrome(w, outlets) if web else None
    width = len(str(n_docs - 1))
    ids = [f"doc{k:0{width}d}" for k in range(n_docs)]
    is_copy = rng.random(n_docs) < copy_share
    is_copy[0] = False
    story = np.arange(n_docs)
    bodies: dict[int, list[list[np.ndarray]]] = {}
    stock: dict[int, str] = {}  # wire story -> the stock paragraph it carries
    topics = rng.integers(0, len(w.topic_words), n_docs)
    rewrites = np.zeros(n_docs, dtype=np.int64)
    docs = []
    open_wires: list[int] = []  # originals with fewer than 3 rewrites so far
    for k in range(n_docs):
        if is_copy[k] and open_wires:
            pick = int(rng.integers(0, len(open_wires)))
            wire = open_wires[pick]
            rewrites[wire] += 1
            if rewrites[wire] == 3:
                open_wires[pick] = open_wires[-1]
                open_wires.pop()
            story[k] = wire
            topics[k] = topics[wire]
        else:
            is_copy[k] = False
            open_wires.append(k)
        paragraphs = (w.rewrite(bodies[story[k]], int(topics[k])) if is_copy[k]
                      else w.document(int(topics[k])))  # fmt: skip
        if not is_copy[k]:
            bodies[k] = paragraphs
        source = f"outlet{int(rng.integers(0, outlets)):02d}"
        text = w.render(paragraphs)
        if chrome is not None:
            if not is_copy[k] and rng.random() < _WIRE_SHARE:
                source, stock[k] = chrome.wire_story()
            text = chrome.dress(text, source, stock.get(int(story[k])))
        docs.append({"id": ids[k], "text": text, "source": source})
    members: dict[int, list[int]] = {}
    for k in range(n_docs):
        members.setdefault(int(story[k]), []).append(k)
    pairs = sorted((ids[a], ids[b], "sibling" if is_copy[a] else "copy")
                   for group in members.values() if len(group) > 1
                   for x, a in enumerate(group) for b in group[x + 1 :])  # fmt: skip
    return docs, pairs


class _Chrome:
    """What outlets stamp on every article and what wires repeat across their stories.

    Each outlet has a byline pool (8 reporters), a newsletter line after the second
    paragraph, a disclaimer and a footer of short lines; each of ``_WIRES`` wires has
    ``_STOCK`` stock background paragraphs, one of which a wire story may carry
    verbatim (and so do the outlets' rewrites of it).
    """

    def __init__(self, w: _Writer, outlets: int) -> None:
        rng = w.rng
        self.rng = rng
        self.name = {**{f"outlet{k:02d}": f"The {n} {t}" for k, (n, t) in enumerate(zip(
            _names(rng, outlets), rng.choice(_MASTHEADS, outlets), strict=True))},
            **{f"wire{k}": f"{n} Press" for k, n in enumerate(_names(rng, _WIRES))}}  # fmt: skip
        self.staff = {s: [" ".join(_names(rng, 2)) for _ in range(8)] for s in self.name}
        self.stock = [[w.render(w.paragraphs(int(rng.integers(0, len(w.topic_words))), 45)[:1])
                       for _ in range(_STOCK)] for _ in range(_WIRES)]  # fmt: skip

    def wire_story(self) -> tuple[str, str | None]:
        """Source of a new wire story, and the stock paragraph it carries (or None)."""
        wire = int(self.rng.integers(0, _WIRES))
        carries = self.rng.random() < _STOCK_SHARE
        stock = self.stock[wire][int(self.rng.integers(0, _STOCK))]
        return f"wire{wire}", stock if carries else None

    def dress(self, body: str, source: str, stock: str | None) -> str:
        """``body`` with ``source``'s byline, newsletter line, disclaimer and footer."""
        name = self.name[source]
        paras = body.split("\n\n")
        staff = self.staff[source]
        paras.insert(min(2, len(paras)), f"Sign up for the {name} morning newsletter to get "
                                         "the day's top stories in your inbox before breakfast.")
        if stock is not None:
            paras.append(stock)
        byline = f"By {staff[int(self.rng.integers(0, len(staff)))]}"
        disclaimer = (f"The views and opinions expressed in this article are those of the "
                      f"author and do not necessarily reflect the official position of {name}.")
        footer = "\n".join((f"\u00a9 2024 {name}", "All rights reserved", "Privacy Policy",
                            "Follow us"))  # fmt: skip
        return "\n\n".join((byline, *paras, disclaimer, footer))


def write(n_docs: int, out: Path, *, seed: int = 0, shape: str = "plain") -> tuple[Path, Path]:
    """Write a corpus and its ground truth into ``out`` (kept if present).

    ``shape`` ``plain`` writes ``corpus-<n>.jsonl``, ``web`` writes ``web-<n>.jsonl``
    (:func:`generate_web`); the truth, ``<name>.pairs.tsv``, has a line
    ``a<TAB>b<TAB>kind`` a pair.
    """
    out.mkdir(parents=True, exist_ok=True)
    stem = {"plain": "corpus", "web": "web"}[shape]
    corpus, truth = out / f"{stem}-{n_docs}.jsonl", out / f"{stem}-{n_docs}.pairs.tsv"
    if corpus.exists() and truth.exists():
        return corpus, truth
    make = generate_web if shape == "web" else _plain
    docs, pairs = make(n_docs, seed=seed)
    tmp = corpus.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    tmp.replace(corpus)
    truth.write_text("".join(f"{a}\t{b}\t{kind}\n" for a, b, kind in pairs), encoding="utf-8")
    return corpus, truth


def _plain(n_docs: int, *, seed: int) -> tuple[list[dict[str, str]], list[Truth]]:
    return _generate(n_docs, seed=seed, copy_share=_STORY_SHARE, outlets=60, web=False)


def read_jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def read_truth(path: Path) -> dict[tuple[str, str], str]:
    """Ground-truth pairs ``(a, b)`` of a ``.pairs.tsv`` and the kind of each."""
    with path.open(encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return {(r[0], r[1]): r[2] if len(r) > 2 else "copy" for r in rows}


def read_pairs(path: Path) -> set[tuple[str, str]]:
    """Ground-truth pairs ``(a, b)`` of a ``.pairs.tsv``."""
    return set(read_truth(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--out", type=Path, default=Path("/tmp/dedup-corpora"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shape", choices=("web", "plain"), default="web")
    args = parser.parse_args()
    for n in args.docs:
        corpus, truth = write(n, args.out, seed=args.seed, shape=args.shape)
        size = corpus.stat().st_size / 1e6
        n_pairs = sum(1 for _ in truth.open())
        print(f"{corpus}: {n} documents, {size:.1f} MB; {truth.name}: {n_pairs} pairs")


if __name__ == "__main__":
    main()
