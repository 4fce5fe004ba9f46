"""The search API's contract: what a client may ask, and what it gets back.

These models are the API's public interface (OpenAPI is generated from them);
the web page, the ``newsflow search`` command and the tests all read them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from newsflow.schemas.articles import MAX_ENTITY_ID_CHARS, CopyRecord, Entity, EntityType, SourceInfo

SEARCH_API_VERSION = 1
MAX_PAGE_SIZE = 100
MAX_QUERY_CHARS = 500
# "organization:" and the longest slug.
MAX_ENTITY_ID_LENGTH = len(EntityType.ORGANIZATION.value) + 1 + MAX_ENTITY_ID_CHARS
ENTITY_ID_EXAMPLE = "person:volodymyr-zelensky"


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class SearchGroup(StrEnum):
    """What ``/search`` may group its hits by."""

    STORY = "story"


class StorySort(StrEnum):
    """Orders of ``GET /stories``."""

    LATEST = "latest"
    SIZE = "size"


class SearchFilters(BaseModel):
    """What selects articles: words and filters, shared by ``GET /search`` and saved searches."""

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
        description="Entity ids (e.g. 'person:volodymyr-zelensky', from facets or /entities) or canonical names; "
        "an article must mention all of them. A value starting with 'person:', 'organization:' or 'place:' "
        "is an id.",
        examples=[[ENTITY_ID_EXAMPLE], ["Volodymyr Zelensky"]],
    )
    entity_type: EntityType | None = Field(
        None,
        description="Restrict the name filters of ``entity`` to this type (an id carries its own type and must "
        "agree); alone, keep articles mentioning any entity of it.",
    )
    outlet: list[str] = Field([], max_length=20, description="Outlets to keep (any of them).")
    language: list[str] = Field([], max_length=10, description="ISO 639-1 language codes to keep (any of them).")
    since: datetime | date | None = Field(
        None, description="Earliest article date (inclusive), ISO 8601.", examples=["2022-09-01"]
    )
    until: datetime | date | None = Field(
        None, description="Latest article date (inclusive), ISO 8601.", examples=["2022-09-30T23:59:59Z"]
    )

    @field_validator("since", "until", mode="before")
    @classmethod
    def _bare_dates(cls, value: object) -> object:
        return _bare_date(value)

    @model_validator(mode="after")
    def _dates_in_order(self) -> SearchFilters:
        _check_dates(self.since, self.until)
        return self


class SearchParams(SearchFilters):
    """Query-string parameters of ``GET /search``: the filters, and how to page, sort and group the hits."""

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
    facets: bool = Field(
        True,
        description="``false``: no facets (``facets`` is null), for the next pages of a search whose facets "
        "the client has already; such a page comes faster (the facets are counted over the whole match).",
    )
    group: SearchGroup | None = Field(
        None,
        description="``story``: one hit per story (the best matching original of each), with the story's "
        "counts in ``story``; ``total_stories`` counts the groups. Articles not yet in a story are left out.",
    )


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _bare_date(value: object) -> object:
    """A bare ``YYYY-MM-DD`` as a date: left to the union, pydantic reads it as midnight, and a bare
    ``until`` would then leave out the rest of its day."""
    if isinstance(value, str) and _BARE_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value  # e.g. 2024-02-30: pydantic says what is wrong with it
    return value


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _check_dates(since: datetime | date | None, until: datetime | date | None) -> None:
    if since is not None and until is not None and _as_date(since) > _as_date(until):
        raise ValueError("since must not be after until")


class EntityRef(BaseModel):
    """An entity as lists show it: its id, canonical name and type."""

    id: str = Field(description="Stable id, the value to filter on.", examples=[ENTITY_ID_EXAMPLE])
    name: str = Field(description="Canonical name, the text to show.", examples=["Volodymyr Zelensky"])
    type: EntityType


class StoryRef(BaseModel):
    """The story a hit stands for (``/search?group=story``): "+N reports from M outlets"."""

    id: str = Field(description="Story id, for ``/stories/{id}``.", examples=["st-5f0c2a9e1d7b4c3a8e6f1a2b"])
    article_count: int = Field(description="Articles of the story in the index, republications included.")
    outlet_count: int = Field(description="Distinct outlets among them (articles without an outlet count for none).")
    other_reports: int = Field(description="Articles of the story besides this hit (``article_count`` - 1).")
    matching_articles: int = Field(description="Articles of the story that match the query and filters.")


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
    entities: list[EntityRef] = Field(
        description="The article's people, organisations and places, each with its id (to filter on) and "
        "canonical name (to show)."
    )
    people: list[str] = Field(description="Canonical names of the people mentioned.")
    organizations: list[str] = Field(description="Canonical names of the organisations mentioned.")
    places: list[str] = Field(description="Canonical names of the places mentioned.")
    copy_count: int = Field(description="Exact copies of this article received from other files.")
    near_duplicate_count: int = Field(description="Near-duplicate republications collapsed into this hit.")
    near_duplicate_of: str | None = Field(description="The original, when this hit is itself a republication.")
    story_id: str | None = Field(
        None, description="The story the article belongs to (null for articles indexed before stories existed)."
    )
    story: StoryRef | None = Field(None, description="With ``group=story``: the story this hit stands for.")
    score: float | None


class FacetBucket(BaseModel):
    """A value of a field and the matching articles that have it."""

    value: str
    count: int


class EntityFacetBucket(BaseModel):
    """An entity and the matching articles that mention it: filter with ``entity=<id>``, show ``name``."""

    id: str = Field(examples=[ENTITY_ID_EXAMPLE])
    name: str = Field(description="Canonical name.", examples=["Volodymyr Zelensky"])
    count: int = Field(description="Matching articles mentioning it.")


class DateBucket(BaseModel):
    start: datetime
    count: int


class Facets(BaseModel):
    """Counts over every matching article (not only the page), after collapsing."""

    people: list[EntityFacetBucket]
    organizations: list[EntityFacetBucket]
    places: list[EntityFacetBucket]
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
    "entities": [
        {"id": "person:volodymyr-zelensky", "name": "Volodymyr Zelensky", "type": "person"},
        {"id": "person:antony-blinken", "name": "Antony Blinken", "type": "person"},
        {"id": "organization:nato", "name": "NATO", "type": "organization"},
        {"id": "place:kharkiv", "name": "Kharkiv", "type": "place"},
        {"id": "place:kyiv", "name": "Kyiv", "type": "place"},
    ],
    "people": ["Volodymyr Zelensky", "Antony Blinken"],
    "organizations": ["NATO"],
    "places": ["Kharkiv", "Kyiv"],
    "copy_count": 1,
    "near_duplicate_count": 1,
    "near_duplicate_of": None,
    "story_id": "st-5f0c2a9e1d7b4c3a8e6f1a2b",
    "story": {
        "id": "st-5f0c2a9e1d7b4c3a8e6f1a2b",
        "article_count": 3,
        "outlet_count": 2,
        "other_reports": 2,
        "matching_articles": 2,
    },
    "score": 7.31,
}


class SearchResponse(BaseModel):
    """A page of results (the example is grouped by story: ``group=story``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "api_version": 1,
                    "total": 2,
                    "hits": [_HIT_EXAMPLE],
                    "facets": {
                        "people": [{"id": "person:volodymyr-zelensky", "name": "Volodymyr Zelensky", "count": 2}],
                        "organizations": [{"id": "organization:nato", "name": "NATO", "count": 1}],
                        "places": [{"id": "place:kharkiv", "name": "Kharkiv", "count": 2}],
                        "outlets": [{"value": "Reuters", "count": 1}],
                        "languages": [{"value": "en", "count": 2}],
                        "dates": [{"start": "2022-09-13T00:00:00Z", "count": 2}],
                        "date_interval": "1d",
                    },
                    "next_cursor": "eyJrIjoiMWEyYjNjIiwiYSI6WzcuMzFdfQ",
                    "took_ms": 12,
                    "total_stories": 1,
                }
            ]
        }
    )

    api_version: int = SEARCH_API_VERSION
    total: int = Field(description="Matching articles after collapsing near-duplicates (exact).")
    total_stories: int | None = Field(
        None,
        description="With ``group=story``: stories among the matching articles (exact up to 40,000, "
        "Elasticsearch's cardinality precision); null otherwise.",
    )
    hits: list[SearchHit]
    facets: Facets | None = Field(description="Counts over the whole match; null when ``facets=false`` was asked.")
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
    entities: list[Entity] = Field(
        description="Its people, organisations and places: id, canonical name, type, the spellings found in "
        "this article, mentions and how sure the type is (confidence)."
    )
    source: SourceInfo
    copies: list[CopyRecord] = Field(description="Exact copies received from other files.")
    near_duplicate_of: RelatedArticle | None = Field(description="The original this article republishes.")
    near_duplicates: list[RelatedArticle] = Field(description="Republications of this article.")


