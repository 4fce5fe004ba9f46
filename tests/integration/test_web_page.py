"""The web page in a real browser (Debian's headless chromium) against the real API and index.

The API runs with uvicorn in a thread on a free port, reading the sandbox that
``indexed_corpus`` filled through the pipeline: the two samples and a
near-duplicate republication of the Reuters one. Nothing is mocked.
"""

from __future__ import annotations

import re
import socket
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlparse

import pytest
import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from tests.integration.corpus import REPUBLISHED_TITLE
from tests.integration.index_queries import wait_for
from tests.integration.test_stories_api import samples_story

ZELENSKY = "Volodymyr Zelensky"
ZELENSKY_ID = "person:volodymyr-zelensky"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WAIT_S = 30.0
# Headless in a container, and quiet: no sandbox (we may run as root), no GPU, no /dev/shm (often tiny),
# and none of the background traffic (updates, sync, QUIC) a test machine without internet can't serve.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1400,1000",
]
# What the page shows of each result, read in one go so that a re-render between reads can't mix two pages.
RESULTS_SCRIPT = """
return [...document.querySelectorAll('[data-testid=result]')].map((r) => ({
  title: r.querySelector('[data-testid=result-title]').textContent,
  outlet: r.querySelector('[data-testid=result-outlet]').textContent,
  marks: r.querySelectorAll('[data-testid=snippets] mark').length,
  copies: r.querySelector('[data-testid=copies-badge]').hidden
    ? null : r.querySelector('[data-testid=copies-badge]').textContent,
  entities: r.querySelectorAll('[data-testid=entity-chip]').length,
  story: r.querySelector('.story-line').hidden ? null : r.querySelector('[data-testid=story-link]').textContent,
}));
"""


