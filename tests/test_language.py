from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import py3langid
import pytest
from helpers import seed_documents
from test_cli import run_cli

from dedup import scan
from dedup.analysis.analyze import analyze
from dedup.analysis.language import SAMPLE_CHARS, check_language, detect
from dedup.analysis.normalize import fold
from dedup.analysis.shingle import PAIR_SAMPLE, tokenize
from dedup.core.errors import InputError, ParamError
from dedup.core.records import Document
from dedup.io.load import load

COUNTER_DEV = Path(__file__).parent.parent.parent / "shared/corpora/counter-dev/counter-dev.jsonl"

_TEXTS = {
    "ru": "Переговоры России и альянса в Брюсселе завершились без прорыва, заявил Грушко.",
    "el": "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία της χώρας την Τρίτη.",
    "ar": "أعلنت الحكومة يوم الثلاثاء عن إجراءات جديدة لدعم الاقتصاد الوطني في البلاد.",
    "hi": "सरकार ने मंगलवार को देश की अर्थव्यवस्था के लिए नए उपायों की घोषणा की।",
    "zh": "政府星期二宣布了支持国家经济的新措施，专家表示欢迎。",
    "ja": "政府は火曜日、国の経済を支えるための新たな措置を発表した。",
    "th": "รัฐบาลประกาศมาตรการใหม่เพื่อสนับสนุนเศรษฐกิจของประเทศเมื่อวันอังคาร",
    "es": "El gobierno anunció el martes nuevas medidas para apoyar la economía del país.",
}


def _counter_dev() -> list[str]:
    if not COUNTER_DEV.exists():
        pytest.skip("../shared/corpora/counter-dev is not there")
    with COUNTER_DEV.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


@pytest.mark.parametrize("language", sorted(_TEXTS))
def test_detect_names_the_language_as_py3langid_does(language: str) -> None:
    text = _TEXTS[language]
    assert detect(text) == language == py3langid.classify(text)[0]


def test_detect_agrees_with_py3langid_on_real_news() -> None:
    texts = _counter_dev()[:150] + [d.text for d in seed_documents()]
    assert [detect(t) for t in texts] == [py3langid.classify(t[:SAMPLE_CHARS])[0] for t in texts]
    assert {detect(t) for t in texts} == {"ur", "en"}


def test_text_without_letters_is_undetermined() -> None:
    assert detect("") == detect(" \n ") == "und"


def _content(text: str, language: str) -> list[str]:
    norm = fold(text)
    t = tokenize(norm, language)
    return [norm[s:e] for s, e, c in zip(t.starts, t.ends, t.content, strict=True) if c]


def test_urdu_function_words_are_not_content_words() -> None:
    text = "حکومت اور عوام کے لیے ہے کہ کام ہو"
    function_words = {"اور", "کے", "ہے", "کہ"}
    assert not function_words & set(_content(text, "ur"))
    assert {"حکومت", "عوام"} <= set(_content(text, "ur"))
    assert function_words <= set(_content(text, "en"))  # English's list alone does not know them


def test_the_urdu_list_is_read_in_urdu_letters_on_real_news() -> None:
    # the list has these as ثھی, هیں, ًے, ضے, کب, ًہیں, ضبتھ, ثعذ: in no text's letters
    function_words = {"بھی", "میں", "نے", "سے", "کا", "نہیں", "ساتھ", "بعد"}
    words: set[str] = set()
    content: set[str] = set()
    for text in _counter_dev()[:50]:
        norm = fold(text)
        t = tokenize(norm, "ur")
        words.update(norm[s:e] for s, e in zip(t.starts, t.ends, strict=True))
        content.update(_content(text, "ur"))
    assert function_words <= words
    assert not function_words & content


def test_marks_stay_inside_their_words() -> None:
    norm = fold(_TEXTS["hi"])
    t = tokenize(norm, "hi")
    assert [norm[s:e] for s, e in zip(t.starts, t.ends, strict=True)] == norm.rstrip("।").split()


def test_thai_letters_are_tokens_with_their_marks() -> None:
    norm = fold("ดีน้อย")  # do, mai tho on no, o, yo
    t = tokenize(norm, "th")
    assert [norm[s:e] for s, e in zip(t.starts, t.ends, strict=True)] == ["ดี", "น้", "อ", "ย"]
    assert t.units.tolist() == [3, 3, 3, 3]  # a Thai letter weighs 0.3 of a word
    # a letter's feature is it and the next letter, kept when its hash is sampled; the
    # last of the run has none
    sampled = [s % PAIR_SAMPLE == 0 for s in t.stems[:3].tolist()]
    assert t.content.tolist() == [*sampled, False]
    assert not set(t.stems[:3].tolist()) & set(t.hashes.tolist())