class EntitySuggestion(BaseModel):
    """One entity of ``GET /entities``."""

    id: str = Field(description="Stable id, the value to filter on.", examples=[ENTITY_ID_EXAMPLE])
    name: str = Field(description="Canonical name.", examples=["Volodymyr Zelensky"])
    type: EntityType
    articles: int = Field(description="Articles mentioning it.")


class EntitySuggestions(BaseModel):
    """``GET /entities``: entities whose canonical name (or a word of it) starts with the prefix."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "api_version": 1,
                    "entities": [
                        {"id": ENTITY_ID_EXAMPLE, "name": "Volodymyr Zelensky", "type": "person", "articles": 2}
                    ],
                }
            ]
        }
    )

    api_version: int = SEARCH_API_VERSION
    entities: list[EntitySuggestion]


class SurfaceForm(BaseModel):
    """One spelling of an entity and the articles that wrote it so."""

    text: str = Field(examples=["Zelensky"])
    articles: int


class EntityArticle(BaseModel):
    """An article mentioning the entity."""

    article_id: str
    title: str
    outlet: str | None
    dated_at: datetime
    mentions: int = Field(description="Mentions of the entity in this article.")
    near_duplicate_of: str | None = Field(description="The original, when this article is a republication.")


class EntityView(BaseModel):
    """``GET /entities/{entity_id}``: one entity across the index."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "api_version": 1,
                    "id": ENTITY_ID_EXAMPLE,
                    "name": "Volodymyr Zelensky",
                    "type": "person",
                    "articles": 3,
                    "mentions": 7,
                    "surface_forms": [
                        {"text": "Zelensky", "articles": 3},
                        {"text": "Volodymyr Zelensky", "articles": 2},
                    ],
                    "latest_articles": [
                        {
                            "article_id": "5f0c2a9e1d7b4c3a8e6f1a2b3c4d5e6f",
                            "title": "Ukraine's Zelensky calls for faster arms deliveries",
                            "outlet": "Reuters",
                            "dated_at": "2022-09-13T08:00:00Z",
                            "mentions": 3,
                            "near_duplicate_of": None,
                        }
                    ],
                }
            ]
        }
    )

    api_version: int = SEARCH_API_VERSION
    id: str
    name: str = Field(description="Canonical name (the most frequent one, should articles disagree).")
    type: EntityType
    articles: int = Field(description="Articles mentioning it, republications included.")
    mentions: int = Field(description="Mentions over all those articles.")
    surface_forms: list[SurfaceForm] = Field(description="Spellings found across articles, most widespread first.")
    latest_articles: list[EntityArticle] = Field(description="The newest articles mentioning it, newest first.")


