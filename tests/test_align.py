"""Planted copies at known positions in generated text are found at exactly those offsets."""

from __future__ import annotations

import pickle
import unicodedata

import numpy as np
import pytest
from helpers import plant_copy, random_text, seed_documents

import dedup
from dedup.analysis.analyze import analyze
from dedup.candidates.similarity import passage_similarity
from dedup.core.records import Document


@pytest.mark.parametrize("seed", range(5))
def test_planted_copy_is_found_at_its_offsets(seed: int) -> None:
    """The match starts where the copy starts and ends where it ends, unless the words
    after the copy happen to be the same in both texts (the run of identical words goes
    on): then it ends after them, on both sides."""
    host, donor, in_host, in_donor = plant_copy(np.random.default_rng(seed))
    [match] = dedup.scan([host, donor]).matches_between(host.id, donor.id)
    assert match.kind == "verbatim"
    assert (match.a_start, match.b_start) == (in_host.start, in_donor.start)
    after_a = host.text[in_host.end : match.a_end].lower().split()
    after_b = donor.text[in_donor.end : match.b_end].lower().split()
    assert after_a == after_b
    assert len(after_a) < 4


def test_copied_clause_inside_a_longer_sentence_is_trimmed_to_the_clause() -> None:
    rng = np.random.default_rng(7)
    clause = "the harbour council said the railway budget would double before the summit in spring"
    a = Document(
        "a",
        random_text(rng, 5) + f"\n\nMeanwhile officials in three provinces agreed that {clause}.",
    )
    b = Document(
        "b",
        f"According to a statement released late on Friday, {clause}, as aides told reporters.\n\n"
        + random_text(rng, 5),
    )
    [m] = dedup.scan([a, b]).matches_between("a", "b")
    assert m.kind == "verbatim"
    assert a.text[m.a_start : m.a_end] == clause + "."
    assert b.text[m.b_start : m.b_end] == clause + ","


def test_unrelated_texts_share_no_match() -> None:
    rng = np.random.default_rng(11)
    docs = [Document(str(k), random_text(rng, 12)) for k in range(4)]
    assert [m for m in dedup.scan(docs).matches if m.kind != "boilerplate"] == []


def test_lightly_edited_copy_is_light_and_covers_the_passage() -> None:
    rng = np.random.default_rng(5)
    host, donor, in_host, _ = plant_copy(rng)
    copied = host.text[in_host.start : in_host.end]
    words = copied.split(" ")
    words[3] = "reportedly"
    words[-5] = "also"
    edited = host.text[: in_host.start] + " ".join(words) + host.text[in_host.end :]
    [m] = dedup.scan([Document("host", edited), donor]).matches_between("host", "donor")
    assert m.kind == "light"
    assert (m.a_start, m.a_end) == (in_host.start, in_host.start + len(" ".join(words)))


def _around(rng: np.random.Generator, middle: str) -> str:
    """``middle`` as a paragraph between two paragraphs of unrelated random text."""
    return f"{random_text(rng, 4)}\n\n{middle}\n\n{random_text(rng, 4)}"


def test_sparse_similarity_equals_the_dense_computation() -> None:
    docs = seed_documents()
    a, b = analyze(docs[1]), analyze(docs[4])
    ua, ub = np.ones(a.n_passages, bool), np.ones(b.n_passages, bool)
    weights = lambda f: 1.0 / (1.0 + (f % np.uint64(7)).astype(float))  # noqa: E731
    sim = passage_similarity(a, b, weights, usable_a=ua, usable_b=ub,
                             keep=lambda s: np.ones(len(s), bool))  # fmt: skip
    for p, q, shared, dice in zip(sim.p, sim.q, sim.shared, sim.dice, strict=True):
        fa, fb = a.passage_features(p), b.passage_features(q)
        common = np.intersect1d(fa, fb)
        assert shared == pytest.approx(weights(common).sum())
        assert dice == pytest.approx(2 * shared / (weights(fa).sum() + weights(fb).sum()))
    dense = sum(len(np.intersect1d(a.passage_features(p), b.passage_features(q))) > 0
                for p in range(a.n_passages) for q in range(b.n_passages))  # fmt: skip
    assert len(sim) == dense  # every pair sharing a word, and no other


