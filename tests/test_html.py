import base64
import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dedup
from dedup.core.credits import credits
from dedup.core.records import Document, ScanResult
from dedup.report import html as html_report
from dedup.report.html import Highlight, dom_ids, highlight, render_html, report_context, write_html

SEEDS = Path(__file__).parent.parent / "seeds"
SEEDS_TEXT = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</textarea>",
    "\"'><svg onload=alert(1)>",
)


class _Marks(HTMLParser):
    """Text of a highlighted fragment, and the text inside each data-match, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.open: list[str | None] = []
        self.by_match: dict[str, str] = {}
        self.pieces: list[tuple[str, str]] = []  # (data-match, class) per opened mark

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag == "mark"
        a = dict(attrs)
        self.open.append(a.get("data-match"))
        self.pieces.append((a.get("data-match") or "", a["class"] or ""))
        self.by_match.setdefault(a.get("data-match") or "", "")

    def handle_endtag(self, tag: str) -> None:
        assert tag == "mark"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text += data
        for n in set(self.open):
            self.by_match[n or ""] += data


def _parse(fragment: str) -> _Marks:
    parser = _Marks()
    parser.feed(fragment)
    parser.close()
    assert parser.open == []
    return parser


class _Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def seeds() -> ScanResult:
    return dedup.scan(Document(p.stem, p.read_text(encoding="utf-8"))
                      for p in sorted(SEEDS.glob("*.txt")))  # fmt: skip


@pytest.fixture(scope="module")
def seeds_page(seeds: ScanResult) -> str:
    return render_html(seeds)


@pytest.fixture(scope="module")
def hostile() -> ScanResult:
    seed = (SEEDS / "000_5b7a90ba04acb189.txt").read_text(encoding="utf-8")
    docs = [Document(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    payload = "\n".join(HOSTILE)
    docs.append(Document(f"zz{HOSTILE[0]}", f"{payload}\n{seed[:1400]}\n{payload}", HOSTILE[1]))
    return dedup.scan(docs)


def test_highlight_keeps_text_and_marks_exact_slices() -> None:
    text = 'He said "a < b" & left.\n\nThen <b>bold</b> came back.'
    spans = [Highlight(3, 15, 1, "light", 'note "1" <x>'), Highlight(25, 41, 2, "verbatim", "n")]
    parsed = _parse(str(highlight(text, spans)))
    assert parsed.text == text
    assert parsed.by_match == {"1": text[3:15], "2": text[25:41]}
    assert [c for _, c in parsed.pieces] == ["reuse light", "reuse verbatim"]


def test_highlight_splits_crossing_spans_and_nests_contained_ones() -> None:
    text = "0123456789abcdefghij"
    spans = [
        Highlight(2, 10, 1, "light", ""),
        Highlight(6, 14, 2, "heavy", ""),
        Highlight(7, 9, 3, "boilerplate", ""),
        Highlight(15, 99, 4, "verbatim", ""),
    ]
    html = str(highlight(text, spans))
    parsed = _parse(html)
    assert parsed.text == text
    assert parsed.by_match == {"1": text[2:10], "2": text[6:14], "3": text[7:9], "4": text[15:]}
    # match 2 opens inside 1 and outlives it: one continuation piece, and nothing else is split
    assert [n for n, c in parsed.pieces if "cont" in c] == ["2"]


@given(
    st.text(alphabet="ab<>&\"' \n", max_size=40),
    st.lists(st.tuples(st.integers(-2, 45), st.integers(-2, 45)), max_size=6),
)
def test_highlight_round_trips_any_spans(text: str, raw: list[tuple[int, int]]) -> None:
    spans = [Highlight(s, e, n, "light", "") for n, (s, e) in enumerate(raw, 1)]
    parsed = _parse(str(highlight(text, spans)))
    assert parsed.text == text
    for s in spans:
        start, end = max(s.start, 0), min(s.end, len(text))
        assert parsed.by_match.get(str(s.match), "") == (text[start:end] if start < end else "")


def test_hostile_ids_sources_and_texts_are_shown_as_text(hostile: ScanResult) -> None:
    page = render_html(hostile)
    for payload in HOSTILE:
        assert payload not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;/textarea&gt;" in page
    tags = _elements(page)
    assert [t for t, _ in tags if t in ("script", "img", "textarea", "iframe")] == ["script"]
    assert not [(t, a) for t, a in tags if any(k.startswith("on") for k in a)]


def test_hostile_document_gets_a_pair_view_with_safe_ids(hostile: ScanResult) -> None:
    ctx = report_context(hostile)
    evil = next(d for d in hostile.documents if d.id.startswith("zz"))
    views = [v for v in ctx["pair_views"] if evil.id in (v["a"]["id"], v["b"]["id"])]
    assert views
    for v in views:
        assert re.fullmatch(r"pair-[A-Za-z0-9_-]+", v["anchor"])
        side = v["a"] if v["a"]["id"] == evil.id else v["b"]
        assert _parse(str(side["html"])).text == evil.text


def test_only_the_reports_own_script_runs(seeds_page: str) -> None:
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', seeds_page)
    assert csp and "default-src 'none'" in csp.group(1)
    [script] = re.findall(r"<script>(.*?)</script>", seeds_page, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp.group(1)


def test_report_loads_nothing_from_the_network(seeds_page: str) -> None:
    assert "http://" not in seeds_page and "https://" not in seeds_page
    assert "//" not in "".join(re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]*)""", seeds_page))
    for _, attrs in _elements(seeds_page):
        assert "src" not in attrs
        assert (attrs.get("href") or "#").startswith(("#", "data:"))


