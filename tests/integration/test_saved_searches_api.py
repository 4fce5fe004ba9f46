"""Saved searches and past alerts through the API, on a sandbox of the real Elasticsearch.

The saved searches' queries are checked where it matters: percolating sample
articles against the saved-searches index selects exactly what ``/search``
with the same filters finds among the same articles in the articles index.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from pydantic import SecretStr

from newsflow.api import saved_search_store
from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import Alert, DeliveryOutcome, WebhookDelivery, alert_id
from newsflow.schemas.articles import ArticleDocument, Entity, EntityType, SourceFormat, SourceInfo
from newsflow.stack.sandbox import drop_sandbox, sandbox_settings

KEY = "saved-search admin key"
ADMIN = {"X-Admin-Key": KEY}
SECRET_URL = "https://hook-user:hook-pass@hooks.example.org/newsflow?token=s3cr3t#frag"


@pytest.fixture(scope="module")
def sandbox(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One sandbox (indices and topics) for the module, with an admin key."""
    settings = sandbox_settings(stack_settings, tmp_path_factory.mktemp("saved-searches")).model_copy(
        update={"admin_key": SecretStr(KEY)}
    )
    yield settings
    drop_sandbox(settings)


@pytest.fixture(scope="module")
def client(sandbox: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(sandbox)) as api:
        yield api


@pytest.fixture
def empty(client: TestClient, sandbox: Settings) -> TestClient:
    """The client, with no saved search left by an earlier test."""
    es = Elasticsearch(sandbox.elasticsearch_url)
    es.delete_by_query(
        index=sandbox.saved_searches_index_alias, body={"query": {"match_all": {}}}, refresh=True, conflicts="proceed"
    )
    return client


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/saved-searches", json={"name": "a search", **body}, headers=ADMIN)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# --- the admin key ---------------------------------------------------------------


def test_writing_needs_the_admin_key_and_reading_does_not(empty: TestClient, sandbox: Settings) -> None:
    saved = create(empty, q="HIMARS")
    sid = saved["saved_search_id"]
    body = {"name": "x", "q": "HIMARS"}
    writes = [
        ("POST", "/saved-searches", body),
        ("POST", "/saved-searches/bulk", {"searches": [body]}),
        ("PUT", f"/saved-searches/{sid}", body),
        ("DELETE", f"/saved-searches/{sid}", None),
    ]
    for method, path, payload in writes:
        for headers in ({}, {"X-Admin-Key": KEY + "x"}):
            response = empty.request(method, path, json=payload, headers=headers)
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["error"] == "unauthorized"
    with TestClient(create_app(sandbox.model_copy(update={"admin_key": None}))) as keyless:
        for method, path, payload in writes:
            response = keyless.request(method, path, json=payload, headers=ADMIN)
            assert response.status_code == 403, (method, path)
            assert "NEWSFLOW_ADMIN_KEY" in response.json()["detail"]
        assert keyless.get(f"/saved-searches/{sid}").status_code == 200
    assert empty.get("/saved-searches").json()["total"] == 1
    assert empty.get(f"/saved-searches/{sid}").json()["name"] == "a search"


# --- create, read, change, delete ---------------------------------------------------


