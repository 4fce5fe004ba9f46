"""Stories through the API, on what the real pipeline made of both samples and a republication.

The story stage puts the three articles in one story (the samples report the
same events); the Reuters sample is the only one with an outlet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from tests.integration.corpus import REPUBLISHED_TITLE
from tests.integration.index_queries import articles, wait_for

ZELENSKY_ID = "person:volodymyr-zelensky"


def wait_for_stories(settings: Settings) -> Settings:
    """Wait until every article has its story and the stories index holds each story with all its articles.

    ``indexed_corpus`` waits for the articles; the story stage writes the stories index apart from them.
    """

    def settled() -> bool:
        docs = articles(settings)
        if not docs or not all(d.get("story_id") for d in docs):
            return False
        es = Elasticsearch(settings.elasticsearch_url)
        es.indices.refresh(index=settings.stories_index_alias)
        stories = es.search(index=settings.stories_index_alias, body={"size": 100})["hits"]["hits"]
        counts = {s["_source"]["story_id"]: s["_source"]["article_count"] for s in stories}
        expected: dict[str, int] = {}
        for doc in docs:
            expected[doc["story_id"]] = expected.get(doc["story_id"], 0) + 1
        return counts == expected

    wait_for(settled, what="every article's story in the stories index")
    return settings


@pytest.fixture(scope="module")
def storied_corpus(indexed_corpus: Settings) -> Settings:
    """The sandbox once every article has its story and the stories index holds each story at its latest."""
    return wait_for_stories(indexed_corpus)


@pytest.fixture(scope="module")
def api_client(storied_corpus: Settings) -> Iterator[TestClient]:
    """An HTTP client of the API, reading the sandbox indices."""
    with TestClient(create_app(storied_corpus)) as client:
        yield client


def samples_story(settings: Settings) -> str:
    """The one story of the samples and the republication, once the stories index has it.

    The samples report the same events, so the story stage is meant to put all three articles in one
    story; this fails, saying so, when it does not (the tests below would be meaningless then).
    """
    wait_for_stories(settings)
    ids = {doc["story_id"] for doc in articles(settings)}
    stories = {
        doc["story_id"]: sorted(
            str(d.get("outlet")) + ":" + d["article_id"][:8] for d in articles(settings, story_id=doc["story_id"])
        )
        for doc in articles(settings)
    }
    assert len(ids) == 1, f"the samples and the republication are in {len(ids)} stories, not one: {stories}"
    (only,) = ids
    return str(only)


@pytest.fixture(scope="module")
def story_id(storied_corpus: Settings) -> str:
    """The samples' story (all three articles share it: the stage's threshold is tuned for that)."""
    return samples_story(storied_corpus)


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_stories_lists_the_samples_story_with_its_outlets_and_entities(api_client: TestClient, story_id: str) -> None:
    page = get(api_client, "/stories")
    assert page["total"] == 1
    (story,) = page["stories"]
    assert story["story_id"] == story_id
    assert story["article_count"] == 3
    # The other sample and the republication name no outlet: they count for none.
    assert story["outlet_count"] == 1
    assert story["outlets"] == [{"name": "Reuters", "articles": 1}]
    assert ZELENSKY_ID in {e["id"] for e in story["top_entities"]}
    assert story["first_seen"] <= story["last_seen"]
    assert story["headline"]
    assert story["matching_articles"] is None


def test_words_find_stories_through_their_articles(api_client: TestClient, story_id: str) -> None:
    himars = get(api_client, "/stories", q="HIMARS")
    assert [s["story_id"] for s in himars["stories"]] == [story_id]
    assert himars["stories"][0]["matching_articles"] == 3
    # "Lozova" is only in the second sample: the story is found through it.
    lozova = get(api_client, "/stories", q="Lozova")
    assert [(s["story_id"], s["matching_articles"]) for s in lozova["stories"]] == [(story_id, 1)]
    assert get(api_client, "/stories", q="cricket")["total"] == 0


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"entity": ZELENSKY_ID}, 1),
        ({"entity": "Volodymyr Zelensky"}, 1),
        ({"entity": "place:atlantis"}, 0),
        ({"outlet": "Reuters"}, 1),
        ({"outlet": "BBC"}, 0),
        ({"language": "en"}, 1),
        ({"language": "fr"}, 0),
        ({"since": "2000-01-01"}, 1),
        ({"until": "2000-01-01"}, 0),
        ({"min_articles": 3}, 1),
        ({"min_articles": 4}, 0),
    ],
)
def test_filters(api_client: TestClient, params: dict[str, Any], found: int) -> None:
    assert get(api_client, "/stories", **params)["total"] == found


def test_story_view_lists_its_articles_in_time_order(api_client: TestClient, story_id: str) -> None:
    view = get(api_client, f"/stories/{story_id}")
    assert view["story_id"] == story_id
    assert view["articles_total"] == view["article_count"] == 3
    listed = view["articles"]
    assert len(listed) == 3
    dates = [a["dated_at"] for a in listed]
    assert dates == sorted(dates)
    assert {a["outlet"] for a in listed} == {"Reuters", None}
    (republication,) = [a for a in listed if a["near_duplicate_of"]]
    assert republication["title"] == REPUBLISHED_TITLE
    assert republication["near_duplicate_of"] in {a["article_id"] for a in listed}
    assert view["outlets"] == [{"name": "Reuters", "articles": 1}]
    assert len(get(api_client, f"/stories/{story_id}", size=1)["articles"]) == 1


def test_unknown_story_is_404_and_a_malformed_id_400(api_client: TestClient) -> None:
    missing = api_client.get("/stories/st-" + "0" * 24)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not found"
    for malformed in ("st-XYZ", "st-" + "0" * 23, "fa062ddd7dc638dc2f60db7bcd1f93bf", "st-" + "A" * 24):
        response = api_client.get(f"/stories/{malformed}")
        assert response.status_code == 400, (malformed, response.text)
        assert response.json()["error"] == "invalid story id"
        assert "st-" in response.json()["detail"]


def test_stories_refuse_bad_cursors_and_parameters(api_client: TestClient) -> None:
    garbage = api_client.get("/stories", params={"cursor": "nope"})
    assert garbage.status_code == 400
    assert garbage.json()["error"] == "invalid cursor"
    other = get(api_client, "/search", size=1)["next_cursor"]
    assert api_client.get("/stories", params={"cursor": other}).status_code == 400
    for params, mentions in [
        ({"sort": "oldest"}, "sort"),
        ({"min_articles": 0}, "min_articles"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "since must not be after until"),
        ({"group": "story"}, "group"),
    ]:
        response = api_client.get("/stories", params=params)
        assert response.status_code == 422, params
        assert mentions in response.json()["detail"]
    bad_id = api_client.get("/stories", params={"entity": "person:Volodymyr Zelensky"})
    assert bad_id.status_code == 400
    assert bad_id.json()["error"] == "invalid entity id"


def test_group_by_story_gives_one_hit_per_story_with_its_counts(api_client: TestClient, story_id: str) -> None:
    plain = get(api_client, "/search", q="Ukraine")
    assert len(plain["hits"]) == 2 and plain["total_stories"] is None
    assert all(h["story_id"] == story_id and h["story"] is None for h in plain["hits"])
    grouped = get(api_client, "/search", q="Ukraine", group="story")
    (hit,) = grouped["hits"]
    # total still counts matching articles (originals); total_stories counts the groups.
    assert grouped["total"] == 2
    assert grouped["total_stories"] == 1
    # Without facets, the story count comes with the hits.
    assert get(api_client, "/search", q="Ukraine", group="story", facets=False)["total_stories"] == 1
    assert hit["story"] == {
        "id": story_id,
        "article_count": 3,
        "outlet_count": 1,
        "other_reports": 2,
        "matching_articles": 2,
    }
    # The representative is the best matching original, its republication still counted on it.
    assert hit["near_duplicate_of"] is None
    assert hit["near_duplicate_count"] == (1 if hit["outlet"] == "Reuters" else 0)
    assert grouped["facets"]["languages"] == [{"value": "en", "count": 2}]
    assert grouped["next_cursor"] is None


def test_group_by_story_with_expanded_duplicates_counts_republications_as_matches(api_client: TestClient) -> None:
    grouped = get(api_client, "/search", q="HIMARS", group="story", expand_duplicates=True)
    (hit,) = grouped["hits"]
    assert grouped["total"] == 3
    assert hit["story"]["matching_articles"] == 3


def test_grouped_pages_go_by_offset_and_their_cursor_fits_only_them(api_client: TestClient) -> None:
    first = get(api_client, "/search", group="story", size=1, sort="newest")
    assert len(first["hits"]) == 1
    # A single story: the page is full, so a cursor is given, and the next page is empty.
    assert first["next_cursor"] is not None
    second = get(api_client, "/search", group="story", size=1, sort="newest", cursor=first["next_cursor"])
    assert second["hits"] == [] and second["next_cursor"] is None
    mixed = api_client.get("/search", params={"size": 1, "sort": "newest", "cursor": first["next_cursor"]})
    assert mixed.status_code == 400
    assert mixed.json()["error"] == "invalid cursor"


def test_stories_page_and_sort(api_client: TestClient, storied_corpus: Settings, story_id: str) -> None:
    # A second story, written straight into the stories index, with more articles and an older last article.
    es = Elasticsearch(storied_corpus.elasticsearch_url)
    other_id = "st-" + "a" * 24
    other: dict[str, Any] = {
        "schema_version": 1,
        "story_id": other_id,
        "revision": 1,
        "language": "en",
        "headline": "Budget vote delayed",
        "headline_article_id": "a" * 32,
        "first_seen": "2001-01-01T00:00:00Z",
        "last_seen": "2001-01-02T00:00:00Z",
        "article_count": 7,
        "outlet_count": 2,
        "outlets": [{"name": "BBC", "articles": 5}, {"name": "AP", "articles": 2}],
        "top_entities": [],
        "updated_at": "2001-01-02T00:00:00Z",
    }
    es.index(index=storied_corpus.stories_index_alias, id=other_id, document=other, refresh=True)
    try:
        latest = [s["story_id"] for s in get(api_client, "/stories", sort="latest")["stories"]]
        assert latest == [story_id, other_id]
        largest = [s["story_id"] for s in get(api_client, "/stories", sort="size")["stories"]]
        assert largest == [other_id, story_id]
        assert get(api_client, "/stories", outlet="BBC")["total"] == 1
        assert get(api_client, "/stories", until="2001-01-31")["stories"][0]["story_id"] == other_id
        seen: list[str] = []
        params: dict[str, Any] = {"sort": "size", "size": 1}
        while True:
            page = get(api_client, "/stories", **params)
            assert page["total"] == 2
            seen += [s["story_id"] for s in page["stories"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == largest
    finally:
        es.delete(index=storied_corpus.stories_index_alias, id=other_id, refresh=True)
