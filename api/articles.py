"""``GET /articles/{id}`` and ``GET /entities``: one article with its duplicates, and entity autocomplete."""

from __future__ import annotations

from typing import Any

from newsflow.schemas.articles import EntityType
from newsflow.schemas.search import ArticleView, EntitySuggestion, EntitySuggestions, RelatedArticle

MAX_RELATED = 100
_RELATED_FIELDS = ["article_id", "title", "outlet", "dated_at", "near_duplicate_similarity"]
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
    """A size-0 search whose aggregation lists matching canonical entities with their article counts."""
    type_filter: dict[str, Any] = {"term": {"entities.type": entity_type.value}} if entity_type else {"match_all": {}}
    return {
        "size": 0,
        "query": {"exists": {"field": "title"}},
        "aggs": {
            "entities": {
                "nested": {"path": "entities"},
                "aggs": {
                    "typed": {
                        "filter": type_filter,
                        "aggs": {
                            "names": {
                                "terms": {
                                    "field": "entities.canonical",
                                    "include": _case_insensitive_prefix(prefix.strip()),
                                    "size": size,
                                    "order": [{"articles": "desc"}, {"_key": "asc"}],
                                },
                                "aggs": {
                                    "articles": {"reverse_nested": {}},
                                    "types": {"terms": {"field": "entities.type", "size": 1}},
                                },
                            }
                        },
                    }
                },
            }
        },
    }


def parse_entities(response: dict[str, Any]) -> EntitySuggestions:
    """Suggestions from the answer to :func:`entities_body`."""
    buckets = response["aggregations"]["entities"]["typed"]["names"]["buckets"]
    return EntitySuggestions(
        entities=[
            EntitySuggestion(
                canonical=b["key"],
                type=b["types"]["buckets"][0]["key"],
                articles=b["articles"]["doc_count"],
            )
            for b in buckets
        ]
    )