def test_create_get_list_change_delete(empty: TestClient) -> None:
    saved = create(
        empty,
        name="Zelensky and HIMARS",
        q="HIMARS",
        entity=["Volodymyr Zelensky"],
        outlet=["Reuters"],
        webhook_url=SECRET_URL,
        notify_duplicates=True,
    )
    sid = saved["saved_search_id"]
    assert len(sid) == 16 and int(sid, 16) >= 0
    assert saved["filters"]["q"] == "HIMARS"
    assert saved["filters"]["entity"] == ["Volodymyr Zelensky"]
    assert saved["notify_duplicates"] is True
    assert saved["webhook"] == {
        "url": "https://***@hooks.example.org/newsflow?***#***",
        "state": "active",
        "consecutive_failures": 0,
        "disabled_at": None,
        "disabled_reason": None,
    }
    assert saved["created_at"] == saved["updated_at"]
    assert empty.get(f"/saved-searches/{sid}").json() == saved
    other = create(empty, name="Another", q="cricket")
    listed = empty.get("/saved-searches").json()
    assert listed["total"] == 2
    assert [s["name"] for s in listed["saved_searches"]] == ["Another", "Zelensky and HIMARS"]
    # Never the raw URL, in no answer.
    for text in (empty.get("/saved-searches").text, empty.get(f"/saved-searches/{sid}").text):
        assert "hook-pass" not in text and "s3cr3t" not in text and "hook-user" not in text

    changed = empty.put(f"/saved-searches/{sid}", json={"name": "Only HIMARS", "q": "HIMARS"}, headers=ADMIN)
    assert changed.status_code == 200, changed.text
    view = changed.json()
    assert view["saved_search_id"] == sid
    assert view["name"] == "Only HIMARS"
    assert view["filters"]["entity"] == [] and view["webhook"] is None
    assert view["created_at"] == saved["created_at"] and view["updated_at"] > saved["updated_at"]
    assert empty.get(f"/saved-searches/{sid}").json() == view

    assert empty.delete(f"/saved-searches/{sid}", headers=ADMIN).status_code == 204
    missing = empty.get(f"/saved-searches/{sid}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not found"
    assert empty.delete(f"/saved-searches/{sid}", headers=ADMIN).status_code == 404
    assert empty.put(f"/saved-searches/{sid}", json={"name": "x", "q": "y"}, headers=ADMIN).status_code == 404
    assert [s["saved_search_id"] for s in empty.get("/saved-searches").json()["saved_searches"]] == [
        other["saved_search_id"]
    ]


def test_malformed_ids_are_422(empty: TestClient) -> None:
    for bad in ("XYZ", "0" * 15, "0" * 17, "ABCDEF0123456789"):
        response = empty.get(f"/saved-searches/{bad}")
        assert response.status_code == 422, bad
        assert "saved_search_id" in response.json()["detail"]


def test_saving_again_re_enables_a_disabled_webhook(empty: TestClient, sandbox: Settings) -> None:
    saved = create(empty, q="HIMARS", webhook_url="http://127.0.0.1:9/hook")
    sid = saved["saved_search_id"]
    _disable_webhook(sandbox, sid, "http://127.0.0.1:9/hook")
    shown = empty.get(f"/saved-searches/{sid}").json()["webhook"]
    assert shown["state"] == "disabled" and shown["consecutive_failures"] == 5
    assert shown["disabled_reason"].startswith("5 alerts")
    again = empty.put(
        f"/saved-searches/{sid}",
        json={"name": "a search", "q": "HIMARS", "webhook_url": "http://127.0.0.1:9/hook"},
        headers=ADMIN,
    )
    assert again.status_code == 200, again.text
    assert again.json()["webhook"] == {
        "url": "http://127.0.0.1:9/hook",
        "state": "active",
        "consecutive_failures": 0,
        "disabled_at": None,
        "disabled_reason": None,
    }


def test_patch_changes_the_fields_given_and_keeps_the_webhook(empty: TestClient, sandbox: Settings) -> None:
    secret_hook = "https://hook-user:hook-pass@127.0.0.1:9/hook?token=s3cr3t"
    saved = create(empty, name="Kharkiv", q="HIMARS", entity=["Kharkiv"], webhook_url=secret_hook)
    sid = saved["saved_search_id"]
    _disable_webhook(sandbox, sid, secret_hook)

    patched = empty.patch(f"/saved-searches/{sid}", json={"q": "HIMARS OR HARM", "since": "2022-09-01"}, headers=ADMIN)
    assert patched.status_code == 200, patched.text
    view = patched.json()
    assert view["name"] == "Kharkiv" and view["filters"]["entity"] == ["Kharkiv"]
    assert view["filters"]["q"] == "HIMARS OR HARM" and view["filters"]["since"].startswith("2022-09-01")
    # The webhook, which no client can read back whole, is untouched: URL with its credentials, and state.
    assert view["webhook"]["state"] == "disabled" and view["webhook"]["consecutive_failures"] == 5
    stored = Elasticsearch(sandbox.elasticsearch_url).get(index=sandbox.saved_searches_index_alias, id=sid)
    assert stored["_source"]["saved_search"]["webhook"]["url"] == secret_hook
    # The stored percolator query follows the change.
    assert "HARM" in str(stored["_source"]["query"])

    resumed = empty.patch(f"/saved-searches/{sid}", json={"resume_webhook": True}, headers=ADMIN).json()
    assert resumed["webhook"]["state"] == "active" and resumed["webhook"]["consecutive_failures"] == 0
    assert resumed["filters"]["q"] == "HIMARS OR HARM"
    removed = empty.patch(f"/saved-searches/{sid}", json={"webhook_url": None, "entity": []}, headers=ADMIN).json()
    assert removed["webhook"] is None and removed["filters"]["entity"] == []
    assert removed["created_at"] == saved["created_at"]


def test_a_patch_is_checked_as_the_whole_search_it_makes(empty: TestClient) -> None:
    sid = create(empty, q="HIMARS", since="2022-09-01")["saved_search_id"]
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"until": "2022-08-01"}, 422, "since must not be after until"),
        ({"name": "   "}, 422, "name"),
        ({"webhook_url": "ftp://example.org/x"}, 422, "http"),
        ({"q": None, "since": None}, 400, "every new article"),
        ({"unknown": 1}, 422, "unknown"),
    ]
    for body, status, says in cases:
        response = empty.patch(f"/saved-searches/{sid}", json=body, headers=ADMIN)
        assert response.status_code == status, (body, response.text)
        assert says in response.json()["detail"], (body, response.text)
    assert empty.get(f"/saved-searches/{sid}").json()["filters"]["q"] == "HIMARS"
    assert empty.patch(f"/saved-searches/{sid}", json={"q": "HARM"}).status_code == 401
    assert empty.patch(f"/saved-searches/{'0' * 16}", json={"q": "HARM"}, headers=ADMIN).status_code == 404


