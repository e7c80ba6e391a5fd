"""Who copied whom: pair directions, story trees and source flows on real and planted text."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from helpers import random_text, seed_documents

import dedup
from benchmarks.direction import Planted, ancestors, evaluate, generate
from dedup.core.credits import credits
from dedup.core.records import Direction, Document, ScanResult
from dedup.report.tables import result_dict


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(19)


@pytest.fixture(scope="module")
def seeds() -> ScanResult:
    return dedup.scan(seed_documents())


@pytest.fixture(scope="module")
def chains() -> tuple[Planted, ScanResult]:
    planted = generate(24, seed=3)
    return planted, dedup.scan(planted.docs)


def _direction(result: ScanResult, a: str, b: str) -> Direction | None:
    pair = result.pair(a, b)
    assert pair is not None
    return pair.direction


def test_seed_back_translation_is_a_copy_of_the_reuters_story(seeds: ScanResult) -> None:
    d = _direction(seeds, "001", "004")
    assert d is not None and d.relation == "copy"
    assert (d.source, d.copy) == ("004", "001")
    assert any("001 credits Reuters" in e for e in d.evidence)


def test_seed_afp_rewrites_are_siblings_via_afp(seeds: ScanResult) -> None:
    d = _direction(seeds, "000", "003")
    assert d is not None and (d.relation, d.via, d.source, d.copy) == ("siblings", "AFP", None,
                                                                        None)  # fmt: skip
    json_direction = next(p["direction"] for p in result_dict(seeds)["pairs"]
                          if p["b"] == "003")  # fmt: skip
    assert json_direction["via"] == "AFP" and "from" not in json_direction


def test_seed_blog_and_china_daily_stay_undecided(seeds: ScanResult) -> None:
    # 002 shares one AFP passage with 000 and no text with the Reuters story 004 that 000
    # took from: 004 is no common source of the two, whatever words they all use
    assert _direction(seeds, "000", "002") is None


def test_seed_families_are_dated_trees(seeds: ScanResult) -> None:
    by_members = {f.members: f for f in seeds.families}
    reuters = by_members[("001", "004")]
    assert reuters.origin == "004"
    [edge] = reuters.edges
    assert (edge.source, edge.copy, edge.relation, edge.tree) == (
        "004", "001", "copy", True)
    assert by_members[("000", "003")].origin is None


def test_planted_chains_point_from_wire_to_outlet_to_aggregator(
        chains: tuple[Planted, ScanResult]) -> None:  # fmt: skip
    planted, result = chains
    figures = evaluate(planted, result)
    assert figures["planted pairs reported"] >= 0.9 * sum(
        len(ancestors(c, planted.parent)) for c in planted.parent)
    assert figures["accuracy with a date difference"] == 1.0
    assert figures["reversed, confidence > 0.8"] == 0
    decided = figures["planted pairs reported"] - figures["undecided"]
    assert figures["direction accuracy"] * figures["planted pairs reported"] == decided


def test_planted_tree_edges_and_no_family_held_by_a_compilation(
        chains: tuple[Planted, ScanResult]) -> None:  # fmt: skip
    planted, result = chains
    figures = evaluate(planted, result)
    assert figures["families holding two stories"] == 0
    assert figures["tree edges matching the planted parent"] >= 0.9 * figures[
        "copies with one parent"]
    assert figures["tree edges to another parent"] == 0
    assert figures["of those, with a date difference or a credit"] == 0
    assert figures["origin another document"] == 0
    assert figures["origin the wire story"] >= 0.9 * figures["families with their wire story"]
    compiled = [c for c in planted.parent if c.startswith("m")]
    for c in compiled:  # each compilation is a copy of both wires, in one family at most
        for wire in planted.parent[c]:
            d = _direction(result, c, wire)
            assert d is not None and (d.source, d.copy) == (wire, c)
        assert sum(c in f.members for f in result.families) <= 1


def test_a_declared_wire_or_role_is_the_source(rng: np.random.Generator) -> None:
    story = random_text(rng, 14)
    docs = [Document("n1", story, "Gazette"), Document("w1", story + " " + random_text(rng, 3),
                                                       "Wirecorp")]  # fmt: skip
    declared = _direction(dedup.scan(docs, wires=["wirecorp"]), "n1", "w1")
    assert declared is not None and (declared.source, declared.copy) == ("w1", "n1")
    assert declared.confidence > 0.95 and declared.evidence[0].startswith("role: w1")
    with_role = [docs[0], replace(docs[1], extra={"role": "agency"})]
    by_role = _direction(dedup.scan(with_role), "n1", "w1")
    assert by_role is not None and (by_role.source, by_role.copy) == ("w1", "n1")


def test_a_credit_in_urdu_names_the_source(rng: np.random.Generator) -> None:
    story = random_text(rng, 14)
    agency = Document("a1", story + " " + random_text(rng, 4), "APP")
    paper = Document("p1", "لاہور (اے پی پی) " + story, "daily_dunya")
    assert credits(paper.text) == ("APP",)
    d = _direction(dedup.scan([agency, paper]), "a1", "p1")
    assert d is not None and (d.source, d.copy) == ("a1", "p1")
    assert any(e == "credit: p1 credits APP, the source of a1" for e in d.evidence)


def test_dates_decide_and_a_tie_leaves_other_evidence(rng: np.random.Generator) -> None:
    story = random_text(rng, 14)
    early = Document("x", story, "one", "Wed, 12 Jan 2022 08:00:00 +0000")
    late = Document("y", story, "two", "2022-01-12T11:00:00+02:00")
    d = _direction(dedup.scan([early, late]), "x", "y")
    assert d is not None and (d.source, d.copy) == ("x", "y")
    assert "date: x 2022-01-12T08:00:00Z before y 2022-01-12T09:00:00Z" in d.evidence
    tie = _direction(dedup.scan([early, replace(late, date="2022-01-12")]), "x", "y")
    assert tie is None  # same day, same text: nothing decides


def test_a_later_story_quoting_an_earlier_one_whole_is_the_copy(
        rng: np.random.Generator) -> None:  # fmt: skip
    # the short story is wholly contained in the long one, which containment alone
    # reads as a cut copy; the dates say the long one came later and took it whole
    flash = random_text(rng, 4)
    story = "\n\n".join([random_text(rng, 10), flash, random_text(rng, 10)])
    docs = [Document("flash", flash, "one", "2022-01-12T08:00:00Z"),
            Document("story", story, "two", "2022-01-12T15:00:00Z")]  # fmt: skip
    d = _direction(dedup.scan(docs), "flash", "story")
    assert d is not None and (d.source, d.copy) == ("flash", "story"), d
    assert any(e.startswith("containment: 100% of flash") for e in d.evidence)


def test_two_copies_of_one_planted_document_are_siblings_via_it(
        chains: tuple[Planted, ScanResult]) -> None:  # fmt: skip
    planted, result = chains
    figures = evaluate(planted, result)
    assert figures["sibling pairs reported (copies of one document)"] > 0
    assert figures["of those, read as a copy of the other"] == 0
    assert (figures["of those, read as siblings"]
            >= 0.9 * figures["sibling pairs reported (copies of one document)"])  # fmt: skip


def test_a_reprint_and_a_rewrite_of_one_story_are_siblings_via_it() -> None:
    seeds = {d.id: d for d in seed_documents()}
    reuters, rewrite = seeds["004"], seeds["001"]  # 001 is 004 translated and back
    docs = [replace(reuters, source="reuters", date="2022-01-10T08:00:00Z"),
            replace(rewrite, source="mia", date="2022-01-11T08:00:00Z"),
            Document("005", reuters.text + "\n\nRepublished with permission.",
                     source="repost", date="2022-01-12T08:00:00Z")]  # fmt: skip
    result = dedup.scan(docs)
    for copy in ("001", "005"):
        d = _direction(result, "004", copy)
        assert d is not None and (d.source, d.copy) == ("004", copy)
    d = _direction(result, "001", "005")  # the later date alone would make 001 the source
    assert d is not None and (d.relation, d.via) == ("siblings", "004")
    flows = {(f.taker, f.giver) for f in result.source_flows}
    assert flows == {("repost", "reuters"), ("mia", "reuters")}


def test_source_flows_say_what_share_of_a_takers_text_comes_from_a_giver(
        chains: tuple[Planted, ScanResult]) -> None:  # fmt: skip
    _, result = chains
    flows = {(f.taker, f.giver): f for f in result.source_flows}
    assert flows and all(0 < f.share <= 1 and f.documents >= 1 for f in flows.values())
    docs = {d.id: d for d in result.documents}
    for f in list(flows.values())[:5]:
        copies = {p.direction.copy for p in result.pairs if p.direction is not None
                  and p.direction.relation == "copy" and p.direction.copy is not None
                  and docs[p.direction.copy].source == f.taker
                  and docs[p.direction.source or ""].source == f.giver}  # fmt: skip
        assert len(copies) == f.documents
        assert f.share == round(f.chars / sum(len(docs[c].text) for c in copies), 6)


def test_an_undated_wire_is_the_origin_of_its_dated_copies(rng: np.random.Generator) -> None:
    story = random_text(rng, 18)
    wire = Document("wire", "CITY (AFP) - " + story + "\n\n" + random_text(rng, 4), "AFP")
    copy = Document("copy", story + "\n\n(AFP)", "Gazette", "2022-01-12")
    [family] = dedup.scan([wire, copy]).families
    assert family.origin == "wire"
    [edge] = family.edges
    assert (edge.source, edge.copy, edge.tree) == ("wire", "copy", True)


def test_a_source_that_other_documents_credit_is_the_source(rng: np.random.Generator) -> None:
    story, other = random_text(rng, 14), random_text(rng, 14)
    wire = Document("w", story + "\n\n" + random_text(rng, 2), "AFP")  # no date, no dateline
    outlet = Document("o", random_text(rng, 2) + "\n\n" + story, "Gazette", "2022-01-03")
    elsewhere = [Document("w2", other, "AFP"), Document("c2", other + "\n\n(AFP)", "Courier")]
    uncredited = [elsewhere[0], replace(elsewhere[1], text=other)]
    assert _direction(dedup.scan([wire, outlet, *uncredited]), "o", "w") is None
    d = _direction(dedup.scan([wire, outlet, *elsewhere]), "o", "w")
    assert d is not None and (d.source, d.copy) == ("w", "o")
    assert d.evidence == ("credited: 1 other document credits AFP, the source of w; "
                          "none credits Gazette",)  # fmt: skip


def test_a_story_tagged_with_its_own_agency_is_wire_copy(rng: np.random.Generator) -> None:
    """An agency tags its own stories ("(Reuters) -"): the story is wire copy without a
    declaration, so the pair's score is the share of the other text taken from it."""
    story = random_text(rng, 14)
    wire = Document("w1", "LONDON (Reuters) - " + story + " " + random_text(rng, 10), "Reuters")
    paper = Document("n1", story + " " + random_text(rng, 4), "Gazette")
    for tagged in (wire, replace(wire, text=wire.text.replace("(Reuters) ", ""))):
        (pair,) = dedup.scan([tagged, paper]).pairs
        shares = {pair.a: pair.text_containment_ab, pair.b: pair.text_containment_ba}
        expected = shares["n1"] if tagged is wire else min(shares.values())
        assert pair.score == pytest.approx(expected) and shares["n1"] > shares["w1"]