def test_character_pairs_are_content_words_by_their_value_about_one_in_pair_sample() -> None:
    rng = np.random.default_rng(7)
    text = "".join(rng.choice(list("政府星期二宣布了支持国家经济的新措施专家表示欢迎"), 5000))
    t = tokenize(text, "zh")
    kept: dict[str, bool] = {}
    for start, content in zip(t.starts[:-1].tolist(), t.content[:-1].tolist(), strict=True):
        assert kept.setdefault(text[start : start + 2], content) == content  # anywhere alike
    assert not t.content[-1]
    assert abs(t.content.mean() - 1 / PAIR_SAMPLE) < 0.1


def test_a_given_language_is_kept_and_a_missing_one_detected() -> None:
    text = _TEXTS["es"]
    assert analyze(Document("a", text)).doc.language == "es"
    assert analyze(Document("a", text, language="pt")).doc.language == "pt"


def test_scan_reports_each_documents_language() -> None:
    docs = [Document(k, v) for k, v in _TEXTS.items()]
    result = scan([*docs, Document("x", _TEXTS["es"], language="ca")])
    found = {d.id: d.language for d in result.document_scores}
    assert found == {**{k: k for k in _TEXTS}, "x": "ca"}


def test_a_language_field_of_a_record_is_the_documents_language(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows = [{"id": "a", "text": _TEXTS["es"], "language": "pt"}, {"id": "b", "text": _TEXTS["es"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [(d.language, dict(d.extra)) for d in load(path)] == [("pt", {}), (None, {})]
    path.write_text(json.dumps({"id": "a", "text": "x", "language": 7}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r'in\.jsonl:1: field "language" must be a string'):
        list(load(path))


def test_the_language_option_sets_every_documents_language(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    texts = _counter_dev()[:2]
    rows = [{"id": "a", "text": texts[0], "language": "en"}, {"id": "b", "text": texts[1]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [d.language for d in load(path)] == ["en", None]
    assert [d.language for d in load(path, language="ur")] == ["ur", "ur"]
    run = run_cli("scan", str(path), "--language", "ur", "--json", str(tmp_path / "r.json"))
    assert run.status == 0, run.err
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [d["language"] for d in report["documents"]] == ["ur", "ur"]
    # the stop words follow: Urdu function words are content words under English's list
    as_english = [d for d in load(path, language="en")][1]
    assert "میں" in _content(as_english.text, "en") and "میں" not in _content(texts[1], "ur")


def test_an_unknown_language_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": _TEXTS["es"]}) + "\n", encoding="utf-8")
    with pytest.raises(ParamError, match=r"The 'language' parameter must be an ISO 639-1 code"):
        check_language("xx")
    for command in (["scan"], ["dedupe", "--dry-run"], ["index", "add", str(tmp_path / "i.db")]):
        run = run_cli(*command, str(path), "--language", "urdu")
        assert run.status == 2 and run.out == ""
        assert run.err.startswith("error: The 'language' parameter must be an ISO 639-1 code")
        assert run.err.endswith("Got 'urdu' instead.\n") and run.err.count("\n") == 1
    assert not (tmp_path / "i.db").exists()


def _thai_story(rng: np.random.Generator, sentences: int) -> str:
    consonants, vowels = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ", "ะาิีึืุูเแโใไ่้"
    sizes = (len(consonants), len(vowels))
    words = ["".join(consonants[c] + vowels[v] for c, v in rng.integers(0, sizes, (3, 2)))
             for _ in range(12 * sentences)]  # fmt: skip
    return " ".join("".join(words[k : k + 12]) for k in range(0, len(words), 12))


def test_unrelated_thai_stories_are_no_pair_and_a_copy_is_one() -> None:
    # Thai has no spaces between words: with its letters as TF-IDF terms, any two
    # stories looked alike and every pair of a corpus was reported
    rng = np.random.default_rng(4)
    stories = [Document(f"t{k}", _thai_story(rng, 6)) for k in range(10)]
    copied = stories[0].text.split(" ")[2]
    host = Document("host", _thai_story(rng, 3) + " " + copied + " " + _thai_story(rng, 2))
    result = scan([*stories, host])
    assert [(p.a, p.b) for p in result.pairs] == [("host", "t0")]
    [match] = result.matches_between("host", "t0")
    assert host.text[match.a_start : match.a_end] == copied