def _disable_webhook(settings: Settings, saved_search_id: str, url: str) -> None:
    """What the deliverer writes once it gave up on the webhook too often."""
    disabled = {
        "url": url,
        "state": "disabled",
        "consecutive_failures": 5,
        "disabled_at": "2026-12-02T08:00:00Z",
        "disabled_reason": "5 alerts in a row given up (connection refused)",
    }
    Elasticsearch(settings.elasticsearch_url).update(
        index=settings.saved_searches_index_alias,
        id=saved_search_id,
        body={"doc": {"saved_search": {"webhook": disabled}}},
        refresh="wait_for",
    )


def test_list_pages_with_a_cursor(empty: TestClient) -> None:
    names = [f"search {n:02d}" for n in range(7)]
    for name in reversed(names):
        create(empty, name=name, q=name.replace(" ", ""))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"size": 3, **({"cursor": cursor} if cursor else {})}
        page = empty.get("/saved-searches", params=params).json()
        assert page["total"] == 7
        seen += [s["name"] for s in page["saved_searches"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names
    bad = empty.get("/saved-searches", params={"cursor": "garbage"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid cursor"


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"q": "   "},
        {"q": "*"},
        {"q": '"" -'},
        {"since": "2020-01-01"},
        {"since": "2020-01-01", "until": "2030-01-01"},
    ],
)
def test_a_search_that_would_alert_on_everything_is_refused(empty: TestClient, body: dict[str, Any]) -> None:
    response = empty.post("/saved-searches", json={"name": "everything", **body}, headers=ADMIN)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "saved search refused"
    detail = response.json()["detail"]
    assert "every new article" in detail and "words (q)" in detail and "entity" in detail
    assert empty.get("/saved-searches").json()["total"] == 0


@pytest.mark.parametrize("body", [{"language": ["en"]}, {"entity_type": "person"}, {"q": "HIMARS*"}])
def test_one_narrowing_filter_or_word_is_enough(empty: TestClient, body: dict[str, Any]) -> None:
    create(empty, **body)


def test_a_query_elasticsearch_refuses_is_400_with_its_reason(empty: TestClient) -> None:
    # A name longer than Lucene's longest term: the percolator can't index the query's terms.
    for body in ({"entity": ["x" * 40_000]}, {"q": "HIMARS", "outlet": ["y" * 33_000]}):
        response = empty.post("/saved-searches", json={"name": "huge", **body}, headers=ADMIN)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "saved search refused"
        detail = response.json()["detail"]
        assert detail.startswith("Elasticsearch refused the query: ") and "32766" in detail
        assert len(detail) < 400
    assert empty.get("/saved-searches").json()["total"] == 0


def test_entity_ids_are_checked_as_by_search(empty: TestClient) -> None:
    malformed = empty.post(
        "/saved-searches", json={"name": "x", "entity": ["person:Volodymyr Zelensky"]}, headers=ADMIN
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "invalid entity id"
    assert "person:volodymyr-zelensky" in malformed.json()["detail"]
    conflicting = empty.post(
        "/saved-searches",
        json={"name": "x", "entity": ["person:volodymyr-zelensky"], "entity_type": "place"},
        headers=ADMIN,
    )
    assert conflicting.status_code == 400
    assert conflicting.json()["error"] == "conflicting filters"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://example.org/hook", "must start with http:// or https://, not ftp"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("https:///no-host", "needs a host"),
        ("https://example.org/a hook", "no spaces"),
        ("https://example.org:99999/hook", "not a URL"),
        ("example.org/hook", "must start with http:// or https://, not nothing"),
        ("https://example.org/" + "a" * 2100, "at most"),
    ],
)
def test_bad_webhook_urls_are_422_saying_why(empty: TestClient, url: str, says: str) -> None:
    response = empty.post("/saved-searches", json={"name": "x", "q": "HIMARS", "webhook_url": url}, headers=ADMIN)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("webhook_url: ") and says in detail, detail