def test_weighted_passage_words_are_the_passage_features_and_their_weights() -> None:
    a = analyze(seed_documents()[1])
    weights = lambda f: 1.0 / (1.0 + (f % np.uint64(7)).astype(float))  # noqa: E731
    table = a.weighted(weights)
    assert a.weighted(weights) is table  # kept with the analysis
    for k in range(a.n_passages):
        words, features = table.passage_words(k), a.passage_features(k)
        assert np.array_equal(words.features, features)
        assert np.array_equal(words.weights, weights(features))
        assert words.total == weights(features).sum()  # numpy's sum, to the bit
        assert [table.by_feature()[f] for f in features.tolist()] == words.weights.tolist()
    copy = pickle.loads(pickle.dumps(a))  # the weighting (a closure here) is left behind
    assert copy.weighted(weights) is not table


def test_a_merged_sentence_aligns_with_both_of_its_parts() -> None:
    rng = np.random.default_rng(3)
    first = "Kolvaren dubisto merlakan fostiro galveni tursaka mendolar at the palvaro summit"
    second = "Trovelik nassaru dembiro kaltenor vispari loranto sefkal before the dorvani vote"
    a = Document("a", _around(rng, f"{first}. {second}."))
    b = Document("b", _around(rng, f"{first}, and {second[0].lower()}{second[1:]}."))
    [m] = dedup.scan([a, b]).matches_between("a", "b")
    assert a.text[m.a_start : m.a_end] == f"{first}. {second}."
    assert b.text[m.b_start : m.b_end] == f"{first}, and {second[0].lower()}{second[1:]}."
    assert m.kind == "light"


def _the_match(rng: np.random.Generator, src: str, host: str) -> tuple[str, str, str]:
    """Both sides and the kind of the one match between ``src`` and ``host``, each set
    between paragraphs of unrelated text."""
    a, b = Document("a", _around(rng, src)), Document("b", _around(rng, host))
    [m] = dedup.scan([a, b]).matches_between("a", "b")
    return a.text[m.a_start : m.a_end], b.text[m.b_start : m.b_end], m.kind


# (source, host): two sentences merged into one, in order, a few words changed; and a
# clause split off the last sentence of a passage. Each source sentence is reused whole.
_MERGED = (
    "The finance ministry backed the budget plan for next year in Szeged on Tuesday. At the "
    "weekend, Rui Nielsen travelled to Szeged to put off the privatisation of the national "
    "carrier based in Szeged.",
    "The finance ministry endorsed the draft budget for next year in Szeged on Tuesday, and at "
    "the weekend, Rui Nielsen flew to Szeged to put off the sell-off of the national carrier "
    "based in Szeged.",
)
_SPLIT = (
    "The weather service demanded a top-level alert for torrential rain on Tuesday. Emergency "
    "crews studied a highest-level warning for heavy rain, as water levels rose further.",
    "The weather service demanded a red warning for torrential rain on Tuesday. Emergency "
    "crews studied a highest-level alert for heavy rain. This happened as water levels rose "
    "further.",
)


@pytest.mark.parametrize(("src", "host"), [_MERGED, _SPLIT], ids=["merged", "split"])
def test_every_part_of_a_merged_or_split_sentence_is_aligned(src: str, host: str) -> None:
    assert _the_match(np.random.default_rng(9), src, host) == (src, host, "light")


