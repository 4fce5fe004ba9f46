"""``GET /search``: turn typed parameters into one Elasticsearch request, and its answer into a page.

Users never send query DSL: their words go through ``simple_query_string``
with a fixed set of operators, and every filter is built here from validated
values. Near-duplicates are collapsed onto their original by keeping only
originals in the query (Elasticsearch 7 cannot page with ``search_after``
over a ``collapse``), then counting each page's republications in a second,
small request; so ``total`` and deep pages stay exact and fast.

``group=story`` is the one place that does collapse: on ``story_id``, over
the same originals-only query, so each story is stood for by its best
matching original; those pages are read by offset (``from``), which is what
Elasticsearch 7 allows with ``collapse``, up to :data:`MAX_GROUPED_WINDOW`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel

from newsflow.schemas.articles import FACET_KEY_FIELDS, MAX_ENTITY_ID_CHARS, EntityType, split_facet_key
from newsflow.schemas.search import (
    ENTITY_ID_EXAMPLE,
    DateBucket,
    EntityFacetBucket,
    FacetBucket,
    Facets,
    SearchFilters,
    SearchGroup,
    SearchHit,
    SearchParams,
    SearchResponse,
    SortOrder,
    StoryRef,
)

ENTITY_FIELDS: dict[EntityType, str] = {
    EntityType.PERSON: "people",
    EntityType.ORGANIZATION: "organizations",
    EntityType.PLACE: "places",
}
ENTITY_ORDER: dict[str, int] = {kind.value: position for position, kind in enumerate(ENTITY_FIELDS)}
# Operators a user may type; fuzzy, slop and near are left out (costly, rarely meant).
_QUERY_FLAGS = "AND|OR|NOT|PHRASE|PREFIX|PRECEDENCE|WHITESPACE|ESCAPE"
# A snippet is the text around a match, about this many characters; the lead when nothing matches.
SNIPPET_CHARS = 90
NO_MATCH_CHARS = 180
_SORTS: dict[SortOrder, list[dict[str, Any]]] = {
    SortOrder.RELEVANCE: [{"_score": "desc"}, {"dated_at": "desc"}, {"article_id": "asc"}],
    SortOrder.NEWEST: [{"dated_at": "desc"}, {"article_id": "asc"}],
    SortOrder.OLDEST: [{"dated_at": "asc"}, {"article_id": "asc"}],
}
_HIT_FIELDS = [
    "article_id",
    "title",
    "outlet",
    "url",
    "published_at",
    "dated_at",
    "language",
    "entities.id",
    "entities.canonical",
    "entities.type",
    "people",
    "organizations",
    "places",
    "copy_count",
    "near_duplicate_of",
    "story_id",
]
# Elasticsearch's index.max_result_window: a collapsed search reads pages by offset, and no deeper.
MAX_GROUPED_WINDOW = 10_000
# Highest precision_threshold of a cardinality aggregation: counts up to it are (near) exact.
CARDINALITY_PRECISION = 40_000


_ENTITY_ID = re.compile(rf"({'|'.join(t.value for t in EntityType)}):(.*)", re.DOTALL)
_SLUG = re.compile(r"[\w-]*")


class InvalidCursorError(ValueError):
    """A ``cursor`` this API did not issue for this query."""


class InvalidEntityIdError(ValueError):
    """A value that starts like an entity id (``person:``) but is not one."""


class ConflictingFiltersError(ValueError):
    """Filters that contradict each other, e.g. an id of a person with ``entity_type=place``."""


def entity_id_type(value: str) -> EntityType | None:
    """The type of ``value`` if it is an entity id, ``None`` if it is a name.

    A value starting with a type and ``:`` is an id; raises :class:`InvalidEntityIdError` when the rest is not
    an id's name part (lower case, words joined by ``-``), since such a value matches nothing and was meant
    as an id. The id itself is never rebuilt from a name here: ids come from the indexed documents.
    """
    match = _ENTITY_ID.fullmatch(value)
    if match is None:
        return None
    slug = match.group(2)
    # Case folding is idempotent, so every slug the contract made reads the same folded again.
    if not _SLUG.fullmatch(slug) or slug != slug.casefold() or len(slug) > MAX_ENTITY_ID_CHARS:
        raise InvalidEntityIdError(
            f"{value[:80]!r} starts like an entity id but is not one: ids are a type and a lower-case name "
            f"part with words joined by '-', e.g. {ENTITY_ID_EXAMPLE!r}; take them from the facets or "
            "/entities, or give the canonical name alone"
        )
    return EntityType(match.group(1))


def _date_bound(value: datetime | date, end: bool) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.combine(value, time.max if end else time.min).isoformat()


def date_range(field: str, since: datetime | date | None, until: datetime | date | None) -> dict[str, Any] | None:
    """A range filter on ``field`` (a bare ``until`` date includes its whole day), or None without bounds."""
    bounds: dict[str, str] = {}
    if since:
        bounds["gte"] = _date_bound(since, end=False)
    if until:
        bounds["lte"] = _date_bound(until, end=True)
    return {"range": {field: bounds}} if bounds else None


def filters(params: SearchFilters) -> list[dict[str, Any]]:
    """The non-scoring clauses for ``params`` (stub documents without a title never match).

    Raises :class:`InvalidEntityIdError` or :class:`ConflictingFiltersError` for entity filters that can't be
    what the caller meant.
    """
    clauses: list[dict[str, Any]] = [{"exists": {"field": "title"}}]
    type_fields = [ENTITY_FIELDS[params.entity_type]] if params.entity_type else list(ENTITY_FIELDS.values())
    for value in params.entity:
        id_type = entity_id_type(value)
        if id_type is None:
            # A canonical name: the flat name lists, one per type.
            clauses.append(
                {"bool": {"should": [{"term": {field: value}} for field in type_fields], "minimum_should_match": 1}}
            )
            continue
        if params.entity_type is not None and id_type != params.entity_type:
            raise ConflictingFiltersError(
                f"entity {value!r} is a {id_type.value} but entity_type={params.entity_type.value} asks for a "
                f"{params.entity_type.value}; drop entity_type or the id"
            )
        clauses.append({"term": {"entity_ids": value}})
    if params.entity_type and not params.entity:
        clauses.append({"exists": {"field": ENTITY_FIELDS[params.entity_type]}})
    if params.outlet:
        clauses.append({"terms": {"outlet": params.outlet}})
    if params.language:
        clauses.append({"terms": {"language": params.language}})
    if (dates := date_range("dated_at", params.since, params.until)) is not None:
        clauses.append(dates)
    return clauses


def words_clause(q: str, fields: tuple[str, ...] = ("title^3", "body"), exact_phrases: bool = True) -> dict[str, Any]:
    """The clause for a user's words over ``fields`` (to score: the title boosted, and the body), with the
    allowed operators only. Quoted phrases go to the unstemmed ``.exact`` subfields when ``exact_phrases``."""
    clause: dict[str, Any] = {
        "query": q,
        "fields": list(fields),
        "default_operator": "and",
        "flags": _QUERY_FLAGS,
        "lenient": True,
    }
    if exact_phrases:
        clause["quote_field_suffix"] = ".exact"
    return {"simple_query_string": clause}


def highlight(params: SearchParams) -> dict[str, Any]:
    """Highlighted title and two body snippets of each hit.

    Each field is highlighted with the words searched on that field itself: a quoted phrase, which the query
    matches on the ``.exact`` subfields, would otherwise mark nothing. The body goes through the fast vector
    highlighter, which reads the term vectors the mapping stores: the unified highlighter, analysing each
    hit's text again, took twice as long for a 50-hit page on a 100 000-article index (docs/benchmarks.md,
    "Session 28"). The title, highlighted whole, stays with the unified one.
    """
    fields: dict[str, dict[str, Any]] = {
        "title": {"number_of_fragments": 0},
        "body": {
            "type": "fvh",
            "fragment_size": SNIPPET_CHARS,
            "number_of_fragments": 2,
            "no_match_size": NO_MATCH_CHARS,
        },
    }
    if params.q and params.q.strip():
        for name, options in fields.items():
            options["highlight_query"] = words_clause(params.q, (name,), exact_phrases=False)
    return {"encoder": "html", "pre_tags": ["<mark>"], "post_tags": ["</mark>"], "fields": fields}


def query(params: SearchParams) -> dict[str, Any]:
    """The whole ``query`` clause: words (scoring), filters, and collapsing."""
    must: list[dict[str, Any]] = []
    if params.q and params.q.strip():
        must.append(words_clause(params.q))
    must_not = [] if params.expand_duplicates else [{"exists": {"field": "near_duplicate_of"}}]
    clauses = filters(params)
    if params.group is SearchGroup.STORY:
        # Collapsing puts every article without a story into one group: they are left out instead.
        clauses.append({"exists": {"field": "story_id"}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": clauses, "must_not": must_not}}


def _query_key(params: BaseModel) -> str:
    """Digest of everything that shapes the result list, so a cursor can't be reused on another query."""
    shape = params.model_dump(mode="json", exclude={"cursor", "size", "facet_size", "facets"})
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def _encode(token: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode().rstrip("=")


def encode_cursor(params: BaseModel, sort_values: list[Any]) -> str:
    """An opaque token for the page after the hit with ``sort_values``."""
    return _encode({"k": _query_key(params), "a": sort_values})


def encode_offset_cursor(params: BaseModel, offset: int) -> str:
    """An opaque token for the page starting at ``offset`` (collapsed searches, which can't search after)."""
    return _encode({"k": _query_key(params), "o": offset})


def _read_cursor(params: BaseModel, cursor: str, field: str) -> Any:
    """The ``field`` of a cursor issued for ``params``' query; raises :class:`InvalidCursorError` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        token = json.loads(raw)
        key = token["k"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidCursorError("cursor is not one this API issued; start again without it") from exc
    if key != _query_key(params):
        raise InvalidCursorError("cursor belongs to a different query or sort; start again without it")
    if field not in token:
        raise InvalidCursorError("cursor is malformed; start again without it")
    return token[field]


def decode_after(params: BaseModel, cursor: str | None, sort_length: int) -> list[Any] | None:
    """The ``search_after`` values of ``cursor`` for a sort of ``sort_length`` keys (None without a cursor)."""
    if cursor is None:
        return None
    after = _read_cursor(params, cursor, "a")
    if not isinstance(after, list) or len(after) != sort_length:
        raise InvalidCursorError("cursor is malformed; start again without it")
    return after


def decode_cursor(params: SearchParams) -> list[Any] | None:
    """The ``search_after`` values in ``params.cursor``; raises :class:`InvalidCursorError` when unusable."""
    return decode_after(params, params.cursor, len(_SORTS[params.sort]))


def decode_offset(params: SearchParams) -> int:
    """The offset in ``params.cursor`` of a grouped search (0 without a cursor)."""
    if params.cursor is None:
        return 0
    offset = _read_cursor(params, params.cursor, "o")
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < MAX_GROUPED_WINDOW:
        raise InvalidCursorError("cursor is malformed; start again without it")
    return offset


def hits_body(params: SearchParams) -> dict[str, Any]:
    """The Elasticsearch search body for one page of hits, without the facets (:func:`facets_body`).

    Grouped by story, the story count comes with the facets; without facets it comes with the hits.
    """
    body: dict[str, Any] = {
        "query": query(params),
        "size": params.size,
        "sort": _SORTS[params.sort],
        "track_total_hits": True,
        "_source": _HIT_FIELDS,
        "highlight": highlight(params),
    }
    if params.group is SearchGroup.STORY:
        # Elasticsearch 7 refuses search_after with collapse: grouped pages go by offset.
        body["collapse"] = {"field": "story_id"}
        body["from"] = decode_offset(params)
        if not params.facets:
            body["aggs"] = {"stories": _story_count()}
        return body
    after = decode_cursor(params)
    if after is not None:
        body["search_after"] = after
    return body


def facets_body(params: SearchParams) -> dict[str, Any] | None:
    """A size-0 search body for the facets of the whole match (None when ``params.facets`` is off).

    Apart from the hits so that Elasticsearch's shard request cache, which keeps size-0 answers only, serves
    the same facets again until the index next changes: at 100 000 articles the facets are nearly all of a
    broad search's time, the hits a few milliseconds (docs/benchmarks.md, "Search at 100 000 articles").
    """
    if not params.facets:
        return None
    facet_size = params.facet_size
    aggs: dict[str, Any] = {
        **entity_facets_aggregations(facet_size),
        "outlets": {"terms": {"field": "outlet", "size": facet_size}},
        "languages": {"terms": {"field": "language", "size": facet_size}},
        "dates": {"auto_date_histogram": {"field": "dated_at", "buckets": 20}},
    }
    if params.group is SearchGroup.STORY:
        aggs["stories"] = _story_count()
    return {"size": 0, "track_total_hits": False, "query": query(params), "aggs": aggs}


def msearch_lines(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``_msearch`` lines of ``bodies`` (a header before each): size-0 bodies (facets, counts) may be
    answered from the shard request cache."""
    lines: list[dict[str, Any]] = []
    for body in bodies:
        lines += [{"request_cache": True} if body.get("size") == 0 else {}, body]
    return lines


def _story_count() -> dict[str, Any]:
    return {"cardinality": {"field": "story_id", "precision_threshold": CARDINALITY_PRECISION}}


def story_counts_body(params: SearchParams, story_ids: list[str]) -> dict[str, Any]:
    """A size-0 search over the articles of ``story_ids``: each story's articles, outlets and matching articles.

    Counted in the articles index (republications included), the same articles ``/stories/{id}`` lists.
    """
    return {
        "size": 0,
        "query": {"bool": {"filter": [{"terms": {"story_id": story_ids}}, {"exists": {"field": "title"}}]}},
        "aggs": {
            "stories": {
                "terms": {"field": "story_id", "size": max(len(story_ids), 1)},
                "aggs": {
                    "outlets": {"cardinality": {"field": "outlet"}},
                    "matching": {"filter": query(params)},
                },
            }
        },
    }


def parse_story_counts(response: dict[str, Any]) -> dict[str, StoryRef]:
    """Story id -> its counts, from the answer to :func:`story_counts_body`."""
    return {
        b["key"]: StoryRef(
            id=b["key"],
            article_count=b["doc_count"],
            outlet_count=b["outlets"]["value"],
            other_reports=b["doc_count"] - 1,
            matching_articles=b["matching"]["doc_count"],
        )
        for b in response["aggregations"]["stories"]["buckets"]
    }


def entity_ids_aggregation(size: int) -> dict[str, Any]:
    """Inside the nested ``entities``: the top ``size`` entity ids by articles, each with its name and type.

    The id is the bucket key and the name comes from the same nested documents, so the pair is exact. An id
    is in an article at most once, yet the count is ``reverse_nested`` (articles, not entity entries) so that
    it stays right should an article ever list one twice. The buckets are ordered by entries (``_count``, the
    same order since an id is in an article once): ordering by the ``reverse_nested`` count made
    Elasticsearch compute it for every id in the matching articles, not only the ``size`` kept, which cost
    about 40% of the facets' time at 100 000 articles (docs/benchmarks.md, "Search at 100 000 articles").
    """
    return {
        "terms": {"field": "entities.id", "size": size, "order": [{"_count": "desc"}, {"_key": "asc"}]},
        "aggs": {
            "articles": {"reverse_nested": {}},
            # The most frequent canonical name of the id, in case articles indexed at different times disagree.
            "names": {"terms": {"field": "entities.canonical", "size": 1}},
            "types": {"terms": {"field": "entities.type", "size": 1}},
        },
    }


def entity_facets_aggregations(facet_size: int) -> dict[str, Any]:
    """The people, organisations and places facets: plain ``terms`` on each type's flat facet keys.

    Counting nested entity documents by id (as until session 22) cost about 250 ms of a 300 ms broad search
    at 100 000 articles; a flat field of the type's keys is read once per article. An id whose articles gave
    it two names has two keys: twice the buckets are asked for and those of one id are merged
    (:func:`entity_facet_buckets`).
    """
    return {
        field: {"terms": {"field": field, "size": 2 * facet_size, "order": [{"_count": "desc"}, {"_key": "asc"}]}}
        for field in FACET_KEY_FIELDS.values()
    }


def entity_facet_buckets(aggregation: dict[str, Any], facet_size: int) -> list[EntityFacetBucket]:
    """The top ``facet_size`` entities from one of :func:`entity_facets_aggregations`' answers: keys of one id
    merged (an article has an id once, so their counts add up), named by the commonest of its names."""
    counts: dict[str, int] = {}
    names: dict[str, tuple[int, str]] = {}
    for bucket in aggregation["buckets"]:
        entity, name = split_facet_key(str(bucket["key"]))
        counts[entity] = counts.get(entity, 0) + bucket["doc_count"]
        if entity not in names or bucket["doc_count"] > names[entity][0]:
            names[entity] = (bucket["doc_count"], name)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:facet_size]
    return [EntityFacetBucket(id=entity, name=names[entity][1], count=count) for entity, count in ranked]