def test_other_invalid_bodies_are_422(empty: TestClient) -> None:
    for body, field in [
        ({"q": "x"}, "name"),
        ({"name": "  ", "q": "x"}, "name"),
        ({"name": "x", "q": "x", "sort": "newest"}, "sort"),
        ({"name": "x", "q": "x", "since": "2024-02-01", "until": "2024-01-01"}, "since must not be after until"),
    ]:
        response = empty.post("/saved-searches", json=body, headers=ADMIN)
        assert response.status_code == 422, body
        assert field in response.json()["detail"]


def test_the_number_of_saved_searches_is_limited(empty: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved_search_store, "MAX_SAVED_SEARCHES", 2)
    create(empty, q="one")
    create(empty, q="two")
    full = empty.post("/saved-searches", json={"name": "three", "q": "three"}, headers=ADMIN)
    assert full.status_code == 409
    assert full.json()["error"] == "too many saved searches"
    assert "delete some" in full.json()["detail"]
    bulk = empty.post("/saved-searches/bulk", json={"searches": [{"name": "x", "q": "four"}]}, headers=ADMIN)
    assert bulk.json()["results"][0]["status"] == 409
    assert empty.get("/saved-searches").json()["total"] == 2


# --- bulk -----------------------------------------------------------------------------


def test_bulk_gives_each_search_its_own_outcome(empty: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved_search_store, "MAX_SAVED_SEARCHES", 3)
    searches = [
        {"name": "ok 1", "q": "HIMARS"},
        {"name": "everything"},
        {"name": "bad id", "entity": ["person:Bad Id"]},
        {"name": "huge", "entity": ["x" * 40_000]},
        {"name": "ok 2", "outlet": ["Reuters"]},
        {"name": "ok 3", "language": ["en"]},
        {"name": "over the limit", "q": "four"},
    ]
    response = empty.post("/saved-searches/bulk", json={"searches": searches}, headers=ADMIN)
    assert response.status_code == 200, response.text
    answer = response.json()
    statuses = [(r["index"], r["status"]) for r in answer["results"]]
    # The limit counts what passes the API's checks; the huge one takes room, then Elasticsearch refuses it.
    assert statuses == [(0, 201), (1, 400), (2, 400), (3, 400), (4, 201), (5, 409), (6, 409)]
    assert answer["created"] == 2 and answer["failed"] == 5
    assert answer["results"][3]["error"]["error"] == "saved search refused"
    assert "32766" in answer["results"][3]["error"]["detail"]
    assert answer["results"][2]["error"]["error"] == "invalid entity id"
    names = sorted(s["name"] for s in empty.get("/saved-searches").json()["saved_searches"])
    assert names == ["ok 1", "ok 2"]
    too_many = empty.post("/saved-searches/bulk", json={"searches": [{"name": "x", "q": "y"}] * 1001}, headers=ADMIN)
    assert too_many.status_code == 422
    assert "searches" in too_many.json()["detail"]


def test_ten_thousand_saved_searches_in_ten_calls(empty: TestClient) -> None:
    started = time.monotonic()
    for call in range(10):
        batch = [{"name": f"bulk {call}-{n}", "q": f"word{call}x{n}", "outlet": ["Reuters"]} for n in range(1000)]
        response = empty.post("/saved-searches/bulk", json={"searches": batch}, headers=ADMIN)
        assert response.status_code == 200, response.text
        assert response.json()["created"] == 1000, response.json()["results"][:3]
    elapsed = time.monotonic() - started
    assert empty.get("/saved-searches", params={"size": 1}).json()["total"] == 10_000
    # Generous: on this machine it takes a few seconds; a per-search write would take minutes.
    assert elapsed < 120, elapsed
    page = empty.get("/saved-searches", params={"size": 1000}).json()
    assert len(page["saved_searches"]) == 1000 and page["next_cursor"]


