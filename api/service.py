"""The searches behind the API's endpoints (and ``newsflow search``), with failures as :class:`ApiFailureError`."""

from __future__ import annotations

import time
from typing import Any

from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import Elasticsearch, NotFoundError, TransportError

from newsflow.api import articles, search
from newsflow.infra.settings import Settings
from newsflow.schemas.articles import EntityType
from newsflow.schemas.search import (
    ENTITY_ID_EXAMPLE,
    ArticleView,
    EntitySuggestions,
    EntityView,
    SearchParams,
    SearchResponse,
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
        self.url = settings.elasticsearch_url
        # Short timeout and no client retries: the caller gets a 503 quickly and retries itself.
        self.es = Elasticsearch(settings.elasticsearch_url, timeout=10, max_retries=0)

    def call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = getattr(self.es, method)(index=self.alias, **kwargs)
            return result
        except NotFoundError as exc:
            if exc.error == "index_not_found_exception":
                raise ApiFailureError(
                    503, "index missing", f"no index {self.alias!r} yet; run `newsflow bootstrap` (make up does)"
                ) from exc
            raise
        except EsConnectionError as exc:
            raise ApiFailureError(
                503, "search unavailable", f"Elasticsearch at {self.url} did not answer; retry shortly"
            ) from exc
        except TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 503
            if status == 400:
                raise ApiFailureError(400, "query refused", f"Elasticsearch refused the query: {_reason(exc)}") from exc
            if status in (429, 502, 503, 504):
                raise ApiFailureError(
                    503, "search unavailable", f"Elasticsearch is overloaded ({status}); retry shortly"
                ) from exc
            raise

    def search(self, params: SearchParams) -> SearchResponse:
        started = time.monotonic()
        try:
            body = search.request_body(params)
        except search.InvalidCursorError as exc:
            raise ApiFailureError(400, "invalid cursor", str(exc)) from exc
        except search.InvalidEntityIdError as exc:
            raise ApiFailureError(400, "invalid entity id", f"entity: {exc}") from exc
        except search.ConflictingFiltersError as exc:
            raise ApiFailureError(400, "conflicting filters", str(exc)) from exc
        response = self.call("search", body=body)
        counts: dict[str, int] = {}
        ids = [hit["_source"]["article_id"] for hit in response["hits"]["hits"]]
        if ids and not params.expand_duplicates:
            agg = self.call("search", body=search.near_duplicate_counts_body(ids))
            counts = {b["key"]: b["doc_count"] for b in agg["aggregations"]["originals"]["buckets"]}
        return search.parse_response(params, response, counts, int((time.monotonic() - started) * 1000))

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