def test_every_link_points_at_an_element_of_the_page(seeds_page: str) -> None:
    ids = {a["id"] for _, a in _elements(seeds_page) if a.get("id")}
    hrefs = {a["href"] for _, a in _elements(seeds_page) if (a.get("href") or "").startswith("#")}
    assert hrefs and {h[1:] for h in hrefs} <= ids


def test_top_pairs_have_a_pair_view_with_every_match(seeds: ScanResult, seeds_page: str) -> None:
    views = {v["anchor"]: v for v in report_context(seeds)["pair_views"]}
    top = [p for p in seeds.pairs if seeds.matches_between(p.a, p.b, include_boilerplate=True)]
    assert len(top) >= 2 and {(p.a[:3], p.b[:3]) for p in top[:2]} == {
        ("001", "004"),
        ("000", "003"),
    }
    for p in top:
        anchor = f"pair-{p.a}--{p.b}"
        assert f'id="{anchor}"' in seeds_page
        matches = seeds.matches_between(p.a, p.b, include_boilerplate=True)
        a, b = seeds.document(p.a), seeds.document(p.b)
        for side, doc, key in (("a", a, lambda m: (m.a_start, m.a_end)),
                               ("b", b, lambda m: (m.b_start, m.b_end))):  # fmt: skip
            parsed = _parse(str(views[anchor][side]["html"]))
            assert parsed.text == doc.text
            numbered = {n: text for n, text in parsed.by_match.items() if n}
            assert numbered == {
                str(n): doc.text[slice(*key(m))] for n, m in enumerate(matches, 1)
            }
            [score] = [s for s in seeds.document_scores if s.id == doc.id]
            grey = [doc.text[b.start : b.end] for b in score.boilerplate
                    if not any(key(m)[0] < b.end and b.start < key(m)[1] for m in matches)]
            assert parsed.by_match.get("", "") == "".join(grey)


def test_pairs_sharing_only_boilerplate_get_no_pair_view(seeds: ScanResult) -> None:
    # the seeds' closest pair as if its passages were all boilerplate (stock phrases that
    # other documents hold too): it shares no reuse, so it gets no view
    top = seeds.pairs[0]
    ids = (top.a, top.b)
    result = replace(
        seeds,
        pairs=(replace(top, reused_chars=0, containment_ab=0.0, containment_ba=0.0),
               *seeds.pairs[1:]),
        matches=tuple(replace(m, kind="boilerplate") if (m.a, m.b) == ids else m
                      for m in seeds.matches))  # fmt: skip
    viewed = {(v["a"]["id"], v["b"]["id"]) for v in report_context(result)["pair_views"]}
    assert viewed == {(p.a, p.b) for p in result.pairs if p.reused_chars}
    assert ids not in viewed and (seeds.pairs[1].a, seeds.pairs[1].b) in viewed
    assert "undated<br>undated" in render_html(result)


def test_context_carries_the_json_data(seeds: ScanResult) -> None:
    ctx = report_context(seeds)
    assert ctx["corpus"]["reused_share"] == seeds.corpus.reused_share
    assert [d["id"] for d in ctx["documents"]] == [d.id for d in seeds.document_scores]
    assert next(d for d in ctx["documents"] if d["id"].startswith("001"))["credits"] == ("Reuters",)
    assert [p["rank"] for p in ctx["pairs"]] == [p.rank for p in seeds.pairs]
    assert all(p["view"] is None for p in ctx["pairs"] if p["reused_chars"] == 0)
    cells = {(c["row"], c["col"]): c for c in ctx["heatmap"]["cells"]}
    for s in seeds.sources:
        assert cells[(s.a, s.b)]["containment"] == s.containment_ab
        assert cells[(s.b, s.a)]["containment"] == s.containment_ba
        assert cells[(s.a, s.b)]["tfidf"] == cells[(s.b, s.a)]["tfidf"] == s.tfidf_cosine
    for f, fam in zip(ctx["families"], seeds.families, strict=True):
        assert list(f["members"]) == list(fam.members)
        assert {tuple(sorted((e["from"], e["to"]))) for e in f["edges"]} <= {
            (p.a, p.b) for p in seeds.pairs}
    for flow in seeds.source_flows:  # the heat map's first layer: rows take from columns
        assert cells[(flow.taker, flow.giver)]["takes"] == flow.share


