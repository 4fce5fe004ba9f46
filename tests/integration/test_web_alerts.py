"""Saved searches and live alerts on the web page, in a real browser against the real API, Kafka and Elasticsearch.

The API runs with an admin key, serving the sandbox that ``indexed_corpus``
filled through the pipeline. A search is saved through the page's button and
shows in its list; then alerts are published on the sandbox's alerts topic (as
the alerts stage does) and must reach the page over ``/alerts/stream``, badge
and list, without a reload. Nothing is mocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from elasticsearch import Elasticsearch
from fastapi import FastAPI
from pydantic import SecretStr
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from newsflow.api.alert_stream import AlertStream
from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import Alert, alert_id
from tests.integration.corpus import REPUBLISHED_TITLE
from tests.integration.index_queries import alerts, articles, wait_for
from tests.integration.kafka_records import publish_alerts
from tests.integration.test_web_page import (  # noqa: F401  # browser is a fixture
    WAIT_S,
    ZELENSKY,
    ZELENSKY_ID,
    browser,
    click,
    idle,
    js_errors,
    save_screenshot,
    serve,
    shown_results,
    text_of,
    wait,
    web_url,
)

ADMIN_KEY = "page-test-admin-key"
WEBHOOK = "http://127.0.0.1:9/hooks/newsflow?token=not-for-display"
# What the page lists, read in one go so that a re-render between reads can't mix two states.
ALERTS_SCRIPT = """
return [...document.querySelectorAll('[data-testid=alert]')].map((a) => ({
  id: a.dataset.alertId,
  search: a.querySelector('[data-testid=alert-search]').textContent,
  title: a.querySelector('[data-testid=alert-title]').textContent,
  outlet: a.querySelector('[data-testid=alert-outlet]').textContent,
  unseen: a.classList.contains('unseen'),
  markup: a.querySelector('[data-testid=alert-title]').children.length,
}));
"""
SAVED_SCRIPT = """
return [...document.querySelectorAll('[data-testid=saved-search]')].map((s) => ({
  id: s.dataset.savedSearchId,
  name: s.querySelector('[data-testid=saved-search-name]').textContent,
  filters: s.querySelector('[data-testid=saved-search-filters]').textContent,
  webhook: s.querySelector('[data-testid=saved-search-webhook]').textContent,
  state: s.querySelector('[data-testid=saved-search-webhook]').dataset.state,
}));
"""


@pytest.fixture(scope="module")
def alerts_app(indexed_corpus: Settings) -> FastAPI:
    """The API on the sandbox, with an admin key (saved searches can be written)."""
    return create_app(indexed_corpus.model_copy(update={"admin_key": SecretStr(ADMIN_KEY)}))


@pytest.fixture(scope="module")
def alerts_url(alerts_app: FastAPI) -> Iterator[str]:
    with serve(alerts_app) as url:
        yield url


def shown_alerts(driver: WebDriver) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], driver.execute_script(ALERTS_SCRIPT))


def shown_saved_searches(driver: WebDriver) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], driver.execute_script(SAVED_SCRIPT))


def badge(driver: WebDriver) -> str | None:
    """The unseen-alert count in the header, None while the badge is hidden."""
    element = driver.find_element(By.CSS_SELECTOR, "[data-testid=alerts-badge]")
    return element.text if element.is_displayed() else None


def storage(driver: WebDriver) -> dict[str, dict[str, str]]:
    return cast(
        dict[str, dict[str, str]],
        driver.execute_script("return {session: {...sessionStorage}, local: {...localStorage}};"),
    )


def alert_for(saved_search_id: str, name: str, article: dict[str, Any], title: str | None = None) -> Alert:
    now = datetime.now(UTC)
    return Alert(
        alert_id=alert_id(saved_search_id, article["article_id"]),
        saved_search_id=saved_search_id,
        saved_search_name=name,
        article_id=article["article_id"],
        story_id=article.get("story_id"),
        title=title or article["title"],
        outlet=article.get("outlet"),
        dated_at=article["dated_at"],
        indexed_at=now,
        alerted_at=now,
    )


def shown(driver: WebDriver, testid: str) -> WebElement:
    """The element ``testid`` once it is displayed."""
    return wait(driver).until(
        lambda d: (e := d.find_element(By.CSS_SELECTOR, f"[data-testid={testid}]")).is_displayed() and e,
        f"{testid} shown",
    )


def test_save_a_search_and_see_its_alerts_arrive_live(
    browser: WebDriver,  # noqa: F811  # the fixture imported above
    alerts_url: str,
    alerts_app: FastAPI,
    indexed_corpus: Settings,
) -> None:
    browser.get(f"{alerts_url}/?q=Ukraine&entity={ZELENSKY_ID}&group=none")
    wait(browser).until(lambda d: idle(d) and len(shown_results(d)) == 2, "the two Ukraine articles with Zelensky")
    wait(browser).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "[data-testid=alerts-stream-state]").get_attribute("data-state") == "live"
        ),
        "the page's alert stream open",
    )
    assert badge(browser) is None

    name = save_this_search(browser)
    saved = saved_search_in_the_panel(browser, name)
    stream = alerts_app.state.alert_stream
    assert isinstance(stream, AlertStream) and stream.ready.wait(WAIT_S), "the API's tail of the alerts topic"
    original, first, second = alerts_arrive_live(browser, indexed_corpus, saved["id"], name)

    # An alert's title opens the page's article view.
    title = f"[data-alert-id='{first.alert_id}'] [data-testid=alert-title]"
    click(browser, browser.find_element(By.CSS_SELECTOR, title))
    wait(browser).until(lambda d: text_of(d, "article-title") == original["title"], "the alerted article's view")
    assert f"article={original['article_id']}" in browser.current_url
    assert not browser.find_element(By.CSS_SELECTOR, "[data-testid=alerts-panel]").is_displayed()

    # Once the pipeline's sink has indexed them, a reload lists both from GET /alerts, newest first, as seen.
    wait_for(lambda: len(alerts(indexed_corpus)) == 2, timeout_s=WAIT_S, what="both alerts in the alerts index")
    browser.refresh()
    wait(browser).until(lambda d: len(shown_alerts(d)) == 2, "both alerts listed after the reload")
    assert [a["id"] for a in shown_alerts(browser)] == [second.alert_id, first.alert_id]
    assert not any(a["unseen"] for a in shown_alerts(browser)) and badge(browser) is None

    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=alerts-button]"))
    name = change_the_saved_search(browser, indexed_corpus, saved["id"], name)

    # Deleting asks no key again (this tab has it) and empties the list.
    click(browser, shown(browser, "saved-search-delete"))
    assert not browser.find_element(By.CSS_SELECTOR, "[data-testid=delete-admin-key-field]").is_displayed()
    assert name in text_of(browser, "delete-name")
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=delete-submit]"))
    wait(browser).until(lambda d: not shown_saved_searches(d), "the saved search deleted")
    assert text_of(browser, "notice").startswith(f"Deleted “{name}”")
    # The only console errors are the refused key's 401, which the page explained.
    assert [e for e in js_errors(browser) if "401 (Unauthorized)" not in e] == []


def save_this_search(driver: WebDriver) -> str:
    """Save the page's search through its button and dialog (a wrong admin key first); the name given."""
    click(driver, driver.find_element(By.CSS_SELECTOR, "[data-testid=save-search]"))
    dialog = shown(driver, "save-dialog")
    # The dialog shows the page's words and filters, and a name made of them.
    summary = text_of(driver, "save-summary")
    assert "Ukraine" in summary and ZELENSKY in summary, summary
    name_input = driver.find_element(By.CSS_SELECTOR, "[data-testid=save-name]")
    assert name_input.get_attribute("value") == f"Ukraine · {ZELENSKY}"
    name = f"Ukraine · {ZELENSKY} <b>watch</b>"  # user text: shown as typed, never as markup
    name_input.clear()
    name_input.send_keys(name)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=save-webhook]").send_keys(WEBHOOK)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=save-duplicates]").click()

    # The page has no admin key yet: it asks, and says so in plain words when the API refuses one.
    key_input = driver.find_element(By.CSS_SELECTOR, "[data-testid=save-admin-key]")
    assert key_input.is_displayed()
    key_input.send_keys("not-the-key")
    driver.find_element(By.CSS_SELECTOR, "[data-testid=save-submit]").click()
    assert "did not accept this admin key" in shown(driver, "save-error").text
    assert dialog.is_displayed() and key_input.is_displayed()
    assert "newsflow.adminKey" not in storage(driver)["session"]
    save_screenshot(driver, "web-page-save-search.png")
    key_input.clear()
    key_input.send_keys(ADMIN_KEY + Keys.ENTER)

    assert shown(driver, "notice").text.startswith(f"Saved “{name}”"), text_of(driver, "notice")
    assert not dialog.is_displayed()
    # The key is kept for this tab only: sessionStorage, never localStorage nor the address.
    kept = storage(driver)
    assert kept["session"].get("newsflow.adminKey") == ADMIN_KEY
    assert ADMIN_KEY not in json.dumps(kept["local"]) and ADMIN_KEY not in driver.current_url
    return name