def test_a_topic_neighbour_is_not_taken_for_part_of_a_merged_sentence() -> None:
    # The host merged the quote and the next sentence; the sentence before the quote in
    # the source names the same authority and speaker but is not reused.
    rng = np.random.default_rng(12)
    src = ("On Saturday, the monetary authority stood by the sell-off of the national carrier "
           "based in Ghent, Marek Dvorak said. \u201cNobody expected that the monetary "
           "authority would stop new levies on lenders,\u201d Marek Dvorak has said. The "
           "national bank defended a halt on hiring in the public sector. The shortfall came "
           "to 659 million euros on Wednesday.")  # fmt: skip
    host = ("\"Nobody expected that the monetary authority would halt fresh taxes on lenders,\" "
            "Marek Dvorak has said, and the national bank defended a moratorium on hiring in "
            "the public sector. The shortfall came to 659 million euros on Wednesday.")  # fmt: skip
    assert _the_match(rng, src, host)[:2] == (src[src.index("\u201cNobody") :], host)


def test_one_sentence_on_the_same_topic_is_not_reuse() -> None:
    # The same names, places and topic words, in other words: two reports of one event.
    rng = np.random.default_rng(4)
    a = Document(
        "a",
        _around(
            rng,
            "Growers praised the reopening of the main road to Szeged, "
            "Clara Horvath, the flood expert at the weather service, said.",
        ),
    )
    b = Document("b", _around(rng, "Fire brigades criticised on Friday that the Szeged road "
                                   "was open again, according to Clara Horvath, who studies "
                                   "floods for the weather service."))  # fmt: skip
    assert dedup.scan([a, b]).matches_between("a", "b") == []


def _figures_text(turnout: str, voters: str) -> str:
    return (
        f"Turnout reached {turnout} percent in Rotterdam on Sunday, the electoral board said. "
        f"Some {voters} voters queued outside the polling stations of Rotterdam before dawn."
    )


def test_sentences_stating_other_figures_are_not_reuse_and_formats_of_one_figure_are() -> None:
    rng = np.random.default_rng(5)
    a = Document("a", _around(rng, _figures_text("31.2", "26445")))
    b = Document("b", _around(rng, _figures_text("29.9", "18210")))
    c = Document("c", _around(rng, _figures_text("31.2", "26,445")))
    result = dedup.scan([a, b, c])
    assert result.matches_between("a", "b") == []
    [m] = result.matches_between("a", "c")
    assert c.text[m.b_start : m.b_end] == _figures_text("31.2", "26,445")


def test_each_outlets_dateline_is_left_out_of_the_match() -> None:
    rng = np.random.default_rng(6)
    lead = (
        "Kolvaren dubisto merlakan fostiro galveni tursaka mendolar at the palvaro summit. "
        "Trovelik nassaru dembiro kaltenor vispari loranto sefkal before the dorvani vote."
    )
    a = Document("a", _around(rng, "LYON (Danube Times) \u2013 " + lead))
    b = Document("b", _around(rng, "BRUSSELS-" + lead))
    [m] = dedup.scan([a, b]).matches_between("a", "b")
    assert a.text[m.a_start : m.a_end] == lead == b.text[m.b_start : m.b_end]
    assert m.kind == "verbatim"


def test_a_disclaimer_one_source_repeats_is_boilerplate_not_reuse() -> None:
    rng = np.random.default_rng(7)
    disclaimer = (
        "The views and opinions expressed in this article are those of the author and do "
        "not necessarily reflect the views of the editorial board of this website"
    )
    docs = [Document(f"d{k}", f"{random_text(rng, 6)}\n\n{disclaimer}", source="Civic Desk")
            for k in range(3)]  # fmt: skip
    result = dedup.scan(docs)
    assert [m for m in result.matches if m.kind != "boilerplate"] == []
    for doc, score in zip(docs, result.document_scores, strict=True):
        assert [(doc.text[b.start : b.end], b.documents, b.sources)
                for b in score.boilerplate] == [(disclaimer, 3, 1)]  # fmt: skip


def test_a_paragraph_two_outlets_copy_is_reuse_even_when_long() -> None:
    rng = np.random.default_rng(8)
    story = random_text(rng, 3).replace("\n\n", " ")
    docs = [Document(f"d{k}", f"{random_text(rng, 6)}\n\n{story}\n\n{random_text(rng, 3)}",
                     source=f"outlet {k}") for k in range(2)]  # fmt: skip
    [m] = dedup.scan(docs).matches_between("d0", "d1")
    assert (m.kind, docs[0].text[m.a_start : m.a_end]) == ("verbatim", story)