def test_report_shows_dates_directions_and_family_trees() -> None:
    docs = [Document("wire", SEEDS_TEXT["004"], "Reuters", "Wed, 12 Jan 2022 09:00:00 +0000"),
            Document("copy", SEEDS_TEXT["001"], "Blog", "2022-01-13")]  # fmt: skip
    page = render_html(dedup.scan(docs))
    assert "2022-01-12T09:00:00Z" in page and 'title="as read: Wed, 12 Jan 2022' in page
    took = '<b><span class="ident">copy</span> took from <span class="ident">wire</span></b>'
    assert took in page
    assert "date: wire 2022-01-12T09:00:00Z before copy 2022-01-13" in page
    assert 'marker-end="url(#arrow-1)"' in page  # the family drawn as a directed tree
    assert re.search(r"Blog takes [1-9][0-9]\.[0-9]% of its text on these stories from Reuters",
                     page)
    assert "Reuters takes 0.0% of its text on these stories from Blog" in page
    assert "(2 documents)</span></h3>" in page


def test_a_family_without_an_origin_says_so(seeds_page: str) -> None:
    assert page_family(seeds_page, "000_5b7a90ba04acb189").count("origin not decided") == 1
    assert "origin not decided" not in page_family(seeds_page, "001_e2ab171a521ca024")


def page_family(page: str, member: str) -> str:
    """The HTML of the story family holding ``member``."""
    families = page[page.index('<section id="families">'):].split('<div class="family"')[1:]
    return next(f for f in families if f'<li class="ident">{member}' in f)


def test_large_results_keep_the_closest_pairs_and_say_so(
    seeds: ScanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_report, "MAX_PAIR_VIEWS", 1)
    monkeypatch.setattr(html_report, "MAX_PAIR_ROWS", 2)
    ctx = report_context(seeds)
    assert [p["rank"] for p in ctx["pairs"]] == [1, 2]
    assert [v["pair"]["rank"] for v in ctx["pair_views"]] == [1]
    page = render_html(seeds)
    assert f"Showing the 2 closest of {len(seeds.pairs)} pairs" in page
    assert page.count('class="pair-view"') == 1


def test_dom_ids_are_safe_and_distinct() -> None:
    ids = ["000_ab", "a b", "a_b", "x--y", "x-y", "", "<script>", "é", "a" * 200]
    slugs = dom_ids(ids)
    assert slugs["000_ab"] == "000_ab" and slugs["x-y"] == "x-y"
    assert len(set(slugs.values())) == len(ids)
    for s in slugs.values():
        assert re.fullmatch(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*", s)


def test_write_html_writes_the_page(seeds: ScanResult, tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.html"
    write_html(seeds, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")


def test_cli_html_option_writes_the_report(tmp_path: Path) -> None:
    from dedup.cli import main

    assert main(["scan", str(SEEDS), "--html", str(tmp_path / "r.html"), "--quiet"]) == 0
    assert 'class="pair-view"' in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'said in a video statement sent to AFP: "We trust"\nAgencies via Xinhua',
            ("AFP", "Agencies", "Xinhua"),
        ),
        ("failed to overcome the stalemate, reports Reuters.", ("Reuters",)),
        ("on December 10, Euronews reported.", ("Euronews",)),
        ("Image source: Bangkok post", ("Bangkok Post",)),
        ("(AP) — the Associated Press and Agence France-Presse said", ("AP", "AFP")),
        ("A map of AP-style rules; news agencies said; laptop", ()),
    ],
)
def test_credits_names_the_outlets_a_text_credits(text: str, expected: tuple[str, ...]) -> None:
    assert credits(text) == expected


def test_credits_of_the_seeds(seeds: ScanResult) -> None:
    found = {d.id[:3]: credits(d.text) for d in seeds.documents}
    assert found == {"000": ("AFP", "Agencies", "Xinhua"), "001": ("Reuters",),
                     "002": ("Euronews",), "003": ("AFP", "Bangkok Post"), "004": ()}  # fmt: skip