def entity_buckets(ids_aggregation: dict[str, Any]) -> list[EntityFacetBucket]:
    """Facet buckets from the answer to :func:`entity_ids_aggregation`."""
    return [
        EntityFacetBucket(id=b["key"], name=_first_key(b["names"], b["key"]), count=b["articles"]["doc_count"])
        for b in ids_aggregation["buckets"]
    ]


def _first_key(aggregation: dict[str, Any], default: str) -> str:
    buckets = aggregation["buckets"]
    return str(buckets[0]["key"]) if buckets else default


def hit_entities(source: dict[str, Any]) -> list[dict[str, str]]:
    """The hit's entities as :class:`EntityRef` fields, people first, then organisations, then places, in the
    article's order within each.

    Fields, not models: the hit validates them with itself in one pass (an article names 20-30 entities; a
    model each cost about 1.5 ms of a 50-hit page). An entity indexed before ids existed has none in the
    document and is left out: ids are never made up here.
    """
    found = [
        {"id": e["id"], "name": e["canonical"], "type": e["type"]}
        for e in source.get("entities", [])
        if e.get("id") and e.get("canonical") and e.get("type") in ENTITY_ORDER
    ]
    return sorted(found, key=lambda e: ENTITY_ORDER[e["type"]])


def near_duplicate_counts_body(article_ids: list[str]) -> dict[str, Any]:
    """A size-0 search counting the republications of each of ``article_ids``."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [{"terms": {"near_duplicate_of": article_ids}}, {"exists": {"field": "title"}}]}},
        "aggs": {"originals": {"terms": {"field": "near_duplicate_of", "size": max(len(article_ids), 1)}}},
    }


def _buckets(aggregation: dict[str, Any]) -> list[FacetBucket]:
    return [FacetBucket(value=str(b["key"]), count=b["doc_count"]) for b in aggregation["buckets"]]


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def parse_response(
    params: SearchParams,
    response: dict[str, Any],
    facets_response: dict[str, Any] | None,
    near_duplicates: dict[str, int],
    *,
    took_ms: int,
    stories: dict[str, StoryRef] | None = None,
) -> SearchResponse:
    """The API's page from Elasticsearch's answers to :func:`hits_body` and :func:`facets_body` (None when
    the facets were not asked for), the republication counts and (grouped) the story counts."""
    stories = stories or {}
    raw_hits = response["hits"]["hits"]
    hits = []
    for raw in raw_hits:
        source = raw["_source"]
        marked = raw.get("highlight", {})
        hits.append(
            SearchHit.model_validate(
                {
                    "article_id": source["article_id"],
                    "title": source["title"],
                    "title_html": marked.get("title", [_html_escape(source["title"])])[0],
                    "snippets": marked.get("body", []),
                    "outlet": source.get("outlet"),
                    "url": source.get("url"),
                    "published_at": source.get("published_at"),
                    "dated_at": source["dated_at"],
                    "language": source["language"],
                    "entities": hit_entities(source),
                    "people": source.get("people", []),
                    "organizations": source.get("organizations", []),
                    "places": source.get("places", []),
                    "copy_count": source.get("copy_count", 0),
                    "near_duplicate_count": near_duplicates.get(source["article_id"], 0),
                    "near_duplicate_of": source.get("near_duplicate_of"),
                    "story_id": source.get("story_id"),
                    "story": stories.get(source.get("story_id") or ""),
                    "score": raw.get("_score"),
                }
            )
        )
    total = response["hits"]["total"]["value"]
    last_page = len(raw_hits) < params.size
    if params.group is SearchGroup.STORY:
        offset = decode_offset(params) + params.size
        deeper = not last_page and offset + params.size <= MAX_GROUPED_WINDOW
        next_cursor = encode_offset_cursor(params, offset) if deeper else None
    else:
        next_cursor = None if last_page or not raw_hits else encode_cursor(params, raw_hits[-1]["sort"])
    aggs = {**response.get("aggregations", {}), **(facets_response or {}).get("aggregations", {})}
    return SearchResponse(
        total=total,
        total_stories=aggs["stories"]["value"] if "stories" in aggs else None,
        hits=hits,
        facets=parse_facets(aggs, params.facet_size) if facets_response is not None else None,
        next_cursor=next_cursor,
        took_ms=took_ms,
    )


def parse_facets(aggs: dict[str, Any], facet_size: int) -> Facets:
    """The facets from the aggregations of :func:`facets_body`."""
    return Facets(
        people=entity_facet_buckets(aggs[FACET_KEY_FIELDS[EntityType.PERSON]], facet_size),
        organizations=entity_facet_buckets(aggs[FACET_KEY_FIELDS[EntityType.ORGANIZATION]], facet_size),
        places=entity_facet_buckets(aggs[FACET_KEY_FIELDS[EntityType.PLACE]], facet_size),
        outlets=_buckets(aggs["outlets"]),
        languages=_buckets(aggs["languages"]),
        dates=[DateBucket(start=b["key_as_string"], count=b["doc_count"]) for b in aggs["dates"]["buckets"]],
        date_interval=aggs["dates"].get("interval"),
    )