def test_a_copy_ending_inside_a_sentence_keeps_its_full_stop() -> None:
    """A one-letter word before a full stop may be an initial or an abbreviation (Russian
    "g." for "city"), so no sentence ends after the one-letter word ending this copy: its
    end is found by word runs, and the full stop both texts hold after it is part of it."""
    copied = ("Заместитель министра заявил журналистам, что Москва ждёт письменного ответа на "
              "свои предложения до конца месяца. Об этом вчера первым узнал я.")
    a = Document("a", "Утром в штаб-квартире альянса собрались делегации тридцати стран. "
                 f"{copied} Вечером посол Соединённых Штатов провела отдельную беседу с "
                 "союзниками о поставках оружия, учениях у границы и новых санкциях против "
                 "банков и энергетических компаний.")  # fmt: skip
    b = Document("b", "Корреспондент агентства сообщает из столицы Бельгии. "
                 f"{copied} Генеральный секретарь назвал итоги полезными, хотя трудными, и "
                 "добавил, что следующий раунд может пройти в Вене или Женеве не раньше "
                 "весны.")  # fmt: skip
    [m] = dedup.scan([a, b]).matches_between("a", "b")
    assert m.kind == "verbatim"
    assert a.text[m.a_start : m.a_end] == b.text[m.b_start : m.b_end] == copied


def test_no_match_of_the_seeds_stops_before_punctuation_both_texts_hold() -> None:
    result = dedup.scan(seed_documents())
    text = {d.id: d.text for d in result.documents}
    for m in result.matches:
        a, b = text[m.a], text[m.b]
        if m.a_end < len(a) and m.b_end < len(b) and a[m.a_end] == b[m.b_end]:
            assert unicodedata.category(a[m.a_end]) not in ("Pe", "Pf", "Po"), (m, a[m.a_end])
        if m.a_start and m.b_start and a[m.a_start - 1] == b[m.b_start - 1]:
            assert unicodedata.category(a[m.a_start - 1]) not in ("Ps", "Pi"), m


def test_a_reworded_sentence_whose_counterpart_a_neighbour_took_stays_in_the_passage() -> None:
    # Each source sentence reworded. The host's fourth and fifth sentences both echo the
    # source's fourth ("shut ... stations near Split"): the chain pairs it with the fifth
    # and skips the fourth, which is no inserted sentence; the passage stays one match.
    src = ("Rui Keller addressed a letter to Jonas Lindqvist regarding the schedule for the new "
           "line to Malmo on Saturday.\n\n\u201cThe airport authority committed a grave error "
           "over plans to close rural stations near Split \u2014 amid fury over cancelled "
           "trains,\u201d Costa said.\n\n\u201cWe will not praise the tender for replacement "
           "trains,\u201d Keller said. The train drivers\u2019 union criticised plans to shut "
           "small stations near Split earlier this month. Locomotive drivers endorsed proposals "
           "to shut branch lines near Split \u2014 before a ruling expected next week.\n\nThe "
           "airport operator unveiled a fare rise of 29.7% for travellers \u2014 while unions "
           "threatened more strikes.")  # fmt: skip
    host = ("On Saturday, Rui Keller addressed a letter to Jonas Lindqvist about timetable for "
            "the upgraded line to Malmo, despite objections from employers' groups. \"Airport "
            "authority got it badly wrong on plans to shut rural stations near Split, amid fury "
            "over cancellations,\" Sofia Costa, press officer for the rail operator, noted.\n\n"
            "\"We will not hail tender for new trains, despite warnings from employers' "
            "groups,\" Rui Keller stated.\n\nAt the start of the month, union condemned "
            "proposals to axe rural stations near Split, amid fury over cancellations. Train "
            "drivers approved proposals to shut rural stations near Split. The airport operator "
            "presented a ticket price rise of 29.7% for passengers.")  # fmt: skip
    assert _the_match(np.random.default_rng(0), src, host) == (src, host, "heavy")

