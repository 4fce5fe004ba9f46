"""Waiting for, and reading, what the pipeline indexed (shared by the pipeline tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None], timeout_s: float = 120.0, what: str = "condition", interval_s: float = 0.5
) -> T:
    """Poll ``probe`` every ``interval_s`` until it returns something truthy; fail with ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(interval_s)
    pytest.fail(f"timed out after {timeout_s:.0f}s waiting for {what}")


def articles(settings: Settings, **query: Any) -> list[dict[str, Any]]:
    """Indexed articles (documents with a title), optionally filtered by a term query."""
    es = Elasticsearch(settings.elasticsearch_url)
    es.indices.refresh(index=settings.index_alias)
    filters: list[dict[str, Any]] = [{"exists": {"field": "title"}}]
    filters += [{"term": {field: value}} for field, value in query.items()]
    body = {"query": {"bool": {"filter": filters}}, "size": 2000}
    return [hit["_source"] for hit in es.search(index=settings.index_alias, body=body)["hits"]["hits"]]


def stories(settings: Settings) -> dict[str, dict[str, Any]]:
    """Indexed stories by id."""
    es = Elasticsearch(settings.elasticsearch_url)
    alias = settings.stories_index_alias
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, body={"query": {"match_all": {}}, "size": 2000})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


def alerts(settings: Settings) -> list[dict[str, Any]]:
    """Alerts in the alerts index, oldest first."""
    es = Elasticsearch(settings.elasticsearch_url)
    alias = settings.alerts_index_alias
    es.indices.refresh(index=alias)
    body = {"query": {"match_all": {}}, "size": 5000, "sort": [{"alerted_at": "asc"}]}
    return [hit["_source"] for hit in es.search(index=alias, body=body)["hits"]["hits"]]