@pytest.fixture(scope="module")
def web_url(indexed_corpus: Settings) -> Iterator[str]:
    """The base URL of the real API (and its page) serving the sandbox index, run by uvicorn in a thread."""
    with serve(create_app(indexed_corpus)) as url:
        yield url


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` (with its lifespan) by uvicorn in a thread on a free port; its base URL while it runs."""
    # Binding here and handing the socket to uvicorn means no other process can take the port in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # A stream still open (a page's /alerts/stream) must not hold the shutdown for ever.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=int(WAIT_S)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web-page-api", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{url}/livez"), timeout_s=WAIT_S, what="the API to answer /livez")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT_S)
        sock.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless chromium driven by Debian's chromedriver (given explicitly, so Selenium never downloads one)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} missing: run `make browser` (installs Debian's chromium and chromedriver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in [*CHROMIUM_ARGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT_S, ignored_exceptions=[StaleElementReferenceException])


def shown_results(driver: WebDriver) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], driver.execute_script(RESULTS_SCRIPT))


def idle(driver: WebDriver) -> bool:
    """No search in flight: what is on screen answers the last request."""
    results = driver.find_element(By.CSS_SELECTOR, "[data-testid=results]")
    return results.get_attribute("aria-busy") == "false"


def click(driver: WebDriver, element: WebElement) -> None:
    """Click ``element`` once scrolled to the middle of the window, clear of the page's sticky top bar."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def text_of(driver: WebDriver, testid: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"[data-testid={testid}]").text


def js_errors(driver: WebDriver) -> list[str]:
    logs = cast(list[dict[str, Any]], driver.get_log("browser"))  # type: ignore[no-untyped-call]  # untyped in selenium
    return [str(entry["message"]) for entry in logs if entry["level"] == "SEVERE"]


def save_screenshot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"could not write {path}"
    return path


def test_search_facet_and_article_view(browser: WebDriver, web_url: str) -> None:
    # Every article, not grouped by story (the default; test_stories_grouped_and_a_story_view has that).
    browser.get(f"{web_url}/?group=none")
    search_input = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=search-input]"))
    search_input.send_keys("Ukraine")
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=search-submit]"))

    # The page first lists every article; the Ukraine results are the ones with highlighted snippets.
    wait(browser).until(
        lambda d: idle(d) and len(hits := shown_results(d)) == 2 and all(h["marks"] for h in hits),
        "two Ukraine results with <mark> in their snippets",
    )
    assert "q=Ukraine" in browser.current_url and "group=none" in browser.current_url
    assert text_of(browser, "total") == "2 articles"
    hits = {h["outlet"]: h for h in shown_results(browser)}
    assert set(hits) == {"Reuters", "Unknown outlet"}
    # The republication is collapsed onto the Reuters original and counted in its badge.
    assert str(hits["Reuters"]["copies"]).startswith("+1"), hits["Reuters"]
    assert hits["Unknown outlet"]["copies"] is None
    assert all(h["entities"] for h in hits.values())
    assert REPUBLISHED_TITLE not in {h["title"] for h in hits.values()}
    bars = browser.find_elements(By.CSS_SELECTOR, "[data-testid=date-chart] [data-testid=date-bar] rect.bar-fill")
    assert bars and any(float(bar.get_attribute("height") or 0) > 0 for bar in bars)

    facet = browser.find_element(By.CSS_SELECTOR, "[data-testid=facet-outlets] [data-testid=facet-value]")
    assert facet.get_attribute("data-value") == "Reuters"
    assert facet.text.split() == ["Reuters", "1"]
    click(browser, facet)
    wait(browser).until(
        lambda d: idle(d) and [h["outlet"] for h in shown_results(d)] == ["Reuters"],
        "the results narrowed to the Reuters article",
    )
    assert "outlet=Reuters" in browser.current_url
    assert text_of(browser, "total") == "1 article"
    assert "Reuters" in text_of(browser, "active-filters")
    assert text_of(browser, "facet-people")  # the sidebar is there for the screenshot
    screenshot = save_screenshot(browser, "web-page.png")
    assert screenshot.stat().st_size > 10_000

    title = shown_results(browser)[0]["title"]
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=result-title]"))
    view = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=article-view]"))
    wait(browser).until(lambda d: text_of(d, "article-title") == title, "the article view of the Reuters hit")
    assert view.is_displayed()
    assert not browser.find_element(By.ID, "results-view").is_displayed()
    assert "HIMARS" in text_of(browser, "article-body")
    assert "Volodymyr Zelensky" in text_of(browser, "article-person")
    related = browser.find_element(By.CSS_SELECTOR, "[data-testid=near-duplicates] [data-testid=related-link]")
    assert related.text == REPUBLISHED_TITLE
    save_screenshot(browser, "web-page-article.png")

    # A near-duplicate link opens that article, which points back at its original.
    click(browser, related)
    wait(browser).until(lambda d: text_of(d, "article-title") == REPUBLISHED_TITLE, "the republication's view")
    assert text_of(browser, "near-duplicate-of").endswith("% similar")
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=article-back]"))
    wait(browser).until(
        lambda d: d.find_element(By.ID, "results-view").is_displayed() and len(shown_results(d)) == 1,
        "the filtered results again",
    )
    assert js_errors(browser) == []


def active_filters(driver: WebDriver) -> list[dict[str, str]]:
    """The active filter chips: kind, shown value, and the filter value behind them."""
    return cast(
        list[dict[str, str]],
        driver.execute_script(
            """return [...document.querySelectorAll('[data-testid=active-filter]')].map((c) => ({
              kind: c.querySelector('.kind').textContent,
              value: c.querySelector('.value').textContent,
              filter: c.dataset.value,
            }));"""
        ),
    )


def test_entity_facets_filter_by_id_and_show_canonical_names(browser: WebDriver, web_url: str) -> None:
    browser.get(f"{web_url}/?group=none")
    person = f"[data-testid=facet-people] [data-testid=facet-value][data-value='{ZELENSKY_ID}']"
    facet = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, person), "Zelensky in the people facet")[0]
    # The button carries the id and shows the canonical name and the count of (collapsed) articles.
    assert facet.text.split() == [*ZELENSKY.split(), "2"], facet.text
    values = [
        e.get_attribute("data-value")
        for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid=facet-places] [data-testid=facet-value]")
    ]
    assert values and all(str(v).startswith("place:") for v in values), values
    click(browser, facet)
    wait(browser).until(
        lambda d: idle(d) and active_filters(d) and "entity=person%3Avolodymyr-zelensky" in d.current_url,
        "the results filtered by Zelensky's id",
    )
    assert active_filters(browser) == [{"kind": "Person", "value": ZELENSKY, "filter": ZELENSKY_ID}]
    assert text_of(browser, "total") == "2 articles"
    pressed = browser.find_element(By.CSS_SELECTOR, person)
    assert pressed.get_attribute("aria-pressed") == "true"
    # Each hit's chips filter by id too, and show names.
    chip = browser.find_element(By.CSS_SELECTOR, f"[data-testid=entity-chip][data-value='{ZELENSKY_ID}']")
    assert chip.text == ZELENSKY
    save_screenshot(browser, "web-page-entity-filter.png")

    # The article view lists its entities by name under their type; a link adds that entity's id to the filters.
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=result-title]"))
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=article-entity]"), "article entities")
    links = browser.find_elements(By.CSS_SELECTOR, "[data-testid=article-place] [data-testid=article-entity]")
    assert links and all(str(link.get_attribute("data-value")).startswith("place:") for link in links)
    place = links[0]
    place_id, place_name = str(place.get_attribute("data-value")), place.find_element(By.CLASS_NAME, "entity-name").text
    assert parse_qs(urlparse(str(place.get_attribute("href"))).query)["entity"] == [ZELENSKY_ID, place_id]
    assert "confidence" in str(place.get_attribute("title"))
    zelensky = browser.find_element(
        By.CSS_SELECTOR, f"[data-testid=article-person] [data-testid=article-entity][data-value='{ZELENSKY_ID}']"
    )
    assert ZELENSKY in zelensky.text
    click(browser, place)
    wait(browser).until(
        lambda d: idle(d) and d.find_element(By.ID, "results-view").is_displayed() and len(active_filters(d)) == 2,
        "the results filtered by Zelensky and the place",
    )
    assert active_filters(browser)[1] == {"kind": "Place", "value": place_name, "filter": place_id}

    # A shared link names its filters too, even in a fresh page that has never seen them.
    browser.get(f"{web_url}/?entity={ZELENSKY_ID}&entity={place_id}")
    wait(browser).until(
        lambda d: [f["value"] for f in active_filters(d)] == [ZELENSKY, place_name], "names of the linked filters"
    )
    assert js_errors(browser) == []


def timeline(driver: WebDriver) -> list[dict[str, Any]]:
    """The story view's timeline: each article's date, outlet, title and whether it is a republication."""
    return cast(
        list[dict[str, Any]],
        driver.execute_script(
            """return [...document.querySelectorAll('[data-testid=timeline-item]')].map((item) => ({
              date: item.querySelector('[data-testid=timeline-date]').dateTime,
              outlet: item.querySelector('[data-testid=timeline-outlet]').textContent,
              title: item.querySelector('[data-testid=timeline-title]').textContent,
              republication: item.classList.contains('republication'),
            }));"""
        ),
    )


def test_stories_grouped_and_a_story_view(browser: WebDriver, web_url: str, indexed_corpus: Settings) -> None:
    samples_story(indexed_corpus)
    browser.get(f"{web_url}/?q=Ukraine")
    # Grouped by story by default: both samples are one story, one hit standing for it.
    wait(browser).until(lambda d: idle(d) and len(shown_results(d)) == 1, "one hit for the samples' story")
    assert text_of(browser, "total") == "1 story (2 articles)"
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=group-stories]").is_selected()
    (hit,) = shown_results(browser)
    # The other sample and the republication; only Reuters names an outlet.
    assert hit["story"] == "+2 reports from 1 outlet"
    save_screenshot(browser, "web-page-stories.png")

    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=story-link]"))
    wait(browser).until(lambda d: len(timeline(d)) == 3, "the story's timeline")
    assert re.search(r"story=st-[0-9a-f]{24}", browser.current_url)
    story_url = browser.current_url
    assert not browser.find_element(By.ID, "results-view").is_displayed()
    assert text_of(browser, "story-title")
    assert "3 articles" in text_of(browser, "story-meta") and "1 outlet" in text_of(browser, "story-meta")
    items = timeline(browser)
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert {i["outlet"] for i in items} == {"Reuters", "Unknown outlet"}
    assert [i["title"] for i in items if i["republication"]] == [REPUBLISHED_TITLE]
    assert text_of(browser, "story-outlets").split()[-2:] == ["Reuters", "1"]
    entity = f"[data-testid=story-entity][data-value='{ZELENSKY_ID}']"
    assert ZELENSKY in browser.find_element(By.CSS_SELECTOR, entity).text
    save_screenshot(browser, "web-page-story.png")

    # A timeline title opens the article; back returns to the story, then to the results.
    titles = browser.find_elements(By.CSS_SELECTOR, "[data-testid=timeline-title]")
    (republication,) = [t for t in titles if t.text == REPUBLISHED_TITLE]
    click(browser, republication)
    wait(browser).until(lambda d: text_of(d, "article-title") == REPUBLISHED_TITLE, "the republication's view")
    assert not browser.find_element(By.CSS_SELECTOR, "[data-testid=story-view]").is_displayed()
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=article-back]"))
    wait(browser).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=story-view]").is_displayed() and len(timeline(d)) == 3,
        "the story view again",
    )
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=story-back]"))
    wait(browser).until(
        lambda d: d.find_element(By.ID, "results-view").is_displayed() and len(shown_results(d)) == 1,
        "the grouped results again",
    )

    # Ungrouped: every original, each with a plain link to its story.
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=group-stories]"))
    wait(browser).until(lambda d: idle(d) and len(shown_results(d)) == 2, "both samples, ungrouped")
    assert "group=none" in browser.current_url
    assert text_of(browser, "total") == "2 articles"
    assert {h["story"] for h in shown_results(browser)} == {"Story timeline"}

    # A shared link opens the story view in a fresh page; its entities filter the results by id.
    browser.get(story_url)
    wait(browser).until(lambda d: len(timeline(d)) == 3, "the linked story's timeline")
    click(browser, browser.find_element(By.CSS_SELECTOR, entity))
    wait(browser).until(
        lambda d: idle(d) and d.find_element(By.ID, "results-view").is_displayed() and active_filters(d),
        "the results filtered by the story's entity",
    )
    assert active_filters(browser) == [{"kind": "Person", "value": ZELENSKY, "filter": ZELENSKY_ID}]
    assert "story=" not in browser.current_url
    assert js_errors(browser) == []


def test_api_errors_are_shown_on_the_page(browser: WebDriver, web_url: str) -> None:
    browser.get(f"{web_url}/?since=last+tuesday")
    message = wait(browser).until(
        lambda d: (m := d.find_element(By.CSS_SELECTOR, "[data-testid=error]")).is_displayed() and m,
        "the API's error message",
    )
    assert "invalid parameter" in message.text.lower()
    assert "since" in message.text
    assert shown_results(browser) == []


def test_page_and_assets_are_all_local(web_url: str) -> None:
    page = _get(f"{web_url}/")
    references = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert references and all(ref.startswith(("/", "#", "data:")) for ref in references), references
    for text in (page, *(_get(f"{web_url}{ref}") for ref in references if ref.startswith("/static/"))):
        assert "http://" not in text and "https://" not in text


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())
