"""The searches behind the API's endpoints (and ``newsflow search``), with failures as :class:`ApiFailureError`."""

from __future__ import annotations

import time
from typing import Any

from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import Elasticsearch, NotFoundError, TransportError

from newsflow.api import articles, search, stories
from newsflow.infra.settings import Settings
from newsflow.schemas.articles import EntityType
from newsflow.schemas.search import (
    ENTITY_ID_EXAMPLE,
    ArticleView,
    EntitySuggestions,
    EntityView,
    SearchGroup,
    SearchParams,
    SearchResponse,
    StoriesParams,
    StoriesResponse,
    StoryView,
)


class ApiFailureError(Exception):
    """An error answered as an :class:`ApiError` with ``status``."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


class SearchService:
    """Elasticsearch calls behind the endpoints, turning its failures into :class:`ApiFailureError`."""

    def __init__(self, settings: Settings) -> None:
        self.alias = settings.index_alias
        self.stories_alias = settings.stories_index_alias
        self.url = settings.elasticsearch_url
        # Short timeout and no client retries: the caller gets a 503 quickly and retries itself.
        self.es = Elasticsearch(settings.elasticsearch_url, timeout=10, max_retries=0)

    def call(self, method: str, index: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """``method`` of the Elasticsearch client on ``index`` (default: the articles alias)."""
        index = index or self.alias
        try:
            result: dict[str, Any] = getattr(self.es, method)(index=index, **kwargs)
            return result
        except TransportError as exc:
            failure = self._failure(exc, index)
            if failure is exc:
                raise
            raise failure from exc

    def multi_search(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The answers to ``bodies`` on the articles alias, searched side by side in one ``_msearch``; an
        answer that is an error fails the whole call as :meth:`call` would have."""
        answers: list[dict[str, Any]] = self.call("msearch", body=search.msearch_lines(bodies))["responses"]
        for answer in answers:
            if "error" in answer:
                status = answer.get("status", 500)
                error = answer["error"]
                kind = error.get("type", "error") if isinstance(error, dict) else str(error)
                # As the client raises for a failed single search, so that both fail the same way.
                raise self._failure(
                    (NotFoundError if status == 404 else TransportError)(status, kind, {"error": error}), self.alias
                )
        return answers

    def _failure(self, exc: TransportError, index: str) -> Exception:
        """What a failed Elasticsearch call means to the API's caller (``exc`` itself when it is not theirs
        to act on: a 500)."""
        if isinstance(exc, NotFoundError):
            if exc.error == "index_not_found_exception":
                return ApiFailureError(
                    503, "index missing", f"no index {index!r} yet; run `newsflow bootstrap` (make up does)"
                )
            return exc
        if isinstance(exc, EsConnectionError):
            return ApiFailureError(
                503, "search unavailable", f"Elasticsearch at {self.url} did not answer; retry shortly"
            )
        status = exc.status_code if isinstance(exc.status_code, int) else 503
        if status == 400:
            return ApiFailureError(400, "query refused", f"Elasticsearch refused the query: {_reason(exc)}")
        if status in (429, 502, 503, 504):
            return ApiFailureError(503, "search unavailable", f"Elasticsearch is overloaded ({status}); retry shortly")
        return exc

    def search(self, params: SearchParams) -> SearchResponse:
        started = time.monotonic()
        try:
            bodies = [search.hits_body(params)]
            facets_body = search.facets_body(params)
        except search.InvalidCursorError as exc:
            raise ApiFailureError(400, "invalid cursor", str(exc)) from exc
        except search.InvalidEntityIdError as exc:
            raise ApiFailureError(400, "invalid entity id", f"entity: {exc}") from exc
        except search.ConflictingFiltersError as exc:
            raise ApiFailureError(400, "conflicting filters", str(exc)) from exc
        if facets_body is not None:
            bodies.append(facets_body)
        response, *facets_response = self.multi_search(bodies)
        # What the hits need counted (their republications; grouped, their stories' reports): one more
        # _msearch, after the hits because it names them.
        ids = [hit["_source"]["article_id"] for hit in response["hits"]["hits"]]
        story_ids = [h["_source"]["story_id"] for h in response["hits"]["hits"] if h["_source"].get("story_id")]
        count_republications = bool(ids) and not params.expand_duplicates
        count_stories = params.group is SearchGroup.STORY and bool(story_ids)
        follow_up = [search.near_duplicate_counts_body(ids)] if count_republications else []
        if count_stories:
            follow_up.append(search.story_counts_body(params, story_ids))
        answers = self.multi_search(follow_up) if follow_up else []
        counts: dict[str, int] = {}
        if count_republications:
            counts = {b["key"]: b["doc_count"] for b in answers[0]["aggregations"]["originals"]["buckets"]}
        story_counts = search.parse_story_counts(answers[-1]) if count_stories else None
        took_ms = int((time.monotonic() - started) * 1000)
        facets = facets_response[0] if facets_response else None
        return search.parse_response(params, response, facets, counts, took_ms=took_ms, stories=story_counts)

    def stories(self, params: StoriesParams) -> StoriesResponse:
        """A page of stories (``GET /stories``)."""
        started = time.monotonic()
        try:
            # Refuse a bad cursor or entity id before asking anything of Elasticsearch.
            body = stories.stories_body(params, None)
        except search.InvalidCursorError as exc:
            raise ApiFailureError(400, "invalid cursor", str(exc)) from exc
        except search.InvalidEntityIdError as exc:
            raise ApiFailureError(400, "invalid entity id", f"entity: {exc}") from exc
        matching = None
        words = params.q.strip() if params.q else ""
        if words:
            matching = stories.parse_matching_stories(self.call("search", body=stories.matching_stories_body(words)))
            body = stories.stories_body(params, matching)
        response = self.call("search", index=self.stories_alias, body=body)
        return stories.parse_stories(params, response, matching, int((time.monotonic() - started) * 1000))

    def story(self, story_id: str, size: int) -> StoryView:
        """One story and its first ``size`` articles, oldest first (``GET /stories/{id}``)."""
        try:
            stories.check_story_id(story_id)
        except stories.InvalidStoryIdError as exc:
            raise ApiFailureError(400, "invalid story id", str(exc)) from exc
        found = self.call("search", index=self.stories_alias, body=stories.story_body(story_id))["hits"]["hits"]
        if not found:
            raise ApiFailureError(
                404, "not found", f"no story {story_id!r}; ids come from /stories or /search?group=story"
            )
        listed = self.call("search", body=stories.story_articles_body(story_id, size))
        return stories.story_view(found[0]["_source"], listed)

    def article(self, article_id: str) -> ArticleView:
        found = self.call(
            "search",
            body={
                "size": 1,
                "query": {"bool": {"filter": [{"term": {"article_id": article_id}}, {"exists": {"field": "title"}}]}},
            },
        )["hits"]["hits"]
        if not found:
            raise ApiFailureError(404, "not found", f"no article {article_id!r}; ids come from /search hits")
        source = found[0]["_source"]
        original = None
        if source.get("near_duplicate_of"):
            hits = self.call("search", body={"size": 1, "query": {"term": {"article_id": source["near_duplicate_of"]}}})
            original = hits["hits"]["hits"][0]["_source"] if hits["hits"]["hits"] else None
            if original is not None and "title" not in original:
                original = None
        republications = [
            h["_source"] for h in self.call("search", body=articles.related_body(article_id))["hits"]["hits"]
        ]
        return articles.article_view(source, original, republications)

    def entities(self, prefix: str, entity_type: EntityType | None, size: int) -> EntitySuggestions:
        return articles.parse_entities(self.call("search", body=articles.entities_body(prefix, entity_type, size)))

    def entity(self, entity_id: str, latest: int) -> EntityView:
        try:
            shaped = search.entity_id_type(entity_id) is not None
        except search.InvalidEntityIdError as exc:
            raise ApiFailureError(400, "invalid entity id", str(exc)) from exc
        if not shaped:
            raise ApiFailureError(
                400,
                "invalid entity id",
                f"{entity_id[:80]!r} is not an entity id: ids start with person:, organization: or place:, e.g. "
                f"{ENTITY_ID_EXAMPLE!r}; /entities?prefix= finds them by name",
            )
        view = articles.parse_entity(entity_id, self.call("search", body=articles.entity_body(entity_id, latest)))
        if view is None:
            raise ApiFailureError(
                404, "not found", f"no article mentions {entity_id!r}; ids come from /entities or the facets of /search"
            )
        return view


def _reason(exc: TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    causes = info.get("error", {}).get("root_cause", []) if isinstance(info.get("error"), dict) else []
    return str(causes[0].get("reason")) if causes else str(exc.error)
