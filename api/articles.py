"""``GET /articles/{id}``, ``GET /entities`` and ``GET /entities/{id}``: one article with its duplicates,
entity autocomplete, and one entity across the index."""

from __future__ import annotations

from typing import Any

from newsflow.api.search import entity_buckets, entity_ids_aggregation
from newsflow.schemas.articles import EntityType
from newsflow.schemas.search import (
    ArticleView,
    EntityArticle,
    EntitySuggestion,
    EntitySuggestions,
    EntityView,
    RelatedArticle,
    SurfaceForm,
)

MAX_RELATED = 100
MAX_SURFACE_FORMS = 50
_RELATED_FIELDS = ["article_id", "title", "outlet", "dated_at", "near_duplicate_similarity"]
_ENTITY_ARTICLE_FIELDS = [
    "article_id",
    "title",
    "outlet",
    "dated_at",
    "near_duplicate_of",
    "entities.id",
    "entities.mentions",
]
# Characters with a meaning in Lucene regular expressions.
_REGEX_SPECIAL = set('.?+*|{}[]()"\\#@&<>~^$')


def related_body(article_id: str) -> dict[str, Any]:
    """The search for the republications of ``article_id``, most similar first."""
    return {
        "size": MAX_RELATED,
        "_source": _RELATED_FIELDS,
        "query": {"bool": {"filter": [{"term": {"near_duplicate_of": article_id}}, {"exists": {"field": "title"}}]}},
        "sort": [{"near_duplicate_similarity": "desc"}, {"article_id": "asc"}],
    }


def related(source: dict[str, Any], similarity: float | None = None) -> RelatedArticle:
    """A short reference to an article of the same group."""
    return RelatedArticle(
        article_id=source["article_id"],
        title=source["title"],
        outlet=source.get("outlet"),
        dated_at=source["dated_at"],
        similarity=similarity if similarity is not None else source.get("near_duplicate_similarity"),
    )


def article_view(
    source: dict[str, Any], original: dict[str, Any] | None, republications: list[dict[str, Any]]
) -> ArticleView:
    """The API's view of one indexed article."""
    return ArticleView(
        article_id=source["article_id"],
        title=source["title"],
        body=source["body"],
        outlet=source.get("outlet"),
        url=source.get("url"),
        published_at=source.get("published_at"),
        ingested_at=source["ingested_at"],
        dated_at=source["dated_at"],
        language=source["language"],
        word_count=source["word_count"],
        entities=source.get("entities", []),
        source=source["source"],
        copies=source.get("copies", []),
        near_duplicate_of=related(original, source.get("near_duplicate_similarity")) if original else None,
        near_duplicates=[related(r) for r in republications],
    )


def _case_insensitive_prefix(prefix: str) -> str:
    """A Lucene regex matching names whose first letters, or a later word's, are ``prefix`` (any case)."""
    parts = []
    for char in prefix:
        if char.isalpha():
            parts.append(f"[{char.lower()}{char.upper()}]")
        elif char in _REGEX_SPECIAL:
            parts.append("\\" + char)
        else:
            parts.append(char)
    return f"(.*[ \\-])?{''.join(parts)}.*"


def entities_body(prefix: str, entity_type: EntityType | None, size: int) -> dict[str, Any]:
    """A size-0 search whose aggregation lists the entities with a matching canonical name, by id.

    The name is matched on the nested entities themselves, so each id is paired with the name its own
    entries carry; two entities sharing a name (Georgia the place and a person) stay two suggestions.
    """
    matching: list[dict[str, Any]] = [{"regexp": {"entities.canonical": _case_insensitive_prefix(prefix.strip())}}]
    if entity_type:
        matching.append({"term": {"entities.type": entity_type.value}})
    return {
        "size": 0,
        "query": {"exists": {"field": "title"}},
        "aggs": {
            "entities": {
                "nested": {"path": "entities"},
                "aggs": {
                    "matching": {
                        "filter": {"bool": {"filter": matching}},
                        "aggs": {"ids": entity_ids_aggregation(size)},
                    }
                },
            }
        },
    }


def parse_entities(response: dict[str, Any]) -> EntitySuggestions:
    """Suggestions from the answer to :func:`entities_body`."""
    ids = response["aggregations"]["entities"]["matching"]["ids"]
    types = {b["key"]: b["types"]["buckets"] for b in ids["buckets"]}
    return EntitySuggestions(
        entities=[
            EntitySuggestion(id=bucket.id, name=bucket.name, type=types[bucket.id][0]["key"], articles=bucket.count)
            for bucket in entity_buckets(ids)
            if types[bucket.id]
        ]
    )


def entity_body(entity_id: str, latest: int) -> dict[str, Any]:
    """The newest ``latest`` articles mentioning ``entity_id``, their total, and the entity's names and spellings."""
    return {
        "size": latest,
        "track_total_hits": True,
        "_source": _ENTITY_ARTICLE_FIELDS,
        "query": {"bool": {"filter": [{"term": {"entity_ids": entity_id}}, {"exists": {"field": "title"}}]}},
        "sort": [{"dated_at": "desc"}, {"article_id": "asc"}],
        "aggs": {
            "entities": {
                "nested": {"path": "entities"},
                "aggs": {
                    "this": {
                        "filter": {"term": {"entities.id": entity_id}},
                        "aggs": {
                            "names": {"terms": {"field": "entities.canonical", "size": 1}},
                            "types": {"terms": {"field": "entities.type", "size": 1}},
                            "mentions": {"sum": {"field": "entities.mentions"}},
                            "surface_forms": {
                                "terms": {"field": "entities.surface_forms", "size": MAX_SURFACE_FORMS},
                                "aggs": {"articles": {"reverse_nested": {}}},
                            },
                        },
                    }
                },
            }
        },
    }


def parse_entity(entity_id: str, response: dict[str, Any]) -> EntityView | None:
    """The entity from the answer to :func:`entity_body`; ``None`` when no article mentions it."""
    this = response["aggregations"]["entities"]["this"]
    total = response["hits"]["total"]["value"]
    if total == 0 or not this["types"]["buckets"]:
        return None
    forms = sorted(
        ((b["key"], b["articles"]["doc_count"]) for b in this["surface_forms"]["buckets"]),
        key=lambda form: (-form[1], form[0]),
    )
    return EntityView(
        id=entity_id,
        name=this["names"]["buckets"][0]["key"] if this["names"]["buckets"] else entity_id,
        type=this["types"]["buckets"][0]["key"],
        articles=total,
        mentions=int(this["mentions"]["value"] or 0),
        surface_forms=[SurfaceForm(text=text, articles=count) for text, count in forms],
        latest_articles=[_entity_article(entity_id, hit["_source"]) for hit in response["hits"]["hits"]],
    )


def _entity_article(entity_id: str, source: dict[str, Any]) -> EntityArticle:
    mentions = sum(e.get("mentions", 0) for e in source.get("entities", []) if e.get("id") == entity_id)
    return EntityArticle(
        article_id=source["article_id"],
        title=source["title"],
        outlet=source.get("outlet"),
        dated_at=source["dated_at"],
        mentions=mentions,
        near_duplicate_of=source.get("near_duplicate_of"),
    )