# --- what a saved search matches --------------------------------------------------------


def _article(  # noqa: PLR0917 - one line per sample article below
    n: int, title: str, body: str, outlet: str | None, language: str, people: list[str], day: int
) -> dict[str, Any]:
    entities = [Entity(type=EntityType.PERSON, canonical=name, surface_forms=[name], mentions=1) for name in people]
    dated = datetime(2026, 11, day, 12, tzinfo=UTC)
    doc = ArticleDocument(
        article_id=f"{n:016x}",
        title=title,
        body=body,
        outlet=outlet,
        ingested_at=dated,
        dated_at=dated,
        language=language,
        word_count=len(body.split()),
        source=SourceInfo(
            path=f"a{n}.txt", file_sha256="0" * 64, format=SourceFormat.TEXT, record_index=0, received_at=dated
        ),
        dedup_group=f"{n:016x}",
    ).with_entities(entities)
    return doc.model_dump(mode="json", exclude_none=True)


ARTICLES = [
    _article(
        1, "HIMARS strike near Kharkiv", "Ukraine used HIMARS rockets.", "Reuters", "en", ["Volodymyr Zelensky"], 1
    ),
    _article(2, "Zelensky visits troops", "The president thanked soldiers.", "BBC", "en", ["Volodymyr Zelensky"], 5),
    _article(3, "Cricket final", "England won the cricket final at Lord's.", "BBC", "en", [], 10),
    _article(4, "Himars en Ukraine", "Les lance-roquettes HIMARS arrivent.", None, "fr", [], 20),
    _article(5, "Kharkiv region retaken", "Troops advanced in the Kharkiv region.", "Reuters", "en", [], 25),
]
FILTER_SETS: list[dict[str, Any]] = [
    {"q": "HIMARS"},
    {"q": "HIMARS", "entity": ["Volodymyr Zelensky"]},
    {"entity": ["person:volodymyr-zelensky"]},
    {"entity_type": "person"},
    {"outlet": ["BBC"]},
    {"language": ["fr"]},
    {"q": '"Kharkiv region"'},
    {"q": "Kharkiv -HIMARS"},
    {"q": "cricket OR rockets", "since": "2026-11-02"},
    {"q": "Kharkiv", "until": "2026-11-01"},
    {"q": "troop*", "outlet": ["Reuters", "BBC"]},
    {"q": "nothing-matches-this"},
]


@pytest.fixture(scope="module")
def indexed_articles(sandbox: Settings) -> list[dict[str, Any]]:
    es = Elasticsearch(sandbox.elasticsearch_url)
    for doc in ARTICLES:
        es.index(index=sandbox.index_alias, id=doc["article_id"], document=doc)
    es.indices.refresh(index=sandbox.index_alias)
    return ARTICLES


@pytest.mark.parametrize("filters", FILTER_SETS, ids=[str(f) for f in FILTER_SETS])
def test_a_saved_search_percolates_what_search_finds(
    empty: TestClient, sandbox: Settings, indexed_articles: list[dict[str, Any]], filters: dict[str, Any]
) -> None:
    found = empty.get("/search", params={**filters, "size": 100, "expand_duplicates": True})
    assert found.status_code == 200, found.text
    expected = {hit["article_id"] for hit in found.json()["hits"]}
    sid = create(empty, **filters)["saved_search_id"]
    es = Elasticsearch(sandbox.elasticsearch_url)
    answer = es.search(
        index=sandbox.saved_searches_index_alias,
        body={
            "query": {
                "bool": {
                    "must": [{"percolate": {"field": "query", "documents": indexed_articles}}],
                    "filter": [{"ids": {"values": [sid]}}],
                }
            }
        },
    )
    hits = answer["hits"]["hits"]
    slots = hits[0]["fields"]["_percolator_document_slot"] if hits else []
    percolated = {indexed_articles[slot]["article_id"] for slot in slots}
    assert percolated == expected


# --- deliveries and alerts ---------------------------------------------------------------


