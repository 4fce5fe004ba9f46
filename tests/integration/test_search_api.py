"""The search API against the real index the pipeline filled: the two samples and a republication."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from tests.integration.corpus import REPUBLISHED_TITLE
from tests.integration.index_queries import articles
from tests.integration.tcp_proxy import TcpProxy

ZELENSKY = "Volodymyr Zelensky"
ZELENSKY_ID = "person:volodymyr-zelensky"


@pytest.fixture(scope="module")
def api_client(indexed_corpus: Settings) -> Iterator[TestClient]:
    """An HTTP client of the API, reading the sandbox index."""
    with TestClient(create_app(indexed_corpus)) as client:
        yield client


@pytest.fixture(scope="module")
def indexed_documents(indexed_corpus: Settings) -> list[dict[str, Any]]:
    """The sandbox's three articles as Elasticsearch holds them (what the API's answers must agree with)."""
    return articles(indexed_corpus)


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_outlet(hits: list[dict[str, Any]], outlet: str | None) -> dict[str, Any]:
    (hit,) = [h for h in hits if h["outlet"] == outlet]
    return hit


def test_himars_finds_both_samples_with_highlights(api_client: TestClient) -> None:
    result = search(api_client, q="HIMARS")
    assert result["total"] == 2
    assert {h["outlet"] for h in result["hits"]} == {"Reuters", None}
    for hit in result["hits"]:
        assert any("<mark>HIMARS</mark>" in s for s in hit["snippets"]), hit["snippets"]


def test_a_quoted_phrase_is_marked_in_the_snippets(api_client: TestClient) -> None:
    # The query matches phrases on the unstemmed .exact subfields; the snippets must still mark them.
    result = search(api_client, q='"regional governor"')
    assert result["total"] >= 1
    marked = [s for hit in result["hits"] for s in hit["snippets"] if "<mark>" in s]
    # The fast vector highlighter marks a phrase as one.
    assert any("<mark>regional governor</mark>" in s for s in marked), marked


def test_near_duplicate_is_collapsed_onto_its_original_unless_expanded(api_client: TestClient) -> None:
    collapsed = search(api_client, q="HIMARS")
    assert by_outlet(collapsed["hits"], "Reuters")["near_duplicate_count"] == 1
    assert REPUBLISHED_TITLE not in {h["title"] for h in collapsed["hits"]}
    expanded = search(api_client, q="HIMARS", expand_duplicates=True)
    assert expanded["total"] == 3
    (republished,) = [h for h in expanded["hits"] if h["title"] == REPUBLISHED_TITLE]
    assert republished["near_duplicate_of"] == by_outlet(collapsed["hits"], "Reuters")["article_id"]


def test_entity_filter_keeps_both_and_outlet_filter_keeps_one(api_client: TestClient) -> None:
    assert search(api_client, entity=ZELENSKY)["total"] == 2
    assert search(api_client, entity=ZELENSKY, entity_type="person")["total"] == 2
    assert search(api_client, entity=ZELENSKY, entity_type="place")["total"] == 0
    reuters = search(api_client, entity=ZELENSKY, outlet="Reuters")
    assert reuters["total"] == 1
    assert reuters["hits"][0]["outlet"] == "Reuters"


def test_facets_count_matching_articles(api_client: TestClient) -> None:
    facets = search(api_client, q="Ukraine", facet_size=50)["facets"]
    people = {b["name"]: b["count"] for b in facets["people"]}
    assert people[ZELENSKY] == 2
    assert {b["value"]: b["count"] for b in facets["outlets"]} == {"Reuters": 1}
    assert {b["value"]: b["count"] for b in facets["languages"]} == {"en": 2}
    assert sum(b["count"] for b in facets["dates"]) == 2
    assert {"Kharkiv", "Kyiv"} <= {b["name"] for b in facets["places"]}


def test_entity_facets_pair_each_id_with_its_canonical_name_as_indexed(
    api_client: TestClient, indexed_documents: list[dict[str, Any]]
) -> None:
    facets = search(api_client, facet_size=50)["facets"]
    # What the documents say: each id's canonical name and the originals (collapsed view) mentioning it.
    names: dict[str, set[str]] = {}
    articles: dict[str, set[str]] = {}
    for doc in indexed_documents:
        for entity in doc["entities"]:
            names.setdefault(entity["id"], set()).add(entity["canonical"])
            if not doc.get("near_duplicate_of"):
                articles.setdefault(entity["id"], set()).add(doc["article_id"])
    for field, kind in (("people", "person"), ("organizations", "organization"), ("places", "place")):
        assert facets[field], field
        for bucket in facets[field]:
            assert set(bucket) == {"id", "name", "count"}
            assert bucket["id"].startswith(f"{kind}:"), bucket
            assert bucket["name"] in names[bucket["id"]], bucket
            assert bucket["count"] == len(articles[bucket["id"]]), bucket
        counts = [b["count"] for b in facets[field]]
        assert counts == sorted(counts, reverse=True), field
    assert {"id": ZELENSKY_ID, "name": ZELENSKY, "count": 2} in facets["people"]


def test_facet_size_cuts_each_entity_facet(api_client: TestClient) -> None:
    facets = search(api_client, facet_size=1)["facets"]
    assert [len(facets[field]) for field in ("people", "organizations", "places")] == [1, 1, 1]


def test_entity_id_filter_keeps_articles_mentioning_it_and_combines_with_and(
    api_client: TestClient, indexed_documents: list[dict[str, Any]]
) -> None:
    assert search(api_client, entity=ZELENSKY_ID)["total"] == 2
    assert search(api_client, entity=ZELENSKY_ID, entity_type="person")["total"] == 2
    assert search(api_client, entity=ZELENSKY_ID, expand_duplicates=True)["total"] == 3
    # An id found in one original only, with Zelensky's: AND keeps that one article.
    originals = [d for d in indexed_documents if not d.get("near_duplicate_of")]
    only_in = {
        entity_id: doc["article_id"]
        for doc in originals
        for entity_id in doc["entity_ids"]
        if sum(entity_id in d["entity_ids"] for d in originals) == 1
    }
    entity_id, article_id = sorted(only_in.items())[0]
    both = search(api_client, entity=[ZELENSKY_ID, entity_id])
    assert [h["article_id"] for h in both["hits"]] == [article_id]
    assert entity_id in {e["id"] for e in both["hits"][0]["entities"]}
    # An id and a name filter together: both must hold.
    assert search(api_client, entity=[ZELENSKY_ID, ZELENSKY])["total"] == 2
    assert search(api_client, entity="place:atlantis")["total"] == 0


def test_hits_carry_entity_ids_with_names(api_client: TestClient) -> None:
    reuters = by_outlet(search(api_client, q="HIMARS")["hits"], "Reuters")
    assert {"id": ZELENSKY_ID, "name": ZELENSKY, "type": "person"} in reuters["entities"]
    by_type = {kind: [e["name"] for e in reuters["entities"] if e["type"] == kind] for kind in ("person", "place")}
    assert set(by_type["person"]) == set(reuters["people"])
    assert set(by_type["place"]) == set(reuters["places"])
    order = [e["type"] for e in reuters["entities"]]
    assert order == sorted(order, key=["person", "organization", "place"].index)


@pytest.mark.parametrize(
    ("params", "error", "mentions"),
    [
        ({"entity": "person:Volodymyr Zelensky"}, "invalid entity id", "person:volodymyr-zelensky"),
        ({"entity": "place:kyiv/oblast"}, "invalid entity id", "facets or /entities"),
        ({"entity": ZELENSKY_ID, "entity_type": "place"}, "conflicting filters", "is a person"),
    ],
)
def test_unusable_entity_filters_get_a_400_saying_what_to_change(
    api_client: TestClient, params: dict[str, Any], error: str, mentions: str
) -> None:
    response = api_client.get("/search", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    assert mentions in response.json()["detail"]


def test_cursor_pages_through_every_article_once(api_client: TestClient) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"sort": "newest", "size": 1, "expand_duplicates": True}
    while True:
        page = search(api_client, **params)
        seen += [h["article_id"] for h in page["hits"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 3


def test_next_pages_asked_without_facets_bring_the_same_hits_and_no_facets(api_client: TestClient) -> None:
    first = search(api_client, sort="newest", size=1, expand_duplicates=True)
    assert first["facets"]["people"], "the first page counts the whole match"
    with_facets = search(api_client, sort="newest", size=1, expand_duplicates=True, cursor=first["next_cursor"])
    without = search(
        api_client, sort="newest", size=1, expand_duplicates=True, cursor=first["next_cursor"], facets=False
    )
    assert without["facets"] is None
    assert without["hits"] == with_facets["hits"] and without["next_cursor"] == with_facets["next_cursor"]


def test_a_missing_index_gives_503_saying_to_bootstrap(indexed_corpus: Settings) -> None:
    settings = indexed_corpus.model_copy(update={"index_alias": f"{indexed_corpus.index_alias}-never-made"})
    with TestClient(create_app(settings)) as client:
        answer = client.get("/search", params={"q": "HIMARS"})
    assert answer.status_code == 503
    assert answer.json()["error"] == "index missing"
    assert "newsflow bootstrap" in answer.json()["detail"]


def test_cursor_from_another_query_is_refused(api_client: TestClient) -> None:
    cursor = search(api_client, q="HIMARS", size=1)["next_cursor"]
    response = api_client.get("/search", params={"q": "Kharkiv", "size": 1, "cursor": cursor})
    assert response.status_code == 400
    assert "different query" in response.json()["detail"]
    garbage = api_client.get("/search", params={"cursor": "not-a-cursor!"})
    assert garbage.status_code == 400
    assert garbage.json()["error"] == "invalid cursor"


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"size": 1_000_000}, "size"),
        ({"since": "last tuesday"}, "since"),
        ({"sort": "popularity"}, "sort"),
        ({"entity_type": "animal"}, "entity_type"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "since must not be after until"),
        ({"q": "x" * 501}, "q"),
        ({"pretty": "true"}, "pretty"),
    ],
)
def test_invalid_parameters_get_a_clear_4xx(api_client: TestClient, params: dict[str, Any], mentions: str) -> None:
    response = api_client.get("/search", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid parameter"
    assert mentions in body["detail"]


@pytest.mark.parametrize(
    "q",
    [
        '{"query": {"script": {"script": "System.exit(0)"}}}',
        "title:HIMARS AND _exists_:body",
        "HIMARS~2 /reg.*ex/ [1 TO 5]",
        '"unbalanced quote ((( -',
        "\\",
    ],
)
def test_query_syntax_is_never_an_error(api_client: TestClient, q: str) -> None:
    result = search(api_client, q=q)
    assert result["total"] >= 0


def test_dates_filter_on_received_date(api_client: TestClient) -> None:
    assert search(api_client, since="2000-01-01")["total"] == 2
    assert search(api_client, until="2000-01-01")["total"] == 0


def test_article_view_lists_entities_and_near_duplicates(api_client: TestClient) -> None:
    reuters = by_outlet(search(api_client, q="HIMARS")["hits"], "Reuters")
    view = api_client.get(f"/articles/{reuters['article_id']}").json()
    assert view["title"] == reuters["title"]
    (zelensky,) = [e for e in view["entities"] if e["canonical"] == ZELENSKY]
    assert zelensky["id"] == ZELENSKY_ID
    assert zelensky["type"] == "person"
    assert 0 < zelensky["confidence"] <= 1
    assert zelensky["mentions"] >= 1 and zelensky["surface_forms"]
    assert {e["id"] for e in view["entities"]} == {e["id"] for e in reuters["entities"]}
    (republication,) = view["near_duplicates"]
    assert republication["title"] == REPUBLISHED_TITLE
    assert republication["similarity"] > 0.5
    back = api_client.get(f"/articles/{republication['article_id']}").json()
    assert back["near_duplicate_of"]["article_id"] == reuters["article_id"]


def test_unknown_and_malformed_article_ids(api_client: TestClient) -> None:
    missing = api_client.get("/articles/" + "0" * 32)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not found"
    assert api_client.get("/articles/..%2f..%2fetc").status_code in (404, 422)
    assert api_client.get("/articles/NOT-AN-ID").status_code == 422


def test_entities_autocomplete_by_word_prefix(api_client: TestClient) -> None:
    zelensky = {"id": ZELENSKY_ID, "name": ZELENSKY, "type": "person", "articles": 3}
    for prefix in ("zel", "Volodymyr", "ZELENSKY"):
        found = api_client.get("/entities", params={"prefix": prefix}).json()["entities"]
        assert zelensky in found, (prefix, found)
    places = api_client.get("/entities", params={"prefix": "k", "type": "place"}).json()["entities"]
    assert {"Kharkiv", "Kyiv"} <= {e["name"] for e in places}
    assert all(e["type"] == "place" and e["id"].startswith("place:") for e in places)
    assert api_client.get("/entities", params={"prefix": ".*"}).status_code == 200


def test_entities_ids_match_the_documents_and_filter_search(
    api_client: TestClient, indexed_documents: list[dict[str, Any]]
) -> None:
    found = api_client.get("/entities", params={"prefix": "k", "size": 50}).json()["entities"]
    assert found
    for suggestion in found:
        mentioning = [d for d in indexed_documents if suggestion["id"] in d["entity_ids"]]
        assert suggestion["articles"] == len(mentioning), suggestion
        names = {e["canonical"] for d in mentioning for e in d["entities"] if e["id"] == suggestion["id"]}
        assert suggestion["name"] in names
        assert search(api_client, entity=suggestion["id"], expand_duplicates=True)["total"] == len(mentioning)


def test_entity_view_gathers_names_spellings_and_latest_articles(
    api_client: TestClient, indexed_documents: list[dict[str, Any]]
) -> None:
    response = api_client.get(f"/entities/{ZELENSKY_ID}")
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["id"], view["name"], view["type"]) == (ZELENSKY_ID, ZELENSKY, "person")
    entries = [e for d in indexed_documents for e in d["entities"] if e["id"] == ZELENSKY_ID]
    assert view["articles"] == len(entries) == 3
    assert view["mentions"] == sum(e["mentions"] for e in entries)
    spellings = {form for e in entries for form in e["surface_forms"]}
    assert {f["text"] for f in view["surface_forms"]} == spellings
    articles_per_form = [f["articles"] for f in view["surface_forms"]]
    assert articles_per_form == sorted(articles_per_form, reverse=True)
    latest = view["latest_articles"]
    assert len(latest) == 3 and sum(1 for a in latest if a["near_duplicate_of"]) == 1
    dates = [a["dated_at"] for a in latest]
    assert dates == sorted(dates, reverse=True)
    assert all(a["mentions"] >= 1 for a in latest)
    assert len(api_client.get(f"/entities/{ZELENSKY_ID}", params={"size": 1}).json()["latest_articles"]) == 1


def test_entity_view_404_for_an_unknown_id_and_400_for_a_malformed_one(api_client: TestClient) -> None:
    missing = api_client.get("/entities/place:atlantis")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not found"
    assert "place:atlantis" in missing.json()["detail"]
    for malformed in ("Volodymyr Zelensky", "person:Volodymyr-Zelensky", "animal:cat"):
        response = api_client.get(f"/entities/{malformed}")
        assert response.status_code == 400, (malformed, response.text)
        assert response.json()["error"] == "invalid entity id"
        assert "person:volodymyr-zelensky" in response.json()["detail"]


def test_metrics_count_files_articles_and_index(api_client: TestClient) -> None:
    text = api_client.get("/metrics").text
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert float(lines["newsflow_files_seen_total"]) == 3
    assert float(lines["newsflow_articles_produced_total"]) == 3
    assert float(lines["newsflow_indexed_articles"]) == 3
    assert float(lines["newsflow_indexed_near_duplicates"]) == 1
    assert float(lines["newsflow_kafka_up"]) == 1
    assert {f'newsflow_processing_seconds{{percentile="{p}"}}' for p in (50, 90, 99)} <= set(lines)
    assert any(name.startswith("newsflow_consumer_lag{") for name in lines)


def test_health_reports_consumer_lag(api_client: TestClient) -> None:
    response = api_client.get("/health")
    assert response.status_code == 200
    report = response.json()
    assert report["healthy"] is True
    assert isinstance(report["consumer_lag"], int)


def test_elasticsearch_outage_gives_503_then_the_api_recovers(indexed_corpus: Settings) -> None:
    es = urlparse(indexed_corpus.elasticsearch_url)
    with TcpProxy(es.hostname or "127.0.0.1", es.port or 9200) as proxy:
        settings = indexed_corpus.model_copy(update={"elasticsearch_url": proxy.url})
        with TestClient(create_app(settings)) as client:
            assert search(client, q="HIMARS")["total"] == 2
            proxy.cut()
            down = client.get("/search", params={"q": "HIMARS"})
            assert down.status_code == 503
            assert down.json()["error"] == "search unavailable"
            assert client.get("/health").status_code == 503
            proxy.restore()
            assert search(client, q="HIMARS")["total"] == 2


def test_web_page_is_served_without_external_assets(api_client: TestClient) -> None:
    page = api_client.get("/")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
