"""The HTML report in a real headless Chromium (Debian's chromium + chromium-driver)."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import dedup
from dedup.core.records import Document, ScanResult
from dedup.report.html import write_html

pytestmark = pytest.mark.chromium

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SEEDS = Path(__file__).parent.parent / "seeds"
PAYLOADS = (
    "<script>window.__pwned=1;alert(1)</script>",
    "<img src=x onerror=\"window.__pwned=1;alert('img')\">",
    "</textarea><script>window.__pwned=1</script>",
    "\"'><svg onload=window.__pwned=1>",
)
EVIL_ID = "zz_evil<script>window.__pwned=1</script>"


@pytest.fixture(scope="module")
def result() -> ScanResult:
    docs = [Document(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    seed = docs[0].text  # 000: its Brussels talks paragraphs come back in the pair view
    evil = "\n".join(PAYLOADS) + "\n\n" + seed[:1400] + "\n\n" + "\n".join(PAYLOADS)
    return dedup.scan([*docs, Document(EVIL_ID, evil, source="<img src=x onerror=alert(2)>")])


@pytest.fixture(scope="module")
def page(result: ScanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_html(result, path)
    return path


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (/usr/bin/chromium, chromedriver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium-manager never runs, nothing is downloaded.
    d = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture(scope="module")
def opened(driver, page: Path):  # type: ignore[no-untyped-def]
    driver.get(page.as_uri())
    return driver


def _errors(driver) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "favicon" not in e["message"]]  # fmt: skip


def _view(driver, a: str, b: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, f"pair-{a}--{b}")


def _ids(result: ScanResult, *prefixes: str) -> list[str]:
    return [next(d.id for d in result.documents if d.id.startswith(p)) for p in prefixes]


def test_page_runs_without_console_errors_and_payloads_never_run(opened, result) -> None:  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    with pytest.raises(NoAlertPresentException):
        opened.switch_to.alert.text  # noqa: B018
    assert opened.execute_script("return typeof window.__pwned") == "undefined"
    assert _errors(opened) == []
    assert EVIL_ID in opened.find_element(By.ID, "document-table").text
    evil_views = opened.find_elements(By.CSS_SELECTOR, "section.pair-view")
    evil_text = [v.text for v in evil_views if "zz_evil" in v.text]
    assert evil_text, "the hostile document reuses a seed paragraph, so it has a pair view"
    for payload in PAYLOADS:
        assert payload in evil_text[0]
    assert opened.find_elements(By.CSS_SELECTOR, "main img, main textarea") == []
    assert len(opened.find_elements(By.TAG_NAME, "script")) == 1


def test_pair_view_highlights_every_match(opened, result) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    a, b = _ids(result, "001", "004")
    view = _view(opened, a, b)
    for side in ("a", "b"):
        marks = view.find_elements(By.CSS_SELECTOR, f".side-{side} .text mark[data-match]")
        reuse = {m.get_attribute("data-match") for m in marks
                 if "boilerplate" not in (m.get_attribute("class") or "")}  # fmt: skip
        every = {m.get_attribute("data-match") for m in marks}
        assert len(reuse) == len(result.matches_between(a, b)) > 0
        assert len(every) == len(result.matches_between(a, b, include_boilerplate=True))


def _wait_until_still(driver, view) -> None:  # type: ignore[no-untyped-def]
    """Wait (up to 10 s) until no ``.text`` box of ``view`` scrolls between looks 0.2 s apart."""
    script = "return Array.from(arguments[0].querySelectorAll('.text'), t => t.scrollTop)"
    before = driver.execute_script(script, view)
    for _ in range(50):
        time.sleep(0.2)
        now = driver.execute_script(script, view)
        if now == before:
            return
        before = now
    raise AssertionError("the pair view kept scrolling for 10 s")


def test_clicking_a_passage_activates_its_counterpart(opened, result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    a, b = _ids(result, "001", "004")
    view = _view(opened, a, b)
    marks = view.find_elements(By.CSS_SELECTOR, ".side-a .text mark[data-match]:not(.cont)")
    first, last = marks[0], marks[-1]
    for mark in (last, first):
        n = mark.get_attribute("data-match")
        opened.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
        mark.click()
        counterpart = view.find_element(By.CSS_SELECTOR, f'.side-b mark[data-match="{n}"]')
        assert "active" in (counterpart.get_attribute("class") or "").split()
        row = view.find_element(By.CSS_SELECTOR, f'table.evidence tr[data-match="{n}"]')
        assert "active" in (row.get_attribute("class") or "").split()
    others = view.find_elements(By.CSS_SELECTOR, ".side-b mark.active")
    assert {m.get_attribute("data-match") for m in others} == {first.get_attribute("data-match")}
    # hovering the counterpart side works the same way, back towards side a
    target = view.find_elements(By.CSS_SELECTOR, ".side-b .text mark[data-match]:not(.cont)")[1]
    _wait_until_still(opened, view)  # the click above scrolls side b smoothly
    opened.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
    ActionChains(opened).move_to_element(target).perform()
    n = target.get_attribute("data-match")
    mirror = view.find_element(By.CSS_SELECTOR, f'.side-a mark[data-match="{n}"]')
    assert "active" in (mirror.get_attribute("class") or "").split()
    shot = tmp_path / "pair_001_004.png"
    opened.execute_script("arguments[0].scrollIntoView()", view)
    assert view.screenshot(str(shot))
    assert shot.stat().st_size > 20_000
    assert _errors(opened) == []


def test_sorting_and_heatmap_toggle(opened, result) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    rank = opened.find_element(By.CSS_SELECTOR, "#pair-table th:first-child")
    opened.execute_script("arguments[0].scrollIntoView({block: 'center'})", rank)
    rank.click()  # first click sorts descending
    rows = opened.find_elements(By.CSS_SELECTOR, "#pair-table tbody tr td:first-child")
    assert [int(r.text) for r in rows] == sorted((p.rank for p in result.pairs), reverse=True)
    fig = opened.find_element(By.CSS_SELECTOR, "figure.heatmap")
    tfidf = fig.find_element(By.CSS_SELECTOR, 'button[data-metric="tfidf"]')
    opened.execute_script("arguments[0].scrollIntoView({block: 'center'})", tfidf)
    tfidf.click()
    assert fig.get_attribute("data-metric") == "tfidf"
    assert fig.find_element(By.CSS_SELECTOR, ".layer.tfidf").is_displayed()
    assert not fig.find_element(By.CSS_SELECTOR, ".layer.containment").is_displayed()
    cell = fig.find_element(By.CSS_SELECTOR, ".layer.tfidf a")
    href = cell.get_dom_attribute("href")
    assert href.startswith("#pair-")
    opened.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    cell.click()
    assert opened.execute_script("return location.hash") == href
    assert _errors(opened) == []
