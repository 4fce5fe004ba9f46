"""Saved searches written straight into a sandbox's saved-searches index (for the stream's tests).

The API stores them the same way (api/saved_searches.py); the stream's tests do
not need the API running, only the documents the percolator reads.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from newsflow.api.search import filters, words_clause
from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import SavedSearch, SavedSearchRequest


def save_search(settings: Settings, request: SavedSearchRequest) -> str:
    """Store ``request`` as a percolator query in ``settings``' saved-searches index; return its id."""
    now = datetime.now(UTC)
    search = SavedSearch(
        saved_search_id=secrets.token_hex(8),
        name=request.name,
        filters=request.filters(),
        notify_duplicates=request.notify_duplicates,
        created_at=now,
        updated_at=now,
    )
    must: list[dict[str, Any]] = [words_clause(request.q)] if request.q else [{"match_all": {}}]
    query = {"bool": {"must": must, "filter": filters(request.filters())}}
    es = Elasticsearch(settings.elasticsearch_url)
    document = {"saved_search": search.model_dump(mode="json"), "query": query}
    es.index(
        index=settings.saved_searches_index_alias, id=search.saved_search_id, document=document, refresh="wait_for"
    )
    return search.saved_search_id