def change_the_saved_search(driver: WebDriver, settings: Settings, saved_search_id: str, name: str) -> str:
    """Edit from the panel's list: the dialog shows the search; a new name and delivery keep its webhook."""
    click(driver, shown(driver, "saved-search-edit"))
    shown(driver, "save-dialog")
    assert text_of(driver, "save-title") == "Change the saved search"
    assert "Ukraine" in text_of(driver, "save-summary") and ZELENSKY in text_of(driver, "save-summary")
    name_input = driver.find_element(By.CSS_SELECTOR, "[data-testid=save-name]")
    assert name_input.get_attribute("value") == name
    assert driver.find_element(By.CSS_SELECTOR, "[data-testid=save-duplicates]").is_selected()
    # The webhook's address is shown redacted, never put in the field; left empty, it stays.
    assert "127.0.0.1:9/hooks/newsflow?***" in text_of(driver, "save-webhook-hint")
    assert driver.find_element(By.CSS_SELECTOR, "[data-testid=save-webhook]").get_attribute("value") == ""
    assert shown(driver, "save-remove-webhook-field").is_displayed()
    assert not driver.find_element(By.CSS_SELECTOR, "[data-testid=save-resume-webhook-field]").is_displayed()
    renamed = "Ukraine watch"
    name_input.clear()
    name_input.send_keys(renamed)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=save-duplicates]").click()
    click(driver, driver.find_element(By.CSS_SELECTOR, "[data-testid=save-submit]"))
    assert shown(driver, "notice").text.startswith(f"Changed “{renamed}”"), text_of(driver, "notice")
    wait(driver).until(lambda d: [s["name"] for s in shown_saved_searches(d)] == [renamed], "the list renamed")
    (listed,) = shown_saved_searches(driver)
    assert "Words: Ukraine" in listed["filters"] and listed["state"] == "active", listed
    es = Elasticsearch(settings.elasticsearch_url)
    search = es.get(index=settings.saved_searches_index_alias, id=saved_search_id)["_source"]["saved_search"]
    assert search["webhook"]["url"] == WEBHOOK and search["notify_duplicates"] is False
    return renamed


