"""The search API's contract: what a client may ask, and what it gets back.

These models are the API's public interface (OpenAPI is generated from them);
the web page, the ``newsflow search`` command and the tests all read them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from newsflow.schemas.articles import CopyRecord, Entity, EntityType, SourceInfo

SEARCH_API_VERSION = 1
MAX_PAGE_SIZE = 100
MAX_QUERY_CHARS = 500


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class SearchParams(BaseModel):
    """Query-string parameters of ``GET /search``."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        None,
        max_length=MAX_QUERY_CHARS,
        description='Words to find in title (boosted) and body. Supports "quoted phrases", -exclusion, '
        "OR, prefix*, and parentheses; never raw query DSL.",
        examples=["HIMARS", '"Kharkiv region" -Putin'],
    )
    entity: list[str] = Field(
        [],
        max_length=10,
        description="Canonical entity names; an article must mention all of them.",
        examples=[["Volodymyr Zelensky"]],
    )
    entity_type: EntityType | None = Field(
        None,
        description="Restrict the entity filter to this type; alone, keep articles mentioning any entity of it.",
    )
    outlet: list[str] = Field([], max_length=20, description="Outlets to keep (any of them).")
    language: list[str] = Field([], max_length=10, description="ISO 639-1 language codes to keep (any of them).")
    since: datetime | date | None = Field(
        None, description="Earliest article date (inclusive), ISO 8601.", examples=["2022-09-01"]
    )
    until: datetime | date | None = Field(
        None, description="Latest article date (inclusive), ISO 8601.", examples=["2022-09-30T23:59:59Z"]
    )
    sort: SortOrder = Field(SortOrder.RELEVANCE, description="Order of the hits.")
    size: int = Field(10, ge=1, le=MAX_PAGE_SIZE, description="Hits per page.")
    cursor: str | None = Field(
        None,
        max_length=2048,
        description="``next_cursor`` of the previous page, to get the next one (same query and sort).",
    )
    expand_duplicates: bool = Field(
        False,
        description="Show near-duplicate republications as hits of their own instead of counting them "
        "on their original.",
    )
    facet_size: int = Field(10, ge=1, le=50, description="Buckets per facet.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> SearchParams:
        if self.since is not None and self.until is not None and _as_date(self.since) > _as_date(self.until):
            raise ValueError("since must not be after until")
        return self


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


class SearchHit(BaseModel):
    """One article in a result page (a whole group of near-duplicates when collapsed)."""

    article_id: str
    title: str
    title_html: str = Field(description="Title with matched words in <mark>; the text is HTML-escaped.")
    snippets: list[str] = Field(description="Matching passages of the body, HTML-escaped, matches in <mark>.")
    outlet: str | None
    url: str | None
    published_at: datetime | None
    dated_at: datetime
    language: str
    people: list[str]
    organizations: list[str]
    places: list[str]
    copy_count: int = Field(description="Exact copies of this article received from other files.")
    near_duplicate_count: int = Field(description="Near-duplicate republications collapsed into this hit.")
    near_duplicate_of: str | None = Field(description="The original, when this hit is itself a republication.")
    score: float | None


class FacetBucket(BaseModel):
    value: str
    count: int


class DateBucket(BaseModel):
    start: datetime
    count: int


class Facets(BaseModel):
    """Counts over every matching article (not only the page), after collapsing."""

    people: list[FacetBucket]
    organizations: list[FacetBucket]
    places: list[FacetBucket]
    outlets: list[FacetBucket]
    languages: list[FacetBucket]
    dates: list[DateBucket] = Field(description="Articles over time (interval chosen for about 20 buckets).")
    date_interval: str | None = Field(description="Width of the date buckets, e.g. '1d' or '7d'.")


_HIT_EXAMPLE: dict[str, JsonValue] = {
    "article_id": "5f0c2a9e1d7b4c3a8e6f1a2b3c4d5e6f",
    "title": "Ukraine's Zelensky calls for faster arms deliveries",
    "title_html": "Ukraine&#x27;s Zelensky calls for faster arms deliveries",
    "snippets": ["The <mark>HIMARS</mark> rocket systems supplied by the United States have been decisive"],
    "outlet": "Reuters",
    "url": None,
    "published_at": None,
    "dated_at": "2022-09-13T08:00:00Z",
    "language": "en",
    "people": ["Volodymyr Zelensky", "Antony Blinken"],
    "organizations": ["NATO"],
    "places": ["Kharkiv", "Kyiv"],
    "copy_count": 1,
    "near_duplicate_count": 1,
    "near_duplicate_of": None,
    "score": 7.31,
}


class SearchResponse(BaseModel):
    """A page of results."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "api_version": 1,
                    "total": 2,
                    "hits": [_HIT_EXAMPLE],
                    "facets": {
                        "people": [{"value": "Volodymyr Zelensky", "count": 2}],
                        "organizations": [{"value": "NATO", "count": 1}],
                        "places": [{"value": "Kharkiv", "count": 2}],
                        "outlets": [{"value": "Reuters", "count": 1}],
                        "languages": [{"value": "en", "count": 2}],
                        "dates": [{"start": "2022-09-13T00:00:00Z", "count": 2}],
                        "date_interval": "1d",
                    },
                    "next_cursor": "eyJrIjoiMWEyYjNjIiwiYSI6WzcuMzFdfQ",
                    "took_ms": 12,
                }
            ]
        }
    )

    api_version: int = SEARCH_API_VERSION
    total: int = Field(description="Matching articles after collapsing near-duplicates (exact).")
    hits: list[SearchHit]
    facets: Facets
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last page.")
    took_ms: int


class RelatedArticle(BaseModel):
    """Another article of the same near-duplicate group."""

    article_id: str
    title: str
    outlet: str | None
    dated_at: datetime
    similarity: float | None = Field(description="Estimated similarity of the bodies (0..1).")


class ArticleView(BaseModel):
    """``GET /articles/{id}``: the whole article with its duplicates."""

    api_version: int = SEARCH_API_VERSION
    article_id: str
    title: str
    body: str
    outlet: str | None
    url: str | None
    published_at: datetime | None
    ingested_at: datetime
    dated_at: datetime
    language: str
    word_count: int
    entities: list[Entity]
    source: SourceInfo
    copies: list[CopyRecord] = Field(description="Exact copies received from other files.")
    near_duplicate_of: RelatedArticle | None = Field(description="The original this article republishes.")
    near_duplicates: list[RelatedArticle] = Field(description="Republications of this article.")


class EntitySuggestion(BaseModel):
    canonical: str
    type: EntityType
    articles: int = Field(description="Articles mentioning it.")


class EntitySuggestions(BaseModel):
    """``GET /entities``: canonical entities whose name (or a word of it) starts with the prefix."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"api_version": 1, "entities": [{"canonical": "Volodymyr Zelensky", "type": "person", "articles": 2}]}
            ]
        }
    )

    api_version: int = SEARCH_API_VERSION
    entities: list[EntitySuggestion]


class ApiError(BaseModel):
    """Every error the API returns: what failed and what to do."""

    error: str = Field(examples=["invalid parameter"])
    detail: str = Field(examples=["size: Input should be less than or equal to 100"])