STORY_ID_PATTERN = r"^st-[0-9a-f]{24}$"
STORY_ID_EXAMPLE = "st-5f0c2a9e1d7b4c3a8e6f1a2b"
MAX_STORY_ARTICLES = 1000


class StoriesParams(BaseModel):
    """Query-string parameters of ``GET /stories``."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        None,
        max_length=MAX_QUERY_CHARS,
        description="Words (same syntax as /search): stories with at least one article whose title or body "
        "matches, each with how many of its articles do (``matching_articles``).",
        examples=["HIMARS"],
    )
    entity: list[str] = Field(
        [],
        max_length=10,
        description="Entity ids ('person:volodymyr-zelensky') or canonical names among the story's top "
        "entities; a story must have all of them.",
        examples=[[ENTITY_ID_EXAMPLE]],
    )
    outlet: list[str] = Field([], max_length=20, description="Outlets that reported the story (any of them).")
    language: list[str] = Field([], max_length=10, description="ISO 639-1 language codes (any of them).")
    since: datetime | date | None = Field(
        None, description="Latest article of the story on or after this date (``last_seen``), ISO 8601."
    )
    until: datetime | date | None = Field(
        None, description="Latest article of the story on or before this date (``last_seen``), ISO 8601."
    )
    min_articles: int = Field(1, ge=1, le=1_000_000, description="Only stories with at least this many articles.")
    sort: StorySort = Field(
        StorySort.LATEST,
        description="``latest``: most recent article first (``last_seen``); ``size``: most articles first.",
    )
    size: int = Field(10, ge=1, le=MAX_PAGE_SIZE, description="Stories per page.")
    cursor: str | None = Field(
        None, max_length=2048, description="``next_cursor`` of the previous page (same query and sort)."
    )

    @field_validator("since", "until", mode="before")
    @classmethod
    def _bare_dates(cls, value: object) -> object:
        return _bare_date(value)

    @model_validator(mode="after")
    def _dates_in_order(self) -> StoriesParams:
        _check_dates(self.since, self.until)
        return self


class StoryOutletCount(BaseModel):
    """An outlet that reported the story and how many of its articles it wrote."""

    name: str = Field(examples=["Reuters"])
    articles: int


class StoryEntityCount(BaseModel):
    """One of the story's most present entities and how many of its articles name it."""

    id: str = Field(description="Stable id, the value to filter on.", examples=[ENTITY_ID_EXAMPLE])
    name: str = Field(description="Canonical name.", examples=["Volodymyr Zelensky"])
    type: EntityType
    articles: int