def saved_search_in_the_panel(driver: WebDriver, name: str) -> dict[str, Any]:
    """The notice's button opens the panel, whose list has the search: its filters, its webhook redacted."""
    click(driver, driver.find_element(By.CSS_SELECTOR, "[data-testid=notice-action]"))
    (saved,) = wait(driver).until(shown_saved_searches, "the saved search in the panel's list")
    assert saved["name"] == name
    assert "Words: Ukraine" in saved["filters"] and f"Person: {ZELENSKY}" in saved["filters"], saved
    assert saved["state"] == "active" and "active" in saved["webhook"], saved
    assert "127.0.0.1:9/hooks/newsflow?***" in saved["webhook"] and "not-for-display" not in saved["webhook"]
    assert shown_alerts(driver) == []
    driver.find_element(By.CSS_SELECTOR, "[data-testid=alerts-panel]").send_keys(Keys.ESCAPE)
    wait(driver).until(
        lambda d: not d.find_element(By.CSS_SELECTOR, "[data-testid=alerts-panel]").is_displayed(), "panel closed"
    )
    return saved


def alerts_arrive_live(
    driver: WebDriver, settings: Settings, saved_search_id: str, name: str
) -> tuple[dict[str, Any], Alert, Alert]:
    """Two alerts published on the topic reach the page: the badge, then the open panel; the first's article, both."""
    docs = {doc["title"]: doc for doc in articles(settings)}
    (original,) = [doc for doc in docs.values() if doc.get("outlet") == "Reuters" and not doc.get("near_duplicate_of")]
    first = alert_for(saved_search_id, name, original)
    publish_alerts(settings, first)
    # The panel is closed: the header's badge counts it.
    wait(driver).until(lambda d: badge(d) == "1", "the badge counting one unseen alert")
    button = driver.find_element(By.CSS_SELECTOR, "[data-testid=alerts-button]")
    assert button.get_attribute("aria-label") == "Alerts, 1 unseen"
    announced = driver.find_element(By.CSS_SELECTOR, "[data-testid=alerts-announcement]").get_attribute("textContent")
    assert original["title"] in str(announced)
    save_screenshot(driver, "web-page-alert-badge.png")

    click(driver, button)
    wait(driver).until(lambda d: badge(d) is None, "the badge cleared once the panel shows the alerts")
    expected = {"id": first.alert_id, "search": name, "title": original["title"], "outlet": "Reuters"}
    assert shown_alerts(driver) == [{**expected, "unseen": True, "markup": 0}]

    # With the panel open, a newer alert arrives at the top (a title with markup stays text), seen at once.
    republication = docs[REPUBLISHED_TITLE]
    second = alert_for(saved_search_id, name, republication, title=f"{REPUBLISHED_TITLE} <img src=x>")
    publish_alerts(settings, second)
    wait(driver).until(lambda d: len(shown_alerts(d)) == 2, "the second alert in the open panel")
    newest, older = shown_alerts(driver)
    assert (newest["id"], older["id"]) == (second.alert_id, first.alert_id)
    assert newest["title"] == second.title and newest["markup"] == 0
    assert badge(driver) is None
    save_screenshot(driver, "web-page-alerts.png")
    return original, first, second


