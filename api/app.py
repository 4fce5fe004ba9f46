"""The HTTP API: search over the article index, health and metrics."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from newsflow.settings import Settings, get_settings
from stack.health import Health, elasticsearch_health, kafka_health


class ComponentHealth(BaseModel):
    healthy: bool
    detail: str


class HealthReport(BaseModel):
    """Health of the API's dependencies; ``healthy`` only when all are."""

    healthy: bool
    components: dict[str, ComponentHealth] = Field(examples=[{"kafka": {"healthy": True, "detail": "1 broker(s)"}}])


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: the environment's)."""
    cfg = settings or get_settings()
    app = FastAPI(
        title="newsflow",
        version="0.1.0",
        description="Search the news articles that the newsflow pipeline ingested.",
    )

    @app.get("/livez", include_in_schema=False)
    async def livez() -> dict[str, str]:
        """The process answers (used by the stack supervisor; says nothing about dependencies)."""
        return {"status": "ok"}

    @app.get("/health", response_model=HealthReport, responses={503: {"model": HealthReport}})
    async def health() -> JSONResponse:
        """Kafka and Elasticsearch reachability. 503 when either is down."""
        results: tuple[Health, Health] = await asyncio.gather(
            asyncio.to_thread(kafka_health, cfg.kafka_bootstrap_servers),
            asyncio.to_thread(elasticsearch_health, cfg.elasticsearch_url),
        )
        report = HealthReport(
            healthy=all(r.healthy for r in results),
            components={
                name: ComponentHealth(healthy=r.healthy, detail=r.detail)
                for name, r in zip(("kafka", "elasticsearch"), results, strict=True)
            },
        )
        return JSONResponse(report.model_dump(), status_code=200 if report.healthy else 503)

    return app
