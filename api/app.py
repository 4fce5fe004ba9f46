"""The HTTP API: search over the article index, one article, entity autocomplete, health, metrics, the web page."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsflow.api.admin import admin_router
from newsflow.api.alerts_router import alert_routes
from newsflow.api.monitoring import PipelineMonitor
from newsflow.api.service import ApiFailureError, SearchService
from newsflow.api.stories_router import stories_router
from newsflow.infra.health import Health, elasticsearch_health
from newsflow.infra.settings import Settings, get_settings
from newsflow.schemas.articles import EntityType
from newsflow.schemas.search import (
    ENTITY_ID_EXAMPLE,
    MAX_ENTITY_ID_LENGTH,
    ApiError,
    ArticleView,
    EntitySuggestions,
    EntityView,
    SearchParams,
    SearchResponse,
)

log = logging.getLogger("newsflow.api")
WEB_DIR = Path(__file__).resolve().parent / "web"
_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
ARTICLE_ID_PATTERN = r"^[0-9a-f]{16,64}$"
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ApiError,
        "description": "A parameter is unusable (a cursor from another query, a malformed entity id, "
        "filters that contradict each other); `detail` says what to change.",
    },
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


def _error(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse(ApiError(error=error, detail=detail).model_dump(), status_code=status)


def _json(model: BaseModel) -> Response:
    """``model`` as JSON, encoded once by pydantic. Given the model, FastAPI would dump it, validate the dump
    against the response model and encode that: about 5 ms of a 50-hit page's 45 (docs/benchmarks.md,
    "Session 24"). The route's ``response_model`` still documents it."""
    return Response(content=model.model_dump_json(), media_type="application/json")


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for problem in exc.errors():
        loc = [str(p) for p in problem.get("loc", ())]
        if loc[:1] == ["body"]:
            # A body that isn't valid JSON has positions, not field names, after "body".
            where = "body" if len(loc) == 1 or loc[1].isdigit() else ".".join(loc[1:])
        else:
            where = ".".join(p for p in loc if p not in ("query", "path", "header"))
        parts.append(f"{where or 'request'}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: the environment's)."""
    cfg = settings or get_settings()
    service = SearchService(cfg)
    monitor = PipelineMonitor(cfg)
    app = FastAPI(
        title="newsflow",
        version="0.1.0",
        description="Search the news articles that the newsflow pipeline ingested: full text, entities, "
        "outlets and dates, with near-duplicates collapsed onto their original; and the stories that group "
        "every outlet's report of one event.",
    )

    @app.exception_handler(ApiFailureError)
    async def api_failure(_: Request, exc: ApiFailureError) -> JSONResponse:
        if exc.status >= 500:
            log.warning("request failed", extra={"error": exc.error, "detail": exc.detail})
        return _error(exc.status, exc.error, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid parameter", _validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own refusals (unknown route, wrong method, unreadable body) in the same shape.
        try:
            reason = HTTPStatus(exc.status_code).phrase.lower()
        except ValueError:
            reason = "error"
        return _error(exc.status_code, reason, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _error(500, "internal error", f"{exc.__class__.__name__}; see the API's log")

    @app.get("/livez", include_in_schema=False)
    async def livez() -> dict[str, str]:
        """The process answers (used by the stack supervisor; says nothing about dependencies)."""
        return {"status": "ok"}

    @app.get("/search", response_model=SearchResponse, responses=_ERRORS, tags=["search"])
    def search_articles(params: Annotated[SearchParams, Query()]) -> Response:
        """Full-text and faceted search. Without ``q``, every article matches (newest first is useful then)."""
        return _json(service.search(params))

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
        """Autocomplete over canonical entity names: ids, names and types, most mentioned first, with their
        article counts. Filter ``/search`` with ``entity=<id>``."""
        return service.entities(prefix, type, size)

    @app.get(
        "/entities/{entity_id}",
        response_model=EntityView,
        responses={**_ERRORS, 404: {"model": ApiError, "description": "No article mentions this entity."}},
        tags=["search"],
    )
    def get_entity(
        entity_id: Annotated[
            str,
            PathParam(
                min_length=1,
                max_length=MAX_ENTITY_ID_LENGTH,
                description="An id from /entities, a facet or an article's entities.",
                examples=[ENTITY_ID_EXAMPLE],
            ),
        ],
        size: Annotated[int, Query(ge=1, le=50, description="Latest articles to list.")] = 10,
    ) -> EntityView:
        """One entity across the index: canonical name, type, the spellings articles used, how many articles
        mention it, and the newest of them."""
        return service.entity(entity_id, size)

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

    app.include_router(stories_router(service))
    app.include_router(admin_router(cfg))
    app.include_router(alert_routes(cfg, service))
    if cfg.cors_origins:
        # Closed by default: only listed origins may read answers from a browser, and only GETs.
        app.add_middleware(CORSMiddleware, allow_origins=cfg.cors_origins, allow_methods=["GET"])

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.url.path == "/" or request.url.path.startswith("/static/"):
            # The page loads nothing from elsewhere; a CSP makes any injected markup inert.
            response.headers.setdefault("Content-Security-Policy", _PAGE_CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    if WEB_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

        @app.get("/", include_in_schema=False)
        async def web_page() -> FileResponse:
            """The search page (no external assets: it works offline)."""
            return FileResponse(WEB_DIR / "index.html")

    return app
