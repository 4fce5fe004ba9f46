"""The Elasticsearch index of stories: versioned indices behind one alias, like the articles'.

A test compares :data:`STORY_INDEX_MAPPING` with :class:`StoryDocument`
(``mapping_drift``), so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from newsflow.schemas.index import INDEX_SETTINGS

STORY_INDEX_VERSION = 1

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}

STORY_INDEX_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "schema_version": {"type": "integer"},
        "story_id": _KEYWORD,
        "revision": {"type": "long"},
        "language": _KEYWORD,
        "headline": {
            "type": "text",
            "analyzer": "english",
            "fields": {"keyword": {"type": "keyword", "ignore_above": 512}},
        },
        "headline_article_id": _KEYWORD,
        "first_seen": _DATE,
        "last_seen": _DATE,
        "article_count": {"type": "integer"},
        "outlet_count": {"type": "integer"},
        "outlets": {"type": "nested", "properties": {"name": _KEYWORD, "articles": {"type": "integer"}}},
        "top_entities": {
            "type": "nested",
            "properties": {"id": _KEYWORD, "name": _KEYWORD, "type": _KEYWORD, "articles": {"type": "integer"}},
        },
        "updated_at": _DATE,
    },
}


def story_template_body(alias: str) -> dict[str, Any]:
    """The legacy index template (ES 7.x ``_template``) matching every version of the stories index."""
    return {"index_patterns": [f"{alias}-v*"], "settings": INDEX_SETTINGS, "mappings": STORY_INDEX_MAPPING}