def test_saving_on_an_api_without_admin_key_says_why_it_cannot(
    browser: WebDriver,  # noqa: F811  # the fixture imported above
    web_url: str,  # noqa: F811  # the fixture imported above: the API without an admin key
) -> None:
    browser.get(f"{web_url}/?q=HIMARS")
    wait(browser).until(lambda d: idle(d) and shown_results(d), "the HIMARS results")
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=save-search]"))
    shown(browser, "save-dialog")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=save-name]").get_attribute("value") == "HIMARS"
    # A webhook that is no web address is refused before anything is sent.
    browser.find_element(By.CSS_SELECTOR, "[data-testid=save-webhook]").send_keys("ftp://example.org/hook")
    browser.find_element(By.CSS_SELECTOR, "[data-testid=save-admin-key]").send_keys("any-key" + Keys.ENTER)
    assert "http or https" in shown(browser, "save-error").text
    webhook = browser.find_element(By.CSS_SELECTOR, "[data-testid=save-webhook]")
    webhook.clear()
    browser.find_element(By.CSS_SELECTOR, "[data-testid=save-submit]").click()
    wait(browser).until(lambda d: "no admin key is configured" in text_of(d, "save-error"), "the 403 explained")
    assert "NEWSFLOW_ADMIN_KEY" in text_of(browser, "save-error")
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-testid=save-cancel]"))
    assert not browser.find_element(By.CSS_SELECTOR, "[data-testid=save-dialog]").is_displayed()
    assert [e for e in js_errors(browser) if "403 (Forbidden)" not in e] == []
