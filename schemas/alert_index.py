"""The Elasticsearch indices of saved searches, alerts and webhook deliveries (versioned, behind aliases).

The saved-searches index holds each search as a percolator query beside the
articles' own field mapping, which is what its queries are parsed against. So
its version follows the articles index's: a new articles mapping makes a new
saved-searches index, and bootstrap (or ``newsflow reindex``) moves the
searches over, re-parsing every query against the new mapping.
"""

from __future__ import annotations

from typing import Any

from newsflow.schemas.index import INDEX_MAPPING, INDEX_SETTINGS, INDEX_VERSION

SAVED_SEARCH_INDEX_REVISION = 1
ALERT_INDEX_VERSION = 1
DELIVERY_INDEX_VERSION = 1

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}


def saved_search_index_version(articles_version: int = INDEX_VERSION) -> int:
    """The saved-searches index version for an articles mapping version (changes with either)."""
    return articles_version * 100 + SAVED_SEARCH_INDEX_REVISION


SAVED_SEARCH_PROPERTIES: dict[str, Any] = {
    "schema_version": {"type": "integer"},
    "saved_search_id": _KEYWORD,
    "name": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
    "filters": {"type": "object", "enabled": False},
    "notify_duplicates": {"type": "boolean"},
    "webhook": {"type": "object", "enabled": False},
    "created_at": _DATE,
    "updated_at": _DATE,
}

SAVED_SEARCH_INDEX_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        **INDEX_MAPPING["properties"],
        "query": {"type": "percolator"},
        "saved_search": {"properties": SAVED_SEARCH_PROPERTIES},
    },
}

ALERT_INDEX_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "schema_version": {"type": "integer"},
        "alert_id": _KEYWORD,
        "saved_search_id": _KEYWORD,
        "saved_search_name": _KEYWORD,
        "article_id": _KEYWORD,
        "copy_source_id": _KEYWORD,
        "duplicate_of": _KEYWORD,
        "story_id": _KEYWORD,
        "title": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}},
        "outlet": _KEYWORD,
        "dated_at": _DATE,
        "indexed_at": _DATE,
        "alerted_at": _DATE,
    },
}

DELIVERY_INDEX_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "schema_version": {"type": "integer"},
        "alert_id": _KEYWORD,
        "saved_search_id": _KEYWORD,
        "url": _KEYWORD,
        "attempt": {"type": "integer"},
        "outcome": _KEYWORD,
        "status_code": {"type": "integer"},
        "error": {"type": "text"},
        "at": _DATE,
        "duration_ms": {"type": "float"},
    },
}


def versioned_template(alias: str, mapping: dict[str, Any]) -> dict[str, Any]:
    """The legacy index template (ES 7.x ``_template``) matching every version of one alias's indices."""
    return {"index_patterns": [f"{alias}-v*"], "settings": INDEX_SETTINGS, "mappings": mapping}
