"""The HTTP API: search over the article index, one article, entity autocomplete, health, metrics, the web page."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Annotated, Any

from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import Elasticsearch, NotFoundError, TransportError
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from api import articles, search
from api.monitoring import PipelineMonitor
from newsflow.settings import Settings, get_settings
from schemas.articles import EntityType
from schemas.search import ApiError, ArticleView, EntitySuggestions, SearchParams, SearchResponse
from stack.health import Health, elasticsearch_health

log = logging.getLogger("newsflow.api")
WEB_DIR = Path(__file__).resolve().parent / "web"
ARTICLE_ID_PATTERN = r"^[0-9a-f]{16,64}$"
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ApiError, "description": "A parameter is unusable (e.g. a cursor from another query)."},
    422: {"model": ApiError, "description": "A parameter is invalid; `detail` names it."},
    503: {"model": ApiError, "description": "Elasticsearch is unavailable; retry later."},
}


class ComponentHealth(BaseModel):
    healthy: bool
    detail: str


class HealthReport(BaseModel):
    """Health of the API's dependencies; ``healthy`` only when all are."""

    healthy: bool
    components: dict[str, ComponentHealth] = Field(examples=[{"kafka": {"healthy": True, "detail": "1 broker(s)"}}])
    consumer_lag: int | None = Field(
        None, description="Messages the stream processors have yet to read, over all their topics."
    )


class ApiFailureError(Exception):
    """An error answered as an :class:`ApiError` with ``status``."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


def _error(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse(ApiError(error=error, detail=detail).model_dump(), status_code=status)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for problem in exc.errors():
        where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where or 'request'}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts)


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


def _reason(exc: TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    causes = info.get("error", {}).get("root_cause", []) if isinstance(info.get("error"), dict) else []
    return str(causes[0].get("reason")) if causes else str(exc.error)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: the environment's)."""
    cfg = settings or get_settings()
    service = SearchService(cfg)
    monitor = PipelineMonitor(cfg)
    app = FastAPI(
        title="newsflow",
        version="0.1.0",
        description="Search the news articles that the newsflow pipeline ingested: full text, entities, "
        "outlets and dates, with near-duplicates collapsed onto their original.",
    )

    @app.exception_handler(ApiFailureError)
    async def api_failure(_: Request, exc: ApiFailureError) -> JSONResponse:
        if exc.status >= 500:
            log.warning("request failed", extra={"error": exc.error, "detail": exc.detail})
        return _error(exc.status, exc.error, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid parameter", _validation_detail(exc))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _error(500, "internal error", f"{exc.__class__.__name__}; see the API's log")

    @app.get("/livez", include_in_schema=False)
    async def livez() -> dict[str, str]:
        """The process answers (used by the stack supervisor; says nothing about dependencies)."""
        return {"status": "ok"}

    @app.get("/search", response_model=SearchResponse, responses=_ERRORS, tags=["search"])
    def search_articles(params: Annotated[SearchParams, Query()]) -> SearchResponse:
        """Full-text and faceted search. Without ``q``, every article matches (newest first is useful then)."""
        return service.search(params)

    @app.get(
        "/articles/{article_id}",
        response_model=ArticleView,
        responses={**_ERRORS, 404: {"model": ApiError}},
        tags=["search"],
    )
    def get_article(
        article_id: Annotated[str, PathParam(pattern=ARTICLE_ID_PATTERN, description="An id from a search hit.")],
    ) -> ArticleView:
        """The whole article: text, entities, where it came from, its exact copies and near-duplicates."""
        return service.article(article_id)

    @app.get("/entities", response_model=EntitySuggestions, responses=_ERRORS, tags=["search"])
    def suggest_entities(
        prefix: Annotated[
            str,
            Query(min_length=1, max_length=64, description="Start of the name or of a word in it.", examples=["zel"]),
        ],
        type: Annotated[EntityType | None, Query(description="Only entities of this type.")] = None,
        size: Annotated[int, Query(ge=1, le=50, description="Suggestions to return.")] = 10,
    ) -> EntitySuggestions:
        """Autocomplete over canonical entity names, most mentioned first, with their article counts."""
        return service.entities(prefix, type, size)

    @app.get("/health", response_model=HealthReport, responses={503: {"model": HealthReport}}, tags=["operations"])
    async def health() -> JSONResponse:
        """Kafka and Elasticsearch reachability, and the stream processors' consumer lag. 503 when one is down."""
        kafka, elasticsearch = await asyncio.gather(
            asyncio.to_thread(monitor.kafka_health),
            asyncio.to_thread(elasticsearch_health, cfg.elasticsearch_url),
        )
        lag = await asyncio.to_thread(monitor.total_lag) if kafka.healthy else None
        results: dict[str, Health] = {"kafka": kafka, "elasticsearch": elasticsearch}
        report = HealthReport(
            healthy=all(r.healthy for r in results.values()),
            components={name: ComponentHealth(healthy=r.healthy, detail=r.detail) for name, r in results.items()},
            consumer_lag=lag,
        )
        return JSONResponse(report.model_dump(), status_code=200 if report.healthy else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
    )
    def metrics() -> Response:
        """Pipeline figures for Prometheus: files seen, articles produced, duplicates, rejected, indexed,
        consumer lag, processing time."""
        body, content_type = monitor.exposition()
        return Response(body, media_type=content_type)

    if WEB_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

        @app.get("/", include_in_schema=False)
        async def web_page() -> FileResponse:
            """The search page (no external assets: it works offline)."""
            return FileResponse(WEB_DIR / "index.html")

    return app
