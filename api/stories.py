"""``GET /stories`` and ``GET /stories/{id}``: the story stage's stories, and one story's articles in time order.

Stories are read from the stories index (one document per story, written by
the story stage); a story's articles from the articles index, by ``story_id``.
Words (``q``) are matched against articles, not only headlines: a first,
size-0 request collects the stories with a matching article (and how many
match), the stories request then keeps those. A headline is one of its
articles' titles, so a story whose headline matches is found this way too.
"""

from __future__ import annotations

import re
from typing import Any

from newsflow.api.search import date_range, decode_after, encode_cursor, entity_id_type, words_clause
from newsflow.schemas.search import (
    STORY_ID_EXAMPLE,
    STORY_ID_PATTERN,
    StoriesParams,
    StoriesResponse,
    StoryArticle,
    StorySort,
    StorySummary,
    StoryView,
)

# Stories kept from the words' matches (those with the most matching articles): a terms query stays cheap.
MAX_MATCHED_STORIES = 10_000
_SORTS: dict[StorySort, list[dict[str, Any]]] = {
    StorySort.LATEST: [{"last_seen": "desc"}, {"story_id": "asc"}],
    StorySort.SIZE: [{"article_count": "desc"}, {"last_seen": "desc"}, {"story_id": "asc"}],
}
_STORY_FIELDS = [
    "story_id",
    "headline",
    "headline_article_id",
    "language",
    "first_seen",
    "last_seen",
    "article_count",
    "outlet_count",
    "outlets",
    "top_entities",
]
_ARTICLE_FIELDS = ["article_id", "title", "outlet", "url", "published_at", "dated_at", "near_duplicate_of"]
_STORY_ID = re.compile(STORY_ID_PATTERN)


class InvalidStoryIdError(ValueError):
    """A value that is not a story id."""


def check_story_id(value: str) -> str:
    """``value`` if it has the form of a story id; raises :class:`InvalidStoryIdError` saying the form."""
    if not _STORY_ID.fullmatch(value):
        raise InvalidStoryIdError(
            f"{value[:80]!r} is not a story id: ids are 'st-' and 24 lower-case hex digits, e.g. "
            f"{STORY_ID_EXAMPLE!r}; take them from /stories or a /search?group=story hit"
        )
    return value


def _nested(path: str, clause: dict[str, Any]) -> dict[str, Any]:
    return {"nested": {"path": path, "query": clause}}


def filters(params: StoriesParams) -> list[dict[str, Any]]:
    """The stories index's clauses for the filters of ``params``.

    Raises :class:`~newsflow.api.search.InvalidEntityIdError` for a value that starts like an id but is not one.
    """
    clauses: list[dict[str, Any]] = []
    for value in params.entity:
        field = "top_entities.id" if entity_id_type(value) is not None else "top_entities.name"
        clauses.append(_nested("top_entities", {"term": {field: value}}))
    if params.outlet:
        clauses.append(_nested("outlets", {"terms": {"outlets.name": params.outlet}}))
    if params.language:
        clauses.append({"terms": {"language": params.language}})
    if (dates := date_range("last_seen", params.since, params.until)) is not None:
        clauses.append(dates)
    if params.min_articles > 1:
        clauses.append({"range": {"article_count": {"gte": params.min_articles}}})
    return clauses


def matching_stories_body(q: str) -> dict[str, Any]:
    """A size-0 search of the articles index: the stories with an article matching ``q``, and how many match."""
    return {
        "size": 0,
        "query": {
            "bool": {
                "must": [words_clause(q)],
                "filter": [{"exists": {"field": "title"}}, {"exists": {"field": "story_id"}}],
            }
        },
        "aggs": {"stories": {"terms": {"field": "story_id", "size": MAX_MATCHED_STORIES}}},
    }


def parse_matching_stories(response: dict[str, Any]) -> dict[str, int]:
    """Story id -> matching articles, from the answer to :func:`matching_stories_body`."""
    return {b["key"]: b["doc_count"] for b in response["aggregations"]["stories"]["buckets"]}


def stories_body(params: StoriesParams, matching: dict[str, int] | None) -> dict[str, Any]:
    """The stories index's search for one page; ``matching`` (with ``q``) are the stories to keep.

    Raises :class:`InvalidEntityIdError` for an entity filter that starts like an id but is not one, and
    :class:`~newsflow.api.search.InvalidCursorError` for a cursor not issued for this query.
    """
    clauses = filters(params)
    if matching is not None:
        clauses.append({"terms": {"story_id": sorted(matching)}})
    body: dict[str, Any] = {
        "query": {"bool": {"filter": clauses}},
        "size": params.size,
        "sort": _SORTS[params.sort],
        "track_total_hits": True,
        "_source": _STORY_FIELDS,
    }
    after = decode_after(params, params.cursor, len(_SORTS[params.sort]))
    if after is not None:
        body["search_after"] = after
    return body


def summary(source: dict[str, Any], matching: dict[str, int] | None) -> StorySummary:
    """A story document as the API lists it."""
    fields = {name: source[name] for name in _STORY_FIELDS if name in source}
    count = None if matching is None else matching.get(source["story_id"], 0)
    return StorySummary.model_validate({**fields, "matching_articles": count})


def parse_stories(
    params: StoriesParams, response: dict[str, Any], matching: dict[str, int] | None, took_ms: int
) -> StoriesResponse:
    """The API's page of stories from Elasticsearch's answer."""
    raw = response["hits"]["hits"]
    last_page = len(raw) < params.size
    return StoriesResponse(
        total=response["hits"]["total"]["value"],
        stories=[summary(hit["_source"], matching) for hit in raw],
        next_cursor=None if last_page or not raw else encode_cursor(params, raw[-1]["sort"]),
        took_ms=took_ms,
    )


def story_body(story_id: str) -> dict[str, Any]:
    """The stories index's search for one story."""
    return {"size": 1, "_source": _STORY_FIELDS, "query": {"term": {"story_id": story_id}}}


def story_articles_body(story_id: str, size: int) -> dict[str, Any]:
    """The articles index's search for a story's articles, oldest first (ties by id, so the order is stable)."""
    return {
        "size": size,
        "_source": _ARTICLE_FIELDS,
        "track_total_hits": True,
        "query": {"bool": {"filter": [{"term": {"story_id": story_id}}, {"exists": {"field": "title"}}]}},
        "sort": [{"dated_at": "asc"}, {"article_id": "asc"}],
    }


def story_view(story: dict[str, Any], articles: dict[str, Any]) -> StoryView:
    """The API's view of a story from its document and the answer to :func:`story_articles_body`."""
    listed = [
        StoryArticle.model_validate({name: hit["_source"].get(name) for name in _ARTICLE_FIELDS})
        for hit in articles["hits"]["hits"]
    ]
    return StoryView.model_validate(
        {
            **summary(story, None).model_dump(),
            "articles_total": articles["hits"]["total"]["value"],
            "articles": listed,
        }
    )
