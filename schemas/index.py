"""The Elasticsearch index of articles: versioned indices behind one alias.

The mapping is written out here, field by field, and :func:`mapping_drift`
compares it with :class:`ArticleDocument`; a test fails on any difference, so
the index and the model cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from newsflow.schemas.articles import ArticleDocument

# 3: term vectors on body, for the fast vector highlighter. 2 named stored offsets for a few commits of
# session 23 and is skipped, so that a version names one mapping wherever an index of it was made.
INDEX_VERSION = 3

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
# English analysis for recall (stemming, stop words), an ``exact`` sub-field for quoted phrases.
_ENGLISH_TEXT: dict[str, Any] = {
    "type": "text",
    "analyzer": "english",
    "fields": {"exact": {"type": "text", "analyzer": "standard"}},
}

_SOURCE_PROPERTIES: dict[str, Any] = {
    "path": _KEYWORD,
    "file_sha256": _KEYWORD,
    "format": _KEYWORD,
    "record_index": {"type": "integer"},
    "received_at": _DATE,
}

INDEX_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "schema_version": {"type": "integer"},
        "article_id": _KEYWORD,
        "title": {
            **_ENGLISH_TEXT,
            "fields": {**_ENGLISH_TEXT["fields"], "keyword": {"type": "keyword", "ignore_above": 512}},
        },
        # Term vectors let the fast vector highlighter cut snippets without analysing the text again: it
        # halves the time of a 50-hit page at 100 000 articles, for about a quarter more index on disk
        # (docs/benchmarks.md, "Session 28").
        "body": {**_ENGLISH_TEXT, "term_vector": "with_positions_offsets"},
        "outlet": _KEYWORD,
        "url": {"type": "keyword", "index": False},
        "published_at": _DATE,
        "ingested_at": _DATE,
        "dated_at": _DATE,
        "date_note": {"type": "keyword", "index": False},
        "language": _KEYWORD,
        "word_count": {"type": "integer"},
        "entities": {
            "type": "nested",
            "properties": {
                "id": _KEYWORD,
                "type": _KEYWORD,
                "canonical": _KEYWORD,
                "surface_forms": _KEYWORD,
                "mentions": {"type": "integer"},
                "confidence": {"type": "float"},
            },
        },
        "entity_ids": _KEYWORD,
        "people": _KEYWORD,
        "organizations": _KEYWORD,
        "places": _KEYWORD,
        "facet_people": _KEYWORD,
        "facet_organizations": _KEYWORD,
        "facet_places": _KEYWORD,
        "source": {"properties": _SOURCE_PROPERTIES},
        "copies": {
            "properties": {
                "source_id": _KEYWORD,
                "path": _KEYWORD,
                "format": _KEYWORD,
                "outlet": _KEYWORD,
                "received_at": _DATE,
            }
        },
        "copy_count": {"type": "integer"},
        "near_duplicate_of": _KEYWORD,
        "near_duplicate_similarity": {"type": "float"},
        "dedup_group": _KEYWORD,
        "story_id": _KEYWORD,
    },
}

INDEX_SETTINGS: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}


def index_name(alias: str, version: int = INDEX_VERSION) -> str:
    """The concrete index behind ``alias`` for a mapping version, e.g. ``newsflow-articles-v1``."""
    return f"{alias}-v{version}"


def template_body(alias: str) -> dict[str, Any]:
    """The legacy index template (ES 7.x ``_template``) matching every version of the index."""
    return {
        "index_patterns": [f"{alias}-v*"],
        "settings": INDEX_SETTINGS,
        "mappings": INDEX_MAPPING,
    }


def _model_fields(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """Field name -> nested model (or None for scalars and lists of scalars)."""
    out: dict[str, type[BaseModel] | None] = {}
    for name, info in model.model_fields.items():
        nested = None
        candidates = [info.annotation, *getattr(info.annotation, "__args__", ())]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                nested = candidate
        out[name] = nested
    return out


def mapping_drift(model: type[BaseModel] = ArticleDocument, properties: dict[str, Any] | None = None) -> list[str]:
    """Differences between a model and the mapping, as readable lines (empty when they agree)."""
    props = INDEX_MAPPING["properties"] if properties is None else properties
    fields = _model_fields(model)
    problems = [f"{model.__name__}.{name} has no mapping" for name in fields if name not in props]
    problems += [f"mapping field {name!r} is not in {model.__name__}" for name in props if name not in fields]
    for name, nested in fields.items():
        if nested is not None and name in props:
            problems += mapping_drift(nested, props[name].get("properties", {}))
    return problems