def test_deliveries_are_listed_newest_first(empty: TestClient, sandbox: Settings) -> None:
    sid = create(empty, q="HIMARS", webhook_url="http://127.0.0.1:9/hook")["saved_search_id"]
    es = Elasticsearch(sandbox.elasticsearch_url)
    start = datetime(2026, 12, 2, 9, tzinfo=UTC)
    for attempt, outcome in enumerate((DeliveryOutcome.FAILED, DeliveryOutcome.FAILED, DeliveryOutcome.GIVEN_UP)):
        delivery = WebhookDelivery(
            alert_id="a" * 24,
            saved_search_id=sid,
            url="http://127.0.0.1:9/hook",
            attempt=attempt + 1,
            outcome=outcome,
            error="connection refused",
            at=start + timedelta(seconds=attempt),
        )
        es.index(index=sandbox.deliveries_index_alias, document=delivery.model_dump(mode="json"))
    es.index(
        index=sandbox.deliveries_index_alias,
        document=WebhookDelivery(
            alert_id="b" * 24, saved_search_id="f" * 16, url="x", attempt=1, outcome=DeliveryOutcome.DELIVERED, at=start
        ).model_dump(mode="json"),
    )
    es.indices.refresh(index=sandbox.deliveries_index_alias)
    log = empty.get(f"/saved-searches/{sid}/deliveries").json()
    assert log["total"] == 3
    assert [(d["attempt"], d["outcome"]) for d in log["deliveries"]] == [(3, "given_up"), (2, "failed"), (1, "failed")]
    assert len(empty.get(f"/saved-searches/{sid}/deliveries", params={"size": 1}).json()["deliveries"]) == 1
    assert empty.get(f"/saved-searches/{'0' * 16}/deliveries").status_code == 404


def make_alert(saved_search_id: str, n: int, alerted_at: datetime, name: str = "a search") -> Alert:
    """An alert of ``saved_search_id`` for article ``n``."""
    article = f"{n:032x}"
    return Alert(
        alert_id=alert_id(saved_search_id, article),
        saved_search_id=saved_search_id,
        saved_search_name=name,
        article_id=article,
        title=f"Article {n}",
        outlet="Reuters",
        dated_at=alerted_at - timedelta(minutes=5),
        indexed_at=alerted_at - timedelta(seconds=1),
        alerted_at=alerted_at,
    )


def write_alerts(settings: Settings, alerts: list[Alert]) -> None:
    """``alerts`` in the alerts index, as the sink writes them (id = alert id)."""
    es = Elasticsearch(settings.elasticsearch_url)
    for alert in alerts:
        es.index(index=settings.alerts_index_alias, id=alert.alert_id, document=alert.model_dump(mode="json"))
    es.indices.refresh(index=settings.alerts_index_alias)


def test_alerts_newest_first_filtered_and_paged(empty: TestClient, sandbox: Settings) -> None:
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    mine, other = "1" * 16, "2" * 16
    alerts = [make_alert(mine, n, start + timedelta(minutes=n)) for n in range(5)]
    alerts += [make_alert(other, 100 + n, start + timedelta(minutes=n, seconds=30)) for n in range(3)]
    write_alerts(sandbox, alerts)
    everything = empty.get("/alerts", params={"size": 100}).json()
    listed = [a["alert_id"] for a in everything["alerts"] if a["saved_search_id"] in (mine, other)]
    by_time = sorted(alerts, key=lambda a: a.alerted_at, reverse=True)
    assert listed == [a.alert_id for a in by_time]
    page = empty.get("/alerts", params={"saved_search_id": mine, "size": 2}).json()
    assert page["total"] == 5
    collected = [a["alert_id"] for a in page["alerts"]]
    while page["next_cursor"]:
        page = empty.get("/alerts", params={"saved_search_id": mine, "size": 2, "cursor": page["next_cursor"]}).json()
        collected += [a["alert_id"] for a in page["alerts"]]
    assert collected == [a.alert_id for a in sorted(alerts[:5], key=lambda a: a.alerted_at, reverse=True)]
    recent = empty.get("/alerts", params={"saved_search_id": mine, "since": (start + timedelta(minutes=3)).isoformat()})
    assert [a["article_id"] for a in recent.json()["alerts"]] == [alerts[4].article_id, alerts[3].article_id]
    assert Alert.model_validate(recent.json()["alerts"][0]) == alerts[4]
    wrong = empty.get("/alerts", params={"saved_search_id": other, "cursor": page["next_cursor"] or "x"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid cursor"
    assert empty.get("/alerts", params={"saved_search_id": "nope"}).status_code == 422
    assert empty.get("/alerts", params={"size": 101}).status_code == 422