class StorySummary(BaseModel):
    """One story: every outlet's report of one event."""

    story_id: str = Field(examples=[STORY_ID_EXAMPLE])
    headline: str = Field(description="Title of the story's most representative article (plain text).")
    headline_article_id: str
    language: str
    first_seen: datetime = Field(description="Date of its earliest article (``dated_at``).")
    last_seen: datetime = Field(description="Date of its latest article.")
    article_count: int
    outlet_count: int = Field(description="Distinct outlets (articles without an outlet count for none).")
    outlets: list[StoryOutletCount] = Field(description="Outlets by articles, most first.")
    top_entities: list[StoryEntityCount] = Field(description="The entities most of its articles name.")
    matching_articles: int | None = Field(
        None, description="With ``q``: articles of the story matching the words; null without ``q``."
    )


_STORY_EXAMPLE: dict[str, JsonValue] = {
    "story_id": STORY_ID_EXAMPLE,
    "headline": "Ukraine's Zelensky calls for faster arms deliveries",
    "headline_article_id": "5f0c2a9e1d7b4c3a8e6f1a2b3c4d5e6f",
    "language": "en",
    "first_seen": "2022-09-13T08:00:00Z",
    "last_seen": "2022-09-13T17:30:00Z",
    "article_count": 3,
    "outlet_count": 2,
    "outlets": [{"name": "Reuters", "articles": 2}, {"name": "AP", "articles": 1}],
    "top_entities": [{"id": ENTITY_ID_EXAMPLE, "name": "Volodymyr Zelensky", "type": "person", "articles": 3}],
    "matching_articles": None,
}


class StoriesResponse(BaseModel):
    """``GET /stories``: a page of stories."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"api_version": 1, "total": 1, "stories": [_STORY_EXAMPLE], "next_cursor": None, "took_ms": 4}]
        }
    )

    api_version: int = SEARCH_API_VERSION
    total: int = Field(description="Stories matching (exact).")
    stories: list[StorySummary]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last page.")
    took_ms: int


class StoryArticle(BaseModel):
    """One article of a story, as its timeline lists it."""

    article_id: str
    title: str
    outlet: str | None
    url: str | None
    published_at: datetime | None
    dated_at: datetime = Field(description="Published date when the source gave one, else when it was received.")
    near_duplicate_of: str | None = Field(description="The original, when this article is a republication.")


class StoryView(StorySummary):
    """``GET /stories/{story_id}``: the story and its articles, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_STORY_EXAMPLE,
                    "api_version": 1,
                    "articles_total": 1,
                    "articles": [
                        {
                            "article_id": "5f0c2a9e1d7b4c3a8e6f1a2b3c4d5e6f",
                            "title": "Ukraine's Zelensky calls for faster arms deliveries",
                            "outlet": "Reuters",
                            "url": None,
                            "published_at": None,
                            "dated_at": "2022-09-13T08:00:00Z",
                            "near_duplicate_of": None,
                        }
                    ],
                }
            ]
        }
    )

    api_version: int = SEARCH_API_VERSION
    articles_total: int = Field(description="Articles of the index in this story (``articles`` lists the first).")
    articles: list[StoryArticle] = Field(description="Its articles by ``dated_at``, oldest first.")


class ApiError(BaseModel):
    """Every error the API returns: what failed and what to do."""

    error: str = Field(examples=["invalid parameter"])
    detail: str = Field(examples=["size: Input should be less than or equal to 100"])
